"""Firefox for iOS `browser.db` with the tables of Firefox-iOS's BrowserSchema.

`current`: the schema BrowserSchema.create() writes (history with `domain_id`, domains,
favicons, visits, favicon_sites and the favicon views). `legacy`: before browser schema v6,
history had no `domain_id` and there was no `domains` table. `visits.date` is microseconds
since 1970 (REAL); `favicons.date` is seconds since 1970 (REAL).
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

_DOMAINS = """CREATE TABLE IF NOT EXISTS domains (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    domain TEXT NOT NULL UNIQUE,
    showOnTopSites TINYINT NOT NULL DEFAULT 1
)"""
_HISTORY = """CREATE TABLE IF NOT EXISTS history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- Not null, but the value might be replaced by the server's.
    guid TEXT NOT NULL UNIQUE,
    -- May only be null for deleted records.
    url TEXT UNIQUE,
    title TEXT NOT NULL,
    -- Can be null. Integer milliseconds.
    server_modified INTEGER,
    -- Can be null. Client clock. In extremis only.
    local_modified INTEGER,
    -- Boolean. Locally deleted.
    is_deleted TINYINT NOT NULL,
    -- Boolean. Set when changed or visits added.
    should_upload TINYINT NOT NULL,{domain}
    CONSTRAINT urlOrDeleted CHECK (url IS NOT NULL OR is_deleted = 1)
)"""
_FAVICONS = """CREATE TABLE IF NOT EXISTS favicons (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    url TEXT NOT NULL UNIQUE,
    width INTEGER,
    height INTEGER,
    type INTEGER NOT NULL,
    date REAL NOT NULL
)"""
_VISITS = """CREATE TABLE IF NOT EXISTS visits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    siteID INTEGER NOT NULL REFERENCES history(id) ON DELETE CASCADE,
    -- Microseconds since epoch.
    date REAL NOT NULL,
    type INTEGER NOT NULL,
    -- Some visits are local. Some are remote ('mirrored'). This boolean flag is the split.
    is_local TINYINT NOT NULL,
    UNIQUE (siteID, date, type)
)"""
_FAVICON_SITES = """CREATE TABLE IF NOT EXISTS favicon_sites (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    siteID INTEGER NOT NULL REFERENCES history(id) ON DELETE CASCADE,
    faviconID INTEGER NOT NULL REFERENCES favicons(id) ON DELETE CASCADE,
    UNIQUE (siteID, faviconID)
)"""
_VIEWS = [
    """CREATE VIEW IF NOT EXISTS view_favicons_widest AS
    SELECT
        favicon_sites.siteID AS siteID,
        favicons.id AS iconID,
        favicons.url AS iconURL,
        favicons.date AS iconDate,
        favicons.type AS iconType,
        max(favicons.width) AS iconWidth
    FROM favicon_sites, favicons
    WHERE favicon_sites.faviconID = favicons.id
    GROUP BY siteID""",
    """CREATE VIEW IF NOT EXISTS view_history_id_favicon AS
    SELECT history.id AS id, iconID, iconURL, iconDate, iconType, iconWidth
    FROM history LEFT OUTER JOIN view_favicons_widest ON
        history.id = view_favicons_widest.siteID""",
]
_OTHERS = [
    """CREATE TABLE IF NOT EXISTS queue (
    url TEXT NOT NULL UNIQUE,
    title TEXT
)""",
    """CREATE TABLE IF NOT EXISTS remote_devices (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    guid TEXT UNIQUE NOT NULL,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    is_current_device INTEGER NOT NULL,
    -- Timestamps in ms.
    date_created INTEGER NOT NULL,
    date_modified INTEGER NOT NULL,
    last_access_time INTEGER,
    availableCommands TEXT
)""",
    "CREATE INDEX IF NOT EXISTS idx_visits_siteID_is_local_date ON visits (siteID, is_local, "
    "date)",
    "CREATE INDEX IF NOT EXISTS idx_history_should_upload ON history (should_upload) WHERE "
    "should_upload = 1",
]

SCHEMAS: dict[str, list[str]] = {
    "current": [_DOMAINS,
                _HISTORY.format(domain="\n    domain_id INTEGER REFERENCES domains(id) ON "
                                       "DELETE CASCADE,"),
                _FAVICONS, _VISITS, _FAVICON_SITES, *_VIEWS, *_OTHERS],
    "legacy": [_HISTORY.format(domain=""), _FAVICONS, _VISITS, _FAVICON_SITES, *_VIEWS,
               *_OTHERS],
}


@dataclass(frozen=True)
class Page:
    url: str | None
    title: str = ""  # NOT NULL in Firefox's schema
    deleted: bool = False


@dataclass(frozen=True)
class FirefoxVisitRow:
    page: int  # 1-based index into the page list (a missing index is a dangling siteID)
    unix_time: float
    type: int = 1
    is_local: int = 1


@dataclass(frozen=True)
class Favicon:
    url: str
    unix_time: float
    pages: Sequence[int] = ()  # 1-based page indexes
    width: int | None = 32
    height: int | None = 32
    type: int = 1  # Firefox-iOS IconType: 0 icon, 1 apple touch, 2 apple touch precomposed, …


def browser_db(generation: str, pages: Sequence[Page], visits: Sequence[FirefoxVisitRow],
               icons: Sequence[Favicon] = ()) -> Callable[[sqlite3.Connection], None]:
    """A fill function for BackupBuilder.add_sqlite (generation: current or legacy)."""
    def fill(db: sqlite3.Connection) -> None:
        for statement in SCHEMAS[generation]:
            db.execute(statement)
        domains: dict[str, int] = {}
        for number, page in enumerate(pages, start=1):
            guid = uuid.UUID(int=number).hex[-12:]  # Sync GUIDs are 12 characters
            columns = ["id", "guid", "url", "title", "local_modified", "is_deleted",
                       "should_upload"]
            values: list[object] = [number, guid, page.url, page.title, None, int(page.deleted),
                                    1]
            if generation == "current" and page.url:
                host = page.url.split("//", 1)[-1].split("/", 1)[0]
                if host not in domains:
                    cursor = db.execute("INSERT INTO domains (domain) VALUES (?)", (host,))
                    domains[host] = int(cursor.lastrowid or 0)
                columns.append("domain_id")
                values.append(domains[host])
            marks = ", ".join("?" for _ in values)
            db.execute(f"INSERT INTO history ({', '.join(columns)}) VALUES ({marks})", values)
        for visit in visits:
            db.execute("INSERT INTO visits (siteID, date, type, is_local) VALUES (?, ?, ?, ?)",
                       (visit.page, visit.unix_time * 1_000_000, visit.type, visit.is_local))
        for number, icon in enumerate(icons, start=1):
            db.execute("INSERT INTO favicons VALUES (?, ?, ?, ?, ?, ?)",
                       (number, icon.url, icon.width, icon.height, icon.type, icon.unix_time))
            for site in icon.pages:
                db.execute("INSERT INTO favicon_sites (siteID, faviconID) VALUES (?, ?)",
                           (site, number))
    return fill


T0 = 1_709_154_845.0  # 2024-02-28T21:14:05Z

STANDARD_PAGES: tuple[Page, ...] = (
    Page("https://www.mozilla.org/en-US/", "Mozilla"),
    Page("https://exploit.example.net/a?b=1", ""),
    Page(None, "", deleted=True),
)
STANDARD_VISITS: tuple[FirefoxVisitRow, ...] = (
    FirefoxVisitRow(1, T0, type=2),
    FirefoxVisitRow(2, T0 + 0.123456, type=6),
    FirefoxVisitRow(1, T0 - 86_400, type=1, is_local=0),  # synced from a desktop
    FirefoxVisitRow(3, T0 + 10),
    FirefoxVisitRow(8, T0 + 20, type=42),  # site row gone
)
STANDARD_ICONS: tuple[Favicon, ...] = (
    Favicon("https://www.mozilla.org/media/img/favicons/mozilla/favicon.d25d81d39065.ico",
            T0 + 1.5, pages=(1,), width=None, height=None, type=0),
    Favicon("https://exploit.example.net/favicon.ico", T0 + 2, pages=(2, 1)),
    Favicon("https://orphan.example/apple-touch-icon.png", 0.0),  # on no page, no date
)
