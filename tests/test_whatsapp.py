from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from perito.artifacts.base import SchemaMismatch
from perito.artifacts.ios.whatsapp import (
    ARTIFACT,
    WhatsappMessage,
    is_whatsapp_cdn,
    phone_of_jid,
)
from perito.records import Kind, from_dict, observables, to_dict
from perito.sources.sqlite import NotADatabase
from perito.timestamps import Encoding, TimeState
from tests.builders.ios.whatsapp import DataItem, Media, WaMessage, chat_storage
from tests.builders.ios_backup import BackupBuilder
from tests.helpers import extract

T0 = 1_709_154_845.25  # 2024-02-28T21:14:05.250Z
SHARED = "AppDomainGroup-group.net.whatsapp.WhatsApp.shared"
BUSINESS = "AppDomainGroup-group.net.whatsapp.WhatsAppSMB.shared"
FRIEND = "5215555550123@s.whatsapp.net"
GROUP = "120363025550000001@g.us"
CDN = "https://mmg.whatsapp.net/v/t62.7118-24/24512345_1234567890123456_1.enc?ccb=11-4&oh=01_Q5A"

MESSAGES = [
    WaMessage(FRIEND, T0, "Mira https://news.example.org/a esto", from_jid=FRIEND,
              partner="Ana", data_items=(DataItem(content1="https://news.example.org/a",
                                                  matched_text="https://news.example.org/a",
                                                  title="Noticia", summary="Resumen"),)),
    WaMessage(FRIEND, T0 + 60, "ok 👍", is_from_me=True, to_jid=FRIEND, sent_time=T0 + 60.5),
    WaMessage(FRIEND, T0 + 120, None, from_jid=FRIEND, message_type=1,
              media=Media(CDN, "Media/5215555550123@s.whatsapp.net/4/2/42a1.jpg",
                          file_size=183_112)),
    WaMessage(GROUP, T0 + 180, "Vean HTTPS://Evil.Example.com/x?y=1 y https://mmg-fna.whatsapp.net/d/f/x.enc",
              from_jid=GROUP, member="5215555550777@s.whatsapp.net", partner="Vecinos"),
    WaMessage(GROUP, T0 + 240, "hola", from_jid=GROUP, member="178123456789012@lid"),
    WaMessage(FRIEND, T0 + 300, "dos enlaces", from_jid=FRIEND, data_items=(
        DataItem(content1="https://one.example.net/1", matched_text="one.example.net/1"),
        DataItem(content1="https://two.example.net/2",
                 content2="see https://three.example.net/3 too"))),
    WaMessage(GROUP, T0 + 360, None, from_jid=GROUP, message_type=6),
    WaMessage("178123456789099@lid", T0 + 420, "Doc", from_jid="178123456789099@lid",
              message_type=8, media=Media("https://files.example.org/doc.pdf",
                                          "Media/doc.pdf", author="Carlos", title="doc.pdf")),
]


def _backup(tmp_path: Path, messages: list[WaMessage] = MESSAGES) -> Path:
    builder = BackupBuilder()
    builder.add_sqlite(SHARED, "ChatStorage.sqlite", chat_storage(messages))
    return builder.write(tmp_path / "backup")


def _messages(root: Path) -> list[WhatsappMessage]:
    records, _ = extract(root, ARTIFACT)
    return [r for r in records if isinstance(r, WhatsappMessage)]


def test_one_record_per_message(tmp_path: Path) -> None:
    messages = _messages(_backup(tmp_path))
    assert [m.pk for m in messages] == list(range(1, len(MESSAGES) + 1))
    assert all(m.source == f"{SHARED}/ChatStorage.sqlite" for m in messages)


