"""Amnesty's CSV indicator files (`domain_name,ip_address`), e.g. the 2018 NSO release.

Each row names a domain and the IP it resolved to; both become indicators. The owner is the
file's stem, since the file names no malware.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from perito.indicators.feedfile import describe, failed, read_feed
from perito.indicators.keys import read_comparison
from perito.indicators.merge import IndicatorPool
from perito.indicators.model import FileLoad, LoadProblem, Owner
from perito.indicators.pattern import Comparison, PatternError

_COLUMNS = {"domain_name": ("domain-name", "value"), "ip_address": ("ipv4-addr", "value")}


def load_csv_file(path: Path) -> FileLoad:
    """Indicators of one `domain_name,ip_address` CSV file."""
    read = read_feed(path)
    if isinstance(read, LoadProblem):
        return failed(read)
    data, sha256 = read
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return failed(LoadProblem(str(path), "", f"not UTF-8 text: {error}", "error"))
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    columns = [name for name in header if name in _COLUMNS]
    if not columns:
        return failed(LoadProblem(str(path), "", f"CSV header {header} has none of the known "
                                  f"columns {sorted(_COLUMNS)}", "unsupported"))
    reader.fieldnames = header
    owner = Owner(path.stem, "", path.name, str(path), sha256)
    pool = IndicatorPool()
    problems = []
    try:
        rows = list(reader)
    except csv.Error as error:
        return failed(LoadProblem(str(path), "", f"malformed CSV: {error}", "error"))
    for line, row in enumerate(rows, start=2):
        for column in columns:
            value = (row.get(column) or "").strip()
            if not value:
                continue
            object_type, prop = _COLUMNS[column]
            comparison = Comparison(object_type, (prop,), value)
            where = f"line {line}"
            try:
                reading = read_comparison(comparison)
            except PatternError as error:
                problems.append(LoadProblem(str(path), where, str(error), error.severity))
                continue
            problems.extend(LoadProblem(str(path), where, warning, "warning")
                            for warning in reading.warnings)
            for entry in reading.entries:
                pool.add_entry(entry, (), (owner,))
    indicators = tuple(pool.freeze())
    return FileLoad(indicators, describe(path, sha256, indicators, [path.stem]), tuple(problems))
