"""OSAnalyticsADDaily: per-process network-use baseline of the analytics daemon (ios.md §5.15).

`HomeDomain/Library/Preferences/com.apple.osanalytics.addaily.plist` (fileID `f65b5faf…`).
Its `netUsageBaseline` dictionary maps a process name to a five-element array
`[date, wifi_in, wifi_out, wwan_in, wwan_out]`: a plist date (when the counters were taken)
and byte counters. One record per process. Other top-level keys are ignored.

It matters because it is a second, independent record of which processes used the network:
Operation Triangulation's implant ran as `BackupAgent`, a deprecated binary that has no reason
to use the network (Kaspersky triangle_check); the finding is `addaily-backupagent` in
`perito.analysis.os_analytics_ad_daily`, and the baseline dates of a few system processes feed
the time-window correlation of `perito.analysis.triangulation` (ios.md §7).

The file is read defensively: a value that is not an array is skipped with a note, a short
array leaves the missing counters empty, and a date stored as a number is read as Cocoa
seconds (the value a plist date holds). The incumbent indexes the five elements blindly and
fails on any other shape.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from perito.artifacts.base import Artifact, Context, SchemaMismatch
from perito.records import Kind, Record, observable, register_record, timeline
from perito.sources.locations import BackupFile, FsGlob
from perito.sources.plist import load_plist
from perito.timestamps import Encoding, Timestamp, decode, from_datetime, unset

BASELINE_KEY = "netUsageBaseline"

Number = int | float


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class OsAnalyticsNetUsage(Record):
    """One process of `netUsageBaseline`: when its counters were taken, and the bytes."""

    process_name: str = field(default="", metadata=observable(Kind.PROCESS))
    date: Timestamp = field(default=unset(Encoding.PLIST_DATE),
                            metadata=timeline("OSAnalyticsADDaily: network use baseline"))
    wifi_in: Number | None = None  # bytes; None when the array is shorter
    wifi_out: Number | None = None
    wwan_in: Number | None = None
    wwan_out: Number | None = None

    record_name = "OSAnalyticsADDaily network use"

    def describe(self) -> str:
        return (f"Process {self.process_name or '(no name)'} used the network: "
                f"Wi-Fi in {_amount(self.wifi_in)} B, out {_amount(self.wifi_out)} B; "
                f"cellular in {_amount(self.wwan_in)} B, out {_amount(self.wwan_out)} B")


def _amount(value: Number | None) -> str:
    if value is None:
        return "?"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _date(value: Any) -> Timestamp:
    if isinstance(value, dt.datetime):
        return from_datetime(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return decode(value, Encoding.COCOA_S)
    return unset(Encoding.PLIST_DATE)


def _number(value: Any) -> Number | None:
    if isinstance(value, bool):
        return int(value)
    return value if isinstance(value, int | float) else None


def extract(ctx: Context) -> Iterator[Record]:
    data = load_plist(ctx.source.read_bytes(ctx.evidence))
    if not isinstance(data, dict):
        raise SchemaMismatch(["a top-level dictionary"])
    baseline = data.get(BASELINE_KEY)
    if baseline is None:
        ctx.warn(f"no {BASELINE_KEY} in the file: no process to read")
        return
    if not isinstance(baseline, dict):
        raise SchemaMismatch([f"{BASELINE_KEY} as a dictionary"])
    skipped = 0
    for name in sorted(baseline, key=str):
        values = baseline[name]
        if not isinstance(values, list | tuple):
            skipped += 1
            continue
        padded = [*values[:5], *([None] * (5 - len(values)))]
        yield OsAnalyticsNetUsage(
            source=ctx.evidence.address, process_name=str(name), date=_date(padded[0]),
            wifi_in=_number(padded[1]), wifi_out=_number(padded[2]),
            wwan_in=_number(padded[3]), wwan_out=_number(padded[4]))
    if skipped:
        ctx.warn(f"{skipped} {BASELINE_KEY} entries were not arrays and were skipped")


ARTIFACT = Artifact(
    id="ios.os_analytics_ad_daily",
    title="Network use baseline per process (OSAnalyticsADDaily)",
    slug="os_analytics_ad_daily",
    plugin="OSAnalyticsADDaily",
    locations=(BackupFile("HomeDomain", "Library/Preferences/com.apple.osanalytics.addaily.plist"),
               FsGlob("private/var/mobile/Library/Preferences/"
                      "com.apple.osanalytics.addaily.plist")),
    records=(OsAnalyticsNetUsage,),
    extract=extract,
    doc=__doc__ or "",
)
