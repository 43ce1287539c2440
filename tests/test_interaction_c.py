from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from perito.artifacts.base import SchemaMismatch
from perito.artifacts.ios.interaction_c import (
    ARTIFACT,
    CoreDuetInteraction,
    classify_identifier,
)
from perito.records import Kind, events, from_dict, observables, to_dict
from perito.sources.sqlite import NotADatabase
from perito.timestamps import Encoding, TimeState
from tests.builders.ios.interaction_c import (
    GENERATIONS,
    IOS9,
    IOS10,
    IOS12,
    IOS13,
    OUTGOING,
    Attachment,
    Interaction,
    Person,
    interaction_c,
)
from tests.builders.ios_backup import BackupBuilder
from tests.helpers import extract

T0 = 1_709_154_845  # 2024-02-28T21:14:05Z
DB = ("HomeDomain", "Library/CoreDuet/People/interactionC.db")
ANA = Person("+525555550123", "Ana López", "410FE041-5C4E-48DA-B4DE-04C15EA110AC:ABPerson")
BETO = Person("beto@example.org", "Beto")
GROUPIE = Person("5215555550777@s.whatsapp.net", "Carla")

INTERACTIONS = [
    Interaction("com.apple.MobileSMS", T0, T0, sender=ANA, account="e:yo@example.org",
                domain_identifier="chat123456789", keywords=("hola",)),
    Interaction("com.apple.MobileSMS", T0 + 60, T0 + 60, direction=OUTGOING,
                sender=Person("e:yo@example.org", "Yo"), recipients=(ANA, BETO),
                target_bundle_id="com.apple.MobileSMS", group_name="Familia",
                attachments=(Attachment("public.jpeg", "file:///var/mobile/Library/SMS/"
                                        "Attachments/0a/10/IMG_0001.jpeg", 204_800,
                                        photo_local_identifier="4A1B/L0/001",
                                        identifier=bytes.fromhex("00112233445566778899aabbcc"
                                                                 "ddeeff")),
                             Attachment("public.url", "https://evil.example.com/x",
                                        content_text="mira esto"))),
    Interaction("net.whatsapp.WhatsApp", T0 + 120, T0 + 180, sender=GROUPIE,
                recipients=(Person("120363025550000001@g.us", "Vecinos"),),
                content_url="https://wa.example.net/c/1",
                derived_intent_identifier="INSendMessageIntent"),
    Interaction(None, None, None),  # no bundle id, no dates, no sender
]


def _backup(tmp_path: Path, generation: str = IOS13) -> Path:
    builder = BackupBuilder()
    builder.add_sqlite(*DB, interaction_c(INTERACTIONS, generation))
    return builder.write(tmp_path / generation)


def _interactions(root: Path) -> list[CoreDuetInteraction]:
    records, _ = extract(root, ARTIFACT)
    return [r for r in records if isinstance(r, CoreDuetInteraction)]


@pytest.mark.parametrize("generation", GENERATIONS)
def test_every_generation_one_record_per_interaction(tmp_path: Path, generation: str) -> None:
    found = _interactions(_backup(tmp_path, generation))
    assert [i.pk for i in found] == [1, 2, 3, 4]
    first = found[0]
    assert first.bundle_id == "com.apple.MobileSMS" and first.direction_name == "incoming"
    assert first.sender_identifier == "+525555550123" and first.sender_phone == "+525555550123"
    assert first.start_date.iso() == "2024-02-28T21:14:05.000000+00:00"
    assert found[1].direction_name == "outgoing"


def test_generation_differences(tmp_path: Path) -> None:
    by_generation = {g: _interactions(_backup(tmp_path, g)) for g in GENERATIONS}
    assert by_generation[IOS9][1].recipient_count is None  # no ZRECIPIENTCOUNT on iOS 9
    assert by_generation[IOS10][1].recipient_count == 2
    assert by_generation[IOS9][1].recipient_identifiers == ()  # no recipient table
    for generation in (IOS10, IOS12, IOS13):  # Z_1… on iOS 10, Z_2… from iOS 12
        assert by_generation[generation][1].recipient_identifiers == ("+525555550123",
                                                                      "beto@example.org")
    assert by_generation[IOS10][1].attachment_utis == ()
    assert by_generation[IOS12][1].attachment_utis == ("public.jpeg", "public.url")
    assert by_generation[IOS12][1].attachment_photo_local_identifiers == ()
    assert by_generation[IOS13][1].attachment_photo_local_identifiers == ("4A1B/L0/001",)
    assert by_generation[IOS12][1].target_bundle_id == "com.apple.MobileSMS"
    assert by_generation[IOS10][1].target_bundle_id == ""
    assert by_generation[IOS12][1].group_name is None
    assert by_generation[IOS13][1].group_name == "Familia"
    assert by_generation[IOS13][2].derived_intent_identifier == "INSendMessageIntent"


