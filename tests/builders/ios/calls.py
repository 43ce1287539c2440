"""CallHistory.storedata as iOS writes it, in two generations.

Schemas: `IOS10` follows a public `.schema` dump of an iOS 10–11 backup's call log (Richard
Infante's "Reverse Engineering the iOS Backup", which also names `ZCALLDBPROPERTIES`), where
`ZADDRESS` is a BLOB. `IOS17` follows a public transcription of a recent CallHistory store
(`ZADDRESS VARCHAR`, `ZHANDLE` and the `Z_2REMOTEPARTICIPANTHANDLES` join table of group calls,
with its indexes). CoreData entity numbers: 2 is CallRecord and 4 Handle (from the join
table's column names); entity 3 of the real model is not built here. ZDATE is Cocoa seconds.
"""

from __future__ import annotations

import plistlib
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tests.builders.timestamps import cocoa_s

IOS10 = "ios10"
IOS17 = "ios17"

COMMON = """
CREATE TABLE ZCALLDBPROPERTIES ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZTIMER_ALL FLOAT, ZTIMER_INCOMING FLOAT, ZTIMER_LAST FLOAT, ZTIMER_LIFETIME FLOAT, ZTIMER_OUTGOING FLOAT );
CREATE TABLE Z_PRIMARYKEY (Z_ENT INTEGER PRIMARY KEY, Z_NAME VARCHAR, Z_SUPER INTEGER, Z_MAX INTEGER);
CREATE TABLE Z_METADATA (Z_VERSION INTEGER PRIMARY KEY, Z_UUID VARCHAR(255), Z_PLIST BLOB);
CREATE TABLE Z_MODELCACHE (Z_CONTENT BLOB);
"""

SCHEMA_IOS10 = COMMON + """
CREATE TABLE ZCALLRECORD ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZANSWERED INTEGER, ZCALL_CATEGORY INTEGER, ZCALLTYPE INTEGER, ZDISCONNECTED_CAUSE INTEGER, ZFACE_TIME_DATA INTEGER, ZHANDLE_TYPE INTEGER, ZNUMBER_AVAILABILITY INTEGER, ZORIGINATED INTEGER, ZREAD INTEGER, ZDATE TIMESTAMP, ZDURATION FLOAT, ZDEVICE_ID VARCHAR, ZISO_COUNTRY_CODE VARCHAR, ZLOCATION VARCHAR, ZNAME VARCHAR, ZSERVICE_PROVIDER VARCHAR, ZUNIQUE_ID VARCHAR UNIQUE, ZADDRESS BLOB );
CREATE INDEX Z_CallRecord_date ON ZCALLRECORD (ZDATE COLLATE BINARY ASC);
"""

SCHEMA_IOS17 = COMMON + """
CREATE TABLE ZCALLRECORD ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZANSWERED INTEGER, ZAUTOANSWEREDREASON INTEGER, ZCALLDIRECTORYIDENTITYTYPE INTEGER, ZCALL_CATEGORY INTEGER, ZCALLTYPE INTEGER, ZCOMMUNICATIONTRUSTSCORE INTEGER, ZDISCONNECTED_CAUSE INTEGER, ZFACE_TIME_DATA INTEGER, ZFILTERED_OUT_REASON INTEGER, ZHANDLE_TYPE INTEGER, ZHASMESSAGE INTEGER, ZJUNKCONFIDENCE INTEGER, ZNEEDEDSCANNOUNCEMENT INTEGER, ZNUMBER_AVAILABILITY INTEGER, ZORIGINATED INTEGER, ZORIGINATINGUITYPE INTEGER, ZREAD INTEGER, ZSCREENSHARINGTYPE INTEGER, ZUSEDEMERGENCYVIDEOSTREAMING INTEGER, ZVERIFICATIONSTATUS INTEGER, ZWASEMERGENCYCALL INTEGER, ZINITIATOR INTEGER, ZDATE TIMESTAMP, ZDURATION FLOAT, ZADDRESS VARCHAR, ZBLOCKEDBYEXTENSION VARCHAR, ZBLOCKEDBYEXTENSIONNAME VARCHAR, ZIDENTITYEXTENSION VARCHAR, ZISO_COUNTRY_CODE VARCHAR, ZJUNKIDENTIFICATIONCATEGORY VARCHAR, ZLOCATION VARCHAR, ZNAME VARCHAR, ZORIGINATINGDEVICENAME VARCHAR, ZSERVICE_PROVIDER VARCHAR, ZUNIQUE_ID VARCHAR, ZCONVERSATIONID BLOB, ZIMAGEURL VARCHAR, ZLOCALPARTICIPANTUUID BLOB, ZOUTGOINGLOCALPARTICIPANTUUID BLOB, ZPARTICIPANTGROUPUUID BLOB, ZREMINDERUUID BLOB );
CREATE TABLE ZHANDLE ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZTYPE INTEGER, ZNORMALIZEDVALUE VARCHAR, ZVALUE VARCHAR );
CREATE TABLE Z_2REMOTEPARTICIPANTHANDLES ( Z_2REMOTEPARTICIPANTCALLS INTEGER, Z_4REMOTEPARTICIPANTHANDLES INTEGER, PRIMARY KEY (Z_2REMOTEPARTICIPANTCALLS, Z_4REMOTEPARTICIPANTHANDLES) );
CREATE INDEX ZCALLRECORD_ZINITIATOR_INDEX ON ZCALLRECORD (ZINITIATOR);
CREATE INDEX Z_2REMOTEPARTICIPANTHANDLES_Z_4REMOTEPARTICIPANTHANDLES_INDEX ON Z_2REMOTEPARTICIPANTHANDLES (Z_4REMOTEPARTICIPANTHANDLES, Z_2REMOTEPARTICIPANTCALLS);
CREATE INDEX Z_CallRecord_byDateIndex ON ZCALLRECORD (ZDATE COLLATE BINARY ASC);
CREATE INDEX Z_CallRecord_byLocalParticipantUUIDIndex ON ZCALLRECORD (ZLOCALPARTICIPANTUUID COLLATE BINARY ASC);
CREATE INDEX Z_CallRecord_byOutgoingLocalParticipantUUIDIndex ON ZCALLRECORD (ZOUTGOINGLOCALPARTICIPANTUUID COLLATE BINARY ASC);
CREATE UNIQUE INDEX Z_CallRecord_UNIQUE_unique_id ON ZCALLRECORD (ZUNIQUE_ID COLLATE BINARY ASC);
CREATE INDEX Z_Handle_byValueIndex ON ZHANDLE (ZVALUE COLLATE BINARY ASC);
CREATE INDEX Z_Handle_byNormalizedValueIndex ON ZHANDLE (ZNORMALIZEDVALUE COLLATE BINARY ASC);
"""

