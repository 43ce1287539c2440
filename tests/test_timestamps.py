from __future__ import annotations

import datetime as dt

from hypothesis import assume, given
from hypothesis import strategies as st

from perito.timestamps import Encoding, Timestamp, TimeState, decode, from_datetime
from tests.builders.timestamps import cocoa_ns, cocoa_s, webkit_us

UNIX = 1_709_154_845  # 2024-02-28T21:14:05Z


def test_encodings_agree_on_one_instant() -> None:
    expected = "2024-02-28T21:14:05.000000+00:00"
    assert decode(UNIX, Encoding.UNIX_S).iso() == expected
    assert decode(UNIX * 1000, Encoding.UNIX_MS).iso() == expected
    assert decode(UNIX * 1_000_000, Encoding.UNIX_US).iso() == expected
    assert decode(UNIX * 1_000_000_000, Encoding.UNIX_NS).iso() == expected
    assert decode(cocoa_s(UNIX), Encoding.COCOA_S).iso() == expected
    assert decode(cocoa_ns(UNIX), Encoding.COCOA_NS).iso() == expected
    assert decode(webkit_us(UNIX), Encoding.WEBKIT_US).iso() == expected
    assert decode("2024-02-28T21:14:05Z", Encoding.ISO_TEXT).iso() == expected
    assert decode("2024-02-28 21:14:05", Encoding.UTC_TEXT).iso() == expected


def test_cocoa_auto_decides_by_magnitude_and_keeps_nanoseconds() -> None:
    seconds = decode(cocoa_s(UNIX), Encoding.COCOA_AUTO)
    nanos = decode(cocoa_ns(UNIX) + 123_456_789, Encoding.COCOA_AUTO)
    assert seconds.iso() == "2024-02-28T21:14:05.000000+00:00"
    assert nanos.ns == UNIX * 1_000_000_000 + 123_456_789
    assert nanos.raw == cocoa_ns(UNIX) + 123_456_789


def test_zero_null_and_minus_one_are_unset_not_epochs() -> None:
    for raw in (0, 0.0, None, ""):
        stamp = decode(raw, Encoding.COCOA_S)
        assert stamp.state is TimeState.UNSET
        assert stamp.iso() == "" and stamp.mvt_text() == ""
    assert decode(-1, Encoding.UNIX_S).state is TimeState.UNSET  # WebKit's "never"
    assert decode(-1, Encoding.COCOA_S).ok  # one second before 2001 is a real value


def test_nonsense_is_invalid() -> None:
    assert decode(UNIX, Encoding.UNIX_NS).state is TimeState.INVALID  # wrong unit: 1970
    assert decode("yesterday", Encoding.ISO_TEXT).state is TimeState.INVALID
    assert decode(float("nan"), Encoding.UNIX_S).state is TimeState.INVALID
    assert decode(10**30, Encoding.UNIX_S).state is TimeState.INVALID


def test_mvt_text_and_plist_dates() -> None:
    stamp = from_datetime(dt.datetime(2024, 2, 28, 21, 14, 5, 120000))
    assert stamp.mvt_text() == "2024-02-28 21:14:05.120000"
    assert stamp.micros() == UNIX * 1_000_000 + 120000


@given(st.integers(min_value=700_000_000, max_value=4_000_000_000))
def test_json_round_trip(unix: int) -> None:
    stamp = decode(unix, Encoding.UNIX_S)
    assert Timestamp.from_json(stamp.to_json()) == stamp
    assume(unix != 978_307_200)  # Cocoa 0 is "unset" by design
    assert decode(cocoa_s(unix), Encoding.COCOA_S).ns == unix * 1_000_000_000


def test_times_stored_as_digit_text() -> None:
    """Android's telephony backups write every time as a JSON string of digits."""
    as_text = decode("1709280000123", Encoding.UNIX_MS)
    assert as_text.raw == "1709280000123"
    assert as_text.ns == decode(1709280000123, Encoding.UNIX_MS).ns == 1709280000123000000
    assert decode("1709280100", Encoding.UNIX_S).utc == "2024-03-01T08:01:40.000000+00:00"
    for unset in ("0", "00", "-1", ""):
        assert decode(unset, Encoding.UNIX_MS).state is TimeState.UNSET, unset
    assert decode("99999999999999999999", Encoding.UNIX_MS).state is TimeState.INVALID
    assert decode("１２３", Encoding.UNIX_MS).state is not TimeState.OK  # non-ASCII digits
