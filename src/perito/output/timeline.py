"""The timeline: `timeline.csv` (the incumbent's columns) and Timesketch `timeline.jsonl`."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from perito.output.jsonl import dumps_bytes
from perito.records import Record, events
from perito.timestamps import Timestamp

CSV_HEADER = ("UTC Timestamp", "Plugin", "Event", "Description")


class Event(NamedTuple):
    """One timeline row; tuples sort in C, which matters for a million events."""

    ns: int
    plugin: str
    label: str
    description: str
    artifact: str
    source: str
    stamp: Timestamp


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
        if len(found) == 1:
            _name, label, stamp = found[0]
            assert stamp.ns is not None
            self.events.append(Event(stamp.ns, plugin, label, description, artifact,
                                     record.source, stamp))
            return
        by_time: dict[int, tuple[list[str], Timestamp]] = {}
        for _name, label, stamp in found:
            assert stamp.ns is not None
            by_time.setdefault(stamp.ns, ([], stamp))[0].append(label)
        for ns, (labels, stamp) in by_time.items():
            self.events.append(Event(ns, plugin, " / ".join(labels), description, artifact,
                                     record.source, stamp))

    def sorted(self) -> list[Event]:
        """By time, then plugin, label and description (deterministic for equal times)."""
        return sorted(self.events, key=lambda e: (e.ns, e.plugin, e.label, e.description,
                                                  e.source))

    def write_csv(self, path: Path, ordered: list[Event] | None = None) -> None:
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, quoting=csv.QUOTE_ALL, escapechar="\\",
                                lineterminator="\r\n")
            writer.writerow(CSV_HEADER)
            writer.writerows((e.stamp.mvt_text(), e.plugin, e.label, e.description)
                             for e in (ordered if ordered is not None else self.sorted()))

    def write_timesketch(self, path: Path, ordered: list[Event] | None = None) -> None:
        with path.open("wb") as handle:
            for event in (ordered if ordered is not None else self.sorted()):
                handle.write(dumps_bytes({
                    "message": event.description,
                    "datetime": event.stamp.text,
                    "timestamp": event.ns // 1000,
                    "timestamp_desc": event.label,
                    "artifact": event.artifact,
                    "plugin": event.plugin,
                    "source_file": event.source,
                }) + b"\n")

    def write(self, folder: Path) -> None:
        """Both files, sorting once."""
        ordered = self.sorted()
        self.write_csv(folder / "timeline.csv", ordered)
        self.write_timesketch(folder / "timeline.jsonl", ordered)
