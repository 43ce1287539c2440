"""WebKit ResourceLoadStatistics `observations.db`: domains each app's WebKit loaded (ios.md §5.7).

Every app that uses WebKit (Safari, in-app browsers, SafariViewService) keeps its own
`Library/WebKit/WebsiteData/ResourceLoadStatistics/observations.db`, written by WebKit's
Intelligent Tracking Prevention store (ResourceLoadStatisticsStore). All of them are read, and
each record keeps the backup domain, which says which app loaded the domain.

- `ObservedDomains`: one row per registrable domain, with `lastSeen` and
  `mostRecentUserInteractionTime` (and, from WebKit's web-push support, iOS 16.4+,
  `mostRecentWebPushInteractionTime`) in unix seconds (REAL); −1 and 0 mean "never".
  Each row is a `WebkitObservedDomain`.
- The relation tables (`TopFrameUniqueRedirectsTo/From`, `SubresourceUniqueRedirectsTo/From`,
  `SubframeUnderTopFrameDomains`, `SubresourceUnderTopFrameDomains`,
  `StorageAccessUnderTopFrameDomains`, `TopFrameLinkDecorationsFrom`,
  `TopFrameLoadedThirdPartyScripts`) link domain ids: which domain redirected to which, which
  top frame embedded which subframe or subresource. Each row is a `WebkitDomainRelation` with
  both domains resolved, written `from_domain → to_domain` in the direction of the
  navigation or embedding. The incumbent reads `ObservedDomains` only.

Schema generations: the first database store (iOS 14 era) has `TopLevelDomains` and relation
tables without `lastUpdated`; newer WebKit adds `lastUpdated` to the subframe/subresource
tables, unique indexes, `isScheduledForAllButCookieDataRemoval` and the web-push column.
Queries are built from the columns present.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from perito.artifacts.base import Artifact, Context, SchemaMismatch, timestamp
from perito.artifacts.sql import col, has
from perito.records import Kind, Record, observable, register_record, timeline
from perito.sources.locations import BackupGlob, FsGlob
from perito.sources.sqlite import missing_from, schema
from perito.timestamps import Encoding, Timestamp, unset

IDENTIFY: dict[str, list[str]] = {"ObservedDomains": ["domainID", "registrableDomain",
                                                      "lastSeen"]}


@dataclass(frozen=True, slots=True)
class Relation:
    """A relation table: the column holding the `from` side and the `to` side."""

    table: str
    from_column: str
    to_column: str
    meaning: str  # reads "<from> <meaning> <to>"


RELATIONS: tuple[Relation, ...] = (
    Relation("TopFrameUniqueRedirectsTo", "sourceDomainID", "toDomainID", "redirected to"),
    Relation("TopFrameUniqueRedirectsToSinceSameSiteStrictEnforcement", "sourceDomainID",
             "toDomainID", "redirected to"),
    Relation("TopFrameUniqueRedirectsFrom", "fromDomainID", "targetDomainID", "redirected to"),
    Relation("SubresourceUniqueRedirectsTo", "subresourceDomainID", "toDomainID",
             "redirected a subresource to"),
    Relation("SubresourceUniqueRedirectsFrom", "fromDomainID", "subresourceDomainID",
             "redirected a subresource to"),
    Relation("SubframeUnderTopFrameDomains", "topFrameDomainID", "subFrameDomainID",
             "embedded a frame from"),
    Relation("SubresourceUnderTopFrameDomains", "topFrameDomainID", "subresourceDomainID",
             "loaded a subresource from"),
    Relation("StorageAccessUnderTopFrameDomains", "topLevelDomainID", "domainID",
             "granted storage access to"),
    Relation("TopFrameLinkDecorationsFrom", "fromDomainID", "toDomainID",
             "navigated with link decoration to"),
    Relation("TopFrameLoadedThirdPartyScripts", "topFrameDomainID", "subresourceDomainID",
             "loaded a third-party script from"),
)
_MEANINGS = {r.table: r.meaning for r in RELATIONS}


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class WebkitObservedDomain(Record):
    """One `ObservedDomains` row of an app's observations.db."""

    backup_domain: str = ""  # which app's container ("AppDomain-com.apple.mobilesafari")
    domain_id: int | None = None
    registrable_domain: str = field(default="", metadata=observable(Kind.DOMAIN))
    last_seen: Timestamp = field(default=unset(Encoding.UNIX_S),
                                 metadata=timeline("WebKit domain last seen"))
    had_user_interaction: bool | None = None
    most_recent_user_interaction_time: Timestamp = field(
        default=unset(Encoding.UNIX_S), metadata=timeline("WebKit user interaction"))
    most_recent_web_push_interaction_time: Timestamp = field(
        default=unset(Encoding.UNIX_S), metadata=timeline("WebKit web push interaction"))
    grandfathered: bool | None = None
    is_prevalent: bool | None = None
    is_very_prevalent: bool | None = None
    data_records_removed: int | None = None

    record_name = "WebKit observed domain"

    def describe(self) -> str:
        text = f"WebKit loaded {self.registrable_domain or '(no domain)'}"
        if self.backup_domain:
            text += f" in {self.backup_domain}"
        if self.had_user_interaction:
            text += " (the user interacted with it)"
        return text


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class WebkitDomainRelation(Record):
    """One row of an observations.db relation table, both domains resolved.

    A domain id with no `ObservedDomains` row leaves its domain "" (the id is kept).
    """

    backup_domain: str = ""
    relation: str = ""  # the table name
    from_domain_id: int | None = None
    from_domain: str = field(default="", metadata=observable(Kind.DOMAIN))
    to_domain_id: int | None = None
    to_domain: str = field(default="", metadata=observable(Kind.DOMAIN))
    last_updated: Timestamp = field(default=unset(Encoding.UNIX_S),
                                    metadata=timeline("WebKit domain relation updated"))

    record_name = "WebKit domain relation"

    def describe(self) -> str:
        meaning = _MEANINGS.get(self.relation, self.relation)
        source = self.from_domain or f"domain #{self.from_domain_id}"
        target = self.to_domain or f"domain #{self.to_domain_id}"
        text = f"WebKit: {source} {meaning} {target}"
        if self.backup_domain:
            text += f" in {self.backup_domain}"
        return text


