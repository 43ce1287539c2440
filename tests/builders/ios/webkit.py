"""WebKit ResourceLoadStatistics: `observations.db` (two generations) and the session log plist.

The CREATE TABLE statements are WebKit's (ResourceLoadStatisticsDatabaseStore.cpp as first
shipped, and ResourceLoadStatisticsStore.cpp of recent WebKit). Times are unix seconds (REAL);
WebKit writes −1 or 0 for "never". The session log is what WebKit's KeyedEncoderCF writes:
`lastSeen` and `mostRecentUserInteraction` as doubles of unix seconds, domain lists as arrays of
`{origin, count}` dictionaries (model version < 15) or `{domain}` (15+).
"""

from __future__ import annotations

import datetime as dt
import plistlib
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

_OLD = [
    "CREATE TABLE ObservedDomains (domainID INTEGER PRIMARY KEY, registrableDomain TEXT NOT NULL "
    "UNIQUE ON CONFLICT FAIL, lastSeen REAL NOT NULL, hadUserInteraction INTEGER NOT NULL, "
    "mostRecentUserInteractionTime REAL NOT NULL, grandfathered INTEGER NOT NULL, isPrevalent "
    "INTEGER NOT NULL, isVeryPrevalent INTEGER NOT NULL, dataRecordsRemoved INTEGER NOT NULL,"
    "timesAccessedAsFirstPartyDueToUserInteraction INTEGER NOT NULL, "
    "timesAccessedAsFirstPartyDueToStorageAccessAPI INTEGER NOT NULL);",
    "CREATE TABLE TopLevelDomains (topLevelDomainID INTEGER PRIMARY KEY, CONSTRAINT fkDomainID "
    "FOREIGN KEY(topLevelDomainID) REFERENCES ObservedDomains(domainID) ON DELETE CASCADE);",
    "CREATE TABLE StorageAccessUnderTopFrameDomains (domainID INTEGER NOT NULL, topLevelDomainID "
    "INTEGER NOT NULL ON CONFLICT FAIL, CONSTRAINT fkDomainID FOREIGN KEY(domainID) REFERENCES "
    "ObservedDomains(domainID) ON DELETE CASCADE, FOREIGN KEY(topLevelDomainID) REFERENCES "
    "TopLevelDomains(topLevelDomainID) ON DELETE CASCADE);",
    "CREATE TABLE TopFrameUniqueRedirectsTo (sourceDomainID INTEGER NOT NULL, toDomainID INTEGER "
    "NOT NULL, FOREIGN KEY(sourceDomainID) REFERENCES TopLevelDomains(topLevelDomainID) ON "
    "DELETE CASCADE, FOREIGN KEY(toDomainID) REFERENCES TopLevelDomains(topLevelDomainID) ON "
    "DELETE CASCADE);",
    "CREATE TABLE TopFrameUniqueRedirectsFrom (targetDomainID INTEGER NOT NULL, fromDomainID "
    "INTEGER NOT NULL, FOREIGN KEY(targetDomainID) REFERENCES TopLevelDomains(topLevelDomainID) "
    "ON DELETE CASCADE, FOREIGN KEY(fromDomainID) REFERENCES TopLevelDomains(topLevelDomainID) "
    "ON DELETE CASCADE);",
    "CREATE TABLE TopFrameLinkDecorationsFrom (fromDomainID INTEGER NOT NULL, toDomainID INTEGER "
    "NOT NULL, FOREIGN KEY(fromDomainID) REFERENCES TopLevelDomains(topLevelDomainID) ON DELETE "
    "CASCADE, FOREIGN KEY(toDomainID) REFERENCES TopLevelDomains(topLevelDomainID) ON DELETE "
    "CASCADE);",
    "CREATE TABLE SubframeUnderTopFrameDomains (subFrameDomainID INTEGER NOT NULL, "
    "topFrameDomainID INTEGER NOT NULL, FOREIGN KEY(subFrameDomainID) REFERENCES "
    "ObservedDomains(domainID) ON DELETE CASCADE, FOREIGN KEY(topFrameDomainID) REFERENCES "
    "TopLevelDomains(topLevelDomainID) ON DELETE CASCADE);",
    "CREATE TABLE SubresourceUnderTopFrameDomains (subresourceDomainID INTEGER NOT NULL, "
    "topFrameDomainID INTEGER NOT NULL, FOREIGN KEY(subresourceDomainID) REFERENCES "
    "ObservedDomains(domainID) ON DELETE CASCADE, FOREIGN KEY(topFrameDomainID) REFERENCES "
    "TopLevelDomains(topLevelDomainID) ON DELETE CASCADE);",
    "CREATE TABLE SubresourceUniqueRedirectsTo (subresourceDomainID INTEGER NOT NULL, "
    "toDomainID INTEGER NOT NULL, FOREIGN KEY(subresourceDomainID) REFERENCES "
    "ObservedDomains(domainID) ON DELETE CASCADE, FOREIGN KEY(toDomainID) REFERENCES "
    "ObservedDomains(domainID) ON DELETE CASCADE);",
    "CREATE TABLE SubresourceUniqueRedirectsFrom (subresourceDomainID INTEGER NOT NULL, "
    "fromDomainID INTEGER NOT NULL, FOREIGN KEY(subresourceDomainID) REFERENCES "
    "ObservedDomains(domainID) ON DELETE CASCADE, FOREIGN KEY(fromDomainID) REFERENCES "
    "ObservedDomains(domainID) ON DELETE CASCADE);",
]

