"""One JSONL file of records per artifact, opened on the first record."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import orjson

from perito.output.record_dicts import dicts_of
from perito.records import Record, to_dict


def dumps_bytes(value: object) -> bytes:
    """Compact, deterministic UTF-8 JSON; orjson, or the standard library for what orjson
    refuses (integers beyond 64 bits, lone surrogates from hostile plists)."""
    try:
        return orjson.dumps(value, default=str)
    except (orjson.JSONEncodeError, TypeError):
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
        return text.encode("utf-8", errors="backslashreplace")


def dumps(value: object) -> str:
    return dumps_bytes(value).decode("utf-8")


_HEADS: dict[type[Record], bytes] = {}


def _default(value: object) -> object:
    if isinstance(value, bytes):
        return {"base64": base64.b64encode(value).decode("ascii")}
    raise TypeError


def record_line(record: Record) -> bytes:
    """One JSONL line: orjson serialises the dataclass itself (the same JSON as
    `records.to_dict`, in C); anything it refuses takes the `to_dict` route."""
    cls = type(record)
    head = _HEADS.get(cls)
    if head is None:
        head = _HEADS[cls] = b'{"record_type":' + orjson.dumps(cls.__name__) + b","
    try:
        return head + orjson.dumps(record, default=_default)[1:] + b"\n"
    except (orjson.JSONEncodeError, TypeError):
        return dumps_bytes(to_dict(record)) + b"\n"


def record_lines(records: Sequence[Record]) -> bytes:
    """The JSONL lines of `records`, the bytes `record_line` gives for each, from one orjson
    call over their dicts (`record_dicts`). The objects of the list are cut apart where one
    ends and the next begins (`},{"record_type":`, which a JSON string cannot hold: its
    quotes are escaped); when a record's own values hold that text too, or orjson refuses a
    value, each record takes `record_line`."""
    return b"".join(record_pieces(records))


def record_pieces(records: Sequence[Record]) -> tuple[bytes | memoryview, ...]:
    """`record_lines` in pieces to write one after the other, without copying the batch to
    join them (a batch is about a megabyte)."""
    if not records:
        return ()
    try:
        dicts = dicts_of(records if isinstance(records, list) else list(records))
        data = orjson.dumps(dicts, default=_default)
    except (orjson.JSONEncodeError, TypeError, ValueError):
        return (b"".join(map(record_line, records)),)
    if data.count(_BETWEEN) != len(records) - 1:
        return (b"".join(map(record_line, records)),)
    return memoryview(data.replace(_BETWEEN, _BETWEEN_LINES))[1:-1], b"\n"


_BETWEEN = b'},{"record_type":'
_BETWEEN_LINES = b'}\n{"record_type":'
_BATCH = 2_000  # records serialised at a time, per artifact


class RecordFiles:
    """Writes `records/<artifact id>.jsonl`; each line is one record with its type. Records
    are kept and written a batch at a time (in order); `close` writes what is left."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._open: dict[str, tuple[BinaryIO, list[Record]]] = {}

    def write(self, artifact: str, record: Record) -> None:
        found = self._open.get(artifact)
        if found is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle = (self.folder / f"{artifact}.jsonl").open("wb", buffering=1 << 20)
            found = self._open[artifact] = (handle, [])
        pending = found[1]
        pending.append(record)
        if len(pending) >= _BATCH:
            found[0].writelines(record_pieces(pending))
            pending.clear()

    def close(self) -> None:
        try:
            for handle, pending in self._open.values():
                try:
                    handle.writelines(record_pieces(pending))
                finally:
                    handle.close()
        finally:
            self._open.clear()
