"""Records files: the fast orjson line is the same JSON as `to_dict`, and it round-trips."""

from __future__ import annotations

import json

from samples.build_sample import DEFAULT_DEST

from perito.artifacts import IOS_BACKUP
from perito.artifacts.ios.manifest import ManifestEntry
from perito.output.jsonl import dumps_bytes, record_line
from perito.records import from_dict, to_dict
from tests.helpers import extract


def test_fast_lines_equal_the_dict_route_on_every_sample_record() -> None:
    count = 0
    for artifact in IOS_BACKUP:
        records, _notes = extract(DEFAULT_DEST, artifact)
        for record in records:
            fast = json.loads(record_line(record))
            slow = json.loads(dumps_bytes(to_dict(record)))
            assert fast == slow and list(fast) == list(slow)
            assert from_dict(fast) == record
            count += 1
    assert count > 50


def test_values_orjson_refuses_take_the_slow_route() -> None:
    record = ManifestEntry(source="x", relative_path="\ud800bad", size=2**70)
    line = record_line(record)
    assert line.endswith(b"\n")
    assert json.loads(line)["size"] == 2**70
