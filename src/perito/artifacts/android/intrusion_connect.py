"""Network connections from Android 16 intrusion logs (`connect_event`, android.md §5).

`{"connect_event": {"event_id", "event_time" (unix ms, UTC), "package_name", "ip_address"
("/192.0.2.10"), "port"}}`: which app opened a TCP connection to which address. The address
is stripped of Java's `/` prefix; unspecified and loopback addresses are not observables.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from perito.artifacts.android import intrusion
from perito.artifacts.base import Artifact, Context
from perito.records import Kind, Record, observable, register_record, timeline
from perito.sources.locations import LogFile
from perito.timestamps import Encoding, Timestamp, unset


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class IntrusionConnectEvent(Record):
    """One network connection by an app."""

    event_id: int | None = None
    event_time: Timestamp = field(default=unset(Encoding.UNIX_MS),
                                  metadata=timeline("Network connection"))
    package_name: str = field(default="", metadata=observable(Kind.APP_ID))
    ip_address: str = field(default="", metadata=observable(Kind.IP))
    ip_address_raw: str = ""
    port: int | None = None

    record_name = "network connection"

    def describe(self) -> str:
        target = self.ip_address or self.ip_address_raw or "an unknown address"
        port = f" port {self.port}" if self.port is not None else ""
        return f"{self.package_name or 'An app'} connected to {target}{port}"


def extract(ctx: Context) -> Iterator[IntrusionConnectEvent]:
    for _kind, event in intrusion.events(ctx, ("connect_event",)):
        raw = intrusion.string(event.get("ip_address"))
        yield IntrusionConnectEvent(
            source=ctx.evidence.address,
            event_id=intrusion.integer(event.get("event_id")),
            event_time=intrusion.event_time(event.get("event_time"), Encoding.UNIX_MS),
            package_name=intrusion.string(event.get("package_name")),
            ip_address=intrusion.ip_address(raw),
            ip_address_raw=raw,
            port=intrusion.integer(event.get("port")),
        )


ARTIFACT = Artifact(
    id="android.intrusion.connect",
    title="Network connections (intrusion logs)",
    slug="intrusion_connect",
    plugin="IntrusionLogs",
    locations=(LogFile("*"),),
    records=(IntrusionConnectEvent,),
    extract=extract,
    doc=__doc__ or "",
)
