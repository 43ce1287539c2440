"""Trusted ADB host keys from the `dumpsys adb` section (android.md §2.3).

The `debugging_manager={…}` block has `user_keys=<b64 key> user@host` (one key a line, the
first on the `user_keys=` line) and `keystore=` with XML `<adbKey key="…"
lastConnection="<unix ms>"/>` entries, or binary ABX where only the key strings are found.
The fingerprint shown on the phone is the MD5 of the decoded key, upper-case, colon-separated.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from perito.artifacts.android.common import dumpsys_sections
from perito.artifacts.base import Artifact, Context
from perito.records import Record, register_record, timeline
from perito.sources.locations import Dumpstate
from perito.timestamps import Encoding, Timestamp, decode, unset

_KEY_LINE = re.compile(r"^\s*([A-Za-z0-9+/]{40,}={0,2})(?:\s+(\S.*))?$")
_XML_KEY = re.compile(r'<adbKey key="([^"]+)" lastConnection="(-?\d+)"')
_RAW_KEY = re.compile(r"([A-Za-z0-9+/]{300,}={0,2})(?: ([\w.\-]+@[\w.\-]+))?")
_SETTING = re.compile(r"^\s*[a-z_]+=")


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class AdbKey(Record):
    """An ADB public key the phone trusts."""

    key: str
    comment: str = ""  # user@host
    fingerprint: str = ""  # "" when the key does not decode
    origin: str = ""  # "user_keys" or "keystore"
    last_connection: Timestamp = field(default=unset(Encoding.UNIX_MS),
                                       metadata=timeline("ADB host last connected"))

    record_name = "ADB key"

    @property
    def valid(self) -> bool:
        return bool(self.fingerprint)

    def describe(self) -> str:
        return f"trusted adb key {self.fingerprint or '(invalid)'} {self.comment}".rstrip()


def fingerprint(key: str) -> str:
    """The phone's fingerprint of a base64 ADB key, or "" when it is not valid base64."""
    try:
        raw = base64.b64decode(key, validate=True)
    except (binascii.Error, ValueError):
        return ""
    if len(raw) < 64:
        return ""
    digest = hashlib.md5(raw, usedforsecurity=False).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, 32, 2))


def split_key(text: str) -> tuple[str, str]:
    """(base64 key, comment) of `<key> user@host`."""
    key, _space, comment = text.strip().partition(" ")
    return key, comment.strip()


def _key(source: str, text: str, origin: str, last: str = "") -> AdbKey:
    key, comment = split_key(text)
    return AdbKey(source=source, key=key, comment=comment, fingerprint=fingerprint(key),
                  origin=origin, last_connection=decode(int(last) if last else None,
                                                        Encoding.UNIX_MS))


def keys(lines: list[str], body: str, source: str) -> Iterator[AdbKey]:
    seen: set[tuple[str, str]] = set()
    reading = False
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("user_keys="):
            reading = True
            stripped = stripped[len("user_keys="):]
        elif reading and (_SETTING.match(line) or stripped.startswith(("}", "<"))):
            reading = False
        if reading and _KEY_LINE.match(stripped):
            record = _key(source, stripped, "user_keys")
            if (record.key, "user_keys") not in seen:
                seen.add((record.key, "user_keys"))
                yield record
    found_xml = False
    for key_text, last in _XML_KEY.findall(body):
        found_xml = True
        yield _key(source, key_text, "keystore", last)
    if not found_xml and "keystore=" in body:
        after = body[body.index("keystore="):]
        for key_text, comment in _RAW_KEY.findall(after):
            if (key_text, "user_keys") not in seen:
                yield _key(source, f"{key_text} {comment}", "keystore")


def extract(ctx: Context) -> Iterator[Record]:
    for body, lines in dumpsys_sections(ctx, "adb"):
        yield from keys(lines, body, ctx.evidence.address)


ARTIFACT = Artifact(
    id="android.dumpsys.adb",
    title="Trusted ADB keys (dumpsys adb)",
    slug="dumpsys_adb",
    plugin="DumpsysADBState",
    locations=(Dumpstate(),),
    records=(AdbKey,),
    extract=extract,
    doc=__doc__ or "",
)
