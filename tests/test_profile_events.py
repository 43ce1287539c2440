from __future__ import annotations

import datetime as dt
import plistlib
from pathlib import Path

import pytest

import perito.analysis  # noqa: F401  (registers the heuristics)
from perito.artifacts.base import SchemaMismatch
from perito.artifacts.ios.profile_events import ARTIFACT, ConfigurationProfileEvent
from perito.detections import analyse
from perito.levels import Level
from perito.records import Kind, from_dict, observables, to_dict
from perito.sources.plist import PlistError
from perito.timestamps import TimeState
from tests.builders.ios import profiles as p
from tests.builders.ios_backup import BackupBuilder
from tests.helpers import extract


def _extract(tmp_path: Path, data: bytes, domain: str = p.DOMAIN
             ) -> tuple[list[ConfigurationProfileEvent], list[str]]:
    builder = BackupBuilder()
    builder.add_file(domain, p.EVENTS_PATH, data)
    records, notes = extract(builder.write(tmp_path / "backup"), ARTIFACT)
    assert all(isinstance(r, ConfigurationProfileEvent) for r in records)
    return [r for r in records if isinstance(r, ConfigurationProfileEvent)], notes


def _findings(record: ConfigurationProfileEvent) -> list[tuple[str, Level, str]]:
    return [(d.finding, d.level, d.message) for d in analyse(record, ARTIFACT.id, ARTIFACT.slug)]


def test_one_record_per_event(tmp_path: Path) -> None:
    records, notes = _extract(tmp_path, p.profile_events_plist())
    assert notes == []
    assert [(r.profile_id, r.operation, r.process) for r in records] == [
        ("mx.oficina.wifi", "install", "Preferences"),
        ("com.acme.mdm.enrollment", "install", "mdmd"),
        ("com.example.notificaciones", "install", "Preferences"),  # capitalised keys
        ("com.example.beta", "install", "dmd"),
        ("com.example.beta", "remove", "dmd"),
    ]
    assert records[2].timestamp.iso() == "2024-02-27T23:58:40.000000+00:00"
    assert records[4].timestamp.state is TimeState.OK
    assert records[0].source == f"{p.DOMAIN}/{p.EVENTS_PATH}"
    assert records[4].describe() == "Process dmd removed configuration profile com.example.beta"
    assert records[1].describe() == ("Process mdmd installed configuration profile "
                                     "com.acme.mdm.enrollment")


def test_observables(tmp_path: Path) -> None:
    records, _ = _extract(tmp_path, p.profile_events_plist())
    assert {(k, v) for _, k, v in observables(records[1])} == {
        (Kind.PROFILE_ID, "com.acme.mdm.enrollment"), (Kind.PROCESS, "mdmd")}


def test_xml_and_any_domain(tmp_path: Path) -> None:
    records, _ = _extract(tmp_path, p.profile_events_plist(fmt=plistlib.FMT_XML),
                          domain="HomeDomain")
    assert len(records) == 5
    assert records[0].source == f"HomeDomain/{p.EVENTS_PATH}"


def test_odd_events(tmp_path: Path) -> None:
    events = plistlib.dumps({"ProfileEvents": [
        {"com.example.a": {"TIMESTAMP": "2024-02-28T21:14:05Z", "operation": "update",
                           "Process": "profiled", "Reason": "renewal",
                           "Payload": b"\x00\x01"}},
        {"com.example.b": {}},
        {"com.example.c": {"timestamp": 730_000_000.5, "operation": "install"},
         "com.example.d": {"timestamp": dt.datetime(2001, 1, 1), "operation": "remove"}},
        "not an event",
        {"com.example.e": "not a dictionary"},
    ]})
    records, notes = _extract(tmp_path, events)
    assert [r.profile_id for r in records] == ["com.example.a", "com.example.b",
                                               "com.example.c", "com.example.d"]
    first = records[0]
    assert first.timestamp.iso() == "2024-02-28T21:14:05.000000+00:00"
    assert first.details == ("payload=<2 bytes>", "reason=renewal")
    assert first.describe() == ('Process profiled performed "update" on configuration profile '
                                "com.example.a")
    assert records[1].timestamp.state is TimeState.UNSET
    assert records[1].operation is None and records[1].process == ""
    assert records[1].describe() == ("An unknown process acted on configuration profile "
                                     "com.example.b")
    assert records[2].timestamp.iso() == "2024-02-19T01:46:40.500000+00:00"  # Cocoa seconds
    assert records[3].timestamp.state is TimeState.UNSET  # a plist date of 0 (2001-01-01)
    assert notes == ["2 profile events were not dictionaries and were skipped"]


def test_records_round_trip(tmp_path: Path) -> None:
    records, _ = _extract(tmp_path, p.profile_events_plist())
    for record in records:
        assert from_dict(to_dict(record)) == record


def test_empty_plist_and_empty_list(tmp_path: Path) -> None:
    records, notes = _extract(tmp_path / "a", plistlib.dumps({}))
    assert (records, notes) == ([], ["an empty dictionary: no profile was ever installed or "
                                     "removed"])
    assert _extract(tmp_path / "b", plistlib.dumps({"ProfileEvents": []}))[0] == []


@pytest.mark.parametrize("content", [
    {"SomethingElse": []},
    {"ProfileEvents": {"com.example.a": {}}},
    ["ProfileEvents"],
])
def test_foreign_plist_is_a_schema_mismatch(tmp_path: Path, content: object) -> None:
    builder = BackupBuilder()
    builder.add_file(p.DOMAIN, p.EVENTS_PATH, plistlib.dumps(content))
    with pytest.raises(SchemaMismatch):
        extract(builder.write(tmp_path / "backup"), ARTIFACT)


def test_corrupt_plist(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_file(p.DOMAIN, p.EVENTS_PATH, p.profile_events_plist()[:60])
    with pytest.raises(PlistError):
        extract(builder.write(tmp_path / "backup"), ARTIFACT)


# -- heuristics -----------------------------------------------------------------------------

def test_every_operation_is_low(tmp_path: Path) -> None:
    records, _ = _extract(tmp_path, p.profile_events_plist())
    findings = [f for r in records for f in _findings(r)]
    assert len(findings) == 5
    assert {(name, level) for name, level, _ in findings} == {
        ("configuration-profile-operation", Level.LOW)}
    assert findings[4][2] == ('On 2024-02-28T21:14:05.000000+00:00 process "dmd" started '
                              'operation "remove" of profile "com.example.beta"')


def test_operation_without_details(tmp_path: Path) -> None:
    records, _ = _extract(tmp_path, plistlib.dumps({"ProfileEvents": [{"com.example.b": {}}]}))
    assert _findings(records[0]) == [(
        "configuration-profile-operation", Level.LOW,
        'On an unknown time process "?" started operation "?" of profile "com.example.b"')]
