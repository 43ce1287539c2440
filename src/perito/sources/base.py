"""What every acquisition source offers to artifact extractors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol

from perito.sources.evidence import Custody, EvidenceFile
from perito.sources.locations import Location
from perito.sources.sqlite import OpenedDatabase


class Source(Protocol):
    """Read-only access to one acquisition."""

    kind: str  # "ios-backup", …
    platform: str  # "ios" or "android": decides process-name truncation and more
    root: Path
    custody: Custody

    def find(self, location: Location) -> Iterator[EvidenceFile]:
        """Every readable file at a location."""
        ...

    def missing_rows(self, location: Location) -> list[str]:
        """Files the acquisition lists at a location but does not contain."""
        ...

    def read_bytes(self, evidence: EvidenceFile) -> bytes:
        """The file's bytes (hashed into the custody record)."""
        ...

    def open_sqlite(self, evidence: EvidenceFile) -> AbstractContextManager[OpenedDatabase]:
        """A read-only connection that never changes the evidence."""
        ...

    def close(self) -> None: ...
