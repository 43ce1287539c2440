from __future__ import annotations

import json
import plistlib
from pathlib import Path

import pytest

import perito.analysis  # noqa: F401  (registers the heuristics)
from perito.artifacts.base import SchemaMismatch
from perito.artifacts.ios.id_status_cache import ARTIFACT, IdStatusLookup
from perito.detections import analyse
from perito.levels import Level
from perito.output.jsonl import dumps
from perito.records import Kind, from_dict, observables, to_dict
from perito.sources.plist import PlistError
from perito.timestamps import Encoding, TimeState
from tests.builders.ios.small_plists import (
    IDSTATUSCACHE_PATH,
    NUL_USER,
    T0,
    idstatuscache_plist,
)
from tests.builders.ios_backup import BackupBuilder
from tests.helpers import extract


def _extract(tmp_path: Path, data: bytes) -> tuple[list[IdStatusLookup], list[str]]:
    builder = BackupBuilder()
    builder.add_file("HomeDomain", IDSTATUSCACHE_PATH, data)
    records, notes = extract(builder.write(tmp_path / "backup"), ARTIFACT)
    assert all(isinstance(r, IdStatusLookup) for r in records)
    return [r for r in records if isinstance(r, IdStatusLookup)], notes


def _key(record: IdStatusLookup) -> tuple[str, str]:
    return record.service, record.user


def test_one_record_per_lookup(tmp_path: Path) -> None:
    records, notes = _extract(tmp_path, idstatuscache_plist())
    assert [_key(r) for r in records] == [
        ("com.apple.ess", NUL_USER),
        ("com.apple.ess", "tel:+525512345678"),
        ("com.apple.madrid", "mailto:'attacker.lookup@example.net'"),
        ("com.apple.madrid", "mailto:lucia.fernandez@example.org"),
        ("com.apple.madrid", "tel:+14155550123"),
        ("com.apple.madrid", "tel:+33612345678"),
        ("com.apple.madrid", "tel:+525512345678"),
    ]
    assert notes == ["1 lookups without a dictionary of details were skipped"]
    by_key = {_key(r): r for r in records}
    lucia = by_key[("com.apple.madrid", "mailto:lucia.fernandez@example.org")]
    assert lucia.email == "lucia.fernandez@example.org" and lucia.phone == ""
    assert lucia.lookup_date.encoding is Encoding.COCOA_S
    assert lucia.lookup_date.ns == (T0 - 5_000) * 1_000_000_000 - 250_000_000
    assert lucia.id_status == 1 and lucia.occurrences == 1
    assert lucia.source == "HomeDomain/" + IDSTATUSCACHE_PATH
    assert lucia.describe() == ("Lookup of mailto:lucia.fernandez@example.org within "
                                "com.apple.madrid (status 1)")
    shared = by_key[("com.apple.ess", "tel:+525512345678")]
    assert shared.phone == "+525512345678" and shared.occurrences == 2
    quoted = by_key[("com.apple.madrid", "mailto:'attacker.lookup@example.net'")]
    assert quoted.email == "attacker.lookup@example.net"  # quotes dropped for matching
    assert quoted.lookup_date.encoding is Encoding.PLIST_DATE  # a plist date
    assert quoted.lookup_date.ns == (T0 - 2_000) * 1_000_000_000
    no_status = by_key[("com.apple.madrid", "tel:+33612345678")]
    assert no_status.id_status is None  # kept, unlike the incumbent
    assert no_status.describe().endswith("within com.apple.madrid")


def test_nul_bytes_are_kept_raw_and_json_safe(tmp_path: Path) -> None:
    records, _ = _extract(tmp_path, idstatuscache_plist())
    odd = next(r for r in records if "\x00" in r.user)
    assert odd.user == NUL_USER
    assert odd.email == "lookup@example.net"
    assert odd.describe() == ("Lookup of mailto:\\x00\\x00\\x00\\x00lookup@example.net "
                              "within com.apple.ess (status 2)")
    line = dumps(to_dict(odd))
    assert "\x00" not in line
    assert from_dict(json.loads(line)) == odd


