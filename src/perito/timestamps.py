"""Time values as stored by phones: the only module that knows epochs and units.

A `Timestamp` keeps the raw stored value, the encoding it was read with, the normalised
nanoseconds since 1970-01-01 UTC and a state. Zero and NULL are "unset", never 1970 or 2001.
"""

from __future__ import annotations

import datetime as dt
import enum
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

_fasttime: ModuleType | None
try:  # the compiled common case of `decoder` (optional: see setup.py)
    from perito import _fasttime
except ImportError:  # a build without a C compiler: the same decoders, in Python
    _fasttime = None

COCOA_EPOCH_S = 978_307_200  # 2001-01-01T00:00:00Z in unix seconds
WEBKIT_EPOCH_S = 11_644_473_600  # seconds from 1601-01-01 to 1970-01-01
_NS = 1_000_000_000
# Anything outside 1990..2100 after decoding is treated as invalid: no phone artifact is
# older than the smartphone, and far-future values are corruption or a wrong encoding.
_MIN_NS = 631_152_000 * _NS
_MAX_NS = 4_102_444_800 * _NS

Raw = int | float | str | None


class Encoding(enum.StrEnum):
    """How a stored time value is encoded."""

    UNIX_S = "unix_s"
    UNIX_MS = "unix_ms"
    UNIX_US = "unix_us"
    UNIX_NS = "unix_ns"
    COCOA_S = "cocoa_s"
    COCOA_NS = "cocoa_ns"
    COCOA_AUTO = "cocoa_auto"  # seconds or nanoseconds since 2001, decided per value (sms.db)
    WEBKIT_US = "webkit_us"  # microseconds since 1601 (Chrome)
    ISO_TEXT = "iso_text"  # ISO 8601 text; no zone means UTC
    PLIST_DATE = "plist_date"  # a plist <date>, stored here as ISO text in UTC
    UTC_TEXT = "utc_text"  # "YYYY-MM-DD HH:MM:SS[.f]" known to be UTC
    # Android device-local wall-clock text "YYYY-MM-DD HH:MM:SS[.f]", stored as
    # "<text> @<IANA zone>" when the device's zone is known (then converted to UTC), or bare
    # (then read as if UTC: the encoding says it is a local time of an unknown zone).
    LOCAL_TEXT = "local_text"


class TimeState(enum.StrEnum):
    OK = "ok"
    UNSET = "unset"
    INVALID = "invalid"


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_EPOCH_DAY = dt.date(1970, 1, 1)
# "YYYY-MM-DDT" per day since 1970: evidence spans a few thousand days at most.
_DAYS: dict[int, str] = {}
_DAYS_LIMIT = 100_000
_CLOCK = tuple(f"{minute // 60:02d}:{minute % 60:02d}:" for minute in range(1440))
_SECONDS = tuple(f"{second:02d}." for second in range(60))


def _iso_text_py(ns: int) -> str:
    """`datetime.isoformat(timespec="microseconds")` of the UTC moment, without building a
    datetime per value: the date is remembered per day, hours, minutes and seconds are
    looked up."""
    seconds, below = divmod(ns, _NS)
    day, second = divmod(seconds, 86_400)
    date = _DAYS.get(day)
    if date is None:
        date = (_EPOCH_DAY + dt.timedelta(days=day)).isoformat() + "T"
        if len(_DAYS) >= _DAYS_LIMIT:
            _DAYS.clear()
        _DAYS[day] = date
    return f"{date}{_CLOCK[second // 60]}{_SECONDS[second % 60]}{below // 1000:06d}+00:00"


# The same text, compiled where `perito._fasttime` could be built; only ever called with a
# time in the accepted range (1990..2100), as every decoder does.
_iso_text: Callable[[int], str] = \
    _fasttime.iso_text if _fasttime is not None else _iso_text_py


