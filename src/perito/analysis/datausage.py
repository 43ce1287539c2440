"""DataUsage heuristics: deleted process rows and BackupAgent on the network (ios.md §6, §7)."""

from __future__ import annotations

from collections.abc import Iterator

from perito.artifacts.ios.datausage import (
    DataUsageMissingProcesses,
    DataUsageOrphanUsage,
    DataUsageProcess,
)
from perito.detections import heuristic
from perito.levels import Level
from perito.records import Record

# Operation Triangulation's implant ran under this name; the binary is deprecated (its
# successor is BackupAgent2) and has no reason to use the network (Kaspersky triangle_check).
BACKUP_AGENT = "BackupAgent"


@heuristic(DataUsageOrphanUsage, "datausage-process-record-deleted", Level.HIGH,
           "Pegasus deleted its own ZPROCESS rows to hide, leaving orphaned traffic rows: a "
           "traffic row that names a process id with no row is what deleting records "
           "directly from the database leaves behind.")
def process_record_deleted(record: Record) -> Iterator[str]:
    assert isinstance(record, DataUsageOrphanUsage)
    if record.process_id is not None:
        yield (f"Traffic row {record.live_id} belongs to process {record.process_id}, "
               "whose record was deleted (process record deleted)")


@heuristic(DataUsageOrphanUsage, "datausage-traffic-without-process", Level.LOW,
           "A traffic row linked to no process cannot be attributed and may follow the "
           "deletion of its process; weaker than a dangling link, keep it for correlation.")
def traffic_without_process(record: Record) -> Iterator[str]:
    assert isinstance(record, DataUsageOrphanUsage)
    if record.process_id is None:
        yield f"Traffic row {record.live_id} is linked to no process"


@heuristic(DataUsageMissingProcesses, "datausage-missing-process", Level.LOW,
           "CoreData primary keys only grow, so an issued key without its row is a deleted "
           "process record. Legitimate clean-up deletes rows too: use it for correlation.")
def missing_process(record: Record) -> Iterator[str]:
    """One finding per missing key inside the keys' range, as the incumbent raises them; one
    for the keys issued after the last row (Z_PRIMARYKEY.Z_MAX), which it does not check."""
    assert isinstance(record, DataUsageMissingProcesses)
    if record.missing_count <= 0:
        return
    after = ""
    if record.previous_process_id is not None:
        after = f", after {record.previous_process_name or '(no name)'}"
    if record.found_by == "primary_key_max":
        ids = (f"Missing process {record.first_missing_id}" if record.missing_count == 1 else
               f"Missing processes {record.first_missing_id}–{record.last_missing_id} "
               f"({record.missing_count})")
        yield f"{ids}{after} (Z_PRIMARYKEY.Z_MAX = {record.primary_key_max})"
        return
    for missing in range(record.first_missing_id, record.last_missing_id + 1):
        yield f"Missing process {missing}{after}"


@heuristic(DataUsageProcess, "datausage-backupagent", Level.HIGH,
           "BackupAgent is a deprecated binary that should not use the network; Operation "
           "Triangulation's implant ran under that name (Kaspersky, 2023).")
def backup_agent(record: Record) -> tuple[str, ...]:
    """A plain function, not a generator: it runs for every process row."""
    assert isinstance(record, DataUsageProcess)
    name = record.process_name
    if BACKUP_AGENT in name and name.split("/", 1)[0].strip() == BACKUP_AGENT:
        return (f"Process {name} used the network (Operation Triangulation indicator)",)
    return ()
