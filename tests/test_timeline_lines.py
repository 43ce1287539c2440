"""Timeline rows rendered by hand are what the csv module writes; spilled timelines merge
into the same files as an in-memory one."""

from __future__ import annotations

import csv
import enum
import io
import random
from pathlib import Path

import pytest

from perito.artifacts.ios.manifest import ManifestEntry
from perito.artifacts.ios.safari_history import SafariVisit
from perito.output.jsonl import dumps_bytes
from perito.output.timeline import CSV_HEADER, Event, Timeline, csv_row, local_label
from perito.output.timeline_lines import (
    csv_text,
    jsonl_block,
    read_spill,
    render_rows,
    write_spill,
)
from perito.records import Record, events
from perito.timestamps import Encoding, decode, device_local, unset


def _csv_module(row: tuple[str, ...]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_ALL, escapechar="\\",
               lineterminator="\r\n").writerow(row)
    return buffer.getvalue()


def test_csv_row_is_the_csv_module_row() -> None:
    rng = random.Random(11)
    alphabet = [chr(i) for i in range(128)] + ["é", "\u2028", "ñ", "😀"]
    rows = [tuple("".join(rng.choice(alphabet) for _ in range(rng.randrange(7)))
                  for _ in range(4)) for _ in range(5_000)]
    rows += [CSV_HEADER, ("", "", "", ""), ('"', "\\", '\\"', '""\\\\')]
    for row in rows:
        assert csv_row(row) == _csv_module(row), row


def _events(count: int, seed: int) -> list[Event]:
    rng = random.Random(seed)
    events = []
    for number in range(count):
        ns = 1_700_000_000_000_000_000 + rng.randrange(50) * 1_000_000_000
        iso = f"2023-11-14T22:13:{ns // 10**9 % 60:02d}.000000+00:00"
        events.append(Event(ns, rng.choice(["SMS", "SafariHistory"]), "visit",
                            f'd{number % 7} "q" \\ é', f"src{number % 3}", "a.b", iso))
    return events


