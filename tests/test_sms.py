from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

import perito.analysis  # noqa: F401  (registers the heuristics)
from perito.artifacts.base import SchemaMismatch
from perito.artifacts.ios.sms import ARTIFACT, SmsMessage, classify_handle
from perito.detections import analyse
from perito.levels import Level
from perito.records import Kind, from_dict, observables, to_dict
from perito.sources.sqlite import NotADatabase
from perito.timestamps import COCOA_EPOCH_S, Encoding, TimeState
from tests.builders.ios.sms import IOS10, Attachment, Message, attributed_body, sms_db
from tests.builders.ios_backup import BackupBuilder, build_sqlite
from tests.builders.sqlite_damage import damage_leaf_page, rows_on_page
from tests.helpers import extract, scan_one

T0 = 1_709_154_845.25  # 2024-02-28T21:14:05.250Z
SMS_DB = ("HomeDomain", "Library/SMS/sms.db")
LONG_TEXT = ("Hola, te comparto el enlace de la reunión de mañana con todos los detalles y la "
             "agenda completa para que la revises antes: https://meet.example.org/r/8f2a9c")
ALERT_2024 = ("ALERT: Apple detected a targeted mercenary spyware attack against your iPhone. "
              "You are being targeted by a mercenary spyware attack that is trying to "
              "remotely compromise the iPhone associated with your Apple ID.")
ALERT_2021 = ("ALERT: State-sponsored attackers may be targeting your iPhone. "
              "https://support.apple.com/en-us/HT212960")

MESSAGES = [
    Message("8A1E6C12-0001", T0, "Mira esto https://news.example.org/a?x=1, ya salió",
            handle="+525555550123", read_time=T0 + 30, delivered_time=T0 + 1,
            chat="+525555550123"),
    Message("8A1E6C12-0002", T0 + 60, "Tu código 🎉 HTTP://Exploit.Example.NET/p/1.",
            handle="agent@example.com", body_only=True, chat="agent@example.com"),
    Message("8A1E6C12-0003", T0 + 120, "ok 👍", is_from_me=True, chat="chat123456789012345"),
    Message("8A1E6C12-0004", T0 + 180, "BANCO: su clave es 4411", handle="BANCO",
            service="SMS"),
    Message("8A1E6C12-0005", T0 + 240, None, handle="+525555550123",
            attachment=Attachment("~/Library/SMS/Attachments/0a/10/AT_0_8A1E/IMG_0001.jpeg",
                                  "image/jpeg", "IMG_0001.jpeg", 204_800)),
    Message("8A1E6C12-0006", T0 + 300, LONG_TEXT, handle="+525555550123", body_only=True),
    Message("8A1E6C12-0007", T0 + 360, ALERT_2024, handle="threatnotifications@apple.com",
            body_only=True),
    Message("8A1E6C12-0008", T0 + 420, None, handle="+525555550123",
            attributed=b"\x04\x0bstreamtyped\x81\xe8\x03\x84\x01@\x84\x84\x84\x08NSString"
                       b"\x01\x94\x84\x01+\x81\xff\x7fshort"),
    Message("8A1E6C12-0009", T0 + 480, "Responda STOP", handle="12345", service="SMS"),
]


def _backup(tmp_path: Path, messages: list[Message] = MESSAGES, generation: str = "ios17"
            ) -> Path:
    builder = BackupBuilder()
    builder.add_sqlite(*SMS_DB, sms_db(messages, generation))
    return builder.write(tmp_path / "backup")


def _messages(root: Path) -> tuple[list[SmsMessage], list[str]]:
    records, notes = extract(root, ARTIFACT)
    return [r for r in records if isinstance(r, SmsMessage)], notes


def test_every_message_is_read_including_those_without_handle(tmp_path: Path) -> None:
    messages, _ = _messages(_backup(tmp_path))
    assert [m.guid for m in messages] == [m.guid for m in MESSAGES]
    own = messages[2]
    assert own.handle_id == 0
    assert own.handle is None
    assert own.chat_identifier == "chat123456789012345"
    assert own.direction == "sent"
    assert own.is_from_me == 1
    assert own.text == "ok 👍"


