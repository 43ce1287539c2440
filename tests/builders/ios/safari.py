"""Safari History.db with the schema Safari writes on iOS 15–17."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tests.builders.timestamps import cocoa_s

HISTORY_SCHEMA = """
CREATE TABLE history_items (id INTEGER PRIMARY KEY AUTOINCREMENT,url TEXT NOT NULL UNIQUE,domain_expansion TEXT NULL,visit_count INTEGER NOT NULL,daily_visit_counts BLOB NOT NULL,weekly_visit_counts BLOB NULL,autocomplete_triggers BLOB NULL,should_recompute_derived_visit_counts INTEGER NOT NULL,visit_count_score INTEGER NOT NULL,status_code INTEGER NOT NULL DEFAULT 0);
CREATE TABLE history_visits (id INTEGER PRIMARY KEY AUTOINCREMENT,history_item INTEGER NOT NULL REFERENCES history_items(id) ON DELETE CASCADE,visit_time REAL NOT NULL,title TEXT NULL,load_successful BOOLEAN NOT NULL DEFAULT 1,http_non_get BOOLEAN NOT NULL DEFAULT 0,synthesized BOOLEAN NOT NULL DEFAULT 0,redirect_source INTEGER NULL UNIQUE REFERENCES history_visits(id) ON DELETE CASCADE,redirect_destination INTEGER NULL UNIQUE REFERENCES history_visits(id) ON DELETE CASCADE,origin INTEGER NOT NULL DEFAULT 0,generation INTEGER NOT NULL DEFAULT 0,attributes INTEGER NOT NULL DEFAULT 0,score INTEGER NOT NULL DEFAULT 0);
CREATE TABLE history_tombstones (id INTEGER PRIMARY KEY AUTOINCREMENT,start_time REAL NOT NULL,end_time REAL NOT NULL,url TEXT,generation INTEGER NOT NULL DEFAULT 0);
CREATE TABLE metadata (key TEXT NOT NULL UNIQUE, value);
CREATE INDEX history_visits__last_visit ON history_visits (history_item, visit_time DESC, synthesized ASC);
CREATE INDEX history_visits__origin ON history_visits (origin, generation);
"""


@dataclass(frozen=True)
class Visit:
    url: str
    unix_time: float
    title: str | None = None
    redirect_to: int | None = None  # index in the visit list of the redirect destination


def history_db(visits: Sequence[Visit]) -> Callable[[sqlite3.Connection], None]:
    """A fill function for BackupBuilder.add_sqlite; visit ids are list index + 1."""
    def fill(db: sqlite3.Connection) -> None:
        db.executescript(HISTORY_SCHEMA)
        db.execute("INSERT INTO metadata VALUES ('version', 20)")
        items: dict[str, int] = {}
        for visit in visits:
            if visit.url not in items:
                domain = visit.url.split("//", 1)[-1].split("/", 1)[0]
                cur = db.execute(
                    "INSERT INTO history_items (url, domain_expansion, visit_count, "
                    "daily_visit_counts, should_recompute_derived_visit_counts, "
                    "visit_count_score) VALUES (?, ?, 0, x'', 0, 0)", (visit.url, domain))
                items[visit.url] = int(cur.lastrowid or 0)
            db.execute("UPDATE history_items SET visit_count = visit_count + 1 WHERE id = ?",
                       (items[visit.url],))
        for number, visit in enumerate(visits, start=1):
            destination = visit.redirect_to + 1 if visit.redirect_to is not None else None
            db.execute(
                "INSERT INTO history_visits (id, history_item, visit_time, title, "
                "load_successful, redirect_destination) VALUES (?, ?, ?, ?, 1, ?)",
                (number, items[visit.url], cocoa_s(visit.unix_time), visit.title, destination))
        for number, visit in enumerate(visits, start=1):
            if visit.redirect_to is not None:
                db.execute("UPDATE history_visits SET redirect_source = ? WHERE id = ?",
                           (number, visit.redirect_to + 1))
    return fill
