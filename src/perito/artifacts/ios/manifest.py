"""Manifest entries: every file, folder and link the backup lists, with its times (ios.md §2.4).

Paths are made device-absolute (domain → device root) so that absolute file-path indicators
can match; the incumbent prepends "/" to the domain-relative path instead, so they rarely do.
WebKit and cache folders embed origins in names (`https_example.com_0`), which yields URLs.
Entries come in the order Manifest.db stores them (as the incumbent reads them), which a
large Manifest can be read in parts by (see docs/sources.md).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from perito.artifacts.base import Artifact, Context
from perito.levels import Level
from perito.records import (
    Kind,
    Record,
    assembler,
    observable,
    register_record,
    shareable,
    timeline,
)
from perito.sources.ios_backup import IosBackup, decode_mbfile, device_path
from perito.sources.locations import BackupRoot
from perito.sources.plist import PlistError
from perito.timestamps import Encoding, Timestamp, decode, decoder, from_datetime, unset

# LocalStorage keeps `<origin>.localstorage` with its -shm and -wal beside it.
_ORIGIN = re.compile(r"^(https?)_([A-Za-z0-9.-]+)_(\d+)"
                     r"(?:\.localstorage(?:-shm|-wal|-journal)?)?$")
_KIND = {1: "file", 2: "directory", 4: "symlink"}


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class ManifestEntry(Record):
    """One row of Manifest.db's Files table with its decoded MBFile metadata."""

    file_id: str = ""
    domain: str = field(default="", metadata=shareable())
    relative_path: str = ""
    flags: int = 0
    file_name: str = field(default="", metadata=observable(Kind.FILE_NAME))
    device_path: str = field(default="", metadata=observable(Kind.FILE_PATH))
    origin_urls: tuple[str, ...] = field(default=(), metadata=observable(Kind.URL))
    mode: int | None = None
    size: int | None = None
    user_id: int | None = None
    protection_class: int | None = None
    link_target: str | None = None
    created: Timestamp = field(default=unset(Encoding.UNIX_S), metadata=timeline("File created"))
    modified: Timestamp = field(default=unset(Encoding.UNIX_S),
                                metadata=timeline("File modified"))
    status_changed: Timestamp = field(default=unset(Encoding.UNIX_S),
                                      metadata=timeline("File status changed"))

    record_name = "Backup file"

    def describe(self) -> str:
        kind = _KIND.get(self.flags, "entry")
        return f"{self.relative_path} - {self.domain} ({kind})"


def origin_urls(relative_path: str) -> tuple[str, ...]:
    """URLs encoded in WebKit/cache folder names along a path."""
    if "http" not in relative_path:
        return ()  # every origin folder name starts with its scheme
    found: list[str] = []
    for part in relative_path.split("/"):
        matched = _ORIGIN.match(part)
        if matched:
            scheme, host, port = matched.groups()
            default = (scheme == "http" and port in ("0", "80")) or \
                      (scheme == "https" and port in ("0", "443"))
            found.append(f"{scheme}://{host}/" if default else f"{scheme}://{host}:{port}/")
    return tuple(dict.fromkeys(found))


def _other_time(value: Any) -> Timestamp:
    if isinstance(value, dt.datetime):
        return from_datetime(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return decode(value, Encoding.UNIX_S)
    return unset(Encoding.UNIX_S)


# An MBFile time: unix seconds (as an int, or a float), a plist date, or nothing.
_time = decoder(Encoding.UNIX_S, _other_time)


def _int(value: Any) -> int | None:
    if type(value) is int:  # what the decoders give
        return value
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# A Manifest has 100,000s of rows: its entries are set through their slots (records.assembler).
_entry = assembler(ManifestEntry, (
    "source", "file_id", "domain", "relative_path", "flags", "file_name", "device_path",
    "origin_urls", "mode", "size", "user_id", "protection_class", "link_target", "created",
    "modified", "status_changed"))


def _rows(ctx: Context) -> int | None:
    return ctx.source.counted_rows() if isinstance(ctx.source, IosBackup) else None


def extract(ctx: Context) -> Iterator[Record]:
    backup = ctx.source
    if not isinstance(backup, IosBackup):
        return
    ctx.source.custody.record(ctx.evidence.address, ctx.evidence.path)
    undecodable = 0
    source = ctx.evidence.address
    for row in backup.stored_rows(ctx.part.clause() if ctx.part is not None else ""):
        try:
            meta = decode_mbfile(row.blob)
        except PlistError:
            meta, undecodable = {}, undecodable + 1
        mode, size, user_id, protection, target = (
            meta.get("Mode"), meta.get("Size"), meta.get("UserID"),
            meta.get("ProtectionClass"), meta.get("Target"))
        path = row.relative_path
        yield _entry((
            source, row.file_id, row.domain, path, row.flags, path.rsplit("/", 1)[-1],
            device_path(row.domain, path), origin_urls(path),
            _int(mode), _int(size), _int(user_id), _int(protection),
            target if isinstance(target, str) else None,
            _time(meta.get("Birth")), _time(meta.get("LastModified")),
            _time(meta.get("LastStatusChange"))))
    ctx.tally("{count} Manifest rows had unreadable metadata", undecodable)


ARTIFACT = Artifact(
    id="ios.backup.manifest",
    title="Backup file list (Manifest)",
    slug="manifest",
    plugin="Manifest",
    locations=(BackupRoot("Manifest.db"),),
    records=(ManifestEntry,),
    extract=extract,
    match_level=Level.HIGH,
    doc=__doc__ or "",
    split=_rows,
)
