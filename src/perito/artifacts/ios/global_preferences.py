""".GlobalPreferences.plist: the device-wide preferences of the mobile user (ios.md §5.15).

`HomeDomain/Library/Preferences/.GlobalPreferences.plist`, a flat dictionary (binary plist on
devices; XML is accepted too). One record per top-level key, its value rendered as text so
that every record has the same shape. The key that matters to this tool is
`LDMGlobalEnabled`, the Lockdown Mode switch: true while enabled, false once it was enabled
and then turned off, absent when it was never enabled (the heuristics are in
`perito.analysis.global_preferences`).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
import plistlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from perito.artifacts.base import Artifact, Context, SchemaMismatch
from perito.records import Record, register_record
from perito.sources.locations import BackupFile, FsGlob
from perito.sources.plist import load_plist
from perito.timestamps import from_datetime

LOCKDOWN_MODE_KEY = "LDMGlobalEnabled"
_MAX_DEPTH = 32


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class GlobalPreference(Record):
    """One top-level key of .GlobalPreferences.plist.

    `value` is text: booleans "true"/"false", numbers as written, data as base64, dates as
    ISO 8601 UTC, arrays and dictionaries as JSON (data and dates inside them likewise).
    `value_type` is the plist type: bool, integer, real, string, data, date, array, dict.
    """

    entry: str = ""
    value: str = ""
    value_type: str = ""

    record_name = "global preference"

    def describe(self) -> str:
        return f"Global preference {self.entry} = {self.value}"


def value_type(value: Any) -> str:
    """The plist type name of a parsed value."""
    kinds: tuple[tuple[type | tuple[type, ...], str], ...] = (
        (bool, "bool"), (int, "integer"), (float, "real"), (str, "string"),
        ((bytes, bytearray), "data"), (dt.datetime, "date"), ((list, tuple), "array"),
        (dict, "dict"), (plistlib.UID, "uid"))
    for kind, name in kinds:
        if isinstance(value, kind):
            return name
    return type(value).__name__


def _plain(value: Any, depth: int = 0) -> Any:
    """JSON-ready form of a plist value (bounded depth: evidence may be hostile)."""
    if depth > _MAX_DEPTH:
        return "…"
    if isinstance(value, dict):
        return {str(k): _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, depth + 1) for v in value]
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dt.datetime):
        return from_datetime(value).iso() or str(value)
    if isinstance(value, plistlib.UID):
        return value.data
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    return str(value)


def render(value: Any) -> str:
    """A plist value as one line of text (see GlobalPreference)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    plain = _plain(value)
    if isinstance(plain, str):
        return plain
    return json.dumps(plain, ensure_ascii=False, sort_keys=True)


def extract(ctx: Context) -> Iterator[Record]:
    data = load_plist(ctx.source.read_bytes(ctx.evidence))
    if not isinstance(data, dict):
        raise SchemaMismatch(["a top-level dictionary"])
    for key in sorted(data, key=str):
        value = data[key]
        yield GlobalPreference(source=ctx.evidence.address, entry=str(key),
                               value=render(value), value_type=value_type(value))


ARTIFACT = Artifact(
    id="ios.global_preferences",
    title="Global preferences (Lockdown Mode)",
    slug="global_preferences",
    plugin="GlobalPreferences",
    locations=(BackupFile("HomeDomain", "Library/Preferences/.GlobalPreferences.plist"),
               FsGlob("private/var/mobile/Library/Preferences/.GlobalPreferences.plist")),
    records=(GlobalPreference,),
    extract=extract,
    doc=__doc__ or "",
)
