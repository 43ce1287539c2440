from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

import perito.analysis  # noqa: F401  (registers the heuristics)
from perito.artifacts.base import SchemaMismatch
from perito.artifacts.ios.sms_attachments import ARTIFACT, SmsAttachment, device_path
from perito.detections import analyse
from perito.levels import Level
from perito.records import Kind, from_dict, observables, to_dict
from perito.sources.sqlite import NotADatabase
from perito.timestamps import Encoding, TimeState
from tests.builders.ios.sms import IOS10, IOS17, Attachment, Message, sms_db
from tests.builders.ios_backup import BackupBuilder
from tests.builders.timestamps import cocoa_s
from tests.helpers import extract

T0 = 1_709_154_845  # 2024-02-28T21:14:05Z
SMS_DB = ("HomeDomain", "Library/SMS/sms.db")
EXPLOIT = "/var/tmp/com.apple.messages/F4C2E3A1-5B6D-4E7F-8A9B-0C1D2E3F4A5B/IMG_5821.HEIC-1"

MESSAGES = [
    Message("9B1E-0001", T0, None, handle="+525555550123",
            attachment=Attachment("~/Library/SMS/Attachments/0a/10/AT_0_9B1E/IMG_0001.jpeg",
                                  "image/jpeg", "IMG_0001.jpeg", 204_800)),
    Message("9B1E-0002", T0 + 60, None, handle="attacker@example.com",
            attachment=Attachment(EXPLOIT, "image/gif", "IMG_5821.HEIC", 31_337)),
    Message("9B1E-0003", T0 + 120, None, is_from_me=True, handle="+525555550123",
            attachment=Attachment("/private/var/tmp/com.apple.messages/out/file.pdf-1",
                                  "application/pdf", "file.pdf", 1_000)),
    Message("9B1E-0004", T0 + 180, None, handle="+525555550124",
            attachment=Attachment("/private/var/tmp/com.apple.messages/x/y.caf-1",
                                  "audio/x-caf", "Audio Message.caf", 9_000)),
    Message("9B1E-0005", T0 + 240, None, handle="+525555550124",
            attachment=Attachment("/var/tmp/com.apple.messages/x/y.caf-12", "audio/x-caf",
                                  "y.caf", 9_000)),
    Message("9B1E-0006", T0 + 300, None, handle="+525555550124",
            attachment=Attachment("/var/tmpfoo/x-1", "text/plain", "x", 1)),
]


def _extra_rows(generation: str) -> Callable[[sqlite3.Connection], None]:
    """sms_db plus rows the builder does not make: an orphan attachment with NULL filename,
    an attachment shared by two messages, and one with is_outgoing NULL."""
    base = sms_db(MESSAGES, generation)

    def fill(db: sqlite3.Connection) -> None:
        base(db)
        extra = ", original_guid" if generation == IOS17 else ""
        for guid, filename, outgoing in (("AT_ORPHAN", None, 0),
                                         ("AT_SHARED", "~/Library/SMS/Attachments/aa/bb/s.png",
                                          0),
                                         ("AT_NULLDIR", "/var/tmp/abc-1", None)):
            values: tuple[object, ...] = (guid, int(cocoa_s(T0 + 400)), filename, outgoing,
                                          "s.png" if filename else None)
            if extra:
                values += (guid,)
            db.execute("INSERT INTO attachment (guid, created_date, filename, is_outgoing, "
                       f"transfer_name{extra}) VALUES ({', '.join('?' * len(values))})",
                       values)
        shared = db.execute("SELECT ROWID FROM attachment WHERE guid = 'AT_SHARED'").fetchone()
        nulldir = db.execute("SELECT ROWID FROM attachment WHERE guid = 'AT_NULLDIR'").fetchone()
        db.execute("INSERT INTO message_attachment_join VALUES (1, ?)", shared)
        db.execute("INSERT INTO message_attachment_join VALUES (4, ?)", shared)
        db.execute("INSERT INTO message_attachment_join VALUES (5, ?)", nulldir)
    return fill


def _backup(tmp_path: Path, generation: str = IOS17) -> Path:
    builder = BackupBuilder()
    builder.add_sqlite(*SMS_DB, _extra_rows(generation))
    return builder.write(tmp_path / "backup")


def _attachments(root: Path) -> list[SmsAttachment]:
    records, _ = extract(root, ARTIFACT)
    return [r for r in records if isinstance(r, SmsAttachment)]


@pytest.mark.parametrize("generation", [IOS17, IOS10])
def test_one_record_per_attachment_and_message(tmp_path: Path, generation: str) -> None:
    found = _attachments(_backup(tmp_path, generation))
    # 6 from the builder, the orphan, the shared one twice, the NULL-direction one.
    assert len(found) == 10
    assert [a.guid for a in found].count("AT_SHARED") == 2
    orphan = next(a for a in found if a.guid == "AT_ORPHAN")
    assert orphan.filename is None and orphan.file_path == ""
    assert orphan.message_rowid is None and orphan.handle is None and orphan.service is None


