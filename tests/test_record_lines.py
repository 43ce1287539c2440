"""Records files: the fast orjson line is the same JSON as `to_dict`, and it round-trips."""

from __future__ import annotations

import dataclasses
import json
import typing
from pathlib import Path

import orjson
import pytest
from samples.build_sample import DEFAULT_DEST

from perito.artifacts.ios.catalogue import IOS_BACKUP
from perito.artifacts.ios.manifest import ManifestEntry
from perito.artifacts.ios.safari_history import SafariVisit
from perito.output import jsonl
from perito.output.jsonl import RecordFiles, dumps_bytes, record_line, record_lines
from perito.records import RECORD_TYPES, Record, from_dict, to_dict
from perito.timestamps import Encoding, decode, unset
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


def _filled(cls: type[Record], salt: int) -> Record | None:
    """An instance of `cls` with every field given a value of its declared type (times set,
    unset and bytes-valued, tuples, bytes), so that each field's route to JSON is exercised;
    None when a required field's type is one this helper does not know."""
    hints = typing.get_type_hints(cls)
    values: dict[str, object] = {}
    for number, f in enumerate(dataclasses.fields(cls)):
        hint = str(hints[f.name])
        if "Timestamp" in hint:
            values[f.name] = (decode(700_000_000.5 + number, Encoding.COCOA_S) if salt % 3 == 0
                              else unset(Encoding.UNIX_S) if salt % 3 == 1
                              else decode(b"\x00raw", Encoding.ISO_TEXT))
        elif "tuple" in hint:
            values[f.name] = () if salt % 2 else (f"v{number}", "é")
        elif hint.startswith(("<class 'str'>", "str")):
            values[f.name] = f'text {number} "quoted" \u2028 }},{{"record_type":'
        elif "bytes" in hint:
            values[f.name] = b"\x00\xff" * number
        elif "bool" in hint:
            values[f.name] = bool(salt % 2)
        elif "int" in hint:
            values[f.name] = -number if salt % 2 else 2**40 + number
        elif "float" in hint:
            values[f.name] = number / 3
    try:
        return cls(**values)  # type: ignore[arg-type]
    except TypeError:
        return None


def _native(record: Record) -> bytes:
    """What orjson writes of the dataclass itself, after the record type."""
    return (b'{"record_type":' + orjson.dumps(type(record).__name__) + b","
            + orjson.dumps(record, default=jsonl._default)[1:] + b"\n")


@pytest.mark.parametrize("salt", [0, 1, 2])
def test_every_record_type_writes_what_orjson_writes_of_the_dataclass(salt: int) -> None:
    """Each registered type's lines, one record and a batch of all types at once, are the
    bytes orjson gives when serialising the dataclass itself."""
    import perito.artifacts

    for platform in ("ios", "android"):
        perito.artifacts.registry(platform)
    records = [r for _name, cls in sorted(RECORD_TYPES.items())
               if (r := _filled(cls, salt)) is not None]
    assert len(records) > 0.9 * len(RECORD_TYPES) > 50
    for record in records:
        assert record_line(record) == _native(record), type(record).__name__
        assert record_lines([record]) == _native(record), type(record).__name__
    assert record_lines(records) == b"".join(map(_native, records))


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class _Decoded(Record):
    """A record holding decoded evidence (a plist's objects, say) as it is."""

    content: object = None


def test_a_batch_whose_values_look_like_a_record_boundary_is_still_cut_right() -> None:
    visit = SafariVisit(source="x", url="https://a.example/",
                        title='},{"record_type":"SafariVisit"')  # quotes escaped: no boundary
    assert record_lines([visit, visit]) == record_line(visit) * 2
    hostile = _Decoded(source="x", content=[{"a": 1}, {"record_type": "SafariVisit"}])
    assert b'},{"record_type":' in record_line(hostile)
    assert record_lines([hostile, visit, hostile]) == \
        record_line(hostile) + record_line(visit) + record_line(hostile)


def test_a_batch_with_a_value_orjson_refuses_takes_the_line_route() -> None:
    bad = ManifestEntry(source="x", relative_path="\ud800bad", size=2**70)
    good = ManifestEntry(source="y", size=3)
    assert record_lines([good, bad, good]) == record_line(good) + record_line(bad) + \
        record_line(good)


def test_records_files_keep_the_order_across_batches_and_write_the_rest_on_close(
        tmp_path: Path) -> None:
    files = RecordFiles(tmp_path)
    entries = [ManifestEntry(source=f"s{n}", size=n) for n in range(jsonl._BATCH * 2 + 7)]
    for entry in entries:
        files.write("ios.backup.manifest", entry)
    files.close()
    lines = (tmp_path / "ios.backup.manifest.jsonl").read_bytes()
    assert lines == b"".join(map(record_line, entries))
