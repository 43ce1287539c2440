"""Which heuristics and correlations a scan applied, for the custody record and the report."""

from __future__ import annotations

from collections.abc import Sequence

from perito.artifacts import platform_of, registry
from perito.detections import CORRELATIONS, HEURISTICS
from perito.pipeline import ArtifactState, ArtifactStatus
from perito.records import Record

_READ = frozenset({ArtifactState.READ, ArtifactState.PARTIAL})


def heuristics_document(statuses: Sequence[ArtifactStatus]) -> list[dict[str, object]]:
    """One entry per heuristic: `name`, `level` (correlations: ""), the `artifacts` whose
    records it looks at, and whether it `ran` (one of them was read in this scan)."""
    read = {s.id for s in statuses if s.state in _READ}
    scanned = {s.id for s in statuses}
    declared = registry(*sorted({platform_of(id_) for id_ in scanned}))  # the scanned ones
    out: list[dict[str, object]] = []
    # one heuristic may look at several record types (e.g. a path check on several artifacts)
    rules: dict[tuple[str, str], list[type[Record]]] = {}
    for kind, found in HEURISTICS.items():
        for rule in found:
            rules.setdefault((rule.name, rule.level.name), []).append(kind)
    for correlation in CORRELATIONS:
        rules.setdefault((correlation.name, ""), []).extend(correlation.wants)
    for (name, level), kinds in sorted(rules.items(), key=lambda item: item[0]):
        artifacts = sorted(a.id for a in declared.values() if a.id in scanned
                           and any(k in a.records for k in kinds))
        out.append({"name": name, "level": level, "artifacts": artifacts,
                    "ran": any(a in read for a in artifacts)})
    return out
