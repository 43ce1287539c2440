"""WhatsApp chat sessions from ChatStorage.sqlite, one record per chat (ios.md §5.11).

- `ZWACHATSESSION` holds one row per conversation: the counterpart's JID (`ZCONTACTJID`), the
  name shown (`ZPARTNERNAME`), the session type (0 one-to-one, 1 group, 3 broadcast list),
  archived/removed flags, WhatsApp's own message counter and the last message's date. A group
  chat links to `ZWAGROUPINFO` (creation date, creator). The first and last dates and the
  number of the messages still stored are aggregated from `ZWAMESSAGE`: a session's last
  message date later than its newest stored message means that message was deleted.
- Every `ChatStorage.sqlite` in every `AppDomainGroup-*` container is read (WhatsApp and
  WhatsApp Business), like `perito.artifacts.ios.whatsapp`.
- Chats filed under a LID (`<digits>@lid`) are resolved to a phone number through the LID
  pairs of the same store, of `LID.sqlite` and of `ContactsV2.sqlite` beside it (the
  `resolved_phone` field); recent stores also keep the phone JID of a LID chat in
  `ZCONTACTIDENTIFIER`. The incumbent resolves through LID.sqlite only.
- Dates are Cocoa seconds. The incumbent's slug is `whatsapp` (record_type `chat_session`).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from perito.artifacts.base import Artifact, Context, SchemaMismatch, timestamp
from perito.artifacts.ios import whatsapp_contacts, whatsapp_lid
from perito.artifacts.ios.whatsapp import phone_of_jid
from perito.artifacts.sql import col, has
from perito.records import Kind, Record, observable, register_record, timeline
from perito.sources.evidence import EvidenceFile
from perito.sources.locations import BackupFile, BackupGlob, FsGlob, Location
from perito.sources.sqlite import NotADatabase, missing_from, schema
from perito.timestamps import Encoding, Timestamp, unset

IDENTIFY: dict[str, list[str]] = {"ZWACHATSESSION": ["Z_PK", "ZCONTACTJID"]}
SESSION_TYPES = {0: "chat", 1: "group", 3: "broadcast list"}
_SESSION_COLUMNS = (("ZCONTACTJID", "contact_jid"), ("ZCONTACTIDENTIFIER", "contact_identifier"),
                    ("ZPARTNERNAME", "partner_name"), ("ZSESSIONTYPE", "session_type"),
                    ("ZARCHIVED", "archived"), ("ZREMOVED", "removed"), ("ZHIDDEN", "hidden"),
                    ("ZUNREADCOUNT", "unread_count"), ("ZMESSAGECOUNTER", "message_counter"),
                    ("ZLASTMESSAGEDATE", "last_message_date"))


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class WhatsappChatSession(Record):
    """One row of `ZWACHATSESSION`, with its group and the span of its stored messages."""

    session_pk: int | None = None  # ZWACHATSESSION.Z_PK
    contact_jid: str | None = None
    contact_phone: str = field(default="", metadata=observable(Kind.PHONE))
    contact_identifier: str | None = None  # ZCONTACTIDENTIFIER (a phone JID for LID chats)
    resolved_phone: str = field(default="", metadata=observable(Kind.PHONE))  # of a LID chat
    partner_name: str | None = None
    session_type: int | None = None  # 0 chat, 1 group, 3 broadcast list
    archived: int | None = None
    removed: int | None = None
    hidden: int | None = None
    unread_count: int | None = None
    message_counter: int | None = None
    last_message_date: Timestamp = field(default=unset(Encoding.COCOA_S),
                                         metadata=timeline("Last WhatsApp message in chat"))
    group_creation_date: Timestamp = field(default=unset(Encoding.COCOA_S),
                                           metadata=timeline("WhatsApp group created"))
    group_creator_jid: str | None = None
    group_creator_phone: str = field(default="", metadata=observable(Kind.PHONE))
    first_stored_message_date: Timestamp = field(
        default=unset(Encoding.COCOA_S), metadata=timeline("First stored WhatsApp message"))
    last_stored_message_date: Timestamp = field(
        default=unset(Encoding.COCOA_S), metadata=timeline("Last stored WhatsApp message"))
    stored_message_count: int | None = None

    record_name = "WhatsApp chat"

    def describe(self) -> str:
        jid = self.contact_jid or "unknown"
        identifier = self.resolved_phone or self.contact_phone or jid
        label = f"'{self.partner_name}' ({identifier})" if self.partner_name else identifier
        if self.session_type == 1 or jid.endswith("@g.us"):
            text = f"WhatsApp group chat {label}"
        elif self.session_type == 3 or jid.endswith("@broadcast"):
            text = f"WhatsApp broadcast list {label}"
        else:
            text = f"WhatsApp chat with {label}"
        if self.stored_message_count is not None:
            text += f", {self.stored_message_count} stored messages"
        if self.removed:
            text += " (removed)"
        return text


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value if isinstance(value, str) else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _query(found: Mapping[str, set[str]]) -> str:
    columns = [col(found, "ZWACHATSESSION", name, alias, "s") for name, alias in _SESSION_COLUMNS]
    joins = []
    if has(found, "ZWACHATSESSION", "ZGROUPINFO") and has(found, "ZWAGROUPINFO", "Z_PK"):
        joins.append("LEFT JOIN ZWAGROUPINFO g ON g.Z_PK = s.ZGROUPINFO")
        columns += [col(found, "ZWAGROUPINFO", "ZCREATIONDATE", "group_creation_date", "g"),
                    col(found, "ZWAGROUPINFO", "ZCREATORJID", "group_creator_jid", "g")]
    else:
        columns += ['NULL AS "group_creation_date"', 'NULL AS "group_creator_jid"']
    if has(found, "ZWAMESSAGE", "ZCHATSESSION") and has(found, "ZWAMESSAGE", "ZMESSAGEDATE"):
        joins.append("LEFT JOIN (SELECT ZCHATSESSION AS session, "
                     "MIN(NULLIF(ZMESSAGEDATE, 0)) AS first_stored, "
                     "MAX(NULLIF(ZMESSAGEDATE, 0)) AS last_stored, COUNT(*) AS stored "
                     "FROM ZWAMESSAGE GROUP BY ZCHATSESSION) agg ON agg.session = s.Z_PK")
        columns += ["agg.first_stored AS first_stored_message_date",
                    "agg.last_stored AS last_stored_message_date",
                    "COALESCE(agg.stored, 0) AS stored_message_count"]
    else:
        columns += ['NULL AS "first_stored_message_date"', 'NULL AS "last_stored_message_date"',
                    'NULL AS "stored_message_count"']
    return (f"SELECT s.Z_PK AS session_pk, {', '.join(columns)} FROM ZWACHATSESSION s "
            f"{' '.join(joins)} ORDER BY s.Z_PK")


def _sibling(ctx: Context, name: str) -> EvidenceFile | None:
    """The file `name` in the same folder of the same container, when the source has it."""
    evidence = ctx.evidence
    parent = evidence.relative_path.rpartition("/")[0]
    relative = f"{parent}/{name}" if parent else name
    location: Location
    if evidence.domain:
        location = BackupFile(evidence.domain, relative)
    elif evidence.relative_path:
        location = FsGlob(relative)
    else:
        return None
    return next(iter(ctx.source.find(location)), None)


def _sibling_pairs(ctx: Context, name: str) -> dict[str, str]:
    evidence = _sibling(ctx, name)
    if evidence is None:
        return {}
    try:
        with ctx.source.open_sqlite(evidence) as opened:
            found = schema(opened.connection)
            if name == whatsapp_contacts.CONTACTS_V2:
                return whatsapp_contacts.lid_phone_map(opened.connection, found)
            return whatsapp_lid.lid_phone_map(opened.connection, found)
    except (NotADatabase, sqlite3.DatabaseError, OSError):
        ctx.warn(f"{name} beside it is unreadable; chats filed under a LID may stay "
                 "unresolved")
        return {}


def _resolved(jid: str | None, identifier: str | None, pairs: Mapping[str, str]) -> str:
    if not jid or not jid.strip().lower().endswith("@lid"):
        return ""
    return pairs.get(whatsapp_lid.lid_key(jid)) or phone_of_jid(identifier)


def extract(ctx: Context) -> Iterator[WhatsappChatSession]:
    """Every chat session of one ChatStorage.sqlite."""
    with contextlib.ExitStack() as stack:
        opened = stack.enter_context(ctx.source.open_sqlite(ctx.evidence))
        if opened.wal_applied:
            ctx.warn("write-ahead log applied (read from a private copy)")
        found = schema(opened.connection)
        missing = missing_from(found, IDENTIFY)
        if missing:
            raise SchemaMismatch(missing)
        rows = opened.connection.execute(_query(found))
        columns = [d[0] for d in rows.description]
        sessions = [dict(zip(columns, row, strict=True)) for row in rows]
        pairs: dict[str, str] = {}
        if any(_lid(s.get("contact_jid")) for s in sessions):
            for extra in (whatsapp_lid.lid_phone_map(opened.connection, found),
                          _sibling_pairs(ctx, "LID.sqlite"),
                          _sibling_pairs(ctx, whatsapp_contacts.CONTACTS_V2)):
                for key, phone in extra.items():
                    pairs.setdefault(key, phone)
    for row in sessions:
        jid, identifier = _text(row["contact_jid"]), _text(row["contact_identifier"])
        creator = _text(row["group_creator_jid"])
        yield WhatsappChatSession(
            source=ctx.evidence.address,
            session_pk=_int(row["session_pk"]),
            contact_jid=jid,
            contact_phone=phone_of_jid(jid),
            contact_identifier=identifier,
            resolved_phone=_resolved(jid, identifier, pairs),
            partner_name=_text(row["partner_name"]),
            session_type=_int(row["session_type"]),
            archived=_int(row["archived"]),
            removed=_int(row["removed"]),
            hidden=_int(row["hidden"]),
            unread_count=_int(row["unread_count"]),
            message_counter=_int(row["message_counter"]),
            last_message_date=timestamp(row["last_message_date"], Encoding.COCOA_S),
            group_creation_date=timestamp(row["group_creation_date"], Encoding.COCOA_S),
            group_creator_jid=creator,
            group_creator_phone=phone_of_jid(creator),
            first_stored_message_date=timestamp(row["first_stored_message_date"],
                                                Encoding.COCOA_S),
            last_stored_message_date=timestamp(row["last_stored_message_date"],
                                               Encoding.COCOA_S),
            stored_message_count=_int(row["stored_message_count"]),
        )


def _lid(jid: object) -> bool:
    text = _text(jid)
    return bool(text) and str(text).strip().lower().endswith("@lid")


ARTIFACT = Artifact(
    id="ios.whatsapp.sessions",
    title="WhatsApp chat sessions",
    slug="whatsapp_sessions",
    plugin="Whatsapp",
    locations=(BackupFile(whatsapp_lid.SHARED_GROUP, "ChatStorage.sqlite"),
               BackupGlob("ChatStorage.sqlite", "AppDomainGroup-*"),
               FsGlob("private/var/mobile/Containers/Shared/AppGroup/*/ChatStorage.sqlite")),
    records=(WhatsappChatSession,),
    extract=extract,
    doc=__doc__ or "",
)
