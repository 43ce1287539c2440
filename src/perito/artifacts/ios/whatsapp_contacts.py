"""WhatsApp's address book from ContactsV2.sqlite, one record per contact (ios.md §5.11).

- `ContactsV2.sqlite` sits beside `ChatStorage.sqlite` in WhatsApp's app-group container
  (every `AppDomainGroup-*` match is read). `ZWAADDRESSBOOKCONTACT` holds the phone's contacts
  as WhatsApp sees them: the WhatsApp id (a phone JID), the LID, the number as stored and as
  localised, names, the "about" text, business and user names, and the per-contact
  disappearing-messages timer, which ChatStorage.sqlite does not record for one-to-one chats.
- Its columns change between WhatsApp versions (`ZLID`, `ZUSERNAME` and the disappearing-mode
  columns are recent; `ZPHONESTATUS` was `ZPHONENUMBERSTATUS`): the query is built from the
  columns present, and a missing timer column makes the timer unknown (""), not "off".
  Some versions store text attributes as UTF-8 BLOBs; they are decoded.
- Disappearing-message durations: 86400 (24 h), 604800 (7 d), 1209600 (14 d), 2592000 (30 d),
  7776000 (90 d); 0 or NULL is off. Dates are Cocoa seconds.
- Observables: the phone of the WhatsApp id and the stored number. The incumbent reads this
  table but checks nothing in it. The file is often missing from incremental backups.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from perito.artifacts.base import Artifact, Context, SchemaMismatch, sqlite_rows, timestamp
from perito.artifacts.ios import whatsapp_lid
from perito.artifacts.ios.sms import classify_handle
from perito.artifacts.ios.whatsapp import phone_of_jid
from perito.records import Kind, Record, observable, register_record, timeline
from perito.sources.locations import BackupFile, BackupGlob, FsGlob
from perito.timestamps import Encoding, Timestamp, unset

TABLE = "ZWAADDRESSBOOKCONTACT"
CONTACTS_V2 = "ContactsV2.sqlite"
DISAPPEARING_LABELS = {86400: "24 hours", 604800: "7 days", 1209600: "14 days",
                       2592000: "30 days", 7776000: "90 days"}
# Record field → candidate columns, first present wins.
COLUMNS: dict[str, tuple[str, ...]] = {
    "whatsapp_id": ("ZWHATSAPPID",),
    "lid": ("ZLID",),
    "phone_number": ("ZPHONENUMBER",),
    "localized_phone_number": ("ZLOCALIZEDPHONENUMBER",),
    "full_name": ("ZFULLNAME",),
    "given_name": ("ZGIVENNAME",),
    "last_name": ("ZLASTNAME",),
    "user_name": ("ZUSERNAME",),
    "business_name": ("ZBUSINESSNAME",),
    "about_text": ("ZABOUTTEXT",),
    "about_emoji": ("ZABOUTEMOJI",),
    "notes": ("ZNOTES",),
    "disappearing_mode_duration": ("ZDISAPPEARINGMODEDURATION",),
    "disappearing_mode_timestamp": ("ZDISAPPEARINGMODETIMESTAMP",),
    "about_timestamp": ("ZABOUTTIMESTAMP",),
    "about_expiration_timestamp": ("ZABOUTEXPIRATIONTIMESTAMP",),
    "last_updated": ("ZLASTUPDATED",),
    "phone_status": ("ZPHONESTATUS", "ZPHONENUMBERSTATUS"),
    "sync_policy": ("ZSYNCPOLICY",),
}
_IDENTITY = ("ZWHATSAPPID", "ZPHONENUMBER", "ZLID")


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class WhatsappContact(Record):
    """One row of ContactsV2's `ZWAADDRESSBOOKCONTACT`."""

    pk: int | None = None  # Z_PK
    whatsapp_id: str | None = None  # a phone JID
    whatsapp_phone: str = field(default="", metadata=observable(Kind.PHONE))
    lid: str | None = None
    phone_number: str | None = None
    phone: str = field(default="", metadata=observable(Kind.PHONE))
    localized_phone_number: str | None = None
    full_name: str | None = None
    given_name: str | None = None
    last_name: str | None = None
    user_name: str | None = None
    business_name: str | None = None
    about_text: str | None = None
    about_emoji: str | None = None
    notes: str | None = None
    disappearing_mode_duration: int | None = None  # seconds; 0/None off
    disappearing_mode: str = ""  # "off", "7 days", …; "" when this version has no timer
    disappearing_mode_timestamp: Timestamp = field(
        default=unset(Encoding.COCOA_S), metadata=timeline("WhatsApp disappearing timer set"))
    about_timestamp: Timestamp = field(default=unset(Encoding.COCOA_S),
                                       metadata=timeline("WhatsApp about text set"))
    about_expiration_timestamp: Timestamp = field(default=unset(Encoding.COCOA_S))
    last_updated: Timestamp = field(default=unset(Encoding.COCOA_S),
                                    metadata=timeline("WhatsApp contact updated"))
    phone_status: int | None = None
    sync_policy: int | None = None

    record_name = "WhatsApp contact"

    def describe(self) -> str:
        who = self.whatsapp_id or self.lid or self.phone_number or "unknown"
        text = f"WhatsApp contact {who}"
        if self.full_name:
            text += f" ({self.full_name})"
        if self.disappearing_mode:
            text += f", disappearing messages {self.disappearing_mode}"
        return text


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)  # a digits-only number stored with numeric affinity
    return value if isinstance(value, str) else None


