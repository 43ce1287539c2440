"""What the SMS and MMS backup files of Android's telephony provider share.

`TelephonyBackupAgent` writes `NNNNNN_sms_backup` and `NNNNNN_mms_backup` into the
provider's `d_f/` domain: a JSON array written by `android.util.JsonWriter` and deflated on the
fly (a zlib stream), at most 1000 messages per file. Column values are written as JSON
strings (`"date":"1709280000123"`), the thread's recipients as `recipients[]`, the SIM's
own number as `self_phone` (android.md §3).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from typing import Any

from perito.artifacts.base import Context
from perito.artifacts.ios.sms import classify_handle
from perito.errors import DamagedFile
from perito.indicators.normalise import extract_links

MAX_INFLATED = 256 << 20  # one file holds at most ~1000 messages: far less than this
TELEPHONY = "apps/com.android.providers.telephony/"


def _inflate(data: bytes) -> bytes:
    if data[:1] in (b"[", b"{"):  # stored without deflate (some backup tools)
        return data
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, MAX_INFLATED)
    except zlib.error as error:
        raise DamagedFile(f"not a zlib-deflated telephony backup ({error})") from None
    if inflater.unconsumed_tail:
        raise DamagedFile(f"the telephony backup inflates beyond {MAX_INFLATED} bytes")
    if not inflater.eof:
        raise DamagedFile("the telephony backup's zlib stream is truncated")
    return out


def messages(ctx: Context) -> Iterator[dict[str, Any]]:
    """The message objects of one backup file; entries that are not objects are counted."""
    text = _inflate(ctx.source.read_bytes(ctx.evidence))
    try:
        items = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        where = f" at character {error.pos}" if isinstance(error, json.JSONDecodeError) else ""
        raise DamagedFile(f"the telephony backup is not valid JSON{where}") from None
    if not isinstance(items, list):
        raise DamagedFile("the telephony backup is not a JSON array of messages")
    skipped = 0
    for item in items:
        if isinstance(item, dict):
            yield item
        else:
            skipped += 1
    if skipped:
        ctx.warn(f"{skipped} entries are not message objects and were skipped")


def text(item: dict[str, Any], key: str) -> str | None:
    """A value as the string Android wrote (numbers and booleans kept as their text)."""
    value = item.get(key)
    if type(value) is str:  # what JsonWriter wrote for every column: the common case
        return value
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(str(v) for v in value if isinstance(v, str | int) and not isinstance(v, bool))


def links_in(*texts: str | None) -> tuple[str, ...]:
    found: list[str] = []
    for value in texts:
        if value:
            found.extend(extract_links(value))
    return tuple(dict.fromkeys(found))


def split_addresses(values: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(emails, phone numbers) among message addresses; alphanumeric sender ids give neither."""
    emails: list[str] = []
    phones: list[str] = []
    for value in values:
        email, phone = classify_handle(value)
        if email:
            emails.append(email)
        if phone:
            phones.append(phone)
    return tuple(dict.fromkeys(emails)), tuple(dict.fromkeys(phones))