def test_fields_paths_and_times(tmp_path: Path) -> None:
    first, second, sent, *_ = _attachments(_backup(tmp_path))
    assert first.source == "HomeDomain/Library/SMS/sms.db"
    assert first.filename == "~/Library/SMS/Attachments/0a/10/AT_0_9B1E/IMG_0001.jpeg"
    assert first.file_path == "/private/var/mobile/Library/SMS/Attachments/0a/10/AT_0_9B1E/IMG_0001.jpeg"
    assert first.transfer_name == "IMG_0001.jpeg"
    assert first.mime_type == "image/jpeg" and first.uti == "public.jpeg"
    assert first.total_bytes == 204_800
    assert first.direction == "received" and first.is_outgoing == 0
    assert first.handle_phone == "+525555550123" and first.handle_email == ""
    assert first.message_guid == "9B1E-0001" and first.service == "iMessage"
    assert first.created_date.encoding is Encoding.COCOA_S
    assert first.created_date.iso() == "2024-02-28T21:14:05.000000+00:00"
    assert first.start_date.state is TimeState.UNSET  # stored 0
    assert first.has_user_info is False
    assert second.handle_email == "attacker@example.com"
    assert second.file_path == EXPLOIT  # kept as stored; the matcher canonicalises /var
    assert sent.direction == "sent"


def test_observables(tmp_path: Path) -> None:
    first = _attachments(_backup(tmp_path))[0]
    found = {(kind, value) for _name, kind, value in observables(first)}
    assert found == {
        (Kind.FILE_PATH,
         "/private/var/mobile/Library/SMS/Attachments/0a/10/AT_0_9B1E/IMG_0001.jpeg"),
        (Kind.FILE_NAME, "IMG_0001.jpeg"), (Kind.PHONE, "+525555550123")}
    assert ARTIFACT.match_level is Level.HIGH


def test_describe(tmp_path: Path) -> None:
    first, _second, sent, *_ = _attachments(_backup(tmp_path))
    assert first.describe() == ("iMessage attachment 'IMG_0001.jpeg' received from "
                                "+525555550123 (204800 bytes) at "
                                "~/Library/SMS/Attachments/0a/10/AT_0_9B1E/IMG_0001.jpeg")
    assert sent.describe().startswith("iMessage attachment 'file.pdf' sent to +525555550123")


def test_records_round_trip(tmp_path: Path) -> None:
    for attachment in _attachments(_backup(tmp_path)):
        assert from_dict(to_dict(attachment)) == attachment


def test_tmp_heuristic(tmp_path: Path) -> None:
    flagged = {}
    for attachment in _attachments(_backup(tmp_path)):
        for detection in analyse(attachment, ARTIFACT.id, ARTIFACT.slug):
            assert detection.finding == "sms-attachment-in-tmp"
            assert detection.level is Level.MEDIUM
            assert "zero-click" in detection.rationale
            flagged[attachment.guid] = detection.message
    assert set(flagged) == {"AT_0_9B1E-0002", "AT_0_9B1E-0004", "AT_NULLDIR"}
    assert flagged["AT_0_9B1E-0002"] == (f"Suspicious iMessage attachment {EXPLOIT} received "
                                         "from attacker@example.com")


@pytest.mark.parametrize("path", ["/var/tmp/a-1", "/private/var/tmp/a/b-1", "/tmp/x-1"])
def test_tmp_heuristic_paths(path: str) -> None:
    record = SmsAttachment(filename=path, is_outgoing=0)
    assert [d.finding for d in analyse(record, ARTIFACT.id, ARTIFACT.slug)] == [
        "sms-attachment-in-tmp"]


@pytest.mark.parametrize(("path", "outgoing"), [
    ("/var/tmp/a-1", 1),  # sent
    ("/var/tmp/a-2", 0),
    ("/var/tmpx/a-1", 0),  # not the /var/tmp folder
    ("~/Library/SMS/Attachments/a-1", 0),
    ("/var/mobile/tmp/a-1", 0),
    (None, 0),
])
def test_tmp_heuristic_negatives(path: str | None, outgoing: int) -> None:
    record = SmsAttachment(filename=path, is_outgoing=outgoing)
    assert list(analyse(record, ARTIFACT.id, ARTIFACT.slug)) == []


@pytest.mark.parametrize(("stored", "absolute"), [
    ("~/Library/SMS/Attachments/a/b.jpg", "/private/var/mobile/Library/SMS/Attachments/a/b.jpg"),
    ("/var/tmp/x-1", "/var/tmp/x-1"),
    ("  /private/var/mobile/x ", "/private/var/mobile/x"),
    ("", ""),
    (None, ""),
])
def test_device_path(stored: str | None, absolute: str) -> None:
    assert device_path(stored) == absolute


def test_database_without_join_tables(tmp_path: Path) -> None:
    def fill(db: sqlite3.Connection) -> None:
        _extra_rows(IOS17)(db)
        db.executescript("DROP TABLE message_attachment_join;")

    builder = BackupBuilder()
    builder.add_sqlite(*SMS_DB, fill)
    found = _attachments(builder.write(tmp_path / "backup"))
    assert len(found) == 9  # one per attachment, no message
    assert all(a.handle is None for a in found)


def test_foreign_database_is_a_schema_mismatch(tmp_path: Path) -> None:
    def fill(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE message (ROWID INTEGER PRIMARY KEY, guid TEXT)")

    builder = BackupBuilder()
    builder.add_sqlite(*SMS_DB, fill)
    with pytest.raises(SchemaMismatch) as caught:
        extract(builder.write(tmp_path / "backup"), ARTIFACT)
    assert caught.value.missing == ["attachment"]


def test_garbage_file_is_not_a_database(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_file(*SMS_DB, b"\x00" * 512)
    with pytest.raises(NotADatabase):
        extract(builder.write(tmp_path / "backup"), ARTIFACT)


def test_damaged_database_raises_a_database_error(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_file(*SMS_DB, b"SQLite format 3\x00" + b"\x01" * 2000)
    with pytest.raises(sqlite3.DatabaseError):
        extract(builder.write(tmp_path / "backup"), ARTIFACT)
