"""Safari BrowserState.db in three schema generations, with WebKit session-state blobs.

The CREATE TABLE statements are the ones MobileSafari's SFBrowserStateSQLiteStore executes
(strings of the iOS 17 binary). Older generations follow its migrations: iOS 11 kept
`session_data`/`uncompressed_session_data_size` in `tabs` (moved to `tab_sessions` in iOS
12), `scene_ID` and `tab_group_uuid` arrived with multi-window (iOS 13) and tab groups
(iOS 15), `profile_uuid`/`active_profile_identifier` with profiles (iOS 17).

Session data is WebKit's legacy session state: a 4-byte big-endian version (2), then a binary
plist `{SessionHistory: {...}, ProvisionalURL}`.
"""

from __future__ import annotations

import plistlib
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tests.builders.timestamps import cocoa_s

_WINDOWS_OLD = ("CREATE TABLE browser_windows (id INTEGER PRIMARY KEY AUTOINCREMENT,uuid TEXT NOT "
                "NULL,type INTEGER DEFAULT 0,active_document_index INTEGER DEFAULT 0,"
                "active_private_document_index INTEGER DEFAULT 0,active_document_is_valid BOOL "
                "DEFAULT 1,tab_state_successfully_loaded BOOL DEFAULT 0,legacy_plist_file_version "
                "INTEGER DEFAULT 0,CONSTRAINT uuid_type_index UNIQUE(uuid, type))")
_WINDOWS_15 = ("CREATE TABLE browser_windows (id INTEGER PRIMARY KEY AUTOINCREMENT,uuid TEXT NOT "
               "NULL,type INTEGER DEFAULT 0,active_document_index INTEGER DEFAULT 0,"
               "active_private_document_index INTEGER DEFAULT 0,active_document_is_valid BOOL "
               "DEFAULT 1,tab_state_successfully_loaded BOOL DEFAULT 0,legacy_plist_file_version "
               "INTEGER DEFAULT 0,scene_ID TEXT,CONSTRAINT uuid_type_index UNIQUE(uuid, type))")
_WINDOWS_17 = ("CREATE TABLE browser_windows (id INTEGER PRIMARY KEY AUTOINCREMENT,uuid TEXT NOT "
               "NULL,type INTEGER DEFAULT 0,active_document_index INTEGER DEFAULT 0,"
               "active_private_document_index INTEGER DEFAULT 0,active_document_is_valid BOOL "
               "DEFAULT 1,tab_state_successfully_loaded BOOL DEFAULT 0,legacy_plist_file_version "
               "INTEGER DEFAULT 0,scene_ID TEXT,active_profile_identifier TEXT NOT NULL DEFAULT "
               "'',CONSTRAINT uuid_type_index UNIQUE(uuid, type))")
_TABS_COMMON = ("id INTEGER PRIMARY KEY AUTOINCREMENT,uuid TEXT NOT NULL UNIQUE,title TEXT,url "
                "TEXT COLLATE NOCASE,user_visible_url TEXT COLLATE NOCASE,order_index INTEGER NOT "
                "NULL,last_viewed_time REAL DEFAULT NULL,readinglist_bookmark_id INTEGER DEFAULT "
                "0,opened_from_link BOOL DEFAULT 0,showing_reader BOOL DEFAULT 0,"
                "reader_view_top_scroll_offset INTEGER DEFAULT 0,private_browsing BOOL DEFAULT 0,"
                "displaying_standalone_image BOOL DEFAULT 0,browser_window_uuid TEXT NOT NULL,"
                "browser_window_id INTEGER NOT NULL,")
_TABS_FK = "FOREIGN KEY(browser_window_id) REFERENCES browser_windows(id) ON DELETE CASCADE)"
_TAB_SESSIONS = ("CREATE TABLE tab_sessions (id INTEGER PRIMARY KEY AUTOINCREMENT,tab_uuid TEXT "
                 "NOT NULL UNIQUE,session_data BLOB DEFAULT NULL,uncompressed_session_data_size "
                 "INTEGER NOT NULL DEFAULT 0,FOREIGN KEY(tab_uuid) REFERENCES tabs(uuid) ON "
                 "DELETE CASCADE ON UPDATE CASCADE)")

