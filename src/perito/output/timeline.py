"""The timeline: `timeline.csv` (the incumbent's columns) and Timesketch `timeline.jsonl`.

Events are kept per scan worker, sorted, rendered (each event's CSV row) and spilled to
files, and merged when written (the merge renders the JSONL lines), so the timeline of a large
acquisition never has to sit in memory twice. The rendering is shared out this way because
the merge runs beside the report process: it has time to spare for one of the two renderings,
and the workers are spared it.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from perito.collector import collector_paused
from perito.output.timeline_lines import (
    Item,
    csv_row,
    csv_text,
    jsonl_block,
    merge_blocks,
    read_spill,
    render_rows,
    with_rows,
    write_spill,
)
from perito.records import Record, timeline_fields
from perito.timestamps import Encoding, Timestamp, TimeState, local_zone

try:  # `Timeline.add` compiled (optional: see setup.py)
    from perito.output import _fasttimeline
except ImportError:  # a build without a C compiler: `Timeline.add_python`
    _fasttimeline = None  # type: ignore[assignment]

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
        if _fasttimeline is not None:  # the code below, compiled
            _fasttimeline.add(self.events, record, fields, artifact, plugin, Timestamp, _OK,
                              Encoding.LOCAL_TEXT, local_label)
            return
        self.add_python(record, artifact, plugin, fields)

    def add_python(self, record: Record, artifact: str, plugin: str,
                   fields: tuple[tuple[str, str], ...]) -> None:
        """`add` in Python (where `perito.output._fasttimeline` was not built)."""
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
        """Write the in-memory events, sorted and rendered, to `path` (a private work file)
        and forget them: merging spilled events only compares and copies them."""
        self.events.sort()
        write_spill(path, self.events, _SPILL_CHUNK)
        self.events = []
        self.spilled.append(path)

    def extend(self, other: Timeline) -> None:
        self.events.extend(other.events)
        self.spilled.extend(other.spilled)

    def blocks(self, rendered: bool = False) -> Iterator[list[Item]]:
        """Every event by time, then plugin, label, description and source, in lists of
        items: an item holds the event's fields in `Event` order (the first six only, for
        spilled events, unless `rendered`), then, when `rendered`, its CSV row as bytes."""
        self.events.sort()
        memory = (self.events[start:start + _SPILL_CHUNK]
                  for start in range(0, len(self.events), _SPILL_CHUNK))
        streams: list[Iterator[list[Item]]] = [
            (with_rows(chunk, render_rows(chunk)) for chunk in memory) if rendered else memory]
        streams.extend(read_spill(path, rendered) for path in self.spilled)
        return merge_blocks(streams)

    def sorted(self) -> Iterator[Event]:
        """Every event by time, then plugin, label, description and source."""
        merged = itertools.chain.from_iterable(self.blocks(rendered=True))
        return (Event(*item[:7]) for item in merged)

    def write(self, folder: Path) -> int:
        """`timeline.csv` and `timeline.jsonl` in one pass; returns the number of events."""
        count = 0
        with (folder / "timeline.csv").open("wb") as table, \
                (folder / "timeline.jsonl").open("wb") as sketch, collector_paused():
            table.write(csv_row(CSV_HEADER).encode("utf-8"))
            for events, rows, lines in self._texts():
                count += events
                table.write(rows)
                sketch.write(lines)
        return count

    def _texts(self) -> Iterator[tuple[int, bytes, bytes]]:
        """The files' rows and lines, by time, as the texts of a list of events at a time
        (with how many events it holds)."""
        if not self.spilled:  # one stream: nothing to merge
            self.events.sort()
            for start in range(0, len(self.events), _SPILL_CHUNK):
                chunk = self.events[start:start + _SPILL_CHUNK]
                yield len(chunk), csv_text(render_rows(chunk)), jsonl_block(chunk)
            return
        for block in self.blocks(rendered=True):
            yield len(block), csv_text(list(map(_CSV_OF, block))), jsonl_block(block)


def local_label(label: str, stamp: Timestamp) -> str:
    """A device-local time whose zone is unknown was read as UTC: the label says so."""
    return label if local_zone(stamp) else f"{label} (device-local time, zone unknown)"


_SPILL_CHUNK = 2_000  # events rendered and spilled at a time (the merge holds one per spill file)
_CSV_OF = operator.itemgetter(7)
