"""The backup-file times that Operation Triangulation's time-window check needs (ios.md §7).

Kaspersky's triangle_check reads, from Manifest.db, the MBFile times (modified, status changed,
birth; unix seconds) of:

- every MediaDomain entry under `Library/SMS/Attachments/`: the two directory levels below it
  (`Attachments/ab`, `Attachments/ab/12`) are updated when an attachment arrives, and the
  implant's deleted iMessage attachment left exactly such directory changes behind, without
  the deeper attachment folder and file that a kept attachment has;
- `RootDomain/Library/Preferences/com.apple.ImageIO.plist`,
  `HomeDomain/Library/Preferences/com.apple.locationd.StatusBarIconManager.plist` and
  `HomeDomain/Library/Preferences/com.apple.imservice.ids.FaceTime.plist`, which the exploit
  chain's image parsing, location use and iMessage processing touched.

This artifact reads just those Manifest rows (one `TriangulationFileEvent` each), so that the
correlation in `perito.analysis.triangulation` does not have to keep every Manifest entry. The
same rows, with the same times, are `ios.backup.manifest` records, which carry the file-path
observables and the timeline entries; these records declare neither, so nothing is matched or
listed twice. `role` says how the correlation uses a row: `sms-directory` (depth 3–4 below
the domain root, e.g. `Library/SMS/Attachments/ab/12`), `sms-attachment` (anything deeper) or
`preferences` (one of the three plists).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from perito.artifacts.base import Artifact, Context
from perito.records import Record, register_record
from perito.sources.ios_backup import IosBackup, ManifestRow, decode_mbfile
from perito.sources.locations import BackupRoot
from perito.sources.plist import PlistError
from perito.timestamps import Encoding, Timestamp, decode, from_datetime, unset

SMS_ATTACHMENTS = "Library/SMS/Attachments/"
PREFERENCE_FILES: tuple[tuple[str, str], ...] = (
    ("RootDomain", "Library/Preferences/com.apple.ImageIO.plist"),
    ("HomeDomain", "Library/Preferences/com.apple.locationd.StatusBarIconManager.plist"),
    ("HomeDomain", "Library/Preferences/com.apple.imservice.ids.FaceTime.plist"),
)
SMS_DIRECTORY = "sms-directory"
SMS_ATTACHMENT = "sms-attachment"
PREFERENCES = "preferences"


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class TriangulationFileEvent(Record):
    """The MBFile times of one Manifest row that the Triangulation time window looks at."""

    domain: str = ""
    relative_path: str = ""
    flags: int = 0  # 1 file, 2 directory, 4 symlink
    role: str = ""  # sms-directory, sms-attachment or preferences
    created: Timestamp = field(default=unset(Encoding.UNIX_S))
    modified: Timestamp = field(default=unset(Encoding.UNIX_S))
    status_changed: Timestamp = field(default=unset(Encoding.UNIX_S))

    record_name = "Triangulation file times"

    def describe(self) -> str:
        return f"{self.relative_path} - {self.domain} ({self.role})"


def sms_role(relative_path: str) -> str:
    """sms-directory for the two levels below Attachments/, sms-attachment below them."""
    depth = relative_path.count("/")
    return SMS_DIRECTORY if depth in (3, 4) else SMS_ATTACHMENT


def _time(value: Any) -> Timestamp:
    if isinstance(value, dt.datetime):
        return from_datetime(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return decode(value, Encoding.UNIX_S)
    return unset(Encoding.UNIX_S)


def _event(row: ManifestRow, role: str, source: str) -> tuple[TriangulationFileEvent, bool]:
    """The record, and whether its metadata could be read."""
    try:
        meta = decode_mbfile(row.blob)
        readable = True
    except PlistError:
        meta, readable = {}, False
    return TriangulationFileEvent(
        source=source, domain=row.domain, relative_path=row.relative_path, flags=row.flags,
        role=role, created=_time(meta.get("Birth")), modified=_time(meta.get("LastModified")),
        status_changed=_time(meta.get("LastStatusChange"))), readable


def _rows(backup: IosBackup) -> Iterator[tuple[ManifestRow, str]]:
    for row in backup.rows(domain="MediaDomain", relative_glob=SMS_ATTACHMENTS + "*"):
        yield row, sms_role(row.relative_path)
    for domain, relative_path in PREFERENCE_FILES:
        found = backup.row(domain, relative_path)
        if found is not None:
            yield found, PREFERENCES


def extract(ctx: Context) -> Iterator[Record]:
    backup = ctx.source
    if not isinstance(backup, IosBackup):
        return
    backup.custody.record(ctx.evidence.address, ctx.evidence.path)
    unreadable = 0
    for row, role in _rows(backup):
        record, readable = _event(row, role, ctx.evidence.address)
        unreadable += not readable
        yield record
    if unreadable:
        ctx.warn(f"{unreadable} Manifest rows had unreadable metadata")


ARTIFACT = Artifact(
    id="ios.triangulation.file_events",
    title="Backup file times for the Operation Triangulation check",
    slug="triangulation_file_events",
    plugin="TriangulationFileEvents",
    locations=(BackupRoot("Manifest.db"),),
    records=(TriangulationFileEvent,),
    extract=extract,
    doc=__doc__ or "",
)
