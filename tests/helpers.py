"""Shared test helpers: run one artifact over a built backup."""

from __future__ import annotations

from pathlib import Path

from perito.artifacts.base import Artifact, Context
from perito.pipeline import files_of
from perito.records import Record
from perito.sources.base import Source
from perito.sources.ios_backup import IosBackup


def extract(root: Path, artifact: Artifact) -> tuple[list[Record], list[str]]:
    """All records of `artifact` in the backup at `root`, and the extractor's notes."""
    records: list[Record] = []
    notes: list[str] = []
    with IosBackup(root) as backup:
        seen: set[Path] = set()
        for location in artifact.locations:
            for evidence in backup.find(location):
                if evidence.path in seen:
                    continue
                seen.add(evidence.path)
                ctx = Context(backup, evidence)
                records.extend(artifact.extract(ctx))
                notes.extend(ctx.notes)
    return records, notes


def extract_from(source: Source, artifact: Artifact) -> tuple[list[Record], list[str]]:
    """All records of `artifact` in any open source, and the extractor's notes."""
    records: list[Record] = []
    notes: list[str] = []
    for evidence in files_of(source, artifact):
        ctx = Context(source, evidence)
        records.extend(artifact.extract(ctx))
        notes.extend(ctx.notes)
    return records, notes
