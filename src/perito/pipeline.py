"""detect → locate → extract → persist → match → analyse → timeline, for one acquisition."""

from __future__ import annotations

import logging
import plistlib
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import perito.analysis  # noqa: F401  (registers the heuristics)
from perito.artifacts.base import (
    Artifact,
    Context,
    Part,
    SchemaMismatch,
    extract_salvaging,
    tally_note,
)
from perito.detections import (
    CORRELATIONS,
    HEURISTICS,
    Detection,
    analyse,
    correlation_filter,
)
from perito.errors import DamagedFile
from perito.indicators.index import IndicatorIndex
from perito.indicators.match import Match, match_record
from perito.indicators.model import IndicatorSet
from perito.levels import Level
from perito.output.jsonl import RecordFiles
from perito.output.timeline import Timeline
from perito.records import Record, first_time
from perito.sources.base import Source
from perito.sources.evidence import EvidenceFile
from perito.sources.plist import PlistError
from perito.sources.sqlite import NotADatabase

log = logging.getLogger(__name__)


class ArtifactState:
    READ = "read"
    ABSENT = "absent"
    FAILED = "failed"
    PARTIAL = "partial"  # some files read, some failed


@dataclass
class ArtifactStatus:
    """What happened to one artifact during a scan."""

    id: str
    title: str
    state: str = ArtifactState.ABSENT
    files: list[str] = field(default_factory=list)
    records: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class ScanResult:
    statuses: list[ArtifactStatus]
    detections: list[Detection]
    timeline: Timeline
    seconds: float
    # (artifact id, record) for the records the correlations want, in reading order
    kept: list[tuple[str, Record]] = field(default_factory=list)

    @property
    def matched(self) -> bool:
        return any(d.is_indicator_match for d in self.detections)

    @property
    def serious(self) -> bool:
        return any(d.level.serious for d in self.detections)

    @property
    def failed(self) -> list[ArtifactStatus]:
        return [s for s in self.statuses if s.state in (ArtifactState.FAILED,
                                                         ArtifactState.PARTIAL)]

    def levels(self) -> Counter[str]:
        return Counter(d.level.name for d in self.detections)


Progress = Callable[[str, int, int], None]  # (artifact title, index, total)


def describe_error(error: BaseException) -> str:
    """A one-line, content-free description of why a file could not be read."""
    if isinstance(error, SchemaMismatch | NotADatabase | DamagedFile):
        return str(error)
    if isinstance(error, sqlite3.DatabaseError):
        return f"damaged or unreadable database ({error})"
    if isinstance(error, PlistError):
        return str(error)
    if isinstance(error, plistlib.InvalidFileException):
        return "unreadable property list"
    if isinstance(error, OSError):
        return f"cannot read file ({error.strerror or type(error).__name__})"
    return f"unexpected {type(error).__name__} while reading"


def files_of(source: Source, artifact: Artifact) -> list[EvidenceFile]:
    """Every distinct file of an artifact in the source, in location order."""
    seen: set[Path] = set()
    found: list[EvidenceFile] = []
    for location in artifact.locations:
        for evidence in source.find(location):
            if evidence.path not in seen:
                seen.add(evidence.path)
                found.append(evidence)
    return found


@dataclass
class FileScan:
    """What reading one file (or one part of it) of one artifact gave."""

    address: str
    part: Part | None = None
    records: int = 0
    failed: bool = False
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    tallies: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    detections: list[Detection] = field(default_factory=list)
    kept: list[tuple[str, Record]] = field(default_factory=list)


def scan_file(source: Source, artifact: Artifact, evidence: EvidenceFile,
              indicators: IndicatorIndex | None, record_files: RecordFiles | None,
              timeline: Timeline, part: Part | None = None) -> FileScan:
    """Read one file of an artifact (only `part` of its rows, when given): records go to
    `record_files` and `timeline`, detections and the records correlations want into the
    result; problems become the result's notes and problems, never exceptions."""
    t0 = time.perf_counter()
    done = FileScan(evidence.address, part)
    ctx = Context(source, evidence, part=part)
    unchecked = 0
    # The loop runs once per record: what it calls is looked up once, and the checks that
    # find nothing for a record type (no heuristic, no correlation) cost a dict lookup.
    name, plugin, platform = artifact.id, artifact.plugin, source.platform
    write = record_files.write if record_files is not None else None
    add, kept, detections = timeline.add, done.kept, done.detections
    try:
        for record in extract_salvaging(artifact.extract, ctx):
            done.records += 1
            if write is not None:
                write(name, record)
            add(record, name, plugin)
            kind = type(record)
            keep = correlation_filter(kind)
            if keep is not None and keep(record):
                kept.append((name, record))
            try:
                if kind in HEURISTICS:
                    detections.extend(analyse(record, name, artifact.slug))
                if indicators is not None:
                    found = match_record(indicators, record, platform=platform)
                    if found:
                        detections.extend(_matches(found, record, artifact))
            except Exception:  # a checking bug must not hide the other records
                unchecked += 1
                log.exception("%s: checking one record failed", name)
    except Exception as error:  # one bad file never ends the scan
        done.failed = True
        reason = describe_error(error)
        done.problems.append(f"{evidence.address}: {reason}")
        log.warning("%s: %s: %s", artifact.id, evidence.address, reason)
        log.debug("details", exc_info=True)
    if unchecked:
        done.problems.append(f"{evidence.address}: {unchecked} records could not be "
                             "checked (an internal error, see command.log)")
    done.notes.extend(f"{evidence.address}: {note}" for note in ctx.notes)
    done.problems.extend(f"{evidence.address}: {problem}" for problem in ctx.problems)
    done.tallies = ctx.tallies
    done.seconds = time.perf_counter() - t0
    return done


