"""MMS messages from an Android backup's telephony provider (`*_mms_backup`, android.md §3).

- Only MMS with a text part are backed up, and only their text (`mms_body`, `mms_charset`).
- `date` and `date_sent` are **unix seconds** (the `pdu` table's unit). The incumbent divides
  them by 1000 and so dates every MMS in January 1970.
- `msg_box` gives the direction (1 inbox, 2 sent, 3 drafts, 4 outbox, 5 failed); `m_type`
  is the PDU type (128 send request, 130 notification, 132 retrieve confirmation);
  `mms_addresses[]` has `type` 137 (from), 151 (to), 130 (cc), 129 (bcc) and `address`.
- `ct_l` is the content location at the carrier's MMS centre, kept as a URL observable;
  links in the body and subject are URL observables too; addresses are phones or emails.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from perito.artifacts.android import telephony
from perito.artifacts.base import Artifact, Context, timestamp
from perito.records import Kind, Record, observable, register_record, timeline
from perito.sources.locations import BackupMember
from perito.timestamps import Encoding, Timestamp, unset

MMS_BOXES = {"1": ("inbox", "received"), "2": ("sent", "sent"), "3": ("draft", "draft"),
             "4": ("outbox", "sent"), "5": ("failed", "sent")}
ADDRESS_TYPES = {137: "from", 151: "to", 130: "cc", 129: "bcc"}


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class AndroidMms(Record):
    """One MMS (its text) of the telephony provider's backup."""

    index: int = 0
    self_phone: str | None = None
    sender: str | None = None  # the address of type 137
    to: tuple[str, ...] = ()  # types 151, 130, 129
    recipients: tuple[str, ...] = ()
    address_email: tuple[str, ...] = field(default=(), metadata=observable(Kind.EMAIL))
    address_phone: tuple[str, ...] = field(default=(), metadata=observable(Kind.PHONE))
    msg_box: str | None = None
    box: str = ""
    direction: str = ""
    m_type: str | None = None
    version: str | None = None  # `v`
    date: Timestamp = field(default=unset(Encoding.UNIX_S), metadata=timeline("MMS message"))
    date_sent: Timestamp = field(default=unset(Encoding.UNIX_S))
    read: str | None = None
    transaction_id: str | None = None  # `tr_id`
    content_location: str = field(default="", metadata=observable(Kind.URL))  # `ct_l`
    subject: str | None = None  # `sub`
    body: str | None = None  # `mms_body`
    body_charset: str | None = None
    attachments: tuple[str, ...] = ()  # file names, when a tool put them in the backup
    links: tuple[str, ...] = field(default=(), metadata=observable(Kind.URL))

    record_name = "MMS message"

    def describe(self) -> str:
        if self.direction == "sent":
            text = "MMS sent to " + (", ".join(self.to or self.recipients) or "an unknown number")
        elif self.direction == "received":
            text = "MMS received from " + (self.sender or "an unknown number")
        else:
            text = f"MMS {self.box or 'message'}"
        if self.links:
            text += " with links: " + " ".join(self.links)
        return text


def _addresses(value: object) -> list[tuple[str, str]]:
    """(role, address) of `mms_addresses[]`."""
    found: list[tuple[str, str]] = []
    if isinstance(value, list):
        for entry in value:
            if isinstance(entry, dict) and isinstance(entry.get("address"), str):
                kind = entry.get("type")
                role = ADDRESS_TYPES.get(int(kind), "") if isinstance(kind, int | str) and \
                    str(kind).isdigit() else ""
                found.append((role, entry["address"]))
    return found


def _attachments(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(str(a["filename"]) for a in value
                 if isinstance(a, dict) and isinstance(a.get("filename"), str))


def _record(ctx: Context, position: int, item: dict[str, Any]) -> AndroidMms:
    addresses = _addresses(item.get("mms_addresses"))
    recipients = telephony.strings(item.get("recipients"))
    emails, phones = telephony.split_addresses(tuple(a for _r, a in addresses) + recipients)
    box = telephony.text(item, "msg_box")
    named, direction = MMS_BOXES.get(box or "", ("", ""))
    subject = telephony.text(item, "sub")
    body = telephony.text(item, "mms_body")
    return AndroidMms(
        source=ctx.evidence.address,
        index=position,
        self_phone=telephony.text(item, "self_phone"),
        sender=next((a for role, a in addresses if role == "from"), None),
        to=tuple(a for role, a in addresses if role in ("to", "cc", "bcc")),
        recipients=recipients,
        address_email=emails,
        address_phone=phones,
        msg_box=box,
        box=named,
        direction=direction,
        m_type=telephony.text(item, "m_type"),
        version=telephony.text(item, "v"),
        date=timestamp(telephony.text(item, "date"), Encoding.UNIX_S),
        date_sent=timestamp(telephony.text(item, "date_sent"), Encoding.UNIX_S),
        read=telephony.text(item, "read"),
        transaction_id=telephony.text(item, "tr_id"),
        content_location=telephony.text(item, "ct_l") or "",
        subject=subject,
        body=body,
        body_charset=telephony.text(item, "mms_charset"),
        attachments=_attachments(item.get("attachments")),
        links=telephony.links_in(body, subject),
    )


def extract(ctx: Context) -> Iterator[AndroidMms]:
    """Every MMS of one `*_mms_backup` file."""
    for position, item in enumerate(telephony.messages(ctx)):
        yield _record(ctx, position, item)


ARTIFACT = Artifact(
    id="android.backup.mms",
    title="MMS messages (Android backup)",
    slug="sms",  # the incumbent's sms module reads both files
    plugin="SMS",
    locations=(BackupMember(telephony.TELEPHONY + "*_mms_backup"),),
    records=(AndroidMms,),
    extract=extract,
    doc=__doc__ or "",
)
