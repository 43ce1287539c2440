"""`perito ios check-fs` and `perito ios check-sysdiagnose`: a tree source through run_check.

The archive is listed (and its wanted members copied out) once, in the parent process; scan
workers get views of the same tree (`perito.sources.tree.source_factory`), so a tar.gz is
decompressed a single time whatever `--jobs` is.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from rich.console import Console

from perito.artifacts import IOS_FS, IOS_SYSDIAGNOSE
from perito.artifacts.base import Artifact
from perito.artifacts.ios.shutdown_log import SHORT_HISTORY
from perito.check import CheckOutcome, ExitCode, exit_code, prepare_output, run_check
from perito.cli_iocs import choice_from, print_indicator_notes
from perito.errors import InputError
from perito.output.info import safe_command
from perito.output.report.i18n import choose_language, translations
from perito.sources.ios_fs import open_ios_fs
from perito.sources.sysdiagnose import open_sysdiagnose
from perito.sources.tree import TreeSource, source_factory

Opener = Callable[[Path, Sequence[Artifact]], TreeSource]
COMMANDS: dict[str, tuple[tuple[Artifact, ...], Opener]] = {
    "check-fs": (IOS_FS, open_ios_fs),
    "check-sysdiagnose": (IOS_SYSDIAGNOSE, open_sysdiagnose),
}


def check_tree(args: argparse.Namespace, console: Console, argv: Sequence[str]) -> int:
    from perito import cli  # the shared console helpers; cli imports this module lazily

    available, opener = COMMANDS[args.command]
    artifacts = cli._select(available, args.artifacts)
    if args.list_artifacts:
        cli._print_artifacts(console, artifacts)
        return ExitCode.NOTHING_FOUND
    if args.target is None:
        raise InputError("name the dump or sysdiagnose (folder or archive) to check")
    target: Path = args.target
    if not target.exists():
        raise InputError(f"{target}: not found")
    choice = choice_from(args)
    language = choose_language(args.lang, os.environ)
    folder = prepare_output(args.output or cli._default_output(target), target)
    handler = cli._attach_log_file(folder)
    command = ["perito", *safe_command(argv)]
    try:
        with (console.status("Listing the acquisition…") if console.is_terminal
              else contextlib.nullcontext()):
            source = opener(target, artifacts)
        try:
            factory = source_factory(lambda: source)
            outcome = cli._with_progress(console, lambda progress: run_check(
                factory, artifacts, choice.paths, folder, command, progress, args.jobs,
                allowlist=choice.allowlist, extra_info=choice.info(),
                plain_type=choice.plain_type, language=language, redact=args.redact))
        finally:
            source.close()  # run_check closes it too; this covers a failure before it opens
    finally:
        logging.getLogger("perito").removeHandler(handler)
        handler.close()
    cli._summary(console, outcome, translations(language))
    print_indicator_notes(console, choice, outcome.result.detections)
    _history_notes(console, outcome)
    return exit_code(outcome.result)


def _history_notes(console: Console, outcome: CheckOutcome) -> None:
    """The "absence proves little" statement, when a log's form says so."""
    for status in outcome.result.statuses:
        if any(SHORT_HISTORY in note for note in status.notes):
            console.print(f"[yellow]Note[/yellow]: {status.title}: {SHORT_HISTORY}.")
            return
