"""Android settings from androidqf's `settings_<namespace>.txt` (android.md §1.2, §4).

`cmd settings list <namespace>` prints `key=value` lines; the value runs from the first `=`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from perito.artifacts.android.common import text_of
from perito.artifacts.base import Artifact, Context
from perito.records import Record, register_record
from perito.sources.locations import AndroidFile


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class AndroidSetting(Record):
    """One setting of the system, secure or global namespace."""

    namespace: str
    key: str
    value: str = ""

    record_name = "Android setting"

    def describe(self) -> str:
        return f"{self.namespace}: {self.key}={self.value}"


def extract(ctx: Context) -> Iterator[Record]:
    namespace = ctx.evidence.name.removeprefix("settings_").removesuffix(".txt")
    for line in text_of(ctx).splitlines():
        key, equals, value = line.partition("=")
        if equals and key.strip():
            yield AndroidSetting(source=ctx.evidence.address, namespace=namespace,
                                 key=key.strip(), value=value.strip())


ARTIFACT = Artifact(
    id="android.androidqf.settings",
    title="Settings (settings_system, settings_secure, settings_global)",
    slug="settings",
    plugin="Settings",
    locations=(AndroidFile("settings_*.txt"),),
    records=(AndroidSetting,),
    extract=extract,
    doc=__doc__ or "",
)
