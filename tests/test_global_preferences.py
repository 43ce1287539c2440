from __future__ import annotations

import plistlib
from pathlib import Path
from typing import Any

import pytest

import perito.analysis  # noqa: F401  (registers the heuristics)
from perito.artifacts.base import SchemaMismatch
from perito.artifacts.ios.global_preferences import ARTIFACT, GlobalPreference, render
from perito.detections import analyse
from perito.levels import Level
from perito.records import from_dict, to_dict
from perito.sources.plist import PlistError
from tests.builders.ios.global_preferences import RELATIVE_PATH, global_preferences_plist
from tests.builders.ios_backup import BackupBuilder
from tests.helpers import extract


def _extract(tmp_path: Path, data: bytes) -> list[GlobalPreference]:
    builder = BackupBuilder()
    builder.add_file("HomeDomain", RELATIVE_PATH, data)
    records, _ = extract(builder.write(tmp_path / "backup"), ARTIFACT)
    assert all(isinstance(r, GlobalPreference) for r in records)
    return [r for r in records if isinstance(r, GlobalPreference)]


def _entries(records: list[GlobalPreference]) -> dict[str, tuple[str, str]]:
    return {r.entry: (r.value, r.value_type) for r in records}


def _findings(record: GlobalPreference) -> list[tuple[str, Level, str]]:
    return [(d.finding, d.level, d.message) for d in analyse(record, ARTIFACT.id, ARTIFACT.slug)]


def test_one_record_per_top_level_key(tmp_path: Path) -> None:
    records = _extract(tmp_path, global_preferences_plist(True))
    assert [r.entry for r in records] == sorted(r.entry for r in records)
    entries = _entries(records)
    assert len(entries) == 13
    assert entries["LDMGlobalEnabled"] == ("true", "bool")
    assert entries["AppleLocale"] == ("es_MX", "string")
    assert entries["AppleLanguagesSchemaVersion"] == ("3300", "integer")
    assert entries["AppleLanguages"] == ('["es-MX", "en-US"]', "array")
    assert entries["TestOpaqueData"] == ("AAH+/w==", "data")
    assert entries["TestLastChange"] == ("2024-02-28T21:14:05.000000+00:00", "date")
    assert entries["com.apple.preferences.timezone.selected_city"] == (
        '{"CountryCode": "MX", "Latitude": 19.43, "Longitude": -99.13, "Name": "Mexico City", '
        '"TimeZoneName": "America/Mexico_City"}', "dict")
    assert records[0].source == "HomeDomain/Library/Preferences/.GlobalPreferences.plist"
    assert records[0].describe().startswith("Global preference AppleICUForce24HourTime = ")


def test_xml_plist_is_read_the_same(tmp_path: Path) -> None:
    binary = _extract(tmp_path / "b", global_preferences_plist(False))
    xml = _extract(tmp_path / "x", global_preferences_plist(False, fmt=plistlib.FMT_XML))
    assert _entries(xml) == _entries(binary)


def test_records_round_trip(tmp_path: Path) -> None:
    for record in _extract(tmp_path, global_preferences_plist(True)):
        assert from_dict(to_dict(record)) == record


def test_corrupt_plist(tmp_path: Path) -> None:
    data = global_preferences_plist(True)
    builder = BackupBuilder()
    builder.add_file("HomeDomain", RELATIVE_PATH, data[:40] + b"\xff" * 16)
    with pytest.raises(PlistError):
        extract(builder.write(tmp_path / "backup"), ARTIFACT)


def test_top_level_array_is_a_schema_mismatch(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_file("HomeDomain", RELATIVE_PATH,
                     plistlib.dumps(["LDMGlobalEnabled"], fmt=plistlib.FMT_BINARY))
    with pytest.raises(SchemaMismatch):
        extract(builder.write(tmp_path / "backup"), ARTIFACT)


def test_empty_dictionary(tmp_path: Path) -> None:
    assert _extract(tmp_path, plistlib.dumps({}, fmt=plistlib.FMT_BINARY)) == []


@pytest.mark.parametrize(("value", "text"), [
    (b"", ""),
    ([b"\x01", {"k": [1.5, None]}], '["AQ==", {"k": [1.5, null]}]'),
    (float("nan"), "nan"),
    (plistlib.UID(7), "7"),
])
def test_render_odd_values(value: Any, text: str) -> None:
    assert render(value) == text


def test_deep_nesting_is_bounded() -> None:
    value: Any = "leaf"
    for _ in range(200):
        value = [value]
    assert "…" in render(value)


# -- heuristics -----------------------------------------------------------------------------

def _lockdown_record(tmp_path: Path, value: Any) -> GlobalPreference:
    records = _extract(tmp_path, global_preferences_plist(value))
    return next(r for r in records if r.entry == "LDMGlobalEnabled")


def test_lockdown_mode_enabled(tmp_path: Path) -> None:
    assert _findings(_lockdown_record(tmp_path, True)) == [
        ("lockdown-mode-enabled", Level.INFORMATIONAL, "Lockdown Mode enabled")]


def test_lockdown_mode_disabled_later(tmp_path: Path) -> None:
    assert _findings(_lockdown_record(tmp_path, False)) == [
        ("lockdown-mode-disabled", Level.LOW, "Lockdown Mode was enabled and later disabled")]


def test_lockdown_mode_as_integer(tmp_path: Path) -> None:
    assert [f[0] for f in _findings(_lockdown_record(tmp_path / "on", 1))] == [
        "lockdown-mode-enabled"]
    assert [f[0] for f in _findings(_lockdown_record(tmp_path / "off", 0))] == [
        "lockdown-mode-disabled"]


def test_no_lockdown_finding_without_a_boolean(tmp_path: Path) -> None:
    assert _findings(_lockdown_record(tmp_path, "true")) == []  # a string is not the switch
    records = _extract(tmp_path / "absent", global_preferences_plist())
    assert "LDMGlobalEnabled" not in _entries(records)
    assert [f for r in records for f in _findings(r)] == []
