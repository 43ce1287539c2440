"""Whether each process that used the network has a binary in the filesystem dump (ios.md §6).

Reads the process names of DataUsage.sqlite and netusage.sqlite and looks for a file or folder
of that name anywhere in the dump. Spyware processes posed as system daemons whose binaries do
not exist in the OS image (Amnesty, 2021), so a process with no bundle id and no such file is
worth a look (heuristic in `perito.analysis.process_binaries`). Names come from the kernel,
truncated to 16 characters (XNU MAXCOMLEN), so a name that long is compared as a prefix. Each
name costs one hash lookup or one binary search over the sorted names, never a pass over the
listing. Programs in the dyld shared cache or in cryptexes have no file of their own in some
dumps: that is this check's known false positive.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field

from perito.artifacts.base import Artifact, Context, SchemaMismatch
from perito.artifacts.ios import datausage, netusage
from perito.records import Kind, Record, observable, register_record
from perito.sources.locations import FsGlob
from perito.sources.sqlite import missing_from, schema
from perito.sources.tree import TreeSource

MAXCOMLEN = 16


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class ProcessBinary(Record):
    """A process without a bundle id, and the file name found for it in the dump (if any)."""

    process_name: str = field(default="", metadata=observable(Kind.PROCESS))
    binary_found: bool = False
    found_name: str = ""

    record_name = "process binary"

    def describe(self) -> str:
        if self.binary_found:
            return f"Binary {self.found_name} found for process {self.process_name}"
        return f"No binary found in the dump for process {self.process_name}"


def lookup(source: TreeSource, name: str) -> str | None:
    if source.tree.has_name(name):
        return name
    if len(name) >= MAXCOMLEN - 1:  # possibly truncated by the kernel
        return source.tree.has_name_prefix(name)
    return None


def extract(ctx: Context) -> Iterator[Record]:
    source = ctx.source
    if not isinstance(source, TreeSource):
        return
    with source.open_sqlite(ctx.evidence) as opened:
        db = opened.connection
        found = schema(db)
        missing = missing_from(found, {"ZPROCESS": ["ZPROCNAME"]})
        if missing:
            raise SchemaMismatch(missing)
        bundle = "ZBUNDLENAME" if "ZBUNDLENAME" in found["ZPROCESS"] else "NULL"
        db.row_factory = sqlite3.Row
        names: dict[str, None] = {}
        for row in db.execute(f"SELECT ZPROCNAME AS name, {bundle} AS bundle FROM ZPROCESS "
                              "ORDER BY Z_PK"):
            name, bundle_id = row["name"], row["bundle"]
            if isinstance(name, str) and name.strip() and not bundle_id:
                names.setdefault(name.split("/", 1)[0].strip(), None)
    for name in names:
        hit = lookup(source, name)
        yield ProcessBinary(source=ctx.evidence.address, process_name=name,
                            binary_found=hit is not None, found_name=hit or "")


ARTIFACT = Artifact(
    id="ios.fs.process_binaries",
    title="Binaries of the processes that used the network",
    slug="process_binaries",
    plugin="ProcessBinaries",
    locations=tuple(location for location in datausage.ARTIFACT.locations + netusage.LOCATIONS
                    if isinstance(location, FsGlob)),
    records=(ProcessBinary,),
    extract=extract,
    doc=__doc__ or "",
)
