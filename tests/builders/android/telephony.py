"""The telephony provider's SMS and MMS backup files, as `TelephonyBackupAgent` writes them.

A JSON array written by `android.util.JsonWriter` (no spaces), every column value a string,
deflated with `DeflaterOutputStream` (default level: zlib header `78 9C`). SMS keys follow
the agent's projection order (`self_phone` from the subscription, `address`, `body`,
`date` ms, `date_sent` ms, `status`, `type`, then `recipients` and `archived` from the thread,
`read`); MMS keys are the `pdu` columns (`date` in seconds), then `mms_addresses`,
`mms_body`, `mms_charset`.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

TELEPHONY = "apps/com.android.providers.telephony"


def sms(address: str, body: str, date_ms: int, *, kind: int = 1, date_sent_ms: int = 0,
        read: int = 1, self_phone: str = "+15550199",
        recipients: tuple[str, ...] | None = None, archived: bool = False) -> dict[str, Any]:
    message: dict[str, Any] = {"self_phone": self_phone, "address": address, "body": body,
                               "date": str(date_ms), "date_sent": str(date_sent_ms),
                               "status": "-1", "type": str(kind)}
    message["recipients"] = list(recipients if recipients is not None else (address,))
    if archived:
        message["archived"] = True
    message["read"] = str(read)
    return message


def mms(sender: str, to: tuple[str, ...], body: str, date_s: int, *, box: int = 1,
        subject: str | None = None, content_location: str | None = None,
        self_phone: str = "+15550199") -> dict[str, Any]:
    message: dict[str, Any] = {"self_phone": self_phone}
    if subject is not None:
        message["sub"] = subject
    message.update({"date": str(date_s), "date_sent": "0",
                    "m_type": "132" if box == 1 else "128", "v": "18", "msg_box": str(box)})
    if content_location is not None:
        message["ct_l"] = content_location
    message["recipients"] = [sender, *to] if box == 1 else list(to)
    message["tr_id"] = "T19a2b3c4d5e"
    message["read"] = "1"
    addresses = [{"type": 137, "address": sender, "charset": 106}]
    addresses += [{"type": 151, "address": a, "charset": 106} for a in to]
    message["mms_addresses"] = addresses
    message["mms_body"] = body
    message["mms_charset"] = 106
    if subject is not None:
        message["sub_cs"] = "106"
    return message


def backup_file(messages: list[dict[str, Any]]) -> bytes:
    """One `NNNNNN_sms_backup` / `NNNNNN_mms_backup` file."""
    text = json.dumps(messages, ensure_ascii=False, separators=(",", ":"))
    return zlib.compress(text.encode("utf-8"))
