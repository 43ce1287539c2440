"""The listing of a filesystem dump: every file, folder and link with its times (ios.md §5.16).

One record per entry, with its device-absolute path (a leading `/`; the incumbent records
paths without it, so absolute file-path indicators never match there). The matcher derives
the file name and every path component from the path, so file-path, file-name and process
indicators all meet the listing. Links are listed with their target as stored and never
followed. The time is the modification time (unix s), the only one tar and zip keep.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from perito.artifacts.base import Artifact, Context
from perito.records import Kind, Record, observable, register_record, timeline
from perito.sources.locations import TreeListing
from perito.sources.tree import listing
from perito.timestamps import Encoding, Timestamp, decode, unset


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class FilesystemEntry(Record):
    """One file, folder or link of the dump."""

    path: str = field(default="", metadata=observable(Kind.FILE_PATH))
    kind: str = ""  # file, dir or symlink
    size: int = 0
    mode: int = 0
    modified: Timestamp = field(default=unset(Encoding.UNIX_S),
                                metadata=timeline("File modified"))
    link_target: str = ""

    record_name = "file"

    def describe(self) -> str:
        return f"{self.path} ({self.kind})"


def extract(ctx: Context) -> Iterator[Record]:
    for relative, entry in listing(ctx.source):
        yield FilesystemEntry(
            source=ctx.evidence.address, path="/" + relative,
            kind=entry.kind, size=entry.size, mode=entry.mode,
            modified=decode(entry.mtime, Encoding.UNIX_S), link_target=entry.target)


ARTIFACT = Artifact(
    id="ios.fs.listing",
    title="Filesystem listing",
    slug="filesystem",
    plugin="Filesystem",
    locations=(TreeListing(),),
    records=(FilesystemEntry,),
    extract=extract,
    doc=__doc__ or "",
)
