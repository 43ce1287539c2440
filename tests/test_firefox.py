from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from perito.artifacts.base import SchemaMismatch
from perito.artifacts.ios import firefox_favicons, firefox_history
from perito.artifacts.ios.firefox_favicons import FirefoxFavicon
from perito.artifacts.ios.firefox_history import FirefoxVisit
from perito.records import Kind, Record, from_dict, observables, to_dict
from perito.timestamps import Encoding, TimeState
from tests.builders.ios.chrome import STANDARD_VISITS as CHROME_VISITS
from tests.builders.ios.chrome import history_db as chrome_history_db
from tests.builders.ios.firefox import (
    STANDARD_ICONS,
    STANDARD_PAGES,
    STANDARD_VISITS,
    Page,
    browser_db,
)
from tests.builders.ios_backup import BackupBuilder, build_sqlite
from tests.helpers import extract

FIREFOX = "AppDomainGroup-group.org.mozilla.ios.Firefox"
DB = "profile.profile/browser.db"


def _backup(tmp_path: Path, generation: str = "current") -> Path:
    builder = BackupBuilder()
    builder.add_sqlite(FIREFOX, DB,
                       browser_db(generation, STANDARD_PAGES, STANDARD_VISITS, STANDARD_ICONS))
    return builder.write(tmp_path / "backup")


def _visits(root: Path) -> list[FirefoxVisit]:
    records, _ = extract(root, firefox_history.ARTIFACT)
    visits = [r for r in records if isinstance(r, FirefoxVisit)]
    assert len(visits) == len(records)
    return visits


def _icons(root: Path) -> list[FirefoxFavicon]:
    records, _ = extract(root, firefox_favicons.ARTIFACT)
    icons = [r for r in records if isinstance(r, FirefoxFavicon)]
    assert len(icons) == len(records)
    return icons


@pytest.mark.parametrize("generation", ["current", "legacy"])
def test_visits(tmp_path: Path, generation: str) -> None:
    visits = _visits(_backup(tmp_path, generation))
    assert [(v.visit_id, v.history_id, v.url, v.type_name) for v in visits] == [
        (1, 1, "https://www.mozilla.org/en-US/", "typed"),
        (2, 2, "https://exploit.example.net/a?b=1", "temporary_redirect"),
        (3, 1, "https://www.mozilla.org/en-US/", "link"),
        (4, 3, "", "link"),
        (5, 8, "", "unknown_42"),
    ]
    first = visits[0]
    assert first.source == f"{FIREFOX}/{DB}"
    assert first.date.encoding is Encoding.UNIX_US
    assert first.date.iso() == "2024-02-28T21:14:05.000000+00:00"
    assert first.title == "Mozilla" and first.is_local == 1 and first.is_deleted == 0
    assert visits[1].date.micros() == pytest.approx(1_709_154_845_123_456, abs=1)
    assert visits[2].is_local == 0
    assert visits[2].describe() == ("Firefox visit to https://www.mozilla.org/en-US/ (link), "
                                    "synced from another device")
    assert visits[3].is_deleted == 1
    assert visits[4].title is None and visits[4].is_deleted is None


def test_visit_observables(tmp_path: Path) -> None:
    visits = _visits(_backup(tmp_path))
    assert list(observables(visits[1])) == [
        ("url", Kind.URL, "https://exploit.example.net/a?b=1")]
    assert list(observables(visits[3])) == []


@pytest.mark.parametrize("generation", ["current", "legacy"])
def test_favicons_with_their_pages(tmp_path: Path, generation: str) -> None:
    icons = _icons(_backup(tmp_path, generation))
    assert [(i.id, i.url, i.history_url) for i in icons] == [
        (1, "https://www.mozilla.org/media/img/favicons/mozilla/favicon.d25d81d39065.ico",
         "https://www.mozilla.org/en-US/"),
        (2, "https://exploit.example.net/favicon.ico", "https://exploit.example.net/a?b=1"),
        (2, "https://exploit.example.net/favicon.ico", "https://www.mozilla.org/en-US/"),
        (3, "https://orphan.example/apple-touch-icon.png", ""),
    ]
    mozilla = icons[0]
    assert mozilla.date.encoding is Encoding.UNIX_S
    assert mozilla.date.iso() == "2024-02-28T21:14:06.500000+00:00"
    assert (mozilla.width, mozilla.height, mozilla.type) == (None, None, 0)
    assert mozilla.history_title == "Mozilla"
    assert icons[1].width == 32 and icons[1].history_id == 2
    orphan = icons[3]
    assert orphan.date.state is TimeState.UNSET and orphan.history_id is None
    assert orphan.describe() == "Firefox favicon https://orphan.example/apple-touch-icon.png"
    assert icons[1].describe() == ("Firefox favicon https://exploit.example.net/favicon.ico for "
                                   "https://exploit.example.net/a?b=1")
    assert list(observables(icons[1])) == [
        ("url", Kind.URL, "https://exploit.example.net/favicon.ico"),
        ("history_url", Kind.URL, "https://exploit.example.net/a?b=1")]


def test_empty_database(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_sqlite(FIREFOX, DB, browser_db("current", [Page("https://a.example/")], []))
    root = builder.write(tmp_path / "backup")
    assert _visits(root) == [] and _icons(root) == []


def test_any_domain_is_read(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_sqlite("AppDomain-org.mozilla.ios.Firefox", DB,
                       browser_db("legacy", STANDARD_PAGES[:1], STANDARD_VISITS[:1]))
    visits = _visits(builder.write(tmp_path / "backup"))
    assert [v.source for v in visits] == [f"AppDomain-org.mozilla.ios.Firefox/{DB}"]


def test_round_trip(tmp_path: Path) -> None:
    root = _backup(tmp_path)
    records: list[Record] = [*_visits(root), *_icons(root)]
    for record in records:
        assert from_dict(to_dict(record)) == record


def test_foreign_database(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_sqlite(FIREFOX, DB, chrome_history_db("v70", CHROME_VISITS))
    root = builder.write(tmp_path / "backup")
    with pytest.raises(SchemaMismatch) as raised:
        extract(root, firefox_history.ARTIFACT)
    assert raised.value.missing == ["history", "visits.siteID", "visits.date"]
    with pytest.raises(SchemaMismatch) as raised:
        extract(root, firefox_favicons.ARTIFACT)
    assert raised.value.missing == ["favicons", "favicon_sites", "history"]


def test_corrupt_database(tmp_path: Path) -> None:
    main, _ = build_sqlite(browser_db("current", STANDARD_PAGES, STANDARD_VISITS,
                                      STANDARD_ICONS))
    builder = BackupBuilder()
    builder.add_file(FIREFOX, DB, main[:100] + b"\xa5" * (len(main) - 100))
    root = builder.write(tmp_path / "backup")
    with pytest.raises(sqlite3.DatabaseError):
        extract(root, firefox_history.ARTIFACT)
    with pytest.raises(sqlite3.DatabaseError):
        extract(root, firefox_favicons.ARTIFACT)