def test_fields_and_times(tmp_path: Path) -> None:
    first, sent, *_ = _messages(_backup(tmp_path))
    assert first.chat_jid == FRIEND
    assert first.from_jid == FRIEND
    assert first.from_phone == "+5215555550123"
    assert first.to_phone == ""
    assert first.direction == "received"
    assert first.text == "Mira https://news.example.org/a esto"
    assert first.message_date.encoding is Encoding.COCOA_S
    assert first.message_date.iso() == "2024-02-28T21:14:05.250000+00:00"
    assert first.sent_date.state is TimeState.UNSET
    assert first.stanza_id == "3EB00000000000000001"
    assert sent.direction == "sent"
    assert sent.to_phone == "+5215555550123"
    assert sent.from_jid is None
    assert sent.sent_date.iso() == "2024-02-28T21:15:05.750000+00:00"


def test_links_from_text_media_and_data_items(tmp_path: Path) -> None:
    messages = _messages(_backup(tmp_path))
    assert messages[0].links == ("https://news.example.org/a",)  # text and preview: once
    assert messages[0].data_content1 == ("https://news.example.org/a",)
    assert messages[5].links == ("https://one.example.net/1", "https://two.example.net/2",
                                 "https://three.example.net/3")
    assert messages[5].data_matched_text == ("one.example.net/1",)
    assert messages[7].links == ("https://files.example.org/doc.pdf",)
    assert messages[7].media_author == "Carlos"


def test_whatsapp_media_cdn_is_not_a_link(tmp_path: Path) -> None:
    messages = _messages(_backup(tmp_path))
    image = messages[2]
    assert image.media_url == CDN
    assert image.media_local_path == "Media/5215555550123@s.whatsapp.net/4/2/42a1.jpg"
    assert image.links == ()
    assert messages[3].links == ("HTTPS://Evil.Example.com/x?y=1",)


def test_group_senders(tmp_path: Path) -> None:
    messages = _messages(_backup(tmp_path))
    group = messages[3]
    assert group.chat_jid == GROUP
    assert group.from_phone == ""  # a group JID is not a phone number
    assert group.member_jid == "5215555550777@s.whatsapp.net"
    assert group.member_phone == "+5215555550777"
    lid = messages[4]
    assert lid.member_jid == "178123456789012@lid"
    assert lid.member_phone == ""
    event = messages[6]
    assert event.text is None
    assert event.member_jid is None
    assert event.message_type == 6


def test_observables(tmp_path: Path) -> None:
    found = {(kind, value) for m in _messages(_backup(tmp_path))
             for _name, kind, value in observables(m)}
    phones = {value for kind, value in found if kind is Kind.PHONE}
    assert phones == {"+5215555550123", "+5215555550777"}
    assert (Kind.URL, "HTTPS://Evil.Example.com/x?y=1") in found
    assert not any("whatsapp.net" in value for kind, value in found if kind is Kind.URL)


def test_describe_never_shows_the_body(tmp_path: Path) -> None:
    messages = _messages(_backup(tmp_path))
    assert messages[0].describe() == (f"WhatsApp received from {FRIEND} with links: "
                                      "https://news.example.org/a")
    assert messages[1].describe() == f"WhatsApp message sent to {FRIEND}"
    assert messages[3].describe() == ("WhatsApp received from 5215555550777@s.whatsapp.net "
                                      f"in {GROUP} with links: HTTPS://Evil.Example.com/x?y=1")
    for message in messages:
        for word in (message.text or "").split():
            if "://" not in word and len(word) > 3:
                assert word not in message.describe()


def test_records_round_trip(tmp_path: Path) -> None:
    for message in _messages(_backup(tmp_path)):
        assert from_dict(to_dict(message)) == message


