"""The SELinux mode from androidqf's `selinux.txt` (`getenforce`: one word, android.md §1.2)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from perito.artifacts.android.common import text_of
from perito.artifacts.base import Artifact, Context
from perito.records import Record, register_record
from perito.sources.locations import AndroidFile


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class SelinuxMode(Record):
    """What `getenforce` printed."""

    mode: str

    record_name = "SELinux mode"

    def describe(self) -> str:
        return f"SELinux {self.mode}"


def extract(ctx: Context) -> Iterator[Record]:
    mode = text_of(ctx).strip()
    if mode:
        yield SelinuxMode(source=ctx.evidence.address, mode=mode)


ARTIFACT = Artifact(
    id="android.androidqf.selinux",
    title="SELinux mode (selinux.txt)",
    slug="selinux",
    plugin="SELinux",
    locations=(AndroidFile("selinux.txt"),),
    records=(SelinuxMode,),
    extract=extract,
    doc=__doc__ or "",
)
