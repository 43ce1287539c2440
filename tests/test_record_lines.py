"""Records files: the fast orjson line is the same JSON as `to_dict`, and it round-trips."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

import orjson
from samples.build_sample import DEFAULT_DEST

from perito.artifacts import IOS_BACKUP
from perito.artifacts.ios.manifest import ManifestEntry
from perito.output.jsonl import dumps_bytes, record_line
from perito.records import Record, from_dict, to_dict
from perito.timestamps import Encoding, Timestamp, decode, unset
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


def _native_line(record: Record) -> bytes:
    """The line as orjson writes the dataclass itself (how `record_line` was first made)."""
    head = b'{"record_type":' + orjson.dumps(type(record).__name__) + b","
    try:
        return head + orjson.dumps(record, default=_bytes)[1:] + b"\n"
    except (orjson.JSONEncodeError, TypeError):
        return dumps_bytes(to_dict(record)) + b"\n"


def _bytes(value: object) -> object:
    if isinstance(value, bytes):
        return {"base64": base64.b64encode(value).decode("ascii")}
    raise TypeError


@dataclass(frozen=True)
class _Part:
    name: str
    when: Timestamp
    _private: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class _Odd(Record):
    """A record type with values of every shape a field can hold."""

    blob: bytes = b""
    times: tuple[Timestamp, ...] = ()
    part: _Part | None = None
    parts: tuple[_Part, ...] = ()
    mapping: dict[str, object] | None = None
    _hidden: str = "not written"


def test_lines_are_byte_for_byte_orjson_writing_the_dataclass() -> None:
    records: list[Record] = []
    for artifact in IOS_BACKUP:
        records.extend(extract(DEFAULT_DEST, artifact)[0])
    when = decode(730_000_000.125, Encoding.COCOA_S)
    records += [
        _Odd(source="s", blob=b"\x00\xff", times=(when, unset(Encoding.UNIX_S)),
             part=_Part("p", when, 3), parts=(_Part("q", when),),
             mapping={"a": when, "b": b"x", "c": (1, 2.5, None)}),
        _Odd(source="\ud800"), _Odd(mapping={"big": 2**70}),
        ManifestEntry(source="x", relative_path="\ud800bad", size=2**70),
        ManifestEntry(source="x", created=decode(float("nan"), Encoding.UNIX_S)),
    ]
    for record in records:
        assert record_line(record) == _native_line(record), record


@dataclass(frozen=True, kw_only=True)
class _Unslotted(Record):
    name: str = ""


def test_a_record_type_without_slots_keeps_its_base_fields() -> None:
    """orjson reads such a dataclass from `__dict__`, which lacks the slots of `Record`:
    the line is the `to_dict` JSON all the same."""
    record = _Unslotted(source="s", name="n")
    assert record_line(record) == dumps_bytes(to_dict(record)) + b"\n"
