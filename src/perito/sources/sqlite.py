"""Open SQLite evidence without ever changing it.

A database with no sidecar is opened in place with `mode=ro&immutable=1`. When a `-wal` or
`-journal` belongs to it, the database and its sidecars are copied under matching names into a
private temporary directory and the copy is opened, so the newest rows are seen and the
original is never checkpointed (ios.md §3).
"""

from __future__ import annotations

import functools
import shutil
import sqlite3
import tempfile
import urllib.parse
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SQLITE_MAGIC = b"SQLite format 3\x00"


class NotADatabase(Exception):
    """The file is not SQLite (or is encrypted)."""


@dataclass(frozen=True, slots=True)
class OpenedDatabase:
    connection: sqlite3.Connection
    wal_applied: bool


def _uri(path: Path, immutable: bool) -> str:
    quoted = urllib.parse.quote(str(path.resolve()))
    return f"file:{quoted}?mode=ro" + ("&immutable=1" if immutable else "")


def _connect(uri: str) -> sqlite3.Connection:
    connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
    _harden(connection)
    connection.execute("PRAGMA query_only = ON")
    return connection


def _harden(connection: sqlite3.Connection) -> None:
    """Evidence is hostile: no extension loading, no functions trusted from the schema."""
    connection.text_factory = _text
    if hasattr(connection, "enable_load_extension"):  # absent when Python's build lacks it
        connection.enable_load_extension(False)
    connection.execute("PRAGMA trusted_schema = OFF")


# `bytes.decode(value, "utf-8", "replace")` for every TEXT value, called from C: a partial of
# `str` runs no Python frame per value (hundreds of thousands of values per database).
_text = functools.partial(str, encoding="utf-8", errors="replace")


def check_header(path: Path) -> None:
    with path.open("rb") as handle:
        head = handle.read(16)
    if head != SQLITE_MAGIC:
        raise NotADatabase("not an SQLite database (encrypted, or another kind of file)")


@contextmanager
def open_sqlite(path: Path, sidecars: Mapping[str, Path] | None = None
                ) -> Iterator[OpenedDatabase]:
    """Open `path` read-only; `sidecars` maps "-wal"/"-journal"/"-shm" to their files."""
    check_header(path)
    sidecars = {suffix: p for suffix, p in (sidecars or {}).items()
                if suffix in ("-wal", "-journal", "-shm") and p.is_file()}
    if not (sidecars.keys() & {"-wal", "-journal"}):
        connection = _connect(_uri(path, immutable=True))
        try:
            yield OpenedDatabase(connection, wal_applied=False)
        finally:
            connection.close()
        return
    with tempfile.TemporaryDirectory(prefix="perito-db-") as tmp:
        copy = Path(tmp) / "evidence.db"
        shutil.copyfile(path, copy)
        for suffix, source in sidecars.items():
            shutil.copyfile(source, Path(tmp) / f"evidence.db{suffix}")
        with open_private_copy(copy) as opened:
            yield opened


@contextmanager
def open_private_copy(database: Path) -> Iterator[OpenedDatabase]:
    """A private copy of a database (never the evidence), its sidecars beside it under
    matching names, opened read-write: that is how SQLite applies a WAL. On closing, SQLite
    folds the WAL into the copy, which then holds the same rows without it."""
    check_header(database)
    connection = sqlite3.connect(str(database), check_same_thread=False)
    _harden(connection)
    try:
        yield OpenedDatabase(connection, wal_applied=True)
    finally:
        connection.close()


def schema(connection: sqlite3.Connection) -> dict[str, set[str]]:
    """Tables (and views) with their column names, read from the database itself."""
    try:
        tables = [row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")]
        result: dict[str, set[str]] = {}
        for table in tables:
            quoted = table.replace('"', '""')
            result[table] = {row[1] for row in
                             connection.execute(f'PRAGMA table_info("{quoted}")')}
    except UnicodeDecodeError as error:
        raise undecodable(error) from None
    return result


def undecodable(error: UnicodeDecodeError) -> sqlite3.DatabaseError:
    """SQLite's message about a damaged schema quotes its bytes, and Python cannot decode
    them when they are not UTF-8: the database is damaged, say so without the bytes."""
    return sqlite3.DatabaseError(f"malformed database schema (bytes that are not UTF-8 at "
                                 f"position {error.start} of SQLite's message)")


def missing_from(found: Mapping[str, set[str]], wanted: Mapping[str, list[str]]) -> list[str]:
    """Names of wanted tables or `table.column`s that the schema lacks."""
    missing: list[str] = []
    for table, columns in wanted.items():
        if table not in found:
            missing.append(table)
            continue
        missing.extend(f"{table}.{c}" for c in columns if c not in found[table])
    return missing


def checked_count(connection: sqlite3.Connection, table: str) -> int | None:
    """Rows of `table`, or None when the database fails `PRAGMA quick_check` (a damaged
    page somewhere) or the table cannot be counted."""
    try:
        if tuple(connection.execute("PRAGMA quick_check(1)").fetchone() or ()) != ("ok",):
            return None
        quoted = '"' + table.replace('"', '""') + '"'
        found = connection.execute(f"SELECT count(*) FROM {quoted}").fetchone()
    except sqlite3.DatabaseError:
        return None
    return int(found[0]) if found else None
