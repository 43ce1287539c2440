"""WebKit `full_browsing_session_resourceLog.plist`: per-domain redirect chains (ios.md §5.8).

Older WebKit (the in-memory ResourceLoadStatistics store, before `observations.db`) saved its
statistics in `Library/WebKit/WebsiteData/ResourceLoadStatistics/
full_browsing_session_resourceLog.plist` of each app using WebKit (Safari's is in
`AppDomain-com.apple.mobilesafari`). Its `browsingStatistics` list has one dictionary per
domain:

- `PrevalentResourceOrigin` (`PrevalentResourceDomain` from model version 15): the domain.
- `topFrameUniqueRedirectsFrom` / `topFrameUniqueRedirectsTo`: the domains that redirected to
  it and those it redirected to, as lists of `{origin: …}` (`{domain: …}` from model 15;
  older files add a `count`). Likewise `subresourceUniqueRedirectsTo/From`,
  `subframeUnderTopFrameOrigins`, `subresourceUnderTopFrameOrigins` (`…Domains` from 15).
- `hadUserInteraction`, `mostRecentUserInteraction`, `lastSeen`: WebKit's encoder writes the
  two times as doubles of unix seconds; the reference and the incumbent describe them as plist
  dates. Both are accepted.

One `WebkitSessionResourceLogEntry` per entry, every domain in it a DOMAIN observable. There is
no heuristic here: an indicator matching any hop (source, domain or destination) is a CRITICAL
alert, as the incumbent's, and the record's description shows the whole chain
`sources → domain → destinations`, which is the exploit-delivery path rather than one host
(the incumbent restates that chain in a second, HIGH alert for the same match).
The incumbent checks only the domain and the top-frame redirects; here the subframe,
subresource and subresource-redirect domains are matched too.
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

_LIST_KEYS = ("origin", "domain")


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class WebkitSessionResourceLogEntry(Record):
    """One `browsingStatistics` entry of a WebKit session resource log."""

    backup_domain: str = ""  # which app's container
    entry_index: int = 0
    origin: str = field(default="", metadata=observable(Kind.DOMAIN))
    redirect_sources: tuple[str, ...] = field(default=(), metadata=observable(Kind.DOMAIN))
    redirect_destinations: tuple[str, ...] = field(default=(),
                                                   metadata=observable(Kind.DOMAIN))
    subresource_redirect_sources: tuple[str, ...] = field(
        default=(), metadata=observable(Kind.DOMAIN))
    subresource_redirect_destinations: tuple[str, ...] = field(
        default=(), metadata=observable(Kind.DOMAIN))
    subframe_under_origins: tuple[str, ...] = field(default=(),
                                                    metadata=observable(Kind.DOMAIN))
    subresource_under_origins: tuple[str, ...] = field(default=(),
                                                       metadata=observable(Kind.DOMAIN))
    had_user_interaction: bool | None = None
    most_recent_user_interaction: Timestamp = field(
        default=unset(Encoding.UNIX_S), metadata=timeline("WebKit user interaction"))
    last_seen: Timestamp = field(default=unset(Encoding.UNIX_S),
                                 metadata=timeline("WebKit domain last seen"))
    is_prevalent: bool | None = None

    record_name = "WebKit session resource log entry"

    def describe(self) -> str:
        chain = [self.origin or "(no domain)"]
        if self.redirect_sources:
            chain.insert(0, ", ".join(self.redirect_sources))
        if self.redirect_destinations:
            chain.append(", ".join(self.redirect_destinations))
        if len(chain) > 1:
            text = "WebKit redirect chain " + " → ".join(chain)
        else:
            text = f"WebKit session log: {chain[0]}"
        if self.backup_domain:
            text += f" in {self.backup_domain}"
        return text


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _domains(value: Any) -> tuple[str, ...]:
    """Domains of a list of `{origin|domain: …}` dictionaries (plain strings tolerated)."""
    if not isinstance(value, list):
        return ()
    found: list[str] = []
    for item in value:
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, dict):
            found.extend(item[key] for key in _LIST_KEYS if isinstance(item.get(key), str))
    return tuple(dict.fromkeys(d for d in found if d))


def _first(entry: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if key in entry:
            return entry[key]
    return None


_EPOCHS = (dt.datetime(1970, 1, 1), dt.datetime(2001, 1, 1))  # naive UTC, as plistlib reads


def _time(value: Any) -> Timestamp:
    """A plist date, or a number of unix seconds (WebKit's WallTime).

    A date at the unix or Cocoa epoch is a stored zero ("never"), hence unset.
    """
    if isinstance(value, dt.datetime):
        naive = value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value
        if naive in _EPOCHS:
            return unset(Encoding.PLIST_DATE)
        return from_datetime(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return unset(Encoding.UNIX_S)
    return decode(value, Encoding.UNIX_S)


def _flag(value: Any) -> bool | None:
    return bool(value) if isinstance(value, bool | int) else None


def extract(ctx: Context) -> Iterator[Record]:
    """Every browsingStatistics entry of one session resource log."""
    data = load_plist(ctx.source.read_bytes(ctx.evidence))
    if not isinstance(data, dict):
        raise SchemaMismatch(["a top-level dictionary"])
    statistics = data.get("browsingStatistics")
    if not isinstance(statistics, list):
        raise SchemaMismatch(["browsingStatistics"])
    skipped = 0
    for index, entry in enumerate(statistics):
        if not isinstance(entry, dict):
            skipped += 1
            continue
        yield WebkitSessionResourceLogEntry(
            source=ctx.evidence.address, backup_domain=ctx.evidence.domain, entry_index=index,
            origin=_text(_first(entry, "PrevalentResourceOrigin", "PrevalentResourceDomain")),
            redirect_sources=_domains(entry.get("topFrameUniqueRedirectsFrom")),
            redirect_destinations=_domains(entry.get("topFrameUniqueRedirectsTo")),
            subresource_redirect_sources=_domains(entry.get("subresourceUniqueRedirectsFrom")),
            subresource_redirect_destinations=_domains(
                entry.get("subresourceUniqueRedirectsTo")),
            subframe_under_origins=_domains(_first(
                entry, "subframeUnderTopFrameOrigins", "subframeUnderTopFrameDomains")),
            subresource_under_origins=_domains(_first(
                entry, "subresourceUnderTopFrameOrigins", "subresourceUnderTopFrameDomains")),
            had_user_interaction=_flag(entry.get("hadUserInteraction")),
            most_recent_user_interaction=_time(entry.get("mostRecentUserInteraction")),
            last_seen=_time(entry.get("lastSeen")),
            is_prevalent=_flag(entry.get("isPrevalentResource")))
    if skipped:
        ctx.warn(f"{skipped} browsingStatistics entries are not dictionaries and were skipped")


_LOG = "full_browsing_session_resourceLog.plist"
_APP = "private/var/mobile/Containers/Data/Application/*"

ARTIFACT = Artifact(
    id="ios.webkit.session_resource_log",
    title="WebKit session resource log (redirect chains)",
    slug="webkit_session_resource_log",
    plugin="WebkitSessionResourceLog",
    locations=(BackupGlob(f"Library/WebKit/WebsiteData/ResourceLoadStatistics/{_LOG}"),
               FsGlob(f"{_APP}/SystemData/com.apple.SafariViewService/Library/WebKit/"
                      f"WebsiteData/{_LOG}"),
               FsGlob(f"{_APP}/Library/WebKit/WebsiteData/ResourceLoadStatistics/{_LOG}"),
               FsGlob(f"private/var/mobile/Library/WebClips/*/Storage/{_LOG}")),
    records=(WebkitSessionResourceLogEntry,),
    extract=extract,
    doc=__doc__ or "",
)
