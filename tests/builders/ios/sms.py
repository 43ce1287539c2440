"""sms.db as iOS writes it: the iOS 17 generation (dates in Cocoa ns) and iOS 10 (Cocoa s).

Schemas: the iOS 17-era `message`, `chat`, `handle` tables, indexes and triggers follow a
public `.schema` dump of the same generation of the Messages database (the macOS chat.db shares
the layout; the `is_stewie`/`is_kt_verified`/`fallback_hash` columns date it to iOS 17 /
macOS 14); `attachment` follows the column list published by imessage-exporter; the other
tables and the iOS 10 generation follow public `.schema` dumps of iOS 10.2 and 11.2 sms.db.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tests.builders.timestamps import cocoa_ns, cocoa_s

COMMON_TABLES_IOS17 = """
CREATE TABLE _SqliteDatabaseProperties (key TEXT, value TEXT, UNIQUE(key));
CREATE TABLE deleted_messages (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, guid TEXT NOT NULL);
CREATE TABLE chat_handle_join (chat_id INTEGER REFERENCES chat (ROWID) ON DELETE CASCADE, handle_id INTEGER REFERENCES handle (ROWID) ON DELETE CASCADE, UNIQUE(chat_id, handle_id));
CREATE TABLE sync_deleted_messages (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, guid TEXT NOT NULL, recordID TEXT );
CREATE TABLE message_processing_task (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, guid TEXT NOT NULL, task_flags INTEGER NOT NULL );
CREATE TABLE handle (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, id TEXT NOT NULL, country TEXT, service TEXT NOT NULL, uncanonicalized_id TEXT, person_centric_id TEXT, UNIQUE (id, service) );
CREATE TABLE sync_deleted_chats (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, guid TEXT NOT NULL, recordID TEXT,timestamp INTEGER);
CREATE TABLE message_attachment_join (message_id INTEGER REFERENCES message (ROWID) ON DELETE CASCADE, attachment_id INTEGER REFERENCES attachment (ROWID) ON DELETE CASCADE, UNIQUE(message_id, attachment_id));
CREATE TABLE sync_deleted_attachments (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, guid TEXT NOT NULL, recordID TEXT );
CREATE TABLE kvtable (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, key TEXT UNIQUE NOT NULL, value BLOB NOT NULL);
CREATE TABLE chat_message_join (chat_id INTEGER REFERENCES chat (ROWID) ON DELETE CASCADE, message_id INTEGER REFERENCES message (ROWID) ON DELETE CASCADE, message_date INTEGER DEFAULT 0, PRIMARY KEY (chat_id, message_id));
"""

MESSAGE_IOS17 = """
CREATE TABLE message (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, text TEXT, replace INTEGER DEFAULT 0, service_center TEXT, handle_id INTEGER DEFAULT 0, subject TEXT, country TEXT, attributedBody BLOB, version INTEGER DEFAULT 0, type INTEGER DEFAULT 0, service TEXT, account TEXT, account_guid TEXT, error INTEGER DEFAULT 0, date INTEGER, date_read INTEGER, date_delivered INTEGER, is_delivered INTEGER DEFAULT 0, is_finished INTEGER DEFAULT 0, is_emote INTEGER DEFAULT 0, is_from_me INTEGER DEFAULT 0, is_empty INTEGER DEFAULT 0, is_delayed INTEGER DEFAULT 0, is_auto_reply INTEGER DEFAULT 0, is_prepared INTEGER DEFAULT 0, is_read INTEGER DEFAULT 0, is_system_message INTEGER DEFAULT 0, is_sent INTEGER DEFAULT 0, has_dd_results INTEGER DEFAULT 0, is_service_message INTEGER DEFAULT 0, is_forward INTEGER DEFAULT 0, was_downgraded INTEGER DEFAULT 0, is_archive INTEGER DEFAULT 0, cache_has_attachments INTEGER DEFAULT 0, cache_roomnames TEXT, was_data_detected INTEGER DEFAULT 0, was_deduplicated INTEGER DEFAULT 0, is_audio_message INTEGER DEFAULT 0, is_played INTEGER DEFAULT 0, date_played INTEGER, item_type INTEGER DEFAULT 0, other_handle INTEGER DEFAULT 0, group_title TEXT, group_action_type INTEGER DEFAULT 0, share_status INTEGER DEFAULT 0, share_direction INTEGER DEFAULT 0, is_expirable INTEGER DEFAULT 0, expire_state INTEGER DEFAULT 0, message_action_type INTEGER DEFAULT 0, message_source INTEGER DEFAULT 0, associated_message_guid TEXT, associated_message_type INTEGER DEFAULT 0, balloon_bundle_id TEXT, payload_data BLOB, expressive_send_style_id TEXT, associated_message_range_location INTEGER DEFAULT 0, associated_message_range_length INTEGER DEFAULT 0, time_expressive_send_played INTEGER, message_summary_info BLOB, ck_sync_state INTEGER DEFAULT 0, ck_record_id TEXT, ck_record_change_tag TEXT, destination_caller_id TEXT, is_corrupt INTEGER DEFAULT 0, reply_to_guid TEXT, sort_id INTEGER, is_spam INTEGER DEFAULT 0, has_unseen_mention INTEGER DEFAULT 0, thread_originator_guid TEXT, thread_originator_part TEXT, syndication_ranges TEXT, synced_syndication_ranges TEXT, was_delivered_quietly INTEGER DEFAULT 0, did_notify_recipient INTEGER DEFAULT 0, date_retracted INTEGER, date_edited INTEGER, was_detonated INTEGER DEFAULT 0, part_count INTEGER, is_stewie INTEGER DEFAULT 0, is_sos INTEGER DEFAULT 0, is_critical INTEGER DEFAULT 0, bia_reference_id TEXT, is_kt_verified INTEGER DEFAULT 0, fallback_hash TEXT);
CREATE INDEX message_idx_date ON message(date);
CREATE INDEX message_idx_thread_originator_guid ON message(thread_originator_guid);
CREATE INDEX message_idx_handle ON message(handle_id, date);
CREATE INDEX message_idx_handle_id ON message(handle_id);
CREATE INDEX message_idx_is_sent_is_from_me_error ON message(is_sent, is_from_me, error);
CREATE INDEX message_idx_associated_message ON message(associated_message_guid);
CREATE INDEX message_idx_undelivered_one_to_one_imessage ON message(cache_roomnames,service,is_sent,is_delivered,was_downgraded,item_type) where cache_roomnames IS NULL AND service = 'iMessage' AND is_sent = 1 AND is_delivered = 0 AND was_downgraded = 0 AND item_type == 0;
CREATE INDEX message_idx_cache_has_attachments ON message(cache_has_attachments);
CREATE INDEX message_idx_other_handle ON message(other_handle);
CREATE INDEX message_idx_was_downgraded ON message(was_downgraded);
CREATE INDEX message_idx_expire_state ON message(expire_state);
CREATE INDEX message_idx_is_read ON message(is_read, is_from_me, is_finished);
CREATE INDEX message_idx_isRead_isFromMe_itemType ON message(is_read, is_from_me, item_type);
CREATE INDEX message_idx_failed ON message(is_finished, is_from_me, error);
CREATE TRIGGER after_delete_on_message AFTER DELETE ON message BEGIN     DELETE FROM handle         WHERE handle.ROWID = OLD.handle_id     AND         (SELECT 1 from chat_handle_join WHERE handle_id = OLD.handle_id LIMIT 1) IS NULL     AND         (SELECT 1 from message WHERE handle_id = OLD.handle_id LIMIT 1) IS NULL     AND         (SELECT 1 from message WHERE other_handle = OLD.handle_id LIMIT 1) IS NULL; END;
CREATE TRIGGER update_message_date_after_update_on_message AFTER UPDATE OF date ON message BEGIN UPDATE chat_message_join SET message_date = NEW.date WHERE message_id = NEW.ROWID AND message_date != NEW.date; END;
CREATE TRIGGER after_delete_on_message_plugin AFTER DELETE ON message WHEN OLD.balloon_bundle_id IS NOT NULL BEGIN   SELECT after_delete_message_plugin(OLD.ROWID, OLD.guid); END;
CREATE TRIGGER add_to_sync_deleted_messages AFTER DELETE ON message BEGIN     INSERT INTO sync_deleted_messages (guid, recordID) VALUES (OLD.guid, OLD.ck_record_id); END;
CREATE TRIGGER add_to_deleted_messages AFTER DELETE ON message BEGIN     INSERT INTO deleted_messages (guid) VALUES (OLD.guid); END;
"""

CHAT_IOS17 = """
CREATE TABLE chat (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, style INTEGER, state INTEGER, account_id TEXT, properties BLOB, chat_identifier TEXT, service_name TEXT, room_name TEXT, account_login TEXT, is_archived INTEGER DEFAULT 0, last_addressed_handle TEXT, display_name TEXT, group_id TEXT, is_filtered INTEGER DEFAULT 0, successful_query INTEGER, engram_id TEXT, server_change_token TEXT, ck_sync_state INTEGER DEFAULT 0, original_group_id TEXT, last_read_message_timestamp INTEGER DEFAULT 0, cloudkit_record_id TEXT, last_addressed_sim_id TEXT, is_blackholed INTEGER DEFAULT 0, syndication_date INTEGER DEFAULT 0, syndication_type INTEGER DEFAULT 0, is_recovered INTEGER DEFAULT 0, is_deleting_incoming_messages INTEGER DEFAULT 0);
CREATE INDEX chat_idx_chat_identifier_service_name ON chat(chat_identifier, service_name);
CREATE INDEX chat_idx_chat_identifier ON chat(chat_identifier);
CREATE INDEX chat_idx_chat_room_name_service_name ON chat(room_name, service_name);
CREATE INDEX chat_idx_is_archived ON chat(is_archived);
CREATE INDEX chat_idx_group_id ON chat(group_id);
CREATE TRIGGER after_delete_on_chat AFTER DELETE ON chat BEGIN DELETE FROM chat_message_join WHERE chat_id = OLD.ROWID; END;
CREATE TABLE attachment (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, created_date INTEGER DEFAULT 0, start_date INTEGER DEFAULT 0, filename TEXT, uti TEXT, mime_type TEXT, transfer_state INTEGER DEFAULT 0, is_outgoing INTEGER DEFAULT 0, user_info BLOB, transfer_name TEXT, total_bytes INTEGER DEFAULT 0, is_sticker INTEGER DEFAULT 0, sticker_user_info BLOB, attribution_info BLOB, hide_attachment INTEGER DEFAULT 0, ck_sync_state INTEGER DEFAULT 0, ck_server_change_token_blob BLOB DEFAULT NULL, ck_record_id TEXT DEFAULT NULL, original_guid TEXT UNIQUE NOT NULL, sr_ck_sync_state INTEGER DEFAULT 0, sr_ck_server_change_token_blob BLOB DEFAULT NULL, sr_ck_record_id TEXT DEFAULT NULL, is_commsafety_sensitive INTEGER DEFAULT 0);
"""

SCHEMA_IOS10 = """
CREATE TABLE _SqliteDatabaseProperties (key TEXT, value TEXT, UNIQUE(key));
CREATE TABLE deleted_messages (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, guid TEXT NOT NULL);
CREATE TABLE chat_handle_join (chat_id INTEGER REFERENCES chat (ROWID) ON DELETE CASCADE, handle_id INTEGER REFERENCES handle (ROWID) ON DELETE CASCADE, UNIQUE(chat_id, handle_id));
CREATE TABLE chat_message_join (chat_id INTEGER REFERENCES chat (ROWID) ON DELETE CASCADE, message_id INTEGER REFERENCES message (ROWID) ON DELETE CASCADE, PRIMARY KEY (chat_id, message_id));
CREATE TABLE message_attachment_join (message_id INTEGER REFERENCES message (ROWID) ON DELETE CASCADE, attachment_id INTEGER REFERENCES attachment (ROWID) ON DELETE CASCADE, UNIQUE(message_id, attachment_id));
CREATE TABLE handle (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, id TEXT NOT NULL, country TEXT, service TEXT NOT NULL, uncanonicalized_id TEXT, UNIQUE (id, service) );
CREATE TABLE message (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, text TEXT, replace INTEGER DEFAULT 0, service_center TEXT, handle_id INTEGER DEFAULT 0, subject TEXT, country TEXT, attributedBody BLOB, version INTEGER DEFAULT 0, type INTEGER DEFAULT 0, service TEXT, account TEXT, account_guid TEXT, error INTEGER DEFAULT 0, date INTEGER, date_read INTEGER, date_delivered INTEGER, is_delivered INTEGER DEFAULT 0, is_finished INTEGER DEFAULT 0, is_emote INTEGER DEFAULT 0, is_from_me INTEGER DEFAULT 0, is_empty INTEGER DEFAULT 0, is_delayed INTEGER DEFAULT 0, is_auto_reply INTEGER DEFAULT 0, is_prepared INTEGER DEFAULT 0, is_read INTEGER DEFAULT 0, is_system_message INTEGER DEFAULT 0, is_sent INTEGER DEFAULT 0, has_dd_results INTEGER DEFAULT 0, is_service_message INTEGER DEFAULT 0, is_forward INTEGER DEFAULT 0, was_downgraded INTEGER DEFAULT 0, is_archive INTEGER DEFAULT 0, cache_has_attachments INTEGER DEFAULT 0, cache_roomnames TEXT, was_data_detected INTEGER DEFAULT 0, was_deduplicated INTEGER DEFAULT 0, is_audio_message INTEGER DEFAULT 0, is_played INTEGER DEFAULT 0, date_played INTEGER, item_type INTEGER DEFAULT 0, other_handle INTEGER DEFAULT 0, group_title TEXT, group_action_type INTEGER DEFAULT 0, share_status INTEGER DEFAULT 0, share_direction INTEGER DEFAULT 0, is_expirable INTEGER DEFAULT 0, expire_state INTEGER DEFAULT 0, message_action_type INTEGER DEFAULT 0, message_source INTEGER DEFAULT 0, associated_message_guid STRING DEFAULT NULL, balloon_bundle_id STRING DEFAULT NULL, payload_data BLOB, associated_message_type INTEGER DEFAULT 0, expressive_send_style_id STRING DEFAULT NULL, associated_message_range_location INTEGER DEFAULT 0, associated_message_range_length INTEGER DEFAULT 0, time_expressive_send_played INTEGER DEFAULT 0, message_summary_info BLOB DEFAULT NULL);
CREATE TABLE chat (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, style INTEGER, state INTEGER, account_id TEXT, properties BLOB, chat_identifier TEXT, service_name TEXT, room_name TEXT, account_login TEXT, is_archived INTEGER DEFAULT 0, last_addressed_handle TEXT, display_name TEXT, group_id TEXT, is_filtered INTEGER, successful_query INTEGER);
CREATE TABLE attachment (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, created_date INTEGER DEFAULT 0, start_date INTEGER DEFAULT 0, filename TEXT, uti TEXT, mime_type TEXT, transfer_state INTEGER DEFAULT 0, is_outgoing INTEGER DEFAULT 0, user_info BLOB, transfer_name TEXT, total_bytes INTEGER DEFAULT 0, is_sticker INTEGER DEFAULT 0, sticker_user_info BLOB, attribution_info BLOB, hide_attachment INTEGER DEFAULT 0);
"""

IOS17 = "ios17"
IOS10 = "ios10"


# -- attributedBody: NSAttributedString archived with NSArchiver ("streamtyped") ------------

def typedstream_int(value: int) -> bytes:
    """The typedstream compact integer: one signed byte, or 0x81 + int16 / 0x82 + int32 (LE)."""
    if -110 <= value <= 127:
        return (value & 0xFF).to_bytes(1, "little")
    if -32768 <= value <= 32767:
        return b"\x81" + value.to_bytes(2, "little", signed=True)
    return b"\x82" + value.to_bytes(4, "little", signed=True)


def attributed_body(text: str, *, mutable: bool = False) -> bytes:
    """The attributedBody blob that Messages writes for `text` (one attribute run).

    The run length is in UTF-16 code units, as NSString counts; the string itself is UTF-8.
    `mutable` archives an NSMutableString, whose class chain names NSString as superclass.
    """
    raw = text.encode("utf-8")
    units = len(text.encode("utf-16-le")) // 2
    if mutable:
        string_class = (b"\x84\x84\x84\x0fNSMutableString\x01"
                        b"\x84\x84\x08NSString\x01\x94")
    else:
        string_class = b"\x84\x84\x84\x08NSString\x01\x94"
    return (b"\x04\x0bstreamtyped\x81\xe8\x03\x84\x01@"
            b"\x84\x84\x84\x12NSAttributedString\x00\x84\x84\x08NSObject\x00\x85\x92"
            + string_class + b"\x84\x01+" + typedstream_int(len(raw)) + raw
            + b"\x86\x84\x02iI\x01" + typedstream_int(units)
            + b"\x92\x84\x84\x84\x0cNSDictionary\x00\x94\x84\x01i\x01"
            b"\x92\x84\x96\x96\x1d__kIMMessagePartAttributeName\x86"
            b"\x92\x84\x84\x84\x08NSNumber\x00\x84\x84\x07NSValue\x00\x94\x84\x01*\x84\x99\x99"
            b"\x00\x86\x86\x86")


# -- rows ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Attachment:
    filename: str
    mime_type: str
    transfer_name: str
    total_bytes: int


@dataclass(frozen=True)
class Message:
    guid: str
    unix_time: float
    text: str | None
    handle: str | None = None  # handle.id; None stores handle_id 0
    service: str = "iMessage"
    is_from_me: bool = False
    body_only: bool = False  # text NULL, the text only in attributedBody
    attributed: bytes | None = None  # an explicit attributedBody blob (overrides the text's)
    read_time: float | None = None
    delivered_time: float | None = None
    chat: str | None = None  # chat_identifier of the conversation
    attachment: Attachment | None = None


def sms_db(messages: Sequence[Message], generation: str = IOS17
           ) -> Callable[[sqlite3.Connection], None]:
    """A fill function for BackupBuilder.add_sqlite; message ROWIDs are list index + 1."""
    def stamp(unix: float | None) -> int:
        if unix is None:
            return 0
        return cocoa_ns(unix) if generation == IOS17 else int(cocoa_s(unix))

    def fill(db: sqlite3.Connection) -> None:
        if generation == IOS17:
            db.executescript(COMMON_TABLES_IOS17 + MESSAGE_IOS17 + CHAT_IOS17)
        else:
            db.executescript(SCHEMA_IOS10)
        db.execute("INSERT INTO _SqliteDatabaseProperties VALUES ('_ClientVersion', ?)",
                   ("17006" if generation == IOS17 else "10013",))
        handles: dict[tuple[str, str], int] = {}
        chats: dict[str, int] = {}
        for number, message in enumerate(messages, start=1):
            handle_id = 0
            if message.handle is not None:
                key = (message.handle, message.service)
                if key not in handles:
                    country = None if "@" in message.handle else "mx"
                    cur = db.execute("INSERT INTO handle (id, country, service, "
                                     "uncanonicalized_id) VALUES (?, ?, ?, NULL)",
                                     (message.handle, country, message.service))
                    handles[key] = int(cur.lastrowid or 0)
                handle_id = handles[key]
            body = message.attributed
            if body is None and message.text is not None and generation == IOS17:
                body = attributed_body(message.text)
            text = None if message.body_only else message.text
            date = stamp(message.unix_time)
            db.execute(
                "INSERT INTO message (ROWID, guid, text, handle_id, attributedBody, service, "
                "account, account_guid, date, date_read, date_delivered, is_delivered, "
                "is_finished, is_from_me, is_read, is_sent, cache_has_attachments) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 1, ?, ?, ?, ?)",
                (number, message.guid, text, handle_id, body, message.service,
                 "e:persona@example.org" if message.service == "iMessage" else "p:+525555550100",
                 "6E1B8F0A-0C55-4D7A-9D3E-3C2B5A1F0E11", date, stamp(message.read_time),
                 stamp(message.delivered_time), int(message.is_from_me),
                 int(message.read_time is not None), int(message.is_from_me),
                 int(message.attachment is not None)))
            if message.chat is not None:
                if message.chat not in chats:
                    cur = db.execute(
                        "INSERT INTO chat (guid, style, state, account_id, chat_identifier, "
                        "service_name, account_login) VALUES (?, 45, 3, ?, ?, ?, ?)",
                        (f"{message.service};-;{message.chat}",
                         "6E1B8F0A-0C55-4D7A-9D3E-3C2B5A1F0E11", message.chat,
                         message.service, "E:persona@example.org"))
                    chats[message.chat] = int(cur.lastrowid or 0)
                    if handle_id:
                        db.execute("INSERT OR IGNORE INTO chat_handle_join VALUES (?, ?)",
                                   (chats[message.chat], handle_id))
                if generation == IOS17:
                    db.execute("INSERT INTO chat_message_join VALUES (?, ?, ?)",
                               (chats[message.chat], number, date))
                else:
                    db.execute("INSERT INTO chat_message_join VALUES (?, ?)",
                               (chats[message.chat], number))
            if message.attachment is not None:
                attachment = message.attachment
                columns = ("guid, created_date, start_date, filename, uti, mime_type, "
                           "transfer_state, is_outgoing, transfer_name, total_bytes")
                values: tuple[object, ...] = (
                    f"AT_0_{message.guid}", int(cocoa_s(message.unix_time)), 0,
                    attachment.filename, "public.jpeg", attachment.mime_type, 5,
                    int(message.is_from_me), attachment.transfer_name, attachment.total_bytes)
                if generation == IOS17:
                    columns += ", original_guid"
                    values += (f"AT_0_{message.guid}",)
                marks = ", ".join("?" * len(values))
                cur = db.execute(f"INSERT INTO attachment ({columns}) VALUES ({marks})", values)
                db.execute("INSERT INTO message_attachment_join VALUES (?, ?)",
                           (number, int(cur.lastrowid or 0)))
    return fill
