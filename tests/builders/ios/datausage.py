"""DataUsage.sqlite as the wireless stack's CoreData store writes it, in two generations.

Tables as dumped from devices (the plaso `ios_datausage` plugin's schema, mvt-project/mvt#531
for the newer ZLIVEUSAGE without Wi-Fi counters), plus CoreData's own `Z_PRIMARYKEY`,
`Z_METADATA` and `Z_MODELCACHE` and the index CoreData creates for the to-one relationship.
Times are Cocoa seconds (REAL), counters are bytes stored as FLOAT.

Unconfirmed details: the Z_ENT numbers (1 = LiveUsage, 2 = Process, alphabetical as CoreData
usually assigns them) and the Z_METADATA plist keys are typical CoreData values, not copied
from a device; Z_MODELCACHE holds a stand-in blob (the real one is a compressed model).
"""

from __future__ import annotations

import plistlib
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from tests.builders.timestamps import cocoa_s

ZPROCESS = ("CREATE TABLE ZPROCESS ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, "
            "ZFIRSTTIMESTAMP TIMESTAMP, ZTIMESTAMP TIMESTAMP, ZBUNDLENAME VARCHAR, "
            "ZPROCNAME VARCHAR )")
ZLIVEUSAGE_WITH_WIFI = (
    "CREATE TABLE ZLIVEUSAGE ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, "
    "ZKIND INTEGER, ZMETADATA INTEGER, ZTAG INTEGER, ZHASPROCESS INTEGER, "
    "ZBILLCYCLEEND TIMESTAMP, ZTIMESTAMP TIMESTAMP, ZWIFIIN FLOAT, ZWIFIOUT FLOAT, "
    "ZWWANIN FLOAT, ZWWANOUT FLOAT )")
# Recent iOS (seen with iOS 17/18 backups): the Wi-Fi counters are gone.
ZLIVEUSAGE_CELLULAR_ONLY = (
    "CREATE TABLE ZLIVEUSAGE ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, "
    "ZKIND INTEGER, ZMETADATA INTEGER, ZTAG INTEGER, ZHASPROCESS INTEGER, "
    "ZBILLCYCLEEND TIMESTAMP, ZTIMESTAMP TIMESTAMP, ZWWANIN FLOAT, ZWWANOUT FLOAT )")
COREDATA = """
CREATE INDEX ZLIVEUSAGE_ZHASPROCESS_INDEX ON ZLIVEUSAGE (ZHASPROCESS);
CREATE TABLE Z_PRIMARYKEY (Z_ENT INTEGER PRIMARY KEY, Z_NAME VARCHAR, Z_SUPER INTEGER, Z_MAX INTEGER);
CREATE TABLE Z_METADATA (Z_VERSION INTEGER PRIMARY KEY, Z_UUID VARCHAR(255), Z_PLIST BLOB);
CREATE TABLE Z_MODELCACHE (Z_CONTENT BLOB);
"""
LIVE_USAGE_ENT = 1
PROCESS_ENT = 2
STORE_UUID = "6A0F4C1E-2B7D-4E59-9C3A-1D8E5F70B2A4"


@dataclass(frozen=True)
class Process:
    """A ZPROCESS row; times are unix seconds (None = NULL)."""

    pk: int
    name: str | None
    bundle: str | None = None
    first_seen: float | None = None
    last_seen: float | None = None


@dataclass(frozen=True)
class Usage:
    """A ZLIVEUSAGE row; `process` is ZHASPROCESS (may name a deleted process, or be None)."""

    pk: int
    process: int | None
    unix_time: float | None
    wifi_in: float = 0.0
    wifi_out: float = 0.0
    wwan_in: float = 0.0
    wwan_out: float = 0.0


def _metadata_plist() -> bytes:
    hashes = {"LiveUsage": bytes(range(32)), "Process": bytes(range(32, 64))}
    return plistlib.dumps({
        "NSPersistenceFrameworkVersion": 1338,
        "NSStoreModelVersionHashes": hashes,
        "NSStoreModelVersionHashesVersion": 3,
        "NSStoreModelVersionIdentifiers": [""],
        "NSStoreType": "SQLite",
        "NSStoreUUID": STORE_UUID,
        "_NSAutoVacuumLevel": "2",
    }, fmt=plistlib.FMT_BINARY)


def create_schema(db: sqlite3.Connection, *, wifi: bool = True) -> None:
    """The empty store: both entity tables and CoreData's bookkeeping tables."""
    db.execute(ZPROCESS)
    db.execute(ZLIVEUSAGE_WITH_WIFI if wifi else ZLIVEUSAGE_CELLULAR_ONLY)
    db.executescript(COREDATA)
    db.execute("INSERT INTO Z_METADATA VALUES (1, ?, ?)", (STORE_UUID, _metadata_plist()))
    db.execute("INSERT INTO Z_MODELCACHE VALUES (?)", (b"\x00" * 64,))


def _process_row(p: Process) -> tuple[object, ...]:
    first = cocoa_s(p.first_seen) if p.first_seen is not None else None
    last = cocoa_s(p.last_seen) if p.last_seen is not None else None
    return (p.pk, PROCESS_ENT, 1, first, last, p.bundle, p.name)


def _usage_row(u: Usage, wifi: bool) -> tuple[object, ...]:
    when = cocoa_s(u.unix_time) if u.unix_time is not None else None
    head = (u.pk, LIVE_USAGE_ENT, 1, 0, 0, 0, u.process, None, when)
    if wifi:
        return (*head, u.wifi_in, u.wifi_out, u.wwan_in, u.wwan_out)
    return (*head, u.wwan_in, u.wwan_out)


