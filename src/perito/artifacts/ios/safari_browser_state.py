"""Safari BrowserState.db: open tabs and each tab's back/forward list (ios.md §5.5).

`HomeDomain/Library/Safari/BrowserState.db` (the same path in any domain, and iOS 17+ profiles
at `Library/Safari/Profiles/<UUID>/BrowserState.db`) keeps one `tabs` row per open tab (normal
and private): `url`, `user_visible_url`, `title`, `last_viewed_time` (Cocoa seconds),
`private_browsing`, `browser_window_uuid`, and from iOS 15/17 `tab_group_uuid`/`profile_uuid`.

Each tab's WebKit session state is a blob: a 4-byte big-endian version number (2), then a
binary plist `{SessionHistory: {SessionHistoryVersion, SessionHistoryCurrentIndex,
SessionHistoryEntries: [{SessionHistoryEntryURL, SessionHistoryEntryOriginalURL,
SessionHistoryEntryTitle, SessionHistoryEntryData}]}, ProvisionalURL}` (WebKit's
LegacySessionStateCoding). The entries are the pages visited in that tab, which survive when
History.db was cleared, so each becomes its own `SafariTabSessionEntry` record.
`ProvisionalURL` is the page that was loading when the state was saved.

Two generations: from iOS 12 the blob lives in `tab_sessions.session_data` (joined on
`tab_sessions.tab_uuid = tabs.uuid`); before, it is the `tabs.session_data` column. Tabs are
LEFT JOINed, so a tab without a session row is kept (the incumbent inner-joins and drops it).
A blob that does not parse is counted in a warning; the tab record is still written. The
incumbent stores the entry's *original* URL under a key named `entry_title`; here the fields
say what they hold.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from perito.artifacts.base import Artifact, Context, SchemaMismatch, timestamp
from perito.artifacts.sql import col, has
from perito.records import Kind, Record, observable, register_record, timeline
from perito.sources.locations import BackupFile, BackupGlob, FsGlob
from perito.sources.plist import PlistError, load_plist
from perito.sources.sqlite import missing_from, schema
from perito.timestamps import Encoding, Timestamp, unset

IDENTIFY: dict[str, list[str]] = {"tabs": ["url", "last_viewed_time"]}
_HEADER = 4  # big-endian session-state version before the plist


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class SafariTab(Record):
    """One open Safari tab (BrowserState.db `tabs`)."""

    tab_id: int | None = None  # tabs.id
    tab_uuid: str | None = None
    title: str | None = None
    url: str = field(default="", metadata=observable(Kind.URL))
    user_visible_url: str = field(default="", metadata=observable(Kind.URL))
    last_viewed_time: Timestamp = field(default=unset(Encoding.COCOA_S),
                                        metadata=timeline("Safari tab last viewed"))
    order_index: int | None = None
    private_browsing: bool | None = None
    browser_window_uuid: str | None = None
    tab_group_uuid: str | None = None  # iOS 15+; "" when the tab is in no group
    profile_uuid: str | None = None  # iOS 17+; "" for the default profile
    provisional_url: str = field(default="", metadata=observable(Kind.URL))
    session_entries: int | None = None  # None: no session data, or unreadable
    session_current_index: int | None = None

    record_name = "Safari tab"

    def describe(self) -> str:
        kind = "Private Safari tab" if self.private_browsing else "Safari tab"
        text = f"{kind} {self.url or self.user_visible_url or '(no URL)'}"
        if self.title:
            text += f" ({self.title})"
        if self.session_entries:
            text += f", {self.session_entries} pages in its back/forward list"
        if self.provisional_url:
            text += f", loading {self.provisional_url}"
        return text


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class SafariTabSessionEntry(Record):
    """One page of a Safari tab's back/forward list (its session data blob).

    The entries carry no time of their own; `tab_last_viewed_time` is the tab's.
    """

    tab_uuid: str | None = None
    tab_url: str | None = None
    private_browsing: bool | None = None
    entry_index: int = 0  # position in the back/forward list, oldest first
    is_current: bool = False  # the page the tab showed
    url: str = field(default="", metadata=observable(Kind.URL))
    original_url: str = field(default="", metadata=observable(Kind.URL))
    title: str | None = None
    data_length: int | None = None  # bytes of SessionHistoryEntryData (WebKit frame state)
    tab_last_viewed_time: Timestamp = field(default=unset(Encoding.COCOA_S))

    record_name = "Safari tab history entry"

    def describe(self) -> str:
        text = f"Safari tab history entry {self.entry_index}: {self.url or '(no URL)'}"
        if self.original_url and self.original_url != self.url:
            text += f" (first requested as {self.original_url})"
        if self.is_current:
            text += ", shown in the tab"
        return text


class SessionDataError(Exception):
    """A tab's session data blob is not the session state WebKit writes."""


@dataclass(frozen=True, slots=True)
class SessionState:
    entries: list[dict[str, Any]]
    current_index: int | None
    provisional_url: str


def session_state(blob: bytes) -> SessionState:
    """Decode a tab's session data (4-byte version, then a binary plist)."""
    payload = blob if blob.startswith(b"bplist") else blob[_HEADER:]
    try:
        state = load_plist(payload)
    except PlistError as error:
        raise SessionDataError(str(error)) from error
    if not isinstance(state, dict):
        raise SessionDataError("session state is not a dictionary")
    history = state.get("SessionHistory", {})
    if not isinstance(history, dict):
        raise SessionDataError("SessionHistory is not a dictionary")
    entries = history.get("SessionHistoryEntries", [])
    if not isinstance(entries, list):
        raise SessionDataError("SessionHistoryEntries is not a list")
    index = history.get("SessionHistoryCurrentIndex")
    return SessionState(
        entries=[e if isinstance(e, dict) else {} for e in entries],
        current_index=_int(index),
        provisional_url=_text(state.get("ProvisionalURL")) or "")


