"""Reading an indicator file's bytes and describing what it contributed."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from perito.indicators.model import FileLoad, Indicator, IndicatorFile, LoadProblem
from perito.records import Kind


def read_feed(path: Path) -> tuple[bytes, str] | LoadProblem:
    """The file's bytes and their SHA-256, or an "error" problem if it cannot be read."""
    try:
        data = path.read_bytes()
    except OSError as error:
        return LoadProblem(str(path), "", f"cannot read file: {error.strerror or error}", "error")
    return data, hashlib.sha256(data).hexdigest()


def describe(path: Path, sha256: str, indicators: Iterable[Indicator],
             collections: Iterable[str]) -> IndicatorFile:
    """The `IndicatorFile` summary of a loaded file."""
    tally = Counter(indicator.kind for indicator in indicators)
    counts = tuple((kind, tally[kind]) for kind in Kind if tally[kind])
    return IndicatorFile(
        path=str(path),
        name=path.name,
        sha256=sha256,
        indicator_count=sum(tally.values()),
        counts=counts,
        collections=tuple(dict.fromkeys(collections)),
    )


def failed(problem: LoadProblem) -> FileLoad:
    """The load of a file that gave nothing but this problem."""
    return FileLoad((), None, (problem,))
