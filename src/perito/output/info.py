"""`info.json`: the custody record of a run."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from perito import __version__
from perito.indicators.model import IndicatorSet
from perito.indicators.provenance import bundle_provenance
from perito.output.heuristics import heuristics_document
from perito.pipeline import ScanResult
from perito.sources.evidence import Custody

SECRET_FLAGS = ("--password", "--password-file", "--key", "--key-file", "--age-identity")


def safe_command(argv: Sequence[str]) -> list[str]:
    """The command line with the value of every secret-bearing option replaced."""
    out: list[str] = []
    hide_next = False
    for arg in argv:
        if hide_next:
            out.append("<redacted>")
            hide_next = False
            continue
        flag, eq, _value = arg.partition("=")
        if flag in SECRET_FLAGS:
            if eq:
                out.append(f"{flag}=<redacted>")
            else:
                out.append(arg)
                hide_next = True
            continue
        out.append(arg)
    return out


@dataclass(frozen=True)
class RunInfo:
    command: list[str]
    target: Path
    source_kind: str
    started: dt.datetime
    finished: dt.datetime


def info_document(run: RunInfo, custody: Custody, indicators: IndicatorSet | None,
                  result: ScanResult, extra: dict[str, object] | None = None
                  ) -> dict[str, object]:
    hashes = custody.entries()
    levels = result.levels()
    doc: dict[str, object] = {
        "perito_version": __version__,
        "command": run.command,
        "target_path": str(run.target),
        "acquisition_kind": run.source_kind,
        "started": run.started.isoformat(timespec="seconds"),
        "finished": run.finished.isoformat(timespec="seconds"),
        "hashes": [{"file_path": h["address"], "sha256": h["sha256"], "size": h["size"],
                    "local_path": h["file_path"]} for h in hashes],
        "ioc_files": [{"path": f.path, "name": f.name, "sha256": f.sha256,
                       "indicators": f.indicator_count, "collections": list(f.collections),
                       **bundle_provenance(Path(f.path))}
                      for f in (indicators.files if indicators else ())],
        "indicator_problems": len(indicators.problems) if indicators else 0,
        "artifacts": [{"id": s.id, "title": s.title, "state": s.state, "records": s.records,
                       "files": s.files, "problems": s.problems, "notes": s.notes,
                       "seconds": round(s.seconds, 3)} for s in result.statuses],
        "warnings": [p for s in result.statuses for p in s.problems],
        "detections": {level: levels.get(level, 0)
                       for level in ("CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL")},
        "indicator_matches": sum(1 for d in result.detections if d.is_indicator_match),
        "timings": {"scan_seconds": round(result.seconds, 3)},
        "heuristics": heuristics_document(result.statuses),
    }
    if extra:
        doc.update(extra)
    return doc


def write_info(path: Path, document: dict[str, object]) -> str:
    """Write info.json and return its sha256 (the reference hash of the run)."""
    data = (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()
