"""The compiled `Timeline.add` (`perito.output._fasttimeline`) makes the events the Python one
makes, on records of every type."""

from __future__ import annotations

import dataclasses
import random
from typing import Any

import pytest

from perito.artifacts import registry
from perito.output import _fasttimeline  # a checkout's install builds it: never skipped
from perito.output.timeline import Timeline
from perito.records import Record, assembler, timeline_fields
from perito.timestamps import Encoding, decode, device_local, unset

_STAMPS = [decode(700_000_000, Encoding.UNIX_S), decode(700_000_000.5, Encoding.UNIX_S),
           decode(0, Encoding.UNIX_S), decode(10**30, Encoding.UNIX_S),
           unset(Encoding.COCOA_S), device_local("2024-02-28 21:14:05", None),
           device_local("2024-02-28 21:14:05", "Europe/Madrid"),
           decode(730_000_000, Encoding.COCOA_S), None, "not a time", 12]


def _record(kind: type[Record], rng: random.Random) -> Record:
    timed = {name for name, _label in timeline_fields(kind)}
    values: list[Any] = []
    for item in dataclasses.fields(kind):
        if item.name in timed:
            values.append(rng.choice(_STAMPS))
        elif item.default is not dataclasses.MISSING:
            values.append(item.default)
        else:
            values.append(None)
    return assembler(kind, tuple(f.name for f in dataclasses.fields(kind)))(tuple(values))


def _described(kind: type[Record], rng: random.Random) -> Record | None:
    for _ in range(5):  # a record of arbitrary values may not describe itself
        record = _record(kind, rng)
        try:
            record.describe()
        except Exception:  # noqa: BLE001  (try other values)
            continue
        return record
    return None


def test_compiled_add_is_the_python_add() -> None:
    rng = random.Random(5)
    kinds = sorted({kind for artifact in registry().values() for kind in artifact.records
                    if timeline_fields(kind) and not hasattr(kind, "__post_init__")},
                   key=lambda kind: kind.__name__)
    assert len(kinds) > 40
    fast, slow = Timeline(), Timeline()
    checked = 0
    for number in range(4_000):
        kind = kinds[number % len(kinds)]
        record = _described(kind, rng)
        if record is None:
            continue
        fast.add(record, "a.b", "Plugin")
        slow.add_python(record, "a.b", "Plugin", timeline_fields(kind))
        checked += 1
    assert checked > 3_000
    assert fast.events == slow.events
    assert len(fast.events) > 1_000
    assert any(" / " in event[2] for event in fast.events)  # equal times share one event
    assert any("zone unknown" in event[2] for event in fast.events)
    assert all(type(event) is tuple for event in fast.events)


def test_compiled_add_reports_errors() -> None:
    kind = next(kind for artifact in registry().values() for kind in artifact.records
                if timeline_fields(kind))
    record = _record(kind, random.Random(1))
    with pytest.raises(AttributeError):
        _fasttimeline.add([], record, (("no_such_field", "x"),), "a", "p", type(_STAMPS[0]),
                          _STAMPS[0].state, Encoding.LOCAL_TEXT, lambda label, stamp: label)
    with pytest.raises(TypeError):
        _fasttimeline.add([], record, ("not a pair",), "a", "p", type(_STAMPS[0]),
                          _STAMPS[0].state, Encoding.LOCAL_TEXT, lambda label, stamp: label)
