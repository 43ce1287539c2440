"""Backup info: the device identity and app list from the backup's Info.plist (ios.md §2.2).

Info.plist is never encrypted. `Installed Applications` lists the bundle ids present at
backup time, which app-id indicators (e.g. watchware bundles) can match.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from perito.artifacts.base import Artifact, Context
from perito.records import Kind, Record, observable, register_record, shareable, timeline
from perito.sources.locations import BackupRoot
from perito.sources.plist import PlistError, load_plist
from perito.timestamps import Encoding, Timestamp, from_datetime, unset

_TEXT_KEYS = {
    "device_name": "Device Name", "display_name": "Display Name",
    "product_type": "Product Type", "product_name": "Product Name",
    "product_version": "Product Version", "build_version": "Build Version",
    "serial_number": "Serial Number", "unique_identifier": "Unique Identifier",
    "target_identifier": "Target Identifier", "guid": "GUID", "imei": "IMEI",
    "meid": "MEID", "iccid": "ICCID", "phone_number": "Phone Number",
    "target_type": "Target Type", "itunes_version": "iTunes Version",
}


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class BackupInfo(Record):
    """The identity of the backed-up device."""

    device_name: str | None = None
    display_name: str | None = None
    product_type: str | None = field(default=None, metadata=shareable())
    product_name: str | None = field(default=None, metadata=shareable())
    product_version: str | None = field(default=None, metadata=shareable())
    build_version: str | None = field(default=None, metadata=shareable())
    serial_number: str | None = None
    unique_identifier: str | None = None
    target_identifier: str | None = None
    guid: str | None = None
    imei: str | None = None
    meid: str | None = None
    iccid: str | None = None
    phone_number: str | None = None
    target_type: str | None = field(default=None, metadata=shareable())
    itunes_version: str | None = field(default=None, metadata=shareable())
    last_backup_date: Timestamp = field(default=unset(Encoding.PLIST_DATE),
                                        metadata=timeline("Backup taken"))
    installed_applications: tuple[str, ...] = field(default=(),
                                                    metadata=observable(Kind.APP_ID))

    record_name = "Backup info"

    def describe(self) -> str:
        model = self.product_name or self.product_type or "device"
        return (f"Backup of {model} running iOS {self.product_version or '?'} "
                f"({self.build_version or '?'})")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def extract(ctx: Context) -> Iterator[Record]:
    info = load_plist(ctx.source.read_bytes(ctx.evidence))
    if not isinstance(info, dict):
        raise PlistError("Info.plist is not a dictionary")
    values: dict[str, Any] = {name: _text(info.get(key)) for name, key in _TEXT_KEYS.items()}
    when = info.get("Last Backup Date")
    if isinstance(when, dt.datetime):
        values["last_backup_date"] = from_datetime(when)
    apps = info.get("Installed Applications")
    if isinstance(apps, list):
        values["installed_applications"] = tuple(a for a in apps if isinstance(a, str))
    yield BackupInfo(source=ctx.evidence.address, **values)


ARTIFACT = Artifact(
    id="ios.backup.info",
    title="Backup info",
    slug="backup_info",
    plugin="BackupInfo",
    locations=(BackupRoot("Info.plist"),),
    records=(BackupInfo,),
    extract=extract,
    doc=__doc__ or "",
)
