"""When and in which time zone a sysdiagnose was taken, from its name (ios.md §4).

The device names the archive `sysdiagnose_YYYY.MM.DD_HH-MM-SS±ZZZZ_<platform>_<model>_<build>`
(`.tar.gz`): the second and third `_` fields are the local capture time and the device's UTC
offset. An extracted folder keeps the name. Files renamed by the user lose it; then the
archive's inner top folder, which carries the same name, is tried, then the name that
`sysdiagnose.log` records; the record's `source` says which was read. The offset is the
device's zone at capture time: ps.txt `STARTED` values and text logs are in that local time.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from perito.artifacts.base import Artifact, Context
from perito.records import Record, register_record, timeline
from perito.sources.locations import FsGlob, TreeRoot
from perito.timestamps import Encoding, Timestamp, from_datetime, unset

_NAME = re.compile(r"sysdiagnose_(\d{4})\.(\d{2})\.(\d{2})_(\d{2})-(\d{2})-(\d{2})"
                   r"([+-])(\d{2})(\d{2})(?:_(.*?))?(?:\.tar\.gz|\.tgz|\.tar|\.zip)?\Z")

_IN_TEXT = re.compile(r"sysdiagnose_\d{4}\.\d{2}\.\d{2}_\d{2}-\d{2}-\d{2}[+-]\d{4}[\w.,-]*")
LOG = "sysdiagnose.log"
_RENAMED = ("neither the name nor sysdiagnose.log carries the capture time and time zone "
            "(renamed?): local times cannot be converted")
_EXTENSION = re.compile(r"(?:\.tar\.gz|\.tgz|\.tar|\.zip)\Z")


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class SysdiagnoseCapture(Record):
    """The capture time and UTC offset that the sysdiagnose's name carries."""

    name: str = ""
    local_time: str = ""  # as in the name, e.g. 2024-05-01 14:03:22
    utc_offset: str = ""  # ±HH:MM
    capture_time: Timestamp = field(default=unset(Encoding.PLIST_DATE),
                                    metadata=timeline("Sysdiagnose taken"))
    device: str = ""  # the rest of the name: platform, model, build

    record_name = "sysdiagnose capture"

    def describe(self) -> str:
        return f"Sysdiagnose taken at {self.local_time} (UTC{self.utc_offset})"


def from_name(name: str, source: str) -> SysdiagnoseCapture | None:
    found = _NAME.search(name)
    if not found:
        return None
    year, month, day, hour, minute, second, sign, oh, om, rest = found.groups()
    offset = dt.timedelta(hours=int(oh), minutes=int(om)) * (1 if sign == "+" else -1)
    try:
        local = dt.datetime(int(year), int(month), int(day), int(hour), int(minute),
                            int(second), tzinfo=dt.timezone(offset))
    except ValueError:
        return None
    return SysdiagnoseCapture(
        source=source, name=_EXTENSION.sub("", found.group(0)),
        local_time=local.strftime("%Y-%m-%d %H:%M:%S"), utc_offset=f"{sign}{oh}:{om}",
        capture_time=from_datetime(local), device=rest or "")


def _from_names(ctx: Context) -> SysdiagnoseCapture | None:
    names = [ctx.source.root.name]
    base = getattr(ctx.source, "base", "")
    if isinstance(base, str) and base:
        names.append(base)
    for name in names:
        found = from_name(name, name)
        if found is not None:
            return found
    return None


def extract(ctx: Context) -> Iterator[Record]:
    """From the acquisition's name; when renamed, from the name sysdiagnose.log records."""
    found = _from_names(ctx)
    if ctx.evidence.name != LOG:
        if found is not None:
            yield found
        elif not list(ctx.source.find(FsGlob(LOG))):
            ctx.warn(_RENAMED)
        return
    if found is not None:
        return  # the name already told
    text = ctx.source.read_bytes(ctx.evidence).decode("utf-8", errors="replace")
    for match in _IN_TEXT.finditer(text):
        from_log = from_name(match.group(0), ctx.evidence.address)
        if from_log is not None:
            yield from_log
            return
    ctx.warn(_RENAMED)


ARTIFACT = Artifact(
    id="ios.sysdiagnose.capture",
    title="Sysdiagnose capture time and time zone",
    slug="sysdiagnose_capture",
    plugin="SysdiagnoseCapture",
    locations=(TreeRoot(), FsGlob(LOG)),
    records=(SysdiagnoseCapture,),
    extract=extract,
    doc=__doc__ or "",
)
