"""Chrome for iOS `History` and `Favicons` databases with Chromium's real schemas.

History: schema version 43 (2021: `visits.id` without AUTOINCREMENT, `publicly_routable`) and
70 (2024: `external_referrer_url`, sync columns, `app_id`), from Chromium's
components/test/data/history/history.NN.sql. Favicons: versions 8 and 9 (`page_url_type`).
Times are microseconds since 1601 (WebKit µs).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tests.builders.timestamps import webkit_us

_META = "CREATE TABLE meta(key LONGVARCHAR NOT NULL UNIQUE PRIMARY KEY, value LONGVARCHAR)"
_URLS = ("CREATE TABLE urls(id INTEGER PRIMARY KEY AUTOINCREMENT,url LONGVARCHAR,title "
         "LONGVARCHAR,visit_count INTEGER DEFAULT 0 NOT NULL,typed_count INTEGER DEFAULT 0 NOT "
         "NULL,last_visit_time INTEGER NOT NULL,hidden INTEGER DEFAULT 0 NOT NULL)")
_COMMON_TAIL = [
    "CREATE TABLE visit_source(id INTEGER PRIMARY KEY,source INTEGER NOT NULL)",
    "CREATE TABLE keyword_search_terms (keyword_id INTEGER NOT NULL,url_id INTEGER NOT NULL,"
    "term LONGVARCHAR NOT NULL,normalized_term LONGVARCHAR NOT NULL)",
    "CREATE TABLE downloads_url_chains (id INTEGER NOT NULL,chain_index INTEGER NOT NULL,url "
    "LONGVARCHAR NOT NULL, PRIMARY KEY (id, chain_index) )",
    "CREATE TABLE segments (id INTEGER PRIMARY KEY,name VARCHAR,url_id INTEGER NON NULL)",
    "CREATE TABLE segment_usage (id INTEGER PRIMARY KEY,segment_id INTEGER NOT NULL,time_slot "
    "INTEGER NOT NULL,visit_count INTEGER DEFAULT 0 NOT NULL)",
    "CREATE INDEX visits_url_index ON visits (url)",
    "CREATE INDEX visits_from_index ON visits (from_visit)",
    "CREATE INDEX visits_time_index ON visits (visit_time)",
    "CREATE INDEX urls_url_index ON urls (url)",
]

HISTORY_SCHEMAS: dict[str, list[str]] = {
    "v43": [
        _META, _URLS,
        "CREATE TABLE visits(id INTEGER PRIMARY KEY,url INTEGER NOT NULL,visit_time INTEGER NOT "
        "NULL,from_visit INTEGER,transition INTEGER DEFAULT 0 NOT NULL,segment_id INTEGER,"
        "visit_duration INTEGER DEFAULT 0 NOT NULL,incremented_omnibox_typed_score BOOLEAN "
        "DEFAULT FALSE NOT NULL,publicly_routable BOOLEAN DEFAULT FALSE NOT NULL)",
        "CREATE TABLE typed_url_sync_metadata (storage_key INTEGER PRIMARY KEY NOT NULL,value "
        "BLOB)",
        *_COMMON_TAIL,
    ],
    "v70": [
        _META, _URLS,
        "CREATE TABLE visits(id INTEGER PRIMARY KEY AUTOINCREMENT,url INTEGER NOT NULL,"
        "visit_time INTEGER NOT NULL,from_visit INTEGER,external_referrer_url TEXT,transition "
        "INTEGER DEFAULT 0 NOT NULL,segment_id INTEGER,visit_duration INTEGER DEFAULT 0 NOT "
        "NULL,incremented_omnibox_typed_score BOOLEAN DEFAULT FALSE NOT NULL,opener_visit "
        "INTEGER,originator_cache_guid TEXT,originator_visit_id INTEGER,originator_from_visit "
        "INTEGER,originator_opener_visit INTEGER,is_known_to_sync BOOLEAN DEFAULT FALSE NOT "
        "NULL,consider_for_ntp_most_visited BOOLEAN DEFAULT FALSE NOT NULL,visited_link_id "
        "INTEGER DEFAULT 0 NOT NULL,app_id TEXT)",
        "CREATE TABLE visited_links(id INTEGER PRIMARY KEY AUTOINCREMENT,link_url_id INTEGER NOT "
        "NULL,top_level_url LONGVARCHAR NOT NULL,frame_url LONGVARCHAR NOT NULL,visit_count "
        "INTEGER DEFAULT 0 NOT NULL)",
        "CREATE TABLE history_sync_metadata (storage_key INTEGER PRIMARY KEY NOT NULL, value "
        "BLOB)",
        *_COMMON_TAIL,
        "CREATE INDEX visits_originator_id_index ON visits (originator_visit_id)",
    ],
}

# Page transitions as Chromium stores them (a signed 32-bit int).
LINK = 0
TYPED_FROM_ADDRESS_BAR = 0x02000001 | 0x10000000 | 0x20000000
SERVER_REDIRECT_END = 0x80000000 | 0x20000000  # link, last hop of a server redirect chain
LINK_CHAIN_START = 0x10000000
AUTO_SUBFRAME = 3


def signed(value: int) -> int:
    return value - (1 << 32) if value & 0x80000000 else value


@dataclass(frozen=True)
class ChromeVisitRow:
    url: str | None
    unix_time: float | None  # None stores 0 (Chrome's "no time")
    title: str | None = ""
    from_visit: int = 0  # 1-based index of the referring visit; 0 = none
    transition: int = LINK
    duration_s: float = 0.0
    external_referrer_url: str | None = None


def history_db(generation: str, visits: Sequence[ChromeVisitRow]
               ) -> Callable[[sqlite3.Connection], None]:
    """A fill function for BackupBuilder.add_sqlite; visit ids are list index + 1."""
    def fill(db: sqlite3.Connection) -> None:
        for statement in HISTORY_SCHEMAS[generation]:
            db.execute(statement)
        db.executemany("INSERT INTO meta VALUES (?, ?)",
                       [("mmap_status", "-1"), ("version", generation[1:]),
                        ("last_compatible_version", "16")])
        ids: dict[str | None, int] = {}
        for visit in visits:
            when = 0 if visit.unix_time is None else webkit_us(visit.unix_time)
            if visit.url not in ids:
                cursor = db.execute(
                    "INSERT INTO urls (url, title, visit_count, typed_count, last_visit_time, "
                    "hidden) VALUES (?, ?, 0, 0, ?, 0)", (visit.url, visit.title, when))
                ids[visit.url] = int(cursor.lastrowid or 0)
            db.execute("UPDATE urls SET visit_count = visit_count + 1, last_visit_time = "
                       "MAX(last_visit_time, ?), typed_count = typed_count + ? WHERE id = ?",
                       (when, int(visit.transition & 0xFF == 1), ids[visit.url]))
        for number, visit in enumerate(visits, start=1):
            when = 0 if visit.unix_time is None else webkit_us(visit.unix_time)
            columns = ["id", "url", "visit_time", "from_visit", "transition", "segment_id",
                       "visit_duration"]
            values: list[object] = [number, ids[visit.url], when, visit.from_visit,
                                    signed(visit.transition), 0,
                                    round(visit.duration_s * 1_000_000)]
            if generation == "v70":
                columns += ["external_referrer_url", "opener_visit", "originator_cache_guid"]
                values += [visit.external_referrer_url, 0, ""]
            marks = ", ".join("?" for _ in values)
            db.execute(f"INSERT INTO visits ({', '.join(columns)}) VALUES ({marks})", values)
    return fill


T0 = 1_709_154_845.0  # 2024-02-28T21:14:05Z

STANDARD_VISITS: tuple[ChromeVisitRow, ...] = (
    ChromeVisitRow("https://www.google.com/search?q=amnesty", T0, "amnesty - Google Search",
                   transition=TYPED_FROM_ADDRESS_BAR, duration_s=12.5),
    ChromeVisitRow("http://bit.example/x", T0 + 20, None, from_visit=1,
                   transition=LINK_CHAIN_START,
                   external_referrer_url="https://mail.example.com/"),
    ChromeVisitRow("https://exploit.example.net/a", T0 + 20.25, "", from_visit=2,
                   transition=SERVER_REDIRECT_END),
    # An iframe loaded by the page above, and a visit with no time.
    ChromeVisitRow("https://cdn.example.org/frame", T0 + 21, None, from_visit=3,
                   transition=AUTO_SUBFRAME),
    ChromeVisitRow("https://www.google.com/search?q=amnesty", None, "amnesty - Google Search",
                   from_visit=99, transition=0x0000000A),
)


# -- Favicons -------------------------------------------------------------------------------

FAVICONS_SCHEMAS: dict[str, list[str]] = {
    "v8": [
        _META,
        "CREATE TABLE favicons(id INTEGER PRIMARY KEY,url LONGVARCHAR NOT NULL,icon_type "
        "INTEGER DEFAULT 1)",
        "CREATE TABLE favicon_bitmaps(id INTEGER PRIMARY KEY,icon_id INTEGER NOT NULL,"
        "last_updated INTEGER DEFAULT 0,image_data BLOB,width INTEGER DEFAULT 0,height INTEGER "
        "DEFAULT 0,last_requested INTEGER DEFAULT 0)",
        "CREATE TABLE icon_mapping(id INTEGER PRIMARY KEY,page_url LONGVARCHAR NOT NULL,icon_id "
        "INTEGER)",
    ],
    "v9": [
        _META,
        "CREATE TABLE favicons(id INTEGER PRIMARY KEY,url LONGVARCHAR NOT NULL,icon_type "
        "INTEGER DEFAULT 1)",
        "CREATE TABLE favicon_bitmaps(id INTEGER PRIMARY KEY,icon_id INTEGER NOT NULL,"
        "last_updated INTEGER DEFAULT 0,image_data BLOB,width INTEGER DEFAULT 0,height INTEGER "
        "DEFAULT 0,last_requested INTEGER DEFAULT 0)",
        "CREATE TABLE icon_mapping(id INTEGER PRIMARY KEY,page_url LONGVARCHAR NOT NULL,icon_id "
        "INTEGER,page_url_type INTEGER)",
    ],
}
_FAVICON_INDEXES = [
    "CREATE INDEX favicons_url ON favicons(url)",
    "CREATE INDEX favicon_bitmaps_icon_id ON favicon_bitmaps(icon_id)",
    "CREATE INDEX icon_mapping_page_url_idx ON icon_mapping(page_url)",
    "CREATE INDEX icon_mapping_icon_id_idx ON icon_mapping(icon_id)",
]

PNG_1X1 = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


@dataclass(frozen=True)
class Icon:
    url: str
    icon_type: int = 1  # 1 favicon, 2 touch icon, 4 touch precomposed, 8 web manifest
    bitmaps: Sequence[tuple[int, float | None, float | None]] = ((16, T0, None),)
    # (size px, last_updated unix or None→0, last_requested unix or None→0)


@dataclass(frozen=True)
class IconMapping:
    page_url: str
    icon: int  # 1-based index into the icon list; a missing index is a dangling icon_id


def favicons_db(generation: str, icons: Sequence[Icon], mappings: Sequence[IconMapping]
                ) -> Callable[[sqlite3.Connection], None]:
    def fill(db: sqlite3.Connection) -> None:
        for statement in FAVICONS_SCHEMAS[generation] + _FAVICON_INDEXES:
            db.execute(statement)
        db.executemany("INSERT INTO meta VALUES (?, ?)",
                       [("version", generation[1:]), ("last_compatible_version", "8")])
        for number, icon in enumerate(icons, start=1):
            db.execute("INSERT INTO favicons VALUES (?, ?, ?)", (number, icon.url,
                                                                 icon.icon_type))
            for size, updated, requested in icon.bitmaps:
                db.execute("INSERT INTO favicon_bitmaps (icon_id, last_updated, image_data, "
                           "width, height, last_requested) VALUES (?, ?, ?, ?, ?, ?)",
                           (number, 0 if updated is None else webkit_us(updated), PNG_1X1,
                            size, size, 0 if requested is None else webkit_us(requested)))
        for mapping in mappings:
            if generation == "v9":
                db.execute("INSERT INTO icon_mapping (page_url, icon_id, page_url_type) "
                           "VALUES (?, ?, 0)", (mapping.page_url, mapping.icon))
            else:
                db.execute("INSERT INTO icon_mapping (page_url, icon_id) VALUES (?, ?)",
                           (mapping.page_url, mapping.icon))
    return fill


STANDARD_ICONS: tuple[Icon, ...] = (
    Icon("https://www.google.com/favicon.ico", bitmaps=((16, T0, None), (32, T0 + 1, None))),
    Icon("https://exploit.example.net/favicon.ico", bitmaps=((16, None, T0 + 30),)),
    Icon("https://www.example.com/apple-touch-icon.png", icon_type=2, bitmaps=()),
)
STANDARD_MAPPINGS: tuple[IconMapping, ...] = (
    IconMapping("https://www.google.com/", 1),
    IconMapping("https://exploit.example.net/a", 2),
    IconMapping("https://www.example.com/", 3),
    IconMapping("https://gone.example/", 7),
)
