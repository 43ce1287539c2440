"""Mounted file systems from androidqf's `mounts.json` (android.md §1.2).

A JSON array of lines from `mount` (`dev on /system type ext4 (ro,…)`) and from
`/proc/mounts` (`dev /system ext4 ro,… 0 0`), mixed: both styles are read, duplicates kept
once per style.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from perito.artifacts.android.common import json_list, text
from perito.artifacts.base import Artifact, Context
from perito.records import Record, register_record
from perito.sources.locations import AndroidFile

_MOUNT = re.compile(r"^(\S+) on (\S+) type (\S+) \(([^)]*)\)\s*$")
_PROC = re.compile(r"^(\S+) (/\S*) (\S+) (\S+) \d+ \d+\s*$")


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class AndroidMount(Record):
    """One mounted file system."""

    device: str
    mount_point: str
    fs_type: str = ""
    options: tuple[str, ...] = ()

    record_name = "Android mount"

    def describe(self) -> str:
        return f"{self.device} on {self.mount_point} ({self.fs_type}, {','.join(self.options)})"


def parse_mount(line: str, source: str) -> AndroidMount | None:
    found = _MOUNT.match(line.strip()) or _PROC.match(line.strip())
    if found is None:
        return None
    device, point, fs_type, options = found.groups()
    return AndroidMount(source=source, device=device, mount_point=point, fs_type=fs_type,
                        options=tuple(o for o in options.split(",") if o))


def extract(ctx: Context) -> Iterator[Record]:
    seen: set[AndroidMount] = set()
    unread = 0
    for item in json_list(ctx):
        for line in text(item).splitlines():
            if not line.strip():
                continue
            record = parse_mount(line, ctx.evidence.address)
            if record is None:
                unread += 1
            elif record not in seen:
                seen.add(record)
                yield record
    if unread:
        ctx.warn(f"{unread} lines in neither mount format were skipped")


ARTIFACT = Artifact(
    id="android.androidqf.mounts",
    title="Mounted file systems (mounts.json)",
    slug="mounts",
    plugin="Mounts",
    locations=(AndroidFile("mounts.json"),),
    records=(AndroidMount,),
    extract=extract,
    doc=__doc__ or "",
)