SCHEMAS: dict[str, list[str]] = {
    "ios11": [
        _WINDOWS_OLD,
        f"CREATE TABLE tabs ({_TABS_COMMON}session_data BLOB DEFAULT NULL,"
        f"uncompressed_session_data_size INTEGER NOT NULL DEFAULT 0,{_TABS_FK}",
        "CREATE INDEX tabs__uuid ON tabs (uuid)",
    ],
    "ios15": [
        _WINDOWS_15,
        f"CREATE TABLE tabs ({_TABS_COMMON}tab_group_uuid TEXT NOT NULL DEFAULT '',{_TABS_FK}",
        _TAB_SESSIONS,
        "CREATE INDEX tabs__uuid ON tabs (uuid)",
        "CREATE INDEX tab_sessions__uuid ON tab_sessions (tab_uuid)",
    ],
    "ios17": [
        _WINDOWS_17,
        f"CREATE TABLE tabs ({_TABS_COMMON}tab_group_uuid TEXT NOT NULL DEFAULT '',"
        f"profile_uuid TEXT NOT NULL DEFAULT '',{_TABS_FK}",
        _TAB_SESSIONS,
        "CREATE INDEX tabs__uuid ON tabs (uuid)",
        "CREATE INDEX tab_sessions__uuid ON tab_sessions (tab_uuid)",
    ],
}

WINDOW_UUID = "7D3B1E0A-5C2F-4B8E-9A61-0F2E4D6C8B10"


@dataclass(frozen=True)
class Entry:
    """One back/forward list item."""

    url: str
    title: str | None = ""
    original_url: str | None = None  # None: same as url
    data: bytes = b"\x00" * 8 + b"\x02\x00\x00\x00"  # WebKit frame-state bytes (opaque)


@dataclass(frozen=True)
class Tab:
    uuid: str
    url: str | None
    title: str | None = None
    user_visible_url: str | None = None  # None: same as url
    unix_time: float | None = None  # last_viewed_time; None stores NULL
    private: bool = False
    entries: Sequence[Entry] = field(default_factory=tuple)
    current_index: int | None = None  # None: the last entry
    provisional_url: str | None = None
    session: bytes | None = None  # raw blob instead of one built from entries
    no_session: bool = False  # no tab_sessions row (iOS 12+) / NULL blob (iOS 11)
    tab_group_uuid: str = ""
    profile_uuid: str = ""


def session_blob(entries: Sequence[Entry], current_index: int | None = None,
                 provisional_url: str | None = None) -> bytes:
    """WebKit's legacy session state: version 2 (big-endian), then a binary plist."""
    history: dict[str, Any] = {"SessionHistoryVersion": 1}
    if entries:
        history["SessionHistoryCurrentIndex"] = (len(entries) - 1 if current_index is None
                                                 else current_index)
        history["SessionHistoryEntries"] = [
            {"SessionHistoryEntryURL": e.url,
             "SessionHistoryEntryOriginalURL": e.url if e.original_url is None
             else e.original_url,
             "SessionHistoryEntryTitle": e.title if e.title is not None else "",
             "SessionHistoryEntryData": e.data,
             "SessionHistoryEntryShouldOpenExternalURLsPolicyKey": 1}
            for e in entries]
    state: dict[str, Any] = {"SessionHistory": history, "IsAppInitiated": False}
    if provisional_url:
        state["ProvisionalURL"] = provisional_url
    return (2).to_bytes(4, "big") + plistlib.dumps(state, fmt=plistlib.FMT_BINARY)


def _blob(tab: Tab) -> bytes | None:
    if tab.no_session:
        return None
    if tab.session is not None:
        return tab.session
    return session_blob(tab.entries, tab.current_index, tab.provisional_url)


