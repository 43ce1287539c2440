"""Reading a scan's saved results (the output folder), which is all a report is built from."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from perito.errors import InputError

log = logging.getLogger(__name__)
LISTS_OF_OBJECTS = ("artifacts", "hashes", "ioc_files", "heuristics")


@dataclass
class SavedScan:
    """`info.json` and `alerts.json` of an output folder; records are streamed from disk."""

    folder: Path
    info: dict[str, Any]
    info_sha256: str
    alerts: list[dict[str, Any]]
    problems: list[str] = field(default_factory=list)

    def records(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """(artifact id, saved record) for every line of `records/*.jsonl`, file by file.

        A line that is not a JSON object is skipped and counted in `problems`.
        """
        for path in sorted((self.folder / "records").glob("*.jsonl")):
            bad = 0
            try:
                with path.open("rb") as handle:
                    for line in handle:
                        try:
                            data = orjson.loads(line)
                        except orjson.JSONDecodeError:
                            bad += 1
                            continue
                        if isinstance(data, dict):
                            yield path.stem, data
                        else:
                            bad += 1
            except OSError as error:
                self.problems.append(f"records/{path.name}: cannot be read "
                                     f"({error.strerror or type(error).__name__})")
            if bad:
                self.problems.append(f"records/{path.name}: {bad} damaged lines skipped")

    def timeline(self) -> Iterator[tuple[int, str, str, str]] | None:
        """(ns, label, description, artifact) of `timeline.jsonl`, by time, or None when the
        folder has none. Damaged lines are skipped and counted in `problems`."""
        path = self.folder / "timeline.jsonl"
        if not path.is_file():
            return None
        return self._timeline(path)

    def _timeline(self, path: Path) -> Iterator[tuple[int, str, str, str]]:
        bad = 0
        with path.open("rb") as handle:
            for line in handle:
                try:
                    try:
                        data = orjson.loads(line)
                    except orjson.JSONDecodeError:  # or a lone surrogate, escaped
                        data = json.loads(line)
                    str(data["datetime"])  # a line without its time is damaged
                    yield (int(data["timestamp"]) * 1000, str(data["timestamp_desc"]),
                           str(data["message"]),
                           str(data.get("artifact") or data.get("plugin") or ""))
                except (KeyError, TypeError, ValueError):
                    bad += 1
        if bad:
            self.problems.append(f"timeline.jsonl: {bad} damaged lines skipped")

    def first_record(self, artifact: str) -> dict[str, Any] | None:
        path = self.folder / "records" / f"{artifact}.jsonl"
        try:
            with path.open("rb") as handle:
                data = orjson.loads(handle.readline())
        except (OSError, orjson.JSONDecodeError):
            return None
        return data if isinstance(data, dict) else None


def _read_json(path: Path) -> tuple[object, bytes]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path.parent}: not a perito output folder (no {path.name})") \
            from None
    except OSError as error:
        raise InputError(f"{path}: cannot be read ({error.strerror})") from None
    try:
        return json.loads(data), data
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InputError(f"{path}: damaged (not JSON); the report cannot be built") from None


def load_saved(folder: Path) -> SavedScan:
    """The saved results of one scan; a missing or damaged file is an `InputError`."""
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder")
    info, raw = _read_json(folder / "info.json")
    alerts, _raw = _read_json(folder / "alerts.json")
    if not isinstance(info, dict) or not isinstance(alerts, list):
        raise InputError(f"{folder}: info.json or alerts.json is not what perito writes")
    kept = [a for a in alerts if isinstance(a, dict)]
    for key in LISTS_OF_OBJECTS:  # a hand-edited or damaged info.json must not break the page
        if key in info:
            value = info[key]
            info[key] = [v for v in value if isinstance(v, dict)] if isinstance(value, list) \
                else []
    scan = SavedScan(folder, info, hashlib.sha256(raw).hexdigest(), kept)
    if len(kept) != len(alerts):
        scan.problems.append(f"alerts.json: {len(alerts) - len(kept)} damaged alerts skipped")
    return scan