def _int(value: object) -> int | None:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def selected(found: Mapping[str, set[str]]) -> dict[str, str]:
    """Record field → the column this database has for it."""
    present = found.get(TABLE, set())
    chosen: dict[str, str] = {}
    for name, candidates in COLUMNS.items():
        for column in candidates:
            if column in present:
                chosen[name] = column
                break
    return chosen


def _query(found: Mapping[str, set[str]]) -> str:
    if not any(column in found.get(TABLE, set()) for column in _IDENTITY):
        raise SchemaMismatch([f"{TABLE}.{column}" for column in _IDENTITY])
    chosen = selected(found)
    columns = [f'"{chosen[name]}" AS "{name}"' if name in chosen else f'NULL AS "{name}"'
               for name in COLUMNS]
    timer = "1" if "disappearing_mode_duration" in chosen else "0"
    return (f"SELECT Z_PK AS pk, {timer} AS has_timer, {', '.join(columns)} FROM {TABLE} "
            "ORDER BY Z_PK")


def disappearing_label(duration: int | None) -> str:
    if not duration:
        return "off"
    return DISAPPEARING_LABELS.get(duration, f"{duration} seconds")


def lid_phone_map(connection: sqlite3.Connection, found: Mapping[str, set[str]]
                  ) -> dict[str, str]:
    """LID digits → `+<digits>` from the contacts that have both a LID and a WhatsApp id."""
    if not {"ZLID", "ZWHATSAPPID"} <= found.get(TABLE, set()):
        return {}
    pairs: dict[str, str] = {}
    query = f"SELECT ZLID, ZWHATSAPPID FROM {TABLE} WHERE ZLID IS NOT NULL ORDER BY Z_PK"
    for lid, jid in connection.execute(query):
        key, phone = whatsapp_lid.lid_key(lid), phone_of_jid(_text(jid))
        if key and phone:
            pairs.setdefault(key, phone)
    return pairs


def extract(ctx: Context) -> Iterator[WhatsappContact]:
    """Every contact of one ContactsV2.sqlite."""
    for row in sqlite_rows(ctx, {TABLE: ["Z_PK"]}, _query):
        whatsapp_id, number = _text(row["whatsapp_id"]), _text(row["phone_number"])
        duration = _int(row["disappearing_mode_duration"])
        yield WhatsappContact(
            source=ctx.evidence.address,
            pk=_int(row["pk"]),
            whatsapp_id=whatsapp_id,
            whatsapp_phone=phone_of_jid(whatsapp_id),
            lid=_text(row["lid"]),
            phone_number=number,
            phone=classify_handle(number)[1],
            localized_phone_number=_text(row["localized_phone_number"]),
            full_name=_text(row["full_name"]),
            given_name=_text(row["given_name"]),
            last_name=_text(row["last_name"]),
            user_name=_text(row["user_name"]),
            business_name=_text(row["business_name"]),
            about_text=_text(row["about_text"]),
            about_emoji=_text(row["about_emoji"]),
            notes=_text(row["notes"]),
            disappearing_mode_duration=duration,
            disappearing_mode=disappearing_label(duration) if row["has_timer"] else "",
            phone_status=_int(row["phone_status"]),
            sync_policy=_int(row["sync_policy"]),
            disappearing_mode_timestamp=timestamp(row["disappearing_mode_timestamp"],
                                                  Encoding.COCOA_S),
            about_timestamp=timestamp(row["about_timestamp"], Encoding.COCOA_S),
            about_expiration_timestamp=timestamp(row["about_expiration_timestamp"],
                                                 Encoding.COCOA_S),
            last_updated=timestamp(row["last_updated"], Encoding.COCOA_S),
        )


ARTIFACT = Artifact(
    id="ios.whatsapp.contacts",
    title="WhatsApp contacts",
    slug="whatsapp_contacts",
    plugin="WhatsappContacts",
    locations=(BackupFile(whatsapp_lid.SHARED_GROUP, CONTACTS_V2),
               BackupGlob(CONTACTS_V2, "AppDomainGroup-*"),
               FsGlob(f"private/var/mobile/Containers/Shared/AppGroup/*/{CONTACTS_V2}")),
    records=(WhatsappContact,),
    extract=extract,
    doc=__doc__ or "",
)
