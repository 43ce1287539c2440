"""Amnesty's CSV indicator files (`domain_name,ip_address`), e.g. the 2018 NSO release.

Each row names a domain and the IP it resolved to; both become indicators, read as if typed
`domain-name:value` and `ipv4-addr:value`. The owner is the file's stem, since the file names
no malware. Problems name the row as "line N" in place of an indicator id.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from perito.indicators.feedfile import (
    FileOutcome,
    Value,
    add_values,
    describe,
    file_error,
    read_feed,
)
from perito.indicators.merge import IndicatorPool
from perito.indicators.model import LoadProblem, Owner

_COLUMNS = {"domain_name": ("domain-name", ("value",)), "ip_address": ("ipv4-addr", ("value",))}


def csv_values(data: bytes) -> list[Value]:
    """Every value of the known columns, as (line, object type, path, value); raises
    ValueError for a file that is not CSV or has none of the known columns."""
    try:
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    except (UnicodeDecodeError, csv.Error) as error:
        raise ValueError(f"not a readable CSV file: {error}") from None
    header = [name.strip().lower() for name in rows[0]] if rows else []
    columns = [(position, name) for position, name in enumerate(header) if name in _COLUMNS]
    if not columns:
        raise LookupError(f"CSV header {header} has none of the known columns "
                          f"{sorted(_COLUMNS)}")
    return [(f"line {line}", *_COLUMNS[name], row[position].strip())
            for line, row in enumerate(rows[1:], start=2) for position, name in columns
            if position < len(row) and row[position].strip()]


def read_csv_into(path: Path, pool: IndicatorPool) -> FileOutcome:
    """Add a `domain_name,ip_address` CSV file's indicators to a pool."""
    read = read_feed(path)
    if isinstance(read, LoadProblem):
        return None, [read]
    data, sha256 = read
    try:
        found = csv_values(data)
    except LookupError as error:
        return file_error(path, str(error), "unsupported")
    except ValueError as error:
        return file_error(path, str(error))
    owner = Owner(path.stem, "", path.name, str(path), sha256)
    keys, problems = add_values(path, pool, ((owner, value) for value in found))
    return describe(path, sha256, keys, [path.stem]), problems
