"""Command line: argument parsing and console output only."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import getpass
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType

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
from perito.preflight import require_readable_info_plist
from perito.sources.ios_backup import IosBackup, find_backup_root
from perito.sources.ios_crypto import backup_key, class_keys, encryption_state
from perito.sources.ios_keybag import parse_hex_key

log = logging.getLogger("perito")
PASSWORD_ENV = "PERITO_BACKUP_PASSWORD"  # noqa: S105 (the variable's name)
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
    # No abbreviations: `--password SECRET` must not be taken for `--password-file`.
    backup = ios_commands.add_parser("check-backup", help="scan an iTunes/Finder backup",
                                     allow_abbrev=False)
    backup.add_argument("backup", nargs="?", type=Path, help="backup folder")
    _check_options(backup)
    _secret_options(backup)
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
    return parser


def _secret_options(parser: argparse.ArgumentParser, *, key: bool = True) -> None:
    """Where the password comes from; never from the command line itself."""
    parser.add_argument("--password-file", type=Path, metavar="FILE",
                        help=f"read the backup password from FILE (else {PASSWORD_ENV}, "
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
    root = find_backup_root(target)
    require_readable_info_plist(root)
    key = _backup_key(args, root, console)
    folder = prepare_output(output, root)
    handler = _attach_log_file(folder)
    try:
        outcome = _with_progress(console, lambda progress: run_check(
            lambda: IosBackup(target, key=key), artifacts, ioc_paths, folder, command,
            progress, args.jobs))
    finally:
        logging.getLogger("perito").removeHandler(handler)
        handler.close()
    _summary(console, outcome)
    return exit_code(outcome.result)


def _backup_key(args: argparse.Namespace, root: Path, console: Console,
                *, required: bool = False) -> bytes | None:
    """The derived backup key when the backup is encrypted (None when it is not).

    Sources, first found wins: --key-file, --password-file, PERITO_BACKUP_PASSWORD, a
    prompt without echo when stdin is a terminal.
    """
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


def _password(args: argparse.Namespace, root: Path) -> bytes:
    if args.password_file is not None:
        data = _read_secret_file(args.password_file, "password")
        data = data.removeprefix(b"\xef\xbb\xbf")  # a BOM left by some editors
        data = data.removesuffix(b"\n").removesuffix(b"\r")
        if not data:
            raise InputError(f"{args.password_file}: the password file is empty")
        return data
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env:
        return from_env.encode("utf-8")
    if sys.stdin is not None and sys.stdin.isatty():
        typed = getpass.getpass(f"Password of the encrypted backup {root.name}: ")
        if not typed:
            raise InputError("no password was typed")
        return typed.encode("utf-8")
    raise InputError(f"{root} is an encrypted backup: give its password with --password-file "
                     f"or {PASSWORD_ENV} (or type it at the prompt on a terminal), or its key "
                     "with --key-file")


def _read_secret_file(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise InputError(f"{path}: cannot read the {what} file "
                         f"({error.strerror or type(error).__name__})") from None


def _decrypt_backup(args: argparse.Namespace, console: Console) -> int:
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
        with _terminate_as_interrupt():
            if args.platform == "ios" and args.command == "check-backup":
                return _check_ios_backup(args, console, arguments)
            if args.platform == "ios" and args.command == "decrypt-backup":
                return _decrypt_backup(args, console)
            if args.platform == "ios" and args.command == "extract-key":
                return _extract_key(args, console)
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
