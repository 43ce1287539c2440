"""`alerts.json`: detections as the field's alert objects (indicators-and-outputs.md §5.3)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from perito.detections import Detection
from perito.indicators.model import mvt_type
from perito.records import to_dict


def alert_object(detection: Detection) -> dict[str, object]:
    """The incumbent's keys first, then perito's own explanation of the match."""
    matched: dict[str, object] | None = None
    extra: dict[str, object] = {"artifact": detection.artifact}
    if detection.match is not None:
        match = detection.match
        indicator = match.indicator
        owner = indicator.owners[0] if indicator.owners else None
        matched = {
            "value": indicator.value,
            "type": mvt_type(indicator.kind),
            "name": owner.name if owner else "Default collection",
            "stix2_file_name": owner.file_name if owner else "",
        }
        extra["match"] = {
            "rule": match.rule, "field": match.field, "observed": match.observed,
            "normalised": match.normalised, "kind": str(match.kind),
            "stix_key": indicator.stix_key, "indicator_ids": list(indicator.ids),
            "broad": indicator.broad,
            "owners": [{"name": o.name, "stix_id": o.stix_id, "file_name": o.file_name,
                        "file_sha256": o.file_sha256} for o in indicator.owners],
        }
        if detection.suppressed:
            extra["suppressed"] = detection.suppressed
    else:
        extra["finding"] = detection.finding
        extra["rationale"] = detection.rationale
    stamp = detection.event_time
    return {
        "level": detection.level.name,
        "module": detection.module,
        "message": detection.message,
        "event_time": stamp.mvt_text() if stamp is not None else "",
        "event": to_dict(detection.record),
        "matched_indicator": matched,
        "perito": extra,
    }


def write_alerts(path: Path, detections: Sequence[Detection]) -> None:
    path.write_text(json.dumps([alert_object(d) for d in detections], ensure_ascii=False,
                               indent=2) + "\n", encoding="utf-8")