TELEPHONY = "com.apple.Telephony"
FACETIME = "com.apple.FaceTime"
PHONE, FACETIME_VIDEO, FACETIME_AUDIO, THIRD_PARTY = 1, 8, 16, 0
ENT = {"CallDBProperties": 1, "CallRecord": 2, "Handle": 4}


@dataclass(frozen=True)
class Call:
    unix_time: float | None
    address: str | bytes | None  # bytes: stored exactly as given (odd encodings)
    duration: float = 0.0
    originated: bool = False
    answered: bool = True
    call_type: int = PHONE
    provider: str = TELEPHONY
    name: str | None = None
    location: str | None = None
    participants: tuple[str, ...] = ()  # other handles of a group call (IOS17 only)


def _metadata() -> bytes:
    return plistlib.dumps({"NSPersistenceFrameworkVersion": 1338,
                           "NSStoreModelVersionHashes": {name: bytes(32) for name in ENT},
                           "NSStoreType": "SQLite",
                           "NSStoreUUID": "8C2F1D4E-5A6B-4C7D-9E8F-0A1B2C3D4E5F"},
                          fmt=plistlib.FMT_BINARY)


def call_history(calls: Sequence[Call], generation: str = IOS17
                 ) -> Callable[[sqlite3.Connection], None]:
    """A fill function for BackupBuilder.add_sqlite; call Z_PKs are list index + 1."""
    def fill(db: sqlite3.Connection) -> None:
        db.executescript(SCHEMA_IOS17 if generation == IOS17 else SCHEMA_IOS10)
        db.execute("INSERT INTO Z_METADATA VALUES (1, '8C2F1D4E-5A6B-4C7D-9E8F-0A1B2C3D4E5F', ?)",
                   (_metadata(),))
        db.execute("INSERT INTO ZCALLDBPROPERTIES (Z_PK, Z_ENT, Z_OPT, ZTIMER_ALL, "
                   "ZTIMER_INCOMING, ZTIMER_LAST, ZTIMER_LIFETIME, ZTIMER_OUTGOING) "
                   "VALUES (1, 1, 4, 0, 0, 0, 0, 0)")
        handles: dict[str, int] = {}
        for pk, call in enumerate(calls, start=1):
            address = call.address
            if isinstance(address, str) and generation == IOS10:
                address = address.encode("utf-8")  # iOS ≤ 11 stores the address as a BLOB
            date = cocoa_s(call.unix_time) if call.unix_time is not None else None
            db.execute(
                "INSERT INTO ZCALLRECORD (Z_PK, Z_ENT, Z_OPT, ZANSWERED, ZCALL_CATEGORY, "
                "ZCALLTYPE, ZDISCONNECTED_CAUSE, ZFACE_TIME_DATA, ZHANDLE_TYPE, "
                "ZNUMBER_AVAILABILITY, ZORIGINATED, ZREAD, ZDATE, ZDURATION, ZISO_COUNTRY_CODE, "
                "ZLOCATION, ZNAME, ZSERVICE_PROVIDER, ZUNIQUE_ID, ZADDRESS) "
                "VALUES (?, ?, 1, ?, 1, ?, ?, NULL, ?, 0, ?, 1, ?, ?, 'mx', ?, ?, ?, ?, ?)",
                (pk, ENT["CallRecord"], int(call.answered), call.call_type,
                 0 if call.answered else 6, 3 if isinstance(call.address, str)
                 and "@" in call.address else 2, int(call.originated), date, call.duration,
                 call.location, call.name, call.provider,
                 f"6B1E2C4D-0000-4000-8000-{pk:012X}", address))
            for value in call.participants:
                if generation != IOS17:
                    continue
                if value not in handles:
                    cur = db.execute("INSERT INTO ZHANDLE (Z_ENT, Z_OPT, ZTYPE, "
                                     "ZNORMALIZEDVALUE, ZVALUE) VALUES (?, 1, ?, ?, ?)",
                                     (ENT["Handle"], 3 if "@" in value else 2,
                                      value.lower(), value))
                    handles[value] = int(cur.lastrowid or 0)
                db.execute("INSERT INTO Z_2REMOTEPARTICIPANTHANDLES VALUES (?, ?)",
                           (pk, handles[value]))
        db.executemany("INSERT INTO Z_PRIMARYKEY VALUES (?, ?, 0, ?)",
                       [(ENT["CallDBProperties"], "CallDBProperties", 1),
                        (ENT["CallRecord"], "CallRecord", len(calls))]
                       + ([(ENT["Handle"], "Handle", len(handles))]
                          if generation == IOS17 else []))
    return fill