def test_observables(tmp_path: Path) -> None:
    records, _ = _extract(tmp_path, idstatuscache_plist())
    found = {(kind, value) for r in records for _f, kind, value in observables(r)}
    assert found == {
        (Kind.EMAIL, "lookup@example.net"), (Kind.EMAIL, "attacker.lookup@example.net"),
        (Kind.EMAIL, "lucia.fernandez@example.org"), (Kind.PHONE, "+14155550123"),
        (Kind.PHONE, "+33612345678"), (Kind.PHONE, "+525512345678")}


def test_records_round_trip(tmp_path: Path) -> None:
    for record in _extract(tmp_path, idstatuscache_plist())[0]:
        assert from_dict(to_dict(record)) == record


def test_empty_file_of_recent_ios(tmp_path: Path) -> None:
    assert _extract(tmp_path, plistlib.dumps({}, fmt=plistlib.FMT_BINARY)) == ([], [])


def test_odd_lookup_dates(tmp_path: Path) -> None:
    data = idstatuscache_plist({"com.apple.madrid": {
        "tel:+1": {"LookupDate": 0, "IDStatus": True},
        "tel:+2": {"LookupDate": "yesterday", "IDStatus": "1"},
        "urn:biz:1234": {"LookupDate": 1e12}}})
    records = {r.user: r for r in _extract(tmp_path, data)[0]}
    assert records["tel:+1"].lookup_date.state is TimeState.UNSET
    assert records["tel:+1"].id_status == 1
    assert records["tel:+2"].lookup_date.state is TimeState.UNSET
    assert records["tel:+2"].id_status is None
    other = records["urn:biz:1234"]
    assert other.lookup_date.state is TimeState.INVALID
    assert (other.email, other.phone) == ("", "")


def test_top_level_array_is_a_schema_mismatch(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_file("HomeDomain", IDSTATUSCACHE_PATH, idstatuscache_plist(["x"]))
    with pytest.raises(SchemaMismatch):
        extract(builder.write(tmp_path / "backup"), ARTIFACT)


def test_corrupt_plist(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_file("HomeDomain", IDSTATUSCACHE_PATH, b"bplist00" + b"\xff" * 40)
    with pytest.raises(PlistError):
        extract(builder.write(tmp_path / "backup"), ARTIFACT)


# -- heuristics -----------------------------------------------------------------------------

def test_nul_bytes_are_high(tmp_path: Path) -> None:
    records, _ = _extract(tmp_path, idstatuscache_plist())
    found = [(d.finding, d.level, d.message) for r in records
             for d in analyse(r, ARTIFACT.id, ARTIFACT.slug)]
    assert found == [("idstatuscache-nul-bytes", Level.HIGH,
                      "Lookup of mailto:\\x00\\x00\\x00\\x00lookup@example.net within "
                      "com.apple.ess contains 4 NUL bytes (suspicious identifier pattern)")]


def test_a_single_nul_byte_counts_too() -> None:
    record = IdStatusLookup(service="com.apple.madrid", user="tel:+1555\x00")
    (detection,) = analyse(record, ARTIFACT.id, ARTIFACT.slug)
    assert detection.message.endswith("contains 1 NUL byte (suspicious identifier pattern)")
    assert detection.rationale.startswith("Normal contacts never produce")
    clean = IdStatusLookup(service="com.apple.madrid", user="tel:+1555\\x00")  # the text
    assert list(analyse(clean, ARTIFACT.id, ARTIFACT.slug)) == []


def test_nul_bytes_written_as_text_are_high_too() -> None:
    """The incumbent escapes NULs to `\\x00` and then looks for two in a row, so it also
    flags an identifier that holds that text: so does perito (one backslash form is not)."""
    record = IdStatusLookup(service="com.apple.ess", user="mailto:\\x00\\x00lookup@example.net")
    (detection,) = analyse(record, ARTIFACT.id, ARTIFACT.slug)
    assert (detection.finding, detection.level) == ("idstatuscache-nul-bytes", Level.HIGH)
    assert detection.message == ("Lookup of mailto:\\x00\\x00lookup@example.net within "
                                 "com.apple.ess contains NUL bytes written as text "
                                 "(suspicious identifier pattern)")


def test_entries_that_are_not_services_are_counted(tmp_path: Path) -> None:
    data = plistlib.dumps({"": "not a service", "com.apple.madrid": [1, 2]},
                          fmt=plistlib.FMT_BINARY)
    assert _extract(tmp_path, data) == ([], ["2 top-level entries are not a service's "
                                             "dictionary of lookups and were skipped"])
