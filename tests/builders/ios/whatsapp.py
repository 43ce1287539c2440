"""WhatsApp's ChatStorage.sqlite: a CoreData store (Z_PK/Z_ENT/Z_OPT, Z_PRIMARYKEY, Z_METADATA).

Schemas: ZWACHATSESSION, ZWAMESSAGE, ZWAMEDIAITEM, ZWAGROUPMEMBER and ZWAPROFILEPUSHNAME follow
a public `.schema` dump of a 2024–2025 store; ZWAGROUPINFO follows another public dump of the
same generation. ZWAMESSAGEDATAITEM is assembled from the columns that public readers query
(ZINDEX, ZTYPE, ZMESSAGE, ZCONTENT1, ZCONTENT2, ZMATCHEDTEXT, ZSUMMARY, ZTITLE, ZTHUMBNAILPATH)
in CoreData's column order; ZDATE and ZSECTIONID are unconfirmed. Entity numbers are
alphabetical over the entities built here, not WhatsApp's full model.
"""

from __future__ import annotations

import plistlib
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tests.builders.timestamps import cocoa_s

SCHEMA = """
CREATE TABLE ZWACHATSESSION ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZARCHIVED INTEGER, ZCONTACTABID INTEGER, ZFLAGS INTEGER, ZHIDDEN INTEGER, ZIDENTITYVERIFICATIONEPOCH INTEGER, ZIDENTITYVERIFICATIONSTATE INTEGER, ZMESSAGECOUNTER INTEGER, ZREMOVED INTEGER, ZSESSIONTYPE INTEGER, ZSPOTLIGHTSTATUS INTEGER, ZUNREADCOUNT INTEGER, ZGROUPINFO INTEGER, ZLASTMESSAGE INTEGER, ZPROPERTIES INTEGER, ZLASTMESSAGEDATE TIMESTAMP, ZLOCATIONSHARINGENDDATE TIMESTAMP, ZCONTACTIDENTIFIER VARCHAR, ZCONTACTJID VARCHAR, ZETAG VARCHAR, ZLASTMESSAGETEXT VARCHAR, ZPARTNERNAME VARCHAR, ZSAVEDINPUT VARCHAR );
CREATE TABLE ZWAGROUPINFO ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZSTATE INTEGER, ZCHATSESSION INTEGER, ZLASTMESSAGEOWNER INTEGER, ZCREATIONDATE TIMESTAMP, ZSUBJECTTIMESTAMP TIMESTAMP, ZCREATORJID VARCHAR, ZOWNERJID VARCHAR, ZPICTUREID VARCHAR, ZPICTUREPATH VARCHAR, ZSOURCEJID VARCHAR, ZSUBJECTOWNERJID VARCHAR );
CREATE TABLE ZWAGROUPMEMBER ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZCONTACTABID INTEGER, ZISACTIVE INTEGER, ZISADMIN INTEGER, ZSENDERKEYSENT INTEGER, ZCHATSESSION INTEGER, ZRECENTGROUPCHAT INTEGER, ZCONTACTIDENTIFIER VARCHAR, ZCONTACTNAME VARCHAR, ZFIRSTNAME VARCHAR, ZMEMBERJID VARCHAR );
CREATE TABLE ZWAMEDIAITEM ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZCLOUDSTATUS INTEGER, ZFILESIZE INTEGER, ZMEDIAORIGIN INTEGER, ZMOVIEDURATION INTEGER, ZMESSAGE INTEGER, ZASPECTRATIO FLOAT, ZHACCURACY FLOAT, ZLATITUDE FLOAT, ZLONGITUDE FLOAT, ZMEDIAURLDATE TIMESTAMP, ZAUTHORNAME VARCHAR, ZCOLLECTIONNAME VARCHAR, ZMEDIALOCALPATH VARCHAR, ZMEDIAURL VARCHAR, ZTHUMBNAILLOCALPATH VARCHAR, ZTITLE VARCHAR, ZVCARDNAME VARCHAR, ZVCARDSTRING VARCHAR, ZXMPPTHUMBPATH VARCHAR, ZMEDIAKEY BLOB, ZMETADATA BLOB );
CREATE TABLE ZWAMESSAGE ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZCHILDMESSAGESDELIVEREDCOUNT INTEGER, ZCHILDMESSAGESPLAYEDCOUNT INTEGER, ZCHILDMESSAGESREADCOUNT INTEGER, ZDATAITEMVERSION INTEGER, ZDOCID INTEGER, ZENCRETRYCOUNT INTEGER, ZFILTEREDRECIPIENTCOUNT INTEGER, ZFLAGS INTEGER, ZGROUPEVENTTYPE INTEGER, ZISFROMME INTEGER, ZMESSAGEERRORSTATUS INTEGER, ZMESSAGESTATUS INTEGER, ZMESSAGETYPE INTEGER, ZSORT INTEGER, ZSPOTLIGHTSTATUS INTEGER, ZSTARRED INTEGER, ZCHATSESSION INTEGER, ZGROUPMEMBER INTEGER, ZLASTSESSION INTEGER, ZMEDIAITEM INTEGER, ZMESSAGEINFO INTEGER, ZPARENTMESSAGE INTEGER, ZMESSAGEDATE TIMESTAMP, ZSENTDATE TIMESTAMP, ZFROMJID VARCHAR, ZMEDIASECTIONID VARCHAR, ZPHASH VARCHAR, ZPUSHNAME VARCHAR, ZSTANZAID VARCHAR, ZTEXT VARCHAR, ZTOJID VARCHAR );
CREATE TABLE ZWAMESSAGEDATAITEM ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZINDEX INTEGER, ZTYPE INTEGER, ZMESSAGE INTEGER, ZDATE TIMESTAMP, ZCONTENT1 VARCHAR, ZCONTENT2 VARCHAR, ZMATCHEDTEXT VARCHAR, ZSECTIONID VARCHAR, ZSUMMARY VARCHAR, ZTHUMBNAILPATH VARCHAR, ZTITLE VARCHAR );
CREATE TABLE ZWAPROFILEPUSHNAME ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZJID VARCHAR, ZPUSHNAME VARCHAR );
CREATE TABLE Z_PRIMARYKEY (Z_ENT INTEGER PRIMARY KEY, Z_NAME VARCHAR, Z_SUPER INTEGER, Z_MAX INTEGER);
CREATE TABLE Z_METADATA (Z_VERSION INTEGER PRIMARY KEY, Z_UUID VARCHAR(255), Z_PLIST BLOB);
CREATE TABLE Z_MODELCACHE (Z_CONTENT BLOB);
CREATE INDEX ZWACHATSESSION_ZGROUPINFO_INDEX ON ZWACHATSESSION (ZGROUPINFO);
CREATE INDEX ZWACHATSESSION_ZLASTMESSAGE_INDEX ON ZWACHATSESSION (ZLASTMESSAGE);
CREATE INDEX ZWAGROUPINFO_ZCHATSESSION_INDEX ON ZWAGROUPINFO (ZCHATSESSION);
CREATE INDEX ZWAGROUPMEMBER_ZCHATSESSION_INDEX ON ZWAGROUPMEMBER (ZCHATSESSION);
CREATE INDEX ZWAMEDIAITEM_ZMESSAGE_INDEX ON ZWAMEDIAITEM (ZMESSAGE);
CREATE INDEX ZWAMESSAGE_ZCHATSESSION_INDEX ON ZWAMESSAGE (ZCHATSESSION);
CREATE INDEX ZWAMESSAGE_ZGROUPMEMBER_INDEX ON ZWAMESSAGE (ZGROUPMEMBER);
CREATE INDEX ZWAMESSAGE_ZMEDIAITEM_INDEX ON ZWAMESSAGE (ZMEDIAITEM);
CREATE INDEX ZWAMESSAGE_ZPARENTMESSAGE_INDEX ON ZWAMESSAGE (ZPARENTMESSAGE);
CREATE INDEX ZWAMESSAGEDATAITEM_ZMESSAGE_INDEX ON ZWAMESSAGEDATAITEM (ZMESSAGE);
CREATE INDEX Z_WAMessage_compoundIndex ON ZWAMESSAGE (ZCHATSESSION, ZSORT);
"""

