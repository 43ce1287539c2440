"""One JSONL file of records per artifact, opened on the first record."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import BinaryIO

import orjson

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
