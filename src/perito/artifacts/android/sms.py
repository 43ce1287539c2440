"""SMS messages from an Android backup's telephony provider (`*_sms_backup`, android.md §3).

- Keys are the `sms` table's columns as `TelephonyBackupAgent` writes them, all strings:
  `address`, `body`, `subject`, `date` and `date_sent` (**unix ms**), `type` (1 inbox,
  2 sent, 3 draft, 4 outbox, 5 failed, 6 queued), `read`, `status`, plus `self_phone`,
  `recipients[]` and `archived`.
- The direction comes from `type`. The incumbent guesses it from `date_sent ≠ 0`, which is
  wrong for drafts and for phones that set `date_sent` on sent messages.
- `date_sent` is the service centre's time on received messages, usually "0" on sent ones.
- Links: every `http(s)://` run in the body and subject; the matcher checks their hosts as
  domains and IPs. The body is kept in the record, never shown by `describe()` nor logged.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from perito.artifacts.android import telephony
from perito.artifacts.base import Artifact, Context, timestamp
from perito.records import Kind, Record, observable, register_record, timeline
from perito.sources.locations import BackupMember
from perito.timestamps import Encoding, Timestamp, unset

SMS_TYPES = {"1": "received", "2": "sent", "3": "draft", "4": "sent", "5": "sent", "6": "sent"}
SMS_BOXES = {"1": "inbox", "2": "sent", "3": "draft", "4": "outbox", "5": "failed",
             "6": "queued"}


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class AndroidSms(Record):
    """One SMS of the telephony provider's backup."""

    index: int = 0  # position in the backup file
    address: str | None = None
    address_email: tuple[str, ...] = field(default=(), metadata=observable(Kind.EMAIL))
    address_phone: tuple[str, ...] = field(default=(), metadata=observable(Kind.PHONE))
    self_phone: str | None = None
    recipients: tuple[str, ...] = ()
    type: str | None = None
    box: str = ""  # inbox, sent, draft, outbox, failed, queued
    direction: str = ""  # received, sent, draft
    date: Timestamp = field(default=unset(Encoding.UNIX_MS), metadata=timeline("SMS message"))
    date_sent: Timestamp = field(default=unset(Encoding.UNIX_MS))
    read: str | None = None
    status: str | None = None
    archived: bool = False
    subject: str | None = None
    body: str | None = None
    links: tuple[str, ...] = field(default=(), metadata=observable(Kind.URL))

    record_name = "SMS message"

    def describe(self) -> str:
        who = self.address or ", ".join(self.recipients) or "an unknown number"
        if self.direction == "sent":
            text = f"SMS sent to {who}"
        elif self.direction == "received":
            text = f"SMS received from {who}"
        else:
            text = f"SMS {self.box or 'message'} with {who}"
        if self.links:
            text += " with links: " + " ".join(self.links)
        return text


def extract(ctx: Context) -> Iterator[AndroidSms]:
    """Every SMS of one `*_sms_backup` file."""
    for position, item in enumerate(telephony.messages(ctx)):
        address = telephony.text(item, "address")
        recipients = telephony.strings(item.get("recipients"))
        emails, phones = telephony.split_addresses(((address,) if address else ()) + recipients)
        kind = telephony.text(item, "type")
        body = telephony.text(item, "body")
        subject = telephony.text(item, "subject")
        yield AndroidSms(
            source=ctx.evidence.address,
            index=position,
            address=address,
            address_email=emails,
            address_phone=phones,
            self_phone=telephony.text(item, "self_phone"),
            recipients=recipients,
            type=kind,
            box=SMS_BOXES.get(kind or "", ""),
            direction=SMS_TYPES.get(kind or "", ""),
            date=timestamp(telephony.text(item, "date"), Encoding.UNIX_MS),
            date_sent=timestamp(telephony.text(item, "date_sent"), Encoding.UNIX_MS),
            read=telephony.text(item, "read"),
            status=telephony.text(item, "status"),
            archived=item.get("archived") is True,
            subject=subject,
            body=body,
            links=telephony.links_in(body, subject),
        )


ARTIFACT = Artifact(
    id="android.backup.sms",
    title="SMS messages (Android backup)",
    slug="sms",
    plugin="SMS",
    locations=(BackupMember(telephony.TELEPHONY + "*_sms_backup"),),
    records=(AndroidSms,),
    extract=extract,
    doc=__doc__ or "",
)
