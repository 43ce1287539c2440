"""Configuration-profile install and remove events, from MCProfileEvents.plist (ios.md §5.2).

`Library/ConfigurationProfiles/MCProfileEvents.plist` (the configuration-profiles system
group container in recent backups, fileID `aeb25de2…`; read in any domain). The top key
`ProfileEvents` is a list of one-key dictionaries `{<profile identifier>: {…}}`. The inner
keys vary in case between iOS versions, so they are compared lower-cased: `timestamp` (plist
date, UTC), `operation` (`install`, `remove`) and `process` (the process that performed it,
e.g. `Preferences` for a profile the user installed in Settings, `mdmd`/`dmd` for MDM).

The history survives the removal of the profile itself, so it shows profiles that were
installed for a while and then taken away. The outer key is matched as a profile id and the
process as a process name. Dictionaries with several keys (not seen on devices) give one
record per key; the incumbent reads only the first. Heuristics: `perito.analysis.profile_events`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from perito.artifacts.base import Artifact, Context, SchemaMismatch
from perito.records import Kind, Record, observable, register_record, timeline
from perito.sources.locations import BackupGlob, FsGlob
from perito.sources.plist import load_plist
from perito.timestamps import Encoding, Timestamp, decode, from_datetime, unset

RELATIVE_PATH = "Library/ConfigurationProfiles/MCProfileEvents.plist"
_KNOWN = frozenset({"timestamp", "operation", "process"})
_PAST = {"install": "installed", "remove": "removed"}
_COCOA_ZERO = dt.datetime(2001, 1, 1)  # a plist date of 0: never set, not an event in 2001


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class ConfigurationProfileEvent(Record):
    """One operation on a configuration profile.

    `details` keeps any other inner key as `key=value` text (keys lower-cased).
    """

    profile_id: str = field(default="", metadata=observable(Kind.PROFILE_ID))
    timestamp: Timestamp = field(default=unset(Encoding.PLIST_DATE),
                                 metadata=timeline("Configuration profile operation"))
    operation: str | None = None
    process: str = field(default="", metadata=observable(Kind.PROCESS))
    details: tuple[str, ...] = ()

    record_name = "Configuration profile event"

    def describe(self) -> str:
        who = f"Process {self.process}" if self.process else "An unknown process"
        operation = self.operation or ""
        done = _PAST.get(operation.lower())
        what = (f"{done} configuration profile" if done else
                f"performed \"{operation}\" on configuration profile" if operation else
                "acted on configuration profile")
        return f"{who} {what} {self.profile_id or '(no identifier)'}"


def _time(value: Any) -> Timestamp:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None and value == _COCOA_ZERO:
            return unset(Encoding.PLIST_DATE)
        return from_datetime(value)
    if isinstance(value, str):
        return decode(value, Encoding.ISO_TEXT)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return decode(value, Encoding.COCOA_S)
    return unset(Encoding.PLIST_DATE)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return from_datetime(value).iso()
    if isinstance(value, bytes | bytearray):
        return f"<{len(value)} bytes>"
    return value if isinstance(value, str) else str(value)


def event_record(profile_id: str, inner: dict[Any, Any], source: str
                 ) -> ConfigurationProfileEvent:
    values = {str(k).lower(): v for k, v in inner.items()}
    return ConfigurationProfileEvent(
        source=source,
        profile_id=profile_id,
        timestamp=_time(values.get("timestamp")),
        operation=_text(values.get("operation")) or None,
        process=_text(values.get("process")),
        details=tuple(f"{k}={_text(v)}" for k, v in sorted(values.items()) if k not in _KNOWN),
    )


def extract(ctx: Context) -> Iterator[Record]:
    data = load_plist(ctx.source.read_bytes(ctx.evidence))
    if not isinstance(data, dict):
        raise SchemaMismatch(["a top-level dictionary"])
    events = data.get("ProfileEvents")
    if events is None:
        if data:
            raise SchemaMismatch(["ProfileEvents"])
        ctx.warn("an empty dictionary: no profile was ever installed or removed")
        return
    if not isinstance(events, list):
        raise SchemaMismatch(["ProfileEvents as a list"])
    skipped = 0
    for event in events:
        if not isinstance(event, dict):
            skipped += 1
            continue
        for key, inner in event.items():
            if isinstance(inner, dict):
                yield event_record(str(key), inner, ctx.evidence.address)
            else:
                skipped += 1
    if skipped:
        ctx.warn(f"{skipped} profile events were not dictionaries and were skipped")


ARTIFACT = Artifact(
    id="ios.profile_events",
    title="Configuration profile events",
    slug="profile_events",
    plugin="ProfileEvents",
    locations=(BackupGlob(RELATIVE_PATH),
               FsGlob("private/var/containers/Shared/SystemGroup/*/" + RELATIVE_PATH),
               FsGlob("private/var/mobile/" + RELATIVE_PATH)),
    records=(ConfigurationProfileEvent,),
    extract=extract,
    doc=__doc__ or "",
)
