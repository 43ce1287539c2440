"""Scan with several worker processes that share the acquisition's files, largest first.

The unit of work is one file of an artifact that declares `Artifact.split`, or all the files
of any other artifact (its extractor, or the source, may carry state from one file to the
next: intrusion logs drop events already read from another export). The parent lists the
units and orders them: files that may be read in parts first (the largest first, so they are
planned early), then the others by size. Each worker opens the acquisition itself (through the same
factory) and takes the next file not yet taken. A file of an artifact that declares
`Artifact.split`, large enough and whose database passes `PRAGMA quick_check`, is cut into
row-range parts (`artifacts.base.Part`) by the worker that takes it: it announces the other
parts to the workers and reads the first itself; idle workers take the largest part left.

A worker writes records into its own file per unit (the parent joins them in file and part
order into `records/<artifact>.jsonl`), sends each unit's detections and kept records when the
unit is done, and at the end spills its sorted, rendered timeline to the private work folder.
The parent then builds each artifact's status from its files' results, runs the
correlations once and merges everything in artifact, file and part order, so the outputs do
not depend on how many workers read what.

Workers are forked (POSIX only): nothing needs pickling on the way in, and a worker ends with
`os._exit`, so it never runs the parent's clean-up of temporary folders. Where fork is not
available the scan runs in one process.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing
import os
import queue
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from perito.artifacts.base import Artifact, Context, Part, parts
from perito.collector import collector_paused
from perito.detections import Detection
from perito.indicators.index import IndicatorIndex
from perito.output.jsonl import RecordFiles
from perito.output.timeline import Timeline
from perito.pipeline import (
    FileScan,
    Progress,
    ScanResult,
    combine,
    correlate_records,
    files_of,
    scan,
    scan_file,
)
from perito.records import Record
from perito.sources.base import Source
from perito.sources.evidence import EvidenceFile

log = logging.getLogger(__name__)

PART_BYTES = 4 << 20  # a file that may be split is read in parts of about this many bytes
MAX_PARTS = 16  # parts of one file at most
MIN_PART_ROWS = 500  # fewer rows per part are not worth a part
_SLOTS = 256  # parts announced in one scan at most (the rest of a file is read whole)
_FIELDS = 7  # per announced part: unit, number, of, offset, limit, taken, rows


def default_jobs() -> int:
    return max(1, min(4, os.cpu_count() or 1))


@dataclass(frozen=True)
class Unit:
    """One file of an artifact that declares `split`, or every file of any other artifact
    (whose extractor, or source, may keep state from one of its files to the next)."""

    artifact: int  # position in the scan's artifacts
    first: int  # position of its first file in `files_of(source, artifact)`
    addresses: tuple[str, ...]  # of its files, in order
    size: int
    splittable: bool


@dataclass(frozen=True)
class _Job:
    open_source: Callable[[], Source]
    artifacts: Sequence[Artifact]
    units: Sequence[Unit]
    order: Sequence[int]  # unit positions, in the order workers take them
    counters: Any  # shared: [units taken, parts announced]
    slots: Any  # shared: _FIELDS integers per announced part
    rates: Any  # shared: per unit, seconds per row its parts took so far (0: not known yet)
    index: IndicatorIndex | None
    parts: Path  # records of each piece: <unit>-<file of the unit>-<part>/<artifact>.jsonl
    work: Path


_JOB: _Job | None = None  # set in the parent just before forking


def _size(evidence: EvidenceFile) -> int:
    if evidence.size:
        return evidence.size
    with contextlib.suppress(OSError):
        return evidence.path.stat().st_size
    return 0


def plan_units(source: Source, artifacts: Sequence[Artifact]) -> list[Unit]:
    """The units of every artifact, in artifact and file order."""
    units = []
    for position, artifact in enumerate(artifacts):
        found = files_of(source, artifact)
        if artifact.split is None:
            if found:
                units.append(Unit(position, 0, tuple(e.address for e in found),
                                  sum(map(_size, found)), False))
            continue
        for number, evidence in enumerate(found):
            size = _size(evidence)
            units.append(Unit(position, number, (evidence.address,), size,
                              size >= 2 * PART_BYTES))
    return units


def unit_order(units: Sequence[Unit]) -> list[int]:
    """Files that may be split first, then the others, each group largest first."""
    return sorted(range(len(units)),
                  key=lambda i: (not units[i].splittable, -units[i].size, i))


def split_file(source: Source, artifact: Artifact, evidence: EvidenceFile, size: int
               ) -> list[Part]:
    """The parts to read a file in, or [] to read it whole."""
    wanted = min(MAX_PARTS, size // PART_BYTES)
    if artifact.split is None or wanted < 2:
        return []
    try:
        rows = artifact.split(Context(source, evidence))
    except Exception:  # whatever is wrong is met again, and reported, by the whole read
        log.debug("%s: %s not split", artifact.id, evidence.address, exc_info=True)
        return []
    if rows is None:
        return []
    count = min(wanted, rows // MIN_PART_ROWS)
    return parts(rows, count) if count >= 2 else []


# -- the workers -----------------------------------------------------------------------------

def _take(job: _Job) -> tuple[int, Part | None] | None:
    """The next unit for this worker: a file not yet taken, else the largest part left of a
    split file, else None when everything is taken."""
    counters, slots = job.counters, job.slots
    with counters.get_lock():
        if counters[0] < len(job.order):
            counters[0] += 1
            return job.order[counters[0] - 1], None
        left = [slot for slot in range(counters[1]) if not slots[slot * _FIELDS + 5]]
        if not left:
            return None
        best = max(left, key=lambda slot: (_cost(job, slot), -slot))
        base = best * _FIELDS
        slots[base + 5] = 1
        return slots[base], Part(slots[base + 1], slots[base + 2], slots[base + 3],
                                 slots[base + 4], slots[base + 6])


def _cost(job: _Job, slot: int) -> float:
    """What reading an announced part should take: its rows at the rate its file's parts
    have shown (the highest rate seen, while its file has none yet); by bytes until any
    part is done."""
    base = slot * _FIELDS
    unit, rows = job.slots[base], job.slots[base + 6]
    rate = job.rates[unit] or max(job.rates)
    if rate:
        return float(rate * rows)
    return float(job.units[unit].size // job.slots[base + 2]) * 1e-12


def _announce(job: _Job, unit: int, planned: Sequence[Part]) -> list[Part]:
    """Offer `planned` to the other workers; returns the parts that found no slot (this
    worker reads them itself)."""
    counters, slots = job.counters, job.slots
    with counters.get_lock():
        room = max(0, _SLOTS - counters[1])
        for part in planned[:room]:
            base = counters[1] * _FIELDS
            slots[base:base + _FIELDS] = [unit, part.number, part.of, part.offset, part.limit, 0,
                                          part.rows]
            counters[1] += 1
    return list(planned[room:])


def _scan_unit(job: _Job, source: Source, files: dict[int, list[EvidenceFile]], position: int,
               part: Part | None, timeline: Timeline, messages: Any, number: int) -> None:
    unit = job.units[position]
    artifact = job.artifacts[unit.artifact]
    found = files.get(unit.artifact)
    if found is None:
        found = files[unit.artifact] = files_of(source, artifact)
    if part is None:
        messages.put(("progress", artifact.title))
    if not unit.splittable:
        for number_in_unit in range(len(unit.addresses)):
            _scan_piece(job, source, found[unit.first + number_in_unit], position,
                        number_in_unit, None, timeline, messages, number)
        return
    evidence = found[unit.first]
    pending: list[Part] = []
    if part is None:
        planned = split_file(source, artifact, evidence, unit.size)
        if planned:
            part = planned[0]
            pending = _announce(job, position, planned[1:])
    for piece in [part, *pending]:
        _scan_piece(job, source, evidence, position, 0, piece, timeline, messages, number)


def _piece_name(position: int, number_in_unit: int, part: Part | None) -> str:
    return f"{position}-{number_in_unit}-{part.number if part else 0}"


def _scan_piece(job: _Job, source: Source, evidence: EvidenceFile, position: int,
                number_in_unit: int, part: Part | None, timeline: Timeline, messages: Any,
                number: int) -> None:
    """One file of a unit, or one part of it: records into its own piece, the timeline
    rendered and spilled now (a piece at a time, not all at the end), the result sent."""
    artifact = job.artifacts[job.units[position].artifact]
    name = _piece_name(position, number_in_unit, part)
    records = RecordFiles(job.parts / name)
    try:
        done = scan_file(source, artifact, evidence, job.index, records, timeline, part)
    finally:
        records.close()
    if part is not None and part.rows:
        job.rates[position] = done.seconds / part.rows
    if timeline.events:
        timeline.spill(job.work / f"timeline-{name}")
    messages.put(("unit", number, (position, number_in_unit), done))


def _work(number: int, messages: Any) -> None:
    job = _JOB
    assert job is not None
    gc.disable()  # short-lived, and what it makes holds no cycles (perito.collector)
    try:
        source = job.open_source()
        try:
            timeline = Timeline()
            files: dict[int, list[EvidenceFile]] = {}
            while (taken := _take(job)) is not None:
                _scan_unit(job, source, files, taken[0], taken[1], timeline, messages, number)
            messages.put(("done", number, (dict(source.custody.hashes), timeline.spilled)))
        finally:
            source.close()
    except BaseException as error:  # noqa: BLE001  (report, never a silent worker death)
        messages.put(("failed", number, f"{type(error).__name__}: {error}"))


# -- the parent ------------------------------------------------------------------------------

def scan_parallel(source: Source, open_source: Callable[[], Source],
                  artifacts: Sequence[Artifact], index: IndicatorIndex | None,
                  records: Path | None, work: Path, progress: Progress | None = None,
                  jobs: int | None = None, *,
                  while_scanning: Callable[[], None] | None = None,
                  later: list[Callable[[], None]] | None = None) -> ScanResult:
    """Like `pipeline.scan`, with `jobs` worker processes (`source` is the parent's copy).

    `while_scanning` runs in a thread of this process while the workers scan (never in one
    process: it would only slow the scan); its failures are logged and end nothing. With
    `later`, the records files of artifacts read in several pieces are completed by the
    function this adds to it, which the caller must run (every records file exists when
    this returns, those of one piece complete); without it, before this returns."""
    jobs = default_jobs() if jobs is None else jobs
    units = plan_units(source, artifacts) if jobs > 1 else []
    if len(units) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        files = RecordFiles(records) if records is not None else None
        try:
            with collector_paused():
                return scan(source, artifacts, index, files, progress)
        finally:
            if files is not None:
                files.close()
    started = time.perf_counter()
    # Beside the records folder, so that joining the pieces is a rename or an in-kernel copy.
    pieces = Path(tempfile.mkdtemp(prefix=".perito-parts-", dir=records.parent)) \
        if records is not None else work / "records"
    appends: list[tuple[Path, list[Path]]] = []
    try:
        return _run(source, open_source, artifacts, units, index, records, pieces, work,
                    progress, jobs, started, while_scanning, appends)
    finally:
        if records is not None:
            if later is not None:
                later.append(lambda: _finish_records(appends, pieces))
            else:
                _finish_records(appends, pieces)


def _run(source: Source, open_source: Callable[[], Source], artifacts: Sequence[Artifact],
         units: Sequence[Unit], index: IndicatorIndex | None, records: Path | None,
         pieces: Path, work: Path, progress: Progress | None, jobs: int, started: float,
         while_scanning: Callable[[], None] | None,
         appends: list[tuple[Path, list[Path]]]) -> ScanResult:
    global _JOB
    context = multiprocessing.get_context("fork")
    messages = context.Queue()
    _JOB = _Job(open_source, artifacts, units, unit_order(units), context.Array("i", 2),
                context.Array("q", _SLOTS * _FIELDS), context.Array("d", len(units), lock=False),
                index, pieces, work)
    # What the parent holds (the indicator index above all) is never collected in a worker:
    # frozen, the workers' collections do not walk it, nor copy its pages.
    gc.freeze()
    try:
        workers = [context.Process(target=_work, args=(n, messages), daemon=True)
                   for n in range(min(jobs, len(units)))]
        for worker in workers:
            worker.start()
    finally:
        _JOB = None
        gc.unfreeze()
    # Started after the fork: a forked worker must not inherit a thread's locks.
    helper = threading.Thread(target=_quietly, args=(while_scanning,), daemon=True) \
        if while_scanning is not None else None
    if helper is not None:
        helper.start()
    collected = _collect(workers, messages, len(units), progress)
    if helper is not None:
        helper.join()
    if records is not None:
        appends.extend(_join_records(artifacts, units, collected.scans, pieces, records))
    return _merge(source, artifacts, units, collected, time.perf_counter() - started)


def _quietly(work: Callable[[], None]) -> None:
    try:
        work()
    except Exception:  # only preparation: what it prepares fails again, and is reported, later
        log.debug("work beside the scan failed", exc_info=True)


@dataclass
class _Collected:
    # (unit, file of the unit) → the scans of its parts
    scans: dict[tuple[int, int], list[FileScan]] = field(default_factory=dict)
    hashes: dict[str, tuple[str, str, int]] = field(default_factory=dict)
    spilled: list[Path] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def _collect(workers: list[Any], messages: Any, total: int, progress: Progress | None
             ) -> _Collected:
    collected = _Collected()
    finished: set[int] = set()
    done = 0
    while len(finished) < len(workers):
        try:
            message = messages.get(timeout=0.5)
        except queue.Empty:
            for number, worker in enumerate(workers):
                if number not in finished and not worker.is_alive() and messages.empty():
                    finished.add(number)
                    collected.failures.append(f"worker ended with code {worker.exitcode}")
            continue
        kind = message[0]
        if kind == "progress":
            if progress:
                progress(message[1], done, total)
            done += 1
        elif kind == "unit":
            collected.scans.setdefault(message[2], []).append(message[3])
        elif kind == "done":
            hashes, spilled = message[2]
            collected.hashes.update(hashes)
            collected.spilled.extend(spilled)
            finished.add(message[1])
        else:
            log.error("scan worker %d failed: %s", message[1], message[2])
            collected.failures.append(message[2])
            finished.add(message[1])
    for worker in workers:
        worker.join()
    for scans in collected.scans.values():
        scans.sort(key=lambda s: s.part.number if s.part else 0)
    return collected


def _complete(address: str, scans: list[FileScan], reason: str) -> list[FileScan]:
    """A file's scans, with a failed one for what a failed worker took and never gave."""
    expected = scans[0].part.of if scans and scans[0].part else 1
    if len(scans) == expected:
        return scans
    lost = FileScan(address, failed=True,
                    problems=[f"{address}: internal error while reading ({reason})"])
    return [*scans, lost]


def _join_records(artifacts: Sequence[Artifact], units: Sequence[Unit],
                  scans: dict[tuple[int, int], list[FileScan]], pieces: Path,
                  records: Path) -> list[tuple[Path, list[Path]]]:
    """Each artifact's records file: its units' files, in file and part order. The first
    piece becomes the file now; returns (file, pieces to append in order) for the others
    (`_finish_records`)."""
    by_artifact: dict[int, list[Path]] = {}
    for position, unit in enumerate(units):
        for number_in_unit in range(len(unit.addresses)):
            for done in scans.get((position, number_in_unit), []):
                path = (pieces / _piece_name(position, number_in_unit, done.part)
                        / f"{artifacts[unit.artifact].id}.jsonl")
                if path.is_file():
                    by_artifact.setdefault(unit.artifact, []).append(path)
    if by_artifact:
        records.mkdir(parents=True, exist_ok=True)
    appends = []
    for artifact, paths in by_artifact.items():
        target = records / f"{artifacts[artifact].id}.jsonl"
        first, *rest = paths
        try:
            first.replace(target)
        except OSError:  # another file system
            shutil.copyfile(first, target)
        if rest:
            appends.append((target, rest))
    return appends


def _finish_records(appends: Sequence[tuple[Path, list[Path]]], pieces: Path) -> None:
    """The pieces of each records file appended in order, then the pieces' folder removed."""
    try:
        for target, rest in appends:
            with target.open("r+b") as joined:
                for path in rest:
                    _append(path, joined)
    finally:
        shutil.rmtree(pieces, ignore_errors=True)


def _append(path: Path, joined: BinaryIO) -> None:
    """`path`'s bytes at the end of `joined`, copied in the kernel where it can."""
    with path.open("rb") as piece:
        size = os.fstat(piece.fileno()).st_size
        end = joined.seek(0, os.SEEK_END)
        copied = 0
        with contextlib.suppress(AttributeError, OSError):  # else through memory, below
            while copied < size:
                step = os.copy_file_range(piece.fileno(), joined.fileno(), size - copied,
                                          copied, end + copied)
                if not step:
                    break
                copied += step
        piece.seek(copied)
        joined.seek(end + copied)
        shutil.copyfileobj(piece, joined, 1 << 20)


def _merge(source: Source, artifacts: Sequence[Artifact], units: Sequence[Unit],
           collected: _Collected, seconds: float) -> ScanResult:
    reason = "; ".join(collected.failures) or "no result"
    by_artifact: dict[int, list[list[FileScan]]] = {}
    detections: list[Detection] = []
    kept: list[tuple[str, Record]] = []
    for position, unit in enumerate(units):  # artifact, file, part order
        for number_in_unit, address in enumerate(unit.addresses):
            scans = _complete(address, collected.scans.get((position, number_in_unit), []),
                              reason)
            by_artifact.setdefault(unit.artifact, []).append(scans)
            for done in scans:
                detections.extend(done.detections)
                kept.extend(done.kept)
    statuses = [combine(source, artifact, by_artifact.get(position, []))
                for position, artifact in enumerate(artifacts)]
    source.custody.hashes.update(collected.hashes)
    timeline = Timeline()
    timeline.spilled.extend(collected.spilled)
    detections.extend(correlate_records([record for _id, record in kept]))
    return ScanResult(statuses, detections, timeline, seconds, kept)
