"""Accessibility services from the `dumpsys accessibility` section (android.md §2.3).

Old releases list the *installed* services (`installed services: {` … `0 : pkg/cls` … `}`);
Android 14+ prints `Enabled services:{{pkg/cls}, …}` (and `Bound services`, `Crashed
services`). Only enabled services are evidence of use; installed ones are context.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from perito.artifacts.android.common import dumpsys_sections
from perito.artifacts.base import Artifact, Context
from perito.records import Kind, Record, observable, register_record
from perito.sources.locations import Dumpstate

_LISTED = re.compile(r"^\s*(Enabled|Bound|Crashed) services:\s*\{(.*)\}\s*$")
_INSTALLED_ITEM = re.compile(r"^\s*\d+\s*:\s*([\w.]+)/(\S+)")
_COMPONENT = re.compile(r"([\w.]+)/([\w.$]+)")


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class AccessibilityService(Record):
    """An accessibility service and what the dump says of it."""

    package_name: str = field(metadata=observable(Kind.APP_ID))
    service: str = ""
    state: str = "installed"  # "installed", "enabled", "bound", "crashed"

    record_name = "Accessibility service"

    @property
    def enabled(self) -> bool:
        return self.state in ("enabled", "bound")

    def describe(self) -> str:
        return f"{self.state} accessibility service {self.package_name}/{self.service}"


def services(lines: list[str], source: str) -> Iterator[AccessibilityService]:
    seen: set[tuple[str, str, str]] = set()
    installed = False
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("installed services:"):
            installed = "{" in stripped
            continue
        if installed:
            if stripped.startswith("}"):
                installed = False
                continue
            item = _INSTALLED_ITEM.match(line)
            if item:
                found: list[tuple[str, str, str]] = [(item.group(1), item.group(2),
                                                       "installed")]
            else:
                continue
        else:
            listed = _LISTED.match(line)
            if not listed:
                continue
            state = listed.group(1).lower()
            found = [(p, c, state) for p, c in _COMPONENT.findall(listed.group(2))]
        for package, component, state in found:
            if (package, component, state) not in seen:
                seen.add((package, component, state))
                yield AccessibilityService(source=source, package_name=package,
                                           service=component, state=state)


def extract(ctx: Context) -> Iterator[Record]:
    for _body, lines in dumpsys_sections(ctx, "accessibility"):
        yield from services(lines, ctx.evidence.address)


ARTIFACT = Artifact(
    id="android.dumpsys.accessibility",
    title="Accessibility services (dumpsys accessibility)",
    slug="dumpsys_accessibility",
    plugin="DumpsysAccessibility",
    locations=(Dumpstate(),),
    records=(AccessibilityService,),
    extract=extract,
    doc=__doc__ or "",
)
