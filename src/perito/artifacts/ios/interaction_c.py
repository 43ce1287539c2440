"""CoreDuet's people interactions (interactionC.db), one record per interaction (ios.md §5.15).

- `HomeDomain/Library/CoreDuet/People/interactionC.db` is a CoreData store in which iOS logs
  who communicated with whom, through which app: `ZINTERACTIONS` (start, end and creation
  dates, the app's bundle id and target bundle id, account, direction 0 incoming / 1
  outgoing, mechanism, recipient count, domain identifier, content URL, group name, the
  sender → `ZCONTACTS`), its recipients (→ `ZCONTACTS`) and attachments (→ `ZATTACHMENT`).
- Four schema generations (APOLLO's queries name them): iOS 9 has neither the recipient count
  nor the contacts' custom identifier; iOS 10–11 add both; iOS 12 adds the target bundle id,
  `ZATTACHMENT` and the many-to-many tables `Z_1INTERACTIONS` (attachments) and
  `Z_2INTERACTIONRECIPIENT` (recipients); iOS 13+ add `ZGROUPNAME`,
  `ZDERIVEDINTENTIDENTIFIER` and `ZATTACHMENT.ZPHOTOLOCALIDENTIFIER`. CoreData numbers the
  join tables after its entities, so they are found by name pattern (`Z_<n>INTERACTIONS`,
  `Z_<n>INTERACTIONRECIPIENT`) and every query is built from the columns present.
- One record per interaction, recipients and attachments folded into it. The incumbent joins
  both many-to-many tables in one query and emits one row per attachment × recipient
  combination (a documented deliberate difference in counts).
- Contact identifiers are phone numbers, email addresses or app-specific ids; phones and
  emails become observables, like the bundle ids and content URLs. Dates are Cocoa seconds.
  The contacts' own first/last dates are kept as plain fields: they would repeat on the
  timeline for every interaction with the same contact.
- `ZCONTENTTEXT` of attachments can hold message text: it is kept, never shown or logged.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from perito.artifacts.base import Artifact, Context, SchemaMismatch, timestamp
from perito.artifacts.ios.sms import classify_handle
from perito.artifacts.ios.whatsapp import phone_of_jid
from perito.artifacts.sql import col, has
from perito.records import Kind, Record, observable, register_record, timeline
from perito.sources.locations import BackupFile, FsGlob
from perito.sources.sqlite import missing_from, schema
from perito.timestamps import Encoding, Timestamp, unset

IDENTIFY: dict[str, list[str]] = {"ZINTERACTIONS": ["Z_PK", "ZSTARTDATE", "ZBUNDLEID"]}
DIRECTIONS = {0: "incoming", 1: "outgoing"}
_INTERACTION_COLUMNS = (
    ("ZUUID", "uuid"), ("ZSTARTDATE", "start_date"), ("ZENDDATE", "end_date"),
    ("ZCREATIONDATE", "creation_date"), ("ZBUNDLEID", "bundle_id"),
    ("ZTARGETBUNDLEID", "target_bundle_id"), ("ZACCOUNT", "account"),
    ("ZDIRECTION", "direction"), ("ZMECHANISM", "mechanism"), ("ZISRESPONSE", "is_response"),
    ("ZRECIPIENTCOUNT", "recipient_count"), ("ZDOMAINIDENTIFIER", "domain_identifier"),
    ("ZCONTENTURL", "content_url"), ("ZLOCATIONUUID", "location_uuid"),
    ("ZGROUPNAME", "group_name"), ("ZDERIVEDINTENTIDENTIFIER", "derived_intent_identifier"))
_SENDER_COLUMNS = (
    ("ZDISPLAYNAME", "sender_display_name"), ("ZIDENTIFIER", "sender_identifier"),
    ("ZPERSONID", "sender_person_id"), ("ZCUSTOMIDENTIFIER", "sender_custom_identifier"),
    ("ZINCOMINGRECIPIENTCOUNT", "sender_incoming_recipient_count"),
    ("ZINCOMINGSENDERCOUNT", "sender_incoming_sender_count"),
    ("ZOUTGOINGRECIPIENTCOUNT", "sender_outgoing_recipient_count"),
    ("ZCREATIONDATE", "sender_creation_date"),
    ("ZFIRSTINCOMINGRECIPIENTDATE", "sender_first_incoming_recipient_date"),
    ("ZFIRSTINCOMINGSENDERDATE", "sender_first_incoming_sender_date"),
    ("ZFIRSTOUTGOINGRECIPIENTDATE", "sender_first_outgoing_recipient_date"),
    ("ZLASTINCOMINGRECIPIENTDATE", "sender_last_incoming_recipient_date"),
    ("ZLASTINCOMINGSENDERDATE", "sender_last_incoming_sender_date"),
    ("ZLASTOUTGOINGRECIPIENTDATE", "sender_last_outgoing_recipient_date"))
_SENDER_DATES = tuple(alias for _name, alias in _SENDER_COLUMNS if alias.endswith("_date"))
_ATTACHMENT_COLUMNS = (("ZUTI", "uti"), ("ZCONTENTURL", "content_url"),
                       ("ZCONTENTTEXT", "content_text"), ("ZSIZEINBYTES", "size"),
                       ("ZPHOTOLOCALIDENTIFIER", "photo_local_identifier"),
                       ("ZIDENTIFIER", "identifier"), ("ZCLOUDIDENTIFIER", "cloud_identifier"))
_RECIPIENT_JOIN = re.compile(r"Z_[0-9]+INTERACTIONRECIPIENT")
_ATTACHMENT_JOIN = re.compile(r"Z_[0-9]+INTERACTIONS")
_NOT_EMAIL_DOMAINS = ("g.us", "lid", "broadcast", "s.whatsapp.net")


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class CoreDuetInteraction(Record):
    """One row of interactionC.db's `ZINTERACTIONS`, with sender, recipients, attachments."""

    pk: int | None = None  # ZINTERACTIONS.Z_PK
    uuid: str | None = None
    start_date: Timestamp = field(default=unset(Encoding.COCOA_S),
                                  metadata=timeline("Interaction started"))
    end_date: Timestamp = field(default=unset(Encoding.COCOA_S),
                                metadata=timeline("Interaction ended"))
    creation_date: Timestamp = field(default=unset(Encoding.COCOA_S),
                                     metadata=timeline("Interaction recorded"))
    bundle_id: str = field(default="", metadata=observable(Kind.APP_ID))
    target_bundle_id: str = field(default="", metadata=observable(Kind.APP_ID))
    account: str | None = None
    direction: int | None = None  # 0 incoming, 1 outgoing
    direction_name: str = ""
    mechanism: int | None = None
    is_response: int | None = None
    recipient_count: int | None = None
    domain_identifier: str | None = None
    content_url: str = field(default="", metadata=observable(Kind.URL))
    location_uuid: str | None = None
    group_name: str | None = None
    derived_intent_identifier: str | None = None
    sender_display_name: str | None = None
    sender_identifier: str | None = None
    sender_phone: str = field(default="", metadata=observable(Kind.PHONE))
    sender_email: str = field(default="", metadata=observable(Kind.EMAIL))
    sender_person_id: str | None = None
    sender_custom_identifier: str | None = None
    sender_incoming_recipient_count: int | None = None
    sender_incoming_sender_count: int | None = None
    sender_outgoing_recipient_count: int | None = None
    sender_creation_date: Timestamp = field(default=unset(Encoding.COCOA_S))
    sender_first_incoming_recipient_date: Timestamp = field(default=unset(Encoding.COCOA_S))
    sender_first_incoming_sender_date: Timestamp = field(default=unset(Encoding.COCOA_S))
    sender_first_outgoing_recipient_date: Timestamp = field(default=unset(Encoding.COCOA_S))
    sender_last_incoming_recipient_date: Timestamp = field(default=unset(Encoding.COCOA_S))
    sender_last_incoming_sender_date: Timestamp = field(default=unset(Encoding.COCOA_S))
    sender_last_outgoing_recipient_date: Timestamp = field(default=unset(Encoding.COCOA_S))
    recipient_display_names: tuple[str, ...] = ()
    recipient_identifiers: tuple[str, ...] = ()
    recipient_phones: tuple[str, ...] = field(default=(), metadata=observable(Kind.PHONE))
    recipient_emails: tuple[str, ...] = field(default=(), metadata=observable(Kind.EMAIL))
    attachment_utis: tuple[str, ...] = ()
    attachment_content_urls: tuple[str, ...] = field(default=(), metadata=observable(Kind.URL))
    attachment_content_texts: tuple[str, ...] = ()
    attachment_sizes: tuple[int, ...] = ()
    attachment_photo_local_identifiers: tuple[str, ...] = ()
    attachment_identifiers: tuple[str, ...] = ()  # ZIDENTIFIER as upper-case hex
    attachment_cloud_identifiers: tuple[str, ...] = ()

    record_name = "Interaction"

    def describe(self) -> str:
        app = self.bundle_id or "unknown app"
        kind = f"{self.direction_name} interaction" if self.direction_name else "Interaction"
        text = f"[{app}] {kind[0].upper()}{kind[1:]}"
        sender = self.sender_display_name or self.sender_identifier
        if sender:
            text += f" from {sender}"
        recipients = self.recipient_display_names or self.recipient_identifiers
        if recipients:
            text += " to " + ", ".join(recipients)
        if self.group_name:
            text += f" in {self.group_name}"
        if self.account:
            text += f" (account {self.account})"
        if self.attachment_utis:
            text += f", {len(self.attachment_utis)} attachments"
        return text


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def classify_identifier(identifier: str | None) -> tuple[str, str]:
    """(email, phone) of a contact identifier; app-specific ids and JIDs of groups give neither."""
    if not identifier:
        return "", ""
    text = identifier.strip()
    lowered = text.lower()
    if lowered.startswith(("mailto:", "tel:", "e:", "p:")):  # "e:"/"p:": iMessage accounts
        text = text.split(":", 1)[1].strip()
        lowered = text.lower()
    if lowered.endswith("@s.whatsapp.net"):
        return "", phone_of_jid(text)
    if "@" in text and (" " in text or lowered.rpartition("@")[2] in _NOT_EMAIL_DOMAINS):
        return "", ""
    return classify_handle(text)


