"""Small helpers to build queries from the columns a database really has."""

from __future__ import annotations

from collections.abc import Mapping


def col(found: Mapping[str, set[str]], table: str, column: str, alias: str | None = None,
        prefix: str | None = None) -> str:
    """`prefix.column AS alias` when the column exists, else `NULL AS alias`."""
    name = alias or column
    if column in found.get(table, set()):
        return f'{prefix or table}."{column}" AS "{name}"'
    return f'NULL AS "{name}"'


def has(found: Mapping[str, set[str]], table: str, column: str | None = None) -> bool:
    if table not in found:
        return False
    return column is None or column in found[table]
