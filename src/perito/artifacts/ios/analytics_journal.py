"""Analytics-Journal: the iOS versions a device ran, and when (ios.md §5.16).

`private/var/db/analyticsd/Analytics-Journal-*.ips`: the first line is JSON with `timestamp`
(`YYYY-MM-DD HH:MM:SS.ff ±zzzz`, local time with its offset) and `os_version` (e.g.
`iPhone OS 17.4.1 (21E236)`). One record per file; together they are the device's version
history, which says how long it stayed on a version with public exploits.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from perito.artifacts.base import Artifact, Context
from perito.artifacts.ios.crash_reports import ips_time, split_report
from perito.records import Record, register_record, timeline
from perito.sources.locations import FsGlob
from perito.timestamps import Encoding, Timestamp, unset


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class OsVersionSeen(Record):
    """The iOS version an Analytics journal was written under."""

    file_name: str = ""
    timestamp: Timestamp = field(default=unset(Encoding.ISO_TEXT),
                                 metadata=timeline("iOS version in use"))
    os_version: str = ""

    record_name = "iOS version"

    def describe(self) -> str:
        return f"Device running {self.os_version or 'an unknown version'}"


def extract(ctx: Context) -> Iterator[Record]:
    data = ctx.source.read_bytes(ctx.evidence).decode("utf-8", errors="replace")
    header, _body = split_report(data)
    version = header.get("os_version")
    yield OsVersionSeen(source=ctx.evidence.address, file_name=ctx.evidence.name,
                        timestamp=ips_time(header.get("timestamp")),
                        os_version=version if isinstance(version, str) else "")


ARTIFACT = Artifact(
    id="ios.analytics.journal",
    title="iOS version history (Analytics-Journal)",
    slug="analytics_ios_versions",
    plugin="AnalyticsIOSVersions",
    locations=(FsGlob("private/var/db/analyticsd/Analytics-Journal-*.ips"),),
    records=(OsVersionSeen,),
    extract=extract,
    doc=__doc__ or "",
)
