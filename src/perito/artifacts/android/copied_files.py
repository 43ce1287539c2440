"""Times of device files copied into the acquisition: androidqf's `logs/` and `tmp/`, and a
bugreport's `FS/` tree (android.md §1.2, §2.1).

The incumbent uses only the times of androidqf's log files. A zip entry's time is the
device-local wall clock (converted with `persist.sys.timezone` when known) unless the entry
carries the UTC "extended timestamp" field; a folder's file has its file-system mtime.
Files under `tmp/` are the device's `/data/local/tmp`, an exploit staging area, and `apks/`
holds the APKs androidqf pulled: both are hashed (SHA-256), so hash indicators match them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from perito.artifacts.android.common import local_time
from perito.artifacts.base import Artifact, Context
from perito.records import Kind, Record, observable, register_record, timeline
from perito.sources.android_tree import AndroidTree
from perito.sources.locations import AndroidFile
from perito.timestamps import Encoding, Timestamp, decode, unset


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class CopiedFile(Record):
    """A device file copied into the acquisition, with its recorded time."""

    device_path: str = field(metadata=observable(Kind.FILE_PATH))
    size: int | None = None
    sha256: str = field(default="", metadata=observable(Kind.FILE_SHA256))
    modified: Timestamp = field(default=unset(Encoding.UNIX_S),
                                metadata=timeline("Copied file modified"))

    record_name = "Copied device file"

    def describe(self) -> str:
        return f"{self.device_path or self.source} ({self.size} bytes)"


def extract(ctx: Context) -> Iterator[Record]:
    source = ctx.source
    if not isinstance(source, AndroidTree):
        return
    member = source.member(ctx.evidence)
    if member.utc_mtime is not None:
        modified = decode(member.utc_mtime, Encoding.UNIX_S)
    else:
        modified = local_time(ctx, member.local_time)
    name = ctx.evidence.relative_path
    digest = source.sha256(ctx.evidence) if name.startswith(("tmp/", "apks/")) else ""
    yield CopiedFile(source=ctx.evidence.address, device_path=ctx.evidence.device_path,
                     size=member.size, sha256=digest, modified=modified)


ARTIFACT = Artifact(
    id="android.copied_files",
    title="Device files copied into the acquisition (logs/, tmp/, apks/, bugreport FS/)",
    slug="logs",
    plugin="Logs",
    locations=(AndroidFile("logs/*"), AndroidFile("tmp/*"), AndroidFile("apks/*"),
               AndroidFile("FS/*", within="bugreport")),
    records=(CopiedFile,),
    extract=extract,
    doc=__doc__ or "",
)