def browser_state_db(generation: str, tabs: Sequence[Tab]
                     ) -> Callable[[sqlite3.Connection], None]:
    """A fill function for BackupBuilder.add_sqlite (generation: ios11, ios15, ios17)."""
    def fill(db: sqlite3.Connection) -> None:
        for statement in SCHEMAS[generation]:
            db.execute(statement)
        db.execute("INSERT INTO browser_windows (uuid, active_document_index) VALUES (?, 0)",
                   (WINDOW_UUID,))
        # A second, private-only window with no tabs (as left by a closed scene).
        db.execute("INSERT INTO browser_windows (uuid, type) VALUES (?, 1)",
                   ("0C9A8B7D-6E5F-4A3B-2C1D-0E9F8A7B6C5D",))
        for order, tab in enumerate(tabs):
            when = None if tab.unix_time is None else cocoa_s(tab.unix_time)
            visible = tab.url if tab.user_visible_url is None else tab.user_visible_url
            columns = ["uuid", "title", "url", "user_visible_url", "order_index",
                       "last_viewed_time", "private_browsing", "browser_window_uuid",
                       "browser_window_id"]
            values: list[Any] = [tab.uuid, tab.title, tab.url, visible, order, when,
                                 int(tab.private), WINDOW_UUID, 1]
            blob = _blob(tab)
            if generation == "ios11":
                columns += ["session_data", "uncompressed_session_data_size"]
                values += [blob, len(blob) if blob else 0]
            if generation in ("ios15", "ios17"):
                columns.append("tab_group_uuid")
                values.append(tab.tab_group_uuid)
            if generation == "ios17":
                columns.append("profile_uuid")
                values.append(tab.profile_uuid)
            marks = ", ".join("?" for _ in columns)
            db.execute(f"INSERT INTO tabs ({', '.join(columns)}) VALUES ({marks})", values)
            if generation != "ios11" and not tab.no_session:
                db.execute("INSERT INTO tab_sessions (tab_uuid, session_data, "
                           "uncompressed_session_data_size) VALUES (?, ?, ?)",
                           (tab.uuid, blob, len(blob) if blob else 0))
    return fill


T0 = 1_709_154_845.5  # 2024-02-28T21:14:05.5Z

STANDARD_TABS: tuple[Tab, ...] = (
    Tab("3F2504E0-4F89-11D3-9A0C-0305E82C3301", "https://en.wikipedia.org/wiki/NSO_Group",
        "NSO Group - Wikipedia", unix_time=T0,
        entries=(Entry("https://www.google.com/search?q=nso", "nso - Google Search"),
                 Entry("https://en.wikipedia.org/wiki/NSO_Group", "NSO Group - Wikipedia",
                       original_url="http://en.wikipedia.org/wiki/NSO_Group"))),
    # A page purged from History.db survives in the back list; the tab reloads a redirect.
    Tab("9B1DEB4D-3B7D-4BAD-9BDD-2B0D7B3DCB6D", "https://news.example.org/today", None,
        unix_time=T0 + 60, private=True,
        entries=(Entry("https://exploit.example.net/a/b?c=1", None,
                       original_url="http://bit.example/x"),
                 Entry("https://news.example.org/today", "Today")),
        current_index=0, provisional_url="https://stage2.example.net/load"),
    # A tab never viewed (NULL time), whose blob is not a session state.
    Tab("1E9A0C3B-7A0B-4B55-8B0A-6C4E2F1D0A99", "about:blank", None, unix_time=None,
        session=b"\x00\x00\x00\x02garbage, not a plist"),
    # A tab without a session row at all (or NULL blob on iOS 11).
    Tab("5A4B3C2D-1E0F-4A9B-8C7D-6E5F4A3B2C1D", None, None, unix_time=T0 + 120,
        no_session=True),
    # Empty back/forward list: only the history version is stored.
    Tab("C0FFEE00-0000-4000-8000-000000000001", "https://www.example.com/", "Example",
        user_visible_url="https://www.example.com/", unix_time=T0 + 180, entries=()),
)
