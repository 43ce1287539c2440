from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

import perito.analysis  # noqa: F401  (registers the heuristics)
from perito.artifacts.base import SchemaMismatch
from perito.artifacts.ios.datausage import (
    ARTIFACT,
    DataUsageMissingProcesses,
    DataUsageOrphanUsage,
    DataUsageProcess,
)
from perito.detections import analyse
from perito.levels import Level
from perito.records import Kind, Record, from_dict, observables, to_dict
from perito.timestamps import TimeState
from tests.builders.ios.datausage import (
    T0,
    Process,
    Usage,
    bulk_datausage,
    datausage_db,
    standard_db,
)
from tests.builders.ios.tcc import NEW_GRANTS, tcc_db
from tests.builders.ios_backup import BackupBuilder, build_sqlite
from tests.helpers import extract

DB = "Library/Databases/DataUsage.sqlite"


def _backup(tmp_path: Path, fill: Callable[[sqlite3.Connection], None],
            relative_path: str = DB) -> Path:
    builder = BackupBuilder()
    builder.add_sqlite("WirelessDomain", relative_path, fill)
    return builder.write(tmp_path / "backup")


def _split(records: list[Record]) -> tuple[list[DataUsageProcess], list[DataUsageOrphanUsage],
                                           list[DataUsageMissingProcesses]]:
    return ([r for r in records if isinstance(r, DataUsageProcess)],
            [r for r in records if isinstance(r, DataUsageOrphanUsage)],
            [r for r in records if isinstance(r, DataUsageMissingProcesses)])


def _findings(record: Record) -> list[tuple[str, Level, str]]:
    return [(d.finding, d.level, d.message) for d in analyse(record, ARTIFACT.id, ARTIFACT.slug)]


def test_processes_joined_with_their_traffic(tmp_path: Path) -> None:
    records, notes = extract(_backup(tmp_path, standard_db()), ARTIFACT)
    processes, _, _ = _split(records)
    assert [(p.process_id, p.live_id) for p in processes] == [
        (1, 1), (2, 2), (3, 3), (5, None), (8, 5), (9, 6), (9, 7)]
    webkit = processes[1]
    assert webkit.process_name == "com.apple.WebKit.WebContent"
    assert webkit.bundle_id == ""
    assert webkit.first_timestamp.iso() == "2024-02-28T21:14:15.000000+00:00"
    assert webkit.timestamp.iso() == "2024-02-28T23:14:05.000000+00:00"
    assert webkit.live_timestamp.iso() == "2024-02-28T23:14:05.000000+00:00"
    assert (webkit.wifi_in, webkit.wifi_out, webkit.wwan_in, webkit.wwan_out) == (
        5_000_000.0, 250_000.0, 12_345.0, 678.0)
    assert webkit.source == "WirelessDomain/Library/Databases/DataUsage.sqlite"
    assert not notes


def test_each_time_column_is_decoded_on_its_own(tmp_path: Path) -> None:
    records, _ = extract(_backup(tmp_path, standard_db()), ARTIFACT)
    by_id = {p.process_id: p for p in _split(records)[0]}
    powerd = by_id[3]  # NULL first timestamp, set last timestamp, NULL traffic time
    assert powerd.first_timestamp.state is TimeState.UNSET
    assert powerd.timestamp.state is TimeState.OK
    assert powerd.live_timestamp.state is TimeState.UNSET
    safari = by_id[5]  # no times at all, no traffic row
    assert safari.first_timestamp.state is TimeState.UNSET
    assert safari.timestamp.state is TimeState.UNSET
    assert safari.live_id is None and safari.wwan_in is None
    assert safari.bundle_id == "com.apple.mobilesafari"
    assert safari.describe() == ("Process MobileSafari (com.apple.mobilesafari) used the "
                                 "network; no traffic row")


def test_observables_include_the_name_identifier_form(tmp_path: Path) -> None:
    records, _ = extract(_backup(tmp_path, standard_db()), ARTIFACT)
    found = {(kind, value) for r in records for _n, kind, value in observables(r)}
    assert (Kind.PROCESS, "powerd/com.apple.datausage.diagnostics") in found
    assert (Kind.APP_ID, "net.whatsapp.WhatsApp") in found
    assert (Kind.PROCESS, "BackupAgent") in found


