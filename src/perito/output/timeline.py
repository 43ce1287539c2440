"""The timeline: `timeline.csv` (the incumbent's columns) and Timesketch `timeline.jsonl`.

Events are kept per scan worker, sorted, rendered (each event's CSV row and JSONL line) and
spilled to files, and merged when written, so the timeline of a large acquisition never has to
sit in memory twice and the merge only compares and copies.
"""

from __future__ import annotations

import bisect
import itertools
import operator
import pickle
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

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
# An event's fields, then (once rendered for the files) its CSV row and JSONL line as bytes.
Item = tuple[Any, ...]


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
        and forget them: the merge then only compares and copies (see `_spill_chunks`)."""
        self.events.sort()
        with path.open("wb") as handle:
            for start in range(0, len(self.events), _SPILL_CHUNK):
                pickle.dump(_rendered(self.events[start:start + _SPILL_CHUNK]), handle,
                            protocol=pickle.HIGHEST_PROTOCOL)
        self.events = []
        self.spilled.append(path)

    def extend(self, other: Timeline) -> None:
        self.events.extend(other.events)
        self.spilled.extend(other.spilled)

    def blocks(self, rendered: bool = False) -> Iterator[list[Item]]:
        """Every event by time, then plugin, label, description and source, in lists of
        items: an item starts with the event's fields, in `Event` order; spilled ones (and,
        when `rendered`, all) go on with their CSV row and JSONL line, as bytes."""
        self.events.sort()
        memory = [self.events[start:start + _SPILL_CHUNK]
                  for start in range(0, len(self.events), _SPILL_CHUNK)]
        streams: list[Iterator[list[Item]]] = [
            map(_rendered, memory) if rendered else iter(memory)]
        streams.extend(_read(path) for path in self.spilled)
        return merge_blocks(streams)

    def _merged(self) -> Iterator[Item]:
        """Every event by time, then plugin, label, description and source."""
        return itertools.chain.from_iterable(self.blocks())

    def sorted(self) -> Iterator[Event]:
        """Every event by time, then plugin, label, description and source."""
        return (Event(*item[:7]) for item in self._merged())

    def write(self, folder: Path) -> int:
        """`timeline.csv` and `timeline.jsonl` in one pass; returns the number of events."""
        count = 0
        with (folder / "timeline.csv").open("wb") as table, \
                (folder / "timeline.jsonl").open("wb") as sketch:
            table.write(csv_row(CSV_HEADER).encode("utf-8"))
            for block in self.blocks(rendered=True):
                count += len(block)
                table.write(b"".join(map(_CSV_OF, block)))
                sketch.write(b"".join(map(_JSONL_OF, block)))
        return count


def local_label(label: str, stamp: Timestamp) -> str:
    """A device-local time whose zone is unknown was read as UTC: the label says so."""
    return label if local_zone(stamp) else f"{label} (device-local time, zone unknown)"


_SPILL_CHUNK = 10_000  # events per pickled list of a spill file
_CSV_OF = operator.itemgetter(7)
_JSONL_OF = operator.itemgetter(8)


def _rendered(events: Sequence[Item]) -> list[Item]:
    """Events (sorted) with their `timeline.csv` row and `timeline.jsonl` line appended."""
    return [(*event, _csv_bytes(event), _jsonl_line(event)) for event in events]


def _csv_bytes(event: Item) -> bytes:
    iso = event[6]
    # Lone surrogates (from hostile plists) are written escaped, as in the JSON files.
    return csv_row((f"{iso[:10]} {iso[11:26]}", event[1], event[2], event[3])).encode(
        "utf-8", "backslashreplace")


def _jsonl_line(event: Item) -> bytes:
    ns, plugin, label, description, source, artifact, iso = event[:7]
    return dumps_bytes({
        "message": description,
        "datetime": iso,
        "timestamp": ns // 1000,
        "timestamp_desc": label,
        "artifact": artifact,
        "plugin": plugin,
        "source_file": source,
    }) + b"\n"


def csv_row(fields: Iterable[str]) -> str:
    """One row as `csv.writer(quoting=QUOTE_ALL, escapechar="\\", lineterminator="\r\n")`
    writes it: every field quoted, quotes doubled, backslashes escaped (tested against it)."""
    return '"' + '","'.join([text.replace("\\", "\\\\").replace('"', '""')
                             for text in fields]) + '"\r\n'


def merge_blocks(streams: Sequence[Iterator[list[Item]]]) -> Iterator[list[Item]]:
    """Streams of sorted lists (each stream sorted throughout) merged into sorted lists.

    Everything up to the smallest last item of the lists at hand is cut from each and merged
    by one sort (which merges sorted runs in C), so no item goes through Python on its own.
    """
    live = [(head, stream) for stream in streams if (head := _next_list(stream))]
    while len(live) > 1:
        bound = min(head[-1] for head, _stream in live)
        pieces: list[list[Item]] = []
        kept = []
        for head, stream in live:
            cut = bisect.bisect_right(head, bound)
            pieces.append(head[:cut])
            rest = head[cut:] or _next_list(stream)
            if rest:
                kept.append((rest, stream))
        live = kept
        block = list(itertools.chain.from_iterable(pieces))
        block.sort()
        yield block
    for head, stream in live:
        yield head
        yield from (chunk for chunk in stream if chunk)


def _next_list(stream: Iterator[list[Item]]) -> list[Item]:
    return next((chunk for chunk in stream if chunk), [])


def _read(path: Path) -> Iterator[list[Item]]:
    """The lists of a spill file (written by this run's own workers, in its private work
    folder, so pickle is safe here)."""
    with path.open("rb") as handle:
        while True:
            try:
                yield pickle.load(handle)  # noqa: S301 (our own private work file)
            except EOFError:
                return
