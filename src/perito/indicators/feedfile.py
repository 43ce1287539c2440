"""Reading an indicator file's bytes and describing what it contributed."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from perito.indicators.keys import read_comparison
from perito.indicators.merge import IndicatorKey, IndicatorPool
from perito.indicators.model import IndicatorFile, LoadProblem, Owner
from perito.indicators.pattern import Comparison, PatternError
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


# One value of a non-STIX feed: (where, STIX object type, property path, value), read as if
# it were the pattern `[object-type:path = 'value']`.
Value = tuple[str, str, tuple[str, ...], str]


def add_values(path: Path, pool: IndicatorPool, values: Iterable[tuple[Owner, Value]]
               ) -> tuple[dict[IndicatorKey, None], list[LoadProblem]]:
    """Add the values of a non-STIX feed to a pool, each with its owner.

    Problems name the value's place (`where`: "line 3", "app TheTruthSpy") in place of an
    indicator id. Returns the distinct keys added and the problems.
    """
    keys: dict[IndicatorKey, None] = {}
    problems: list[LoadProblem] = []
    for owner, (where, object_type, key_path, value) in values:
        try:
            reading = read_comparison(Comparison(object_type, key_path, value))
        except PatternError as error:
            problems.append(LoadProblem(str(path), where, str(error), error.severity))
            continue
        problems.extend(LoadProblem(str(path), where, warning, "warning")
                        for warning in reading.warnings)
        for entry in reading.entries:
            keys[pool.add_entry(entry, (), (owner,))] = None
    return keys, problems
