from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from perito.artifacts.base import SchemaMismatch
from perito.artifacts.ios import chrome_favicons, chrome_history
from perito.artifacts.ios.chrome_favicons import ChromeFavicon
from perito.artifacts.ios.chrome_history import ChromeVisit, transition_names
from perito.records import Kind, first_time, from_dict, observables, to_dict
from perito.timestamps import Encoding, TimeState
from tests.builders.ios.chrome import (
    STANDARD_ICONS,
    STANDARD_MAPPINGS,
    STANDARD_VISITS,
    favicons_db,
    history_db,
)
from tests.builders.ios.safari import Visit
from tests.builders.ios.safari import history_db as safari_history_db
from tests.builders.ios_backup import BackupBuilder, build_sqlite
from tests.helpers import extract

CHROME = "AppDomain-com.google.chrome.ios"
HISTORY = "Library/Application Support/Google/Chrome/Default/History"
FAVICONS = "Library/Application Support/Google/Chrome/Default/Favicons"


def _visits(tmp_path: Path, generation: str) -> list[ChromeVisit]:
    builder = BackupBuilder()
    builder.add_sqlite(CHROME, HISTORY, history_db(generation, STANDARD_VISITS))
    records, _ = extract(builder.write(tmp_path / "backup"), chrome_history.ARTIFACT)
    visits = [r for r in records if isinstance(r, ChromeVisit)]
    assert len(visits) == len(records)
    return visits


def _favicons(tmp_path: Path, generation: str) -> list[ChromeFavicon]:
    builder = BackupBuilder()
    builder.add_sqlite(CHROME, FAVICONS,
                       favicons_db(generation, STANDARD_ICONS, STANDARD_MAPPINGS))
    records, _ = extract(builder.write(tmp_path / "backup"), chrome_favicons.ARTIFACT)
    icons = [r for r in records if isinstance(r, ChromeFavicon)]
    assert len(icons) == len(records)
    return icons


# -- history --------------------------------------------------------------------------------

@pytest.mark.parametrize("generation", ["v43", "v70"])
def test_visits_with_their_referrers(tmp_path: Path, generation: str) -> None:
    visits = _visits(tmp_path, generation)
    assert [(v.visit_id, v.url) for v in visits] == [
        (1, "https://www.google.com/search?q=amnesty"), (2, "http://bit.example/x"),
        (3, "https://exploit.example.net/a"), (4, "https://cdn.example.org/frame"),
        (5, "https://www.google.com/search?q=amnesty")]
    first = visits[0]
    assert first.source == f"{CHROME}/{HISTORY}"
    assert first.visit_time.encoding is Encoding.WEBKIT_US
    assert first.visit_time.iso() == "2024-02-28T21:14:05.000000+00:00"
    assert (first.transition_type, first.transition_qualifiers) == (
        "typed", "from_address_bar+chain_start+chain_end")
    assert first.visit_duration == 12_500_000 and first.from_visit == 0
    assert first.from_visit_url is None
    assert first.visit_count == 2 and first.typed_count == 1 and first.hidden == 0
    redirect = visits[2]
    assert redirect.from_visit == 2 and redirect.from_visit_url == "http://bit.example/x"
    assert redirect.transition is not None and redirect.transition < 0  # stored signed
    assert (redirect.transition_type, redirect.transition_qualifiers) == (
        "link", "chain_end+server_redirect")
    assert redirect.visit_time.iso() == "2024-02-28T21:14:25.250000+00:00"
    assert redirect.title == ""
    assert visits[1].title is None
    assert visits[3].transition_type == "auto_subframe"
    dangling = visits[4]
    assert dangling.from_visit == 99 and dangling.from_visit_url is None
    assert dangling.visit_time.state is TimeState.UNSET  # 0, not 1601
    assert dangling.transition_type == "keyword_generated"
    if generation == "v70":
        assert visits[1].external_referrer_url == "https://mail.example.com/"
    else:
        assert visits[1].external_referrer_url == ""


def test_visit_observables_and_description(tmp_path: Path) -> None:
    visits = _visits(tmp_path, "v70")
    assert list(observables(visits[1])) == [
        ("url", Kind.URL, "http://bit.example/x"),
        ("external_referrer_url", Kind.URL, "https://mail.example.com/")]
    assert visits[2].describe() == (
        "Chrome visit to https://exploit.example.net/a (link, chain_end+server_redirect) "
        "from http://bit.example/x")
    assert visits[1].describe() == (
        "Chrome visit to http://bit.example/x (link, chain_start) from "
        "https://www.google.com/search?q=amnesty, referred by https://mail.example.com/")


def test_transition_names() -> None:
    assert transition_names(None) == ("", "")
    assert transition_names(-2147483647) == ("typed", "server_redirect")
    assert transition_names(0x40000008) == ("reload", "client_redirect")
    assert transition_names(0x3F) == ("unknown_63", "")


