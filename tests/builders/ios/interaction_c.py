"""CoreDuet's interactionC.db in its four schema generations.

No public `.schema` dump of interactionC.db was found. The tables are assembled from the column
sets that APOLLO's per-version queries (iOS 9; 10–11; 12; 13+) and the incumbent read, laid out
the way CoreData writes SQLite stores: `Z_PK, Z_ENT, Z_OPT`, then integer attributes and
to-one relationships, dates and floats, strings, blobs, each group alphabetical. The
many-to-many table names follow CoreData's `Z_<entity><relationship>` rule with the entity
numbers APOLLO's keyword queries reveal: iOS 9–11 Contact 1, Interaction 2, Keyword 3
(`Z_2KEYWORDS`); iOS 12+ Attachment 1, Contact 2, Interaction 3, Keyword 4 (`Z_1INTERACTIONS`,
`Z_2INTERACTIONRECIPIENT`, `Z_3KEYWORDS`). The iOS 10–11 recipient table
`Z_1INTERACTIONRECIPIENT` is inferred from the same rule; iOS 9's has none. `ZTYPE` of
ZCONTACTS and ZCREATIONDATE of ZATTACHMENT are unconfirmed. All dates are Cocoa seconds.
"""

from __future__ import annotations

import plistlib
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from tests.builders.timestamps import cocoa_s

IOS9, IOS10, IOS12, IOS13 = "ios9", "ios10", "ios12", "ios13"
GENERATIONS = (IOS9, IOS10, IOS12, IOS13)

COREDATA = """
CREATE TABLE Z_PRIMARYKEY (Z_ENT INTEGER PRIMARY KEY, Z_NAME VARCHAR, Z_SUPER INTEGER, Z_MAX INTEGER);
CREATE TABLE Z_METADATA (Z_VERSION INTEGER PRIMARY KEY, Z_UUID VARCHAR(255), Z_PLIST BLOB);
CREATE TABLE Z_MODELCACHE (Z_CONTENT BLOB);
"""

