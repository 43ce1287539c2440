"""Read what survives of a damaged ("database disk image is malformed") SQLite database.

Phones and backup tools sometimes copy a database half-written, so a page of it is garbage.
SQLite then stops every query that reaches the page. The incumbent tool (MVT) recovers such a
database with the `sqlite3` shell's `.clone`; perito does the same in process, without the
shell: every table's rows are copied into a new database in a private temporary folder, first
in rowid order until the damage, then in reverse rowid order from the other end, so only the
rows stored on damaged pages are lost. The schema comes from the damaged file's own
`sqlite_master` (read in reverse too if needed); only `CREATE TABLE`, `CREATE INDEX` and
`CREATE VIEW` statements are replayed. The evidence itself is only read.

`SalvagingSource(source)` wraps a source so that its `open_sqlite` yields such a copy; the
pipeline uses it to read an artifact's file again when the first read met the damage
(`perito.artifacts.base.extract_salvaging`).
"""

from __future__ import annotations

import logging
import re
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perito.sources.base import Source
from perito.sources.evidence import Custody, EvidenceFile
from perito.sources.locations import Location
from perito.sources.sqlite import OpenedDatabase, _harden

log = logging.getLogger(__name__)

_REPLAYED = re.compile(r"\s*CREATE\s+(TABLE|(UNIQUE\s+)?INDEX|VIEW)\b", re.IGNORECASE)


def is_damage(error: BaseException) -> bool:
    """True for the errors SQLite raises when it meets a corrupt page."""
    return isinstance(error, sqlite3.DatabaseError) and (
        "malformed" in str(error) or "database corruption" in str(error))


@dataclass
class SalvageReport:
    tables: int = 0
    rows: int = 0
    damaged_tables: list[str] = field(default_factory=list)
    schema_damaged: bool = False


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _rows(connection: sqlite3.Connection, sql: str) -> Iterator[tuple[Any, ...]]:
    """Rows of `sql` until the first corrupt page; other errors propagate."""
    try:
        yield from connection.execute(sql)
    except sqlite3.DatabaseError as error:
        if not is_damage(error):
            raise


def _schema(damaged: sqlite3.Connection, report: SalvageReport
            ) -> list[tuple[str, str, str]]:
    """(type, name, sql) of the tables, indexes and views, as far as they can be read."""
    query = "SELECT rowid, type, name, sql FROM sqlite_master"
    found: dict[int, tuple[str, str, str]] = {}
    for rowid, kind, name, sql in _rows(damaged, query):
        found[rowid] = (kind, name, sql)
    complete = list(_rows(damaged, "SELECT count(*) FROM sqlite_master"))
    if not complete or complete[0][0] != len(found):
        report.schema_damaged = True
        for rowid, kind, name, sql in _rows(damaged, query + " ORDER BY rowid DESC"):
            found.setdefault(rowid, (kind, name, sql))
    return [found[k] for k in sorted(found)
            if isinstance(found[k][2], str) and _REPLAYED.match(found[k][2])
            and not str(found[k][1]).startswith("sqlite_")]


def _seek(damaged: sqlite3.Connection, select: str, rowid: int, *, down: bool = False,
          floor: int | None = None) -> tuple[Any, ...] | None:
    """The row after `rowid` (before it when `down`, but above `floor`) by one b-tree seek."""
    if down:
        bound = "" if floor is None else f" AND _rowid_ > {int(floor)}"
        where, order = f"_rowid_ < {int(rowid)}{bound}", " DESC"
    else:
        where, order = f"_rowid_ > {int(rowid)}", ""
    found = list(_rows(damaged, f"{select} WHERE {where} ORDER BY _rowid_{order} LIMIT 1"))
    return found[0] if found else None