def test_other_profiles_are_read(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_sqlite(CHROME, HISTORY, history_db("v70", STANDARD_VISITS[:1]))
    other = HISTORY.replace("/Default/", "/Profile 1/")
    builder.add_sqlite(CHROME, other, history_db("v70", STANDARD_VISITS[2:3]))
    records, _ = extract(builder.write(tmp_path / "backup"), chrome_history.ARTIFACT)
    assert [(r.source, r.url) for r in records if isinstance(r, ChromeVisit)] == [
        (f"{CHROME}/{HISTORY}", "https://www.google.com/search?q=amnesty"),
        (f"{CHROME}/{other}", "https://exploit.example.net/a")]


def test_empty_history(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_sqlite(CHROME, HISTORY, history_db("v70", ()))
    records, _ = extract(builder.write(tmp_path / "backup"), chrome_history.ARTIFACT)
    assert records == []


def test_history_round_trip(tmp_path: Path) -> None:
    for visit in _visits(tmp_path, "v70"):
        assert from_dict(to_dict(visit)) == visit


def test_history_foreign_database(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_sqlite(CHROME, HISTORY, safari_history_db([Visit("https://a.example/", 1.7e9)]))
    with pytest.raises(SchemaMismatch) as raised:
        extract(builder.write(tmp_path / "backup"), chrome_history.ARTIFACT)
    assert raised.value.missing == ["urls", "visits"]


def test_history_corrupt_database(tmp_path: Path) -> None:
    main, _ = build_sqlite(history_db("v70", STANDARD_VISITS))
    builder = BackupBuilder()
    builder.add_file(CHROME, HISTORY, main[:100] + b"\xa5" * (len(main) - 100))
    with pytest.raises(sqlite3.DatabaseError):
        extract(builder.write(tmp_path / "backup"), chrome_history.ARTIFACT)


# -- favicons -------------------------------------------------------------------------------

@pytest.mark.parametrize("generation", ["v8", "v9"])
def test_favicon_mappings(tmp_path: Path, generation: str) -> None:
    icons = _favicons(tmp_path, generation)
    assert [(i.url, i.icon_url, i.width) for i in icons] == [
        ("https://www.google.com/", "https://www.google.com/favicon.ico", 16),
        ("https://www.google.com/", "https://www.google.com/favicon.ico", 32),
        ("https://exploit.example.net/a", "https://exploit.example.net/favicon.ico", 16),
        ("https://www.example.com/", "https://www.example.com/apple-touch-icon.png", None),
        ("https://gone.example/", "", None),
    ]
    google = icons[0]
    assert google.source == f"{CHROME}/{FAVICONS}"
    assert google.last_updated.iso() == "2024-02-28T21:14:05.000000+00:00"
    assert google.last_requested.state is TimeState.UNSET
    on_demand = icons[2]
    assert on_demand.last_updated.state is TimeState.UNSET
    assert on_demand.last_requested.iso() == "2024-02-28T21:14:35.000000+00:00"
    # The event time is last_updated, else last_requested (the incumbent's choice).
    assert first_time(google) == google.last_updated
    assert first_time(on_demand) == on_demand.last_requested
    assert icons[3].icon_type == 2 and icons[3].bitmap_id is None
    assert icons[4].icon_id == 7 and icons[4].icon_type is None


def test_favicon_observables_and_description(tmp_path: Path) -> None:
    icon = _favicons(tmp_path, "v9")[2]
    assert list(observables(icon)) == [
        ("url", Kind.URL, "https://exploit.example.net/a"),
        ("icon_url", Kind.URL, "https://exploit.example.net/favicon.ico")]
    assert icon.describe() == ("Chrome favicon https://exploit.example.net/favicon.ico for "
                               "https://exploit.example.net/a")
    assert _favicons(tmp_path / "b", "v9")[4].describe() == (
        "Chrome favicon (unknown icon) for https://gone.example/")


def test_favicons_round_trip(tmp_path: Path) -> None:
    for icon in _favicons(tmp_path, "v8"):
        assert from_dict(to_dict(icon)) == icon


def test_favicons_foreign_database(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_sqlite(CHROME, FAVICONS, history_db("v70", STANDARD_VISITS))
    with pytest.raises(SchemaMismatch) as raised:
        extract(builder.write(tmp_path / "backup"), chrome_favicons.ARTIFACT)
    assert raised.value.missing == ["icon_mapping", "favicons", "favicon_bitmaps"]


def test_favicons_corrupt_database(tmp_path: Path) -> None:
    main, _ = build_sqlite(favicons_db("v9", STANDARD_ICONS, STANDARD_MAPPINGS))
    builder = BackupBuilder()
    builder.add_file(CHROME, FAVICONS, main[:100] + b"\xa5" * (len(main) - 100))
    with pytest.raises(sqlite3.DatabaseError):
        extract(builder.write(tmp_path / "backup"), chrome_favicons.ARTIFACT)
