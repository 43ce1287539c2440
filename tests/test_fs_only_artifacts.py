"""Artifacts that only filesystem dumps hold: Analytics, Analytics-Journal, Cache.db, WebKit
origin folders, Safari favicons."""

from __future__ import annotations

from pathlib import Path

import pytest

from perito.artifacts.base import SchemaMismatch
from perito.artifacts.ios import (
    analytics,
    analytics_journal,
    cache_db,
    safari_favicons,
    webkit_origins,
)
from perito.artifacts.ios.analytics import AnalyticsEvent
from perito.artifacts.ios.analytics_journal import OsVersionSeen
from perito.artifacts.ios.cache_db import CachedRequest
from perito.artifacts.ios.safari_favicons import SafariFavicon
from perito.artifacts.ios.webkit_origins import WebkitOriginFolder
from perito.records import Kind, observables
from perito.sources.ios_fs import open_ios_fs
from perito.sources.tree import TreeSource
from tests.builders.ios import fs_only
from tests.builders.ios_fs import APP_DATA, DumpBuilder
from tests.builders.sysdiagnose import T0
from tests.helpers import extract_from

ARTIFACTS = (analytics.ARTIFACT, analytics_journal.ARTIFACT, cache_db.ARTIFACT,
             safari_favicons.ARTIFACT, webkit_origins.ARTIFACT)
CONTAINER = f"{APP_DATA}/5E6F7A8B-0000-4000-8000-000000000009"


def _dump() -> DumpBuilder:
    dump = DumpBuilder()
    dump.add_sqlite("private/var/Keychains/Analytics/trust_analytics.db", fs_only.analytics_db([
        ("hard_failures", T0, {"process": "fservernetd", "url": "https://c2.example.net/x",
                               "nested": {"host": "evil.example.org"}, "count": 3}),
        ("soft_failures", T0 + 1, {"build": "21E236", "os": "iPhone OS"}),
        ("all_events", None, None),  # both NULL: skipped
        ("all_events", T0 + 2, None),
    ]))
    dump.add("private/var/db/analyticsd/Analytics-Journal-2024-04-30-200000.ips",
             fs_only.analytics_journal(T0, "iPhone OS 17.4.1 (21E236)"))
    dump.add("private/var/db/analyticsd/Analytics-Journal-2023-01-10-100000.ips",
             fs_only.analytics_journal(T0 - 400 * 86400, "iPhone OS 16.2 (20C65)"))
    dump.add_sqlite("private/var/mobile/Library/Caches/com.apple.Safari/Cache.db",
                    fs_only.cache_db([("https://news.example.org/a.js", T0)]))
    dump.add_sqlite(f"{CONTAINER}/Library/Caches/com.example.app/Cache.db",
                    fs_only.cache_db([("https://api.example.com/v1", T0 + 5)]))
    dump.add_sqlite("private/var/mobile/Library/Image Cache/Favicons/Favicons.db",
                    fs_only.favicons_db([("https://news.example.org/", "https://news.example.org/f.ico",
                                  T0)],
                                rejected=[("https://x.example.net/", "https://x.example.net/i",
                                           T0 + 9)]))
    web = f"{CONTAINER}/Library/WebKit/WebsiteData"
    dump.add(f"{web}/IndexedDB/https_c2.example.net_0/IndexedDB.sqlite3", b"SQLite")
    dump.add(f"{web}/LocalStorage/https_shop.example.com_8443.localstorage", b"SQLite")
    dump.add(f"{CONTAINER}/SystemData/com.apple.SafariViewService/Library/WebKit/WebsiteData/"
             "LocalStorage/http_login.example.org_0.localstorage", b"SQLite")
    dump.add(f"{web}/IndexedDB/v1/0123abcd/origin", b"hashed")  # newer layout: no name
    return dump


@pytest.fixture(name="source")
def fixture_source(tmp_path: Path) -> TreeSource:
    path = _dump().tree.write_tar(tmp_path / "dump.tar.gz")
    return open_ios_fs(path, ARTIFACTS)


def test_analytics_events(source: TreeSource) -> None:
    records, _notes = extract_from(source, analytics.ARTIFACT)
    events = [r for r in records if isinstance(r, AnalyticsEvent)]
    assert [(e.table, e.timestamp.ok) for e in events] == [
        ("hard_failures", True), ("soft_failures", True), ("all_events", True)]
    first = events[0]
    assert set(first.values) == {"fservernetd", "https://c2.example.net/x", "evil.example.org"}
    assert first.hosts == ("evil.example.org",) and first.urls == ("https://c2.example.net/x",)
    assert ("values", Kind.PROCESS, "fservernetd") in list(observables(first))
    assert events[1].build == "21E236"
    source.close()


def test_analytics_journal_version_history(source: TreeSource) -> None:
    records, _notes = extract_from(source, analytics_journal.ARTIFACT)
    versions = sorted((r.timestamp.ns or 0, r.os_version) for r in records
                      if isinstance(r, OsVersionSeen))
    assert [v for _t, v in versions] == ["iPhone OS 16.2 (20C65)", "iPhone OS 17.4.1 (21E236)"]
    assert versions[1][0] == T0 * 10**9
    source.close()


def test_every_cache_db_with_its_process(source: TreeSource) -> None:
    records, _notes = extract_from(source, cache_db.ARTIFACT)
    cached = sorted((r.process, r.url, r.time_stamp.ns) for r in records
                    if isinstance(r, CachedRequest))
    assert cached == [("com.apple.Safari", "https://news.example.org/a.js", T0 * 10**9),
                      ("com.example.app", "https://api.example.com/v1", (T0 + 5) * 10**9)]
    source.close()


def test_safari_favicons(source: TreeSource) -> None:
    records, _notes = extract_from(source, safari_favicons.ARTIFACT)
    icons = [(r.page_url, r.icon_url, r.rejected) for r in records
             if isinstance(r, SafariFavicon)]
    assert icons == [("https://news.example.org/", "https://news.example.org/f.ico", False),
                     ("https://x.example.net/", "https://x.example.net/i", True)]
    source.close()


def test_webkit_origin_folders(source: TreeSource) -> None:
    records, _notes = extract_from(source, webkit_origins.ARTIFACT)
    origins = sorted((r.store, r.url) for r in records if isinstance(r, WebkitOriginFolder))
    assert origins == [("indexeddb", "https://c2.example.net/"),
                       ("localstorage", "https://shop.example.com:8443/"),
                       ("safariviewservice", "http://login.example.org/")]
    source.close()


def test_unknown_cache_schema_is_a_mismatch(tmp_path: Path) -> None:
    dump = DumpBuilder()
    dump.add_sqlite("private/var/mobile/Library/Caches/x/Cache.db",
                    lambda db: db.execute("CREATE TABLE other (a)"))
    dump.add_sqlite("private/var/Keychains/Analytics/other.db",
                    lambda db: db.execute("CREATE TABLE hard_failures (id, when_ REAL)"))
    source = open_ios_fs(dump.tree.write_folder(tmp_path / "d"), ARTIFACTS)
    with pytest.raises(SchemaMismatch, match="cfurl_cache_response"):
        extract_from(source, cache_db.ARTIFACT)
    with pytest.raises(SchemaMismatch, match="hard_failures.timestamp"):
        extract_from(source, analytics.ARTIFACT)
