"""SMS, MMS and iMessage attachments from sms.db, one record per attachment row (ios.md §5.10).

- `attachment` is LEFT JOINed through `message_attachment_join` to `message` and `handle`, as
  the incumbent does: an attachment linked to no message still gives one record, and one
  linked to several messages gives one record per message, so the counts are the same.
- `filename` is usually `~/Library/SMS/Attachments/xx/yy/<GUID>/<name>`; `~` is the mobile
  user's home, so `file_path` is the device-absolute `/private/var/mobile/Library/…` that
  file-path indicators are written against. Other paths (`/var/tmp/…`) are kept as stored;
  the matcher canonicalises `/var` ↔ `/private/var`. `transfer_name` is the name the sender
  gave the file. Path and name matches here are HIGH, as in the incumbent (§4.8).
- `created_date` and `start_date` are Cocoa seconds (not nanoseconds, unlike `message.date`).
- Direction comes from `is_outgoing` (1 sent, 0 received). The heuristic of
  `perito.analysis.sms_attachments` treats a NULL like the incumbent does, as received.
- The counterpart handle is classified as in `perito.artifacts.ios.sms`: emails (iMessage
  Apple IDs) and number-like ids become observables.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from perito.artifacts.base import Artifact, Context, sqlite_rows, timestamp
from perito.artifacts.ios.sms import classify_handle
from perito.artifacts.sql import col, has
from perito.levels import Level
from perito.records import Kind, Record, observable, register_record, shareable, timeline
from perito.sources.locations import BackupFile, FsGlob
from perito.timestamps import Encoding, Timestamp, unset

MOBILE_HOME = "/private/var/mobile"
_ATTACHMENT_COLUMNS = ("guid", "filename", "transfer_name", "mime_type", "uti", "total_bytes",
                       "is_outgoing", "is_sticker", "transfer_state", "hide_attachment",
                       "created_date", "start_date")


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class SmsAttachment(Record):
    """One row of sms.db's `attachment`, with the message that carried it."""

    rowid: int | None = None  # attachment.ROWID
    guid: str | None = None
    filename: str | None = None  # as stored, often `~/Library/SMS/Attachments/…`
    file_path: str = field(default="", metadata=observable(Kind.FILE_PATH))
    transfer_name: str = field(default="", metadata=observable(Kind.FILE_NAME))
    mime_type: str | None = field(default=None, metadata=shareable())
    uti: str | None = field(default=None, metadata=shareable())
    total_bytes: int | None = None
    is_outgoing: int | None = None
    direction: str = field(default="", metadata=shareable())  # from is_outgoing; "": NULL
    is_sticker: int | None = None
    transfer_state: int | None = None
    hide_attachment: int | None = None
    has_user_info: bool = False
    created_date: Timestamp = field(default=unset(Encoding.COCOA_S),
                                    metadata=timeline("SMS attachment created"))
    start_date: Timestamp = field(default=unset(Encoding.COCOA_S),
                                  metadata=timeline("SMS attachment transfer started"))
    message_rowid: int | None = None
    message_guid: str | None = None
    service: str | None = field(default=None, metadata=shareable())
    handle: str | None = None  # handle.id as stored
    handle_email: str = field(default="", metadata=observable(Kind.EMAIL))
    handle_phone: str = field(default="", metadata=observable(Kind.PHONE))

    record_name = "SMS attachment"

    def describe(self) -> str:
        name = self.transfer_name or self.filename or "(no name)"
        service = self.service or "Message"
        text = f"{service} attachment '{name}'"
        if self.direction == "sent":
            text += " sent" + (f" to {self.handle}" if self.handle else "")
        elif self.direction == "received":
            text += " received" + (f" from {self.handle}" if self.handle else "")
        elif self.handle:
            text += f" with {self.handle}"
        if self.total_bytes is not None:
            text += f" ({self.total_bytes} bytes)"
        if self.filename and self.filename != name:
            text += f" at {self.filename}"
        return text


def device_path(filename: str | None) -> str:
    """`filename` made device-absolute: `~/…` is the mobile home; other paths as stored."""
    if not filename:
        return ""
    text = filename.strip()
    if text.startswith("~/"):
        return MOBILE_HOME + text[1:]
    return text


def _query(found: Mapping[str, set[str]]) -> str:
    columns = [col(found, "attachment", name, prefix="a") for name in _ATTACHMENT_COLUMNS]
    columns.append("a.user_info IS NOT NULL AS has_user_info"
                   if has(found, "attachment", "user_info") else "0 AS has_user_info")
    joins = ""
    linked = (has(found, "message_attachment_join", "attachment_id")
              and has(found, "message_attachment_join", "message_id"))
    if linked and has(found, "message", "ROWID"):
        joins = ("LEFT JOIN message_attachment_join j ON j.attachment_id = a.ROWID "
                 "LEFT JOIN message m ON m.ROWID = j.message_id")
        columns += ["m.ROWID AS message_rowid", col(found, "message", "guid", "message_guid", "m"),
                    col(found, "message", "service", prefix="m")]
        if has(found, "handle", "id") and has(found, "message", "handle_id"):
            joins += " LEFT JOIN handle h ON h.ROWID = m.handle_id"
            columns.append("h.id AS handle")
        else:
            columns.append('NULL AS "handle"')
        order = "a.ROWID, j.message_id"
    else:
        columns += ['NULL AS "message_rowid"', 'NULL AS "message_guid"', 'NULL AS "service"',
                    'NULL AS "handle"']
        order = "a.ROWID"
    return (f"SELECT a.ROWID AS rowid, {', '.join(columns)} FROM attachment a {joins} "
            f"ORDER BY {order}")


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value if isinstance(value, str) else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def extract(ctx: Context) -> Iterator[SmsAttachment]:
    """Every attachment row of one sms.db."""
    identify = {"attachment": ["ROWID", "guid", "filename"]}
    for row in sqlite_rows(ctx, identify, _query):
        filename = _text(row["filename"])
        handle = _text(row["handle"])
        email, phone = classify_handle(handle)
        outgoing = _int(row["is_outgoing"])
        yield SmsAttachment(
            source=ctx.evidence.address,
            rowid=_int(row["rowid"]),
            guid=_text(row["guid"]),
            filename=filename,
            file_path=device_path(filename),
            transfer_name=(_text(row["transfer_name"]) or "").strip(),
            mime_type=_text(row["mime_type"]),
            uti=_text(row["uti"]),
            total_bytes=_int(row["total_bytes"]),
            is_outgoing=outgoing,
            direction="sent" if outgoing == 1 else "received" if outgoing == 0 else "",
            is_sticker=_int(row["is_sticker"]),
            transfer_state=_int(row["transfer_state"]),
            hide_attachment=_int(row["hide_attachment"]),
            has_user_info=bool(row["has_user_info"]),
            created_date=timestamp(row["created_date"], Encoding.COCOA_S),
            start_date=timestamp(row["start_date"], Encoding.COCOA_S),
            message_rowid=_int(row["message_rowid"]),
            message_guid=_text(row["message_guid"]),
            service=_text(row["service"]),
            handle=handle,
            handle_email=email,
            handle_phone=phone,
        )


ARTIFACT = Artifact(
    id="ios.sms.attachments",
    title="SMS and iMessage attachments",
    slug="sms_attachments",
    plugin="SMSAttachments",
    locations=(BackupFile("HomeDomain", "Library/SMS/sms.db"),
               FsGlob("private/var/mobile/Library/SMS/sms.db")),
    records=(SmsAttachment,),
    extract=extract,
    match_level=Level.HIGH,
    doc=__doc__ or "",
)
