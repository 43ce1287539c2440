"""A process that used the network but has no binary in the dump (ios.md §6)."""

from __future__ import annotations

from collections.abc import Iterator

from perito.artifacts.ios.process_binaries import ProcessBinary
from perito.detections import heuristic
from perito.levels import Level
from perito.records import Record


@heuristic(ProcessBinary, "process-binary-missing", Level.MEDIUM,
           "Pegasus processes posed as system daemons whose binaries do not exist in the OS "
           "image (Amnesty, 2021). Programs in the shared cache or cryptexes give false "
           "positives.")
def binary_missing(record: Record) -> Iterator[str]:
    assert isinstance(record, ProcessBinary)
    if not record.binary_found:
        yield f"Could not find the binary of process {record.process_name} in the dump"
