"""`perito check-iocs RESULTS_DIR`: re-match saved results against the current indicators.

No evidence is needed: perito's own records are replayed through the same matching,
heuristics and correlations as a scan; the incumbent's result files through the observables
mapped from its fields. The outputs are a scan's (alerts.json, timeline, info.json describing
the re-check) in a new folder: the saved results are never changed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from perito.check import CheckOutcome, prepare_output, write_timeline_and_report
from perito.commands.indicator_choice import IndicatorChoice
from perito.indicators.allowlist import apply_allowlist
from perito.indicators.index import IndicatorIndex
from perito.indicators.model import IndicatorSet
from perito.indicators.stix import load_indicators
from perito.output.alerts import write_alerts
from perito.output.info import RunInfo, info_document, write_info
from perito.pipeline import Progress, scan
from perito.recheck.saved import open_results, saved_matches

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recheck:
    outcome: CheckOutcome
    new_matches: list[tuple[str, str]] | None  # not in the saved alerts; None: none saved


def load(choice: IndicatorChoice) -> tuple[IndicatorSet, IndicatorIndex]:
    """The indicators of a re-check, loaded once for every result folder."""
    indicators = load_indicators(choice.paths, choice.plain_type)
    for problem in indicators.problems:
        if problem.severity == "error":
            log.warning("indicators: %s: %s", problem.file, problem.message)
    return indicators, IndicatorIndex.build(indicators)


def recheck(results: Path, choice: IndicatorChoice, loaded: tuple[IndicatorSet, IndicatorIndex],
            output: Path, command: list[str], progress: Progress | None = None, *,
            language: str = "en", redact: bool = False) -> Recheck:
    """Re-check one saved result folder into `output`; InputError if it is not one."""
    started = dt.datetime.now(dt.UTC)
    source, artifacts, notes = open_results(results)
    folder = prepare_output(output, results)
    for note in notes:
        log.warning("%s", note)
    indicators, index = loaded
    result = scan(source, artifacts, index, None, progress)
    result.detections = apply_allowlist(result.detections, choice.allowlist)
    write_alerts(folder / "alerts.json", result.detections)
    run = RunInfo(command=command, target=source.root, source_kind=source.kind,
                  started=started, finished=dt.datetime.now(dt.UTC))
    before = saved_matches(results)
    now = sorted({(d.module, d.match.indicator.value) for d in result.detections
                  if d.is_indicator_match and d.match is not None})
    new = None if before is None else [pair for pair in now if pair not in before]
    recheck_info = {"results_folder": str(results.resolve()), "format": source.kind,
                    "platform": source.platform, "notes": notes,
                    "saved_matches": None if before is None else len(before),
                    "new_matches": None if new is None else [list(pair) for pair in new]}
    document = info_document(run, source.custody, indicators, result,
                             {"recheck": recheck_info, **choice.info()})
    digest = write_info(folder / "info.json", document)
    log.info("reference hash of info.json: %s", digest)
    report = write_timeline_and_report(folder, result.timeline, language, redact)  # as a scan
    return Recheck(CheckOutcome(result, indicators, folder, digest, report), new)


def output_folders(results: Sequence[Path], output: Path | None, stamp: str) -> list[Path]:
    """One output folder per result folder: `output` itself for one, `output/<name>` for
    several; by default `perito-results/<name>-recheck-<time>`."""
    if output is not None and len(results) == 1:
        return [output]
    names = [r.resolve().name or "results" for r in results]
    unique = [n if names.count(n) == 1 else f"{n}-{i}" for i, n in enumerate(names, start=1)]
    if output is not None:
        return [output / name for name in unique]
    return [Path("perito-results") / f"{name}-recheck-{stamp}" for name in unique]
