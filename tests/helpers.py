"""Shared test helpers: run one artifact over a built backup or another source."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from perito.artifacts.base import Artifact, Context
from perito.cli import main
from perito.records import Record
from perito.sources.base import Source
from perito.sources.ios_backup import IosBackup


def extract(root: Path, artifact: Artifact) -> tuple[list[Record], list[str]]:
    """All records of `artifact` in the backup at `root`, and the extractor's notes."""
    with IosBackup(root) as backup:
        return extract_from(backup, artifact)


def extract_from(source: Source, artifact: Artifact) -> tuple[list[Record], list[str]]:
    """All records of `artifact` in an open source, and the extractor's notes."""
    records: list[Record] = []
    notes: list[str] = []
    seen: set[Path] = set()
    for location in artifact.locations:
        for evidence in source.find(location):
            if evidence.path in seen:
                continue
            seen.add(evidence.path)
            ctx = Context(source, evidence)
            records.extend(artifact.extract(ctx))
            notes.extend(ctx.notes + ctx.tallied())
    return records, notes


def scan_one(root: Path, artifact_id: str, out: Path) -> tuple[int, dict[str, Any], list[str]]:
    """`check-backup` of one artifact: the exit code, its info.json entry, its record lines."""
    code = main(["ios", "check-backup", str(root), "-m", artifact_id, "-o", str(out), "-j", "1"])
    info = json.loads((out / "info.json").read_text())
    entry = next(a for a in info["artifacts"] if a["id"] == artifact_id)
    path = out / "records" / f"{artifact_id}.jsonl"
    return code, entry, path.read_text().splitlines() if path.exists() else []
