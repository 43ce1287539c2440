from __future__ import annotations

import sqlite3
from pathlib import Path

from perito.artifacts.ios.safari_history import ARTIFACT, SafariVisit
from perito.records import from_dict, to_dict
from perito.timestamps import TimeState
from tests.builders.ios.safari import Visit, history_db
from tests.builders.ios_backup import BackupBuilder
from tests.helpers import extract

T0 = 1_709_154_845.25


def _backup(tmp_path: Path) -> Path:
    builder = BackupBuilder()
    builder.add_sqlite("HomeDomain", "Library/Safari/History.db", history_db([
        Visit("http://news.example.org/a", T0, "News", redirect_to=1),
        Visit("https://exploit.example.net/x", T0 + 0.3),
        Visit("https://www.example.com/", T0 + 60),
    ]))
    builder.add_sqlite("AppDomain-com.apple.mobilesafari",
                       "Library/Safari/Profiles/4B2C7A10-0E0C-4C1F-9E55-2D0B1F7B9A11/History.db",
                       history_db([Visit("https://profile.example.org/", T0 + 120)]))
    return builder.write(tmp_path / "backup")


def test_reads_default_and_profile_databases(tmp_path: Path) -> None:
    records, _ = extract(_backup(tmp_path), ARTIFACT)
    visits = [r for r in records if isinstance(r, SafariVisit)]
    assert [v.url for v in visits] == ["http://news.example.org/a",
                                       "https://exploit.example.net/x",
                                       "https://www.example.com/",
                                       "https://profile.example.org/"]
    first = visits[0]
    assert first.visit_time.state is TimeState.OK
    assert first.visit_time.iso() == "2024-02-28T21:14:05.250000+00:00"
    assert first.redirect_destination_url == "https://exploit.example.net/x"
    assert first.redirect_destination_time.iso() == "2024-02-28T21:14:05.550000+00:00"
    assert visits[3].source.startswith("AppDomain-com.apple.mobilesafari/Library/Safari/Profiles/")
    assert visits[1].redirect_destination_url is None


def test_records_round_trip(tmp_path: Path) -> None:
    records, _ = extract(_backup(tmp_path), ARTIFACT)
    for record in records:
        assert from_dict(to_dict(record)) == record


def test_wal_rows_are_read_and_evidence_unchanged(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_sqlite("HomeDomain", "Library/Safari/History.db",
                       history_db([Visit("https://only-in-wal.example/", T0)]), wal=True)
    root = builder.write(tmp_path / "backup")
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    records, notes = extract(root, ARTIFACT)
    assert [r.url for r in records if isinstance(r, SafariVisit)] == ["https://only-in-wal.example/"]
    assert any("write-ahead log" in n for n in notes)
    after = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    assert after == before


def test_visits_without_their_history_item_are_counted(tmp_path: Path) -> None:
    """A visit whose item was deleted, or whose history_item is damaged (text that is not
    UTF-8 where the id was): no URL to report, but the count is not silent."""
    visits = [Visit("https://a.example.org/", T0), Visit("https://b.example.org/", T0 + 1),
              Visit("https://c.example.org/", T0 + 2)]

    def fill(db: sqlite3.Connection) -> None:
        history_db(visits)(db)
        db.execute("DELETE FROM history_items WHERE url = 'https://a.example.org/'")
        db.execute("UPDATE history_visits SET history_item = CAST(X'EDA080' AS TEXT) "
                   "WHERE history_item = (SELECT id FROM history_items "
                   "WHERE url = 'https://b.example.org/')")

    builder = BackupBuilder()
    builder.add_sqlite("HomeDomain", "Library/Safari/History.db", fill)
    records, notes = extract(builder.write(tmp_path / "backup"), ARTIFACT)
    assert [r.url for r in records if isinstance(r, SafariVisit)] == ["https://c.example.org/"]
    assert notes == ["2 visits point to no history item (deleted, or a damaged history_item): "
                     "not read"]
