from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from perito.artifacts.base import SchemaMismatch
from perito.artifacts.ios.safari_browser_state import (
    ARTIFACT,
    SafariTab,
    SafariTabSessionEntry,
    SessionDataError,
    session_state,
)
from perito.records import Kind, Record, from_dict, observables, to_dict
from perito.timestamps import TimeState
from tests.builders.ios.browser_state import (
    STANDARD_TABS,
    Entry,
    Tab,
    browser_state_db,
    session_blob,
)
from tests.builders.ios.safari import Visit, history_db
from tests.builders.ios_backup import BackupBuilder, build_sqlite
from tests.helpers import extract

DB = "Library/Safari/BrowserState.db"
PROFILE_DB = "Library/Safari/Profiles/4B2C7A10-0E0C-4C1F-9E55-2D0B1F7B9A11/BrowserState.db"


def _extract(tmp_path: Path, generation: str, tabs: tuple[Tab, ...] = STANDARD_TABS
             ) -> tuple[list[Record], list[str]]:
    builder = BackupBuilder()
    builder.add_sqlite("HomeDomain", DB, browser_state_db(generation, tabs))
    return extract(builder.write(tmp_path / "backup"), ARTIFACT)


def _split(records: list[Record]) -> tuple[list[SafariTab], list[SafariTabSessionEntry]]:
    tabs = [r for r in records if isinstance(r, SafariTab)]
    entries = [r for r in records if isinstance(r, SafariTabSessionEntry)]
    assert len(tabs) + len(entries) == len(records)
    return tabs, entries


@pytest.mark.parametrize("generation", ["ios11", "ios15", "ios17"])
def test_tabs_and_their_back_forward_lists(tmp_path: Path, generation: str) -> None:
    records, notes = _extract(tmp_path, generation)
    tabs, entries = _split(records)
    assert [t.url for t in tabs] == ["https://en.wikipedia.org/wiki/NSO_Group",
                                     "https://news.example.org/today", "about:blank", "",
                                     "https://www.example.com/"]
    wiki = tabs[0]
    assert wiki.title == "NSO Group - Wikipedia"
    assert wiki.last_viewed_time.iso() == "2024-02-28T21:14:05.500000+00:00"
    assert wiki.private_browsing is False and wiki.session_entries == 2
    assert wiki.session_current_index == 1
    assert wiki.browser_window_uuid == "7D3B1E0A-5C2F-4B8E-9A61-0F2E4D6C8B10"
    assert wiki.source == "HomeDomain/" + DB
    private = tabs[1]
    assert private.private_browsing is True and private.title is None
    assert private.provisional_url == "https://stage2.example.net/load"
    assert tabs[2].last_viewed_time.state is TimeState.UNSET  # NULL, not 2001
    assert tabs[2].session_entries is None  # unreadable blob
    assert tabs[3].session_entries is None and tabs[3].user_visible_url == ""
    assert tabs[4].session_entries == 0
    assert notes == ["1 tab session data blobs could not be read; their back/forward lists "
                     "are missing"]
    # Entries follow their tab, oldest first.
    assert [(e.tab_uuid, e.entry_index, e.url, e.is_current) for e in entries] == [
        ("3F2504E0-4F89-11D3-9A0C-0305E82C3301", 0, "https://www.google.com/search?q=nso",
         False),
        ("3F2504E0-4F89-11D3-9A0C-0305E82C3301", 1, "https://en.wikipedia.org/wiki/NSO_Group",
         True),
        ("9B1DEB4D-3B7D-4BAD-9BDD-2B0D7B3DCB6D", 0, "https://exploit.example.net/a/b?c=1", True),
        ("9B1DEB4D-3B7D-4BAD-9BDD-2B0D7B3DCB6D", 1, "https://news.example.org/today", False),
    ]
    purged = entries[2]
    assert purged.original_url == "http://bit.example/x"
    assert purged.title == "" and purged.private_browsing is True
    assert purged.data_length == 12
    assert purged.tab_last_viewed_time.iso() == "2024-02-28T21:15:05.500000+00:00"
    assert records.index(entries[0]) == 1  # right after its tab