def test_orphaned_traffic_rows(tmp_path: Path) -> None:
    records, _ = extract(_backup(tmp_path, standard_db()), ARTIFACT)
    orphans = _split(records)[1]
    assert [(o.live_id, o.process_id) for o in orphans] == [(4, 4), (8, None)]
    assert orphans[0].wwan_in == 88_000.0
    assert orphans[0].live_timestamp.iso() == "2024-02-28T21:19:05.000000+00:00"
    assert orphans[0].describe() == ("DataUsage traffic row 4 of process 4, whose record is "
                                     "missing: Wi-Fi in 0 B, out 0 B; cellular in 88000 B, "
                                     "out 4096 B")


def test_gaps_and_keys_issued_after_the_last_row(tmp_path: Path) -> None:
    records, _ = extract(_backup(tmp_path, standard_db()), ARTIFACT)
    missing = _split(records)[2]
    assert [(m.first_missing_id, m.last_missing_id, m.missing_count, m.found_by)
            for m in missing] == [(4, 4, 1, "gap"), (6, 7, 2, "gap"),
                                  (10, 11, 2, "primary_key_max")]
    gap = missing[1]
    assert (gap.previous_process_id, gap.previous_process_name) == (5, "MobileSafari")
    assert gap.previous_first_timestamp.state is TimeState.UNSET  # MobileSafari has no time
    assert gap.next_process_id == 8
    assert gap.next_first_timestamp.iso() == "2024-02-28T21:22:25.000000+00:00"
    first = missing[0]
    assert first.previous_process_name == "powerd/com.apple.datausage.diagnostics"
    tail = missing[2]
    assert (tail.previous_process_id, tail.primary_key_max) == (9, 11)
    assert tail.previous_first_timestamp.iso() == "2024-02-28T21:30:45.000000+00:00"
    assert tail.describe() == ("DataUsage process ids 10–11 missing (2 rows), created after "
                               "process 9 WhatsApp; Z_PRIMARYKEY.Z_MAX is 11")


def test_cellular_only_generation(tmp_path: Path) -> None:
    records, notes = extract(_backup(tmp_path, standard_db(wifi=False)), ARTIFACT)
    processes, orphans, missing = _split(records)
    assert len(processes) == 7 and len(orphans) == 2 and len(missing) == 3
    webkit = processes[1]
    assert (webkit.wifi_in, webkit.wifi_out) == (None, None)
    assert (webkit.wwan_in, webkit.wwan_out) == (12_345.0, 678.0)
    assert webkit.describe() == ("Process com.apple.WebKit.WebContent used the network: "
                                 "cellular in 12345 B, out 678 B")
    assert any("no Wi-Fi counters" in n for n in notes)


def test_records_round_trip(tmp_path: Path) -> None:
    for wifi in (True, False):
        records, _ = extract(_backup(tmp_path / str(wifi), standard_db(wifi=wifi)), ARTIFACT)
        assert records
        for record in records:
            assert from_dict(to_dict(record)) == record


