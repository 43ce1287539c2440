"""Root tools found on the device's PATH, from androidqf's `root_binaries.json` (android.md §4).

androidqf runs `which -a` for su, busybox, magisk and the like; every path listed exists.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from perito.artifacts.android.common import json_list
from perito.artifacts.base import Artifact, Context
from perito.records import Kind, Record, observable, register_record
from perito.sources.locations import AndroidFile


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class RootBinary(Record):
    """A root-tool binary found on the device."""

    path: str = field(metadata=observable(Kind.FILE_PATH))

    record_name = "Root binary"

    def describe(self) -> str:
        return f"root binary {self.path}"

    @property
    def binary(self) -> str:
        return self.path.rstrip("/").rsplit("/", 1)[-1]


def extract(ctx: Context) -> Iterator[Record]:
    for item in json_list(ctx):
        if not isinstance(item, str):
            continue
        for line in item.splitlines():
            if line.strip():
                yield RootBinary(source=ctx.evidence.address, path=line.strip())


ARTIFACT = Artifact(
    id="android.androidqf.root_binaries",
    title="Root binaries (root_binaries.json)",
    slug="root_binaries",
    plugin="RootBinaries",
    locations=(AndroidFile("root_binaries.json"),),
    records=(RootBinary,),
    extract=extract,
    doc=__doc__ or "",
)
