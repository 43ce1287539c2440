"""DataUsage.sqlite: per-process network use recorded by the wireless stack (ios.md §5.14).

`WirelessDomain/Library/Databases/DataUsage.sqlite` (and `DataUsage-watch.sqlite` for a paired
watch) is a CoreData store: `ZPROCESS` holds one row per process that used the network
(`ZPROCNAME` as the kernel saw it, truncated to 16 characters by XNU's MAXCOMLEN, or
`name/identifier` such as `powerd/com.apple.datausage.diagnostics`; `ZBUNDLENAME`;
`ZFIRSTTIMESTAMP` and `ZTIMESTAMP`, Cocoa seconds), `ZLIVEUSAGE` its traffic counters
(`ZHASPROCESS` → `ZPROCESS.Z_PK`, `ZTIMESTAMP`, bytes in `ZWWANIN/OUT` and, before recent iOS,
`ZWIFIIN/OUT`), and `Z_PRIMARYKEY.Z_MAX` the last primary key CoreData issued per entity.

Three record types, all raw (findings are the heuristics of `perito.analysis.datausage`):

- `DataUsageProcess`: each ZPROCESS row with each of its ZLIVEUSAGE rows (or none).
- `DataUsageOrphanUsage`: a ZLIVEUSAGE row whose process row is gone. Pegasus deleted its own
  ZPROCESS rows and left such traffic rows behind (Amnesty, 2021).
- `DataUsageMissingProcesses`: a run of ZPROCESS primary keys that were issued but are absent,
  inside min..max(Z_PK) or between max(Z_PK) and Z_PRIMARYKEY.Z_MAX. CoreData keys grow
  monotonically, so each run is deleted rows; the incumbent checks only the first kind and
  appends placeholder rows instead of keeping the finding apart.

The incumbent converts the two ZPROCESS times only when both are set; here each column is
decoded on its own. Recent iOS dropped the Wi-Fi columns (mvt-project/mvt#531), so queries are
built from the columns present.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from perito.artifacts.base import Artifact, Context, SchemaMismatch, timestamp
from perito.artifacts.sql import col, has
from perito.records import Kind, Record, assembler, observable, register_record, timeline
from perito.sources.locations import BackupFile, FsGlob
from perito.sources.sqlite import missing_from, schema
from perito.timestamps import Encoding, Timestamp, decoder, unset

IDENTIFY: dict[str, list[str]] = {"ZPROCESS": ["Z_PK", "ZPROCNAME"],
                                  "ZLIVEUSAGE": ["Z_PK", "ZHASPROCESS"]}
PROCESS_ENTITY = "Process"  # Z_PRIMARYKEY.Z_NAME of the ZPROCESS table

Number = int | float


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class DataUsageProcess(Record):
    """A ZPROCESS row joined with one of its ZLIVEUSAGE rows (live fields None when none)."""

    process_id: int | None = None  # ZPROCESS.Z_PK
    process_name: str = field(default="", metadata=observable(Kind.PROCESS))
    bundle_id: str = field(default="", metadata=observable(Kind.APP_ID))
    first_timestamp: Timestamp = field(default=unset(Encoding.COCOA_S),
                                       metadata=timeline("DataUsage: first network use"))
    timestamp: Timestamp = field(default=unset(Encoding.COCOA_S),
                                 metadata=timeline("DataUsage: latest network use"))
    live_id: int | None = None  # ZLIVEUSAGE.Z_PK
    live_timestamp: Timestamp = field(default=unset(Encoding.COCOA_S),
                                      metadata=timeline("DataUsage: traffic counted"))
    wifi_in: Number | None = None  # bytes; None when the column is absent (recent iOS)
    wifi_out: Number | None = None
    wwan_in: Number | None = None
    wwan_out: Number | None = None

    record_name = "DataUsage process"

    def describe(self) -> str:
        name = self.process_name or "(no name)"
        text = f"Process {name}"
        if self.bundle_id:
            text += f" ({self.bundle_id})"
        if self.live_id is None:
            return text + " used the network; no traffic row"
        return text + " used the network: " + _traffic(self.wifi_in, self.wifi_out,
                                                        self.wwan_in, self.wwan_out)


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class DataUsageOrphanUsage(Record):
    """A ZLIVEUSAGE row whose ZHASPROCESS names no existing ZPROCESS row (or is NULL)."""

    live_id: int | None = None  # ZLIVEUSAGE.Z_PK
    process_id: int | None = None  # ZLIVEUSAGE.ZHASPROCESS, the deleted process's Z_PK
    live_timestamp: Timestamp = field(
        default=unset(Encoding.COCOA_S),
        metadata=timeline("DataUsage: traffic of a process whose record is gone"))
    wifi_in: Number | None = None
    wifi_out: Number | None = None
    wwan_in: Number | None = None
    wwan_out: Number | None = None

    record_name = "DataUsage traffic without process"

    def describe(self) -> str:
        owner = ("no process" if self.process_id is None
                 else f"process {self.process_id}, whose record is missing")
        return (f"DataUsage traffic row {self.live_id} of {owner}: "
                + _traffic(self.wifi_in, self.wifi_out, self.wwan_in, self.wwan_out))


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class DataUsageMissingProcesses(Record):
    """A run of ZPROCESS primary keys that CoreData issued and that are no longer there.

    `found_by` is "gap" (inside min..max of Z_PK) or "primary_key_max" (between the largest
    Z_PK and Z_PRIMARYKEY.Z_MAX). The missing rows were created after the previous process
    was first seen and before the next one was.
    """

    first_missing_id: int = 0
    last_missing_id: int = 0
    missing_count: int = 0
    found_by: str = "gap"
    previous_process_id: int | None = None
    previous_process_name: str | None = None
    previous_first_timestamp: Timestamp = field(
        default=unset(Encoding.COCOA_S),
        metadata=timeline("DataUsage: deleted process rows created after"))
    next_process_id: int | None = None
    next_first_timestamp: Timestamp = field(default=unset(Encoding.COCOA_S))
    primary_key_max: int | None = None  # Z_PRIMARYKEY.Z_MAX, when read

    record_name = "DataUsage missing processes"

    def describe(self) -> str:
        ids = (str(self.first_missing_id) if self.missing_count == 1
               else f"{self.first_missing_id}–{self.last_missing_id}")
        text = f"DataUsage process ids {ids} missing ({self.missing_count} rows)"
        if self.previous_process_id is not None:
            name = self.previous_process_name or "(no name)"
            text += f", created after process {self.previous_process_id} {name}"
        if self.found_by == "primary_key_max":
            text += f"; Z_PRIMARYKEY.Z_MAX is {self.primary_key_max}"
        return text


def _traffic(wifi_in: Number | None, wifi_out: Number | None, wwan_in: Number | None,
             wwan_out: Number | None) -> str:
    parts = [f"cellular in {_amount(wwan_in)} B, out {_amount(wwan_out)} B"]
    if wifi_in is not None or wifi_out is not None:
        parts.insert(0, f"Wi-Fi in {_amount(wifi_in)} B, out {_amount(wifi_out)} B")
    return "; ".join(parts)


def _amount(value: Number | None) -> str:
    if value is None:
        return "?"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# -- reading --------------------------------------------------------------------------------

_COUNTERS = (("ZWIFIIN", "wifi_in"), ("ZWIFIOUT", "wifi_out"),
             ("ZWWANIN", "wwan_in"), ("ZWWANOUT", "wwan_out"))


def _usage_columns(found: Mapping[str, set[str]]) -> str:
    columns = [col(found, "ZLIVEUSAGE", "ZTIMESTAMP", "live_timestamp", prefix="u")]
    columns += [col(found, "ZLIVEUSAGE", name, alias, prefix="u") for name, alias in _COUNTERS]
    return ", ".join(columns)


def process_query(found: Mapping[str, set[str]]) -> str:
    """Every process with each of its traffic rows; processes without one appear once."""
    process = ", ".join([
        col(found, "ZPROCESS", "ZBUNDLENAME", "bundle_id", prefix="p"),
        col(found, "ZPROCESS", "ZFIRSTTIMESTAMP", "first_timestamp", prefix="p"),
        col(found, "ZPROCESS", "ZTIMESTAMP", "timestamp", prefix="p"),
    ])
    return (f'SELECT p.Z_PK AS process_id, p.ZPROCNAME AS process_name, {process}, '
            f'u.Z_PK AS live_id, {_usage_columns(found)} '
            'FROM ZPROCESS p LEFT JOIN ZLIVEUSAGE u ON u.ZHASPROCESS = p.Z_PK '
            'ORDER BY p.Z_PK, u.Z_PK')


def orphan_query(found: Mapping[str, set[str]]) -> str:
    """Traffic rows whose process row does not exist (a NULL link included)."""
    return (f'SELECT u.Z_PK AS live_id, u.ZHASPROCESS AS process_id, {_usage_columns(found)} '
            'FROM ZLIVEUSAGE u WHERE NOT EXISTS '
            '(SELECT 1 FROM ZPROCESS p WHERE p.Z_PK = u.ZHASPROCESS) ORDER BY u.Z_PK')


def gap_query(found: Mapping[str, set[str]]) -> str:
    """Each pair of consecutive Z_PKs more than 1 apart, with the processes either side.

    Window functions keep this one ordered scan in SQLite, whatever the table's size.
    """
    first = "ZFIRSTTIMESTAMP" if has(found, "ZPROCESS", "ZFIRSTTIMESTAMP") else "NULL"
    return ('SELECT prev_pk, prev_name, prev_first, pk, first FROM ('
            f'SELECT Z_PK AS pk, {first} AS first, '
            'LAG(Z_PK) OVER w AS prev_pk, LAG(ZPROCNAME) OVER w AS prev_name, '
            f'LAG({first}) OVER w AS prev_first '
            "FROM ZPROCESS WHERE typeof(Z_PK) = 'integer' WINDOW w AS (ORDER BY Z_PK)) "
            'WHERE pk - prev_pk > 1 ORDER BY pk')


def _last_process_query(found: Mapping[str, set[str]]) -> str:
    first = col(found, "ZPROCESS", "ZFIRSTTIMESTAMP", "first")
    return (f'SELECT Z_PK AS pk, ZPROCNAME AS name, {first} FROM ZPROCESS '
            "WHERE typeof(Z_PK) = 'integer' ORDER BY Z_PK DESC LIMIT 1")


def _primary_key_max(db: sqlite3.Connection, found: Mapping[str, set[str]]) -> int | None:
    """Z_PRIMARYKEY.Z_MAX of the process entity, by name or by the rows' Z_ENT."""
    if not has(found, "Z_PRIMARYKEY", "Z_MAX"):
        return None
    clauses: list[str] = []
    if has(found, "Z_PRIMARYKEY", "Z_NAME"):
        clauses.append(f"Z_NAME = '{PROCESS_ENTITY}'")
    if has(found, "Z_PRIMARYKEY", "Z_ENT") and has(found, "ZPROCESS", "Z_ENT"):
        clauses.append("Z_ENT IN (SELECT DISTINCT Z_ENT FROM ZPROCESS)")
    if not clauses:
        return None
    row = db.execute("SELECT MAX(Z_MAX) FROM Z_PRIMARYKEY "
                     f"WHERE typeof(Z_MAX) = 'integer' AND ({' OR '.join(clauses)})").fetchone()
    value = row[0] if row else None
    return value if isinstance(value, int) else None


