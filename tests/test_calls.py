from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from perito.artifacts.base import SchemaMismatch
from perito.artifacts.ios.calls import ARTIFACT, CallRecord
from perito.records import Kind, from_dict, observables, to_dict
from perito.sources.sqlite import NotADatabase
from perito.timestamps import Encoding, TimeState
from tests.builders.ios.calls import (
    FACETIME,
    FACETIME_AUDIO,
    FACETIME_VIDEO,
    IOS10,
    IOS17,
    THIRD_PARTY,
    Call,
    call_history,
)
from tests.builders.ios_backup import BackupBuilder, build_sqlite
from tests.builders.sqlite_damage import damage_leaf_page, rows_on_page
from tests.helpers import extract, scan_one

T0 = 1_709_154_845.5  # 2024-02-28T21:14:05.5Z
CALLS_DB = ("HomeDomain", "Library/CallHistoryDB/CallHistory.storedata")

CALLS = [
    Call(T0, "+525555550123", 312.0, originated=True, name="Ana", location="México"),
    Call(T0 + 600, "+525555550124", 0.0, answered=False),
    Call(T0 + 1200, "friend@icloud.com", 128.5, call_type=FACETIME_AUDIO, provider=FACETIME),
    Call(T0 + 1800, "+5215555550125", 45.0, call_type=THIRD_PARTY,
         provider="net.whatsapp.WhatsApp"),
    Call(T0 + 2400, None, 900.0, call_type=FACETIME_VIDEO, provider=FACETIME,
         participants=("+525555550123", "Group.Member@example.org")),
    Call(None, "", 3.0),  # no date, blocked caller without an address
    Call(T0 + 3000, b"+52555\xff0126", 10.0),  # an undecodable byte in the BLOB
]


def _backup(tmp_path: Path, generation: str = IOS17) -> Path:
    builder = BackupBuilder()
    builder.add_sqlite(*CALLS_DB, call_history(CALLS, generation))
    return builder.write(tmp_path / "backup")


def _calls(root: Path) -> list[CallRecord]:
    records, _ = extract(root, ARTIFACT)
    return [r for r in records if isinstance(r, CallRecord)]


@pytest.mark.parametrize("generation", [IOS17, IOS10])
def test_every_call_is_read_in_both_generations(tmp_path: Path, generation: str) -> None:
    calls = _calls(_backup(tmp_path, generation))
    assert [c.pk for c in calls] == list(range(1, len(CALLS) + 1))
    assert calls[0].address == "+525555550123"  # BLOB on iOS 10, text on iOS 17
    assert calls[2].address_email == "friend@icloud.com"
    assert all(c.source == "HomeDomain/Library/CallHistoryDB/CallHistory.storedata"
               for c in calls)


def test_fields_and_times(tmp_path: Path) -> None:
    outgoing, missed, facetime, whatsapp, group, undated, odd = _calls(_backup(tmp_path))
    assert outgoing.date.encoding is Encoding.COCOA_S
    assert outgoing.date.iso() == "2024-02-28T21:14:05.500000+00:00"
    assert outgoing.duration == 312.0 and outgoing.direction == "outgoing"
    assert outgoing.address_phone == "+525555550123" and outgoing.address_email == ""
    assert outgoing.name == "Ana" and outgoing.location == "México"
    assert outgoing.service_provider == "com.apple.Telephony" and outgoing.call_type == 1
    assert outgoing.unique_id == "6B1E2C4D-0000-4000-8000-000000000001"
    assert missed.direction == "incoming" and missed.answered == 0
    assert facetime.call_type == FACETIME_AUDIO and facetime.address_phone == ""
    assert whatsapp.service_provider == "net.whatsapp.WhatsApp"
    assert group.address is None and group.address_phone == ""
    assert group.participant_handles == ("+525555550123", "Group.Member@example.org")
    assert group.participant_phones == ("+525555550123",)
    assert group.participant_emails == ("Group.Member@example.org",)
    assert undated.date.state is TimeState.UNSET and undated.address == ""
    assert odd.address == "+52555\ufffd0126" and odd.address_phone == ""


