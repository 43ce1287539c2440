"""Command line: argument parsing and console output only.

What a command runs (its platform's artifacts, the scan, the report, the network code of `iocs
update`) is imported inside the command's function, so that `perito --version` and the start
of a check load only what they use.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import getpass
import gettext
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from perito import __version__
from perito.cli_iocs import add_commands as add_ioc_commands
from perito.cli_iocs import choice_from, indicator_options, print_indicator_notes
from perito.cli_iocs import run as run_ioc_command
from perito.errors import ExitCode, InputError, most_serious
from perito.output.report.i18n import available_languages

if TYPE_CHECKING:  # start-up: each command imports what it runs (its platform's catalogue)
    from rich.console import Console

    from perito.artifacts.base import Artifact
    from perito.check import CheckOutcome
    from perito.commands.androidqf_nested import NestedOutcome, NestedPart
    from perito.commands.indicator_choice import IndicatorChoice
    from perito.sources.base import Source

log = logging.getLogger("perito")
PASSWORD_ENV = "PERITO_BACKUP_PASSWORD"  # noqa: S105 (the variable's name)
ANDROID_PASSWORD_ENV = "PERITO_ANDROID_BACKUP_PASSWORD"  # noqa: S105
_LEVEL_STYLE = {"CRITICAL": "bold red", "HIGH": "red", "MEDIUM": "yellow", "LOW": "cyan",
                "INFORMATIONAL": "dim"}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="perito", description="Check phone acquisitions for traces of mercenary spyware.")
    parser.add_argument("--version", action="version", version=f"perito {__version__}")
    commands = parser.add_subparsers(dest="platform", metavar="COMMAND")
    commands.add_parser("list-artifacts", help="list every artifact perito reads")
    add_ioc_commands(commands)
    report = commands.add_parser("report", help="rebuild report.html from saved results")
    report.add_argument("folder", type=Path, metavar="OUTPUT_DIR",
                        help="an output folder of perito (with info.json and alerts.json)")
    _report_options(report)
    ios = commands.add_parser("ios", help="iOS acquisitions")
    ios_commands = ios.add_subparsers(dest="command", metavar="COMMAND")
    # No abbreviations: `--password SECRET` must not be taken for `--password-file`.
    backup = ios_commands.add_parser("check-backup", help="scan an iTunes/Finder backup",
                                     allow_abbrev=False)
    backup.add_argument("backup", nargs="?", type=Path, help="backup folder")
    _check_options(backup)
    _secret_options(backup)
    for name, what in (("check-fs", "a full-filesystem dump (folder, tar, tar.gz or zip)"),
                       ("check-sysdiagnose", "a sysdiagnose (its .tar.gz or folder)")):
        tree = ios_commands.add_parser(name, help=f"scan {what}", allow_abbrev=False)
        tree.add_argument("target", nargs="?", type=Path, help=what)
        _check_options(tree)
    decrypt = ios_commands.add_parser(
        "decrypt-backup", help="write a decrypted copy of an encrypted backup (for other tools)",
        allow_abbrev=False)
    decrypt.add_argument("backup", type=Path, help="encrypted backup folder")
    decrypt.add_argument("-d", "--destination", type=Path, required=True, metavar="DEST",
                         help="new folder for the decrypted copy")
    _secret_options(decrypt)
    extract = ios_commands.add_parser(
        "extract-key", help="derive the key of an encrypted backup from its password",
        allow_abbrev=False)
    extract.add_argument("backup", type=Path, help="encrypted backup folder")
    extract.add_argument("-k", "--key-file", type=Path, metavar="FILE", dest="key_output",
                         help="write the key (64 hex characters) to FILE instead of the screen")
    _secret_options(extract, key=False)
    _android_parser(commands)
    return parser


def _android_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    android = commands.add_parser("android", help="Android acquisitions")
    android_commands = android.add_subparsers(dest="command", metavar="COMMAND")
    backup = android_commands.add_parser(
        "check-backup", help="scan an adb backup (.ab), its bare tar or its extracted folder",
        allow_abbrev=False)
    backup.add_argument("backup", nargs="?", type=Path,
                        help=".ab file, the tar inside one, or an extracted folder")
    _check_options(backup)
    _secret_options(backup, key=False, env=ANDROID_PASSWORD_ENV)
    logs = android_commands.add_parser(
        "check-intrusion-logs", help="scan Android 16 intrusion logs (folder, zip, zips in zips)",
        allow_abbrev=False)
    logs.add_argument("logs", nargs="?", type=Path, help="folder, zip or log file")
    _check_options(logs)

    androidqf = android_commands.add_parser(
        "check-androidqf", help="scan an androidqf acquisition (folder, .zip or .zip.age)",
        allow_abbrev=False)
    androidqf.add_argument("acquisition", nargs="?", type=Path,
                           help="androidqf folder, zip, or age-encrypted zip")
    _secret_options(androidqf, key=False, env=ANDROID_PASSWORD_ENV)  # its nested backup.ab
    androidqf.add_argument("--age-identity", type=Path, metavar="FILE",
                           help="age identity file (AGE-SECRET-KEY-1…) for a .zip.age")
    _check_options(androidqf)
    bugreport = android_commands.add_parser(
        "check-bugreport", help="scan an Android bugreport (zip or extracted folder)",
        allow_abbrev=False)
    bugreport.add_argument("acquisition", nargs="?", type=Path, help="bugreport zip or folder")
    _check_options(bugreport)


def _secret_options(parser: argparse.ArgumentParser, *, key: bool = True,
                    env: str = PASSWORD_ENV) -> None:
    """Where the password comes from; never from the command line itself."""
    parser.add_argument("--password-file", type=Path, metavar="FILE",
                        help=f"read the backup password from FILE (else {env}, "
                        "else a prompt on a terminal)")
    if key:
        parser.add_argument("--key-file", type=Path, metavar="FILE",
                            help="the backup key as 64 hex characters (as extract-key writes)")


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
    parser.add_argument("-j", "--jobs", type=int, default=None, metavar="N",
                        help="worker processes (default: the CPUs, at most 4; 1 = none)")
    parser.add_argument("-v", "--verbose", action="store_true", help="more detail on screen")
    indicator_options(parser)
    _report_options(parser)


def _report_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", choices=available_languages(), default=None,
                        help="language of the report and summary (default: PERITO_LANG, "
                        "else the locale, else en)")
    parser.add_argument("--redact", action="store_true",
                        help="also write report-redacted.html, safe to share: no message "
                        "texts, names, numbers or URLs that did not match")


def _select(available: Sequence[Artifact], wanted: Sequence[str]) -> list[Artifact]:
    if not wanted:
        return list(available)
    by_name: dict[str, list[Artifact]] = {}
    for artifact in available:  # a slug can name several (the incumbent's sms: SMS and MMS)
        by_name.setdefault(artifact.slug, []).append(artifact)
    by_name |= {a.id: [a] for a in available}
    unknown = [w for w in wanted if w not in by_name]
    if unknown:
        raise InputError(f"unknown artifact(s): {', '.join(unknown)} "
                         "(see --list-artifacts)")
    return list(dict.fromkeys(a for w in wanted for a in by_name[w]))


def _print_artifacts(console: Console, artifacts: Sequence[Artifact]) -> None:
    """One line per artifact: id, the incumbent's module slug, title (plain, for scripts)."""
    width = max((len(a.id) for a in artifacts), default=0)
    for artifact in artifacts:
        console.print(f"{artifact.id:<{width}}  {artifact.slug:<20}  {artifact.title}",
                      highlight=False, soft_wrap=True, markup=False)