def test_fields_times_and_links(tmp_path: Path) -> None:
    first, *_ = _messages(_backup(tmp_path))[0]
    assert first.source == "HomeDomain/Library/SMS/sms.db"
    assert first.rowid == 1
    assert first.service == "iMessage"
    assert first.account == "e:persona@example.org"
    assert first.handle == "+525555550123"
    assert first.handle_phone == "+525555550123"
    assert first.handle_email == ""
    assert first.direction == "received"
    assert first.text_source == "text"
    assert first.links == ("https://news.example.org/a?x=1,",)  # raw: the matcher strips ","
    assert first.date.encoding is Encoding.COCOA_AUTO
    assert first.date.iso() == "2024-02-28T21:14:05.250000+00:00"
    assert first.date_read.iso() == "2024-02-28T21:14:35.250000+00:00"
    assert first.date_delivered.iso() == "2024-02-28T21:14:06.250000+00:00"
    assert first.cache_has_attachments == 0


def test_nanosecond_dates_keep_full_precision(tmp_path: Path) -> None:
    raw = 730_847_645_123_456_789
    builder = BackupBuilder()

    def fill(db: sqlite3.Connection) -> None:
        sms_db([Message("P-1", T0, "x", handle="+15550100")])(db)
        db.execute("UPDATE message SET date = ?", (raw,))

    builder.add_sqlite(*SMS_DB, fill)
    [message], _ = _messages(builder.write(tmp_path / "backup"))
    assert message.date.raw == raw
    assert message.date.ns == raw + COCOA_EPOCH_S * 1_000_000_000


def test_text_only_in_attributed_body_is_decoded(tmp_path: Path) -> None:
    messages, notes = _messages(_backup(tmp_path))
    body_only = messages[1]
    assert body_only.text == "Tu código 🎉 HTTP://Exploit.Example.NET/p/1."
    assert body_only.text_source == "attributedBody"
    assert body_only.links == ("HTTP://Exploit.Example.NET/p/1.",)
    assert body_only.handle_email == "agent@example.com"
    assert body_only.handle_phone == ""
    long = messages[5]  # more than 127 bytes: the length takes the 0x81 int16 form
    assert long.text == LONG_TEXT
    assert long.links == ("https://meet.example.org/r/8f2a9c",)
    broken = messages[7]  # its declared length runs past the blob
    assert broken.text is None
    assert broken.text_source == ""
    assert notes == ["1 message bodies stored only in attributedBody could not be decoded; "
                     "their links are not checked"]


def test_messages_without_text_and_odd_handles(tmp_path: Path) -> None:
    messages, _ = _messages(_backup(tmp_path))
    attachment_only = messages[4]
    assert attachment_only.text is None
    assert attachment_only.links == ()
    assert attachment_only.cache_has_attachments == 1
    sender_id = messages[3]
    assert sender_id.service == "SMS"
    assert (sender_id.handle_email, sender_id.handle_phone) == ("", "")
    short_code = messages[8]
    assert short_code.handle_phone == "12345"


def test_observables_have_the_right_kinds(tmp_path: Path) -> None:
    messages, _ = _messages(_backup(tmp_path))
    found = {(kind, value) for m in messages for _name, kind, value in observables(m)}
    assert (Kind.PHONE, "+525555550123") in found
    assert (Kind.EMAIL, "agent@example.com") in found
    assert (Kind.EMAIL, "threatnotifications@apple.com") in found
    assert (Kind.URL, "HTTP://Exploit.Example.NET/p/1.") in found
    assert not any(value == "BANCO" for _kind, value in found)


def test_describe_never_shows_the_body(tmp_path: Path) -> None:
    messages, _ = _messages(_backup(tmp_path))
    assert messages[0].describe() == ("iMessage received from +525555550123 with links: "
                                      "https://news.example.org/a?x=1,")
    assert messages[2].describe() == "iMessage sent to chat123456789012345"
    for message in messages:
        words = [w for w in (message.text or "").split() if "://" not in w and len(w) > 4]
        assert not any(word in message.describe() for word in words), message.describe()


def test_records_round_trip(tmp_path: Path) -> None:
    messages, _ = _messages(_backup(tmp_path))
    for message in messages:
        assert from_dict(to_dict(message)) == message