def test_describe(tmp_path: Path) -> None:
    outgoing, missed, facetime, whatsapp, group, undated, _odd = _calls(_backup(tmp_path))
    assert outgoing.describe() == ("Outgoing phone call to +525555550123, 312 s "
                                   "(com.apple.Telephony)")
    assert missed.describe() == "Missed phone call from +525555550124, 0 s (com.apple.Telephony)"
    assert facetime.describe() == ("Incoming FaceTime audio call from friend@icloud.com, "
                                   "128.5 s (com.apple.FaceTime)")
    assert whatsapp.describe().startswith("Incoming third-party app call from +5215555550125")
    assert group.describe().startswith("Incoming FaceTime video call from +525555550123, "
                                       "Group.Member@example.org")
    assert undated.describe() == "Incoming phone call from unknown, 3 s (com.apple.Telephony)"


def test_observables(tmp_path: Path) -> None:
    found = {(kind, value) for call in _calls(_backup(tmp_path))
             for _name, kind, value in observables(call)}
    assert (Kind.PHONE, "+525555550123") in found
    assert (Kind.EMAIL, "friend@icloud.com") in found
    assert (Kind.EMAIL, "Group.Member@example.org") in found
    assert (Kind.APP_ID, "net.whatsapp.WhatsApp") in found
    assert not any(kind is Kind.PHONE and "\ufffd" in value for kind, value in found)


def test_records_round_trip(tmp_path: Path) -> None:
    for call in _calls(_backup(tmp_path, IOS10)) + _calls(_backup(tmp_path / "x")):
        assert from_dict(to_dict(call)) == call


def test_empty_call_history(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_sqlite(*CALLS_DB, call_history([]))
    assert _calls(builder.write(tmp_path / "backup")) == []


def test_schema_drift(tmp_path: Path) -> None:
    def fill(db: sqlite3.Connection) -> None:
        call_history(CALLS)(db)
        db.executescript("DROP TABLE Z_2REMOTEPARTICIPANTHANDLES; "
                         "ALTER TABLE ZCALLRECORD DROP COLUMN ZLOCATION; "
                         "ALTER TABLE ZCALLRECORD DROP COLUMN ZJUNKCONFIDENCE;")

    builder = BackupBuilder()
    builder.add_sqlite(*CALLS_DB, fill)
    calls = _calls(builder.write(tmp_path / "backup"))
    assert len(calls) == len(CALLS)
    assert calls[0].location is None and calls[4].participant_handles == ()


def test_wal_rows_are_read(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_sqlite(*CALLS_DB, call_history(CALLS[:2]), wal=True)
    records, notes = extract(builder.write(tmp_path / "backup"), ARTIFACT)
    assert len(records) == 2
    assert any("write-ahead log" in note for note in notes)


def test_foreign_database_is_a_schema_mismatch(tmp_path: Path) -> None:
    def fill(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE ZCALLRECORD (Z_PK INTEGER PRIMARY KEY, ZDATE TIMESTAMP)")

    builder = BackupBuilder()
    builder.add_sqlite(*CALLS_DB, fill)
    with pytest.raises(SchemaMismatch) as caught:
        extract(builder.write(tmp_path / "backup"), ARTIFACT)
    assert caught.value.missing == ["ZCALLRECORD.ZADDRESS"]


def test_garbage_and_damaged_files(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_file(*CALLS_DB, b"\x00" * 64)
    with pytest.raises(NotADatabase):
        extract(builder.write(tmp_path / "a"), ARTIFACT)
    builder = BackupBuilder()
    builder.add_file(*CALLS_DB, b"SQLite format 3\x00" + b"\x01" * 2000)
    with pytest.raises(sqlite3.DatabaseError):
        extract(builder.write(tmp_path / "b"), ARTIFACT)


def test_damaged_first_page_the_other_calls_are_salvaged(tmp_path: Path) -> None:
    """The first leaf page of ZCALLRECORD is garbage: the calls after it are read from the
    other end (a bespoke extractor that opens the database itself)."""
    calls = [Call(T0 + i * 600, f"+5255555{i:05d}", float(i % 300), name=f"Contacto {i}")
             for i in range(400)]
    whole, _ = build_sqlite(call_history(calls))
    damaged, page = damage_leaf_page(whole, "ZCALLRECORD", position=0)
    lost = rows_on_page(whole, "ZCALLRECORD", page)
    builder = BackupBuilder()
    builder.add_file(*CALLS_DB, damaged)
    root = builder.write(tmp_path / "backup")

    code, entry, lines = scan_one(root, ARTIFACT.id, tmp_path / "out")

    assert code == 3
    assert entry["state"] == "partial"
    assert "damaged database" in entry["problems"][0]
    pks = [json.loads(line)["pk"] for line in lines]
    assert pks == list(range(lost + 1, len(calls) + 1))
