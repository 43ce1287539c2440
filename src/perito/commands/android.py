"""`perito android check-backup` and `check-intrusion-logs`, without the console.

Other commands (androidqf, whose acquisitions hold a `backup.ab` and `intrusion_logs/`) scan
those parts with the same calls:

- `open_backup(path, password)` or `open_backup_stream(handle, name, root, password)` → an
  `AndroidBackup` source; scan it with `ANDROID_BACKUP`.
- `open_intrusion_logs(path)` (a folder such as the acquisition's `intrusion_logs/`, a zip
  or a file) or `IntrusionLogs.from_zip(handle, name=…, root=…, under="intrusion_logs/")`
  (the androidqf zip itself) → an `IntrusionLogs` source; scan it with
  `ANDROID_INTRUSION_LOGS`.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from perito.artifacts.android.catalogue import ANDROID_BACKUP
from perito.errors import InputError
from perito.sources.android_ab import AndroidBackup, backup_member_patterns
from perito.sources.android_ab_format import AbHeader, backup_header, master_key
from perito.sources.evidence import Custody
from perito.sources.intrusion_logs import IntrusionLogs

PASSWORD_ENV = "PERITO_ANDROID_BACKUP_PASSWORD"  # noqa: S105 (the variable's name)


def _keep() -> tuple[str, ...]:
    return backup_member_patterns(loc for a in ANDROID_BACKUP for loc in a.locations)


def backup_target(path: Path) -> AbHeader | None:
    """Check that `path` is an `.ab` file, the bare tar inside one, or an extracted backup
    folder; its header (None for a tar or a folder)."""
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    if path.is_dir():
        root = path.parent if path.name == "apps" else path
        if not (root / "apps").is_dir():
            hint = f"; check {path / 'backup.ab'}" if (path / "backup.ab").is_file() else ""
            raise InputError(f"{path}: not an Android backup folder (no apps/ inside){hint}")
        return None
    return backup_header(path)


def check_password(header: AbHeader, password: bytes) -> None:
    """Raise `WrongPassword` now, before any output is written, when it does not fit."""
    master_key(header, password)


def open_backup(path: Path, password: bytes | None = None,
                custody: Custody | None = None) -> AndroidBackup:
    """The backup at `path` (an `.ab` file or an extracted folder), read once."""
    return AndroidBackup.open(path, password=password, keep=_keep(), custody=custody)


def open_backup_stream(handle: BinaryIO, name: str, root: Path, password: bytes | None = None,
                       custody: Custody | None = None) -> AndroidBackup:
    """A backup read from a file object (e.g. `backup.ab` inside an androidqf zip)."""
    return AndroidBackup.from_stream(handle, name=name, root=root, password=password,
                                     keep=_keep(), custody=custody)


def open_intrusion_logs(path: Path, custody: Custody | None = None) -> IntrusionLogs:
    """The intrusion logs of a folder, a zip (zips in zips) or one log file."""
    logs = IntrusionLogs.open(path, custody=custody)
    if not logs.entries and not logs.refused:
        logs.close()
        raise InputError(f"{path}: no intrusion-log files (.txt, in folders or zips) found")
    return logs