_CONSOLE_HANDLERS: list[logging.Handler] = []


def _setup_logging(verbose: bool) -> None:
    root = logging.getLogger("perito")
    root.setLevel(logging.DEBUG)
    while _CONSOLE_HANDLERS:  # main() may run more than once in a process (tests)
        root.removeHandler(_CONSOLE_HANDLERS.pop())
    console = logging.StreamHandler(sys.stderr)
    _CONSOLE_HANDLERS.append(console)
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


@contextlib.contextmanager
def _logging_to(folder: Path) -> Iterator[None]:
    """Everything logged meanwhile also goes to `folder`/command.log."""
    handler = _attach_log_file(folder)
    try:
        yield
    finally:
        logging.getLogger("perito").removeHandler(handler)
        handler.close()


def _default_output(target: Path) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    return Path("perito-results") / f"{target.resolve().name or 'acquisition'}-{stamp}"


def _check_ios_backup(args: argparse.Namespace, console: Console, argv: Sequence[str]) -> int:
    from perito.artifacts.ios.catalogue import IOS_BACKUP
    from perito.sources.ios_backup import IosBackup, find_backup_root

    chosen = _chosen(args, console, IOS_BACKUP, args.backup, "name the backup folder to check")
    if chosen is None:
        return ExitCode.NOTHING_FOUND
    artifacts, target, choice = chosen
    root = find_backup_root(target)
    key = _backup_key(args, root, console)
    return _scan(args, console, argv, target, root, lambda: IosBackup(target, key=key),
                 artifacts, choice)