SCHEMAS: dict[str, str] = {
    IOS9: COREDATA + """
CREATE TABLE ZCONTACTS ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZINCOMINGRECIPIENTCOUNT INTEGER, ZINCOMINGSENDERCOUNT INTEGER, ZOUTGOINGRECIPIENTCOUNT INTEGER, ZTYPE INTEGER, ZCREATIONDATE TIMESTAMP, ZFIRSTINCOMINGRECIPIENTDATE TIMESTAMP, ZFIRSTINCOMINGSENDERDATE TIMESTAMP, ZFIRSTOUTGOINGRECIPIENTDATE TIMESTAMP, ZLASTINCOMINGRECIPIENTDATE TIMESTAMP, ZLASTINCOMINGSENDERDATE TIMESTAMP, ZLASTOUTGOINGRECIPIENTDATE TIMESTAMP, ZDISPLAYNAME VARCHAR, ZIDENTIFIER VARCHAR, ZPERSONID VARCHAR );
CREATE TABLE ZINTERACTIONS ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZDIRECTION INTEGER, ZISRESPONSE INTEGER, ZMECHANISM INTEGER, ZSENDER INTEGER, ZCREATIONDATE TIMESTAMP, ZENDDATE TIMESTAMP, ZSTARTDATE TIMESTAMP, ZACCOUNT VARCHAR, ZBUNDLEID VARCHAR, ZCONTENTURL VARCHAR, ZDOMAINIDENTIFIER VARCHAR, ZLOCATIONUUID VARCHAR, ZUUID VARCHAR );
CREATE TABLE ZKEYWORDS ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZCREATIONDATE TIMESTAMP, ZKEYWORD VARCHAR );
CREATE TABLE Z_2KEYWORDS ( Z_2INTERACTIONS INTEGER, Z_3KEYWORDS INTEGER, PRIMARY KEY (Z_2INTERACTIONS, Z_3KEYWORDS) );
CREATE INDEX ZINTERACTIONS_ZSENDER_INDEX ON ZINTERACTIONS (ZSENDER);
CREATE INDEX Z_2KEYWORDS_Z_3KEYWORDS_INDEX ON Z_2KEYWORDS (Z_3KEYWORDS, Z_2INTERACTIONS);
""",
    IOS10: COREDATA + """
CREATE TABLE ZCONTACTS ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZINCOMINGRECIPIENTCOUNT INTEGER, ZINCOMINGSENDERCOUNT INTEGER, ZOUTGOINGRECIPIENTCOUNT INTEGER, ZTYPE INTEGER, ZCREATIONDATE TIMESTAMP, ZFIRSTINCOMINGRECIPIENTDATE TIMESTAMP, ZFIRSTINCOMINGSENDERDATE TIMESTAMP, ZFIRSTOUTGOINGRECIPIENTDATE TIMESTAMP, ZLASTINCOMINGRECIPIENTDATE TIMESTAMP, ZLASTINCOMINGSENDERDATE TIMESTAMP, ZLASTOUTGOINGRECIPIENTDATE TIMESTAMP, ZCUSTOMIDENTIFIER VARCHAR, ZDISPLAYNAME VARCHAR, ZIDENTIFIER VARCHAR, ZPERSONID VARCHAR );
CREATE TABLE ZINTERACTIONS ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZDIRECTION INTEGER, ZISRESPONSE INTEGER, ZMECHANISM INTEGER, ZRECIPIENTCOUNT INTEGER, ZSENDER INTEGER, ZCREATIONDATE TIMESTAMP, ZENDDATE TIMESTAMP, ZSTARTDATE TIMESTAMP, ZACCOUNT VARCHAR, ZBUNDLEID VARCHAR, ZCONTENTURL VARCHAR, ZDOMAINIDENTIFIER VARCHAR, ZLOCATIONUUID VARCHAR, ZUUID VARCHAR );
CREATE TABLE ZKEYWORDS ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZCREATIONDATE TIMESTAMP, ZKEYWORD VARCHAR );
CREATE TABLE Z_1INTERACTIONRECIPIENT ( Z_1RECIPIENTS INTEGER, Z_2INTERACTIONRECIPIENT INTEGER, PRIMARY KEY (Z_1RECIPIENTS, Z_2INTERACTIONRECIPIENT) );
CREATE TABLE Z_2KEYWORDS ( Z_2INTERACTIONS INTEGER, Z_3KEYWORDS INTEGER, PRIMARY KEY (Z_2INTERACTIONS, Z_3KEYWORDS) );
CREATE INDEX ZINTERACTIONS_ZSENDER_INDEX ON ZINTERACTIONS (ZSENDER);
CREATE INDEX Z_1INTERACTIONRECIPIENT_Z_2INTERACTIONRECIPIENT_INDEX ON Z_1INTERACTIONRECIPIENT (Z_2INTERACTIONRECIPIENT, Z_1RECIPIENTS);
CREATE INDEX Z_2KEYWORDS_Z_3KEYWORDS_INDEX ON Z_2KEYWORDS (Z_3KEYWORDS, Z_2INTERACTIONS);
""",
    IOS12: COREDATA + """
CREATE TABLE ZATTACHMENT ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZSIZEINBYTES INTEGER, ZCREATIONDATE TIMESTAMP, ZCLOUDIDENTIFIER VARCHAR, ZCONTENTTEXT VARCHAR, ZCONTENTURL VARCHAR, ZUTI VARCHAR, ZIDENTIFIER BLOB );
CREATE TABLE ZCONTACTS ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZINCOMINGRECIPIENTCOUNT INTEGER, ZINCOMINGSENDERCOUNT INTEGER, ZOUTGOINGRECIPIENTCOUNT INTEGER, ZTYPE INTEGER, ZCREATIONDATE TIMESTAMP, ZFIRSTINCOMINGRECIPIENTDATE TIMESTAMP, ZFIRSTINCOMINGSENDERDATE TIMESTAMP, ZFIRSTOUTGOINGRECIPIENTDATE TIMESTAMP, ZLASTINCOMINGRECIPIENTDATE TIMESTAMP, ZLASTINCOMINGSENDERDATE TIMESTAMP, ZLASTOUTGOINGRECIPIENTDATE TIMESTAMP, ZCUSTOMIDENTIFIER VARCHAR, ZDISPLAYNAME VARCHAR, ZIDENTIFIER VARCHAR, ZPERSONID VARCHAR );
CREATE TABLE ZINTERACTIONS ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZDIRECTION INTEGER, ZISRESPONSE INTEGER, ZMECHANISM INTEGER, ZRECIPIENTCOUNT INTEGER, ZSENDER INTEGER, ZCREATIONDATE TIMESTAMP, ZENDDATE TIMESTAMP, ZSTARTDATE TIMESTAMP, ZACCOUNT VARCHAR, ZBUNDLEID VARCHAR, ZCONTENTURL VARCHAR, ZDOMAINIDENTIFIER VARCHAR, ZLOCATIONUUID VARCHAR, ZTARGETBUNDLEID VARCHAR, ZUUID VARCHAR );
CREATE TABLE ZKEYWORDS ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZCREATIONDATE TIMESTAMP, ZKEYWORD VARCHAR );
CREATE TABLE Z_1INTERACTIONS ( Z_1ATTACHMENTS INTEGER, Z_3INTERACTIONS INTEGER, PRIMARY KEY (Z_1ATTACHMENTS, Z_3INTERACTIONS) );
CREATE TABLE Z_2INTERACTIONRECIPIENT ( Z_2RECIPIENTS INTEGER, Z_3INTERACTIONRECIPIENT INTEGER, PRIMARY KEY (Z_2RECIPIENTS, Z_3INTERACTIONRECIPIENT) );
CREATE TABLE Z_3KEYWORDS ( Z_3INTERACTIONS1 INTEGER, Z_4KEYWORDS INTEGER, PRIMARY KEY (Z_3INTERACTIONS1, Z_4KEYWORDS) );
CREATE INDEX ZINTERACTIONS_ZSENDER_INDEX ON ZINTERACTIONS (ZSENDER);
CREATE INDEX Z_1INTERACTIONS_Z_3INTERACTIONS_INDEX ON Z_1INTERACTIONS (Z_3INTERACTIONS, Z_1ATTACHMENTS);
CREATE INDEX Z_2INTERACTIONRECIPIENT_Z_3INTERACTIONRECIPIENT_INDEX ON Z_2INTERACTIONRECIPIENT (Z_3INTERACTIONRECIPIENT, Z_2RECIPIENTS);
CREATE INDEX Z_3KEYWORDS_Z_4KEYWORDS_INDEX ON Z_3KEYWORDS (Z_4KEYWORDS, Z_3INTERACTIONS1);
""",
}
SCHEMAS[IOS13] = (SCHEMAS[IOS12]
                  .replace("ZUTI VARCHAR, ZIDENTIFIER BLOB",
                           "ZPHOTOLOCALIDENTIFIER VARCHAR, ZUTI VARCHAR, ZIDENTIFIER BLOB")
                  .replace("ZCONTENTURL VARCHAR, ZDOMAINIDENTIFIER VARCHAR, ZLOCATIONUUID "
                           "VARCHAR, ZTARGETBUNDLEID",
                           "ZCONTENTURL VARCHAR, ZDERIVEDINTENTIDENTIFIER VARCHAR, "
                           "ZDOMAINIDENTIFIER VARCHAR, ZGROUPNAME VARCHAR, ZLOCATIONUUID "
                           "VARCHAR, ZTARGETBUNDLEID"))