def _int(value: Any) -> int | None:
    if type(value) is int:
        return value
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _number(value: Any) -> Number | None:
    if type(value) is float or value is None:  # the common cases first
        return value
    if isinstance(value, bool):
        return int(value)
    return value if isinstance(value, int | float) else None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def _counters(row: sqlite3.Row) -> dict[str, Number | None]:
    return {alias: _number(row[alias]) for _name, alias in _COUNTERS}


def _other_time(value: Any) -> Timestamp:
    return timestamp(value, Encoding.COCOA_S)


_time = decoder(Encoding.COCOA_S, _other_time)
_process = assembler(DataUsageProcess, (
    "source", "process_id", "process_name", "bundle_id", "first_timestamp", "timestamp",
    "live_id", "live_timestamp", "wifi_in", "wifi_out", "wwan_in", "wwan_out"))
_PROCESS_COLUMNS = ("process_id", "process_name", "bundle_id", "first_timestamp", "timestamp",
                    "live_id", "live_timestamp", "wifi_in", "wifi_out", "wwan_in", "wwan_out")


def _processes(db: sqlite3.Connection, found: Mapping[str, set[str]], source: str
               ) -> Iterator[Record]:
    cursor = db.cursor()
    cursor.row_factory = None  # plain tuples for the one large query
    cursor.execute(process_query(found))
    # Each column by the first result column of its name (as sqlite3.Row finds it).
    position = [column[0].lower() for column in cursor.description or ()].index
    (process_id, name, bundle_id, first, latest, live_id, live, wifi_in, wifi_out, wwan_in,
     wwan_out) = map(position, _PROCESS_COLUMNS)
    for row in cursor:
        yield _process((
            source, _int(row[process_id]), _text(row[name]), _text(row[bundle_id]),
            _time(row[first]), _time(row[latest]), _int(row[live_id]), _time(row[live]),
            _number(row[wifi_in]), _number(row[wifi_out]), _number(row[wwan_in]),
            _number(row[wwan_out])))


