"""`--redact`: what a report safe to share outside the helpline may show.

Deny by default: every text of a record is hidden, except the values that matched an
indicator (the evidence of a detection), the observables that name software rather than
people (process names, app ids, profile ids, hashes, Android properties) and the fields that
their record declares `shareable()` (a service, a direction, a model). Numbers, times and the
evidence file a record came from stay. Binary values are dropped. This hides message
bodies, names, numbers, addresses and URLs that did not match, whatever the artifact.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

from perito.records import FieldInfo, Kind, Record, field_infos

PLACEHOLDER = "[…]"
SOFTWARE_KINDS = frozenset({
    Kind.PROCESS, Kind.APP_ID, Kind.PROFILE_ID, Kind.FILE_MD5, Kind.FILE_SHA1,
    Kind.FILE_SHA256, Kind.CERT_MD5, Kind.CERT_SHA1, Kind.CERT_SHA256, Kind.ANDROID_PROPERTY,
})
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://\S+")
_KEPT_FIELDS = frozenset({"source"})


@dataclasses.dataclass(frozen=True)
class Redaction:
    """The values that may be shown: those that matched an indicator."""

    kept: frozenset[str]

    def keeps(self, info: FieldInfo, value: str) -> bool:
        return (not value or info.shareable or info.kind in SOFTWARE_KINDS
                or value in self.kept)

    def record(self, record: Record) -> Record:
        """The record with every text that may not be shown replaced by the placeholder."""
        changes: dict[str, Any] = {}
        for info in field_infos(type(record)):
            if info.name in _KEPT_FIELDS:
                continue
            value = getattr(record, info.name)
            hidden = self._value(info, value)
            if hidden is not value:
                changes[info.name] = hidden
        return dataclasses.replace(record, **changes) if changes else record

    def _value(self, info: FieldInfo, value: object) -> object:
        if isinstance(value, str):
            return value if self.keeps(info, value) else PLACEHOLDER
        if isinstance(value, bytes):
            return b""
        if isinstance(value, tuple):
            items = tuple(self._value(info, item) for item in value)
            return value if all(a is b for a, b in zip(items, value, strict=True)) else items
        if isinstance(value, dict | list):
            return type(value)()
        return value

    def text(self, text: str, hidden: Iterable[str]) -> str:
        """A free text (a heuristic's message) with the hidden values of its record, their
        host names and every URL that did not match replaced by the placeholder."""
        for value in sorted(set(_with_hosts(hidden)), key=len, reverse=True):
            if value and value not in self.kept and len(value) > 2:
                text = text.replace(value, PLACEHOLDER)
        return _URL.sub(lambda m: m[0] if _kept_url(m[0], self.kept) else PLACEHOLDER, text)

    def hidden_values(self, record: Record) -> Iterator[str]:
        """The texts of a record that `record()` hides."""
        for info in field_infos(type(record)):
            if info.name in _KEPT_FIELDS:
                continue
            value = getattr(record, info.name)
            items = value if isinstance(value, tuple) else (value,)
            for item in items:
                if isinstance(item, str) and not self.keeps(info, item):
                    yield item


def _with_hosts(values: Iterable[str]) -> Iterator[str]:
    for value in values:
        yield value
        if "://" in value:
            try:
                host = urlsplit(value).hostname
            except ValueError:
                continue
            if host:
                yield host


def _kept_url(url: str, kept: frozenset[str]) -> bool:
    return url in kept or url.rstrip(".,;:!?)'\"”’»") in kept