_FK = ("FOREIGN KEY({a}) REFERENCES ObservedDomains(domainID) ON DELETE CASCADE, "
       "FOREIGN KEY({b}) REFERENCES ObservedDomains(domainID) ON DELETE CASCADE)")

_NEW = [
    "CREATE TABLE ObservedDomains (domainID INTEGER PRIMARY KEY, registrableDomain TEXT NOT NULL "
    "UNIQUE ON CONFLICT FAIL, lastSeen REAL NOT NULL, hadUserInteraction INTEGER NOT NULL, "
    "mostRecentUserInteractionTime REAL NOT NULL, grandfathered INTEGER NOT NULL, isPrevalent "
    "INTEGER NOT NULL, isVeryPrevalent INTEGER NOT NULL, dataRecordsRemoved INTEGER NOT NULL,"
    "timesAccessedAsFirstPartyDueToUserInteraction INTEGER NOT NULL, "
    "timesAccessedAsFirstPartyDueToStorageAccessAPI INTEGER NOT NULL,"
    "isScheduledForAllButCookieDataRemoval INTEGER NOT NULL, "
    "mostRecentWebPushInteractionTime REAL NOT NULL)",
    "CREATE TABLE TopLevelDomains (topLevelDomainID INTEGER PRIMARY KEY, CONSTRAINT fkDomainID "
    "FOREIGN KEY(topLevelDomainID) REFERENCES ObservedDomains(domainID) ON DELETE CASCADE)",
    "CREATE TABLE StorageAccessUnderTopFrameDomains (domainID INTEGER NOT NULL, topLevelDomainID "
    "INTEGER NOT NULL ON CONFLICT FAIL, CONSTRAINT fkDomainID FOREIGN KEY(domainID) REFERENCES "
    "ObservedDomains(domainID) ON DELETE CASCADE, FOREIGN KEY(topLevelDomainID) REFERENCES "
    "ObservedDomains(domainID) ON DELETE CASCADE)",
    "CREATE TABLE TopFrameUniqueRedirectsTo (sourceDomainID INTEGER NOT NULL, toDomainID INTEGER "
    "NOT NULL, " + _FK.format(a="sourceDomainID", b="toDomainID"),
    "CREATE TABLE TopFrameUniqueRedirectsToSinceSameSiteStrictEnforcement (sourceDomainID "
    "INTEGER NOT NULL, toDomainID INTEGER NOT NULL, "
    + _FK.format(a="sourceDomainID", b="toDomainID"),
    "CREATE TABLE TopFrameUniqueRedirectsFrom (targetDomainID INTEGER NOT NULL, fromDomainID "
    "INTEGER NOT NULL, " + _FK.format(a="targetDomainID", b="fromDomainID"),
    "CREATE TABLE TopFrameLinkDecorationsFrom (toDomainID INTEGER NOT NULL, lastUpdated REAL NOT "
    "NULL, fromDomainID INTEGER NOT NULL, " + _FK.format(a="toDomainID", b="fromDomainID"),
    "CREATE TABLE TopFrameLoadedThirdPartyScripts (topFrameDomainID INTEGER NOT NULL, "
    "subresourceDomainID INTEGER NOT NULL, "
    + _FK.format(a="topFrameDomainID", b="subresourceDomainID"),
    "CREATE TABLE SubframeUnderTopFrameDomains (subFrameDomainID INTEGER NOT NULL, lastUpdated "
    "REAL NOT NULL, topFrameDomainID INTEGER NOT NULL, "
    + _FK.format(a="subFrameDomainID", b="topFrameDomainID"),
    "CREATE TABLE SubresourceUnderTopFrameDomains (subresourceDomainID INTEGER NOT NULL, "
    "lastUpdated REAL NOT NULL, topFrameDomainID INTEGER NOT NULL, "
    + _FK.format(a="subresourceDomainID", b="topFrameDomainID"),
    "CREATE TABLE SubresourceUniqueRedirectsTo (subresourceDomainID INTEGER NOT NULL, "
    "lastUpdated REAL NOT NULL, toDomainID INTEGER NOT NULL, "
    + _FK.format(a="subresourceDomainID", b="toDomainID"),
    "CREATE TABLE SubresourceUniqueRedirectsFrom (subresourceDomainID INTEGER NOT NULL, "
    "fromDomainID INTEGER NOT NULL, " + _FK.format(a="subresourceDomainID", b="fromDomainID"),
    "CREATE TABLE OperatingDates (year INTEGER NOT NULL, month INTEGER NOT NULL, monthDay "
    "INTEGER NOT NULL)",
    "CREATE UNIQUE INDEX IF NOT EXISTS StorageAccessUnderTopFrameDomains_domainID_"
    "topLevelDomainID on StorageAccessUnderTopFrameDomains ( domainID, topLevelDomainID )",
    "CREATE UNIQUE INDEX IF NOT EXISTS TopFrameUniqueRedirectsTo_sourceDomainID_toDomainID on "
    "TopFrameUniqueRedirectsTo ( sourceDomainID, toDomainID )",
    "CREATE UNIQUE INDEX IF NOT EXISTS TopFrameUniqueRedirectsToSinceSameSiteStrictEnforcement_"
    "sourceDomainID_toDomainID on TopFrameUniqueRedirectsToSinceSameSiteStrictEnforcement "
    "( sourceDomainID, toDomainID )",
    "CREATE UNIQUE INDEX IF NOT EXISTS TopFrameUniqueRedirectsFrom_targetDomainID_fromDomainID "
    "on TopFrameUniqueRedirectsFrom ( targetDomainID, fromDomainID )",
    "CREATE UNIQUE INDEX IF NOT EXISTS TopFrameLinkDecorationsFrom_toDomainID_fromDomainID on "
    "TopFrameLinkDecorationsFrom ( toDomainID, fromDomainID )",
    "CREATE UNIQUE INDEX IF NOT EXISTS TopFrameLoadedThirdPartyScripts_topFrameDomainID_"
    "subresourceDomainID on TopFrameLoadedThirdPartyScripts ( topFrameDomainID, "
    "subresourceDomainID )",
    "CREATE UNIQUE INDEX IF NOT EXISTS SubframeUnderTopFrameDomains_subFrameDomainID_"
    "topFrameDomainID on SubframeUnderTopFrameDomains ( subFrameDomainID, topFrameDomainID )",
    "CREATE UNIQUE INDEX IF NOT EXISTS SubresourceUnderTopFrameDomains_subresourceDomainID_"
    "topFrameDomainID on SubresourceUnderTopFrameDomains ( subresourceDomainID, "
    "topFrameDomainID )",
    "CREATE UNIQUE INDEX IF NOT EXISTS SubresourceUniqueRedirectsTo_subresourceDomainID_"
    "toDomainID on SubresourceUniqueRedirectsTo ( subresourceDomainID, toDomainID )",
    "CREATE UNIQUE INDEX IF NOT EXISTS SubresourceUniqueRedirectsFrom_subresourceDomainID_"
    "fromDomainID on SubresourceUniqueRedirectsFrom ( subresourceDomainID, fromDomainID )",
    "CREATE UNIQUE INDEX IF NOT EXISTS OperatingDates_year_month_monthDay on OperatingDates "
    "( year, month, monthDay )",
]