def test_watch_database_is_read_too(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_sqlite("WirelessDomain", DB, datausage_db([Process(1, "nehelper")], []))
    builder.add_sqlite("WirelessDomain", "Library/Databases/DataUsage-watch.sqlite",
                       datausage_db([Process(1, "nanoappd")], []))
    records, _ = extract(builder.write(tmp_path / "backup"), ARTIFACT)
    assert sorted(r.process_name for r in records if isinstance(r, DataUsageProcess)) == [
        "nanoappd", "nehelper"]


def test_no_tail_record_when_z_max_equals_the_largest_key(tmp_path: Path) -> None:
    fill = datausage_db([Process(1, "a", None, T0), Process(2, "b", None, T0)],
                        [Usage(1, 1, T0)])
    records, _ = extract(_backup(tmp_path, fill), ARTIFACT)
    assert _split(records)[1:] == ([], [])


def test_empty_process_table_with_issued_keys(tmp_path: Path) -> None:
    records, _ = extract(_backup(tmp_path, datausage_db([], [], process_max=3)), ARTIFACT)
    (missing,) = records
    assert isinstance(missing, DataUsageMissingProcesses)
    assert (missing.first_missing_id, missing.last_missing_id, missing.previous_process_id) == (
        1, 3, None)
    assert _findings(missing) == [("datausage-missing-process", Level.LOW,
                                   "Missing processes 1–3 (3) (Z_PRIMARYKEY.Z_MAX = 3)")]


def test_store_without_primary_key_table(tmp_path: Path) -> None:
    def fill(db: sqlite3.Connection) -> None:
        datausage_db([Process(1, "a"), Process(3, "c")], [])(db)
        db.execute("DROP TABLE Z_PRIMARYKEY")

    records, _ = extract(_backup(tmp_path, fill), ARTIFACT)
    assert [(m.first_missing_id, m.found_by) for m in _split(records)[2]] == [(2, "gap")]


def test_bulk_builder_streams_large_stores(tmp_path: Path) -> None:
    fill = bulk_datausage(2_000, deleted_every=100)
    records, _ = extract(_backup(tmp_path, fill), ARTIFACT)
    processes, orphans, missing = _split(records)
    assert len(processes) == 1_980
    assert len(orphans) == 20
    assert [m.found_by for m in missing].count("gap") == 19
    assert missing[-1].found_by == "primary_key_max"
    assert (missing[-1].first_missing_id, missing[-1].last_missing_id) == (2_000, 2_000)


def test_bulk_builder_cellular_only(tmp_path: Path) -> None:
    records, _ = extract(_backup(tmp_path, bulk_datausage(50, usage_per_process=2, wifi=False)),
                         ARTIFACT)
    processes = _split(records)[0]
    assert len(processes) == 100
    assert all(p.wifi_in is None for p in processes)


def test_foreign_database_is_a_schema_mismatch(tmp_path: Path) -> None:
    root = _backup(tmp_path, tcc_db("ios14", NEW_GRANTS))
    with pytest.raises(SchemaMismatch) as raised:
        extract(root, ARTIFACT)
    assert "ZPROCESS" in raised.value.missing


def test_corrupt_database(tmp_path: Path) -> None:
    main, _ = build_sqlite(standard_db())
    damaged = main[:100] + b"\xa5" * (len(main) - 100)
    builder = BackupBuilder()
    builder.add_file("WirelessDomain", DB, damaged)
    with pytest.raises(sqlite3.DatabaseError):
        extract(builder.write(tmp_path / "backup"), ARTIFACT)


# -- heuristics -----------------------------------------------------------------------------

def test_orphan_with_a_deleted_process_is_high(tmp_path: Path) -> None:
    records, _ = extract(_backup(tmp_path, standard_db()), ARTIFACT)
    orphans = _split(records)[1]
    assert _findings(orphans[0]) == [(
        "datausage-process-record-deleted", Level.HIGH,
        "Traffic row 4 belongs to process 4, whose record was deleted (process record "
        "deleted)")]
    assert _findings(orphans[1]) == [(
        "datausage-traffic-without-process", Level.LOW, "Traffic row 8 is linked to no process")]


def test_missing_processes_are_low_one_per_missing_id(tmp_path: Path) -> None:
    """One record per run of missing keys, one LOW finding per key in it, as the incumbent's
    "Missing process N" alerts (a run beyond the last row is one finding)."""
    records, _ = extract(_backup(tmp_path, standard_db()), ARTIFACT)
    messages = [_findings(m) for m in _split(records)[2]]
    assert messages == [
        [("datausage-missing-process", Level.LOW,
          "Missing process 4, after powerd/com.apple.datausage.diagnostics")],
        [("datausage-missing-process", Level.LOW, "Missing process 6, after MobileSafari"),
         ("datausage-missing-process", Level.LOW, "Missing process 7, after MobileSafari")],
        [("datausage-missing-process", Level.LOW, "Missing processes 10–11 (2), after WhatsApp "
          "(Z_PRIMARYKEY.Z_MAX = 11)")],
    ]
    detection = next(iter(analyse(_split(records)[2][2], ARTIFACT.id, ARTIFACT.slug)))
    assert detection.module == "datausage"
    assert detection.event_time is not None  # WhatsApp's first timestamp
    assert detection.event_time.iso() == "2024-02-28T21:30:45.000000+00:00"


def test_backupagent_on_the_network_is_high(tmp_path: Path) -> None:
    records, _ = extract(_backup(tmp_path, standard_db()), ARTIFACT)
    flagged = [(r.process_id, _findings(r)) for r in _split(records)[0] if _findings(r)]
    assert flagged == [(8, [("datausage-backupagent", Level.HIGH,
                             "Process BackupAgent used the network (Operation Triangulation "
                             "indicator)")])]


@pytest.mark.parametrize(("name", "flagged"), [
    ("BackupAgent", True),
    ("BackupAgent/com.apple.datausage.backup", True),
    ("BackupAgent2", False),
    ("backupagent", False),
    ("com.apple.BackupAgent", False),
    ("", False),
])
def test_backupagent_name_forms(name: str, flagged: bool) -> None:
    record = DataUsageProcess(process_id=1, process_name=name)
    assert bool(_findings(record)) is flagged


def test_ordinary_records_raise_nothing() -> None:
    assert _findings(DataUsageProcess(process_id=1, process_name="nehelper")) == []
    assert _findings(DataUsageMissingProcesses(missing_count=0)) == []
