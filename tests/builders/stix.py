"""Small STIX 2.1 bundles built in code, shaped like the field's real feeds.

`BundleBuilder` hands out deterministic ids (uuid5 over a name and a counter), so a test can
refer to objects by the id the builder returned and two runs write identical bytes.

    bundle = BundleBuilder("examplespy")
    spy = bundle.malware("ExampleSpy")
    bundle.indicator("[domain-name:value = 'c2.example.net']", indicates=spy)
    path = bundle.write(tmp_path / "examplespy.stix2")
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

STAMP = "2026-01-01T00:00:00.000Z"
_NAMESPACE = uuid.UUID("6b1d7c3e-7d0a-4a38-9a52-6a0f1f3f7e10")


class BundleBuilder:
    """Collects STIX objects; each method returns the new object's id."""

    def __init__(self, name: str = "bundle") -> None:
        self.name = name
        self.objects: list[dict[str, Any]] = []
        self._counter = 0

    def new_id(self, object_type: str) -> str:
        """A deterministic `type--uuid` id, unique within this builder."""
        self._counter += 1
        return f"{object_type}--{uuid.uuid5(_NAMESPACE, f'{self.name}/{self._counter}')}"

    def _add(self, object_type: str, **fields: Any) -> str:
        object_id = fields.pop("id", None) or self.new_id(object_type)
        self.objects.append({"type": object_type, "spec_version": "2.1", "id": object_id,
                             "created": STAMP, "modified": STAMP, **fields})
        return object_id

    def malware(self, name: str, **fields: Any) -> str:
        return self._add("malware", name=name, is_family=False,
                         description=f"{name} (synthetic)", **fields)

    def identity(self, name: str) -> str:
        return self._add("identity", name=name, identity_class="organization")

    def threat_actor(self, name: str) -> str:
        return self._add("threat-actor", name=name, threat_actor_types=["spy"])

    def indicator(self, pattern: str, *, indicates: str | Iterable[str] = (),
                  **fields: Any) -> str:
        """An indicator, with one `indicates` relationship per target given."""
        fields.setdefault("pattern_type", "stix")
        fields.setdefault("pattern_version", "2.1")
        object_id = self._add("indicator", pattern=pattern, valid_from=STAMP,
                              indicator_types=["malicious-activity"], **fields)
        for target in [indicates] if isinstance(indicates, str) else indicates:
            self.relationship(object_id, target)
        return object_id

    def relationship(self, source: str, target: str, kind: str = "indicates") -> str:
        return self._add("relationship", relationship_type=kind, source_ref=source,
                         target_ref=target)

    def report(self, name: str, refs: Iterable[str], **fields: Any) -> str:
        """A report (as OTX exports write them) listing `refs` in `object_refs`."""
        return self._add("report", name=name, published=STAMP, report_types=["threat-report"],
                         object_refs=list(refs), **fields)

    def bundle(self) -> dict[str, Any]:
        """The bundle document (bundles carry no spec_version)."""
        return {"type": "bundle", "id": f"bundle--{uuid.uuid5(_NAMESPACE, self.name)}",
                "objects": self.objects}

    def write(self, path: Path) -> Path:
        path.write_text(json.dumps(self.bundle(), indent=1, ensure_ascii=False),
                        encoding="utf-8")
        return path


def single_malware_bundle(path: Path, name: str, patterns: Iterable[str]) -> Path:
    """The shape of mvt-indicators and Amnesty feeds: one malware, N indicators, N relations."""
    builder = BundleBuilder(name)
    malware = builder.malware(name)
    for pattern in patterns:
        builder.indicator(pattern, indicates=malware)
    return builder.write(path)


def pattern(key: str, value: str) -> str:
    """`[key = 'value']` with the value escaped as the STIX grammar requires."""
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    return f"[{key} = '{escaped}']"
