"""`perito ios check-fs` and `perito ios check-sysdiagnose`: a tree source through run_check.

The archive is listed (and its wanted members copied out) once, in the parent process; scan
workers get views of the same tree (`perito.sources.tree.source_factory`), so a tar.gz is
decompressed a single time whatever `--jobs` is.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path

from rich.console import Console

from perito.artifacts.base import Artifact
from perito.artifacts.ios.catalogue import IOS_FS, IOS_SYSDIAGNOSE
from perito.artifacts.ios.shutdown_log import SHORT_HISTORY
from perito.check import CheckOutcome
from perito.errors import ExitCode, InputError
from perito.sources.ios_fs import open_ios_fs
from perito.sources.sysdiagnose import open_sysdiagnose
from perito.sources.tree import TreeSource, source_factory

Opener = Callable[[Path, Sequence[Artifact]], TreeSource]
COMMANDS: dict[str, tuple[tuple[Artifact, ...], Opener]] = {
    "check-fs": (IOS_FS, open_ios_fs),
    "check-sysdiagnose": (IOS_SYSDIAGNOSE, open_sysdiagnose),
}


def check_tree(args: argparse.Namespace, console: Console, argv: Sequence[str]) -> int:
    from perito import cli  # the shared check helpers; cli imports this module lazily

    available, opener = COMMANDS[args.command]
    chosen = cli._chosen(args, console, available, args.target,
                         "name the dump or sysdiagnose (folder or archive) to check")
    if chosen is None:
        return ExitCode.NOTHING_FOUND
    artifacts, target, choice = chosen
    if not target.exists():
        raise InputError(f"{target}: not found")
    # Listed once, inside the scan (so its warnings reach command.log); workers get views.
    factory = source_factory(lambda: opener(target, artifacts))
    return cli._scan(args, console, argv, target, target, factory, artifacts, choice,
                     notes=_history_notes)


def _history_notes(console: Console, outcome: CheckOutcome) -> None:
    """The "absence proves little" statement, when a log's form says so."""
    for status in outcome.result.statuses:
        if any(SHORT_HISTORY in note for note in status.notes):
            console.print(f"[yellow]Note[/yellow]: {status.title}: {SHORT_HISTORY}.")
            return