def _orphans(db: sqlite3.Connection, found: Mapping[str, set[str]], source: str
             ) -> Iterator[Record]:
    for row in db.execute(orphan_query(found)):
        yield DataUsageOrphanUsage(
            source=source, live_id=_int(row["live_id"]), process_id=_int(row["process_id"]),
            live_timestamp=timestamp(row["live_timestamp"], Encoding.COCOA_S),
            **_counters(row))


def _missing(db: sqlite3.Connection, found: Mapping[str, set[str]], source: str
             ) -> Iterator[Record]:
    for row in db.execute(gap_query(found)):
        previous, following = row["prev_pk"], row["pk"]
        yield DataUsageMissingProcesses(
            source=source, first_missing_id=previous + 1, last_missing_id=following - 1,
            missing_count=following - previous - 1, found_by="gap",
            previous_process_id=previous, previous_process_name=_text(row["prev_name"]),
            previous_first_timestamp=timestamp(row["prev_first"], Encoding.COCOA_S),
            next_process_id=following,
            next_first_timestamp=timestamp(row["first"], Encoding.COCOA_S))
    top = _primary_key_max(db, found)
    if top is None:
        return
    last = db.execute(_last_process_query(found)).fetchone()
    largest = last["pk"] if last is not None else 0
    if top <= largest:
        return
    yield DataUsageMissingProcesses(
        source=source, first_missing_id=largest + 1, last_missing_id=top,
        missing_count=top - largest, found_by="primary_key_max",
        previous_process_id=last["pk"] if last is not None else None,
        previous_process_name=_text(last["name"]) if last is not None else None,
        previous_first_timestamp=(timestamp(last["first"], Encoding.COCOA_S)
                                  if last is not None else unset(Encoding.COCOA_S)),
        primary_key_max=top)


