"""One JSONL file of records per artifact, opened on the first record."""

from __future__ import annotations

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


class RecordFiles:
    """Writes `records/<artifact id>.jsonl`; each line is one record with its type."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._open: dict[str, BinaryIO] = {}

    def write(self, artifact: str, record: Record) -> None:
        handle = self._open.get(artifact)
        if handle is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle = (self.folder / f"{artifact}.jsonl").open("wb")
            self._open[artifact] = handle
        handle.write(dumps_bytes(to_dict(record)) + b"\n")

    def close(self) -> None:
        for handle in self._open.values():
            handle.close()
        self._open.clear()
