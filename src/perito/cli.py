"""Command line: argument parsing and console output only."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from perito import __version__
from perito.artifacts import IOS_BACKUP, REGISTRY
from perito.artifacts.base import Artifact
from perito.check import CheckOutcome, ExitCode, exit_code, prepare_output, run_check
from perito.errors import InputError
from perito.indicators.stix import paths_from_env
from perito.output.info import safe_command
from perito.pipeline import ArtifactState
from perito.sources.ios_backup import IosBackup, find_backup_root

log = logging.getLogger("perito")
_LEVEL_STYLE = {"CRITICAL": "bold red", "HIGH": "red", "MEDIUM": "yellow", "LOW": "cyan",
                "INFORMATIONAL": "dim"}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="perito", description="Check phone acquisitions for traces of mercenary spyware.")
    parser.add_argument("--version", action="version", version=f"perito {__version__}")
    commands = parser.add_subparsers(dest="platform", metavar="COMMAND")
    commands.add_parser("list-artifacts", help="list every artifact perito reads")
    ios = commands.add_parser("ios", help="iOS acquisitions")
    ios_commands = ios.add_subparsers(dest="command", metavar="COMMAND")
    backup = ios_commands.add_parser("check-backup", help="scan an iTunes/Finder backup")
    backup.add_argument("backup", nargs="?", type=Path, help="backup folder")
    _check_options(backup)
    return parser


def _check_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-i", "--iocs", action="append", type=Path, default=[],
                        metavar="PATH", help="STIX2 indicator file or folder (repeatable); "
                        "PERITO_IOCS adds more")
    parser.add_argument("-o", "--output", type=Path, metavar="DIR",
                        help="output folder (default: ./perito-results/<name>-<time>)")
    parser.add_argument("-m", "--module", "--artifact", action="append", default=[],
                        dest="artifacts", metavar="ID", help="run only these artifacts")
    parser.add_argument("-l", "--list-modules", "--list-artifacts", action="store_true",
                        dest="list_artifacts", help="list the artifacts and exit")
    parser.add_argument("-v", "--verbose", action="store_true", help="more detail on screen")


def _select(available: Sequence[Artifact], wanted: Sequence[str]) -> list[Artifact]:
    if not wanted:
        return list(available)
    by_name = {a.id: a for a in available} | {a.slug: a for a in available}
    unknown = [w for w in wanted if w not in by_name]
    if unknown:
        raise InputError(f"unknown artifact(s): {', '.join(unknown)} "
                         "(see --list-artifacts)")
    return [by_name[w] for w in wanted]


def _print_artifacts(console: Console, artifacts: Sequence[Artifact]) -> None:
    """One line per artifact: id, the incumbent's module slug, title (plain, for scripts)."""
    width = max((len(a.id) for a in artifacts), default=0)
    for artifact in artifacts:
        console.print(f"{artifact.id:<{width}}  {artifact.slug:<20}  {artifact.title}",
                      highlight=False, soft_wrap=True, markup=False)


def _setup_logging(verbose: bool) -> None:
    root = logging.getLogger("perito")
    root.setLevel(logging.DEBUG)
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.INFO if verbose else logging.ERROR)
    console.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    root.addHandler(console)


def _attach_log_file(folder: Path) -> logging.Handler:
    handler = logging.FileHandler(folder / "command.log", encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter(
        "%(asctime)s - %(name)s - %(levelname)s - %(message)s"))
    logging.getLogger("perito").addHandler(handler)
    return handler


def _default_output(target: Path) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    return Path("perito-results") / f"{target.resolve().name or 'acquisition'}-{stamp}"


