"""The timeline: `timeline.csv` (the incumbent's columns) and Timesketch `timeline.jsonl`."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from perito.output.jsonl import dumps
from perito.records import Record, events
from perito.timestamps import Timestamp

CSV_HEADER = ("UTC Timestamp", "Plugin", "Event", "Description")


@dataclass(frozen=True, slots=True, order=True)
class Event:
    ns: int
    plugin: str
    label: str
    description: str
    artifact: str
    source: str
    stamp: Timestamp = field(compare=False)


@dataclass
class Timeline:
    """Collects one compact event per set time of every record, then writes them sorted."""

    events: list[Event] = field(default_factory=list)

    def add(self, record: Record, artifact: str, plugin: str) -> None:
        """One event per distinct time of the record; equal times share one event."""
        found = list(events(record))
        if not found:
            return
        description = record.describe()
        by_time: dict[int, tuple[list[str], Timestamp]] = {}
        for _name, label, stamp in found:
            assert stamp.ns is not None
            by_time.setdefault(stamp.ns, ([], stamp))[0].append(label)
        for ns, (labels, stamp) in by_time.items():
            self.events.append(Event(ns, plugin, " / ".join(labels), description, artifact,
                                     record.source, stamp))

    def sorted(self) -> list[Event]:
        return sorted(self.events)

    def write_csv(self, path: Path) -> None:
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, quoting=csv.QUOTE_ALL, escapechar="\\",
                                lineterminator="\r\n")
            writer.writerow(CSV_HEADER)
            for event in self.sorted():
                writer.writerow((event.stamp.mvt_text(), event.plugin, event.label,
                                 event.description))

    def write_timesketch(self, path: Path) -> None:
        with path.open("w", encoding="utf-8") as handle:
            for event in self.sorted():
                handle.write(dumps({
                    "message": event.description,
                    "datetime": event.stamp.iso(),
                    "timestamp": event.stamp.micros(),
                    "timestamp_desc": event.label,
                    "artifact": event.artifact,
                    "plugin": event.plugin,
                    "source_file": event.source,
                }))
                handle.write("\n")
