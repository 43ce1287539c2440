"""Device properties from androidqf's `getprop.txt` (android.md §1.7).

Build, patch level (`ro.build.version.security_patch`), timezone (`persist.sys.timezone`),
boot and debug flags. Property names are observables: implants set their own (Amnesty 2023:
`sys.brand.note`). The record type is shared with the bugreport's getprop block.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from perito.artifacts.android.common import text_of
from perito.artifacts.base import Artifact, Context
from perito.extract.getprop import parse_properties
from perito.records import Kind, Record, observable, register_record
from perito.sources.locations import AndroidFile


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class AndroidProperty(Record):
    """One system property."""

    name: str = field(metadata=observable(Kind.ANDROID_PROPERTY))
    value: str = ""

    record_name = "Android property"

    def describe(self) -> str:
        return f"{self.name} = {self.value}"


def properties(content: str, source: str) -> Iterator[AndroidProperty]:
    for name, value in parse_properties(content):
        yield AndroidProperty(source=source, name=name, value=value)


def extract(ctx: Context) -> Iterator[Record]:
    yield from properties(text_of(ctx), ctx.evidence.address)


ARTIFACT = Artifact(
    id="android.androidqf.getprop",
    title="System properties (getprop.txt)",
    slug="getprop",
    plugin="Getprop",
    locations=(AndroidFile("getprop.txt"),),
    records=(AndroidProperty,),
    extract=extract,
    doc=__doc__ or "",
)
