"""Files on the device from androidqf's `files.json` (android.md §1.6).

Paths, modes, owners and SELinux contexts of the walked folders; times are unix seconds UTC
(the incumbent rewrites them as naive device-local text); they stay UTC, and
`modified_local` shows the modification on the device's clock when its zone is known. Hashes
are often empty.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from perito.artifacts.android.common import integer, json_list, text, zone
from perito.artifacts.base import Artifact, Context
from perito.records import Kind, Record, observable, register_record, timeline
from perito.sources.locations import AndroidFile
from perito.timestamps import Encoding, Timestamp, decode, in_zone, unset


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class AndroidFileEntry(Record):
    """One file of the device's file listing."""

    path: str = field(metadata=observable(Kind.FILE_PATH))
    size: int | None = None
    mode: str = ""
    user_name: str = ""
    group_name: str = ""
    context: str = ""
    mime_type: str = ""
    md5: str = field(default="", metadata=observable(Kind.FILE_MD5))
    sha1: str = field(default="", metadata=observable(Kind.FILE_SHA1))
    sha256: str = field(default="", metadata=observable(Kind.FILE_SHA256))
    modified_time: Timestamp = field(default=unset(Encoding.UNIX_S),
                                     metadata=timeline("File modified"))
    access_time: Timestamp = field(default=unset(Encoding.UNIX_S),
                                   metadata=timeline("File accessed"))
    changed_time: Timestamp = field(default=unset(Encoding.UNIX_S),
                                    metadata=timeline("File metadata changed"))
    modified_local: str = ""  # modified_time on the device's clock (persist.sys.timezone)

    record_name = "Android file"

    def describe(self) -> str:
        return f"{self.path} ({self.mode or '?'} {self.user_name or '?'}, {self.size} bytes)"

    @property
    def executable(self) -> bool:
        return len(self.mode) >= 10 and "x" in (self.mode[3], self.mode[6], self.mode[9])


def _time(value: object) -> Timestamp:
    number = integer(value) if not isinstance(value, float) else int(value)
    return decode(number, Encoding.UNIX_S)


def extract(ctx: Context) -> Iterator[Record]:
    device_zone = zone(ctx)
    for item in json_list(ctx):
        if not isinstance(item, dict) or not text(item.get("path")):
            continue
        modified = _time(item.get("modified_time"))
        yield AndroidFileEntry(
            source=ctx.evidence.address, path=text(item.get("path")),
            size=integer(item.get("size")), mode=text(item.get("mode")),
            user_name=text(item.get("user_name")), group_name=text(item.get("group_name")),
            context=text(item.get("context")), mime_type=text(item.get("mime_type")),
            md5=text(item.get("md5")).lower(), sha1=text(item.get("sha1")).lower(),
            sha256=text(item.get("sha256")).lower(),
            modified_time=modified, modified_local=in_zone(modified, device_zone),
            access_time=_time(item.get("access_time")),
            changed_time=_time(item.get("changed_time")))


ARTIFACT = Artifact(
    id="android.androidqf.files",
    title="Files on the device (files.json)",
    slug="files",
    plugin="Files",
    locations=(AndroidFile("files.json"),),
    records=(AndroidFileEntry,),
    extract=extract,
    doc=__doc__ or "",
)
