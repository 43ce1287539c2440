"""The speed-ups give exactly what the generic routes give (each checked against it)."""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from perito.artifacts.base import build_record, row_mapper
from perito.artifacts.ios.safari_history import SafariVisit, _query
from perito.indicators import match_value, normalise
from perito.records import Kind, Record, observable
from perito.sources.sqlite import schema
from perito.timestamps import (
    Encoding,
    Timestamp,
    TimeState,
    _iso_text,
    _iso_text_py,
    decode,
    decoder,
    unset,
)
from tests.builders.ios.safari import Visit, history_db
from tests.builders.timestamps import cocoa_s

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _reference_iso(ns: int) -> str:
    return (_EPOCH + dt.timedelta(microseconds=ns // 1000)).isoformat(timespec="microseconds")


def test_iso_text_is_datetime_isoformat() -> None:
    rng = random.Random(7)
    day = 86_400 * 10**9
    values = [rng.randrange(631_152_000 * 10**9, 4_102_444_800 * 10**9) for _ in range(20_000)]
    # Day and leap-day boundaries, the last microsecond of a day, sub-microsecond parts.
    values += [d * day + delta for d in (7_000, 11_016, 11_017, 19_782, 47_482)
               for delta in (0, 1, 999, 1000, day - 1, day - 1000, -1, -1000)]
    for ns in values:
        assert _iso_text(ns) == _reference_iso(ns), ns  # compiled, where it was built
    for ns in [*values, -1, -10**9, 0]:  # the Python route takes any time
        assert _iso_text_py(ns) == _reference_iso(ns), ns


@pytest.mark.parametrize(("raw", "encoding"), [
    (730_000_000.125, Encoding.COCOA_S), (730_000_000, Encoding.COCOA_S),
    (1_709_154_845_250, Encoding.UNIX_MS), (13_350_000_000_000_000, Encoding.WEBKIT_US),
    (730_000_000_123_456_789, Encoding.COCOA_AUTO), (5.0e12, Encoding.UNIX_S),
    (float("nan"), Encoding.COCOA_S), (float("inf"), Encoding.UNIX_S), (True, Encoding.UNIX_S),
    (-1, Encoding.UNIX_S), (-1, Encoding.COCOA_S), (0, Encoding.UNIX_MS), (0.0, Encoding.COCOA_S),
    ("", Encoding.ISO_TEXT), (None, Encoding.COCOA_NS), ("730000000", Encoding.COCOA_S),
    ("2024-02-28T21:14:05Z", Encoding.ISO_TEXT), ("not a time", Encoding.ISO_TEXT),
])
def test_decoded_stamps_equal_dataclass_built_ones(raw: int | float | str | None,
                                                   encoding: Encoding) -> None:
    stamp = decode(raw, encoding)
    rebuilt = Timestamp(stamp.raw, stamp.encoding, stamp.ns, stamp.state)
    assert stamp == rebuilt
    assert stamp.utc == rebuilt.utc
    assert stamp.to_json() == rebuilt.to_json()
    assert hash(stamp) == hash(rebuilt)
    assert (stamp.utc != "") == (stamp.state is TimeState.OK)


def test_unset_is_one_shared_value_equal_to_a_new_one() -> None:
    assert unset(Encoding.COCOA_S) is unset(Encoding.COCOA_S)
    assert unset(Encoding.COCOA_S) == Timestamp(None, Encoding.COCOA_S, None, TimeState.UNSET)
    assert decode(None, Encoding.UNIX_S) == unset(Encoding.UNIX_S)


def _history(tmp_path: Path) -> sqlite3.Connection:
    t0 = 1_709_154_845.25
    visits = [Visit(f"https://site{i % 7}.example/p{i}", t0 + i * 0.37, f"T{i}" if i % 3 else None,
                    redirect_to=i + 1 if i % 5 == 0 else None) for i in range(60)]
    visits.append(Visit("https://last.example/", t0 + 999))
    path = tmp_path / "History.db"
    with sqlite3.connect(path) as db:
        history_db(visits)(db)
        db.execute("UPDATE history_visits SET title = CAST(title AS BLOB) WHERE id % 4 = 0")
        db.execute("UPDATE history_visits SET visit_time = 0 WHERE id = 9")
        db.execute("UPDATE history_visits SET visit_time = ? WHERE id = 10", (cocoa_s(5e9),))
    db.close()
    connection = sqlite3.connect(path)
    connection.text_factory = lambda b: b.decode("utf-8", errors="replace")
    return connection


def test_row_mapper_gives_build_record_records(tmp_path: Path) -> None:
    connection = _history(tmp_path)
    query = _query(schema(connection))
    encodings = {"visit_time": Encoding.COCOA_S, "redirect_destination_time": Encoding.COCOA_S}
    connection.row_factory = sqlite3.Row
    expected = [build_record(SafariVisit, row, encodings, "History.db")
                for row in connection.execute(query)]
    connection.row_factory = None
    cursor = connection.execute(query)
    mapper = row_mapper(SafariVisit, [c[0] for c in cursor.description], encodings, "History.db")
    got = [mapper(row) for row in cursor]
    assert got == expected
    assert [r.visit_time.utc for r in got] == [r.visit_time.utc for r in expected]
    assert any(isinstance(r.title, str) for r in got)  # BLOB titles decoded like the generic


def test_row_mapper_takes_the_first_column_of_a_name_ignoring_case() -> None:
    connection = sqlite3.connect(":memory:")
    query = "SELECT 'first' AS URL, 'second' AS url, 7 AS ID, 730000000.5 AS visit_time"
    connection.row_factory = sqlite3.Row
    row = connection.execute(query).fetchone()
    expected = build_record(SafariVisit, row, {"visit_time": Encoding.COCOA_S}, "x")
    connection.row_factory = None
    cursor = connection.execute(query)
    mapper = row_mapper(SafariVisit, [c[0] for c in cursor.description],
                        {"visit_time": Encoding.COCOA_S}, "x")
    assert mapper(cursor.fetchone()) == expected


_URLS = [
    "https://example.com/", "http://example.com", "https://www.example.com/a?b#c",
    "https://example.com?q", "https://example.com#f", "https://EXAMPLE.com/", "HTTPS://a.com/",
    " https://a.com/", "https://a.com/ ", "https://a.com.", "https://a.com./x", "https://.a.com/",
    "https://a..com/", "https://1.2.3.4/", "https://01.2.3.4/", "https://0x7f.0.0.1/",
    "https://a.0xbeef/", "https://a.0x/", "https://3221225985/", "https://a-b.c-d.ef/",
    "https://a.com-/", "https://user@evil.com/", "https://a.com:443/", "https://a.com:/",
    "https://a.com\\@b.com/", "https://%61.com/", "https://xn--bcher-kva.example/",
    "https://bücher.example/", "https://a_b.com/", "https://[::1]/", "ftp://a.com/",
    "//a.com/", "a.com/x", "mailto:x@a.com", "https://", "https://a.com\n", "http://ab",
]


def test_host_of_url_fast_path_is_the_parser() -> None:
    rng = random.Random(3)
    alphabet = "abcxyz019.-_@:/?#\\%AZ ü[]"
    generated = ["https://" + "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 14)))
                 for _ in range(20_000)]
    for url in _URLS + generated:
        assert normalise.host_of_url(url) == normalise.parsed_host_of_url(url), url


def test_remembered_lookups_give_the_matches_of_a_fresh_index() -> None:
    from tests.test_indicators_match import build

    patterns = ("[domain-name:value = 'malicious.example']", "[process:name = 'bh']",
                "[process:name = 'ReminderIntentsUIExtension']", "[file:name = 'evil.plist']")
    values = [(Kind.URL, "https://a.malicious.example/x"), (Kind.URL, "https://malicious.example"),
              (Kind.URL, "https://b.malicious.example/"), (Kind.DOMAIN, "malicious.example"),
              (Kind.FILE_PATH, "/private/var/db/bh/evil.plist"), (Kind.PROCESS, "bh"),
              (Kind.FILE_PATH, "/private/var/tmp/bh"), (Kind.PROCESS, "ReminderIntentsU"),
              (Kind.URL, "https://clean.example/")]
    warm = build(*patterns)
    for kind, value in values:  # fill both caches
        match_value(warm, kind, value, field="f")
    assert warm.lookups
    for kind, value in values:
        fresh = build(*patterns)
        assert match_value(warm, kind, value, field="f") == \
            match_value(fresh, kind, value, field="f")
        assert bool(match_value(fresh, kind, value)) is ("clean" not in value)


def test_path_prefix_pruning_finds_what_walking_every_prefix_finds() -> None:
    import dataclasses

    from tests.test_indicators_match import build

    pruned = build("[file:path = '/private/var/db/com.apple.xpc.roleaccountd.staging/']",
                   "[file:path = '/private/var/tmp/evil']", "[file:path = '/usr/libexec/bad']",
                   "[file:path = '/private/var/mobile/Library/Caches/x/y.plist']",
                   "[file:path = 'Library/Preferences/bh.plist']")
    walking = dataclasses.replace(pruned, path_stems=None)
    assert pruned.path_stems and "/private/var" in pruned.path_stems
    paths = ["/private/var/db/com.apple.xpc.roleaccountd.staging/a/b", "/var/tmp/evil",
             "/private/var/tmp/evil/inner", "/private/var/tmp/evilness", "/usr/libexec/bad",
             "/usr/libexec", "/private/var/mobile/Library/Caches/x/y.plist", "/", "",
             "/private/var/mobile/Library/Preferences/bh.plist", "~/Library/Caches/x/y.plist",
             "/private//var/./tmp/evil", "relative/usr/libexec/bad", "/other/path"]
    for path in paths:
        assert pruned.lookup(Kind.FILE_PATH, path) == walking.lookup(Kind.FILE_PATH, path), path
    assert pruned.lookup(Kind.FILE_PATH, "/private/var/tmp/evil/inner")


def test_remembered_decodes_keep_the_stored_type() -> None:
    as_float = decode(730_000_000.0, Encoding.COCOA_S)
    as_int = decode(730_000_000, Encoding.COCOA_S)
    assert as_float.ns == as_int.ns
    assert type(as_float.raw) is float and type(as_int.raw) is int
    assert decode(730_000_000.0, Encoding.COCOA_S) is as_float  # decoded once
    assert decode(730_000_000, Encoding.UNIX_S).encoding is Encoding.UNIX_S
    assert decode(730_000_000, Encoding.COCOA_S).to_json() == as_int.to_json()


def test_records_and_times_pickle_to_equal_values(tmp_path: Path) -> None:
    import pickle

    from perito.artifacts.ios.datausage import DataUsageProcess

    connection = _history(tmp_path)
    cursor = connection.execute(_query(schema(connection)))
    mapper = row_mapper(SafariVisit, [c[0] for c in cursor.description],
                        {"visit_time": Encoding.COCOA_S}, "History.db")
    records: list[object] = [mapper(row) for row in cursor]
    records.append(DataUsageProcess(source="DataUsage.sqlite", process_id=3,
                                    process_name="roleaccountd",
                                    timestamp=decode(730_000_000.5, Encoding.COCOA_S)))
    records.extend([decode("garbage", Encoding.ISO_TEXT), unset(Encoding.UNIX_MS)])
    revived = pickle.loads(pickle.dumps(records, protocol=pickle.HIGHEST_PROTOCOL))
    assert revived == records
    assert [type(r) for r in revived] == [type(r) for r in records]
    assert revived[0].visit_time.utc == records[0].visit_time.utc  # type: ignore[attr-defined]


@dataclass(frozen=True, kw_only=True)
class _NoSlots(Record):
    """A record type declared without slots (allowed: the pickling must not need them)."""

    name: str = field(default="", metadata=observable(Kind.PROCESS))
    count: int = 0


def test_records_without_slots_pickle_too() -> None:
    import pickle

    record = _NoSlots(source="x", name="bh", count=3)
    assert pickle.loads(pickle.dumps(record)) == record


_ODD_RAWS: list[object] = [
    730_000_000.125, 730_000_000, 730_000_000_123_456_789, 1_709_154_845_250,
    13_350_000_000_000_000, 5.0e12, 99_999_999_999_999.0, 100_000_000_000_000,
    -730_000_000, 0, 0.0, -0.0, 1, -1, -1.0, 2.5, float("nan"), float("inf"), float("-inf"),
    1e308, -1e308, 1e29, 1e30, 10**400, -(10**400), True, False, None, "", "0",
    "730000000", "730000000.5", " 12 ", "2024-02-28T21:14:05Z", "not a time",
]


@pytest.mark.parametrize("encoding", list(Encoding))
def test_planned_decoder_is_decode(encoding: Encoding) -> None:
    rng = random.Random(11)
    values = _ODD_RAWS + [rng.uniform(-2e9, 5e9) for _ in range(300)]
    values += [rng.randrange(-10**19, 10**19) for _ in range(300)]
    one = decoder(encoding)
    for _ in range(2):  # the second pass answers from what the first remembered
        for raw in values:
            expected = decode(raw, encoding)  # type: ignore[arg-type]
            got = one(raw)
            assert got == expected, raw
            assert type(got.raw) is type(expected.raw), raw
            assert got.to_json() == expected.to_json(), raw


def test_planned_decoder_hands_other_types_to_the_caller() -> None:
    one = decoder(Encoding.COCOA_S, lambda raw: decode(raw.decode(), Encoding.COCOA_S))
    assert one(b"730000000") == decode("730000000", Encoding.COCOA_S)


@pytest.mark.parametrize("raw", [1e308, -1e308, 1e300, 10**400, "1e400"])
def test_numbers_too_large_for_any_unit_are_invalid_not_an_error(raw: float | int | str
                                                                  ) -> None:
    for encoding in Encoding:
        if encoding not in (Encoding.ISO_TEXT, Encoding.PLIST_DATE, Encoding.UTC_TEXT,
                            Encoding.LOCAL_TEXT):
            assert decode(raw, encoding).state is TimeState.INVALID


def test_manifest_times_are_the_general_route() -> None:
    from perito.artifacts.ios.manifest import _other_time, _time

    values: list[object] = [*_ODD_RAWS, dt.datetime(2024, 2, 28, 21, 14, 5, 120_000),
                            dt.datetime(2024, 2, 28, tzinfo=dt.UTC), b"1", [1], 1_694_009_285]
    for value in values:
        assert _time(value) == _other_time(value), value
        assert _time(value).to_json() == _other_time(value).to_json(), value


@dataclass(frozen=True, slots=True, kw_only=True)
class _Defaulted(Record):
    url: str = ""
    extra: int = 7  # no column: the default


@dataclass(frozen=True, slots=True, kw_only=True)
class _Checked(Record):
    url: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.url == "refused":
            raise ValueError(self.url)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Required(Record):
    url: str
    extra: int


@pytest.mark.parametrize("cls", [_Defaulted, _Checked, _Required])
def test_row_mapper_builds_what_init_builds(cls: type[Record]) -> None:
    """Set through the slots when that is all `__init__` does, else by `__init__` itself."""
    connection = sqlite3.connect(":memory:")
    for url in ("https://a.example/", b"https://b.example/\xff", None, "refused"):
        query = "SELECT ? AS url, 'ignored' AS other"
        connection.row_factory = sqlite3.Row
        row = connection.execute(query, (url,)).fetchone()
        try:
            expected: object = build_record(cls, row, {}, "x")
        except (TypeError, ValueError) as error:
            expected = type(error)
        connection.row_factory = None
        cursor = connection.execute(query, (url,))
        mapper = row_mapper(cls, [c[0] for c in cursor.description], {}, "x")
        try:
            got: object = mapper(cursor.fetchone())
        except (TypeError, ValueError) as error:
            got = type(error)
        assert got == expected
        if isinstance(got, Record):
            assert got.source == "x" and hash(got) == hash(expected)


def test_every_record_type_is_built_by_the_dataclass_init() -> None:
    """`row_mapper` sets the slots itself for types without `__post_init__`: right only
    while no record type writes an `__init__` of its own."""
    import importlib
    import pkgutil

    import perito.artifacts
    from perito.records import RECORD_TYPES

    for module in pkgutil.walk_packages(perito.artifacts.__path__, "perito.artifacts."):
        importlib.import_module(module.name)
    assert len(RECORD_TYPES) > 50
    for cls in RECORD_TYPES.values():
        assert cls.__init__.__code__.co_filename == "<string>", cls  # dataclasses' own


def test_assembler_builds_what_init_builds() -> None:
    from perito.records import assembler

    names = ("source", "url", "tags")
    values = ("x", "https://a.example/", ("a",))
    assert assembler(_Checked, names)(values) == _Checked(source="x", url="https://a.example/",
                                                          tags=("a",))
    with pytest.raises(ValueError, match="refused"):  # a `__post_init__` still runs
        assembler(_Checked, names)(("x", "refused", ()))
    made = assembler(_Defaulted, ("source", "url", "extra"))(("x", "u", 3))
    assert made == _Defaulted(source="x", url="u", extra=3) and hash(made) == hash(
        _Defaulted(source="x", url="u", extra=3))
    with pytest.raises(TypeError):  # every field, in declaration order
        assembler(_Defaulted, ("source", "extra", "url"))
    with pytest.raises(ValueError, match="zip|values for"):  # one value per field
        assembler(_Defaulted, ("source", "url", "extra"))(("x", "u"))


def test_planned_decoder_remembers_unset_but_not_signed_zeros() -> None:
    one = decoder(Encoding.COCOA_AUTO)
    assert one(0) is one(0) and one(0) == decode(0, Encoding.COCOA_AUTO)
    assert one(0.0).to_json()["raw"] == 0.0
    minus = one(-0.0).to_json()["raw"]
    assert isinstance(minus, float) and str(minus) == "-0.0"
    assert str(one(0.0).to_json()["raw"]) == "0.0"
