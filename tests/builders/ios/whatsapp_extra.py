"""WhatsApp's LID.sqlite and ContactsV2.sqlite, and ChatStorage.sqlite with a LID pair table.

No public `.schema` dump of either store was found. The tables are assembled from the columns
that public readers query (the incumbent, and readers verified against live stores:
`ZWAPHONENUMBERLIDPAIR(ZLID, ZPHONENUMBER, ZTIMESTAMP)`, `ZWAZACCOUNT(ZIDENTIFIER,
ZPHONENUMBER)`, the `ZWAADDRESSBOOKCONTACT` columns of ios.md §5.11) in CoreData's column
order. ContactsV2 comes in two generations: `CURRENT` (LID, user name, disappearing-mode and
about-expiration columns, `ZPHONESTATUS`) and `OLDER` (none of those, `ZPHONENUMBERSTATUS`,
text attributes stored as UTF-8 BLOBs, as some versions do). `ZIDENTIFIER` and
`ZPHONENUMBERLABEL` of ZWAADDRESSBOOKCONTACT are unconfirmed. Numbers are stored as bare
digits, LIDs as digits; dates are Cocoa seconds.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tests.builders.ios.whatsapp import WaMessage, chat_storage
from tests.builders.timestamps import cocoa_s

COREDATA = """
CREATE TABLE Z_PRIMARYKEY (Z_ENT INTEGER PRIMARY KEY, Z_NAME VARCHAR, Z_SUPER INTEGER, Z_MAX INTEGER);
CREATE TABLE Z_METADATA (Z_VERSION INTEGER PRIMARY KEY, Z_UUID VARCHAR(255), Z_PLIST BLOB);
CREATE TABLE Z_MODELCACHE (Z_CONTENT BLOB);
"""

LID_PAIR_TABLE = """
CREATE TABLE ZWAPHONENUMBERLIDPAIR ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZTIMESTAMP TIMESTAMP, ZLID VARCHAR, ZPHONENUMBER VARCHAR );
CREATE INDEX ZWAPHONENUMBERLIDPAIR_ZLID_INDEX ON ZWAPHONENUMBERLIDPAIR (ZLID);
CREATE INDEX ZWAPHONENUMBERLIDPAIR_ZPHONENUMBER_INDEX ON ZWAPHONENUMBERLIDPAIR (ZPHONENUMBER);
"""

LID_SCHEMA = COREDATA + LID_PAIR_TABLE + """
CREATE TABLE ZWAZACCOUNT ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZIDENTIFIER VARCHAR, ZPHONENUMBER VARCHAR );
"""

CURRENT = "current"
OLDER = "older"

CONTACTS_SCHEMAS = {
    CURRENT: COREDATA + """
CREATE TABLE ZWAADDRESSBOOKCONTACT ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZDISAPPEARINGMODEDURATION INTEGER, ZPHONESTATUS INTEGER, ZSYNCPOLICY INTEGER, ZABOUTEXPIRATIONTIMESTAMP TIMESTAMP, ZABOUTTIMESTAMP TIMESTAMP, ZDISAPPEARINGMODETIMESTAMP TIMESTAMP, ZLASTUPDATED TIMESTAMP, ZABOUTEMOJI VARCHAR, ZABOUTTEXT VARCHAR, ZBUSINESSNAME VARCHAR, ZFULLNAME VARCHAR, ZGIVENNAME VARCHAR, ZIDENTIFIER VARCHAR, ZLASTNAME VARCHAR, ZLID VARCHAR, ZLOCALIZEDPHONENUMBER VARCHAR, ZNOTES VARCHAR, ZPHONENUMBER VARCHAR, ZPHONENUMBERLABEL VARCHAR, ZUSERNAME VARCHAR, ZWHATSAPPID VARCHAR );
CREATE INDEX ZWAADDRESSBOOKCONTACT_ZLID_INDEX ON ZWAADDRESSBOOKCONTACT (ZLID);
CREATE INDEX ZWAADDRESSBOOKCONTACT_ZPHONENUMBER_INDEX ON ZWAADDRESSBOOKCONTACT (ZPHONENUMBER);
CREATE INDEX ZWAADDRESSBOOKCONTACT_ZWHATSAPPID_INDEX ON ZWAADDRESSBOOKCONTACT (ZWHATSAPPID);
""",
    OLDER: COREDATA + """