@dataclass(frozen=True, slots=True)
class Timestamp:
    """A decoded time value that remembers what was stored.

    `utc` is the ISO 8601 form, computed once: every output needs it. The field order is
    the JSON shape of a time in the records files.
    """

    raw: Raw
    encoding: Encoding
    ns: int | None
    state: TimeState
    utc: str = field(default="", compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.ns is not None and not self.utc:
            object.__setattr__(self, "utc", _iso_text_py(self.ns))

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle as the five values (cheaper than the slots dataclass default)."""
        return _revive_stamp, (self.raw, self.encoding, self.ns, self.state, self.utc)

    @property
    def ok(self) -> bool:
        return self.state is TimeState.OK

    def datetime(self) -> dt.datetime | None:
        """The value as an aware UTC datetime (microsecond precision), or None."""
        if self.ns is None:
            return None
        return _EPOCH + dt.timedelta(microseconds=self.ns // 1000)

    def iso(self) -> str:
        """ISO 8601 with offset (`2024-02-28T21:14:05.120000+00:00`), or "" when not ok."""
        return self.utc

    def mvt_text(self) -> str:
        """The incumbent tool's `YYYY-MM-DD HH:MM:SS.ffffff` (UTC, no zone), or ""."""
        text = self.utc
        return f"{text[:10]} {text[11:26]}" if text else ""

    def micros(self) -> int | None:
        return None if self.ns is None else self.ns // 1000

    def to_json(self) -> dict[str, object]:
        return {"raw": self.raw, "encoding": self.encoding.value, "ns": self.ns,
                "state": self.state.value, "utc": self.utc}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Timestamp:
        raw = data.get("raw")
        if not isinstance(raw, int | float | str) and raw is not None:
            raw = None
        return decode(raw, Encoding(str(data.get("encoding", Encoding.ISO_TEXT))))


def _slot_setter(name: str) -> Callable[[Timestamp, Any], None]:
    """The slot's own setter, which a frozen dataclass's `__setattr__` does not guard."""
    setter: Callable[[Timestamp, Any], None] = vars(Timestamp)[name].__set__
    return setter


_new = object.__new__
_set_raw = _slot_setter("raw")
_set_encoding = _slot_setter("encoding")
_set_ns = _slot_setter("ns")
_set_state = _slot_setter("state")
_set_utc = _slot_setter("utc")
# (name, member descriptor) of each slot, in field order: what the compiled decoder sets and
# the compiled records-line builder reads (`perito._fasttime`, `perito._fastrecords`).
SLOTS = tuple((name, vars(Timestamp)[name]) for name in ("raw", "encoding", "ns", "state", "utc"))
_SLOTS = tuple(slot for _name, slot in SLOTS)


def _revive_stamp(raw: Raw, encoding: Encoding, ns: int | None, state: TimeState,
                  utc: str) -> Timestamp:
    """A Timestamp with these five values, set through the slots (also how one unpickles)."""
    stamp: Timestamp = _new(Timestamp)
    _set_raw(stamp, raw)
    _set_encoding(stamp, encoding)
    _set_ns(stamp, ns)
    _set_state(stamp, state)
    _set_utc(stamp, utc)
    return stamp


def _stamp(raw: Raw, encoding: Encoding, ns: int | None, state: TimeState) -> Timestamp:
    """`Timestamp(raw, encoding, ns, state)` through the slots, without the frozen
    dataclass's `__init__`/`__post_init__` (several times faster; the same value)."""
    return _revive_stamp(raw, encoding, ns, state, "" if ns is None else _iso_text(ns))


_UNSET: dict[Encoding, Timestamp] = {}


def unset(encoding: Encoding) -> Timestamp:
    stamp = _UNSET.get(encoding)
    if stamp is None:
        stamp = _UNSET[encoding] = Timestamp(None, encoding, None, TimeState.UNSET)
    return stamp


def _checked(raw: Raw, encoding: Encoding, ns: int) -> Timestamp:
    if _MIN_NS <= ns <= _MAX_NS:
        return _stamp(raw, encoding, ns, TimeState.OK)
    return _stamp(raw, encoding, None, TimeState.INVALID)


def _number(raw: Raw) -> float | int | None:
    if isinstance(raw, bool):
        return int(raw)
    if isinstance(raw, int | float):
        return raw
    if isinstance(raw, str):
        try:
            return int(raw)
        except ValueError:
            try:
                return float(raw)
            except ValueError:
                return None
    return None


def _scaled(value: float | int, unit_ns: int, offset_s: int) -> int:
    """`value` units of `unit_ns` nanoseconds after an epoch `offset_s` seconds from 1970."""
    if isinstance(value, int):
        return value * unit_ns + offset_s * _NS
    return round(value * unit_ns) + offset_s * _NS


_UNITS: dict[Encoding, tuple[int, int]] = {
    Encoding.UNIX_S: (_NS, 0),
    Encoding.UNIX_MS: (1_000_000, 0),
    Encoding.UNIX_US: (1_000, 0),
    Encoding.UNIX_NS: (1, 0),
    Encoding.COCOA_S: (_NS, COCOA_EPOCH_S),
    Encoding.COCOA_NS: (1, COCOA_EPOCH_S),
    Encoding.WEBKIT_US: (1_000, -WEBKIT_EPOCH_S),
}


_NEVER_IS_MINUS_ONE = frozenset({Encoding.UNIX_S, Encoding.UNIX_MS, Encoding.UNIX_US,
                                 Encoding.UNIX_NS})


# Beyond this no stored number is a time in any unit, and floats this large would overflow
# once scaled (NaN fails both comparisons).
_HUGE = 1e30

_RECENT: dict[tuple[int | float, type, Encoding], Timestamp] = {}
_RECENT_LIMIT = 4096


def decode(raw: Raw, encoding: Encoding) -> Timestamp:
    """Decode a stored value; 0, NULL and "" are unset (-1 too, in unix units: WebKit's
    "never"), nonsense is invalid."""
    if type(raw) is float or type(raw) is int:
        # The common case, kept short: a finite number in a fixed unit (bool is not int).
        # Records repeat times (a file's three Manifest times are often one): equal stored
        # values of one type and encoding are one immutable value, decoded once.
        known = _RECENT.get((raw, type(raw), encoding))
        if known is not None:
            return known
        scale = _UNITS.get(encoding)
        if scale is None and encoding is Encoding.COCOA_AUTO:
            # iOS 11 moved sms.db dates from seconds to nanoseconds since 2001.
            scale = (1 if abs(raw) >= 1e14 else _NS, COCOA_EPOCH_S)
        if scale is not None and raw and raw != -1 and -_HUGE < raw < _HUGE:
            unit, offset = scale
            ns = (raw * unit if type(raw) is int else round(raw * unit)) + offset * _NS
            if _MIN_NS <= ns <= _MAX_NS:
                stamp = _stamp(raw, encoding, ns, TimeState.OK)
                if len(_RECENT) >= _RECENT_LIMIT:
                    _RECENT.clear()
                _RECENT[raw, type(raw), encoding] = stamp
                return stamp
            return _stamp(raw, encoding, None, TimeState.INVALID)
    if type(raw) is str and raw.isdigit() and raw.isascii() and raw.strip("0"):
        # Digits as text (Android's telephony backups store every time this way).
        scale = _UNITS.get(encoding)
        if scale is not None:
            unit, offset = scale
            ns = int(raw) * unit + offset * _NS
            if _MIN_NS <= ns <= _MAX_NS:
                return _stamp(raw, encoding, ns, TimeState.OK)
            return _stamp(raw, encoding, None, TimeState.INVALID)
    if raw is None:
        return unset(encoding)
    if raw == "" or (isinstance(raw, int | float) and (
            raw == 0 or (raw == -1 and encoding in _NEVER_IS_MINUS_ONE))):
        return _stamp(raw, encoding, None, TimeState.UNSET)
    if encoding in (Encoding.ISO_TEXT, Encoding.PLIST_DATE, Encoding.UTC_TEXT):
        return _decode_text(raw, encoding)
    if encoding is Encoding.LOCAL_TEXT:
        return _decode_local(str(raw))
    value = _number(raw)
    if value is None or (isinstance(value, float) and not -_HUGE < value < _HUGE):
        return _stamp(raw, encoding, None, TimeState.INVALID)
    if value == 0 or (value == -1 and encoding in _NEVER_IS_MINUS_ONE):
        return _stamp(raw, encoding, None, TimeState.UNSET)  # "0" stored as text (Android)
    if encoding is Encoding.COCOA_AUTO:
        # iOS 11 moved sms.db dates from seconds to nanoseconds since 2001.
        unit = 1 if abs(value) >= 1e14 else _NS
        return _checked(raw, encoding, _scaled(value, unit, COCOA_EPOCH_S))
    unit, offset = _UNITS[encoding]
    return _checked(raw, encoding, _scaled(value, unit, offset))


Decoder = Callable[[Any], Timestamp]


def decoder(encoding: Encoding, other: Decoder | None = None) -> Decoder:
    """`decode(·, encoding)` as one function, the encoding's work done once: the same
    values, cheaper for what columns hold most (a number, NULL).

    Values of any other type (text, bytes…) go to `other` (default: `decode`), so a caller
    that must first turn bytes into text can say so.
    """
    slow: Decoder = other or (lambda raw: decode(raw, encoding))
    auto = encoding is Encoding.COCOA_AUTO
    scale = (_NS, COCOA_EPOCH_S) if auto else _UNITS.get(encoding)
    if scale is None:  # text encodings: no number is common enough to plan for
        return lambda raw: unset(encoding) if raw is None else slow(raw)
    fixed_unit, offset = scale
    offset_ns = offset * _NS
    nothing = unset(encoding)
    # Equal stored values of one type are one immutable value, decoded once (as `decode`).
    floats: dict[float, Timestamp] = {}
    ints: dict[int, Timestamp] = {}

    def decode_one(raw: Any) -> Timestamp:
        kind = type(raw)
        if kind is float:
            known = floats.get(raw)
            if known is not None:
                return known
            seen: dict[Any, Timestamp] = floats
        elif kind is int:
            known = ints.get(raw)
            if known is not None:
                return known
            seen = ints
        elif raw is None:
            return nothing
        else:
            return slow(raw)
        # 0 and -1 are decided by `decode` (unset, or a time, by encoding); so are NaN,
        # infinities and values out of range (invalid).
        ns = None
        if raw and raw != -1 and -_HUGE < raw < _HUGE:
            unit = (1 if abs(raw) >= 1e14 else _NS) if auto else fixed_unit
            ns = (raw * unit if kind is int else round(raw * unit)) + offset_ns
        if ns is not None and _MIN_NS <= ns <= _MAX_NS:
            stamp: Timestamp = _new(Timestamp)
            _set_raw(stamp, raw)
            _set_encoding(stamp, encoding)
            _set_ns(stamp, ns)
            _set_state(stamp, _OK)
            _set_utc(stamp, _iso_text(ns))
        else:
            stamp = decode(raw, encoding)
            # Unset and invalid values are remembered too (0 is common: a message never
            # read), but not ±0.0 (one key for two raws that print differently) nor NaN
            # (never found again).
            if kind is float and not (raw and raw == raw):
                return stamp
        if len(seen) >= _RECENT_LIMIT:
            seen.clear()
        seen[raw] = stamp
        return stamp

    if _fasttime is not None and -(1 << 62) < offset_ns < (1 << 62):
        # The same decoder compiled: it does what the loop above does for a number in range
        # or already seen (sharing its dicts) and calls `decode_one` for the rest.
        fast: Decoder = _fasttime.decoder(
            floats, ints, _RECENT_LIMIT, fixed_unit, offset_ns, auto, nothing, decode_one,
            Timestamp, encoding, _OK, _SLOTS)
        return fast
    return decode_one


_OK = TimeState.OK


def _decode_text(raw: Raw, encoding: Encoding) -> Timestamp:
    text = str(raw).strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return _stamp(raw, encoding, None, TimeState.INVALID)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return _checked(raw, encoding, _datetime_ns(parsed))


_LOCAL_ZONE_MARK = " @"


def device_local(text: str, zone: str | None) -> Timestamp:
    """A device-local wall-clock time, converted when the device's IANA `zone` is known."""
    text = text.strip()
    if not text:
        return unset(Encoding.LOCAL_TEXT)
    return _decode_local(f"{text}{_LOCAL_ZONE_MARK}{zone}" if zone else text)


def in_zone(stamp: Timestamp, zone: str | None) -> str:
    """The time as ISO 8601 in an IANA zone (the device's wall clock), or "" when unknown."""
    moment = stamp.datetime()
    if moment is None or not zone:
        return ""
    try:
        return moment.astimezone(zoneinfo.ZoneInfo(zone)).isoformat(timespec="seconds")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return ""


def local_zone(stamp: Timestamp) -> str | None:
    """The zone a LOCAL_TEXT time was converted with, or None (zone unknown, read as UTC)."""
    if stamp.encoding is not Encoding.LOCAL_TEXT or not isinstance(stamp.raw, str):
        return None
    _text, mark, zone = stamp.raw.partition(_LOCAL_ZONE_MARK)
    return zone if mark else None


def _decode_local(raw: str) -> Timestamp:
    text, _mark, zone_name = raw.partition(_LOCAL_ZONE_MARK)
    try:
        parsed = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return Timestamp(raw, Encoding.LOCAL_TEXT, None, TimeState.INVALID)
    if parsed.tzinfo is None:
        zone: dt.tzinfo = dt.UTC
        if zone_name:
            try:
                zone = zoneinfo.ZoneInfo(zone_name)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                return Timestamp(raw, Encoding.LOCAL_TEXT, None, TimeState.INVALID)
        parsed = parsed.replace(tzinfo=zone)
    return _checked(raw, Encoding.LOCAL_TEXT, _datetime_ns(parsed))


def _datetime_ns(value: dt.datetime) -> int:
    delta = value - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return (delta.days * 86_400 + delta.seconds) * _NS + delta.microseconds * 1000


def from_datetime(value: dt.datetime) -> Timestamp:
    """A plist `date` (naive values are UTC, as plistlib returns them)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    text = value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    return _checked(text, Encoding.PLIST_DATE, _datetime_ns(value))
