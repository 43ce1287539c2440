"""The timeline: `timeline.csv` (the incumbent's columns) and Timesketch `timeline.jsonl`.

Events are kept per scan worker, sorted and spilled to files, and merged when written, so the
timeline of a large acquisition never has to sit in memory twice.
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from perito.output.jsonl import dumps_bytes
from perito.records import Record, timeline_fields
from perito.timestamps import Encoding, Timestamp, TimeState, local_zone

CSV_HEADER = ("UTC Timestamp", "Plugin", "Event", "Description")
_OK = TimeState.OK


class Event(NamedTuple):
    """One timeline row; the field order is the sort order (tuples sort in C)."""

    ns: int
    plugin: str
    label: str
    description: str
    source: str
    artifact: str
    iso: str

    def mvt_text(self) -> str:
        return f"{self.iso[:10]} {self.iso[11:26]}"


# An event's fields as a plain tuple, in `Event` order (how `Timeline` keeps them).
EventFields = tuple[int, str, str, str, str, str, str]
# The timeline fields of each record type seen (`records.timeline_fields`, without its call).
_TIMED: dict[type[Record], tuple[tuple[str, str], ...]] = {}


@dataclass
class Timeline:
    """Events of one scan: in memory until `spill`, then in sorted files."""

    events: list[EventFields] = field(default_factory=list)
    spilled: list[Path] = field(default_factory=list)

    def add(self, record: Record, artifact: str, plugin: str) -> None:
        """One event per distinct time of the record; equal times share one event."""
        fields = _TIMED.get(type(record))
        if fields is None:
            fields = _TIMED[type(record)] = timeline_fields(type(record))
        if len(fields) == 1:  # most record types: no list, no grouping
            name, label = fields[0]
            stamp = getattr(record, name)
            if type(stamp) is not Timestamp or stamp.state is not _OK:
                return
            assert stamp.ns is not None
            if stamp.encoding is Encoding.LOCAL_TEXT:
                label = local_label(label, stamp)
            # A plain tuple in Event's field order (what `Event(...)` makes, without __new__).
            self.events.append((stamp.ns, plugin, label, record.describe(), record.source,
                                artifact, stamp.utc))
            return
        found = [(label, stamp) for name, label in fields
                 if type(stamp := getattr(record, name)) is Timestamp
                 and stamp.state is _OK]
        if not found:
            return
        description = record.describe()
        if len(found) == 1:
            label, stamp = found[0]
            assert stamp.ns is not None
            if stamp.encoding is Encoding.LOCAL_TEXT:
                label = local_label(label, stamp)
            self.events.append((stamp.ns, plugin, label, description,
                                record.source, artifact, stamp.utc))
            return
        by_time: dict[int, tuple[list[str], str]] = {}
        for label, stamp in found:
            assert stamp.ns is not None
            if stamp.encoding is Encoding.LOCAL_TEXT:
                label = local_label(label, stamp)
            by_time.setdefault(stamp.ns, ([], stamp.utc))[0].append(label)
        for ns, (labels, iso) in by_time.items():
            self.events.append((ns, plugin, " / ".join(labels),
                                description, record.source, artifact, iso))

    def spill(self, path: Path) -> None:
        """Write the in-memory events, sorted, to `path` (a private work file, in chunks of
        JSON arrays) and forget them."""
        self.events.sort()
        with path.open("wb") as handle:
            for start in range(0, len(self.events), _SPILL_CHUNK):
                handle.write(_chunk_line(self.events[start:start + _SPILL_CHUNK]))
        self.events = []
        self.spilled.append(path)

    def extend(self, other: Timeline) -> None:
        self.events.extend(other.events)
        self.spilled.extend(other.spilled)

    def _merged(self) -> Iterator[EventFields | list[Any]]:
        """Every event by time, then plugin, label, description and source (spilled events
        come back as lists, compared as the tuples are)."""
        self.events.sort()
        streams: list[Iterable[EventFields | list[Any]]] = [
            map(list, self.events) if self.spilled else self.events]
        streams.extend(_read(path) for path in self.spilled)
        return heapq.merge(*streams)

    def sorted(self) -> Iterator[Event]:
        """Every event by time, then plugin, label, description and source."""
        return (Event(*item) for item in self._merged())

    def write(self, folder: Path) -> int:
        """`timeline.csv` and `timeline.jsonl` in one pass; returns the number of events."""
        count = 0
        # Lone surrogates (from hostile plists) are written escaped, as in the JSON files.
        with (folder / "timeline.csv").open("w", encoding="utf-8", errors="backslashreplace",
                                            newline="") as table, \
                (folder / "timeline.jsonl").open("wb") as sketch:
            table.write(csv_row(CSV_HEADER))
            for ns, plugin, label, description, source, artifact, iso in self._merged():
                count += 1
                table.write(csv_row((f"{iso[:10]} {iso[11:26]}", plugin, label, description)))
                sketch.write(dumps_bytes({
                    "message": description,
                    "datetime": iso,
                    "timestamp": ns // 1000,
                    "timestamp_desc": label,
                    "artifact": artifact,
                    "plugin": plugin,
                    "source_file": source,
                }) + b"\n")
        return count


def local_label(label: str, stamp: Timestamp) -> str:
    """A device-local time whose zone is unknown was read as UTC: the label says so."""
    return label if local_zone(stamp) else f"{label} (device-local time, zone unknown)"


_SPILL_CHUNK = 10_000  # events per line of a spill file


def _chunk_line(chunk: Sequence[EventFields]) -> bytes:
    """Events as one JSON line."""
    try:
        return orjson.dumps(chunk) + b"\n"
    except (orjson.JSONEncodeError, TypeError):  # lone surrogates from a hostile plist
        return json.dumps(chunk).encode("ascii") + b"\n"


def csv_row(fields: Iterable[str]) -> str:
    """One row as `csv.writer(quoting=QUOTE_ALL, escapechar="\\", lineterminator="\r\n")`
    writes it: every field quoted, quotes doubled, backslashes escaped (tested against it)."""
    return '"' + '","'.join([text.replace("\\", "\\\\").replace('"', '""')
                             for text in fields]) + '"\r\n'


def _read(path: Path) -> Iterator[list[Any]]:
    with path.open("rb") as handle:
        for line in handle:
            try:
                chunk = orjson.loads(line)
            except orjson.JSONDecodeError:
                chunk = json.loads(line)
            yield from chunk
