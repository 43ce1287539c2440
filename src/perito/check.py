"""A whole check: open the acquisition, load indicators, scan, write every output."""

from __future__ import annotations

import datetime as dt
import gc
import logging
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from perito.artifacts.base import Artifact
from perito.errors import ExitCode, InputError
from perito.indicators.allowlist import Allowlist, apply_allowlist
from perito.indicators.index import IndicatorIndex
from perito.indicators.model import IndicatorSet
from perito.indicators.stix import load_indicators
from perito.output.alerts import write_alerts
from perito.output.info import RunInfo, info_document, write_info
from perito.output.report import REPORT_NAME
from perito.output.timeline import Timeline
from perito.parallel import scan_parallel
from perito.pipeline import Progress, ScanResult
from perito.preflight import refuse_unusable_indicators
from perito.sources.base import Source

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckOutcome:
    result: ScanResult
    indicators: IndicatorSet
    output: Path
    info_sha256: str
    report: Path | None = None  # None: the report could not be written (see command.log)


def exit_code(result: ScanResult) -> int:
    if result.matched or result.serious:
        return ExitCode.FOUND
    if result.failed:
        return ExitCode.INCOMPLETE
    return ExitCode.NOTHING_FOUND


def prepare_output(output: Path, evidence_root: Path) -> Path:
    """Create the output folder, refusing any place inside the evidence."""
    resolved = output.resolve()
    evidence = evidence_root.resolve()
    if resolved == evidence or evidence in resolved.parents:
        raise InputError(f"{output}: the output folder must not be inside the acquisition")
    try:
        resolved.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"{output}: cannot create the output folder ({error.strerror})") \
            from error
    return resolved


def run_check(open_source: Callable[[], Source], artifacts: Sequence[Artifact],
              ioc_paths: Sequence[Path], output: Path, command: list[str],
              progress: Progress | None = None, jobs: int | None = None, *,
              allowlist: Allowlist | None = None,
              extra_info: Mapping[str, object] | None = None,
              plain_type: str | None = None,
              language: str = "en", redact: bool = False) -> CheckOutcome:
    """Everything `perito <platform> check-*` does, without the console.

    `jobs` worker processes share the artifacts (default: the CPUs, at most 4). Matches the
    allowlist covers are kept, suppressed; `extra_info` goes into info.json; `plain_type` is
    the kind of plain-list indicator files whose name does not say it. The report is written
    in `language`, and also redacted when `redact` is set.
    """
    started = dt.datetime.now(dt.UTC)
    indicators = load_indicators(ioc_paths, plain_type)
    refuse_unusable_indicators(ioc_paths, indicators)
    for problem in indicators.problems:
        if problem.severity == "error":
            log.warning("indicators: %s: %s", problem.file, problem.message)
    index = IndicatorIndex.build(indicators)
    source = open_source()
    try:
        folder = prepare_output(output, source.root)
        with tempfile.TemporaryDirectory(prefix="perito-work-") as work:
            later: list[Callable[[], None]] = []  # records files read in several pieces
            try:
                result = scan_parallel(source, open_source, artifacts, index,
                                       folder / "records", Path(work), progress, jobs,
                                       while_scanning=lambda: prepare_report(language),
                                       later=later)
                digest, report = _write_results(folder, source, started, command, indicators,
                                                result, allowlist, extra_info, language,
                                                redact, later)
            finally:
                _run_all(later)  # whatever happened, every records file is completed
    finally:
        source.close()
    return CheckOutcome(result, indicators, folder, digest, report)


def _write_results(folder: Path, source: Source, started: dt.datetime, command: list[str],
                   indicators: IndicatorSet, result: ScanResult, allowlist: Allowlist | None,
                   extra_info: Mapping[str, object] | None, language: str, redact: bool,
                   later: list[Callable[[], None]]) -> tuple[str, Path | None]:
    """alerts.json, info.json, the timeline files and the report; (info.json's hash, the
    report). The records files read in pieces are completed (`later`) beside the report
    process, which needs none of them, unless the redacted report is wanted."""
    result.detections = apply_allowlist(result.detections, allowlist)
    write_alerts(folder / "alerts.json", result.detections)
    # `finished`: the results are complete (the records of artifacts read in pieces are
    # still being joined into one file each); the timeline files and the report (which
    # shows info.json's hash, so comes after it) only present them.
    run = RunInfo(command=command, target=source.root, source_kind=source.kind,
                  started=started, finished=dt.datetime.now(dt.UTC))
    # Custody hashes are of the files as stored: ciphertext when the backup is encrypted.
    encrypted = bool(getattr(source, "encrypted", False))
    document = info_document(run, source.custody, indicators, result,
                             {"encrypted": encrypted, **(extra_info or {})})
    digest = write_info(folder / "info.json", document)
    log.info("reference hash of info.json: %s", digest)
    if redact:  # the redacted report reads every records file
        _run_all(later)
    report = write_timeline_and_report(folder, result.timeline, language, redact,
                                       before_timeline=lambda: _run_all(later))
    return digest, report


def _run_all(work: list[Callable[[], None]]) -> None:
    """Run (once) and forget each piece of work left for later."""
    while work:
        work.pop(0)()


def prepare_report(language: str) -> None:
    from perito.output.report import prepare  # jinja2, babel: only for the report

    prepare(language)


def write_report_safely(folder: Path, language: str, redact: bool,
                        timeline: Timeline | None = None) -> Path | None:
    """Write the report; a failure is logged, never the end of a check whose results are
    already saved (`perito report` can rebuild it)."""
    from perito.output.report import write_reports  # after the scan: jinja2, babel

    try:
        return write_reports(folder, language, redact=redact, timeline=timeline)[0]
    except Exception:
        log.exception("the report could not be written")
        return None


def write_timeline_and_report(folder: Path, timeline: Timeline, language: str, redact: bool,
                              before_timeline: Callable[[], None] | None = None
                              ) -> Path | None:
    """`timeline.csv`, `timeline.jsonl` and the report (after alerts.json and info.json).

    Where processes can be forked, a child builds the report from the same events (merging
    them itself, not waiting for timeline.jsonl) while this process writes the timeline
    files, so two cores share the work. The child ends with `os._exit`, never running this
    process's clean-up; its failure is logged (in command.log) and ends nothing else. This
    process waits for it before returning, so the work folder outlives it.
    """
    timeline.events.sort()  # once, before a fork
    pid = _fork()
    if pid is None:
        if before_timeline is not None:
            before_timeline()
        timeline.write(folder)
        return write_report_safely(folder, language, redact, timeline)
    if pid == 0:
        code = 1
        try:
            gc.disable()  # short-lived: collections would only walk (and copy) inherited objects
            code = 0 if write_report_safely(folder, language, redact, timeline) else 1
        finally:
            os._exit(code)
    try:
        if before_timeline is not None:
            before_timeline()
        timeline.write(folder)
    finally:
        code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    if code == 0:
        return folder / REPORT_NAME
    if code != 1:  # 1: the child logged why
        log.error("the report could not be written (its process ended with code %d)", code)
    return None


def _fork() -> int | None:
    """`os.fork()`, or None where processes cannot be forked."""
    if not hasattr(os, "fork"):
        return None
    try:
        return os.fork()
    except OSError as error:  # out of processes or memory: the same work, one after the other
        log.warning("the report is written after the timeline (no second process: %s)", error)
        return None