CREATE TABLE ZWAADDRESSBOOKCONTACT ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZPHONENUMBERSTATUS INTEGER, ZSYNCPOLICY INTEGER, ZABOUTTIMESTAMP TIMESTAMP, ZLASTUPDATED TIMESTAMP, ZABOUTTEXT VARCHAR, ZBUSINESSNAME VARCHAR, ZFULLNAME VARCHAR, ZGIVENNAME VARCHAR, ZIDENTIFIER VARCHAR, ZLASTNAME VARCHAR, ZLOCALIZEDPHONENUMBER VARCHAR, ZPHONENUMBER VARCHAR, ZPHONENUMBERLABEL VARCHAR, ZWHATSAPPID VARCHAR );
CREATE INDEX ZWAADDRESSBOOKCONTACT_ZPHONENUMBER_INDEX ON ZWAADDRESSBOOKCONTACT (ZPHONENUMBER);
CREATE INDEX ZWAADDRESSBOOKCONTACT_ZWHATSAPPID_INDEX ON ZWAADDRESSBOOKCONTACT (ZWHATSAPPID);
""",
}


@dataclass(frozen=True)
class LidPair:
    lid: str | int | None
    phone_number: str | int | None
    unix_time: float | None = None


@dataclass(frozen=True)
class Contact:
    whatsapp_id: str | None
    phone_number: str | None
    full_name: str | None = None
    lid: str | None = None
    about_text: str | None = None
    about_time: float | None = None
    disappearing: int | None = None  # seconds
    disappearing_time: float | None = None
    updated: float | None = None
    user_name: str | None = None
    business_name: str | None = None


def _pairs(db: sqlite3.Connection, pairs: Sequence[LidPair], entity: int) -> None:
    for pk, pair in enumerate(pairs, start=1):
        stamp = cocoa_s(pair.unix_time) if pair.unix_time is not None else None
        db.execute("INSERT INTO ZWAPHONENUMBERLIDPAIR VALUES (?, ?, 1, ?, ?, ?)",
                   (pk, entity, stamp, pair.lid, pair.phone_number))


def lid_db(pairs: Sequence[LidPair], account: tuple[str, str] | None = None
           ) -> Callable[[sqlite3.Connection], None]:
    """A fill function for LID.sqlite; `account` is (own LID, own number) for ZWAZACCOUNT."""
    def fill(db: sqlite3.Connection) -> None:
        db.executescript(LID_SCHEMA)
        _pairs(db, pairs, 1)
        if account is not None:
            db.execute("INSERT INTO ZWAZACCOUNT VALUES (1, 2, 1, ?, ?)", account)
        db.executemany("INSERT INTO Z_PRIMARYKEY VALUES (?, ?, 0, ?)",
                       [(1, "WAPhoneNumberLIDPair", len(pairs)),
                        (2, "WAZAccount", 1 if account else 0)])
    return fill


def chat_storage_with_lid_pairs(messages: Sequence[WaMessage], pairs: Sequence[LidPair]
                                ) -> Callable[[sqlite3.Connection], None]:
    """ChatStorage.sqlite of a WhatsApp version that keeps the pair table in it."""
    def fill(db: sqlite3.Connection) -> None:
        chat_storage(messages)(db)
        db.executescript(LID_PAIR_TABLE)
        _pairs(db, pairs, 8)  # after the seven entities of the ChatStorage builder
        db.execute("INSERT INTO Z_PRIMARYKEY VALUES (8, 'WAPhoneNumberLIDPair', 0, ?)",
                   (len(pairs),))
    return fill


def contacts_v2(contacts: Sequence[Contact], generation: str = CURRENT
                ) -> Callable[[sqlite3.Connection], None]:
    """A fill function for ContactsV2.sqlite; contact Z_PKs are list index + 1."""
    def stamp(unix: float | None) -> float | None:
        return cocoa_s(unix) if unix is not None else None

    def fill(db: sqlite3.Connection) -> None:
        db.executescript(CONTACTS_SCHEMAS[generation])
        present = {row[1] for row in db.execute("PRAGMA table_info(ZWAADDRESSBOOKCONTACT)")}
        for pk, contact in enumerate(contacts, start=1):
            given, _, last = (contact.full_name or "").partition(" ")
            values: dict[str, object] = {
                "Z_PK": pk, "Z_ENT": 1, "Z_OPT": 2,
                "ZDISAPPEARINGMODEDURATION": contact.disappearing,
                "ZPHONESTATUS": 1, "ZPHONENUMBERSTATUS": 1, "ZSYNCPOLICY": 0,
                "ZABOUTTIMESTAMP": stamp(contact.about_time),
                "ZDISAPPEARINGMODETIMESTAMP": stamp(contact.disappearing_time),
                "ZLASTUPDATED": stamp(contact.updated),
                "ZABOUTTEXT": contact.about_text, "ZBUSINESSNAME": contact.business_name,
                "ZFULLNAME": contact.full_name, "ZGIVENNAME": given or None,
                "ZIDENTIFIER": f"410FE041-5C4E-48DA-B4DE-{pk:012X}:ABPerson",
                "ZLASTNAME": last or None, "ZLID": contact.lid,
                "ZLOCALIZEDPHONENUMBER": contact.phone_number, "ZPHONENUMBER":
                contact.phone_number, "ZPHONENUMBERLABEL": "mobile",
                "ZUSERNAME": contact.user_name, "ZWHATSAPPID": contact.whatsapp_id}
            kept = {k: v for k, v in values.items() if k in present}
            if generation == OLDER:  # this generation stores text attributes as BLOBs
                kept = {k: v.encode() if isinstance(v, str) else v for k, v in kept.items()}
            db.execute(f"INSERT INTO ZWAADDRESSBOOKCONTACT ({', '.join(kept)}) VALUES "
                       f"({', '.join('?' * len(kept))})", tuple(kept.values()))
        db.execute("INSERT INTO Z_PRIMARYKEY VALUES (1, 'WAAddressBookContact', 0, ?)",
                   (len(contacts),))
    return fill