def _domains_query(found: Mapping[str, set[str]]) -> str:
    columns = ", ".join([
        col(found, "ObservedDomains", "hadUserInteraction", "had_user_interaction"),
        col(found, "ObservedDomains", "mostRecentUserInteractionTime",
            "most_recent_user_interaction_time"),
        col(found, "ObservedDomains", "mostRecentWebPushInteractionTime",
            "most_recent_web_push_interaction_time"),
        col(found, "ObservedDomains", "grandfathered"),
        col(found, "ObservedDomains", "isPrevalent", "is_prevalent"),
        col(found, "ObservedDomains", "isVeryPrevalent", "is_very_prevalent"),
        col(found, "ObservedDomains", "dataRecordsRemoved", "data_records_removed"),
    ])
    return ("SELECT domainID AS domain_id, registrableDomain AS registrable_domain, "
            f"lastSeen AS last_seen, {columns} FROM ObservedDomains ORDER BY domainID")


def relation_query(found: Mapping[str, set[str]], relation: Relation) -> str | None:
    """The rows of one relation table with both domains, or None when it is absent."""
    if not (has(found, relation.table, relation.from_column)
            and has(found, relation.table, relation.to_column)):
        return None
    updated = col(found, relation.table, "lastUpdated", "last_updated", prefix="r")
    return (f'SELECT r."{relation.from_column}" AS from_domain_id, '
            f'a.registrableDomain AS from_domain, r."{relation.to_column}" AS to_domain_id, '
            f'b.registrableDomain AS to_domain, {updated} FROM "{relation.table}" r '
            f'LEFT JOIN ObservedDomains a ON a.domainID = r."{relation.from_column}" '
            f'LEFT JOIN ObservedDomains b ON b.domainID = r."{relation.to_column}" '
            "ORDER BY r.rowid")


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value if isinstance(value, str) else ""


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _flag(value: Any) -> bool | None:
    return bool(value) if isinstance(value, int | float) else None


def extract(ctx: Context) -> Iterator[Record]:
    """The observed domains of one observations.db, then every relation row."""
    with ctx.source.open_sqlite(ctx.evidence) as opened:
        if opened.wal_applied:
            ctx.warn("write-ahead log applied (read from a private copy)")
        db = opened.connection
        found = schema(db)
        missing = missing_from(found, IDENTIFY)
        if missing:
            raise SchemaMismatch(missing)
        db.row_factory = sqlite3.Row
        source, app = ctx.evidence.address, ctx.evidence.domain
        for row in db.execute(_domains_query(found)):
            yield WebkitObservedDomain(
                source=source, backup_domain=app, domain_id=_int(row["domain_id"]),
                registrable_domain=_text(row["registrable_domain"]),
                last_seen=timestamp(row["last_seen"], Encoding.UNIX_S),
                had_user_interaction=_flag(row["had_user_interaction"]),
                most_recent_user_interaction_time=timestamp(
                    row["most_recent_user_interaction_time"], Encoding.UNIX_S),
                most_recent_web_push_interaction_time=timestamp(
                    row["most_recent_web_push_interaction_time"], Encoding.UNIX_S),
                grandfathered=_flag(row["grandfathered"]),
                is_prevalent=_flag(row["is_prevalent"]),
                is_very_prevalent=_flag(row["is_very_prevalent"]),
                data_records_removed=_int(row["data_records_removed"]))
        for relation in RELATIONS:
            query = relation_query(found, relation)
            if query is None:
                continue
            for row in db.execute(query):
                yield WebkitDomainRelation(
                    source=source, backup_domain=app, relation=relation.table,
                    from_domain_id=_int(row["from_domain_id"]),
                    from_domain=_text(row["from_domain"]),
                    to_domain_id=_int(row["to_domain_id"]), to_domain=_text(row["to_domain"]),
                    last_updated=timestamp(row["last_updated"], Encoding.UNIX_S))


_APP = "private/var/mobile/Containers/Data/Application/*"

ARTIFACT = Artifact(
    id="ios.webkit.resource_load_statistics",
    title="WebKit resource load statistics (observations.db)",
    slug="webkit_resource_load_statistics",
    plugin="WebkitResourceLoadStatistics",
    locations=(BackupGlob("Library/WebKit/WebsiteData/ResourceLoadStatistics/observations.db"),
               FsGlob(f"{_APP}/Library/WebKit/WebsiteData/ResourceLoadStatistics/"
                      "observations.db"),
               FsGlob(f"{_APP}/SystemData/com.apple.SafariViewService/Library/WebKit/"
                      "WebsiteData/observations.db")),
    records=(WebkitObservedDomain, WebkitDomainRelation),
    extract=extract,
    doc=__doc__ or "",
)