def test_ios10_generation_with_second_dates(tmp_path: Path) -> None:
    old = [Message("OLD-1", T0 - 0.25, "visita http://old.example.net/", handle="+15550100",
                   service="SMS", read_time=T0 + 9.75),
           Message("OLD-2", T0 + 60, "enviado", is_from_me=True, handle="+15550100",
                   service="SMS", chat="+15550100")]
    messages, notes = _messages(_backup(tmp_path, old, IOS10))
    assert notes == []
    first, second = messages
    assert first.date.raw == int(T0 - 0.25) - COCOA_EPOCH_S
    assert first.date.iso() == "2024-02-28T21:14:05.000000+00:00"
    assert first.date_read.iso() == "2024-02-28T21:14:15.000000+00:00"
    assert first.date_delivered.state is TimeState.UNSET
    assert first.links == ("http://old.example.net/",)
    assert first.text_source == "text"
    assert second.direction == "sent"
    assert second.chat_identifier == "+15550100"
    for message in messages:
        assert from_dict(to_dict(message)) == message


def test_schema_without_chat_tables_still_reads(tmp_path: Path) -> None:
    builder = BackupBuilder()

    def fill(db: sqlite3.Connection) -> None:
        sms_db([Message("D-1", T0, "hola", handle="+15550100")])(db)
        db.executescript("DROP TABLE chat_message_join; DROP TABLE chat;")

    builder.add_sqlite(*SMS_DB, fill)
    [message], _ = _messages(builder.write(tmp_path / "backup"))
    assert message.chat_identifier is None
    assert message.text == "hola"


