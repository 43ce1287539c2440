"""The timeline's file lines, rendered a chunk of events at a time, its spill files, and the
merge of sorted chunks.

Rendering works on whole chunks with C-level string operations (a few per chunk, none per
event where the data allow): the lines are byte-identical to rendering each event on its own
(`csv_row`, `dumps_bytes`), which is the fallback when a chunk holds a character the fast path
relies on being absent.
"""

from __future__ import annotations

import bisect
import itertools
import marshal
import os
import pickle
import struct
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson

from perito.collector import collector_paused
from perito.output.jsonl import dumps_bytes

try:  # the line dicts built in C (optional: see setup.py)
    from perito.output import _fasttimeline
except ImportError:  # a build without a C compiler
    _fasttimeline = None  # type: ignore[assignment]

# An event's fields in `Event` order, then (once rendered) its CSV row as bytes, without what
# every row has around it (see `csv_text`).
Item = tuple[Any, ...]

_FIELD, _ROW = "\x00", "\x01"  # placeholders, checked absent from the chunk's texts
_NEXT_OBJECT = b'},{"message":'  # only ever between two objects (quotes in strings are \")
_NEXT_LINE = b'}\n{"message":'
_FRAME = struct.Struct("<QQQ")  # sizes of a spilled chunk's events, ISO texts and CSV rows


def csv_row(fields: Iterable[str]) -> str:
    """One row as `csv.writer(quoting=QUOTE_ALL, escapechar="\\", lineterminator="\r\n")`
    writes it: every field quoted, quotes doubled, backslashes escaped (tested against it)."""
    return '"' + '","'.join([text.replace("\\", "\\\\").replace('"', '""')
                             for text in fields]) + '"\r\n'


def render_rows(events: Sequence[Item]) -> list[bytes]:
    """The `timeline.csv` rows of `events` (see `Item`)."""
    if not events:
        return []
    _ns, plugins, labels, texts, _sources, _artifacts, isos, *_ = zip(*events, strict=True)
    times = [f"{iso[:10]} {iso[11:26]}" for iso in isos]
    return _csv_rows(times, plugins, labels, texts)


def csv_text(rows: Sequence[bytes]) -> bytes:
    return b'"' + b'"\r\n"'.join(rows) + b'"\r\n' if rows else b""


def _csv_rows(times: list[str], *columns: Sequence[str]) -> list[bytes]:
    text = _ROW.join(map(_FIELD.join, zip(times, *columns, strict=True)))
    try:
        data = text.encode("utf-8")  # quotes, backslashes and placeholders stay one byte
    except UnicodeEncodeError:  # a lone surrogate (from a hostile plist): the slow way
        data = b""
    if not data or data.count(b"\x00") != 3 * len(times) \
            or data.count(b"\x01") != len(times) - 1:
        # Lone surrogates are written escaped, as in the JSON files.
        return [csv_row(row)[1:-3].encode("utf-8", "backslashreplace")
                for row in zip(times, *columns, strict=True)]
    return (data.replace(b"\\", b"\\\\").replace(b'"', b'""').replace(b"\x00", b'","')
            .split(b"\x01"))


def jsonl_block(events: Sequence[Item]) -> bytes:
    """The `timeline.jsonl` lines of `events` (see `Item`: fields past the event's are
    ignored) as one text, from one orjson call (`},{"message":` only ever separates two
    objects: a string's quotes are escaped); what orjson refuses (lone surrogates, integers
    beyond 64 bits) takes the standard library, line by line."""
    if not events:
        return b""
    objects = _jsonl_objects(events)
    try:
        text = orjson.dumps(objects, default=str)
    except (orjson.JSONEncodeError, TypeError):  # lone surrogates, integers beyond 64 bits
        return b"".join(dumps_bytes(one) + b"\n" for one in objects)
    return text[1:-1].replace(_NEXT_OBJECT, _NEXT_LINE) + b"\n"


def _jsonl_objects(events: Sequence[Item]) -> list[dict[str, Any]]:
    if _fasttimeline is not None:  # the same dicts, built in C
        made: list[dict[str, Any]] = _fasttimeline.jsonl_objects(events)
        return made
    return [{"message": event[3], "datetime": event[6], "timestamp": event[0] // 1000,
             "timestamp_desc": event[2], "artifact": event[5], "plugin": event[1],
             "source_file": event[4]}
            for event in events]


def with_rows(events: Sequence[Item], rows: Sequence[bytes]) -> list[Item]:
    """Each event with its CSV row appended."""
    return list(map(tuple.__add__, events, zip(rows, strict=True)))


def write_spill(path: Path, events: Sequence[Item], chunk: int) -> None:
    """Sorted `events` to a private work file: per chunk, the events without their ISO
    texts, then those texts, then their CSV rows (a reader skips what it does not want:
    the report process needs neither), each a format byte and its data, written as they
    are (no copy joins them). The JSONL lines are rendered by the merge
    (`Timeline.write`), which would otherwise wait for the report process: the work is
    shared out so that neither the workers nor the end of the check carry all of it."""
    with path.open("wb") as handle, collector_paused():
        for start in range(0, len(events), chunk):
            part = events[start:start + chunk]
            keys = _dumped([event[:6] for event in part])
            isos = _dumped([event[6] for event in part])
            rows = _dumped(render_rows(part))
            handle.write(_FRAME.pack(*(len(data) + 1 for _format, data in (keys, isos, rows))))
            handle.writelines(piece for blob in (keys, isos, rows) for piece in blob)


def read_spill(path: Path, rendered: bool) -> Iterator[list[Item]]:
    """The chunks of a spill file: each event's first six fields (all but its ISO text),
    or, when `rendered`, all seven and its CSV row."""
    with path.open("rb") as handle:
        while header := handle.read(_FRAME.size):
            keys_size, isos_size, rows_size = _FRAME.unpack(header)
            keys = _loaded(handle.read(keys_size))
            if rendered:
                isos, rows = _loaded(handle.read(isos_size)), _loaded(handle.read(rows_size))
                yield list(map(tuple.__add__, keys, zip(isos, rows, strict=True)))
            else:
                handle.seek(isos_size + rows_size, os.SEEK_CUR)
                yield keys


def _dumped(value: Any) -> tuple[bytes, bytes]:
    """(format byte, data): `value` as marshal writes it (about three times faster than
    pickle for tuples of numbers and texts), or pickled when it holds what marshal refuses
    (a str subclass)."""
    try:
        return _MARSHAL, marshal.dumps(value)
    except ValueError:
        return _PICKLE, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def _loaded(data: bytes) -> Any:
    """What `_dumped` wrote (its format byte, then its data). Spill files are written by
    this run's own workers, in its private work folder (mode 0700): marshal and pickle are
    safe here."""
    if data[:1] == _MARSHAL:
        return marshal.loads(memoryview(data)[1:])  # noqa: S302 (see above)
    return pickle.loads(memoryview(data)[1:])  # noqa: S301 (see above)


_MARSHAL, _PICKLE = b"M", b"P"  # how a spilled chunk's part was written


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
