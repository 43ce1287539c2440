"""Result folders as the incumbent (MVT) writes them (indicators-and-outputs.md §5.1, §5.7):
`<slug>.json` with indent 4, a list of records keyed as its modules key them, times as
`YYYY-MM-DD HH:MM:SS.ffffff` text, plus `info.json` and a `<slug>_detected.json`."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

COCOA_EPOCH = 978_307_200


def isodate(unix: float) -> str:
    moment = dt.datetime.fromtimestamp(unix, dt.UTC).replace(tzinfo=None)
    return moment.isoformat(sep=" ", timespec="microseconds")


def safari_visit(row: int, url: str, unix: float) -> dict[str, Any]:
    return {"id": row, "url": url, "visit_id": row, "timestamp": unix - COCOA_EPOCH,
            "isodate": isodate(unix), "redirect_source": None, "redirect_destination": None,
            "safari_history_db": "e7/e74113c185fd8297e140cfcf9c99436c5cc06b57"}


def manifest_entry(domain: str, relative_path: str, unix: float) -> dict[str, Any]:
    file_id = hashlib.sha1(f"{domain}-{relative_path}".encode()).hexdigest()
    return {"created": isodate(unix), "file_id": file_id, "domain": domain,
            "relative_path": relative_path, "modified": isodate(unix),
            "status_changed": isodate(unix), "mode": "0o100644", "owner": 501, "size": 42,
            "flags": 1}


def sms_message(row: int, text: str, handle: str, unix: float, links: Sequence[str]
                ) -> dict[str, Any]:
    return {"ROWID": row, "guid": f"8A1E6C12-{row:04d}", "text": text, "handle_id": row,
            "service": "iMessage", "date": int((unix - COCOA_EPOCH) * 1e9), "date_read": 0,
            "is_from_me": 0, "isodate": isodate(unix), "isodate_read": None,
            "direction": "received", "phone_number": handle, "links": list(links)}


def datausage_process(proc_id: int, name: str, bundle: str | None, unix: float
                      ) -> dict[str, Any]:
    return {"first_isodate": isodate(unix), "isodate": isodate(unix + 60), "proc_name": name,
            "bundle_id": bundle, "proc_id": proc_id, "wifi_in": 0.0, "wifi_out": 0.0,
            "wwan_in": 1024.0, "wwan_out": 512.0, "live_id": proc_id,
            "live_proc_id": proc_id, "live_isodate": isodate(unix + 60)}


def alert(module: str, value: str, kind: str, event: Mapping[str, Any]) -> dict[str, Any]:
    """One of the incumbent's alert objects for an indicator match (§5.3)."""
    return {"level": "CRITICAL", "module": module, "message": f"Found a known {kind}: {value}",
            "event_time": event.get("isodate", ""), "event": dict(event),
            "matched_indicator": {"value": value, "type": kind, "name": "Pegasus",
                                  "stix2_file_name": "pegasus.stix2"}}


def write_results(folder: Path, modules: Mapping[str, Any], target: str = "/evidence/backup",
                  alerts: Sequence[Mapping[str, Any]] | None = None) -> Path:
    """Write `<slug>.json` for each module, `info.json`, `alerts.json` when alerts are given,
    and a `<slug>_detected.json` that a reader must not take for a module."""
    folder.mkdir(parents=True, exist_ok=True)
    if alerts is not None:
        (folder / "alerts.json").write_text(json.dumps(list(alerts), indent=4, default=str),
                                            encoding="utf-8")
    for slug, records in modules.items():
        (folder / f"{slug}.json").write_text(json.dumps(records, indent=4, default=str),
                                             encoding="utf-8")
    (folder / "safari_history_detected.json").write_text(json.dumps([{
        "level": "CRITICAL", "module": "safari_history", "message": "old alert",
        "event_time": "", "event": {}, "matched_indicator": None}], indent=4),
        encoding="utf-8")
    (folder / "info.json").write_text(json.dumps({
        "target_path": target, "mvt_version": "2026.10.26",
        "date": "2026-03-01 10:22:31.123456", "ioc_files": [], "hashes": []}, indent=4),
        encoding="utf-8")
    (folder / "command.log").write_text("2026-03-01 10:22:31,123 - mvt - INFO - done\n",
                                        encoding="utf-8")
    return folder