def _check_ios_backup(args: argparse.Namespace, console: Console, argv: Sequence[str]) -> int:
    artifacts = _select(IOS_BACKUP, args.artifacts)
    if args.list_artifacts:
        _print_artifacts(console, artifacts)
        return ExitCode.NOTHING_FOUND
    if args.backup is None:
        raise InputError("name the backup folder to check")
    target: Path = args.backup
    output: Path = args.output or _default_output(target)
    ioc_paths = list(args.iocs) + paths_from_env(os.environ)
    for path in ioc_paths:
        if not path.exists():
            raise InputError(f"{path}: indicator file or folder not found")
    command = ["perito", *safe_command(argv)]
    folder = prepare_output(output, find_backup_root(target))
    handler = _attach_log_file(folder)
    try:
        outcome = _with_progress(console, lambda progress: run_check(
            lambda: IosBackup(target), artifacts, ioc_paths, folder, command, progress))
    finally:
        logging.getLogger("perito").removeHandler(handler)
        handler.close()
    _summary(console, outcome)
    return exit_code(outcome.result)


def _with_progress(console: Console, work: object) -> CheckOutcome:
    assert callable(work)
    if not console.is_terminal:
        result: CheckOutcome = work(None)
        return result
    with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("Loading indicators", total=None)

        def update(title: str, index: int, total: int) -> None:
            bar.update(task, description=f"Reading {title}", completed=index, total=total)

        done: CheckOutcome = work(update)
        return done


def _summary(console: Console, outcome: CheckOutcome) -> None:
    result = outcome.result
    states: dict[str, list[str]] = {}
    for status in result.statuses:
        states.setdefault(status.state, []).append(status.id)
    read = states.get(ArtifactState.READ, [])
    console.print(f"\n[bold]perito {__version__}[/bold] — "
                  f"{sum(f.indicator_count for f in outcome.indicators.files)} indicators "
                  f"from {len(outcome.indicators.files)} file(s)")
    console.print(f"Artifacts read: {len(read)}, absent: "
                  f"{len(states.get(ArtifactState.ABSENT, []))}, could not be read: "
                  f"{len(result.failed)}")
    for status in result.failed:
        for problem in status.problems:
            console.print(f"  [yellow]! {status.title}[/yellow]: {problem}")
    levels = result.levels()
    if result.detections:
        table = Table(title="Detections")
        table.add_column("level")
        table.add_column("artifact")
        table.add_column("what")
        for detection in sorted(result.detections, key=lambda d: -d.level)[:25]:
            name = detection.level.name
            table.add_row(f"[{_LEVEL_STYLE[name]}]{name}[/]", detection.artifact,
                          detection.message)
        console.print(table)
        if len(result.detections) > 25:
            console.print(f"… and {len(result.detections) - 25} more in alerts.json")
    counts = ", ".join(f"{n} {levels[n]}" for n in _LEVEL_STYLE if levels.get(n)) or "none"
    console.print(f"Detections: {counts}")
    if result.matched:
        console.print("[bold red]Known spyware indicators were found.[/bold red] Treat the "
                      "device as compromised until an expert has reviewed these results.")
    elif result.serious:
        console.print("[bold red]Serious signs were found[/bold red] that need an expert's "
                      "review, although no known indicator matched.")
    else:
        console.print("No known indicator was found in what was checked. This does not "
                      "prove the device is free of spyware.")
    console.print(f"Results written to [bold]{outcome.output}[/bold] "
                  f"(info.json sha256 {outcome.info_sha256})")


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = _parser()
    args = parser.parse_args(arguments)
    console = Console(stderr=False)
    error_console = Console(stderr=True)
    _setup_logging(getattr(args, "verbose", False))
    try:
        if args.platform == "list-artifacts":
            _print_artifacts(console, list(REGISTRY.values()))
            return ExitCode.NOTHING_FOUND
        if args.platform == "ios" and args.command == "check-backup":
            return _check_ios_backup(args, console, arguments)
        parser.print_help()
        return ExitCode.COULD_NOT_RUN
    except InputError as error:
        error_console.print(f"[bold red]perito:[/bold red] {error}")
        return ExitCode.COULD_NOT_RUN
    except KeyboardInterrupt:
        error_console.print("perito: interrupted")
        return ExitCode.COULD_NOT_RUN
