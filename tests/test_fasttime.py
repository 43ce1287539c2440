"""The compiled time decoders (`perito._fasttime`) give exactly what the Python ones give."""

from __future__ import annotations

import math
import random
import struct
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perito import (
    _fasttime,  # a checkout's install builds it (setup.py): never skipped
    timestamps,
)
from perito.timestamps import Encoding, Timestamp, _iso_text_py, decode, decoder

# Encodings whose planned decoder is compiled (WebKit's epoch is beyond what it takes).
_COMPILED = [Encoding.UNIX_S, Encoding.UNIX_MS, Encoding.UNIX_US, Encoding.UNIX_NS,
             Encoding.COCOA_S, Encoding.COCOA_NS, Encoding.COCOA_AUTO]
_LOW, _HIGH = 631_152_000 * 10**9, 4_102_444_800 * 10**9


def _python_decoder(encoding: Encoding) -> timestamps.Decoder:
    saved = timestamps._fasttime
    timestamps._fasttime = None
    try:
        return decoder(encoding)
    finally:
        timestamps._fasttime = saved


def _values(seed: int) -> Iterator[object]:
    rng = random.Random(seed)
    yield from [0, 0.0, -0.0, -1, -1.0, 1, 1.0, None, True, False, "730000000", b"1",
                math.nan, math.inf, -math.inf, 1e14, 1e14 - 1, -1e14, 99_999_999_999_999,
                100_000_000_000_000, -100_000_000_000_000, 2**62, -(2**62), 2**63, 2**64,
                -(2**63), 10**400, 1e30, -1e30, 1e29, 0.5, 1.5, 2.5, 5e-324, 1.7976931348623157e308]
    for _ in range(20_000):
        pick = rng.randrange(7)
        if pick == 0:
            yield rng.uniform(-1e9, 5e9)
        elif pick == 1:
            yield rng.randrange(-10**10, 10**10)
        elif pick == 2:
            yield rng.randrange(-10**19, 10**19)
        elif pick == 3:
            yield struct.unpack("<d", rng.randbytes(8))[0]  # any double, NaNs included
        elif pick == 4:
            yield rng.uniform(1e14, 5e18)
        elif pick == 5:
            yield rng.randrange(10**14, 5 * 10**18)
        else:
            yield round(rng.uniform(0, 4e9) * 2) / 2  # halves: rounding ties


def _same(got: Timestamp, expected: Timestamp, raw: object) -> None:
    assert type(got) is Timestamp, raw
    assert got.to_json() == expected.to_json() or (
        isinstance(raw, float) and math.isnan(raw) and got.state == expected.state), raw
    assert type(got.raw) is type(expected.raw), raw


def test_every_planned_decoder_that_can_be_compiled_is() -> None:
    for encoding in Encoding:
        compiled = type(decoder(encoding)).__module__ == "perito._fasttime"
        assert compiled == (encoding in _COMPILED), encoding


@pytest.mark.parametrize("encoding", _COMPILED)
def test_compiled_decoder_is_the_python_decoder(encoding: Encoding) -> None:
    compiled, python = decoder(encoding), _python_decoder(encoding)
    values = list(_values(len(encoding.value)))
    for _ in range(2):  # the second pass answers from what the first remembered
        for raw in values:
            _same(compiled(raw), python(raw), raw)
            if type(raw) in (int, float) and not isinstance(raw, bool):
                _same(compiled(raw), decode(raw, encoding), raw)  # type: ignore[arg-type]


@settings(max_examples=3000, deadline=None)
@given(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(),
                 st.integers(min_value=-(10**19), max_value=10**19), st.none(), st.booleans()),
       st.sampled_from(_COMPILED))
def test_compiled_decoder_on_any_number(raw: object, encoding: Encoding) -> None:
    _same(decoder(encoding)(raw), _python_decoder(encoding)(raw), raw)


def test_compiled_decoder_forgets_when_full_as_the_python_one_does() -> None:
    one = decoder(Encoding.UNIX_S)
    first = one(700_000_000)
    assert one(700_000_000) is first  # remembered
    for offset in range(timestamps._RECENT_LIMIT):
        one(700_000_001 + offset)
    again = one(700_000_000)
    assert again == first and again is not first  # the memory was cleared once full


def test_compiled_decoder_hands_other_types_to_the_python_route() -> None:
    one = decoder(Encoding.COCOA_S, lambda raw: decode(raw.decode(), Encoding.COCOA_S))
    assert one(b"730000000") == decode("730000000", Encoding.COCOA_S)
    with pytest.raises(TypeError):
        one(1, 2)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        one(raw=1)  # type: ignore[call-arg]


@given(st.integers(min_value=_LOW, max_value=_HIGH))
def test_compiled_iso_text_is_the_python_text(ns: int) -> None:
    assert _fasttime.iso_text(ns) == _iso_text_py(ns)


def test_compiled_iso_text_at_the_edges() -> None:
    day = 86_400 * 10**9
    for ns in [0, 1, 999, 1000, _LOW, _HIGH, _HIGH - 1, 11_016 * day - 1, 11_016 * day,
               19_782 * day + day - 1000, 2**63 - 1]:
        assert _fasttime.iso_text(ns) == _iso_text_py(ns), ns
    for bad in (-1, 2**63):
        with pytest.raises(ValueError):
            _fasttime.iso_text(bad)


def test_compiled_decoder_refuses_what_it_cannot_do() -> None:
    args = ({}, {}, 10, 10**9, 0, False, None, print, Timestamp, Encoding.UNIX_S,
            timestamps.TimeState.OK, timestamps._SLOTS)
    assert callable(_fasttime.decoder(*args))
    for position, bad in [(3, 0), (2, 0), (4, 2**62), (11, timestamps._SLOTS[:4]),
                          (7, 3), (11, (1, 2, 3, 4, 5))]:
        wrong = list(args)
        wrong[position] = bad
        with pytest.raises((ValueError, TypeError)):
            _fasttime.decoder(*wrong)
