"""locationd clients.plist: every app, daemon and bundle that asked for location (ios.md §5.15).

`RootDomain/Library/Caches/locationd/clients.plist` (fileID `a690d776…`; on filesystem dumps
under `private/var/mobile/…` or `private/var/root/…`). A dictionary from a client key to a
dictionary of its state. Keys are bundle ids (`com.apple.Maps`) or prefixed paths
(`com.apple.locationd.bundle-/System/Library/LocationBundles/<X>.bundle`,
`com.apple.locationd.executable-/usr/libexec/<x>`), sometimes with a trailing `:`. Values
hold `BundleId`, `BundlePath`, `Executable`, `Registered` (a path, sometimes a boolean),
`Authorization` and the times below, all Cocoa seconds. Values that are not dictionaries
(migration markers) are skipped, as the incumbent does.

Why it matters: a process that used location services leaves its name and path here, so
process and path indicators of implants match (HIGH, as the incumbent rates locationd
matches, indicators-and-outputs.md §4.8). The process names are the last path component of
the key (without prefix and trailing `:`) and `BundleId`. The `LocationTimeStopped` of
`IonosphereHarvest.bundle` and `WRMLinkSelection.bundle` is one of the event classes of the
Operation Triangulation time-window correlation (`perito.analysis.triangulation`, ios.md §7).
Keys that are not read into fields are kept as JSON text in `other`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from perito.artifacts.base import Artifact, Context, SchemaMismatch
from perito.artifacts.ios.global_preferences import render
from perito.levels import Level
from perito.records import Kind, Record, observable, register_record, timeline
from perito.sources.locations import BackupFile, FsGlob
from perito.sources.plist import load_plist
from perito.timestamps import Encoding, Timestamp, decode, from_datetime, unset

KEY_PREFIXES = ("com.apple.locationd.bundle-", "com.apple.locationd.executable-")

# clients.plist key -> record field; all Cocoa seconds.
TIME_KEYS: dict[str, str] = {
    "ConsumptionPeriodBegin": "consumption_period_begin",
    "ReceivingLocationInformationTimeStopped": "receiving_location_information_time_stopped",
    "VisitTimeStopped": "visit_time_stopped",
    "LocationTimeStopped": "location_time_stopped",
    "BackgroundLocationTimeStopped": "background_location_time_stopped",
    "SignificantTimeStopped": "significant_time_stopped",
    "NonPersistentSignificantTimeStopped": "non_persistent_significant_time_stopped",
    "FenceTimeStopped": "fence_time_stopped",
    "BeaconRegionTimeStopped": "beacon_region_time_stopped",
}
_UNSET = unset(Encoding.COCOA_S)
_READ_KEYS = frozenset({"BundleId", "BundlePath", "Executable", "Registered", "Authorization",
                        *TIME_KEYS})


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class LocationdClient(Record):
    """One client of locationd with its authorization and the times its uses stopped."""

    client: str = ""  # the key as stored (trailing ":" included)
    process_names: tuple[str, ...] = field(default=(), metadata=observable(Kind.PROCESS))
    bundle_id: str = field(default="", metadata=observable(Kind.APP_ID))
    bundle_path: str = field(default="", metadata=observable(Kind.FILE_PATH))
    executable: str = field(default="", metadata=observable(Kind.FILE_PATH))
    registered: str = field(default="", metadata=observable(Kind.FILE_PATH))
    registered_flag: bool | None = None  # `Registered` when stored as a boolean
    authorization: int | None = None
    consumption_period_begin: Timestamp = field(
        default=_UNSET, metadata=timeline("locationd: consumption period began"))
    receiving_location_information_time_stopped: Timestamp = field(
        default=_UNSET, metadata=timeline("locationd: stopped receiving location information"))
    visit_time_stopped: Timestamp = field(
        default=_UNSET, metadata=timeline("locationd: visit monitoring stopped"))
    location_time_stopped: Timestamp = field(
        default=_UNSET, metadata=timeline("locationd: location use stopped"))
    background_location_time_stopped: Timestamp = field(
        default=_UNSET, metadata=timeline("locationd: background location use stopped"))
    significant_time_stopped: Timestamp = field(
        default=_UNSET, metadata=timeline("locationd: significant-change monitoring stopped"))
    non_persistent_significant_time_stopped: Timestamp = field(
        default=_UNSET,
        metadata=timeline("locationd: non-persistent significant-change monitoring stopped"))
    fence_time_stopped: Timestamp = field(
        default=_UNSET, metadata=timeline("locationd: geofence monitoring stopped"))
    beacon_region_time_stopped: Timestamp = field(
        default=_UNSET, metadata=timeline("locationd: beacon region monitoring stopped"))
    other: str = ""  # the remaining keys as JSON text

    record_name = "locationd client"

    def describe(self) -> str:
        name = client_name(self.client) or "(no name)"
        text = f"Location client {name}"
        if self.bundle_id and self.bundle_id != name:
            text += f" ({self.bundle_id})"
        if self.authorization is not None:
            text += f", authorization {self.authorization}"
        return text


def client_name(key: str) -> str:
    """The key without its locationd prefix and trailing ":" (a path or a bundle id)."""
    name = key.rstrip(":")
    for prefix in KEY_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def process_name(key: str) -> str:
    """The last path component of the client key (the key itself when it is not a path)."""
    return client_name(key).rstrip("/").rsplit("/", 1)[-1]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _time(value: Any) -> Timestamp:
    if isinstance(value, dt.datetime):
        return from_datetime(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return decode(value, Encoding.COCOA_S)
    return unset(Encoding.COCOA_S)


def _client(key: str, values: dict[str, Any], source: str) -> LocationdClient:
    bundle_id = _text(values.get("BundleId"))
    names = tuple(dict.fromkeys(n for n in (process_name(key), bundle_id) if n))
    registered = values.get("Registered")
    authorization = values.get("Authorization")
    rest = {str(k): v for k, v in values.items() if k not in _READ_KEYS}
    times = {name: _time(values.get(key)) for key, name in TIME_KEYS.items()}
    return LocationdClient(
        source=source, client=key, process_names=names, bundle_id=bundle_id,
        bundle_path=_text(values.get("BundlePath")), executable=_text(values.get("Executable")),
        registered=_text(registered),
        registered_flag=registered if isinstance(registered, bool) else None,
        authorization=(authorization if isinstance(authorization, int)
                       and not isinstance(authorization, bool) else None),
        other=render(rest) if rest else "", **times)


def extract(ctx: Context) -> Iterator[Record]:
    data = load_plist(ctx.source.read_bytes(ctx.evidence))
    if not isinstance(data, dict):
        raise SchemaMismatch(["a top-level dictionary"])
    clients = others = 0
    for key in sorted(data, key=str):
        values = data[key]
        if isinstance(values, dict):
            clients += 1
            yield _client(str(key), values, ctx.evidence.address)
        else:
            others += 1
    if others and not clients:
        ctx.warn(f"{others} top-level entries are not a client's dictionary and were skipped")


ARTIFACT = Artifact(
    id="ios.locationd_clients",
    title="Location services clients (locationd)",
    slug="locationd_clients",
    plugin="LocationdClients",
    locations=(BackupFile("RootDomain", "Library/Caches/locationd/clients.plist"),
               FsGlob("private/var/mobile/Library/Caches/locationd/clients.plist"),
               FsGlob("private/var/root/Library/Caches/locationd/clients.plist")),
    records=(LocationdClient,),
    extract=extract,
    match_level=Level.HIGH,
    doc=__doc__ or "",
)
