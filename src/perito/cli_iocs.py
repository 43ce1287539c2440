"""Command line of the indicator commands (`iocs update|list|lint`, `check-iocs`) and the
indicator options scans share: parsing and console output only, like `cli.py`."""

from __future__ import annotations

import argparse
import datetime as dt
import gettext
import json
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from perito.errors import ExitCode, InputError
from perito.indicators.plainlist import TYPES
from perito.output.report.i18n import available_languages

if TYPE_CHECKING:  # each command imports what it runs: `iocs update` alone uses the network
    from rich.console import Console

    from perito.check import CheckOutcome
    from perito.commands.indicator_choice import IndicatorChoice
    from perito.commands.iocs_update import UpdateReport
    from perito.detections import Detection

_STATE_STYLE = {"new": "green", "updated": "green", "unchanged": "dim", "failed": "red"}


def indicator_options(parser: argparse.ArgumentParser) -> None:
    """The options a scan and a re-check share (besides -i)."""
    parser.add_argument("--allowlist", type=Path, metavar="FILE",
                        help="known false positives: matches they cover are suppressed "
                        "(still listed)")
    parser.add_argument("--no-installed", action="store_true",
                        help="do not load the indicator sets installed by `iocs update`")
    parser.add_argument("--type", dest="plain_type", choices=sorted(TYPES), metavar="KIND",
                        help="the kind of plain-list files (one value a line) given with -i")


def print_indicator_notes(console: Console, choice: IndicatorChoice,
                          detections: Sequence[Detection], *, age: bool = True) -> None:
    """After a summary: matches the allowlist suppressed, and how old the installed sets are."""
    suppressed = sum(bool(d.suppressed) for d in detections)
    if suppressed:
        console.print(f"{suppressed} matches suppressed by the allowlist (listed in "
                      "alerts.json)", highlight=False)
    if age:
        console.print(choice.age_line(), highlight=False, soft_wrap=True)


def choice_from(args: argparse.Namespace) -> IndicatorChoice:
    from perito.commands.indicator_choice import choose

    return choose(list(args.iocs), use_installed=not args.no_installed,
                  allowlist=args.allowlist, plain_type=args.plain_type)


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    iocs = commands.add_parser("iocs", help="indicator sets: update, list, lint")
    iocs.set_defaults(print_help=iocs.print_help)
    sub = iocs.add_subparsers(dest="command", metavar="COMMAND")
    updating = sub.add_parser("update", help="download the public feeds (the only command "
                              "that uses the network)")
    updating.add_argument("--index", metavar="FILE_OR_URL",
                          help="feed index in mvt-indicators' format (default: the bundled "
                          "copy)")
    updating.add_argument("--mirror", metavar="URL",
                          help="fetch raw.githubusercontent.com files from a mirror with the "
                          "same layout (https, or http on this machine)")
    updating.add_argument("--offline", type=Path, metavar="FOLDER",
                          help="install the feed files found in FOLDER instead of downloading")
    listing = sub.add_parser("list", help="the installed sets")
    listing.add_argument("--json", action="store_true", help="JSON for machines")
    linting = sub.add_parser("lint", help="report what indicator files get wrong")
    linting.add_argument("files", nargs="+", type=Path, metavar="FILE")
    linting.add_argument("--json", action="store_true", help="JSON for machines")
    linting.add_argument("--type", dest="plain_type", choices=sorted(TYPES), metavar="KIND",
                         help="the kind of plain-list files")
    checking = commands.add_parser("check-iocs", help="re-check saved results (perito's or "
                                   "the incumbent's) against the current indicators")
    checking.add_argument("results", nargs="+", type=Path, metavar="RESULTS_DIR")
    checking.add_argument("-i", "--iocs", action="append", type=Path, default=[],
                          metavar="PATH", help="indicator file or folder (repeatable); "
                          "PERITO_IOCS adds more")
    checking.add_argument("-o", "--output", type=Path, metavar="DIR",
                          help="output folder (several results: one subfolder each)")
    checking.add_argument("-v", "--verbose", action="store_true", help="more detail on screen")
    checking.add_argument("--lang", choices=available_languages(), default=None,
                          help="language of the report and summary (default: PERITO_LANG, "
                          "else the locale, else en)")
    checking.add_argument("--redact", action="store_true",
                          help="also write report-redacted.html, safe to share")
    indicator_options(checking)