def _query(found: Mapping[str, set[str]]) -> str:
    columns = ", ".join([
        col(found, "tabs", "id", "tab_id", prefix="t"),
        col(found, "tabs", "uuid", "tab_uuid", prefix="t"),
        col(found, "tabs", "title", prefix="t"),
        col(found, "tabs", "user_visible_url", prefix="t"),
        col(found, "tabs", "order_index", prefix="t"),
        col(found, "tabs", "private_browsing", prefix="t"),
        col(found, "tabs", "browser_window_uuid", prefix="t"),
        col(found, "tabs", "tab_group_uuid", prefix="t"),
        col(found, "tabs", "profile_uuid", prefix="t"),
    ])
    if has(found, "tab_sessions", "session_data") and has(found, "tab_sessions", "tab_uuid") \
            and has(found, "tabs", "uuid"):
        session = "s.session_data AS session_data"
        join = "LEFT JOIN tab_sessions s ON s.tab_uuid = t.uuid"
    else:  # before iOS 12 the blob is a column of tabs
        session = col(found, "tabs", "session_data", prefix="t")
        join = ""
    order = "t.id" if has(found, "tabs", "id") else "t.rowid"
    return (f"SELECT t.url AS url, t.last_viewed_time AS last_viewed_time, {columns}, "
            f"{session} FROM tabs t {join} ORDER BY {order}")


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value if isinstance(value, str) else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _flag(value: Any) -> bool | None:
    return bool(value) if isinstance(value, int) else None


def _entries(state: SessionState, tab: SafariTab, source: str) -> Iterator[SafariTabSessionEntry]:
    for index, entry in enumerate(state.entries):
        data = entry.get("SessionHistoryEntryData")
        yield SafariTabSessionEntry(
            source=source, tab_uuid=tab.tab_uuid, tab_url=tab.url or None,
            private_browsing=tab.private_browsing, entry_index=index,
            is_current=index == state.current_index,
            url=_text(entry.get("SessionHistoryEntryURL")) or "",
            original_url=_text(entry.get("SessionHistoryEntryOriginalURL")) or "",
            title=_text(entry.get("SessionHistoryEntryTitle")),
            data_length=len(data) if isinstance(data, bytes) else None,
            tab_last_viewed_time=tab.last_viewed_time)


def extract(ctx: Context) -> Iterator[Record]:
    """Every tab of one BrowserState.db, each followed by its back/forward list entries."""
    with ctx.source.open_sqlite(ctx.evidence) as opened:
        if opened.wal_applied:
            ctx.warn("write-ahead log applied (read from a private copy)")
        db = opened.connection
        found = schema(db)
        missing = missing_from(found, IDENTIFY)
        if missing:
            raise SchemaMismatch(missing)
        db.row_factory = sqlite3.Row
        source = ctx.evidence.address
        unreadable = 0
        for row in db.execute(_query(found)):
            blob = row["session_data"]
            state: SessionState | None = None
            if isinstance(blob, bytes) and blob:
                try:
                    state = session_state(blob)
                except SessionDataError:
                    unreadable += 1
            tab = SafariTab(
                source=source, tab_id=_int(row["tab_id"]), tab_uuid=_text(row["tab_uuid"]),
                title=_text(row["title"]), url=_text(row["url"]) or "",
                user_visible_url=_text(row["user_visible_url"]) or "",
                last_viewed_time=timestamp(row["last_viewed_time"], Encoding.COCOA_S),
                order_index=_int(row["order_index"]),
                private_browsing=_flag(row["private_browsing"]),
                browser_window_uuid=_text(row["browser_window_uuid"]),
                tab_group_uuid=_text(row["tab_group_uuid"]),
                profile_uuid=_text(row["profile_uuid"]),
                provisional_url=state.provisional_url if state else "",
                session_entries=len(state.entries) if state else None,
                session_current_index=state.current_index if state else None)
            yield tab
            if state is not None:
                yield from _entries(state, tab, source)
        if unreadable:
            ctx.warn(f"{unreadable} tab session data blobs could not be read; their "
                     "back/forward lists are missing")


ARTIFACT = Artifact(
    id="ios.safari.browser_state",
    title="Safari tabs (BrowserState)",
    slug="safari_browser_state",
    plugin="SafariBrowserState",
    locations=(BackupFile("HomeDomain", "Library/Safari/BrowserState.db"),
               BackupGlob("Library/Safari/BrowserState.db"),
               BackupGlob("Library/Safari/Profiles/*/BrowserState.db"),
               FsGlob("private/var/mobile/Library/Safari/BrowserState.db"),
               FsGlob("private/var/mobile/Library/Safari/Profiles/*/BrowserState.db"),
               FsGlob("private/var/mobile/Containers/Data/Application/*/Library/Safari/"
                      "BrowserState.db"),
               FsGlob("private/var/mobile/Containers/Data/Application/*/Library/Safari/"
                      "Profiles/*/BrowserState.db")),
    records=(SafariTab, SafariTabSessionEntry),
    extract=extract,
    doc=__doc__ or "",
)
