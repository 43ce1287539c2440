"""Amnesty's CSV indicator files (`domain_name,ip_address`), e.g. the 2018 NSO release.

Each row names a domain and the IP it resolved to; both become indicators, read as if typed
`domain-name:value` and `ipv4-addr:value`. The owner is the file's stem, since the file names
no malware. Problems name the row as "line N" in place of an indicator id.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from perito.indicators.feedfile import FileOutcome, describe, file_error, read_feed
from perito.indicators.keys import read_comparison
from perito.indicators.merge import IndicatorKey, IndicatorPool
from perito.indicators.model import LoadProblem, Owner
from perito.indicators.pattern import Comparison, PatternError

_COLUMNS = {"domain_name": ("domain-name", ("value",)), "ip_address": ("ipv4-addr", ("value",))}


def read_csv_into(path: Path, pool: IndicatorPool) -> FileOutcome:
    """Add a `domain_name,ip_address` CSV file's indicators to a pool."""
    read = read_feed(path)
    if isinstance(read, LoadProblem):
        return None, [read]
    data, sha256 = read
    try:
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    except (UnicodeDecodeError, csv.Error) as error:
        return file_error(path, f"not a readable CSV file: {error}")
    header = [name.strip().lower() for name in rows[0]] if rows else []
    columns = [(position, name) for position, name in enumerate(header) if name in _COLUMNS]
    if not columns:
        return file_error(path, f"CSV header {header} has none of the known columns "
                                f"{sorted(_COLUMNS)}", "unsupported")
    owner = Owner(path.stem, "", path.name, str(path), sha256)
    keys: dict[IndicatorKey, None] = {}
    problems = []
    for line, row in enumerate(rows[1:], start=2):
        for position, name in columns:
            value = row[position].strip() if position < len(row) else ""
            if not value:
                continue
            where = f"line {line}"
            object_type, key_path = _COLUMNS[name]
            try:
                reading = read_comparison(Comparison(object_type, key_path, value))
            except PatternError as error:
                problems.append(LoadProblem(str(path), where, str(error), error.severity))
                continue
            problems.extend(LoadProblem(str(path), where, warning, "warning")
                            for warning in reading.warnings)
            for entry in reading.entries:
                keys[pool.add_entry(entry, (), (owner,))] = None
    return describe(path, sha256, keys, [path.stem]), problems