def run(args: argparse.Namespace, console: Console, argv: Sequence[str],
        summary: Callable[[Console, CheckOutcome, gettext.NullTranslations], None],
        attach_log: Callable[[Path], logging.Handler]) -> int | None:
    """Run an indicator command; None when `args` names none of them."""
    if args.platform == "check-iocs":
        return _check_iocs(args, console, argv, summary, attach_log)
    if args.platform != "iocs":
        return None
    if args.command == "update":
        return _update(args, console)
    if args.command == "list":
        return _list(args, console)
    if args.command == "lint":
        return _lint(args, console)
    args.print_help()
    return ExitCode.COULD_NOT_RUN


def _update(args: argparse.Namespace, console: Console) -> int:
    from perito.commands.iocs_update import install_offline, read_index, update
    from perito.indicators.feedindex import IndexUnreadable
    from perito.indicators.store import indicators_dir

    folder = indicators_dir()
    try:
        index, label = read_index(args.index)
        if args.offline is not None:
            report = install_offline(args.offline, index, label, folder)
        else:
            with console.status("Downloading indicator feeds…"):
                report = update(index, label, folder, mirror=args.mirror)
    except IndexUnreadable as error:
        raise InputError(str(error)) from None
    except OSError as error:
        raise InputError(f"{folder}: cannot write the indicator sets "
                         f"({error.strerror or error})") from None
    _print_update(console, report)
    if report.failed:
        return ExitCode.INCOMPLETE
    return ExitCode.NOTHING_FOUND


def _print_update(console: Console, report: UpdateReport) -> None:
    console.print(f"Feed index: {report.index}", highlight=False, soft_wrap=True)
    for problem in report.problems:
        console.print(f"  [yellow]! {problem}[/yellow]", highlight=False, soft_wrap=True)
    for outcome in report.outcomes:
        style = _STATE_STYLE[outcome.state]
        detail = outcome.message or f"{outcome.indicators} indicators, sha256 {outcome.sha256}"
        console.print(f"  [{style}]{outcome.state:<9}[/] {outcome.name}: {detail}",
                      highlight=False, soft_wrap=True)
    done = len(report.outcomes) - len(report.failed)
    console.print(f"{done} of {len(report.outcomes)} feeds installed in {report.folder}",
                  highlight=False, soft_wrap=True)


def _list(args: argparse.Namespace, console: Console) -> int:
    from perito.commands.iocs_list import list_sets

    folder, sets, problems = list_sets()
    if args.json:
        console.print_json(json.dumps({"folder": folder, "sets": [s.to_json() for s in sets],
                                       "problems": problems}))
        return ExitCode.NOTHING_FOUND
    for problem in problems:
        console.print(f"[yellow]! {problem}[/yellow]", highlight=False, soft_wrap=True)
    if not sets:
        console.print(f"No indicator sets installed in {folder} (run `perito iocs update`).",
                      highlight=False, soft_wrap=True)
        return ExitCode.NOTHING_FOUND
    console.print(f"Indicator sets in {folder}:", highlight=False, soft_wrap=True)
    for item in sets:
        counts = ", ".join(f"{n} {t}" for t, n in item.counts.items())
        campaigns = ", ".join(item.collections[:5]) + (
            f" and {len(item.collections) - 5} more" if len(item.collections) > 5 else "")
        lines = [f"{item.name}  [{item.file_name}]",
                 f"  publisher: {', '.join(item.publishers) or '-'}; campaign: {campaigns}",
                 f"  indicators: {item.indicators} ({counts})",
                 f"  downloaded: {item.downloaded} ({item.age_days} days ago) from {item.url}",
                 f"  sha256: {item.sha256}"]
        for line in lines:
            console.print(line, highlight=False, markup=False, soft_wrap=True)
    return ExitCode.NOTHING_FOUND


