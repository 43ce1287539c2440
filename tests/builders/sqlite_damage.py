"""Damage a database the way a half-written copy is damaged: one page of a table is garbage.

`damage_leaf_page` walks the b-tree of a table or index from its root page (SQLite's file
format: page header type 0x05/0x02 interior table/index, 0x0D/0x0A leaf; interior cells start
with the 4-byte child page number, the right-most child sits in the header) and overwrites
one leaf page with 0xA5 bytes. SQLite then answers "database disk image is malformed" when a
query reaches that page.
"""

from __future__ import annotations

import sqlite3
import struct
import tempfile
from pathlib import Path

INTERIOR, LEAF = (0x05, 0x02), (0x0D, 0x0A)  # table, index


def _root_and_page_size(data: bytes, table: str) -> tuple[int, int]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "db.sqlite"
        path.write_bytes(data)
        db = sqlite3.connect(path)
        try:
            root = db.execute("SELECT rootpage FROM sqlite_master WHERE name = ?",
                              (table,)).fetchone()[0]
            page_size = db.execute("PRAGMA page_size").fetchone()[0]
        finally:
            db.close()
    return int(root), int(page_size)


def leaf_pages(data: bytes, table: str) -> list[int]:
    """The leaf page numbers of a table or index (by name), in key order."""
    root, size = _root_and_page_size(data, table)
    leaves: list[int] = []

    def walk(page: int) -> None:
        start = (page - 1) * size
        header = start + (100 if page == 1 else 0)
        kind = data[header]
        if kind in LEAF:
            leaves.append(page)
            return
        if kind not in INTERIOR:
            raise ValueError(f"page {page} is not a b-tree page")
        cells, = struct.unpack(">H", data[header + 3:header + 5])
        right, = struct.unpack(">I", data[header + 8:header + 12])
        for i in range(cells):
            offset, = struct.unpack(">H", data[header + 12 + 2 * i:header + 14 + 2 * i])
            child, = struct.unpack(">I", data[start + offset:start + offset + 4])
            walk(child)
        walk(right)

    walk(root)
    return leaves


def damage_leaf_page(data: bytes, table: str, *, position: float = 0.5) -> tuple[bytes, int]:
    """(the database with one leaf page of `table` overwritten, that page's number);
    `position` picks the page among the table's leaves (0 first, 1 last)."""
    leaves = leaf_pages(data, table)
    if len(leaves) < 3:
        raise ValueError(f"{table} has {len(leaves)} leaf pages: add rows to damage one inside")
    victim = leaves[min(len(leaves) - 1, int(position * len(leaves)))]
    _, size = _root_and_page_size(data, table)
    damaged = bytearray(data)
    damaged[(victim - 1) * size:victim * size] = b"\xa5" * size
    return bytes(damaged), victim


def rows_on_page(data: bytes, table: str, page: int) -> int:
    """How many rows the (undamaged) leaf page holds."""
    _, size = _root_and_page_size(data, table)
    header = (page - 1) * size + (100 if page == 1 else 0)
    count, = struct.unpack(">H", data[header + 3:header + 5])
    return int(count)


def undecodable_schema(data: bytes, table: str) -> bytes:
    """The database with one byte of `table`'s name (in sqlite_master and its SQL) made
    invalid UTF-8 and its CREATE statement cut short, as flipped bits leave a schema page:
    SQLite's "malformed database schema (name)" message then quotes bytes Python cannot
    decode."""
    name = table.encode()
    broken = name[:1] + b"\xa4" + name[2:]
    statement_end = data.index(name + b" (")
    close = data.index(b")", statement_end)
    damaged = bytearray(data)
    damaged[close] = ord(",")
    return bytes(damaged).replace(name, broken)