def test_spilled_and_in_memory_timelines_write_the_same_files(tmp_path: Path) -> None:
    events = _events(2_500, 5)
    whole = Timeline()
    whole.events.extend(events)
    (tmp_path / "one").mkdir()
    assert whole.write(tmp_path / "one") == len(events)

    parts = Timeline()
    for number, start in enumerate(range(0, len(events), 1_000)):
        piece = Timeline()
        piece.events.extend(events[start:start + 1_000])
        piece.spill(tmp_path / f"spill-{number}")
        parts.extend(piece)
    parts.events.extend(_events(0, 1))
    (tmp_path / "many").mkdir()
    assert parts.write(tmp_path / "many") == len(events)
    for name in ("timeline.csv", "timeline.jsonl"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "many" / name).read_bytes()
    with (tmp_path / "many" / "timeline.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle, escapechar="\\"))
    assert rows[0] == list(CSV_HEADER)
    assert [row[3] for row in rows[1:]] == [e.description for e in sorted(events)]
    assert list(parts.sorted()) == sorted(events)


class _Label(enum.StrEnum):
    VISIT = "visit"


@pytest.mark.parametrize("kind", ["marshal", "pickle"])
def test_spilled_chunks_read_back_as_they_were(tmp_path: Path, kind: str) -> None:
    """Plain tuples of numbers and texts (what `Timeline.add` makes) are spilled by marshal;
    a chunk holding what marshal refuses (a str subclass, a named tuple) is pickled."""
    events: list[tuple[object, ...]] = [tuple(e) for e in _events(4_500, 9)]
    events[0] = (*events[0][:3], "lone \ud83d", *events[0][4:])
    events.sort()
    if kind == "pickle":  # in the last chunk ("visit" sorts as the plain text does)
        events[4_100] = (*events[4_100][:2], _Label.VISIT, *events[4_100][3:])
    path = tmp_path / "spill"
    write_spill(path, events, 2_000)
    with path.open("rb") as handle:
        handle.seek(24)
        assert handle.read(1) == b"M"  # the first chunk: plain values
    chunks = list(read_spill(path, rendered=False))
    assert [len(chunk) for chunk in chunks] == [2_000, 2_000, 500]
    assert [e for chunk in chunks for e in chunk] == [e[:6] for e in events]  # no ISO text
    rendered = [e for chunk in read_spill(path, rendered=True) for e in chunk]
    assert [e[:7] for e in rendered] == events
    assert [e[7:] for e in rendered] == [(row,) for row in render_rows(events)]


def test_a_lone_surrogate_is_written_escaped_never_a_traceback(tmp_path: Path) -> None:
    hostile = Event(1_700_000_000_000_000_000, "Plist", "created", "name \ud83d here", "x.plist",
                    "ios.x", "2023-11-14T22:13:20.000000+00:00")
    spilled = Timeline()
    spilled.events.append(hostile)
    spilled.spill(tmp_path / "spill")
    merged = Timeline()
    merged.extend(spilled)
    assert merged.write(tmp_path) == 1
    assert "name \\ud83d here" in (tmp_path / "timeline.csv").read_text(encoding="utf-8")
    assert b"name \\ud83d here" in (tmp_path / "timeline.jsonl").read_bytes()


def _one_by_one(events: list[Event]) -> tuple[bytes, bytes]:
    """The events' CSV rows and JSONL lines rendered each on its own, as the files had them."""
    rows = [csv_row((e.mvt_text(), e.plugin, e.label, e.description)) for e in events]
    lines = [dumps_bytes({"message": e.description, "datetime": e.iso,
                          "timestamp": e.ns // 1000, "timestamp_desc": e.label,
                          "artifact": e.artifact, "plugin": e.plugin, "source_file": e.source})
             + b"\n" for e in events]
    return "".join(rows).encode("utf-8", "backslashreplace"), b"".join(lines)


@pytest.mark.parametrize("extra", ["", "\x00", "\x01", "\ud83d", '},{"message":"x'])
def test_chunks_render_as_events_one_by_one(extra: str) -> None:
    """The chunk renderer's shortcuts (placeholders, one orjson call) change no byte, also
    when a text holds a placeholder, a lone surrogate or what separates two JSON objects."""
    rng = random.Random(3)
    alphabet = [chr(i) for i in range(128)] + ["é", "\u2028", "😀", '},{"message":', extra]
    events = [Event(1_700_000_000_000_000_000 + number * 1_000_123, rng.choice(["SMS", "a\"b"]),
                    "".join(rng.choice(alphabet) for _ in range(rng.randrange(4))),
                    "".join(rng.choice(alphabet) for _ in range(rng.randrange(12))),
                    "src\\x", "ios.x", "2023-11-14T22:13:20.123456+00:00")
              for number in range(400)]
    for part in (events, events[:1], []):
        assert (csv_text(render_rows(part)), jsonl_block(part)) == _one_by_one(part)
        # items carrying their CSV row (the merge's) give the same lines
        assert jsonl_block([(*event, b"row") for event in part]) == _one_by_one(part)[1]


def _reference_events(record: Record, artifact: str, plugin: str) -> list[tuple[object, ...]]:
    """`Timeline.add`'s events from `records.events`: one per distinct time, labels joined."""
    by_time: dict[int, tuple[list[str], str]] = {}
    for _name, label, stamp in events(record):
        assert stamp.ns is not None
        if stamp.encoding is Encoding.LOCAL_TEXT:
            label = local_label(label, stamp)
        by_time.setdefault(stamp.ns, ([], stamp.utc))[0].append(label)
    return [(ns, plugin, " / ".join(labels), record.describe(), record.source, artifact, iso)
            for ns, (labels, iso) in by_time.items()]


def test_added_events_are_the_records_events() -> None:
    """The one-field shortcut of `Timeline.add` and its general route give what
    `records.events` gives, for set, unset, invalid and device-local times."""
    times = [decode(730_000_000.5, Encoding.COCOA_S), unset(Encoding.COCOA_S),
             decode(float("nan"), Encoding.COCOA_S), decode(5e12, Encoding.COCOA_S),
             device_local("2024-02-28 21:14:05", None),
             device_local("2024-02-28 21:14:05", "Europe/Paris")]
    records: list[Record] = [SafariVisit(source="h", url="https://a.example/", visit_time=t)
                             for t in times]
    records += [ManifestEntry(source="m", relative_path="a", created=a, modified=b,
                              status_changed=times[0])
                for a in times for b in times]
    timeline = Timeline()
    expected: list[tuple[object, ...]] = []
    for record in records:
        timeline.add(record, "art", "Plugin")
        expected += _reference_events(record, "art", "Plugin")
    assert timeline.events == expected


def test_report_columns_of_spilled_in_memory_and_mixed_timelines(tmp_path: Path) -> None:
    """Spilled events come back without their ISO text: the report's columns are the same
    from spill files, from memory, and from both at once."""
    from perito.output.report.content import _columns_of_timeline

    events = sorted(e._replace(artifact="") if n % 7 == 0 else e
                    for n, e in enumerate(_events(3_000, 11)))
    expected = ([e.ns - e.ns % 1000 for e in events], [e.label for e in events],
                [e.description for e in events], [e.artifact or e.plugin for e in events])
    memory = Timeline()
    memory.events.extend(tuple(e) for e in events)
    spilled, mixed = Timeline(), Timeline()
    for number, start in enumerate(range(0, 3_000, 1_000)):
        piece = Timeline()
        piece.events.extend(tuple(e) for e in events[start:start + 1_000])
        piece.spill(tmp_path / f"spill-{number}")
        spilled.extend(piece)
        if number:
            mixed.extend(piece)
    mixed.events.extend(tuple(e) for e in events[:1_000])
    for timeline in (memory, spilled, mixed):
        columns = _columns_of_timeline(timeline)
        assert (list(columns.times), list(columns.labels), list(columns.texts),
                list(columns.artifacts)) == expected
