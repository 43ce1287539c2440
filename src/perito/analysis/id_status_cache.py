"""IDStatusCache: looked-up identifiers with embedded NUL bytes (ios.md §6)."""

from __future__ import annotations

from collections.abc import Iterator

from perito.artifacts.ios.id_status_cache import IdStatusLookup
from perito.detections import heuristic
from perito.levels import Level
from perito.records import Record

ESCAPED_NULS = "\\x00\\x00"  # backslash, x, 0, 0, twice


@heuristic(IdStatusLookup, "idstatuscache-nul-bytes", Level.HIGH,
           "Normal contacts never produce identifiers with embedded NUL bytes; such lookups "
           "are traces of attacker-controlled iMessage/FaceTime lookups, as in Pegasus "
           "zero-click cases.")
def nul_bytes(record: Record) -> Iterator[str]:
    """NUL bytes, or two of them written out as the text `\\x00\\x00` (what the incumbent
    looks for in its escaped copy of the identifier, so it also flags that text)."""
    assert isinstance(record, IdStatusLookup)
    count = record.user.count("\x00")
    shown = record.user.replace("\x00", "\\x00")
    if count:
        plural = "byte" if count == 1 else "bytes"
        yield (f"Lookup of {shown} within {record.service} contains {count} NUL {plural} "
               "(suspicious identifier pattern)")
    elif ESCAPED_NULS in record.user:
        yield (f"Lookup of {shown} within {record.service} contains NUL bytes written as "
               "text (suspicious identifier pattern)")
