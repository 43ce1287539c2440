"""The compiled record builders (`perito._fastrecords`) make the records the Python ones make."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path
from typing import Any

import pytest

from perito import _fastrecords, records  # a checkout's install builds it: never skipped
from perito.artifacts import registry
from perito.artifacts.base import row_mapper
from perito.artifacts.ios.safari_history import SafariVisit
from perito.records import Record, assembler
from perito.sources.sqlite import schema
from perito.timestamps import Encoding, decode
from tests.test_fast_paths import _history, _query

_RNG = random.Random(17)


def _python(build: Any, *args: Any) -> Any:
    saved = records._fastrecords
    records._fastrecords = None
    try:
        return build(*args)
    finally:
        records._fastrecords = saved


def _value(field: dataclasses.Field[Any]) -> Any:
    pick = _RNG.randrange(5)
    return [None, _RNG.randrange(-10**12, 10**12), f"v{_RNG.random()}",
            decode(_RNG.uniform(6e8, 7e8), Encoding.COCOA_S), ("a", "b")][pick]


def _record_types() -> list[type[Record]]:
    found = {kind for artifact in registry().values() for kind in artifact.records}
    return sorted(found, key=lambda kind: kind.__name__)


def test_every_record_type_assembles_alike() -> None:
    compiled_types = 0
    for kind in _record_types():
        names = tuple(f.name for f in dataclasses.fields(kind))
        fast, slow = assembler(kind, names), _python(assembler, kind, names)
        if hasattr(kind, "__post_init__"):
            continue  # built by its own __init__ either way
        assert type(fast).__module__ == "perito._fastrecords", kind
        compiled_types += 1
        for _ in range(20):
            values = tuple(_value(f) for f in dataclasses.fields(kind))
            a, b = fast(values), slow(values)
            assert type(a) is kind and a == b, kind
            assert all(getattr(a, n) is getattr(b, n) for n in names), kind
    assert compiled_types > 50


def test_the_compiled_assembler_refuses_wrong_values() -> None:
    names = tuple(f.name for f in dataclasses.fields(SafariVisit))
    fast = assembler(SafariVisit, names)
    with pytest.raises(ValueError):
        fast(("only one",))
    with pytest.raises(TypeError):
        fast(["a list", *range(len(names) - 1)])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        _fastrecords.assembler(SafariVisit, ("not a slot",))


def test_rows_build_alike(tmp_path: Path) -> None:
    connection = _history(tmp_path)
    connection.row_factory = None
    cursor = connection.execute(_query(schema(connection)))
    columns = [c[0] for c in cursor.description]
    encodings = {"visit_time": Encoding.COCOA_S, "redirect_destination_time": Encoding.COCOA_S}
    fast = row_mapper(SafariVisit, columns, encodings, "History.db")
    slow = _python(row_mapper, SafariVisit, columns, encodings, "History.db")
    assert type(fast).__module__ == "perito._fastrecords"
    rows = cursor.fetchall()
    assert rows
    for row in rows:
        a, b = fast(row), slow(row)
        assert a == b and a.visit_time.to_json() == b.visit_time.to_json()
        assert fast(list(row)) == a  # any sequence, as the Python builder takes
    with pytest.raises(IndexError):
        fast(rows[0][:2])
    with pytest.raises(IndexError):
        slow(rows[0][:2])


def test_a_failing_conversion_is_the_caller_s_error() -> None:
    slot = SafariVisit.__dict__["url"]

    def refuse(value: object) -> object:
        raise RuntimeError(value)

    source = records.slot_descriptor(SafariVisit, "source")
    build = _fastrecords.row_builder(SafariVisit, ((source, "s"),), ((slot, 0, refuse),))
    with pytest.raises(RuntimeError):
        build(("x",))
    for steps in [((slot, -1, None),), ((slot, 0, 5),), ((slot, 0),)]:
        with pytest.raises((ValueError, TypeError)):
            _fastrecords.row_builder(SafariVisit, (), steps)


def test_text_fields_read_bytes_as_the_python_builder_does() -> None:
    columns = ["id", "visit_id", "url", "visit_time", "title"]
    fast = row_mapper(SafariVisit, columns, {"visit_time": Encoding.COCOA_S}, "x")
    slow = _python(row_mapper, SafariVisit, columns, {"visit_time": Encoding.COCOA_S}, "x")
    for title in [b"caf\xc3\xa9", b"bad \xff\xfe utf-8", b"", "already text", None, 7]:
        row = (1, 2, b"https://a.example/\xff", 730_000_000.0, title)
        assert fast(row) == slow(row)
        assert type(fast(row).title) is type(slow(row).title)


def test_every_record_type_gives_the_python_line_dict() -> None:
    from perito.output import record_dicts

    for kind in _record_types():
        fast, slow = record_dicts.maker(kind), record_dicts.python_maker(kind)
        assert type(fast).__module__ == "perito._fastrecords", kind
        names = tuple(f.name for f in dataclasses.fields(kind))
        build = assembler(kind, names)
        made = [build(tuple(_value(f) for f in dataclasses.fields(kind))) for _ in range(10)]
        for record in made:
            a, b = fast(record), slow(record)
            assert a == b and list(a) == list(b), kind  # the same keys, in the same order
            assert all(type(a[key]) is type(b[key]) for key in a), kind
        assert record_dicts.dicts_of(made) == [slow(record) for record in made]
