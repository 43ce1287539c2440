"""Salvaging the readable rows of a damaged SQLite database (perito.sources.sqlite_salvage)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from perito.sources.sqlite import open_sqlite
from perito.sources.sqlite_salvage import is_damage, salvage
from tests.builders.ios.sms import Message, sms_db
from tests.builders.ios_backup import build_sqlite
from tests.builders.sqlite_damage import damage_leaf_page, rows_on_page

T0 = 1_709_154_845


def _messages(count: int) -> list[Message]:
    return [Message(f"9C3E0D22-0000-4000-8000-{i:012d}", T0 + i, f"texto {i} " + "y" * 60,
                    handle=f"+5255555{i:05d}", chat=f"+5255555{i:05d}")
            for i in range(count)]


def _evidence(tmp_path: Path, data: bytes) -> Path:
    evidence = tmp_path / "evidence.db"
    evidence.write_bytes(data)
    return evidence


def test_two_damaged_tables_keep_every_other_row(tmp_path: Path) -> None:
    whole, _ = build_sqlite(sms_db(_messages(900)))
    once, message_page = damage_leaf_page(whole, "message", position=0.3)
    twice, handle_page = damage_leaf_page(once, "handle", position=0.7)
    evidence = _evidence(tmp_path, twice)
    with open_sqlite(evidence) as opened:
        with pytest.raises(sqlite3.DatabaseError) as raised:
            opened.connection.execute("SELECT * FROM message").fetchall()
        assert is_damage(raised.value)
        report = salvage(opened.connection, tmp_path / "salvaged.db")
    assert sorted(report.damaged_tables) == ["handle", "message"]
    copy = sqlite3.connect(tmp_path / "salvaged.db")
    messages = copy.execute("SELECT count(*) FROM message").fetchone()[0]
    handles = copy.execute("SELECT count(*) FROM handle").fetchone()[0]
    assert messages == 900 - rows_on_page(whole, "message", message_page)
    assert handles == 900 - rows_on_page(once, "handle", handle_page)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert evidence.read_bytes() == twice  # read only


def test_an_undamaged_database_is_copied_whole(tmp_path: Path) -> None:
    whole, _ = build_sqlite(sms_db(_messages(50)))
    evidence = _evidence(tmp_path, whole)
    with open_sqlite(evidence) as opened:
        report = salvage(opened.connection, tmp_path / "salvaged.db")
    assert report.damaged_tables == [] and not report.schema_damaged
    copy = sqlite3.connect(tmp_path / "salvaged.db")
    assert copy.execute("SELECT count(*) FROM message").fetchone()[0] == 50
    indexes = {row[0] for row in copy.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")}
    original = sqlite3.connect(evidence)
    assert indexes == {row[0] for row in original.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")}
