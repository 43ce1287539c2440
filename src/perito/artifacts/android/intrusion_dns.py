"""DNS lookups from Android 16 intrusion logs (`dns_event`, android.md §5).

`{"dns_event": {"event_id", "event_time" (unix ms, UTC), "package_name", "hostname",
"ip_addresses": ["/192.0.2.10", …], "ip_addresses_count"}}`: which app resolved which name,
and to what. Addresses are printed as Java's `InetAddress` (a leading `/`, or `host/`), which
perito strips; unspecified and loopback answers are not observables. Events repeated across
overlapping daily exports are read once.
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
class IntrusionDnsEvent(Record):
    """One DNS lookup by an app."""

    event_id: int | None = None
    event_time: Timestamp = field(default=unset(Encoding.UNIX_MS),
                                  metadata=timeline("DNS lookup"))
    package_name: str = field(default="", metadata=observable(Kind.APP_ID))
    hostname: str = field(default="", metadata=observable(Kind.DOMAIN))
    ip_addresses: tuple[str, ...] = field(default=(), metadata=observable(Kind.IP))
    ip_addresses_raw: tuple[str, ...] = ()
    ip_addresses_count: int | None = None

    record_name = "DNS lookup"

    def describe(self) -> str:
        answers = ", ".join(self.ip_addresses) or "no address"
        return f"{self.package_name or 'An app'} looked up {self.hostname} ({answers})"


def extract(ctx: Context) -> Iterator[IntrusionDnsEvent]:
    for _kind, event in intrusion.events(ctx, ("dns_event",)):
        raw = event.get("ip_addresses")
        if isinstance(raw, str):  # one address, not in a list
            raw = [raw]
        addresses = tuple(str(a) for a in raw if isinstance(a, str)) if isinstance(raw, list) \
            else ()
        yield IntrusionDnsEvent(
            source=ctx.evidence.address,
            event_id=intrusion.integer(event.get("event_id")),
            event_time=intrusion.event_time(event.get("event_time"), Encoding.UNIX_MS),
            package_name=intrusion.string(event.get("package_name")),
            hostname=intrusion.string(event.get("hostname")),
            ip_addresses=tuple(dict.fromkeys(ip for ip in map(intrusion.ip_address, addresses)
                                             if ip)),
            ip_addresses_raw=addresses,
            ip_addresses_count=intrusion.integer(event.get("ip_addresses_count")),
        )


ARTIFACT = Artifact(
    id="android.intrusion.dns",
    title="DNS lookups (intrusion logs)",
    slug="intrusion_dns",
    plugin="IntrusionLogs",
    locations=(LogFile("*"),),
    records=(IntrusionDnsEvent,),
    extract=extract,
    doc=__doc__ or "",
)
