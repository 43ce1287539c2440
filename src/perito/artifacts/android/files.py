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
        """An `ls`-style mode with an x bit. The `find -printf %m` fallback writes octal
        modes without the file type, where folders look executable: never claimed then."""
        return len(self.mode) >= 10 and self.mode[0] == "-" and "x" in (
            self.mode[3], self.mode[6], self.mode[9])


class _Times:
    """Decoded times by stored value: many files share a time (a system image's files all
    carry its build time), and a Timestamp is immutable."""

    def __init__(self) -> None:
        self.known: dict[object, Timestamp] = {}

    def __call__(self, value: object) -> Timestamp:
        stamp = self.known.get(value)
        if stamp is None:
            number = int(value) if isinstance(value, float) else integer(value)
            stamp = decode(number, Encoding.UNIX_S)
            if len(self.known) < 100_000:
                self.known[value] = stamp
        return stamp


def _text(item: dict[str, object], key: str) -> str:
    value = item.get(key)
    return value if isinstance(value, str) else text(value)


def extract(ctx: Context) -> Iterator[Record]:
    device_zone = zone(ctx)
    times = _Times()
    local: dict[Timestamp, str] = {}
    items = json_list(ctx)
    items.reverse()
    while items:  # popped as read, so a long listing is freed while its records go out
        item = items.pop()
        if not isinstance(item, dict):
            continue
        path = _text(item, "path")
        if not path:
            continue
        modified = times(item.get("modified_time"))
        shown = local.get(modified)
        if shown is None:
            shown = local[modified] = in_zone(modified, device_zone)
        yield AndroidFileEntry(
            source=ctx.evidence.address, path=path, size=integer(item.get("size")),
            mode=_text(item, "mode"), user_name=_text(item, "user_name"),
            group_name=_text(item, "group_name"), context=_text(item, "context"),
            mime_type=_text(item, "mime_type"), md5=_text(item, "md5").lower(),
            sha1=_text(item, "sha1").lower(), sha256=_text(item, "sha256").lower(),
            modified_time=modified, modified_local=shown,
            access_time=times(item.get("access_time")),
            changed_time=times(item.get("changed_time")))


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