SCHEMAS = {"ios14": _OLD, "ios17": _NEW}

# Column pairs of each relation table as WebKit inserts them: (first, second).
RELATION_COLUMNS: dict[str, tuple[str, str]] = {
    "TopFrameUniqueRedirectsTo": ("sourceDomainID", "toDomainID"),
    "TopFrameUniqueRedirectsFrom": ("targetDomainID", "fromDomainID"),
    "SubresourceUniqueRedirectsTo": ("subresourceDomainID", "toDomainID"),
    "SubresourceUniqueRedirectsFrom": ("subresourceDomainID", "fromDomainID"),
    "SubframeUnderTopFrameDomains": ("subFrameDomainID", "topFrameDomainID"),
    "SubresourceUnderTopFrameDomains": ("subresourceDomainID", "topFrameDomainID"),
    "StorageAccessUnderTopFrameDomains": ("domainID", "topLevelDomainID"),
}


@dataclass(frozen=True)
class Observed:
    domain: str
    last_seen: float  # unix seconds
    interaction: float = -1.0  # unix seconds, −1 = never
    web_push: float = -1.0
    prevalent: bool = False


@dataclass(frozen=True)
class Link:
    """A relation row by domain ids, in the table's own column order."""

    table: str
    first: int
    second: int
    last_updated: float = 0.0