def _chosen(args: argparse.Namespace, console: Console, available: Sequence[Artifact],
            target: Path | None, missing: str
            ) -> tuple[list[Artifact], Path, IndicatorChoice] | None:
    """(artifacts, target, indicators) of a check command; None after --list-artifacts."""
    artifacts = _select(available, args.artifacts)
    if args.list_artifacts:
        _print_artifacts(console, artifacts)
        return None
    if target is None:
        raise InputError(missing)
    return artifacts, target, choice_from(args)


def _scan(args: argparse.Namespace, console: Console, argv: Sequence[str], target: Path,
          root: Path, open_source: Callable[[], Source], artifacts: Sequence[Artifact],
          choice: IndicatorChoice, jobs: int | None = None,
          nested: Sequence[NestedPart] | None = None,
          notes: Callable[[Console, CheckOutcome], None] | None = None) -> int:
    """The common end of every check command: output folder, log, scan, summary. `nested`
    acquisitions (androidqf's backup.ab, intrusion_logs/) are scanned first, into subfolders;
    `notes` prints what a command adds after the summary."""
    from perito.check import exit_code, prepare_output, run_check
    from perito.output.info import safe_command
    from perito.output.report.i18n import choose_language, translations

    output: Path = args.output or _default_output(target)
    command = ["perito", *safe_command(argv)]
    folder = prepare_output(output, root)
    language = choose_language(args.lang, os.environ)

    def run(into: Path, opener: Callable[[], Source], which: Sequence[Artifact],
            workers: int | None, extra: dict[str, object]) -> CheckOutcome:
        with _logging_to(prepare_output(into, root)):
            return _with_progress(console, lambda progress: run_check(
                opener, which, choice.paths, into, command, progress,
                args.jobs if workers is None else workers, allowlist=choice.allowlist,
                extra_info={**choice.info(), **extra}, plain_type=choice.plain_type,
                language=language, redact=args.redact))

    done: list[NestedOutcome] = []
    if nested:
        from perito.commands.androidqf_nested import scan_nested

        # One pass each, in this process (the backup is one stream): no worker processes.
        # What happens to them (a part that cannot be opened) is also in the main command.log.
        with _logging_to(folder):
            done = scan_nested(nested, folder, lambda part, into: run(
                into, part.open_source, part.artifacts, 1, {}))
    outcome = run(folder, open_source, artifacts, jobs,
                  {} if nested is None else {"nested": [n.info() for n in done]})
    _summary(console, outcome, translations(language))
    if done:
        from perito.commands.androidqf_nested import print_nested

        print_nested(console, done, translations(language))
    print_indicator_notes(console, choice, outcome.result.detections)
    if notes is not None:
        notes(console, outcome)
    return most_serious([exit_code(outcome.result), *(n.exit_code for n in done)])


def _check_android_backup(args: argparse.Namespace, console: Console,
                          argv: Sequence[str]) -> int:
    from perito.artifacts.android.catalogue import ANDROID_BACKUP
    from perito.commands import android

    chosen = _chosen(args, console, ANDROID_BACKUP, args.backup,
                     "name the .ab file (or extracted backup folder) to check")
    if chosen is None:
        return ExitCode.NOTHING_FOUND
    artifacts, target, choice = chosen
    header = android.backup_target(target)
    password: bytes | None = None
    if header is not None and header.encrypted:
        password = _password(args, target, env=ANDROID_PASSWORD_ENV, key_hint=False)
        with console.status("Checking the backup password…"):
            android.check_password(header, password)
    elif args.password_file or os.environ.get(ANDROID_PASSWORD_ENV):
        log.info("the backup is not encrypted: the password is not needed")
    # The backup is one stream, read once in this process: no worker processes.
    return _scan(args, console, argv, target, target,
                 lambda: android.open_backup(target, password), artifacts, choice, jobs=1)


