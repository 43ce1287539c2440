"""One JSONL file of records per artifact, opened on the first record."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TextIO

from perito.records import Record, to_dict


def dumps(value: object) -> str:
    """Compact, deterministic JSON that keeps non-ASCII text readable."""
    return json.dumps(value, ensure_ascii=False, sort_keys=False, separators=(",", ":"),
                      default=str)


class RecordFiles:
    """Writes `records/<artifact id>.jsonl`; each line is one record with its type."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._open: dict[str, TextIO] = {}

    def write(self, artifact: str, record: Record) -> None:
        handle = self._open.get(artifact)
        if handle is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle = (self.folder / f"{artifact}.jsonl").open("w", encoding="utf-8")
            self._open[artifact] = handle
        handle.write(dumps(to_dict(record)))
        handle.write("\n")

    def close(self) -> None:
        for handle in self._open.values():
            handle.close()
        self._open.clear()
