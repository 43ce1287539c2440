"""The timeline: `timeline.csv` (the incumbent's columns) and Timesketch `timeline.jsonl`.

Events are kept per scan worker, sorted and spilled to files, and merged when written, so the
timeline of a large acquisition never has to sit in memory twice.
"""

from __future__ import annotations

import csv
import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import orjson

from perito.output.jsonl import dumps_bytes
from perito.records import Record, timeline_fields
from perito.timestamps import Timestamp, TimeState

CSV_HEADER = ("UTC Timestamp", "Plugin", "Event", "Description")


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


@dataclass
class Timeline:
    """Events of one scan: in memory until `spill`, then in sorted files."""

    events: list[Event] = field(default_factory=list)
    spilled: list[Path] = field(default_factory=list)

    def add(self, record: Record, artifact: str, plugin: str) -> None:
        """One event per distinct time of the record; equal times share one event."""
        found = [(label, stamp) for name, label in timeline_fields(type(record))
                 if type(stamp := getattr(record, name)) is Timestamp
                 and stamp.state is TimeState.OK]
        if not found:
            return
        description = record.describe()
        if len(found) == 1:
            label, stamp = found[0]
            assert stamp.ns is not None
            self.events.append(Event(stamp.ns, plugin, label, description, record.source,
                                     artifact, stamp.utc))
            return
        by_time: dict[int, tuple[list[str], str]] = {}
        for label, stamp in found:
            assert stamp.ns is not None
            by_time.setdefault(stamp.ns, ([], stamp.utc))[0].append(label)
        for ns, (labels, iso) in by_time.items():
            self.events.append(Event(ns, plugin, " / ".join(labels), description,
                                     record.source, artifact, iso))

    def spill(self, path: Path) -> None:
        """Write the in-memory events, sorted, to `path` and forget them."""
        self.events.sort()
        with path.open("wb") as handle:
            handle.writelines(orjson.dumps(tuple(event)) + b"\n" for event in self.events)
        self.events = []
        self.spilled.append(path)

    def extend(self, other: Timeline) -> None:
        self.events.extend(other.events)
        self.spilled.extend(other.spilled)

    def sorted(self) -> Iterator[Event]:
        """Every event by time, then plugin, label, description and source."""
        self.events.sort()
        streams: list[Iterable[Event]] = [self.events]
        streams.extend(_read(path) for path in self.spilled)
        return heapq.merge(*streams)

    def write(self, folder: Path) -> int:
        """`timeline.csv` and `timeline.jsonl` in one pass; returns the number of events."""
        count = 0
        with (folder / "timeline.csv").open("w", encoding="utf-8", newline="") as table, \
                (folder / "timeline.jsonl").open("wb") as sketch:
            writer = csv.writer(table, quoting=csv.QUOTE_ALL, escapechar="\\",
                                lineterminator="\r\n")
            writer.writerow(CSV_HEADER)
            for event in self.sorted():
                count += 1
                writer.writerow((event.mvt_text(), event.plugin, event.label,
                                 event.description))
                sketch.write(dumps_bytes({
                    "message": event.description,
                    "datetime": event.iso,
                    "timestamp": event.ns // 1000,
                    "timestamp_desc": event.label,
                    "artifact": event.artifact,
                    "plugin": event.plugin,
                    "source_file": event.source,
                }) + b"\n")
        return count


def _read(path: Path) -> Iterator[Event]:
    with path.open("rb") as handle:
        for line in handle:
            yield Event(*orjson.loads(line))
