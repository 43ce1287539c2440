"""androidqf's nested `backup.ab` and `intrusion_logs/`, each checked as its own acquisition.

`perito android check-androidqf` finds them in the acquisition (folder, zip, or age-encrypted
zip decrypted in memory) and scans each with the artifacts of `check-backup` and
`check-intrusion-logs`, into `<output>/backup.ab/` and `<output>/intrusion_logs/`. Of a zip
the nested files are read from its members in place: the backup is streamed once from its
member, the logs are listed with `IntrusionLogs.from_zip` (zips inside are copied to that
source's private temporary folder, as `check-intrusion-logs` does). A part that cannot be
opened (an encrypted backup without its password or with a wrong one, a damaged file) is
reported as not scanned; the rest of the check goes on.
"""

from __future__ import annotations

import gettext
import io
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, cast

from rich.console import Console
from rich.markup import escape

from perito.artifacts.android.catalogue import ANDROID_BACKUP, ANDROID_INTRUSION_LOGS
from perito.artifacts.base import Artifact
from perito.check import CheckOutcome, exit_code
from perito.commands import android
from perito.errors import DamagedFile, ExitCode, InputError
from perito.levels import level_counts
from perito.output.report.verdict import Verdict, advice, headline, verdict_of
from perito.sources.android_ab_format import PasswordRequired, WrongPassword
from perito.sources.android_tree import ANDROIDQF_MARKERS, AndroidTree, acquisition_folder
from perito.sources.base import Source
from perito.sources.intrusion_logs import IntrusionLogs
from perito.sources.locations import AndroidFile

log = logging.getLogger(__name__)

NESTED_BACKUP = "backup.ab"
NESTED_LOGS = "intrusion_logs"


@dataclass(frozen=True)
class NestedPart:
    """One nested acquisition: its path in the androidqf acquisition and how to open it."""

    path: str
    kind: str
    open_source: Callable[[], Source]
    artifacts: Sequence[Artifact]


@dataclass(frozen=True)
class NestedOutcome:
    """What became of one nested part (`outcome` None: it was not scanned)."""

    part: NestedPart
    folder: Path
    exit_code: int
    outcome: CheckOutcome | None
    warning: str = ""

    def info(self) -> dict[str, object]:
        """Its entry in the `nested` list of the main info.json."""
        result = self.outcome.result if self.outcome is not None else None
        return {"path": self.part.path, "kind": self.part.kind,
                "scanned": result is not None, "exit_code": self.exit_code,
                "output": self.folder.name,
                "detections": dict(result.levels()) if result is not None else {},
                "not_read": [s.id for s in result.failed] if result is not None else [],
                "info_sha256": self.outcome.info_sha256 if self.outcome is not None else None,
                "warning": self.warning or None}


def nested_parts(target: Path, open_tree: Callable[[], AndroidTree],
                 plaintext: io.BytesIO | None, password: bytes | None,
                 chosen: Sequence[Artifact]) -> list[NestedPart]:
    """The nested acquisitions of `target` that have chosen artifacts."""
    with open_tree() as probe:
        names = probe.tree.members
        has_backup = NESTED_BACKUP in names
        has_logs = any(n.startswith(f"{NESTED_LOGS}/") for n in names)
    folder = acquisition_folder(target, ANDROIDQF_MARKERS) if target.is_dir() else None

    def open_backup() -> Source:
        if folder is not None:
            return android.open_backup(folder / NESTED_BACKUP, password)
        with open_tree() as tree:  # the container's hash is already in the tree's custody
            evidence = next(tree.find(AndroidFile(NESTED_BACKUP)))
            with tree.stream(evidence) as handle:
                return android.open_backup_stream(cast(BinaryIO, handle), NESTED_BACKUP,
                                                  target, password, custody=tree.custody)

    def open_logs() -> Source:
        if folder is not None:
            return android.open_intrusion_logs(folder / NESTED_LOGS)
        with open_tree() as tree:
            if plaintext is not None:  # the decrypted zip, in memory
                return IntrusionLogs.from_zip(plaintext, name=target.name, root=target,
                                              under=f"{NESTED_LOGS}/", custody=tree.custody,
                                              in_memory=True)
            try:
                handle = target.open("rb")
            except OSError as error:
                raise InputError(f"{target}: cannot read ({error.strerror})") from None
            with handle:
                return IntrusionLogs.from_zip(handle, name=target.name, root=target,
                                              under=f"{NESTED_LOGS}/", custody=tree.custody)

    parts = []
    for present, path, kind, opener, available in (
            (has_backup, NESTED_BACKUP, "android-backup", open_backup, ANDROID_BACKUP),
            (has_logs, NESTED_LOGS, "android-intrusion-logs", open_logs,
             ANDROID_INTRUSION_LOGS)):
        artifacts = [a for a in chosen if a in available]
        if present and artifacts:
            parts.append(NestedPart(path, kind, opener, artifacts))
    return parts


def scan_nested(parts: Iterable[NestedPart], output: Path,
                run: Callable[[NestedPart, Path], CheckOutcome]) -> list[NestedOutcome]:
    """Scan each part into `output/<its path>` with `run`; a part that cannot be opened is
    a warning (exit code 3 for it), never the end of the check."""
    done = []
    for part in parts:
        folder = output / part.path
        try:
            outcome = run(part, folder)
        except (InputError, DamagedFile, OSError) as error:
            warning = _why(part, error)
            log.warning("%s was not scanned: %s", part.path, warning)
            done.append(NestedOutcome(part, folder, ExitCode.INCOMPLETE, None, warning))
            continue
        done.append(NestedOutcome(part, folder, exit_code(outcome.result), outcome))
    return done


def _why(part: NestedPart, error: Exception) -> str:
    hint = (" (give its password with --password-file or "
            f"{android.PASSWORD_ENV})") if isinstance(error, PasswordRequired | WrongPassword) \
        else ""
    if isinstance(error, OSError):
        return f"{part.path}: cannot be read ({error.strerror or type(error).__name__})"
    return f"{error}{hint}"


def print_nested(console: Console, done: Sequence[NestedOutcome],
                 t: gettext.NullTranslations) -> None:
    """One line per nested acquisition, after the main summary."""
    for nested in done:
        if nested.outcome is None:
            console.print("[yellow]" + escape(t.gettext(
                "Nested %(path)s was not scanned: %(reason)s") % {
                "path": nested.part.path, "reason": nested.warning}) + "[/yellow]",
                soft_wrap=True)
            continue
        result = nested.outcome.result
        line = t.gettext("Nested %(path)s: results in %(folder)s; detections: %(counts)s") % {
            "path": nested.part.path, "folder": nested.outcome.output,
            "counts": level_counts(result.levels(), t)}
        if result.failed:
            line += t.gettext("; artifacts that could not be read: %(num)d") % {
                "num": len(result.failed)}
        console.print(line, highlight=False, markup=False, soft_wrap=True)
    results = [n.outcome.result for n in done if n.outcome is not None]
    found = verdict_of(any(r.matched for r in results), any(r.serious for r in results))
    if found is not Verdict.NOTHING:  # the main verdict above is of the main scan only
        console.print(f"[bold red]{escape(headline(found, t))}[/bold red] "
                      + escape(t.gettext("(in a nested acquisition)")) + " "
                      + escape(advice(found, t)))
