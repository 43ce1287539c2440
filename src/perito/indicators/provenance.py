"""Who published an indicator file and how recent it is, for the custody record and report.

Read from the bundle itself: the names of its `identity` objects (STIX `created_by_ref`) and
the newest `modified` (or `created`) time of its objects. Many public feeds carry neither an
identity nor a date of their own, so both may be empty; nothing is guessed.
"""

from __future__ import annotations

from pathlib import Path

import orjson


def bundle_provenance(path: Path) -> dict[str, object]:
    """`publishers` (identity names, sorted) and `newest` (ISO text, or "") of a STIX file."""
    try:
        bundle = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {"publishers": [], "newest": ""}
    objects = bundle.get("objects") if isinstance(bundle, dict) else None
    publishers: set[str] = set()
    newest = ""
    for obj in objects if isinstance(objects, list) else []:
        if not isinstance(obj, dict):
            continue
        if obj.get("type") == "identity" and isinstance(obj.get("name"), str):
            publishers.add(obj["name"])
        stamp = obj.get("modified") or obj.get("created")
        if isinstance(stamp, str) and stamp > newest:
            newest = stamp
    return {"publishers": sorted(publishers), "newest": newest}