def test_fields(tmp_path: Path) -> None:
    first, sent, whatsapp, empty = _interactions(_backup(tmp_path))
    assert first.source == "HomeDomain/Library/CoreDuet/People/interactionC.db"
    assert first.uuid == "A1B2C3D4-0000-4000-8000-000000000001"
    assert first.account == "e:yo@example.org" and first.domain_identifier == "chat123456789"
    assert first.creation_date.iso() == "2024-02-28T21:14:07.000000+00:00"
    assert first.start_date.encoding is Encoding.COCOA_S
    assert first.sender_display_name == "Ana López"
    assert first.sender_person_id == "410FE041-5C4E-48DA-B4DE-04C15EA110AC:ABPerson"
    assert first.sender_incoming_sender_count == 1
    assert first.sender_first_incoming_sender_date.iso() == "2024-02-28T21:14:05.000000+00:00"
    assert first.sender_last_incoming_recipient_date.state is TimeState.UNSET  # stored 0
    assert sent.recipient_count == 2
    assert sent.recipient_display_names == ("Ana López", "Beto")
    assert sent.recipient_phones == ("+525555550123",)
    assert sent.recipient_emails == ("beto@example.org",)
    assert sent.sender_email == "yo@example.org" and sent.sender_phone == ""  # "e:" account
    assert sent.attachment_content_urls == (
        "file:///var/mobile/Library/SMS/Attachments/0a/10/IMG_0001.jpeg",
        "https://evil.example.com/x")
    assert sent.attachment_sizes == (204_800,)
    assert sent.attachment_identifiers == ("00112233445566778899AABBCCDDEEFF",)
    assert sent.attachment_content_texts == ("mira esto",)
    assert whatsapp.sender_phone == "+5215555550777"
    assert whatsapp.recipient_phones == () and whatsapp.recipient_emails == ()
    assert whatsapp.content_url == "https://wa.example.net/c/1"
    assert whatsapp.end_date.iso() == "2024-02-28T21:17:05.000000+00:00"
    assert empty.bundle_id == "" and empty.sender_identifier is None
    assert empty.start_date.state is TimeState.UNSET and list(events(empty)) == []


def test_observables(tmp_path: Path) -> None:
    found = {(kind, value) for i in _interactions(_backup(tmp_path))
             for _n, kind, value in observables(i)}
    assert (Kind.APP_ID, "net.whatsapp.WhatsApp") in found
    assert (Kind.URL, "https://evil.example.com/x") in found
    assert (Kind.URL, "https://wa.example.net/c/1") in found
    assert (Kind.PHONE, "+5215555550777") in found
    assert (Kind.EMAIL, "beto@example.org") in found
    assert not any("g.us" in value for _kind, value in found)


def test_describe_never_shows_content(tmp_path: Path) -> None:
    first, sent, whatsapp, empty = _interactions(_backup(tmp_path))
    assert first.describe() == ("[com.apple.MobileSMS] Incoming interaction from Ana López "
                                "(account e:yo@example.org)")
    assert sent.describe() == ("[com.apple.MobileSMS] Outgoing interaction from Yo to "
                               "Ana López, Beto in Familia, 2 attachments")
    assert "mira" not in sent.describe()
    assert whatsapp.describe() == ("[net.whatsapp.WhatsApp] Incoming interaction from Carla "
                                   "to Vecinos")
    assert empty.describe() == "[unknown app] Incoming interaction"
    assert CoreDuetInteraction().describe() == "[unknown app] Interaction"


def test_records_round_trip(tmp_path: Path) -> None:
    for generation in GENERATIONS:
        for interaction in _interactions(_backup(tmp_path, generation)):
            assert from_dict(to_dict(interaction)) == interaction


def test_empty_database(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_sqlite(*DB, interaction_c([]))
    assert _interactions(builder.write(tmp_path / "b")) == []


def test_without_contacts_table(tmp_path: Path) -> None:
    def fill(db: sqlite3.Connection) -> None:
        interaction_c(INTERACTIONS, IOS12)(db)
        db.execute("DROP TABLE ZCONTACTS")

    builder = BackupBuilder()
    builder.add_sqlite(*DB, fill)
    found = _interactions(builder.write(tmp_path / "b"))
    assert len(found) == 4
    assert all(i.sender_identifier is None and i.recipient_identifiers == () for i in found)
    assert found[1].attachment_utis == ("public.jpeg", "public.url")


def test_foreign_database_is_a_schema_mismatch(tmp_path: Path) -> None:
    def fill(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE ZINTERACTIONS (Z_PK INTEGER PRIMARY KEY, ZBUNDLEID VARCHAR)")

    builder = BackupBuilder()
    builder.add_sqlite(*DB, fill)
    with pytest.raises(SchemaMismatch) as caught:
        extract(builder.write(tmp_path / "b"), ARTIFACT)
    assert caught.value.missing == ["ZINTERACTIONS.ZSTARTDATE"]


def test_garbage_and_damaged_files(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_file(*DB, b"\x00" * 64)
    with pytest.raises(NotADatabase):
        extract(builder.write(tmp_path / "a"), ARTIFACT)
    builder = BackupBuilder()
    builder.add_file(*DB, b"SQLite format 3\x00" + b"\x01" * 2000)
    with pytest.raises(sqlite3.DatabaseError):
        extract(builder.write(tmp_path / "b"), ARTIFACT)


@pytest.mark.parametrize(("identifier", "email", "phone"), [
    ("+525555550123", "", "+525555550123"),
    ("tel:+525555550123", "", "+525555550123"),
    ("mailto:ana@example.org", "ana@example.org", ""),
    ("ana@example.org", "ana@example.org", ""),
    ("5215555550777@s.whatsapp.net", "", "+5215555550777"),
    ("120363025550000001@g.us", "", ""),
    ("100000000000001@lid", "", ""),
    ("e:yo@example.org", "yo@example.org", ""),
    ("p:+525555550100", "", "+525555550100"),
    ("some id@example", "", ""),
    ("urn:biz:12345", "", ""),
    ("", "", ""),
    (None, "", ""),
])
def test_classify_identifier(identifier: str | None, email: str, phone: str) -> None:
    assert classify_identifier(identifier) == (email, phone)