def _check_intrusion_logs(args: argparse.Namespace, console: Console,
                          argv: Sequence[str]) -> int:
    from perito.artifacts.android.catalogue import ANDROID_INTRUSION_LOGS
    from perito.commands import android

    chosen = _chosen(args, console, ANDROID_INTRUSION_LOGS, args.logs,
                     "name the intrusion-log folder, zip or file to check")
    if chosen is None:
        return ExitCode.NOTHING_FOUND
    artifacts, target, choice = chosen
    opened = [android.open_intrusion_logs(target)]  # fails early when there are no logs

    def open_logs() -> Source:  # the parent scans this one; worker processes open their own
        return opened.pop() if opened else android.open_intrusion_logs(target)

    try:
        return _scan(args, console, argv, target, target, open_logs, artifacts, choice)
    finally:
        for unused in opened:
            unused.close()


def _check_android(args: argparse.Namespace, console: Console, argv: Sequence[str]) -> int:
    from perito.artifacts.android.catalogue import (
        ANDROID_BACKUP,
        ANDROID_INTRUSION_LOGS,
        ANDROIDQF,
        BUGREPORT,
    )
    from perito.commands.androidqf import androidqf_opener, bugreport_opener
    from perito.commands.androidqf_nested import nested_parts

    available = (*ANDROIDQF, *ANDROID_BACKUP, *ANDROID_INTRUSION_LOGS) \
        if args.command == "check-androidqf" else BUGREPORT
    chosen = _chosen(args, console, available, args.acquisition,
                     "name the acquisition to check")
    if chosen is None:
        return ExitCode.NOTHING_FOUND
    artifacts, target, choice = chosen
    if args.command == "check-androidqf":
        open_source, root, plaintext = androidqf_opener(target, args.age_identity)
        password = _password(args, target, env=ANDROID_PASSWORD_ENV, key_hint=False) \
            if args.password_file or os.environ.get(ANDROID_PASSWORD_ENV) else None
        nested = nested_parts(target, open_source, plaintext, password, artifacts)
        return _scan(args, console, argv, target, root, open_source,
                     [a for a in artifacts if a in ANDROIDQF], choice, nested=nested)
    open_source, root = bugreport_opener(target)
    return _scan(args, console, argv, target, root, open_source, artifacts, choice)


def _backup_key(args: argparse.Namespace, root: Path, console: Console,
                *, required: bool = False) -> bytes | None:
    """The derived backup key when the backup is encrypted (None when it is not).

    Sources, first found wins: --key-file, --password-file, PERITO_BACKUP_PASSWORD, a
    prompt without echo when stdin is a terminal.
    """
    from perito.sources.ios_crypto import backup_key, class_keys, encryption_state
    from perito.sources.ios_keybag import parse_hex_key

    state = encryption_state(root)
    key_file: Path | None = getattr(args, "key_file", None)
    if not state.needs_key:
        if required:
            raise InputError(f"{root} is not an encrypted backup (or is a decrypted copy)")
        if key_file or args.password_file or os.environ.get(PASSWORD_ENV):
            log.info("the backup is not encrypted: the password or key is not needed")
        return None
    if key_file is not None:
        key = parse_hex_key(_read_secret_file(key_file, "key").decode("ascii", "replace"))
        class_keys(root, key=key)  # a wrong key fails here, before any output is written
        return key
    password = _password(args, root)
    with console.status("Deriving the backup key from the password (a few seconds)…"):
        return backup_key(root, password)


def _password(args: argparse.Namespace, root: Path, *, env: str = PASSWORD_ENV,
              key_hint: bool = True) -> bytes:
    if args.password_file is not None:
        data = _read_secret_file(args.password_file, "password")
        data = data.removeprefix(b"\xef\xbb\xbf")  # a BOM left by some editors
        data = data.removesuffix(b"\n").removesuffix(b"\r")
        if not data:
            raise InputError(f"{args.password_file}: the password file is empty")
        return data
    from_env = os.environ.get(env)
    if from_env:
        return from_env.encode("utf-8")
    if sys.stdin is not None and sys.stdin.isatty():
        typed = getpass.getpass(f"Password of the encrypted backup {root.name}: ")
        if not typed:
            raise InputError("no password was typed")
        return typed.encode("utf-8")
    raise InputError(f"{root} is an encrypted backup: give its password with --password-file "
                     f"or {env} (or type it at the prompt on a terminal)"
                     + (", or its key with --key-file" if key_hint else ""))