def combine(source: Source, artifact: Artifact, files: Sequence[Sequence[FileScan]]
            ) -> ArtifactStatus:
    """The artifact's status from what each of its files gave (a file read in parts gives
    one `FileScan` per part, in part order; equal notes and problems of parts are one)."""
    status = ArtifactStatus(artifact.id, artifact.title)
    for location in artifact.locations:
        for missing in source.missing_rows(location):
            status.notes.append(f"{missing}: listed in the acquisition but not included")
    read_ok = failed = 0
    for pieces in files:
        address = pieces[0].address
        status.files.append(address)
        tallies: dict[str, int] = {}
        notes: list[str] = []
        problems: list[str] = []
        for number, piece in enumerate(pieces):
            status.records += piece.records
            status.seconds += piece.seconds
            notes.extend(n for n in piece.notes if not number or n not in notes)
            problems.extend(p for p in piece.problems if not number or p not in problems)
            for message, count in piece.tallies.items():
                tallies[message] = tallies.get(message, 0) + count
        status.notes.extend(notes)
        status.notes.extend(f"{address}: {tally_note(message, count)}"
                            for message, count in tallies.items())
        status.problems.extend(problems)
        if any(piece.failed for piece in pieces):
            failed += 1
        else:
            read_ok += 1
    status.state = (ArtifactState.ABSENT if not files else ArtifactState.READ if not failed
                    else ArtifactState.FAILED if not read_ok else ArtifactState.PARTIAL)
    if status.state == ArtifactState.READ and status.problems:
        status.state = ArtifactState.PARTIAL
    return status


def scan(source: Source, artifacts: Sequence[Artifact], indicators: IndicatorIndex | None,
         record_files: RecordFiles | None, progress: Progress | None = None,
         *, correlate: bool = True) -> ScanResult:
    """Run every artifact over the source, one file after another; problems become
    statuses, never exceptions.

    With `correlate=False` the cross-record analyses are left to the caller, which gets the
    records they want in `ScanResult.kept`.
    """
    started = time.perf_counter()
    statuses: list[ArtifactStatus] = []
    detections: list[Detection] = []
    timeline = Timeline()
    kept: list[tuple[str, Record]] = []
    for position, artifact in enumerate(artifacts):
        if progress:
            progress(artifact.title, position, len(artifacts))
        files = [scan_file(source, artifact, evidence, indicators, record_files, timeline)
                 for evidence in files_of(source, artifact)]
        for done in files:
            detections.extend(done.detections)
            kept.extend(done.kept)
        statuses.append(combine(source, artifact, [[done] for done in files]))
    if correlate:
        detections.extend(correlate_records([record for _id, record in kept]))
    return ScanResult(statuses, detections, timeline, time.perf_counter() - started, kept)


def correlate_records(records: list[Record]) -> Iterator[Detection]:
    for rule in CORRELATIONS:
        chosen = [r for r in records if rule.reads(r)]
        try:
            yield from rule.run(chosen)
        except Exception:  # one analysis bug must not lose the scan's results
            log.exception("correlation %s failed", rule.name)


def _matches(found: Sequence[Match], record: Record, artifact: Artifact
             ) -> Iterable[Detection]:
    """One detection per indicator per record, however many fields carry it."""
    seen: set[tuple[str, str]] = set()
    for match in found:
        key = (match.indicator.kind, match.indicator.value)
        if key in seen:
            continue
        seen.add(key)
        owners = ", ".join(sorted({o.name for o in match.indicator.owners})) or "unattributed"
        message = (f"{artifact.title}: {match.field} {match.observed!r} matches the "
                   f"{match.kind} indicator {match.indicator.value!r} ({owners})")
        level = artifact.match_level
        if match.indicator.broad and level > Level.MEDIUM:
            level = Level.MEDIUM
        yield Detection(level=level, artifact=artifact.id, module=artifact.slug,
                        message=message, record=record, match=match,
                        event_time=first_time(record))


def load_indicator_set(paths: Sequence[Path]) -> IndicatorSet:
    from perito.indicators.stix import load_indicators

    return load_indicators(paths)
