"""Analytics databases of a filesystem dump: diagnostic events with process names (ios.md §5.16).

`private/var/Keychains/Analytics/*.db` hold tables `hard_failures`, `soft_failures` and (not on
every iOS version) `all_events`, each with `timestamp` (unix s) and `data`, a plist BLOB that
decodes to a dictionary. Rows where both are NULL exist and are skipped. Every string value of
the dictionary (nested ones included) is an observable: the incumbent checks each as a process
name and as a URL or domain. A row with a `build` key reveals an iOS build the device ran.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from perito.artifacts.base import Artifact, Context, SchemaMismatch, sqlite_rows, timestamp
from perito.records import Kind, Record, observable, register_record, timeline
from perito.sources.locations import FsGlob
from perito.sources.plist import PlistError, load_plist
from perito.timestamps import Encoding, Timestamp, unset

TABLES = ("hard_failures", "soft_failures", "all_events")
_HOST = re.compile(r"(?=.{4,253}\Z)(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,63}\Z")
_MAX_VALUES = 200  # strings kept per event: a hostile blob must not make a huge record
_MAX_DEPTH = 16


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class AnalyticsEvent(Record):
    """One row of an Analytics database, its plist reduced to its string values."""

    table: str = ""
    row_id: int | None = None
    timestamp: Timestamp = field(default=unset(Encoding.UNIX_S),
                                 metadata=timeline("Analytics event"))
    values: tuple[str, ...] = field(default=(), metadata=observable(Kind.PROCESS))
    hosts: tuple[str, ...] = field(default=(), metadata=observable(Kind.DOMAIN))
    urls: tuple[str, ...] = field(default=(), metadata=observable(Kind.URL))
    build: str = ""  # the iOS build the event names, when it has a `build` key

    record_name = "analytics event"

    def describe(self) -> str:
        text = f"Analytics {self.table} event"
        if self.build:
            text += f" (iOS build {self.build})"
        return text + (": " + ", ".join(self.values[:5]) if self.values else "")


def strings(value: Any, depth: int = 0) -> Iterator[str]:
    """Every string inside a decoded plist value (keys excluded), depth-bounded."""
    if depth > _MAX_DEPTH:
        return
    if isinstance(value, str):
        if value.strip():
            yield value.strip()
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item, depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings(item, depth + 1)


def _event(table: str, row: sqlite3.Row, source: str) -> AnalyticsEvent | None:
    raw, stamp = row["data"], row["timestamp"]
    if raw is None and stamp is None:
        return None
    data: Any = None
    if isinstance(raw, bytes):
        try:
            data = load_plist(raw)
        except PlistError:
            data = None
    values = tuple(dict.fromkeys(strings(data)))[:_MAX_VALUES]
    build = data.get("build") if isinstance(data, dict) else None
    return AnalyticsEvent(
        source=source, table=table, row_id=row["rowid"],
        timestamp=timestamp(stamp, Encoding.UNIX_S), values=values,
        hosts=tuple(v for v in values if _HOST.match(v)),
        urls=tuple(v for v in values if "://" in v),
        build=build if isinstance(build, str) else "")


def _query(found: Mapping[str, set[str]]) -> str:
    """One ordered query over the event tables this version has."""
    present = [t for t in TABLES if {"timestamp", "data"} <= found.get(t, set())]
    if not present:
        raise SchemaMismatch([f"{t}.timestamp, {t}.data" for t in TABLES[:2]])
    return " UNION ALL ".join(
        f"SELECT {position} AS position, '{table}' AS tbl, rowid AS rowid, timestamp, data "
        f'FROM "{table}"' for position, table in enumerate(present)) + " ORDER BY 1, 3"


def extract(ctx: Context) -> Iterator[Record]:
    for row in sqlite_rows(ctx, {}, _query):
        event = _event(row["tbl"], row, ctx.evidence.address)
        if event is not None:
            yield event


ARTIFACT = Artifact(
    id="ios.analytics.events",
    title="Analytics databases",
    slug="analytics",
    plugin="Analytics",
    locations=(FsGlob("private/var/Keychains/Analytics/*.db"),),
    records=(AnalyticsEvent,),
    extract=extract,
    doc=__doc__ or "",
)