def test_wal_rows_are_read(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_sqlite(*SMS_DB, sms_db([Message("W-1", T0, "nuevo", handle="+15550100")]),
                       wal=True)
    messages, notes = _messages(builder.write(tmp_path / "backup"))
    assert [m.guid for m in messages] == ["W-1"]
    assert any("write-ahead log" in n for n in notes)


def test_foreign_database_is_a_schema_mismatch(tmp_path: Path) -> None:
    def fill(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE message (id, body)")

    builder = BackupBuilder()
    builder.add_sqlite(*SMS_DB, fill)
    with pytest.raises(SchemaMismatch) as caught:
        extract(builder.write(tmp_path / "backup"), ARTIFACT)
    assert "message.guid" in caught.value.missing
    assert "handle" in caught.value.missing


def test_encrypted_or_garbage_file_is_not_a_database(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_file(*SMS_DB, b"\x8f\x12" * 2048)
    with pytest.raises(NotADatabase):
        extract(builder.write(tmp_path / "backup"), ARTIFACT)


def test_damaged_database_raises_a_database_error(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_file(*SMS_DB, b"SQLite format 3\x00" + b"\xff" * 4000)
    with pytest.raises(sqlite3.DatabaseError):
        extract(builder.write(tmp_path / "backup"), ARTIFACT)


def test_absent_database_yields_nothing(tmp_path: Path) -> None:
    root = BackupBuilder().write(tmp_path / "backup")
    assert extract(root, ARTIFACT) == ([], [])


def test_classify_handle() -> None:
    assert classify_handle("Someone@Example.com") == ("Someone@Example.com", "")
    assert classify_handle("+1 (555) 010-0199") == ("", "+1 (555) 010-0199")
    assert classify_handle("urn:biz:6f1c2a") == ("", "")
    assert classify_handle("") == ("", "")
    assert classify_handle(None) == ("", "")


# -- heuristics -----------------------------------------------------------------------------

def _findings(message: SmsMessage) -> list[tuple[str, Level, str]]:
    return [(d.finding, d.level, d.message)
            for d in analyse(message, ARTIFACT.id, ARTIFACT.slug)]


def test_threat_notification_in_attributed_body_is_high(tmp_path: Path) -> None:
    messages, _ = _messages(_backup(tmp_path))
    alert = messages[6]
    assert alert.text_source == "attributedBody"
    assert _findings(alert) == [(
        "apple-threat-notification", Level.HIGH,
        "Apple threat notification received from threatnotifications@apple.com "
        "(message 8A1E6C12-0007, iMessage, text from attributedBody)")]
    [detection] = analyse(alert, ARTIFACT.id, ARTIFACT.slug)
    assert detection.module == "sms"
    assert detection.event_time == alert.date
    assert not any(_findings(m) for i, m in enumerate(messages) if i != 6)


def test_threat_notification_2021_wording_in_text() -> None:
    message = SmsMessage(guid="G", service="iMessage", handle="+15550100", direction="received",
                         text="  " + ALERT_2021, text_source="text")
    assert [(f, lvl) for f, lvl, _ in _findings(message)] == [
        ("apple-threat-notification", Level.HIGH)]


@pytest.mark.parametrize("text", [
    None, "",
    "alert: state-sponsored attackers may be targeting your iphone",  # not Apple's casing
    "Fwd: ALERT: State-sponsored attackers may be targeting your iPhone",
    "ALERT: Apple detected a targeted attack",
])
def test_threat_notification_negatives(text: str | None) -> None:
    assert _findings(SmsMessage(guid="G", text=text)) == []


def test_builder_blob_has_the_documented_shape() -> None:
    blob = attributed_body("Hello")
    assert blob.startswith(b"\x04\x0bstreamtyped\x81\xe8\x03\x84\x01@")
    assert b"NSString\x01\x94\x84\x01+\x05Hello\x86\x84\x02iI\x01\x05" in blob


def test_damaged_page_the_other_rows_are_salvaged(tmp_path: Path) -> None:
    """A page of `message` is garbage (a half-written copy): every row on the other pages is
    read, as the incumbent does after its sqlite3 `.clone`; the evidence is not changed."""
    messages = [Message(f"7B2D0C11-0000-4000-8000-{i:012d}", T0 + i * 60,
                        f"mensaje {i}: nos vemos en la oficina a las {i % 24} horas",
                        handle=f"+5255555{i % 40:05d}", chat=f"+5255555{i % 40:05d}")
                for i in range(1200)]
    whole, _ = build_sqlite(sms_db(messages))
    damaged, page = damage_leaf_page(whole, "message")
    lost = rows_on_page(whole, "message", page)
    builder = BackupBuilder()
    builder.add_file(*SMS_DB, damaged)
    root = builder.write(tmp_path / "backup")
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}

    code, entry, lines = scan_one(root, ARTIFACT.id, tmp_path / "out")

    assert code == 3  # records were lost: the user must know
    assert entry["state"] == "partial"
    assert "damaged database (database disk image is malformed)" in entry["problems"][0]
    assert "salvaged copy" in entry["problems"][0] and "message" in entry["problems"][0]
    guids = [json.loads(line)["guid"] for line in lines]
    assert len(guids) == len(set(guids)) == len(messages) - lost
    missing = sorted(int(m.guid[-12:]) for m in messages if m.guid not in set(guids))
    assert missing == list(range(missing[0], missing[0] + lost))  # exactly the damaged page
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


def test_damaged_index_page_every_message_is_read(tmp_path: Path) -> None:
    """The damage is in an index the query walks (chat_message_join's): the salvaged copy
    rebuilds it, every message is read and nothing is lost, so the artifact is read."""
    messages = [Message(f"7B2D0C11-0000-4000-9000-{i:012d}", T0 + i * 60, f"hola {i}",
                        handle=f"+5255555{i % 40:05d}", chat=f"+5255555{i % 40:05d}")
                for i in range(1500)]
    whole, _ = build_sqlite(sms_db(messages))
    damaged, _page = damage_leaf_page(whole, "sqlite_autoindex_chat_message_join_1")
    builder = BackupBuilder()
    builder.add_file(*SMS_DB, damaged)

    code, entry, lines = scan_one(builder.write(tmp_path / "backup"), ARTIFACT.id,
                                  tmp_path / "out")

    assert code == 0
    assert entry["state"] == "read" and entry["problems"] == []
    assert any("every row read from a salvaged copy (the damage is in an index)" in note
               for note in entry["notes"])
    assert len(lines) == len(messages)
    assert {json.loads(line)["chat_identifier"] for line in lines} == {
        m.chat for m in messages}