def test_every_container_is_read(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_sqlite(SHARED, "ChatStorage.sqlite", chat_storage(MESSAGES[:1]))
    builder.add_sqlite(BUSINESS, "ChatStorage.sqlite",
                       chat_storage([WaMessage(FRIEND, T0, "negocio", from_jid=FRIEND)]))
    builder.add_sqlite(SHARED, "Message/ChatStorage.sqlite", chat_storage(MESSAGES[:1]))
    messages = _messages(builder.write(tmp_path / "backup"))
    assert sorted(m.source for m in messages) == [f"{SHARED}/ChatStorage.sqlite",
                                                  f"{BUSINESS}/ChatStorage.sqlite"]


def test_schema_drift_without_data_items_and_sent_date(tmp_path: Path) -> None:
    builder = BackupBuilder()

    def fill(db: sqlite3.Connection) -> None:
        chat_storage(MESSAGES)(db)
        db.executescript("DROP TABLE ZWAMESSAGEDATAITEM; DROP TABLE ZWAGROUPMEMBER; "
                         "DROP INDEX Z_WAMessage_compoundIndex; "
                         "ALTER TABLE ZWAMESSAGE DROP COLUMN ZSENTDATE; "
                         "ALTER TABLE ZWAMEDIAITEM DROP COLUMN ZAUTHORNAME;")

    builder.add_sqlite(SHARED, "ChatStorage.sqlite", fill)
    messages = _messages(builder.write(tmp_path / "backup"))
    assert len(messages) == len(MESSAGES)
    assert messages[1].sent_date.state is TimeState.UNSET
    assert messages[0].links == ("https://news.example.org/a",)
    assert messages[5].links == ()  # its links were only in data items
    assert messages[3].member_jid is None
    assert messages[7].media_author is None
    assert messages[7].links == ("https://files.example.org/doc.pdf",)


def test_wal_rows_are_read(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_sqlite(SHARED, "ChatStorage.sqlite", chat_storage(MESSAGES[:2]), wal=True)
    records, notes = extract(builder.write(tmp_path / "backup"), ARTIFACT)
    assert len(records) == 2
    assert any("write-ahead log" in n for n in notes)


def test_foreign_database_is_a_schema_mismatch(tmp_path: Path) -> None:
    def fill(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE ZWAMESSAGE (Z_PK INTEGER PRIMARY KEY)")

    builder = BackupBuilder()
    builder.add_sqlite(SHARED, "ChatStorage.sqlite", fill)
    with pytest.raises(SchemaMismatch) as caught:
        extract(builder.write(tmp_path / "backup"), ARTIFACT)
    assert "ZWAMESSAGE.ZMESSAGEDATE" in caught.value.missing


def test_garbage_file_is_not_a_database(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_file(SHARED, "ChatStorage.sqlite", b"\x00" * 1024)
    with pytest.raises(NotADatabase):
        extract(builder.write(tmp_path / "backup"), ARTIFACT)


def test_damaged_database_raises_a_database_error(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_file(SHARED, "ChatStorage.sqlite", b"SQLite format 3\x00" + b"\x01" * 2000)
    with pytest.raises(sqlite3.DatabaseError):
        extract(builder.write(tmp_path / "backup"), ARTIFACT)


@pytest.mark.parametrize(("jid", "phone"), [
    ("5215555550123@s.whatsapp.net", "+5215555550123"),
    ("5215555550123:12@s.whatsapp.net", "+5215555550123"),  # device suffix
    ("120363025550000001@g.us", ""),
    ("178123456789012@lid", ""),
    ("status@broadcast", ""),
    ("+5215555550123@s.whatsapp.net", ""),
    ("abc@s.whatsapp.net", ""),
    ("", ""),
    (None, ""),
])
def test_phone_of_jid(jid: str | None, phone: str) -> None:
    assert phone_of_jid(jid) == phone


def test_cdn_prefixes() -> None:
    assert is_whatsapp_cdn("https://mmg.whatsapp.net/v/t62/x.enc")
    assert is_whatsapp_cdn("HTTPS://MMG-FNA.WHATSAPP.NET/d/f/x.enc")
    assert not is_whatsapp_cdn("https://mmg.whatsapp.net.evil.example/x")
    assert not is_whatsapp_cdn("https://web.whatsapp.com/")