ENTITIES: dict[str, dict[str, int]] = {
    IOS9: {"Contact": 1, "Interaction": 2, "Keyword": 3},
    IOS10: {"Contact": 1, "Interaction": 2, "Keyword": 3},
    IOS12: {"Attachment": 1, "Contact": 2, "Interaction": 3, "Keyword": 4},
    IOS13: {"Attachment": 1, "Contact": 2, "Interaction": 3, "Keyword": 4},
}
INCOMING, OUTGOING = 0, 1


@dataclass(frozen=True)
class Person:
    identifier: str | None
    display_name: str | None = None
    person_id: str | None = None
    custom_identifier: str | None = None


@dataclass(frozen=True)
class Attachment:
    uti: str
    content_url: str | None = None
    size: int | None = None
    content_text: str | None = None
    photo_local_identifier: str | None = None
    identifier: bytes | None = None
    cloud_identifier: str | None = None


@dataclass(frozen=True)
class Interaction:
    bundle_id: str | None
    start: float | None
    end: float | None = None
    direction: int = INCOMING
    sender: Person | None = None
    recipients: tuple[Person, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    account: str | None = None
    target_bundle_id: str | None = None
    mechanism: int = 0
    domain_identifier: str | None = None
    content_url: str | None = None
    group_name: str | None = None
    derived_intent_identifier: str | None = None
    keywords: tuple[str, ...] = field(default=())


def _insert(db: sqlite3.Connection, table: str, values: dict[str, object]) -> int:
    """Insert the values whose columns this generation has."""
    present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
    kept = {k: v for k, v in values.items() if k in present}
    cur = db.execute(f"INSERT INTO {table} ({', '.join(kept)}) VALUES "
                     f"({', '.join('?' * len(kept))})", tuple(kept.values()))
    return int(cur.lastrowid or 0)


def interaction_c(interactions: Sequence[Interaction], generation: str = IOS13
                  ) -> Callable[[sqlite3.Connection], None]:
    """A fill function for BackupBuilder.add_sqlite; interaction Z_PKs are list index + 1."""
    ent = ENTITIES[generation]

    def stamp(unix: float | None) -> float | None:
        return cocoa_s(unix) if unix is not None else None

    def fill(db: sqlite3.Connection) -> None:
        db.executescript(SCHEMAS[generation])
        db.execute("INSERT INTO Z_METADATA VALUES (1, '0D1E2F3A-4B5C-4D6E-8F70-8192A3B4C5D6', ?)",
                   (plistlib.dumps({"NSStoreType": "SQLite",
                                    "NSStoreModelVersionHashes": {k: bytes(32) for k in ent}},
                                   fmt=plistlib.FMT_BINARY),))
        contacts: dict[str, int] = {}
        attachments = keywords = 0

        def contact(person: Person, when: float | None, outgoing: bool) -> int:
            key = person.identifier or f"#{len(contacts)}"
            if key not in contacts:
                contacts[key] = _insert(db, "ZCONTACTS", {
                    "Z_ENT": ent["Contact"], "Z_OPT": 2, "ZINCOMINGRECIPIENTCOUNT": 0,
                    "ZINCOMINGSENDERCOUNT": 0 if outgoing else 1,
                    "ZOUTGOINGRECIPIENTCOUNT": 1 if outgoing else 0, "ZTYPE": 0,
                    "ZCREATIONDATE": stamp(when),
                    "ZFIRSTINCOMINGSENDERDATE": None if outgoing else stamp(when),
                    "ZLASTINCOMINGSENDERDATE": None if outgoing else stamp(when),
                    "ZFIRSTOUTGOINGRECIPIENTDATE": stamp(when) if outgoing else None,
                    "ZLASTOUTGOINGRECIPIENTDATE": stamp(when) if outgoing else None,
                    "ZLASTINCOMINGRECIPIENTDATE": 0,
                    "ZCUSTOMIDENTIFIER": person.custom_identifier,
                    "ZDISPLAYNAME": person.display_name, "ZIDENTIFIER": person.identifier,
                    "ZPERSONID": person.person_id})
            return contacts[key]

        recipient_table = {IOS10: ("Z_1INTERACTIONRECIPIENT", "Z_1RECIPIENTS",
                                   "Z_2INTERACTIONRECIPIENT"),
                           IOS12: ("Z_2INTERACTIONRECIPIENT", "Z_2RECIPIENTS",
                                   "Z_3INTERACTIONRECIPIENT")}
        recipient_table[IOS13] = recipient_table[IOS12]
        keyword_table = ({IOS9: ("Z_2KEYWORDS", "Z_2INTERACTIONS", "Z_3KEYWORDS"),
                          IOS10: ("Z_2KEYWORDS", "Z_2INTERACTIONS", "Z_3KEYWORDS")}
                         .get(generation, ("Z_3KEYWORDS", "Z_3INTERACTIONS1", "Z_4KEYWORDS")))
        for pk, item in enumerate(interactions, start=1):
            outgoing = item.direction == OUTGOING
            sender = contact(item.sender, item.start, outgoing) if item.sender else None
            _insert(db, "ZINTERACTIONS", {
                "Z_PK": pk, "Z_ENT": ent["Interaction"], "Z_OPT": 1,
                "ZDIRECTION": item.direction, "ZISRESPONSE": 0, "ZMECHANISM": item.mechanism,
                "ZRECIPIENTCOUNT": len(item.recipients), "ZSENDER": sender,
                "ZCREATIONDATE": stamp(item.start + 2 if item.start is not None else None),
                "ZENDDATE": stamp(item.end), "ZSTARTDATE": stamp(item.start),
                "ZACCOUNT": item.account, "ZBUNDLEID": item.bundle_id,
                "ZCONTENTURL": item.content_url, "ZDERIVEDINTENTIDENTIFIER":
                item.derived_intent_identifier, "ZDOMAINIDENTIFIER": item.domain_identifier,
                "ZGROUPNAME": item.group_name, "ZLOCATIONUUID": None,
                "ZTARGETBUNDLEID": item.target_bundle_id,
                "ZUUID": f"A1B2C3D4-0000-4000-8000-{pk:012X}"})
            if generation in recipient_table:
                table, contact_column, interaction_column = recipient_table[generation]
                for person in item.recipients:
                    db.execute(f"INSERT INTO {table} ({contact_column}, {interaction_column}) "
                               "VALUES (?, ?)", (contact(person, item.start, not outgoing), pk))
            if generation in (IOS12, IOS13):
                for attachment in item.attachments:
                    attachments += 1
                    _insert(db, "ZATTACHMENT", {
                        "Z_PK": attachments, "Z_ENT": ent["Attachment"], "Z_OPT": 1,
                        "ZSIZEINBYTES": attachment.size, "ZCREATIONDATE": stamp(item.start),
                        "ZCLOUDIDENTIFIER": attachment.cloud_identifier,
                        "ZCONTENTTEXT": attachment.content_text,
                        "ZCONTENTURL": attachment.content_url,
                        "ZPHOTOLOCALIDENTIFIER": attachment.photo_local_identifier,
                        "ZUTI": attachment.uti, "ZIDENTIFIER": attachment.identifier})
                    db.execute("INSERT INTO Z_1INTERACTIONS VALUES (?, ?)", (attachments, pk))
            table, interaction_column, keyword_column = keyword_table
            for word in item.keywords:
                keywords += 1
                db.execute("INSERT INTO ZKEYWORDS VALUES (?, ?, 1, ?, ?)",
                           (keywords, ent["Keyword"], stamp(item.start), word))
                db.execute(f"INSERT INTO {table} ({interaction_column}, {keyword_column}) "
                           "VALUES (?, ?)", (pk, keywords))
        maxima = {"Contact": len(contacts), "Interaction": len(interactions),
                  "Keyword": keywords, "Attachment": attachments}
        db.executemany("INSERT INTO Z_PRIMARYKEY VALUES (?, ?, 0, ?)",
                       [(number, name, maxima[name]) for name, number in ent.items()])
    return fill