def _insert(db: sqlite3.Connection, processes: Iterator[tuple[object, ...]],
            usage: Iterator[tuple[object, ...]], wifi: bool) -> None:
    db.executemany("INSERT INTO ZPROCESS VALUES (?, ?, ?, ?, ?, ?, ?)", processes)
    marks = ", ".join("?" * (13 if wifi else 11))
    db.executemany(f"INSERT INTO ZLIVEUSAGE VALUES ({marks})", usage)


def _set_primary_keys(db: sqlite3.Connection, process_max: int | None) -> None:
    """Z_PRIMARYKEY as CoreData keeps it: the last issued key per entity (≥ the largest)."""
    (usage_max,) = db.execute("SELECT coalesce(max(Z_PK), 0) FROM ZLIVEUSAGE").fetchone()
    (largest,) = db.execute("SELECT coalesce(max(Z_PK), 0) FROM ZPROCESS").fetchone()
    top = largest if process_max is None else process_max
    db.executemany("INSERT INTO Z_PRIMARYKEY VALUES (?, ?, 0, ?)",
                   [(LIVE_USAGE_ENT, "LiveUsage", usage_max), (PROCESS_ENT, "Process", top)])


def datausage_db(processes: Sequence[Process], usage: Sequence[Usage], *, wifi: bool = True,
                 process_max: int | None = None) -> Callable[[sqlite3.Connection], None]:
    """A fill function for BackupBuilder.add_sqlite.

    `process_max` sets Z_PRIMARYKEY.Z_MAX for Process (default: the largest Z_PK present),
    so that rows deleted from the end of the range can be simulated.
    """
    def fill(db: sqlite3.Connection) -> None:
        create_schema(db, wifi=wifi)
        _insert(db, (_process_row(p) for p in processes),
                (_usage_row(u, wifi) for u in usage), wifi)
        _set_primary_keys(db, process_max)
    return fill


T0 = 1_709_154_845.0  # 2024-02-28T21:14:05Z

# The standard fixture: every case the artifact and its heuristics must see.
STANDARD_PROCESSES = (
    Process(1, "nehelper", None, T0, T0 + 3_600),
    Process(2, "com.apple.WebKit.WebContent", None, T0 + 10, T0 + 7_200),
    Process(3, "powerd/com.apple.datausage.diagnostics", None, None, T0 + 60),  # NULL first
    # 4 deleted (its traffic row 4 remains: the Pegasus pattern)
    Process(5, "MobileSafari", "com.apple.mobilesafari", None, None),  # no times, no traffic
    # 6 and 7 deleted without traces
    Process(8, "BackupAgent", None, T0 + 500, T0 + 560),
    Process(9, "WhatsApp", "net.whatsapp.WhatsApp", T0 + 1_000, T0 + 9_000),
)
STANDARD_USAGE = (
    Usage(1, 1, T0 + 3_600, 1_024.0, 2_048.0, 0.0, 0.0),
    Usage(2, 2, T0 + 7_200, 5_000_000.0, 250_000.0, 12_345.0, 678.0),
    Usage(3, 3, None, 0.0, 0.0, 512.0, 256.0),  # NULL time
    Usage(4, 4, T0 + 300, 0.0, 0.0, 88_000.0, 4_096.0),  # orphan: process 4 is gone
    Usage(5, 8, T0 + 560, 0.0, 0.0, 2_000.0, 1_000.0),
    Usage(6, 9, T0 + 9_000, 40_000.0, 20_000.0, 3_000.0, 1_500.0),
    Usage(7, 9, T0 + 9_500, 10.0, 20.0, 30.0, 40.0),  # a second traffic row for WhatsApp
    Usage(8, None, T0 + 9_600, 0.0, 0.0, 100.0, 50.0),  # linked to no process
)
STANDARD_PROCESS_MAX = 11  # 10 and 11 issued, then deleted from the end


def standard_db(*, wifi: bool = True) -> Callable[[sqlite3.Connection], None]:
    return datausage_db(STANDARD_PROCESSES, STANDARD_USAGE, wifi=wifi,
                        process_max=STANDARD_PROCESS_MAX)


def bulk_datausage(processes: int, *, usage_per_process: int = 1, wifi: bool = True,
                   deleted_every: int = 0, start: float = T0
                   ) -> Callable[[sqlite3.Connection], None]:
    """A fill function with `processes` process ids and their traffic rows, for benchmarks.

    Rows are generated lazily and inserted with `executemany`, so 100k+ rows take seconds.
    With `deleted_every` = k, every k-th process row is left out while its traffic rows stay
    (orphans and gaps, as after Pegasus's clean-up).
    """
    def process_rows() -> Iterator[tuple[object, ...]]:
        for pk in range(1, processes + 1):
            if deleted_every and pk % deleted_every == 0:
                continue
            first = cocoa_s(start + pk)
            yield (pk, PROCESS_ENT, 1, first, first + 3_600, None if pk % 3 else
                   f"com.example.app{pk}", f"proc{pk % 100_000:05d}")

    def usage_rows() -> Iterator[tuple[object, ...]]:
        pk = 0
        for process in range(1, processes + 1):
            for n in range(usage_per_process):
                pk += 1
                head = (pk, LIVE_USAGE_ENT, 1, 0, 0, 0, process, None,
                        cocoa_s(start + process + n))
                counters = (float(pk), float(pk * 2), float(pk * 3), float(pk * 4))
                yield (*head, *counters) if wifi else (*head, *counters[2:])

    def fill(db: sqlite3.Connection) -> None:
        db.execute("PRAGMA synchronous = OFF")
        create_schema(db, wifi=wifi)
        _insert(db, process_rows(), usage_rows(), wifi)
        _set_primary_keys(db, processes)
    return fill
