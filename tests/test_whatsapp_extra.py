"""WhatsApp chat sessions, LID pairs and ContactsV2 contacts."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from perito.artifacts.base import SchemaMismatch
from perito.artifacts.ios import whatsapp_contacts, whatsapp_lid, whatsapp_sessions
from perito.artifacts.ios.whatsapp_contacts import WhatsappContact, disappearing_label
from perito.artifacts.ios.whatsapp_lid import WhatsappLidPair, lid_key, phone_of_number
from perito.artifacts.ios.whatsapp_sessions import WhatsappChatSession
from perito.records import Kind, from_dict, observables, to_dict
from perito.sources.sqlite import NotADatabase
from perito.timestamps import Encoding, TimeState
from tests.builders.ios.whatsapp import WaMessage, chat_storage
from tests.builders.ios.whatsapp_extra import (
    OLDER,
    Contact,
    LidPair,
    chat_storage_with_lid_pairs,
    contacts_v2,
    lid_db,
)
from tests.builders.ios_backup import BackupBuilder
from tests.helpers import extract

T0 = 1_756_107_200.0  # 2025-08-25T07:33:20Z
SHARED = "AppDomainGroup-group.net.whatsapp.WhatsApp.shared"
BUSINESS = "AppDomainGroup-group.net.whatsapp.WhatsAppSMB.shared"
FRIEND = "5215555550123@s.whatsapp.net"
LID_CHAT = "100000000000001@lid"
UNKNOWN_LID = "100000000000009@lid"
GROUP = "120363025550000001@g.us"

MESSAGES = [
    WaMessage(FRIEND, T0 + 3600, "hola", from_jid=FRIEND, partner="Ana"),
    WaMessage(FRIEND, T0 + 7200, "ok", is_from_me=True, to_jid=FRIEND),
    WaMessage(LID_CHAT, T0 + 10_800, "hi", from_jid=LID_CHAT, partner="Alice Example"),
    WaMessage(GROUP, T0 + 14_400, "reunión", from_jid=GROUP,
              member="5215555550777@s.whatsapp.net", partner="Vecinos"),
    WaMessage(UNKNOWN_LID, T0 + 18_000, "?", from_jid=UNKNOWN_LID),
]
PAIRS = [LidPair("100000000000001", "14155550100", T0),
         LidPair("100000000000002@lid", "+5215555550999", None),
         LidPair(None, "14155550111", T0 + 1),
         LidPair(100000000000003, 5215555550888, T0 + 2)]  # numeric affinity


def _sessions(root: Path) -> list[WhatsappChatSession]:
    records, _ = extract(root, whatsapp_sessions.ARTIFACT)
    return [r for r in records if isinstance(r, WhatsappChatSession)]


def _pairs(root: Path) -> tuple[list[WhatsappLidPair], list[str]]:
    records, notes = extract(root, whatsapp_lid.ARTIFACT)
    return [r for r in records if isinstance(r, WhatsappLidPair)], notes


def _contacts(root: Path) -> list[WhatsappContact]:
    records, _ = extract(root, whatsapp_contacts.ARTIFACT)
    return [r for r in records if isinstance(r, WhatsappContact)]


def _group_info_removed_session(db: sqlite3.Connection) -> None:
    """The last message of the group was deleted: its session date stays later."""
    db.execute("UPDATE ZWACHATSESSION SET ZLASTMESSAGEDATE = ZLASTMESSAGEDATE + 100000, "
               "ZREMOVED = 1 WHERE ZCONTACTJID = ?", (GROUP,))


def _backup(tmp_path: Path, *, lid: bool = True) -> Path:
    builder = BackupBuilder()

    def fill(db: sqlite3.Connection) -> None:
        chat_storage(MESSAGES)(db)
        _group_info_removed_session(db)

    builder.add_sqlite(SHARED, "ChatStorage.sqlite", fill)
    if lid:
        builder.add_sqlite(SHARED, "LID.sqlite", lid_db(PAIRS, ("100000000000000",
                                                               "5215555550100")))
    return builder.write(tmp_path / "backup")


# -- chat sessions -----------------------------------------------------------------------------

def test_one_record_per_session(tmp_path: Path) -> None:
    sessions = _sessions(_backup(tmp_path))
    assert [s.contact_jid for s in sessions] == [FRIEND, LID_CHAT, GROUP, UNKNOWN_LID]
    assert all(s.source == f"{SHARED}/ChatStorage.sqlite" for s in sessions)


def test_session_fields_and_times(tmp_path: Path) -> None:
    friend, lid_chat, group, unknown = _sessions(_backup(tmp_path))
    assert friend.session_pk == 1 and friend.partner_name == "Ana"
    assert friend.contact_phone == "+5215555550123" and friend.resolved_phone == ""
    assert friend.session_type == 0 and friend.archived == 0 and friend.removed == 0
    assert friend.message_counter == 2 and friend.stored_message_count == 2
    assert friend.first_stored_message_date.iso() == "2025-08-25T08:33:20.000000+00:00"
    assert friend.last_stored_message_date.iso() == "2025-08-25T09:33:20.000000+00:00"
    assert friend.last_message_date == friend.last_stored_message_date
    assert friend.last_message_date.encoding is Encoding.COCOA_S
    assert friend.group_creation_date.state is TimeState.UNSET
    assert lid_chat.contact_phone == "" and lid_chat.resolved_phone == "+14155550100"
    assert group.session_type == 1 and group.removed == 1
    assert group.group_creation_date.iso() == "2025-08-24T11:33:20.000000+00:00"
    assert group.group_creator_phone == "+5215555550777"
    assert group.last_message_date.ns is not None and group.last_stored_message_date.ns
    assert group.last_message_date.ns > group.last_stored_message_date.ns  # deleted message
    assert unknown.resolved_phone == ""


def test_session_observables_and_describe(tmp_path: Path) -> None:
    sessions = _sessions(_backup(tmp_path))
    phones = {value for s in sessions for _n, kind, value in observables(s) if kind is Kind.PHONE}
    assert phones == {"+5215555550123", "+14155550100", "+5215555550777"}
    friend, lid_chat, group, _unknown = sessions
    assert friend.describe() == "WhatsApp chat with 'Ana' (+5215555550123), 2 stored messages"
    assert lid_chat.describe() == ("WhatsApp chat with 'Alice Example' (+14155550100), "
                                   "1 stored messages")
    assert group.describe() == (f"WhatsApp group chat 'Vecinos' ({GROUP}), 1 stored messages "
                                "(removed)")


def test_sessions_round_trip(tmp_path: Path) -> None:
    for session in _sessions(_backup(tmp_path)):
        assert from_dict(to_dict(session)) == session


def test_lid_resolved_through_chat_storage_and_contacts(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_sqlite(BUSINESS, "ChatStorage.sqlite", chat_storage_with_lid_pairs(
        MESSAGES[2:3], [LidPair("100000000000001", "14155550100", T0)]))
    builder.add_sqlite(SHARED, "ChatStorage.sqlite", chat_storage(MESSAGES[4:]))
    builder.add_sqlite(SHARED, "ContactsV2.sqlite", contacts_v2(
        [Contact("5215555550444@s.whatsapp.net", "5215555550444", lid="100000000000009")]))
    sessions = {s.source.split("/")[0]: s for s in _sessions(builder.write(tmp_path / "b"))}
    assert sessions[BUSINESS].resolved_phone == "+14155550100"  # its own pair table
    assert sessions[SHARED].resolved_phone == "+5215555550444"  # ContactsV2 beside it


def test_lid_resolved_through_contact_identifier(tmp_path: Path) -> None:
    def fill(db: sqlite3.Connection) -> None:
        chat_storage(MESSAGES[4:])(db)
        db.execute("UPDATE ZWACHATSESSION SET ZCONTACTIDENTIFIER = ?",
                   ("5215555550555@s.whatsapp.net",))

    builder = BackupBuilder()
    builder.add_sqlite(SHARED, "ChatStorage.sqlite", fill)
    [session] = _sessions(builder.write(tmp_path / "b"))
    assert session.resolved_phone == "+5215555550555"


def test_unreadable_lid_database_is_a_note(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_sqlite(SHARED, "ChatStorage.sqlite", chat_storage(MESSAGES[2:3]))
    builder.add_file(SHARED, "LID.sqlite", b"\x00" * 100)
    records, notes = extract(builder.write(tmp_path / "b"), whatsapp_sessions.ARTIFACT)
    assert len(records) == 1
    assert notes == ["LID.sqlite beside it is unreadable; chats filed under a LID may stay "
                     "unresolved"]


def test_sessions_schema_drift(tmp_path: Path) -> None:
    def fill(db: sqlite3.Connection) -> None:
        chat_storage(MESSAGES)(db)
        db.executescript("DROP TABLE ZWAGROUPINFO; ALTER TABLE ZWACHATSESSION DROP COLUMN "
                         "ZREMOVED; DROP INDEX Z_WAMessage_compoundIndex; "
                         "DROP INDEX ZWAMESSAGE_ZCHATSESSION_INDEX; "
                         "ALTER TABLE ZWAMESSAGE DROP COLUMN ZCHATSESSION;")

    builder = BackupBuilder()
    builder.add_sqlite(SHARED, "ChatStorage.sqlite", fill)
    sessions = _sessions(builder.write(tmp_path / "b"))
    assert len(sessions) == 4
    assert all(s.removed is None and s.stored_message_count is None for s in sessions)
    assert sessions[2].group_creation_date.state is TimeState.UNSET


def test_sessions_every_container_and_foreign_database(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_sqlite(SHARED, "ChatStorage.sqlite", chat_storage(MESSAGES[:1]))
    builder.add_sqlite(BUSINESS, "ChatStorage.sqlite", chat_storage(MESSAGES[3:4]))
    assert len(_sessions(builder.write(tmp_path / "a"))) == 2

    def foreign(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE ZWACHATSESSION (Z_PK INTEGER PRIMARY KEY)")

    builder = BackupBuilder()
    builder.add_sqlite(SHARED, "ChatStorage.sqlite", foreign)
    with pytest.raises(SchemaMismatch) as caught:
        extract(builder.write(tmp_path / "b"), whatsapp_sessions.ARTIFACT)
    assert caught.value.missing == ["ZWACHATSESSION.ZCONTACTJID"]


# -- LID pairs ---------------------------------------------------------------------------------

def test_lid_pairs_from_lid_sqlite(tmp_path: Path) -> None:
    pairs, notes = _pairs(_backup(tmp_path))
    assert notes == []  # the ChatStorage without the table is skipped silently
    assert [p.pk for p in pairs] == [1, 2, 3, 4]
    first, second, no_lid, numeric = pairs
    assert first.source == f"{SHARED}/LID.sqlite"
    assert first.lid == "100000000000001" and first.phone_number == "14155550100"
    assert first.phone == "+14155550100"
    assert first.pair_timestamp.iso() == "2025-08-25T07:33:20.000000+00:00"
    assert first.describe() == ("WhatsApp associated LID 100000000000001 with phone number "
                                "+14155550100")
    assert second.phone == "+5215555550999" and second.pair_timestamp.state is TimeState.UNSET
    assert no_lid.lid is None and no_lid.phone == "+14155550111"
    assert numeric.lid == "100000000000003" and numeric.phone == "+5215555550888"
    assert all(from_dict(to_dict(p)) == p for p in pairs)
    phones = {v for p in pairs for _n, kind, v in observables(p) if kind is Kind.PHONE}
    assert phones == {"+14155550100", "+5215555550999", "+14155550111", "+5215555550888"}


def test_lid_pairs_from_chat_storage_too(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_sqlite(BUSINESS, "ChatStorage.sqlite", chat_storage_with_lid_pairs(
        MESSAGES[:1], [LidPair("100000000000005", "34600000005", T0)]))
    builder.add_sqlite(SHARED, "LID.sqlite", lid_db(PAIRS[:1]))
    pairs, _ = _pairs(builder.write(tmp_path / "b"))
    assert sorted((p.source, p.phone) for p in pairs) == [
        (f"{SHARED}/LID.sqlite", "+14155550100"),
        (f"{BUSINESS}/ChatStorage.sqlite", "+34600000005")]


def test_lid_sqlite_without_table_is_a_schema_mismatch(tmp_path: Path) -> None:
    def fill(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE ZWAZACCOUNT (Z_PK INTEGER PRIMARY KEY, ZIDENTIFIER VARCHAR)")

    builder = BackupBuilder()
    builder.add_sqlite(SHARED, "LID.sqlite", fill)
    with pytest.raises(SchemaMismatch) as caught:
        extract(builder.write(tmp_path / "b"), whatsapp_lid.ARTIFACT)
    assert caught.value.missing == ["ZWAPHONENUMBERLIDPAIR"]


def test_unreadable_chat_storage_is_a_note_for_lid_pairs(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_file(SHARED, "ChatStorage.sqlite", b"\x00" * 100)
    pairs, notes = _pairs(builder.write(tmp_path / "b"))
    assert pairs == []
    assert notes == ["not readable, so not searched for LID pairs (see WhatsApp messages)"]


def test_garbage_lid_sqlite_is_not_a_database(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_file(SHARED, "LID.sqlite", b"\x00" * 100)
    with pytest.raises(NotADatabase):
        extract(builder.write(tmp_path / "b"), whatsapp_lid.ARTIFACT)


@pytest.mark.parametrize(("stored", "phone"), [
    ("14155550100", "+14155550100"), ("+14155550100", "+14155550100"),
    ("14155550100@s.whatsapp.net", "+14155550100"), ("14155550100:3@s.whatsapp.net",
                                                     "+14155550100"),
    (b"14155550100", "+14155550100"), (14155550100, "+14155550100"),
    ("120363025550000001@g.us", ""), ("(415) 555-0100", ""), ("", ""), (None, ""), ("12", ""),
])
def test_phone_of_number(stored: object, phone: str) -> None:
    assert phone_of_number(stored) == phone


def test_lid_key() -> None:
    assert lid_key("123@lid") == "123" and lid_key(123) == "123" and lid_key(None) == ""


# -- ContactsV2 --------------------------------------------------------------------------------

CONTACTS = [
    Contact("5215555550123@s.whatsapp.net", "5215555550123", "Ana López",
            lid="100000000000001", about_text="Disponible", about_time=T0,
            disappearing=604800, disappearing_time=T0 + 60, updated=T0 + 120,
            user_name="ana.lopez"),
    Contact("5215555550124@s.whatsapp.net", "+52 1 55 5555 0124", "Beto", disappearing=0),
    Contact(None, "5215555550125", None),  # not on WhatsApp
    Contact("5215555550126@s.whatsapp.net", None, "Tienda", business_name="Tienda SA de CV",
            disappearing=86_401),
]


def test_contacts_current_generation(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_sqlite(SHARED, "ContactsV2.sqlite", contacts_v2(CONTACTS))
    ana, beto, offline, shop = _contacts(builder.write(tmp_path / "b"))
    assert ana.source == f"{SHARED}/ContactsV2.sqlite" and ana.pk == 1
    assert ana.whatsapp_phone == "+5215555550123" and ana.phone == "5215555550123"
    assert ana.lid == "100000000000001" and ana.user_name == "ana.lopez"
    assert ana.full_name == "Ana López" and ana.given_name == "Ana" and ana.last_name == "López"
    assert ana.about_text == "Disponible" and ana.phone_status == 1
    assert ana.disappearing_mode_duration == 604800 and ana.disappearing_mode == "7 days"
    assert ana.disappearing_mode_timestamp.iso() == "2025-08-25T07:34:20.000000+00:00"
    assert ana.about_timestamp.encoding is Encoding.COCOA_S
    assert ana.about_expiration_timestamp.state is TimeState.UNSET
    assert ana.describe() == ("WhatsApp contact 5215555550123@s.whatsapp.net (Ana López), "
                              "disappearing messages 7 days")
    assert beto.disappearing_mode == "off" and beto.phone == "+52 1 55 5555 0124"
    assert offline.whatsapp_phone == "" and offline.disappearing_mode == "off"
    assert offline.describe() == "WhatsApp contact 5215555550125, disappearing messages off"
    assert shop.disappearing_mode == "86401 seconds" and shop.business_name == "Tienda SA de CV"
    phones = {v for c in (ana, beto, offline, shop) for _n, kind, v in observables(c)
              if kind is Kind.PHONE}
    assert phones == {"+5215555550123", "5215555550123", "+52 1 55 5555 0124",
                      "+5215555550124", "5215555550125", "+5215555550126"}
    for contact in (ana, beto, offline, shop):
        assert from_dict(to_dict(contact)) == contact


def test_contacts_older_generation_with_blob_text(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_sqlite(BUSINESS, "ContactsV2.sqlite", contacts_v2(CONTACTS, OLDER))
    ana, *_ = _contacts(builder.write(tmp_path / "b"))
    assert ana.full_name == "Ana López"  # stored as a UTF-8 BLOB
    assert ana.whatsapp_phone == "+5215555550123"
    assert ana.lid is None and ana.user_name is None
    assert ana.disappearing_mode == "" and ana.disappearing_mode_duration is None  # unknown
    assert ana.phone_status == 1  # from ZPHONENUMBERSTATUS
    assert ana.about_timestamp.iso() == "2025-08-25T07:33:20.000000+00:00"
    assert ana.describe() == "WhatsApp contact 5215555550123@s.whatsapp.net (Ana López)"


def test_contacts_empty_and_foreign(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_sqlite(SHARED, "ContactsV2.sqlite", contacts_v2([]))
    assert _contacts(builder.write(tmp_path / "a")) == []

    def foreign(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE ZWAADDRESSBOOKCONTACT (Z_PK INTEGER PRIMARY KEY, "
                   "ZFULLNAME VARCHAR)")

    builder = BackupBuilder()
    builder.add_sqlite(SHARED, "ContactsV2.sqlite", foreign)
    with pytest.raises(SchemaMismatch) as caught:
        extract(builder.write(tmp_path / "b"), whatsapp_contacts.ARTIFACT)
    assert caught.value.missing == ["ZWAADDRESSBOOKCONTACT.ZWHATSAPPID",
                                    "ZWAADDRESSBOOKCONTACT.ZPHONENUMBER",
                                    "ZWAADDRESSBOOKCONTACT.ZLID"]


def test_damaged_contacts_database(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_file(SHARED, "ContactsV2.sqlite", b"SQLite format 3\x00" + b"\x01" * 2000)
    with pytest.raises(sqlite3.DatabaseError):
        extract(builder.write(tmp_path / "b"), whatsapp_contacts.ARTIFACT)


@pytest.mark.parametrize(("seconds", "label"), [
    (None, "off"), (0, "off"), (86400, "24 hours"), (604800, "7 days"), (1209600, "14 days"),
    (2592000, "30 days"), (7776000, "90 days"), (3600, "3600 seconds")])
def test_disappearing_labels(seconds: int | None, label: str) -> None:
    assert disappearing_label(seconds) == label