def extract(ctx: Context) -> Iterator[Record]:
    """Processes, orphaned traffic rows, then missing process ids, from one DataUsage store."""
    with ctx.source.open_sqlite(ctx.evidence) as opened:
        if opened.wal_applied:
            ctx.warn("write-ahead log applied (read from a private copy)")
        db = opened.connection
        found = schema(db)
        missing = missing_from(found, IDENTIFY)
        if missing:
            raise SchemaMismatch(missing)
        if not has(found, "ZLIVEUSAGE", "ZWIFIIN"):
            ctx.warn("no Wi-Fi counters in this DataUsage version (cellular only)")
        db.row_factory = sqlite3.Row
        source = ctx.evidence.address
        yield from _processes(db, found, source)
        yield from _orphans(db, found, source)
        yield from _missing(db, found, source)


ARTIFACT = Artifact(
    id="ios.datausage.processes",
    title="Network use per process (DataUsage)",
    slug="datausage",
    plugin="Datausage",
    locations=(BackupFile("WirelessDomain", "Library/Databases/DataUsage.sqlite"),
               BackupFile("WirelessDomain", "Library/Databases/DataUsage-watch.sqlite"),
               FsGlob("private/var/wireless/Library/Databases/DataUsage.sqlite"),
               FsGlob("private/var/wireless/Library/Databases/DataUsage-watch.sqlite")),
    records=(DataUsageProcess, DataUsageOrphanUsage, DataUsageMissingProcesses),
    extract=extract,
    doc=__doc__ or "",
)
