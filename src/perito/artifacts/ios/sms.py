"""SMS, MMS, RCS and iMessage messages from sms.db, one record per message (ios.md §5.10).

- `message` is LEFT JOINed to `handle`: messages with `handle_id` 0 (own messages in group
  chats, some system messages) are kept. The incumbent inner-joins and silently drops them.
- Dates are seconds since 2001 up to iOS 10 and nanoseconds since 2001 from iOS 11 on;
  `Encoding.COCOA_AUTO` decides per value and keeps full precision (the incumbent truncates
  to 9 digits).
- On recent iOS `text` can be NULL while the text survives only in `attributedBody`
  (`perito.artifacts.ios.attributed_body`). Links hidden there are found too; `text_source`
  tells which column the text came from.
- A handle is a phone number, a short code, an alphanumeric sender id or an email address
  (an iMessage Apple ID). Emails go to `handle_email` so that `email-addr` indicators match,
  which the incumbent never does; number-like ids go to `handle_phone`.
- Links: every `https?://` run of non-space characters in the text, raw (the matcher strips
  trailing punctuation).
- The message body is evidence kept in the record, but never shown by `describe()` nor logged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from perito.artifacts.base import Artifact, Context, _executed, table_rows, timestamp
from perito.artifacts.ios.attributed_body import decode_attributed_body
from perito.artifacts.sql import col, has
from perito.indicators.normalise import extract_links
from perito.records import (
    Kind,
    Record,
    assembler,
    observable,
    register_record,
    shareable,
    timeline,
)
from perito.sources.locations import BackupFile, FsGlob
from perito.timestamps import Encoding, Timestamp, decoder, unset

_NUMBER_LIKE = re.compile(r"\+?[0-9][0-9 ().\-]*")


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class SmsMessage(Record):
    """One message of sms.db (SMS, MMS, RCS or iMessage)."""

    rowid: int | None = None
    guid: str | None = None
    service: str | None = field(default=None, metadata=shareable())  # "SMS", "iMessage", "RCS"
    account: str | None = None
    handle_id: int | None = None  # 0: no counterpart handle
    handle: str | None = None  # handle.id as stored
    handle_email: str = field(default="", metadata=observable(Kind.EMAIL))
    handle_phone: str = field(default="", metadata=observable(Kind.PHONE))
    chat_identifier: str | None = None
    is_from_me: int | None = None
    direction: str = field(default="", metadata=shareable())  # "sent" / "received"
    date: Timestamp = field(default=unset(Encoding.COCOA_AUTO),
                            metadata=timeline("SMS message"))
    date_read: Timestamp = field(default=unset(Encoding.COCOA_AUTO),
                                 metadata=timeline("SMS read"))
    date_delivered: Timestamp = field(default=unset(Encoding.COCOA_AUTO))
    text: str | None = None
    text_source: str = field(default="", metadata=shareable())  # "text", "attributedBody", ""
    links: tuple[str, ...] = field(default=(), metadata=observable(Kind.URL))
    cache_has_attachments: int | None = None

    record_name = "SMS message"

    def describe(self) -> str:
        service = self.service or "Message"
        counterpart = self.handle or self.chat_identifier
        if self.direction == "sent":
            text = f"{service} sent" + (f" to {counterpart}" if counterpart else "")
        elif self.direction == "received":
            text = f"{service} received" + (f" from {counterpart}" if counterpart else "")
        else:
            text = f"{service} message" + (f" with {counterpart}" if counterpart else "")
        if self.links:
            text += " with links: " + " ".join(self.links)
        return text


def _query(found: Mapping[str, set[str]]) -> str:
    columns = ", ".join([
        col(found, "message", "guid", prefix="m"),
        col(found, "message", "text", prefix="m"),
        col(found, "message", "attributedBody", "attributed_body", prefix="m"),
        col(found, "message", "service", prefix="m"),
        col(found, "message", "account", prefix="m"),
        col(found, "message", "handle_id", prefix="m"),
        col(found, "message", "is_from_me", prefix="m"),
        col(found, "message", "date", prefix="m"),
        col(found, "message", "date_read", prefix="m"),
        col(found, "message", "date_delivered", prefix="m"),
        col(found, "message", "cache_has_attachments", prefix="m"),
    ])
    if (has(found, "chat_message_join", "chat_id") and has(found, "chat_message_join", "message_id")
            and has(found, "chat", "chat_identifier")):
        # A message belongs to one chat; ORDER/LIMIT keeps one row per message regardless.
        chat = ("(SELECT c.chat_identifier FROM chat_message_join j JOIN chat c "
                "ON c.ROWID = j.chat_id WHERE j.message_id = m.ROWID ORDER BY j.chat_id "
                "LIMIT 1) AS chat_identifier")
    else:
        chat = "NULL AS chat_identifier"
    return (f"SELECT m.ROWID AS rowid, {columns}, h.id AS handle, {chat} "
            f"FROM message m LEFT JOIN handle h ON h.ROWID = m.handle_id ORDER BY m.ROWID")


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value if isinstance(value, str) else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _unique(values: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def classify_handle(handle: str | None) -> tuple[str, str]:
    """(email, phone) observables of a handle id; alphanumeric sender ids give neither."""
    if not handle:
        return "", ""
    value = handle.strip()
    if "@" in value:
        return value, ""
    if _NUMBER_LIKE.fullmatch(value):
        return "", value
    return "", ""


def _other_date(value: object) -> Timestamp:
    return timestamp(value, Encoding.COCOA_AUTO)


_date = decoder(Encoding.COCOA_AUTO, _other_date)
_message = assembler(SmsMessage, (
    "source", "rowid", "guid", "service", "account", "handle_id", "handle", "handle_email",
    "handle_phone", "chat_identifier", "is_from_me", "direction", "date", "date_read",
    "date_delivered", "text", "text_source", "links", "cache_has_attachments"))
_COLUMNS = ("rowid", "guid", "text", "attributed_body", "service", "account", "handle_id",
            "is_from_me", "date", "date_read", "date_delivered", "cache_has_attachments",
            "handle", "chat_identifier")


def extract(ctx: Context) -> Iterator[SmsMessage]:
    """Every message of one sms.db."""
    undecodable = 0
    identify = {"message": ["guid", "handle_id", "date", "is_from_me"], "handle": ["id"]}
    address = ctx.evidence.address
    handles: dict[str | None, tuple[str, str]] = {}  # classify_handle, once per handle
    with _executed(ctx, identify, _query, None) as cursor:
        # Each column by the first result column of its name (as sqlite3.Row finds it).
        position = [column[0].lower() for column in cursor.description or ()].index
        (rowid, guid, text_at, body_at, service, account, handle_id, from_me_at, date,
         date_read, date_delivered, attachments, handle_at, chat) = map(position, _COLUMNS)
        for row in cursor:
            text = row[text_at]
            if type(text) is not str:
                text = _text(text)
            source = "text" if text else ""
            if not text:
                blob = row[body_at]
                decoded = decode_attributed_body(blob)
                if decoded:
                    text, source = decoded, "attributedBody"
                elif isinstance(blob, bytes) and blob and decoded is None:
                    undecodable += 1
            handle = row[handle_at]
            if type(handle) is not str:
                handle = _text(handle)
            kinds = handles.get(handle)
            if kinds is None:
                if len(handles) >= 10_000:
                    handles.clear()
                kinds = handles[handle] = classify_handle(handle)
            from_me = row[from_me_at]
            if type(from_me) is not int:
                from_me = _int(from_me)
            yield _message((
                address, _int(row[rowid]), _text(row[guid]), _text(row[service]),
                _text(row[account]), _int(row[handle_id]), handle, kinds[0], kinds[1],
                _text(row[chat]), from_me,
                "sent" if from_me == 1 else "received" if from_me == 0 else "",
                _date(row[date]), _date(row[date_read]), _date(row[date_delivered]),
                text or None, source,
                _unique(extract_links(text)) if text and "://" in text else (),
                _int(row[attachments])))
    ctx.tally("{count} message bodies stored only in attributedBody could not be decoded; "
              "their links are not checked", undecodable)


ARTIFACT = Artifact(
    id="ios.sms.messages",
    title="SMS and iMessage messages",
    slug="sms",
    plugin="SMS",
    locations=(BackupFile("HomeDomain", "Library/SMS/sms.db"),
               FsGlob("private/var/mobile/Library/SMS/sms.db")),
    records=(SmsMessage,),
    extract=extract,
    doc=__doc__ or "",
    split=table_rows("message"),
)
