"""Firefox for iOS history: every visit in `browser.db` (ios.md §5.13).

`AppDomainGroup-group.org.mozilla.ios.Firefox/profile.profile/browser.db` (fileID
`2e57c396…`), the same path in any domain. Firefox-iOS's BrowserSchema: `history` (one row per
URL: `id`, `guid`, `url`, `title`, `is_deleted`, `domain_id`) and `visits` (`siteID` →
`history.id`, `date` in **microseconds** since 1970 (REAL), `type`, `is_local`: 1 for visits
made on this device, 0 for visits synced from another). `type` follows Firefox's visit types
(1 link, 2 typed, 3 bookmark, 4 embed, 5 permanent redirect, 6 temporary redirect,
7 download, 8 framed link, 9 reload).

Visits are LEFT JOINed to `history`, so a visit whose site row is gone is kept with an empty
URL. Recent Firefox-iOS versions keep history in the application-services `places.db` instead;
this artifact reads `browser.db` only. The incumbent names the `is_local` column
`i1000000s_local` in its output.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from perito.artifacts.base import Artifact, sqlite_artifact
from perito.artifacts.ios.chrome_history import text
from perito.artifacts.sql import col
from perito.records import Kind, Record, observable, register_record, timeline
from perito.sources.locations import BackupFile, BackupGlob, FsGlob
from perito.timestamps import Encoding, Timestamp, unset

FIREFOX_DOMAIN = "AppDomainGroup-group.org.mozilla.ios.Firefox"
BROWSER_DB = "profile.profile/browser.db"
LOCATIONS = (BackupFile(FIREFOX_DOMAIN, BROWSER_DB),
             BackupGlob(BROWSER_DB),
             FsGlob(f"private/var/mobile/{BROWSER_DB}"),
             FsGlob(f"private/var/mobile/Containers/Shared/AppGroup/*/{BROWSER_DB}"))

VISIT_TYPES = {1: "link", 2: "typed", 3: "bookmark", 4: "embed", 5: "permanent_redirect",
               6: "temporary_redirect", 7: "download", 8: "framed_link", 9: "reload"}


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class FirefoxVisit(Record):
    """One visit from a Firefox-iOS browser.db."""

    visit_id: int | None = None  # visits.id
    history_id: int | None = None  # visits.siteID
    url: str = field(default="", metadata=observable(Kind.URL))
    title: str | None = None
    date: Timestamp = field(default=unset(Encoding.UNIX_US), metadata=timeline("Firefox visit"))
    type: int | None = None
    type_name: str = ""
    is_local: int | None = None  # 1: this device; 0: synced from another device
    is_deleted: int | None = None  # history.is_deleted

    record_name = "Firefox visit"

    def describe(self) -> str:
        text = f"Firefox visit to {self.url or '(no URL)'}"
        if self.type_name:
            text += f" ({self.type_name})"
        if self.is_local == 0:
            text += ", synced from another device"
        return text


def _query(found: Mapping[str, set[str]]) -> str:
    columns = ", ".join([
        col(found, "visits", "type", prefix="v"),
        col(found, "visits", "is_local", prefix="v"),
        col(found, "history", "title", prefix="h"),
        col(found, "history", "is_deleted", prefix="h"),
    ])
    return ("SELECT v.id AS visit_id, v.siteID AS history_id, h.url AS url, v.date AS date, "
            f"{columns} FROM visits v LEFT JOIN history h ON h.id = v.siteID ORDER BY v.id")


def _derive(row: sqlite3.Row) -> dict[str, Any]:
    kind = row["type"]
    name = VISIT_TYPES.get(kind, f"unknown_{kind}") if isinstance(kind, int) else ""
    return {"url": text(row["url"]), "type_name": name}


ARTIFACT = Artifact(
    id="ios.firefox.history",
    title="Firefox history",
    slug="firefox_history",
    plugin="FirefoxHistory",
    locations=LOCATIONS,
    records=(FirefoxVisit,),
    extract=sqlite_artifact(
        identify={"history": ["id", "url"], "visits": ["id", "siteID", "date"]},
        query=_query,
        record=FirefoxVisit,
        encodings={"date": Encoding.UNIX_US},
        derive=_derive,
    ),
    doc=__doc__ or "",
)
