"""The compiled loop of `match_record` (`perito.indicators._fastmatch`) finds what the Python
loop finds, in the same order, on records of every type."""

from __future__ import annotations

import dataclasses
import random
from typing import Any

import pytest

from perito.artifacts import registry
from perito.indicators import _fastmatch, match  # a checkout's install builds it: never skipped
from perito.indicators.index import IndicatorIndex
from perito.records import Record, assembler, observable_fields
from tests.test_indicators_match import build

_VALUES = ["", "malicious.example", "www.malicious.example", "https://malicious.example/x",
           "http://a.b.example.net/", "clean.example", "mailto:x@malicious.example",
           "x@malicious.example", "/private/var/tmp/spyd", "spyd", "roleaccountd",
           "com.evil.app", "10.1.2.3", "https://clean.example/a", "evil.app"]
_PATTERNS = ("[domain-name:value = 'malicious.example']",
             "[domain-name:value = 'a.b.example.net']",
             "[url:value = 'https://clean.example/a']",
             "[email-addr:value = 'x@malicious.example']",
             "[process:name = 'roleaccountd']",
             "[file:name = 'spyd']",
             "[ipv4-addr:value = '10.1.2.3']",
             "[app:id = 'com.evil.app']")


def _record(kind: type[Record], rng: random.Random) -> Record:
    observed = dict(observable_fields(kind))
    values: list[Any] = []
    for item in dataclasses.fields(kind):
        if item.name in observed:
            pick = rng.randrange(4)
            values.append(rng.choice(_VALUES) if pick < 2 else
                          tuple(rng.choice([*_VALUES, None, 3]) for _ in range(rng.randrange(4)))
                          if pick == 2 else None)
        else:
            values.append(item.default if item.default is not dataclasses.MISSING else None)
    return assembler(kind, tuple(f.name for f in dataclasses.fields(kind)))(tuple(values))


def _record_types() -> list[type[Record]]:
    found = {kind for artifact in registry().values() for kind in artifact.records
             if observable_fields(kind) and not hasattr(kind, "__post_init__")}
    return sorted(found, key=lambda kind: kind.__name__)


@pytest.mark.parametrize("platform", ["ios", "android"])
def test_compiled_loop_is_the_python_loop(platform: str) -> None:
    rng = random.Random(platform)
    kinds = _record_types()
    assert len(kinds) > 30
    compiled_index, python_index = build(*_PATTERNS), build(*_PATTERNS)
    records = [_record(kinds[n % len(kinds)], rng) for n in range(3_000)]
    found = 0
    for _ in range(2):  # cold memos, then warm
        for record in records:
            got = match.match_record(compiled_index, record, platform=platform)
            want = match._match_record(python_index, record, platform)
            assert got == want, record
            found += len(got)
    assert found > 100  # the pool's values match


def test_compiled_loop_reports_errors_of_the_python_route() -> None:
    index: IndicatorIndex = build(*_PATTERNS)

    def refuse(*args: object, **kwargs: object) -> list[object]:
        raise RuntimeError("refused")

    kind = _record_types()[0]
    name = observable_fields(kind)[0][0]
    record = _record(kind, random.Random(1))
    object.__setattr__(record, name, "never.seen.example")
    with pytest.raises(RuntimeError):
        _fastmatch.match_record(record, observable_fields(kind), {}, "ios", index, refuse)
    with pytest.raises(AttributeError):
        _fastmatch.match_record(record, (("no_such_field", None),), {}, "ios", index, refuse)
    with pytest.raises(TypeError):
        _fastmatch.match_record(record, ("not a pair",), {}, "ios", index, refuse)