def _join_columns(columns: set[str], first: str, second: str) -> tuple[str, str] | None:
    a = next((c for c in columns if re.fullmatch(rf"Z_[0-9]+{first}", c)), None)
    b = next((c for c in columns if re.fullmatch(rf"Z_[0-9]+{second}", c)), None)
    return (a, b) if a and b else None


def _recipients(connection: sqlite3.Connection, found: Mapping[str, set[str]]
                ) -> dict[int, list[tuple[str, str]]]:
    """Interaction Z_PK → (display name, identifier) of each recipient contact."""
    if not has(found, "ZCONTACTS", "Z_PK"):
        return {}
    for table in sorted(found):
        pair = (_join_columns(found[table], "RECIPIENTS", "INTERACTIONRECIPIENT")
                if _RECIPIENT_JOIN.fullmatch(table) else None)
        if pair is None:
            continue
        contact, interaction = pair
        name = col(found, "ZCONTACTS", "ZDISPLAYNAME", "name", "c")
        ident = col(found, "ZCONTACTS", "ZIDENTIFIER", "identifier", "c")
        query = (f'SELECT j."{interaction}", {name}, {ident} FROM "{table}" j '
                 f'JOIN ZCONTACTS c ON c.Z_PK = j."{contact}" ORDER BY j."{interaction}", c.Z_PK')
        out: dict[int, list[tuple[str, str]]] = {}
        for pk, display, identifier in connection.execute(query):
            if isinstance(pk, int):
                out.setdefault(pk, []).append((_text(display) or "", _text(identifier) or ""))
        return out
    return {}