def _read_secret_file(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise InputError(f"{path}: cannot read the {what} file "
                         f"({error.strerror or type(error).__name__})") from None


def _decrypt_backup(args: argparse.Namespace, console: Console) -> int:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from perito.sources.ios_backup import IosBackup, find_backup_root

    root = find_backup_root(args.backup)
    destination: Path = args.destination
    resolved = destination.resolve()
    if resolved == root.resolve() or root.resolve() in resolved.parents:
        raise InputError(f"{destination}: the decrypted copy must not be inside the backup")
    if resolved.exists() and (not resolved.is_dir() or any(resolved.iterdir())):
        raise InputError(f"{destination}: choose a new or empty folder for the decrypted copy")
    key = _backup_key(args, root, console, required=True)
    with IosBackup(root, key=key) as backup:
        if console.is_terminal:
            with Progress(TextColumn("Decrypting"), BarColumn(),
                          TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                          console=console, transient=True) as bar:
                task = bar.add_task("files", total=None)
                written, failed = backup.write_decrypted_copy(
                    resolved, lambda done, total: bar.update(task, completed=done, total=total))
        else:
            written, failed = backup.write_decrypted_copy(resolved)
    console.print(f"Decrypted {written} files into {resolved}")
    for problem in failed[:25]:
        console.print(f"  [yellow]! {problem}[/yellow]")
    if failed:
        console.print(f"{len(failed)} files could not be decrypted")
        return ExitCode.INCOMPLETE
    return ExitCode.NOTHING_FOUND


def _extract_key(args: argparse.Namespace, console: Console) -> int:
    from rich.console import Console

    from perito.sources.ios_backup import find_backup_root

    root = find_backup_root(args.backup)
    output: Path | None = args.key_output
    if output is not None:
        resolved = output.resolve()
        if root.resolve() in resolved.parents:
            raise InputError(f"{output}: the key file must not be inside the backup")
    key = _backup_key(args, root, console, required=True)
    assert key is not None
    if output is None:
        console.print(key.hex(), highlight=False, markup=False, soft_wrap=True)
        return ExitCode.NOTHING_FOUND
    try:
        descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(key.hex())  # the incumbent's format: 64 hex characters, no newline
    except OSError as error:
        raise InputError(f"{output}: cannot write the key file "
                         f"({error.strerror or type(error).__name__})") from None
    Console(stderr=True).print(f"Backup key written to {output} (keep it as safe as the "
                               "password)", highlight=False)
    return ExitCode.NOTHING_FOUND


def _with_progress(console: Console, work: object) -> CheckOutcome:
    assert callable(work)
    if not console.is_terminal:
        result: CheckOutcome = work(None)
        return result
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("Loading indicators, opening the acquisition", total=None)

        def update(title: str, index: int, total: int) -> None:
            bar.update(task, description=f"Reading {title}", completed=index, total=total)

        done: CheckOutcome = work(update)
        return done


def _summary(console: Console, outcome: CheckOutcome, t: gettext.NullTranslations) -> None:
    from rich.markup import escape
    from rich.table import Table

    from perito.levels import level_counts
    from perito.output.report import REDACTED_NAME
    from perito.output.report.verdict import Verdict, advice, headline, verdict_of
    from perito.pipeline import ArtifactState

    result = outcome.result
    states: dict[str, list[str]] = {}
    for status in result.statuses:
        states.setdefault(status.state, []).append(status.id)
    read = states.get(ArtifactState.READ, [])
    console.print(f"\n[bold]perito {__version__}[/bold] — " + t.ngettext(
        "%(indicators)d indicators from %(num)d file", "%(indicators)d indicators from "
        "%(num)d files", len(outcome.indicators.files)) % {
        "indicators": sum(f.indicator_count for f in outcome.indicators.files),
        "num": len(outcome.indicators.files)})
    console.print(t.gettext("Artifacts read: %(read)d, absent: %(absent)d, could not be "
                            "read: %(failed)d") % {
        "read": len(read), "absent": len(states.get(ArtifactState.ABSENT, [])),
        "failed": len(result.failed)}, markup=False, highlight=False)
    for status in result.failed:
        for problem in status.problems:
            console.print(f"  [yellow]! {status.title}[/yellow]: {problem}")
    levels = result.levels()
    if result.detections:
        table = Table(title=t.gettext("Detections"))
        table.add_column(t.gettext("level"))
        table.add_column(t.gettext("artifact"))
        table.add_column(t.gettext("what"))
        for detection in sorted(result.detections, key=lambda d: -d.level)[:25]:
            name = detection.level.name
            table.add_row(f"[{_LEVEL_STYLE[name]}]{name}[/]", detection.artifact,
                          detection.message)
        console.print(table)
        if len(result.detections) > 25:
            console.print(t.gettext("… and %(num)d more in alerts.json")
                          % {"num": len(result.detections) - 25})
    console.print(t.gettext("Detections: %(counts)s") % {"counts": level_counts(levels, t)})
    found = verdict_of(result.matched, result.serious)
    style = "bold" if found is Verdict.NOTHING else "bold red"
    console.print(f"[{style}]{escape(headline(found, t))}[/{style}] "
                  f"{escape(advice(found, t))}")
    console.print(t.gettext("Results written to %(folder)s (info.json sha256 %(sha256)s)")
                  % {"folder": outcome.output, "sha256": outcome.info_sha256},
                  highlight=False)
    if outcome.report is not None:
        console.print(t.gettext("Report: %(path)s") % {"path": outcome.report},
                      highlight=False)
        redacted = outcome.output / REDACTED_NAME
        if redacted.is_file():
            console.print(t.gettext("Redacted report, to share: %(path)s") % {"path": redacted},
                          highlight=False)
    else:
        console.print(t.gettext("The report could not be written (see command.log); "
                                "perito report can rebuild it."), style="yellow")


def _report(args: argparse.Namespace, console: Console) -> int:
    """`perito report OUTPUT_DIR`: rebuild the report from the saved results."""
    from perito.output.report import write_report
    from perito.output.report.i18n import choose_language, translations

    language = choose_language(args.lang, os.environ)
    t = translations(language)
    try:
        path = write_report(args.folder, language, redact=args.redact)
    except OSError as error:
        raise InputError(f"{args.folder}: cannot write the report "
                         f"({error.strerror or type(error).__name__})") from None
    except InputError:
        raise
    except Exception:  # saved results edited by hand or by another tool
        log.exception("the report could not be built")
        raise InputError(f"{args.folder}: the saved results are not what perito writes; "
                         "the report could not be built") from None
    console.print(t.gettext("Report: %(path)s") % {"path": path}, highlight=False)
    return ExitCode.NOTHING_FOUND


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = _parser()
    args = parser.parse_args(arguments)
    from rich.console import Console  # not for --help and --version, which end in the parser

    console = Console(stderr=False)
    error_console = Console(stderr=True)
    _setup_logging(getattr(args, "verbose", False))
    try:
        if args.platform == "list-artifacts":
            from perito.artifacts import registry

            _print_artifacts(console, list(registry().values()))
            return ExitCode.NOTHING_FOUND
        if args.platform == "report":
            return _report(args, console)
        with _terminate_as_interrupt():
            handled = run_ioc_command(args, console, arguments, _summary, _attach_log_file)
            if handled is not None:
                return handled
            if args.platform == "ios" and args.command == "check-backup":
                return _check_ios_backup(args, console, arguments)
            if args.platform == "ios" and args.command in ("check-fs", "check-sysdiagnose"):
                from perito.commands.ios_tree import check_tree
                return check_tree(args, console, arguments)
            if args.platform == "ios" and args.command == "decrypt-backup":
                return _decrypt_backup(args, console)
            if args.platform == "ios" and args.command == "extract-key":
                return _extract_key(args, console)
            if args.platform == "android" and args.command == "check-backup":
                return _check_android_backup(args, console, arguments)
            if args.platform == "android" and args.command == "check-intrusion-logs":
                return _check_intrusion_logs(args, console, arguments)
            if args.platform == "android" and args.command in ("check-androidqf",
                                                               "check-bugreport"):
                return _check_android(args, console, arguments)
        parser.print_help()
        return ExitCode.COULD_NOT_RUN
    except InputError as error:
        error_console.print(f"[bold red]perito:[/bold red] {error}")
        return ExitCode.COULD_NOT_RUN
    except KeyboardInterrupt:
        error_console.print("perito: interrupted")
        return ExitCode.COULD_NOT_RUN


_MAIN_PID: list[int] = []


def _raise_interrupt(_signum: int, _frame: FrameType | None) -> None:
    """In perito's own process SIGTERM is Ctrl-C; a forked scan worker (which inherits the
    handler) ends quietly instead, through its clean-up, without a second traceback."""
    if _MAIN_PID and os.getpid() != _MAIN_PID[-1]:
        raise SystemExit(1)
    raise KeyboardInterrupt


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM unwinds like Ctrl-C, so the private folder of decrypted files is removed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _MAIN_PID.append(os.getpid())
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        _MAIN_PID.pop()