def test_generation_specific_columns(tmp_path: Path) -> None:
    tab = Tab("AAAAAAAA-0000-4000-8000-000000000001", "https://a.example/", "A",
              unix_time=1_700_000_000, tab_group_uuid="E0F1A2B3-0000-4000-8000-00000000000A",
              profile_uuid="4B2C7A10-0E0C-4C1F-9E55-2D0B1F7B9A11")
    (old,), _ = _split(_extract(tmp_path / "a", "ios11", (tab,))[0])
    (mid,), _ = _split(_extract(tmp_path / "b", "ios15", (tab,))[0])
    (new,), _ = _split(_extract(tmp_path / "c", "ios17", (tab,))[0])
    assert old.tab_group_uuid is None and old.profile_uuid is None
    assert mid.tab_group_uuid == "E0F1A2B3-0000-4000-8000-00000000000A"
    assert mid.profile_uuid is None
    assert new.profile_uuid == "4B2C7A10-0E0C-4C1F-9E55-2D0B1F7B9A11"


def test_observables(tmp_path: Path) -> None:
    tabs, entries = _split(_extract(tmp_path, "ios17")[0])
    assert list(observables(tabs[1])) == [
        ("url", Kind.URL, "https://news.example.org/today"),
        ("user_visible_url", Kind.URL, "https://news.example.org/today"),
        ("provisional_url", Kind.URL, "https://stage2.example.net/load")]
    assert list(observables(entries[2])) == [
        ("url", Kind.URL, "https://exploit.example.net/a/b?c=1"),
        ("original_url", Kind.URL, "http://bit.example/x")]


def test_describe(tmp_path: Path) -> None:
    tabs, entries = _split(_extract(tmp_path, "ios17")[0])
    assert tabs[0].describe() == ("Safari tab https://en.wikipedia.org/wiki/NSO_Group "
                                  "(NSO Group - Wikipedia), 2 pages in its back/forward list")
    assert tabs[1].describe() == ("Private Safari tab https://news.example.org/today, 2 pages "
                                  "in its back/forward list, loading "
                                  "https://stage2.example.net/load")
    assert entries[2].describe() == ("Safari tab history entry 0: "
                                     "https://exploit.example.net/a/b?c=1 (first requested as "
                                     "http://bit.example/x), shown in the tab")


def test_profile_databases_are_read(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_sqlite("HomeDomain", DB, browser_state_db("ios17", STANDARD_TABS[:1]))
    builder.add_sqlite("AppDomain-com.apple.mobilesafari", PROFILE_DB,
                       browser_state_db("ios17", STANDARD_TABS[4:]))
    records, _ = extract(builder.write(tmp_path / "backup"), ARTIFACT)
    tabs, _ = _split(records)
    assert [(t.source, t.url) for t in tabs] == [
        ("HomeDomain/" + DB, "https://en.wikipedia.org/wiki/NSO_Group"),
        ("AppDomain-com.apple.mobilesafari/" + PROFILE_DB, "https://www.example.com/")]


def test_records_round_trip(tmp_path: Path) -> None:
    records, _ = _extract(tmp_path, "ios17")
    for record in records:
        assert from_dict(to_dict(record)) == record


def test_wal_rows_are_read(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_sqlite("HomeDomain", DB, browser_state_db("ios17", STANDARD_TABS[:1]), wal=True)
    records, notes = extract(builder.write(tmp_path / "backup"), ARTIFACT)
    assert len(_split(records)[0]) == 1
    assert "write-ahead log applied (read from a private copy)" in notes


def test_session_state_decoding() -> None:
    blob = session_blob([Entry("https://a.example/")], provisional_url="https://b.example/")
    assert blob[:4] == b"\x00\x00\x00\x02"
    state = session_state(blob)
    assert state.entries[0]["SessionHistoryEntryURL"] == "https://a.example/"
    assert (state.current_index, state.provisional_url) == (0, "https://b.example/")
    assert session_state(blob[4:]).entries == state.entries  # no header: tolerated
    assert session_state(session_blob([])).entries == []
    with pytest.raises(SessionDataError):
        session_state(b"\x00\x00\x00\x02")
    with pytest.raises(SessionDataError):
        session_state(b"\x00\x00\x00\x02" + b"bplist00\xff\xff")


def test_foreign_database_is_a_schema_mismatch(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_sqlite("HomeDomain", DB, history_db([Visit("https://a.example/", 1.7e9)]))
    with pytest.raises(SchemaMismatch) as raised:
        extract(builder.write(tmp_path / "backup"), ARTIFACT)
    assert raised.value.missing == ["tabs"]


def test_corrupt_database(tmp_path: Path) -> None:
    main, _ = build_sqlite(browser_state_db("ios17", STANDARD_TABS))
    builder = BackupBuilder()
    builder.add_file("HomeDomain", DB, main[:100] + b"\xa5" * (len(main) - 100))
    with pytest.raises(sqlite3.DatabaseError):
        extract(builder.write(tmp_path / "backup"), ARTIFACT)
