"""Apple threat notifications received in Messages (ios.md §6)."""

from __future__ import annotations

from perito.artifacts.ios.sms import SmsMessage
from perito.detections import heuristic
from perito.levels import Level
from perito.records import Record

# The opening words of Apple's threat-notification texts (2021 and 2024 wordings).
THREAT_NOTIFICATION_PREFIXES = (
    "ALERT: State-sponsored attackers may be targeting your iPhone",
    "ALERT: Apple detected a targeted mercenary spyware attack against your iPhone",
)


@heuristic(SmsMessage, "apple-threat-notification", Level.HIGH,
           "Apple sends these texts to users it believes were individually targeted by "
           "state-sponsored or mercenary spyware; it alerts only on high-confidence telemetry.")
def apple_threat_notification(record: Record) -> tuple[str, ...]:
    """A plain function, not a generator: it runs for every message and finds almost nothing."""
    assert isinstance(record, SmsMessage)
    text = (record.text or "").lstrip()
    if not text.startswith(THREAT_NOTIFICATION_PREFIXES):
        return ()
    details = ", ".join(part for part in (
        f"message {record.guid or record.rowid}", record.service or "",
        "text from attributedBody" if record.text_source == "attributedBody" else "") if part)
    counterpart = record.handle or record.chat_identifier or "an unknown sender"
    verb = "sent to" if record.direction == "sent" else "received from"
    return (f"Apple threat notification {verb} {counterpart} ({details})",)