ENTITIES = ("WAChatSession", "WAGroupInfo", "WAGroupMember", "WAMediaItem", "WAMessage",
            "WAMessageDataItem", "WAProfilePushName")
ENT = {name: number for number, name in enumerate(ENTITIES, start=1)}

GROUP_SESSION = 1
PRIVATE_SESSION = 0


@dataclass(frozen=True)
class Media:
    url: str | None
    local_path: str | None
    author: str | None = None
    title: str | None = None
    file_size: int = 0


@dataclass(frozen=True)
class DataItem:
    content1: str | None = None
    content2: str | None = None
    matched_text: str | None = None
    title: str | None = None
    summary: str | None = None


@dataclass(frozen=True)
class WaMessage:
    chat: str  # the session's ZCONTACTJID
    unix_time: float
    text: str | None
    is_from_me: bool = False
    from_jid: str | None = None
    to_jid: str | None = None
    member: str | None = None  # group chats: the sending member's JID
    message_type: int = 0  # 0 text, 1 image, 6 group event
    sent_time: float | None = None
    media: Media | None = None
    data_items: tuple[DataItem, ...] = ()
    partner: str | None = None  # ZPARTNERNAME of the session


def _metadata_plist() -> bytes:
    return plistlib.dumps({
        "NSPersistenceFrameworkVersion": 1338,
        "NSStoreModelVersionHashes": {name: bytes(32) for name in ENTITIES},
        "NSStoreModelVersionHashesVersion": 3,
        "NSStoreModelVersionIdentifiers": [""],
        "NSStoreType": "SQLite",
        "NSStoreUUID": "3C1D2B7A-9E0F-4A51-8B6C-2D4E6F8A0B1C",
        "_NSAutoVacuumLevel": "2",
    }, fmt=plistlib.FMT_BINARY)


