"""Reading an indicator file's bytes and describing what it contributed."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from perito.indicators.merge import IndicatorKey
from perito.indicators.model import IndicatorFile, LoadProblem
from perito.records import Kind

# A file's summary (None when it gave nothing) and its problems.
FileOutcome = tuple[IndicatorFile | None, list[LoadProblem]]


def read_feed(path: Path) -> tuple[bytes, str] | LoadProblem:
    """The file's bytes and their SHA-256, or an "error" problem if it cannot be read."""
    try:
        data = path.read_bytes()
    except OSError as error:
        return LoadProblem(str(path), "", f"cannot read file: {error.strerror or error}", "error")
    return data, hashlib.sha256(data).hexdigest()


def describe(path: Path, sha256: str, keys: Iterable[IndicatorKey],
             collections: Iterable[str]) -> IndicatorFile:
    """The `IndicatorFile` summary of a file that contributed these distinct indicators."""
    tally = Counter(kind for kind, _value in keys)
    return IndicatorFile(
        path=str(path),
        name=path.name,
        sha256=sha256,
        indicator_count=sum(tally.values()),
        counts=tuple((kind, tally[kind]) for kind in Kind if tally[kind]),
        collections=tuple(dict.fromkeys(collections)),
    )


def file_error(path: Path, message: str, severity: str = "error") -> FileOutcome:
    """The outcome of a file that gave nothing but one problem."""
    return None, [LoadProblem(str(path), "", message, severity)]