def observations_db(generation: str, domains: Sequence[Observed], links: Sequence[Link] = ()
                    ) -> Callable[[sqlite3.Connection], None]:
    """A fill function for BackupBuilder.add_sqlite (generation: ios14 or ios17).

    Domain ids are list index + 1; foreign keys are not enforced, as a damaged store would not.
    """
    def fill(db: sqlite3.Connection) -> None:
        for statement in SCHEMAS[generation]:
            db.execute(statement)
        for number, item in enumerate(domains, start=1):
            values: list[Any] = [number, item.domain, item.last_seen,
                                 int(item.interaction > 0), item.interaction, 0,
                                 int(item.prevalent), 0, 0, 0, 0]
            if generation == "ios17":
                values += [0, item.web_push]
            marks = ", ".join("?" for _ in values)
            db.execute(f"INSERT INTO ObservedDomains VALUES ({marks})", values)
            db.execute("INSERT INTO TopLevelDomains VALUES (?)", (number,))
        for link in links:
            first, second = RELATION_COLUMNS[link.table]
            columns, values = [first, second], [link.first, link.second]
            info = {row[1] for row in db.execute(f"PRAGMA table_info({link.table})")}
            if "lastUpdated" in info:
                columns.append("lastUpdated")
                values.append(link.last_updated)
            db.execute(f"INSERT INTO {link.table} ({', '.join(columns)}) VALUES (?, ?"
                       f"{', ?' if len(values) == 3 else ''})", values)
        if generation == "ios17":
            db.execute("INSERT INTO OperatingDates VALUES (2024, 1, 28)")
    return fill


T0 = 1_709_154_845.0  # 2024-02-28T21:14:05Z