def _attachments(connection: sqlite3.Connection, found: Mapping[str, set[str]]
                 ) -> dict[int, list[dict[str, Any]]]:
    """Interaction Z_PK → its ZATTACHMENT rows (as dicts of `_ATTACHMENT_COLUMNS` aliases)."""
    if not has(found, "ZATTACHMENT", "Z_PK"):
        return {}
    for table in sorted(found):
        pair = (_join_columns(found[table], "ATTACHMENTS", "INTERACTIONS")
                if _ATTACHMENT_JOIN.fullmatch(table) else None)
        if pair is None:
            continue
        attachment, interaction = pair
        columns = ", ".join(col(found, "ZATTACHMENT", name, alias, "a")
                            for name, alias in _ATTACHMENT_COLUMNS)
        query = (f'SELECT j."{interaction}" AS interaction, {columns} FROM "{table}" j '
                 f'JOIN ZATTACHMENT a ON a.Z_PK = j."{attachment}" '
                 f'ORDER BY j."{interaction}", a.Z_PK')
        cursor = connection.execute(query)
        names = [d[0] for d in cursor.description]
        out: dict[int, list[dict[str, Any]]] = {}
        for row in cursor:
            values = dict(zip(names, row, strict=True))
            if isinstance(values["interaction"], int):
                out.setdefault(values["interaction"], []).append(values)
        return out
    return {}