def _copy_table(damaged: sqlite3.Connection, copy: sqlite3.Connection, table: str,
                without_rowid: bool, report: SalvageReport) -> None:
    columns = [row[1] for row in copy.execute(f"PRAGMA table_info({_quote(table)})")]
    if not columns:
        return
    names = ", ".join(_quote(c) for c in columns)
    marks = ", ".join("?" for _ in columns)
    source = _quote(table)
    if without_rowid:
        insert = f"INSERT OR IGNORE INTO {source} ({names}) VALUES ({marks})"
        rows = list(_rows(damaged, f"SELECT {names} FROM {source} NOT INDEXED"))
        copy.executemany(insert, rows)
        report.rows += len(rows)
        return
    insert = f"INSERT OR IGNORE INTO {source} (_rowid_, {names}) VALUES (?, {marks})"
    select = f"SELECT _rowid_, {names} FROM {source} NOT INDEXED"  # the table, not an index
    batch: list[tuple[Any, ...]] = []

    def keep(row: tuple[Any, ...]) -> None:
        batch.append(row)
        if len(batch) >= 1000:
            copy.executemany(insert, batch)
            batch.clear()

    copied, last = 0, None
    for row in _rows(damaged, f"{select} ORDER BY _rowid_"):  # no sort: the table's order
        keep(row)
        copied, last = copied + 1, row[0]
    counted = list(_rows(damaged, f"SELECT count(*) FROM {source} NOT INDEXED"))
    if not counted or counted[0][0] != copied:
        report.damaged_tables.append(table)
        # Python's cursor reads one row ahead, so the row before the damage was dropped
        # with the error: seek to the next rows one at a time until the damage.
        while last is not None and (found := _seek(damaged, select, last)):
            keep(found)
            copied, last = copied + 1, found[0]
        first = None
        for row in _rows(damaged, f"{select} ORDER BY _rowid_ DESC"):
            if last is not None and row[0] <= last:
                break
            keep(row)
            copied, first = copied + 1, row[0]
        while first is not None and (
                found := _seek(damaged, select, first, down=True, floor=last)):
            keep(found)
            copied, first = copied + 1, found[0]
    copy.executemany(insert, batch)
    report.rows += copied


def salvage(damaged: sqlite3.Connection, destination: Path) -> SalvageReport:
    """Copy every readable row of `damaged` into a new database file at `destination`."""
    report = SalvageReport()
    entries = _schema(damaged, report)
    copy = sqlite3.connect(str(destination))
    try:
        copy.execute("PRAGMA journal_mode = OFF")
        copy.execute("PRAGMA synchronous = OFF")
        for kind, name, sql in entries:
            if kind != "table":
                continue
            try:
                copy.execute(sql)
            except sqlite3.Error:  # hostile or foreign schema text: skip the table
                log.debug("salvage: table %r could not be created", name)
                continue
            report.tables += 1
            _copy_table(damaged, copy, name, "WITHOUT ROWID" in sql.upper(), report)
        for kind, name, sql in entries:
            if kind in ("index", "view"):
                try:
                    copy.execute(sql)
                except sqlite3.Error:
                    log.debug("salvage: %s %r could not be created", kind, name)
        copy.commit()
    finally:
        copy.close()
    return report


@dataclass
class SalvagingSource:
    """A source whose databases are opened as salvaged copies (every other call passes on)."""

    inner: Source
    reports: list[SalvageReport] = field(default_factory=list)
    kind: str = field(init=False)
    platform: str = field(init=False)
    root: Path = field(init=False)
    custody: Custody = field(init=False)

    def __post_init__(self) -> None:
        self.kind, self.platform = self.inner.kind, self.inner.platform
        self.root, self.custody = self.inner.root, self.inner.custody

    def find(self, location: Location) -> Iterator[EvidenceFile]:
        return self.inner.find(location)

    def missing_rows(self, location: Location) -> list[str]:
        return self.inner.missing_rows(location)

    def read_bytes(self, evidence: EvidenceFile) -> bytes:
        return self.inner.read_bytes(evidence)

    def close(self) -> None:
        self.inner.close()

    @contextmanager
    def open_sqlite(self, evidence: EvidenceFile) -> Iterator[OpenedDatabase]:
        with self.inner.open_sqlite(evidence) as damaged, \
                tempfile.TemporaryDirectory(prefix="perito-salvage-") as tmp:
            path = Path(tmp) / "salvaged.db"
            self.reports.append(salvage(damaged.connection, path))
            connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True,
                                         check_same_thread=False)
            _harden(connection)
            try:
                yield OpenedDatabase(connection, wal_applied=damaged.wal_applied)
            finally:
                connection.close()
