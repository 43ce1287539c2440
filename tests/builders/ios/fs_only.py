"""Databases and files that only filesystem dumps hold: Analytics, Cache.db, Favicons.db,
Analytics-Journal.

- Analytics: the tables of Security.framework's SFAnalytics SQLite store
  (`hard_failures`, `soft_failures`, `all_events`, `samples`, `success_count`, `metadata`),
  `data` a binary plist.
- Cache.db: CFNetwork's NSURLCache schema (`cfurl_cache_response`, `…_blob_data`,
  `…_receiver_data`, `…_schema_version` and its indexes); `time_stamp` is UTC text.
- Favicons.db: Safari's icon database tables as ios.md §5.6 lists them. Unconfirmed: the
  column types and constraints are not copied from a device.
"""

from __future__ import annotations

import datetime as dt
import json
import plistlib
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

from tests.builders.timestamps import cocoa_s

ANALYTICS = """
CREATE TABLE hard_failures (id INTEGER PRIMARY KEY AUTOINCREMENT, timestamp REAL, data BLOB);
CREATE TABLE soft_failures (id INTEGER PRIMARY KEY AUTOINCREMENT, timestamp REAL, data BLOB);
CREATE TABLE all_events (id INTEGER PRIMARY KEY AUTOINCREMENT, timestamp REAL, data BLOB);
CREATE TABLE samples (id INTEGER PRIMARY KEY AUTOINCREMENT, timestamp REAL, name STRING,
                      value REAL);
CREATE TABLE success_count (event_type STRING PRIMARY KEY, success_count INTEGER,
                            hard_failure_count INTEGER, soft_failure_count INTEGER);
CREATE TABLE metadata (key STRING PRIMARY KEY, value BLOB);
"""

CACHE_DB = """
CREATE TABLE cfurl_cache_response(entry_ID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE,
    version INTEGER, hash_value INTEGER, storage_policy INTEGER, request_key TEXT UNIQUE,
    time_stamp NOT NULL DEFAULT CURRENT_TIMESTAMP, partition TEXT);
CREATE TABLE cfurl_cache_blob_data(entry_ID INTEGER PRIMARY KEY, response_object BLOB,
    request_object BLOB, proto_props BLOB, user_info BLOB);
CREATE TABLE cfurl_cache_receiver_data(entry_ID INTEGER PRIMARY KEY, isDataOnFS INTEGER,
    receiver_data BLOB);
CREATE TABLE cfurl_cache_schema_version(schema_version INTEGER);
CREATE INDEX request_key_index ON cfurl_cache_response(request_key);
CREATE INDEX time_stamp_index ON cfurl_cache_response(time_stamp);
CREATE INDEX proto_props_index ON cfurl_cache_blob_data(entry_ID);
CREATE INDEX receiver_data_index ON cfurl_cache_receiver_data(entry_ID);
"""

FAVICONS = """
CREATE TABLE icon_info (uuid TEXT NOT NULL PRIMARY KEY, url TEXT NOT NULL, timestamp REAL,
    width INTEGER, height INTEGER, has_generated_representations INTEGER);
CREATE TABLE page_url (uuid TEXT NOT NULL, url TEXT NOT NULL PRIMARY KEY);
CREATE TABLE rejected_resources (page_url TEXT NOT NULL, icon_url TEXT NOT NULL,
    timestamp REAL);
"""


def analytics_db(events: Sequence[tuple[str, float | None, dict[str, Any] | None]]
                 ) -> Callable[[sqlite3.Connection], None]:
    """(table, unix time or None, plist dict or None) per row."""
    def fill(db: sqlite3.Connection) -> None:
        db.executescript(ANALYTICS)
        for table, when, data in events:
            blob = plistlib.dumps(data, fmt=plistlib.FMT_BINARY) if data is not None else None
            db.execute(f"INSERT INTO {table} (timestamp, data) VALUES (?, ?)", (when, blob))
    return fill


def cache_db(requests: Sequence[tuple[str, float]]) -> Callable[[sqlite3.Connection], None]:
    """(URL, unix time) per cached response."""
    def fill(db: sqlite3.Connection) -> None:
        db.executescript(CACHE_DB)
        db.execute("INSERT INTO cfurl_cache_schema_version VALUES (202)")
        for number, (url, when) in enumerate(requests, start=1):
            stamp = dt.datetime.fromtimestamp(when, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
            db.execute("INSERT INTO cfurl_cache_response (version, hash_value, storage_policy, "
                       "request_key, time_stamp, partition) VALUES (0, ?, 0, ?, ?, NULL)",
                       (number * 7919, url, stamp))
            db.execute("INSERT INTO cfurl_cache_blob_data VALUES (?, x'00', x'00', NULL, NULL)",
                       (number,))
    return fill


def favicons_db(icons: Sequence[tuple[str, str, float]],
                rejected: Sequence[tuple[str, str, float]] = ()
                ) -> Callable[[sqlite3.Connection], None]:
    """(page URL, icon URL, unix time) per icon and per rejected icon."""
    def fill(db: sqlite3.Connection) -> None:
        db.executescript(FAVICONS)
        for number, (page, icon, when) in enumerate(icons):
            uuid = f"{number:08X}-0000-4000-8000-000000000000"
            db.execute("INSERT INTO icon_info VALUES (?, ?, ?, 32, 32, 0)",
                       (uuid, icon, cocoa_s(when)))
            db.execute("INSERT INTO page_url VALUES (?, ?)", (uuid, page))
        for page, icon, when in rejected:
            db.execute("INSERT INTO rejected_resources VALUES (?, ?, ?)",
                       (page, icon, cocoa_s(when)))
    return fill


def analytics_journal(unix: float, os_version: str, offset: str = "+0200") -> bytes:
    sign = 1 if offset[0] == "+" else -1
    zone = dt.timezone(sign * dt.timedelta(hours=int(offset[1:3]), minutes=int(offset[3:])))
    stamp = dt.datetime.fromtimestamp(unix, zone).strftime("%Y-%m-%d %H:%M:%S.00 ") + offset
    header = {"timestamp": stamp, "os_version": os_version, "bug_type": "211",
              "incident_id": "9D0C1B2A-0000-4000-8000-00000000000A"}
    return (json.dumps(header) + "\n" + json.dumps({"_marker": "<metadata>"}) + "\n").encode()
