"""Scan with several worker processes that take artifacts one at a time, largest files first.

Each worker opens the acquisition itself (through the same factory), takes the next artifact
not yet taken (in the order of their files' sizes, largest first, so that the long ones start
early and the short ones fill the gaps), runs `pipeline.scan` on it, writes its records files
directly, and at the end spills its sorted, rendered timeline to the private work folder and
sends back statuses, detections, the records the correlations want and the custody hashes.
The parent then runs the correlations once and merges everything in artifact order, so the
outputs do not depend on which worker read what.

Workers are forked (POSIX only): nothing needs pickling on the way in, and a worker ends with
`os._exit`, so it never runs the parent's clean-up of temporary folders. Where fork is not
available the scan runs in one process.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import queue
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perito.artifacts.base import Artifact
from perito.detections import Detection
from perito.indicators.index import IndicatorIndex
from perito.output.jsonl import RecordFiles
from perito.output.timeline import Timeline
from perito.pipeline import (
    ArtifactState,
    ArtifactStatus,
    Progress,
    ScanResult,
    correlate_records,
    files_of,
    scan,
)
from perito.records import Record
from perito.sources.base import Source

log = logging.getLogger(__name__)


def default_jobs() -> int:
    return max(1, min(4, os.cpu_count() or 1))


@dataclass(frozen=True)
class _Job:
    open_source: Callable[[], Source]
    artifacts: Sequence[Artifact]
    order: Sequence[int]  # artifact positions, in the order workers take them
    taken: Any  # shared counter: how many of `order` have been taken
    index: IndicatorIndex | None
    records: Path | None
    work: Path


@dataclass
class _Share:
    statuses: list[ArtifactStatus]
    detections: list[Detection]
    kept: list[tuple[str, Record]]
    hashes: dict[str, tuple[str, str, int]]
    spilled: list[Path]


_JOB: _Job | None = None  # set in the parent just before forking


def take_order(weights: Sequence[int]) -> list[int]:
    """Artifact positions by weight, heaviest first (ties in declaration order)."""
    return sorted(range(len(weights)), key=lambda i: (-weights[i], i))


def _weights(source: Source, artifacts: Sequence[Artifact]) -> list[int]:
    weights = []
    for artifact in artifacts:
        total = 0
        for evidence in files_of(source, artifact):
            with contextlib.suppress(OSError):
                total += evidence.size or evidence.path.stat().st_size
        weights.append(total)
    return weights


def _take(job: _Job) -> int | None:
    """The next artifact position for this worker, or None when all are taken."""
    with job.taken.get_lock():
        number: int = job.taken.value
        if number >= len(job.order):
            return None
        job.taken.value = number + 1
    return job.order[number]


def _work(number: int, messages: Any) -> None:
    job = _JOB
    assert job is not None
    try:
        source = job.open_source()
        try:
            share = _Share([], [], [], {}, [])
            timeline = Timeline()
            records = RecordFiles(job.records) if job.records is not None else None
            try:
                while (position := _take(job)) is not None:
                    result = scan(source, [job.artifacts[position]], job.index, records,
                                  lambda title, _i, _n: messages.put(("progress", title)),
                                  correlate=False)
                    share.statuses.extend(result.statuses)
                    share.detections.extend(result.detections)
                    if result.kept:  # sent now: the parent reads them while the scan goes on
                        messages.put(("kept", number, result.kept))
                    timeline.extend(result.timeline)
            finally:
                if records is not None:
                    records.close()
            timeline.spill(job.work / f"timeline-{number}.jsonl")
            share.hashes = dict(source.custody.hashes)
            share.spilled = timeline.spilled
            messages.put(("done", number, share))
        finally:
            source.close()
    except BaseException as error:  # noqa: BLE001  (report, never a silent worker death)
        messages.put(("failed", number, f"{type(error).__name__}: {error}"))


def scan_parallel(source: Source, open_source: Callable[[], Source],
                  artifacts: Sequence[Artifact], index: IndicatorIndex | None,
                  records: Path | None, work: Path, progress: Progress | None = None,
                  jobs: int | None = None) -> ScanResult:
    """Like `pipeline.scan`, with `jobs` worker processes (`source` is the parent's copy)."""
    global _JOB
    jobs = default_jobs() if jobs is None else jobs
    if jobs <= 1 or len(artifacts) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        files = RecordFiles(records) if records is not None else None
        try:
            return scan(source, artifacts, index, files, progress)
        finally:
            if files is not None:
                files.close()
    started = time.perf_counter()
    context = multiprocessing.get_context("fork")
    messages = context.Queue()
    _JOB = _Job(open_source, artifacts, take_order(_weights(source, artifacts)),
                context.Value("i", 0), index, records, work)
    try:
        workers = [context.Process(target=_work, args=(n, messages), daemon=True)
                   for n in range(min(jobs, len(artifacts)))]
        for worker in workers:
            worker.start()
    finally:
        _JOB = None
    results = _collect(workers, messages, artifacts, progress)
    return _merge(source, artifacts, results, time.perf_counter() - started)


def _collect(workers: list[Any], messages: Any, artifacts: Sequence[Artifact],
             progress: Progress | None
             ) -> dict[int, _Share | str]:
    results: dict[int, _Share | str] = {}
    kept: dict[int, list[tuple[str, Record]]] = {}
    done = 0
    while len(results) < len(workers):
        try:
            message = messages.get(timeout=0.5)
        except queue.Empty:
            for number, worker in enumerate(workers):
                if number not in results and not worker.is_alive() and messages.empty():
                    results[number] = f"worker ended with code {worker.exitcode}"
            continue
        if message[0] == "progress":
            if progress:
                progress(message[1], done, len(artifacts))
            done += 1
        elif message[0] == "kept":
            kept.setdefault(message[1], []).extend(message[2])
        else:
            results[message[1]] = message[2]
    for worker in workers:
        worker.join()
    for number, outcome in results.items():
        if isinstance(outcome, _Share):
            outcome.kept = kept.get(number, [])
    return results


def _merge(source: Source, artifacts: Sequence[Artifact], results: dict[int, _Share | str],
           seconds: float) -> ScanResult:
    statuses: dict[int, ArtifactStatus] = {}
    detections: list[tuple[int, int, Detection]] = []
    kept: list[tuple[int, int, tuple[str, Record]]] = []
    timeline = Timeline()
    position_of = {artifact.id: i for i, artifact in enumerate(artifacts)}
    failures: list[str] = []
    for number, outcome in sorted(results.items()):
        if isinstance(outcome, str):
            log.error("scan worker %d failed: %s", number, outcome)
            failures.append(outcome)
            continue
        for status in outcome.statuses:
            statuses[position_of[status.id]] = status
        detections.extend((position_of.get(d.artifact, len(artifacts)), i, d)
                          for i, d in enumerate(outcome.detections))
        kept.extend((position_of[pair[0]], i, pair) for i, pair in enumerate(outcome.kept))
        source.custody.hashes.update(outcome.hashes)
        timeline.spilled.extend(outcome.spilled)
    reason = "; ".join(failures) or "no result"
    for position, artifact in enumerate(artifacts):  # taken by a worker that failed
        if position not in statuses:
            statuses[position] = ArtifactStatus(
                artifact.id, artifact.title, state=ArtifactState.FAILED,
                problems=[f"internal error while reading ({reason})"])
    ordered_detections = [d for _p, _i, d in sorted(detections, key=lambda x: (x[0], x[1]))]
    ordered_kept = [pair for _p, _i, pair in sorted(kept, key=lambda x: (x[0], x[1]))]
    ordered_detections.extend(correlate_records([record for _id, record in ordered_kept]))
    return ScanResult([statuses[i] for i in sorted(statuses)], ordered_detections, timeline,
                      seconds, ordered_kept)
