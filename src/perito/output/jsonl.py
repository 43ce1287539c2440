"""One JSONL file of records per artifact, opened on the first record."""

from __future__ import annotations

import base64
import dataclasses
import json
import operator
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from perito.records import Record, to_dict
from perito.timestamps import Timestamp


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


def _default(value: object) -> object:
    if isinstance(value, bytes):
        return {"base64": base64.b64encode(value).decode("ascii")}
    raise TypeError


def _passed(value: object) -> object:
    """What orjson makes of a dataclass, for `OPT_PASSTHROUGH_DATACLASS`: a time as a dict
    (cheaper than orjson's own reading of slots), any other dataclass as orjson writes it."""
    if type(value) is Timestamp:
        return {"raw": value.raw, "encoding": value.encoding, "ns": value.ns,
                "state": value.state, "utc": value.utc}
    if dataclasses.is_dataclass(value):
        return orjson.Fragment(orjson.dumps(value, default=_default))
    return _default(value)


_LINE_OPTIONS = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_APPEND_NEWLINE
_KEYS: dict[type[Record], tuple[tuple[str, ...], Callable[[Record], tuple[Any, ...]]]] = {}


def _keys(cls: type[Record]) -> tuple[tuple[str, ...], Callable[[Record], tuple[Any, ...]]]:
    """The line's keys (the type, then the fields orjson writes: in order, none private)
    and a getter of the fields' values."""
    names = tuple(f.name for f in dataclasses.fields(cls) if not f.name.startswith("_"))
    get = operator.attrgetter(*names) if len(names) > 1 else (
        lambda record: tuple(getattr(record, name) for name in names))
    return ("record_type", *names), get


def record_line(record: Record) -> bytes:
    """One JSONL line: `{"record_type": …}` and the record as orjson writes a dataclass
    (the same JSON as `records.to_dict`, in C); anything it refuses takes the `to_dict`
    route."""
    cls = type(record)
    planned = _KEYS.get(cls)
    if planned is None:
        planned = _KEYS[cls] = _keys(cls)
    keys, get = planned
    try:
        values = dict(zip(keys, (cls.__name__, *get(record)), strict=True))
        return orjson.dumps(values, default=_passed, option=_LINE_OPTIONS)
    except (orjson.JSONEncodeError, TypeError):
        return dumps_bytes(to_dict(record)) + b"\n"


class RecordFiles:
    """Writes `records/<artifact id>.jsonl`; each line is one record with its type."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._open: dict[str, BinaryIO] = {}

    def write(self, artifact: str, record: Record) -> None:
        handle = self._open.get(artifact)
        if handle is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle = (self.folder / f"{artifact}.jsonl").open("wb", buffering=1 << 20)
            self._open[artifact] = handle
        handle.write(record_line(record))

    def close(self) -> None:
        for handle in self._open.values():
            handle.close()
        self._open.clear()