STANDARD_DOMAINS: tuple[Observed, ...] = (
    Observed("google.com", T0, interaction=T0 - 30.5, web_push=-1.0),
    Observed("gstatic.com", T0 + 1),
    Observed("bit.example", T0 + 5, interaction=T0 + 4),
    Observed("exploit.example.net", T0 + 6, prevalent=True),
    Observed("cdn.example.org", 0.0),  # never seen: 0 stays unset
)
# bit.example (3) → exploit.example.net (4), exploit loads cdn.example.org (5), a row that
# points at a deleted domain (9).
STANDARD_LINKS: tuple[Link, ...] = (
    Link("TopFrameUniqueRedirectsTo", 3, 4),
    Link("TopFrameUniqueRedirectsFrom", 4, 3),
    Link("SubresourceUnderTopFrameDomains", 5, 4, last_updated=T0 + 7),
    Link("SubframeUnderTopFrameDomains", 9, 1, last_updated=T0 + 8),
)


@dataclass(frozen=True)
class Statistic:
    """One browsingStatistics entry."""

    domain: str
    redirects_from: Sequence[str] = ()
    redirects_to: Sequence[str] = ()
    subframe_under: Sequence[str] = ()
    subresource_under: Sequence[str] = ()
    subresource_redirects_to: Sequence[str] = ()
    interaction: bool = False
    last_interaction: float = 0.0  # unix seconds, 0 = never
    last_seen: float = T0
    extra: dict[str, Any] = field(default_factory=dict)


def _list(domains: Sequence[str], key: str, counted: bool) -> list[dict[str, Any]]:
    return [{key: d, "count": 1} if counted else {key: d} for d in domains]


def session_log_plist(stats: Sequence[Statistic], *, model: int = 14, dates: bool = False,
                      fmt: plistlib.PlistFormat = plistlib.FMT_BINARY) -> bytes:
    """full_browsing_session_resourceLog.plist; model >= 15 uses `domain` keys; dates=True
    stores the times as plist dates instead of WebKit's doubles."""
    key = "domain" if model >= 15 else "origin"

    def when(value: float) -> Any:
        if dates:
            return dt.datetime.fromtimestamp(value, tz=dt.UTC).replace(tzinfo=None)
        return value

    entries: list[dict[str, Any]] = []
    for stat in stats:
        counted = model < 15
        entry: dict[str, Any] = {
            ("PrevalentResourceDomain" if model >= 15 else "PrevalentResourceOrigin"):
                stat.domain,
            "lastSeen": when(stat.last_seen),
            "hadUserInteraction": stat.interaction,
            "mostRecentUserInteraction": when(stat.last_interaction),
            "grandfathered": False,
            "isPrevalentResource": False,
            "isVeryPrevalentResource": False,
            "dataRecordsRemoved": 0,
            "timesAccessedAsFirstPartyDueToUserInteraction": 0,
        }
        suffix = "Domains" if model >= 15 else "Origins"
        lists = {"topFrameUniqueRedirectsFrom": stat.redirects_from,
                 "topFrameUniqueRedirectsTo": stat.redirects_to,
                 f"subframeUnderTopFrame{suffix}": stat.subframe_under,
                 f"subresourceUnderTopFrame{suffix}": stat.subresource_under,
                 "subresourceUniqueRedirectsTo": stat.subresource_redirects_to}
        for name, values in lists.items():
            if values:  # WebKit omits empty sets
                entry[name] = _list(values, key, counted)
        entry.update(stat.extra)
        entries.append(entry)
    document = {"version": model, "originsVisited": len(entries),
                "browsingStatistics": entries}
    return plistlib.dumps(document, fmt=fmt)


STANDARD_STATS: tuple[Statistic, ...] = (
    Statistic("exploit.example.net", redirects_from=("bit.example",),
              redirects_to=("stage2.example.net", "news.example.org"),
              subresource_under=("news.example.org",), last_seen=T0 + 6),
    Statistic("google.com", subframe_under=("youtube.com",), interaction=True,
              last_interaction=T0 - 30.5),
    Statistic("gstatic.com", last_seen=0.0),
)
