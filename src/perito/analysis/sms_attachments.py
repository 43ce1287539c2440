"""Received Messages attachments stored under /var/tmp with a `-1` suffix (ios.md §6)."""

from __future__ import annotations

from collections.abc import Iterator

from perito.artifacts.ios.sms_attachments import SmsAttachment
from perito.detections import heuristic
from perito.indicators.normalise import file_path
from perito.levels import Level
from perito.records import Record

_TMP = "/private/var/tmp/"  # canonical form of /var/tmp/, /private/var/tmp/ and /tmp/


@heuristic(SmsAttachment, "sms-attachment-in-tmp", Level.MEDIUM,
           "Seen with iMessage zero-click exploit deliveries: a received attachment stored "
           "under /var/tmp with a name ending in -1, where normal received attachments live "
           "under ~/Library/SMS/Attachments/.")
def attachment_in_tmp(record: Record) -> Iterator[str]:
    assert isinstance(record, SmsAttachment)
    if record.is_outgoing == 1 or not record.filename:  # NULL counts as received, as upstream
        return
    path = record.filename.strip()
    if file_path(path).startswith(_TMP) and path.endswith("-1"):
        sender = f" from {record.handle}" if record.handle else ""
        yield (f"Suspicious {record.service or 'Messages'} attachment {path} "
               f"received{sender}")
