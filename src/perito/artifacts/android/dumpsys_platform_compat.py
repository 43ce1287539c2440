"""Compatibility overrides from the `dumpsys platform_compat` section (android.md §2.3).

The `ChangeId(168419799; name=DOWNSCALED; …; rawOverrides={pkg=false, …}; …)` line keeps
the packages that had overrides, including packages since uninstalled.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from perito.artifacts.android.common import dumpsys_sections
from perito.artifacts.base import Artifact, Context
from perito.records import Kind, Record, observable, register_record
from perito.sources.locations import Dumpstate

_CHANGE = re.compile(r"ChangeId\((\d+); name=([^;)]+)")
_OVERRIDES = re.compile(r"rawOverrides=\{([^}]*)\}")


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class CompatOverride(Record):
    """A package named by a platform-compat override."""

    package_name: str = field(metadata=observable(Kind.APP_ID))
    change: str = ""
    change_id: str = ""
    value: str = ""

    record_name = "Compat override"

    def describe(self) -> str:
        return f"{self.package_name} has a {self.change} compat override"


def extract(ctx: Context) -> Iterator[Record]:
    for _body, lines in dumpsys_sections(ctx, "platform_compat"):
        for line in lines:
            change = _CHANGE.search(line)
            overrides = _OVERRIDES.search(line)
            if not change or not overrides:
                continue
            for pair in overrides.group(1).split(","):
                package, _eq, value = pair.strip().partition("=")
                if package:
                    yield CompatOverride(source=ctx.evidence.address, package_name=package,
                                         change=change.group(2), change_id=change.group(1),
                                         value=value)


ARTIFACT = Artifact(
    id="android.dumpsys.platform_compat",
    title="Compatibility overrides (dumpsys platform_compat)",
    slug="dumpsys_platform_compat",
    plugin="DumpsysPlatformCompat",
    locations=(Dumpstate(),),
    records=(CompatOverride,),
    extract=extract,
    doc=__doc__ or "",
)
