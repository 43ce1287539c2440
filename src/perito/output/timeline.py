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
from typing import NamedTuple

import orjson

from perito.output.jsonl import dumps_bytes
from perito.records import Record, timeline_fields
from perito.timestamps import Timestamp, TimeState

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


@dataclass
class Timeline:
    """Events of one scan: in memory until `spill`, then in sorted files."""

    events: list[EventFields] = field(default_factory=list)
    spilled: list[Path] = field(default_factory=list)

    def add(self, record: Record, artifact: str, plugin: str) -> None:
        """One event per distinct time of the record; equal times share one event."""
        found = [(label, stamp) for name, label in timeline_fields(type(record))
                 if type(stamp := getattr(record, name)) is Timestamp
                 and stamp.state is _OK]
        if not found:
            return
        description = record.describe()
        # Plain tuples in Event's field order (what `Event(...)` makes, without its __new__).
        if len(found) == 1:
            label, stamp = found[0]
            assert stamp.ns is not None
            self.events.append((stamp.ns, plugin, label, description,
                                record.source, artifact, stamp.utc))
            return
        by_time: dict[int, tuple[list[str], str]] = {}
        for label, stamp in found:
            assert stamp.ns is not None
            by_time.setdefault(stamp.ns, ([], stamp.utc))[0].append(label)
        for ns, (labels, iso) in by_time.items():
            self.events.append((ns, plugin, " / ".join(labels),
                                description, record.source, artifact, iso))

    def spill(self, path: Path) -> None:
        """Write the in-memory events, sorted and already rendered as timeline lines, to
        `path` (a private work file) and forget them: a scan worker renders its own share."""
        self.events.sort()
        with path.open("wb") as handle:
            for start in range(0, len(self.events), _SPILL_CHUNK):
                chunk = [(*item[:8], item[8].decode("utf-8")) for item in
                         map(rendered, self.events[start:start + _SPILL_CHUNK])]
                handle.write(_chunk_line(chunk))
        self.events = []
        self.spilled.append(path)

    def extend(self, other: Timeline) -> None:
        self.events.extend(other.events)
        self.spilled.extend(other.spilled)

    def _merged(self) -> Iterator[Rendered]:
        """Every event with its lines, by time, then plugin, label, description and source."""
        self.events.sort()
        streams: list[Iterable[Rendered]] = [map(rendered, self.events)]
        streams.extend(_read(path) for path in self.spilled)
        return heapq.merge(*streams)

    def sorted(self) -> Iterator[Event]:
        """Every event by time, then plugin, label, description and source."""
        return (Event(*item[:7]) for item in self._merged())

    def write(self, folder: Path) -> int:
        """`timeline.csv` and `timeline.jsonl` in one pass; returns the number of events."""
        count = 0
        with (folder / "timeline.csv").open("w", encoding="utf-8", newline="") as table, \
                (folder / "timeline.jsonl").open("wb") as sketch:
            table.write(csv_row(CSV_HEADER))
            for item in self._merged():
                count += 1
                table.write(item[7])
                sketch.write(item[8])
        return count


# An event, then its timeline.csv row and its timeline.jsonl line: sorts as the event does
# (the lines follow from the event's fields, so they never decide an order).
Rendered = tuple[int, str, str, str, str, str, str, str, bytes]
_SPILL_CHUNK = 10_000  # events per line of a spill file


def _chunk_line(chunk: Sequence[tuple[object, ...]]) -> bytes:
    """Rendered events as one JSON line (the JSONL lines as text)."""
    try:
        return orjson.dumps(chunk) + b"\n"
    except (orjson.JSONEncodeError, TypeError):  # lone surrogates from a hostile plist
        return json.dumps(chunk).encode("ascii") + b"\n"


def csv_row(fields: Iterable[str]) -> str:
    """One row as `csv.writer(quoting=QUOTE_ALL, escapechar="\\", lineterminator="\r\n")`
    writes it: every field quoted, quotes doubled, backslashes escaped (tested against it)."""
    return '"' + '","'.join([text.replace("\\", "\\\\").replace('"', '""')
                             for text in fields]) + '"\r\n'


def rendered(event: EventFields) -> Rendered:
    """The event (an `Event` or a tuple of its fields) with its two lines."""
    ns, plugin, label, description, source, artifact, iso = event
    row = csv_row((f"{iso[:10]} {iso[11:26]}", plugin, label, description))
    line = dumps_bytes({
        "message": description,
        "datetime": iso,
        "timestamp": ns // 1000,
        "timestamp_desc": label,
        "artifact": artifact,
        "plugin": plugin,
        "source_file": source,
    }) + b"\n"
    return (ns, plugin, label, description, source, artifact, iso, row, line)


def _read(path: Path) -> Iterator[Rendered]:
    with path.open("rb") as handle:
        for line in handle:
            try:
                chunk = orjson.loads(line)
            except orjson.JSONDecodeError:
                chunk = json.loads(line)
            for item in chunk:
                yield (*item[:8], item[8].encode("utf-8"))