def _query(found: Mapping[str, set[str]]) -> str:
    columns = [col(found, "ZINTERACTIONS", name, alias, "i")
               for name, alias in _INTERACTION_COLUMNS]
    if has(found, "ZINTERACTIONS", "ZSENDER") and has(found, "ZCONTACTS", "Z_PK"):
        join = "LEFT JOIN ZCONTACTS s ON s.Z_PK = i.ZSENDER"
        columns += [col(found, "ZCONTACTS", name, alias, "s") for name, alias in _SENDER_COLUMNS]
    else:
        join = ""
        columns += [f'NULL AS "{alias}"' for _name, alias in _SENDER_COLUMNS]
    return (f"SELECT i.Z_PK AS pk, {', '.join(columns)} FROM ZINTERACTIONS i {join} "
            "ORDER BY i.Z_PK")


def _strings(rows: list[dict[str, Any]], name: str) -> tuple[str, ...]:
    return tuple(text for row in rows if (text := _text(row[name])))


def _hex(value: object) -> str | None:
    if isinstance(value, bytes):
        return value.hex().upper()
    return _text(value)


def _record(row: sqlite3.Row, recipients: list[tuple[str, str]],
            attachments: list[dict[str, Any]], address: str) -> CoreDuetInteraction:
    sender = _text(row["sender_identifier"])
    sender_email, sender_phone = classify_identifier(sender)
    classified = [classify_identifier(identifier) for _name, identifier in recipients]
    direction = _int(row["direction"])
    dates = {name: timestamp(row[name], Encoding.COCOA_S) for name in _SENDER_DATES}
    return CoreDuetInteraction(
        source=address,
        pk=_int(row["pk"]),
        uuid=_hex(row["uuid"]),
        start_date=timestamp(row["start_date"], Encoding.COCOA_S),
        end_date=timestamp(row["end_date"], Encoding.COCOA_S),
        creation_date=timestamp(row["creation_date"], Encoding.COCOA_S),
        bundle_id=(_text(row["bundle_id"]) or "").strip(),
        target_bundle_id=(_text(row["target_bundle_id"]) or "").strip(),
        account=_text(row["account"]),
        direction=direction,
        direction_name=DIRECTIONS.get(direction, "") if direction is not None else "",
        mechanism=_int(row["mechanism"]),
        is_response=_int(row["is_response"]),
        recipient_count=_int(row["recipient_count"]),
        domain_identifier=_text(row["domain_identifier"]),
        content_url=(_text(row["content_url"]) or "").strip(),
        location_uuid=_text(row["location_uuid"]),
        group_name=_text(row["group_name"]),
        derived_intent_identifier=_text(row["derived_intent_identifier"]),
        sender_display_name=_text(row["sender_display_name"]),
        sender_identifier=sender,
        sender_phone=sender_phone,
        sender_email=sender_email,
        sender_person_id=_text(row["sender_person_id"]),
        sender_custom_identifier=_text(row["sender_custom_identifier"]),
        sender_incoming_recipient_count=_int(row["sender_incoming_recipient_count"]),
        sender_incoming_sender_count=_int(row["sender_incoming_sender_count"]),
        sender_outgoing_recipient_count=_int(row["sender_outgoing_recipient_count"]),
        sender_creation_date=dates["sender_creation_date"],
        sender_first_incoming_recipient_date=dates["sender_first_incoming_recipient_date"],
        sender_first_incoming_sender_date=dates["sender_first_incoming_sender_date"],
        sender_first_outgoing_recipient_date=dates["sender_first_outgoing_recipient_date"],
        sender_last_incoming_recipient_date=dates["sender_last_incoming_recipient_date"],
        sender_last_incoming_sender_date=dates["sender_last_incoming_sender_date"],
        sender_last_outgoing_recipient_date=dates["sender_last_outgoing_recipient_date"],
        recipient_display_names=tuple(name for name, _identifier in recipients if name),
        recipient_identifiers=tuple(identifier for _name, identifier in recipients
                                    if identifier),
        recipient_phones=tuple(dict.fromkeys(phone for _email, phone in classified if phone)),
        recipient_emails=tuple(dict.fromkeys(email for email, _phone in classified if email)),
        attachment_utis=_strings(attachments, "uti"),
        attachment_content_urls=_strings(attachments, "content_url"),
        attachment_content_texts=_strings(attachments, "content_text"),
        attachment_sizes=tuple(size for a in attachments if (size := _int(a["size"])) is not None),
        attachment_photo_local_identifiers=_strings(attachments, "photo_local_identifier"),
        attachment_identifiers=tuple(h for a in attachments if (h := _hex(a["identifier"]))),
        attachment_cloud_identifiers=_strings(attachments, "cloud_identifier"),
    )


def extract(ctx: Context) -> Iterator[CoreDuetInteraction]:
    """Every interaction of one interactionC.db."""
    with ctx.source.open_sqlite(ctx.evidence) as opened:
        if opened.wal_applied:
            ctx.warn("write-ahead log applied (read from a private copy)")
        found = schema(opened.connection)
        missing = missing_from(found, IDENTIFY)
        if missing:
            raise SchemaMismatch(missing)
        recipients = _recipients(opened.connection, found)
        attachments = _attachments(opened.connection, found)
        opened.connection.row_factory = sqlite3.Row
        for row in opened.connection.execute(_query(found)):
            pk = _int(row["pk"])
            key = pk if pk is not None else -1
            yield _record(row, recipients.get(key, []), attachments.get(key, []),
                          ctx.evidence.address)


ARTIFACT = Artifact(
    id="ios.interaction_c",
    title="CoreDuet interactions (interactionC)",
    slug="interaction_c",
    plugin="InteractionC",
    locations=(BackupFile("HomeDomain", "Library/CoreDuet/People/interactionC.db"),
               FsGlob("private/var/mobile/Library/CoreDuet/People/interactionC.db")),
    records=(CoreDuetInteraction,),
    extract=extract,
    doc=__doc__ or "",
)