def _lint(args: argparse.Namespace, console: Console) -> int:
    from perito.indicators.lint import ERROR, lint_files

    files, findings = lint_files(args.files, args.plain_type)
    errors = sum(f.severity == ERROR for f in findings)
    if args.json:
        console.print_json(json.dumps({"findings": [f.to_json() for f in findings],
                                       "errors": errors,
                                       "warnings": len(findings) - errors}))
    else:
        for finding in findings:
            console.print(finding.line(), highlight=False, markup=False, soft_wrap=True)
        console.print(f"{len(files)} file(s): {errors} errors, "
                      f"{len(findings) - errors} warnings", highlight=False, soft_wrap=True)
    return ExitCode.FOUND if errors else ExitCode.NOTHING_FOUND


def _check_iocs(args: argparse.Namespace, console: Console, argv: Sequence[str],
                summary: Callable[[Console, CheckOutcome, gettext.NullTranslations], None],
                attach_log: Callable[[Path], logging.Handler]) -> int:
    from perito.check import exit_code, prepare_output
    from perito.commands.check_iocs import load, output_folders, recheck
    from perito.output.info import safe_command
    from perito.output.report.i18n import choose_language, translations
    from perito.recheck.saved import result_folders

    choice = choice_from(args)
    folders = list(dict.fromkeys(f for path in args.results for f in result_folders(path)))
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    outputs = output_folders(folders, args.output, stamp)
    for results, output in zip(folders, outputs, strict=True):
        prepare_output(output, results)  # never inside the saved results; fail before work
    loaded = load(choice)
    language = choose_language(args.lang, os.environ)
    if not loaded[0].indicators:
        console.print("[yellow]No indicators loaded[/yellow] (no -i, PERITO_IOCS or installed "
                      "set): only perito's heuristics are re-run.", highlight=False)
    codes: list[int] = []
    recap: list[str] = []
    for results, output in zip(folders, outputs, strict=True):
        folder = prepare_output(output, results)
        handler = attach_log(folder)
        try:
            done = recheck(results, choice, loaded, folder, ["perito", *safe_command(argv)],
                           language=language, redact=args.redact)
        finally:
            logging.getLogger("perito").removeHandler(handler)
            handler.close()
        console.print(f"\nRe-checked [bold]{results}[/bold]", highlight=False, soft_wrap=True)
        summary(console, done.outcome, translations(language))
        detections = done.outcome.result.detections
        print_indicator_notes(console, choice, detections, age=False)
        new = _new_line(done.new_matches)
        console.print(new, highlight=False, markup=False, soft_wrap=True)
        matches = sum(d.is_indicator_match for d in detections)
        recap.append(f"  {results}: {matches} indicator matches; {new}")
        codes.append(exit_code(done.outcome.result))
    if len(folders) > 1:
        console.print(f"\n{len(folders)} result folders re-checked:", highlight=False)
        for line in recap:
            console.print(line, highlight=False, markup=False, soft_wrap=True)
    print_indicator_notes(console, choice, [], age=True)
    for code in (ExitCode.FOUND, ExitCode.INCOMPLETE):
        if code in codes:
            return code
    return ExitCode.NOTHING_FOUND


def _new_line(new: list[tuple[str, str]] | None) -> str:
    if new is None:
        return "The saved results hold no alerts to compare with."
    if not new:
        return "No match that the saved results did not already have."
    shown = ", ".join(f"{module} {value}" for module, value in new[:10])
    more = f" and {len(new) - 10} more" if len(new) > 10 else ""
    return f"{len(new)} match(es) not in the saved results: {shown}{more}"
