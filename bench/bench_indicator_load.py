"""Time loading 100,000 domain indicators and building the index (target: under 3 s).

Run: .venv/bin/python bench/bench_indicator_load.py [COUNT]. Writes the synthetic bundle to a
temporary directory, shaped like the field's feeds (one malware, N indicators, N relationships).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import uuid
from pathlib import Path

from perito.indicators import IndicatorIndex, load_indicators
from perito.records import Kind

STAMP = "2026-01-01T00:00:00.000Z"


def synthetic_bundle(count: int) -> dict[str, object]:
    """A bundle with `count` distinct domain indicators, each tied to one malware object."""
    malware_id = f"malware--{uuid.UUID(int=1)}"
    objects: list[dict[str, object]] = [{
        "type": "malware", "spec_version": "2.1", "id": malware_id, "name": "BenchSpy",
        "is_family": False, "created": STAMP, "modified": STAMP}]
    for number in range(count):
        indicator_id = f"indicator--{uuid.UUID(int=(2 << 64) + number)}"
        objects.append({
            "type": "indicator", "spec_version": "2.1", "id": indicator_id,
            "created": STAMP, "modified": STAMP, "valid_from": STAMP,
            "indicator_types": ["malicious-activity"], "pattern_type": "stix",
            "pattern_version": "2.1",
            "pattern": f"[domain-name:value = "
                       f"'c{number}.node{number % 97}.example-{number % 13}.net']",
        })
        objects.append({
            "type": "relationship", "spec_version": "2.1",
            "id": f"relationship--{uuid.UUID(int=(3 << 64) + number)}",
            "created": STAMP, "modified": STAMP, "relationship_type": "indicates",
            "source_ref": indicator_id, "target_ref": malware_id})
    return {"type": "bundle", "id": f"bundle--{uuid.UUID(int=4)}", "objects": objects}


def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.stix2"
        path.write_text(json.dumps(synthetic_bundle(count)), encoding="utf-8")
        size = path.stat().st_size
        started, cpu_started = time.perf_counter(), time.process_time()
        indicator_set = load_indicators([path])
        loaded = time.perf_counter()
        index = IndicatorIndex.build(indicator_set)
        built, cpu_built = time.perf_counter(), time.process_time()
    assert len(indicator_set.of_kind(Kind.DOMAIN)) == count
    assert index.lookup(Kind.DOMAIN, "www.c7.node7.example-7.net")
    print(f"{count} indicators, bundle {size / 1e6:.1f} MB: load {loaded - started:.2f} s, "
          f"index {built - loaded:.2f} s, total {built - started:.2f} s "
          f"(CPU {cpu_built - cpu_started:.2f} s)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
