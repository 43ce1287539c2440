"""IDStatusCache: identifiers looked up by iMessage and FaceTime (ios.md §5.15, §6).

`HomeDomain/Library/Preferences/com.apple.identityservices.idstatuscache.plist` (fileID
`6b979891…`; on filesystem dumps also `Library/IdentityServices/idstatuscache.plist`).
identityservicesd caches, per service (`com.apple.madrid` = iMessage, `com.apple.ess` =
FaceTime, …), whether each looked-up identifier (`mailto:<email>` or `tel:<number>`) is
reachable: `{<service>: {<uri>: {LookupDate, IDStatus, …}}}`. `LookupDate` is Cocoa seconds
(a plist date is accepted too). Non-dictionary values at either level are skipped (the
incumbent crashes on one at the second level, and drops entries lacking `LookupDate` or
`IDStatus`; they are kept here).

Why it matters: zero-click iMessage and FaceTime exploitation starts with the attacker's
account looking the target up, and Pegasus cases showed attacker Apple IDs (email indicators)
and identifiers with embedded NUL bytes in this cache (the heuristic is in
`perito.analysis.id_status_cache`). The raw identifier is kept exactly, NUL bytes included;
the email and phone observables drop NULs and surrounding quotes so that a padded attacker
address still matches its indicator. `occurrences` counts the services that looked the same
identifier up, as the incumbent does. The file is empty or absent from iOS 14.7 on.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from perito.artifacts.base import Artifact, Context, SchemaMismatch
from perito.records import Kind, Record, observable, register_record, timeline
from perito.sources.locations import BackupFile, FsGlob
from perito.sources.plist import load_plist
from perito.timestamps import Encoding, Timestamp, decode, from_datetime, unset


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class IdStatusLookup(Record):
    """One identifier looked up by one identity service."""

    service: str = ""  # e.g. com.apple.madrid (iMessage), com.apple.ess (FaceTime)
    user: str = ""  # the raw uri, NUL bytes included
    email: str = field(default="", metadata=observable(Kind.EMAIL))
    phone: str = field(default="", metadata=observable(Kind.PHONE))
    lookup_date: Timestamp = field(default=unset(Encoding.COCOA_S),
                                   metadata=timeline("IDStatusCache: identifier looked up"))
    id_status: int | None = None  # IDStatus as stored
    occurrences: int = 1  # services that looked up the same uri

    record_name = "IDStatusCache lookup"

    def describe(self) -> str:
        status = "" if self.id_status is None else f" (status {self.id_status})"
        return f"Lookup of {_printable(self.user)} within {self.service}{status}"


def _printable(text: str) -> str:
    return text.replace("\x00", "\\x00")


def _identifier(user: str, scheme: str) -> str:
    if not user.lower().startswith(scheme):
        return ""
    return user[len(scheme):].replace("\x00", "").strip().strip("'\"").strip()


def _date(value: Any) -> Timestamp:
    if isinstance(value, dt.datetime):
        return from_datetime(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return decode(value, Encoding.COCOA_S)
    return unset(Encoding.COCOA_S)


def _status(value: Any) -> int | None:
    if isinstance(value, bool):
        return int(value)
    return value if isinstance(value, int) else None


def extract(ctx: Context) -> Iterator[Record]:
    data = load_plist(ctx.source.read_bytes(ctx.evidence))
    if not isinstance(data, dict):
        raise SchemaMismatch(["a top-level dictionary"])
    entries: list[tuple[str, str, dict[str, Any]]] = []
    skipped = odd_services = 0
    for service in sorted(data, key=str):
        lookups = data[service]
        if not isinstance(lookups, dict):
            odd_services += 1
            continue
        for user in sorted(lookups, key=str):
            details = lookups[user]
            if isinstance(details, dict):
                entries.append((str(service), str(user), details))
            else:
                skipped += 1
    counts = Counter(user for _service, user, _details in entries)
    for service, user, details in entries:
        yield IdStatusLookup(
            source=ctx.evidence.address, service=service, user=user,
            email=_identifier(user, "mailto:"), phone=_identifier(user, "tel:"),
            lookup_date=_date(details.get("LookupDate")),
            id_status=_status(details.get("IDStatus")), occurrences=counts[user])
    if skipped:
        ctx.warn(f"{skipped} lookups without a dictionary of details were skipped")
    if odd_services and not entries:  # beside services they are metadata (IDStatusCacheVersion)
        ctx.warn(f"{odd_services} top-level entries are not a service's dictionary of "
                 "lookups and were skipped")


ARTIFACT = Artifact(
    id="ios.id_status_cache",
    title="iMessage and FaceTime identifier lookups (IDStatusCache)",
    slug="id_status_cache",
    plugin="IDStatusCache",
    locations=(
        BackupFile("HomeDomain",
                   "Library/Preferences/com.apple.identityservices.idstatuscache.plist"),
        FsGlob("private/var/mobile/Library/Preferences/"
               "com.apple.identityservices.idstatuscache.plist"),
        FsGlob("private/var/mobile/Library/IdentityServices/idstatuscache.plist"),
    ),
    records=(IdStatusLookup,),
    extract=extract,
    doc=__doc__ or "",
)