def chat_storage(messages: Sequence[WaMessage]) -> Callable[[sqlite3.Connection], None]:
    """A fill function for BackupBuilder.add_sqlite; message Z_PKs are list index + 1."""
    def fill(db: sqlite3.Connection) -> None:
        db.executescript(SCHEMA)
        db.execute("INSERT INTO Z_METADATA VALUES (1, '3C1D2B7A-9E0F-4A51-8B6C-2D4E6F8A0B1C', ?)",
                   (_metadata_plist(),))
        sessions: dict[str, int] = {}
        members: dict[tuple[int, str], int] = {}
        sort: dict[int, int] = {}
        media_pk = data_pk = 0
        for pk, message in enumerate(messages, start=1):
            if message.chat not in sessions:
                group = message.chat.endswith("@g.us")
                cur = db.execute(
                    "INSERT INTO ZWACHATSESSION (Z_ENT, Z_OPT, ZARCHIVED, ZFLAGS, ZHIDDEN, "
                    "ZMESSAGECOUNTER, ZREMOVED, ZSESSIONTYPE, ZSPOTLIGHTSTATUS, ZUNREADCOUNT, "
                    "ZCONTACTJID, ZPARTNERNAME) VALUES (?, 1, 0, 0, 0, 0, 0, ?, -5, 0, ?, ?)",
                    (ENT["WAChatSession"], GROUP_SESSION if group else PRIVATE_SESSION,
                     message.chat, message.partner))
                sessions[message.chat] = int(cur.lastrowid or 0)
                if group:
                    info = db.execute(
                        "INSERT INTO ZWAGROUPINFO (Z_ENT, Z_OPT, ZSTATE, ZCHATSESSION, "
                        "ZCREATIONDATE, ZCREATORJID) VALUES (?, 1, 2, ?, ?, ?)",
                        (ENT["WAGroupInfo"], sessions[message.chat],
                         cocoa_s(message.unix_time - 86_400), message.member))
                    db.execute("UPDATE ZWACHATSESSION SET ZGROUPINFO = ? WHERE Z_PK = ?",
                               (info.lastrowid, sessions[message.chat]))
            session = sessions[message.chat]
            member_pk = None
            if message.member is not None:
                key = (session, message.member)
                if key not in members:
                    cur = db.execute(
                        "INSERT INTO ZWAGROUPMEMBER (Z_ENT, Z_OPT, ZISACTIVE, ZISADMIN, "
                        "ZCHATSESSION, ZMEMBERJID) VALUES (?, 1, 1, 0, ?, ?)",
                        (ENT["WAGroupMember"], session, message.member))
                    members[key] = int(cur.lastrowid or 0)
                member_pk = members[key]
            sort[session] = sort.get(session, 0) + 1
            media_ref = None
            if message.media is not None:
                media_pk += 1
                media_ref = media_pk
            sent = cocoa_s(message.sent_time) if message.sent_time is not None else None
            db.execute(
                "INSERT INTO ZWAMESSAGE (Z_PK, Z_ENT, Z_OPT, ZDATAITEMVERSION, ZFLAGS, "
                "ZGROUPEVENTTYPE, ZISFROMME, ZMESSAGEERRORSTATUS, ZMESSAGESTATUS, ZMESSAGETYPE, "
                "ZSORT, ZSPOTLIGHTSTATUS, ZSTARRED, ZCHATSESSION, ZGROUPMEMBER, ZMEDIAITEM, "
                "ZMESSAGEDATE, ZSENTDATE, ZFROMJID, ZSTANZAID, ZTEXT, ZTOJID) "
                "VALUES (?, ?, 3, 3, ?, 0, ?, 0, ?, ?, ?, -32768, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (pk, ENT["WAMessage"], 16777280 if message.is_from_me else 16777216,
                 int(message.is_from_me), 8 if message.is_from_me else 6, message.message_type,
                 sort[session], session, member_pk, media_ref, cocoa_s(message.unix_time), sent,
                 message.from_jid, f"3EB0{pk:016X}", message.text, message.to_jid))
            if message.media is not None:
                media = message.media
                db.execute(
                    "INSERT INTO ZWAMEDIAITEM (Z_PK, Z_ENT, Z_OPT, ZCLOUDSTATUS, ZFILESIZE, "
                    "ZMEDIAORIGIN, ZMESSAGE, ZAUTHORNAME, ZMEDIALOCALPATH, ZMEDIAURL, ZTITLE, "
                    "ZMEDIAKEY) VALUES (?, ?, 2, 0, ?, 0, ?, ?, ?, ?, ?, ?)",
                    (media_pk, ENT["WAMediaItem"], media.file_size, pk, media.author,
                     media.local_path, media.url, media.title, bytes(range(32))))
            for index, item in enumerate(message.data_items):
                data_pk += 1
                db.execute(
                    "INSERT INTO ZWAMESSAGEDATAITEM (Z_PK, Z_ENT, Z_OPT, ZINDEX, ZTYPE, "
                    "ZMESSAGE, ZCONTENT1, ZCONTENT2, ZMATCHEDTEXT, ZSUMMARY, ZTITLE) "
                    "VALUES (?, ?, 1, ?, 0, ?, ?, ?, ?, ?, ?)",
                    (data_pk, ENT["WAMessageDataItem"], index, pk, item.content1, item.content2,
                     item.matched_text, item.summary, item.title))
            db.execute(
                "UPDATE ZWACHATSESSION SET ZLASTMESSAGE = ?, ZLASTMESSAGEDATE = ?, "
                "ZMESSAGECOUNTER = ZMESSAGECOUNTER + 1 WHERE Z_PK = ?",
                (pk, cocoa_s(message.unix_time), session))
        maxima = {"WAChatSession": len(sessions), "WAGroupMember": len(members),
                  "WAGroupInfo": db.execute("SELECT COUNT(*) FROM ZWAGROUPINFO").fetchone()[0],
                  "WAMediaItem": media_pk, "WAMessage": len(messages),
                  "WAMessageDataItem": data_pk, "WAProfilePushName": 0}
        db.executemany("INSERT INTO Z_PRIMARYKEY VALUES (?, ?, 0, ?)",
                       [(ENT[name], name, maxima[name]) for name in ENTITIES])
    return fill
