from __future__ import annotations

import plistlib
from pathlib import Path

import pytest

import perito.analysis  # noqa: F401  (registers the heuristics)
from perito.artifacts.base import SchemaMismatch
from perito.artifacts.ios.locationd_clients import (
    ARTIFACT,
    LocationdClient,
    client_name,
    process_name,
)
from perito.levels import Level
from perito.output.timeline import Timeline
from perito.records import Kind, from_dict, observables, to_dict
from perito.sources.plist import PlistError
from perito.timestamps import Encoding, TimeState
from tests.builders.ios.small_plists import (
    FINDMY,
    IONOSPHERE,
    LOCATIOND_PATH,
    STAGING,
    T0,
    locationd_clients_plist,
)
from tests.builders.ios_backup import BackupBuilder
from tests.helpers import extract

NS = 1_000_000_000


def _extract(tmp_path: Path, data: bytes) -> list[LocationdClient]:
    builder = BackupBuilder()
    builder.add_file("RootDomain", LOCATIOND_PATH, data)
    records, notes = extract(builder.write(tmp_path / "backup"), ARTIFACT)
    assert notes == []
    assert all(isinstance(r, LocationdClient) for r in records)
    return [r for r in records if isinstance(r, LocationdClient)]


def _by_client(records: list[LocationdClient]) -> dict[str, LocationdClient]:
    return {r.client: r for r in records}


def test_one_record_per_client(tmp_path: Path) -> None:
    records = _extract(tmp_path, locationd_clients_plist())
    assert len(records) == 6  # the migration marker is not a client
    clients = _by_client(records)
    ionosphere = clients[IONOSPHERE]
    assert ionosphere.source == "RootDomain/" + LOCATIOND_PATH
    assert ionosphere.process_names == ("IonosphereHarvest.bundle",)
    assert ionosphere.bundle_path == "/System/Library/LocationBundles/IonosphereHarvest.bundle"
    assert (ionosphere.executable, ionosphere.registered, ionosphere.bundle_id) == ("", "", "")
    assert ionosphere.authorization == 3
    assert ionosphere.location_time_stopped.encoding is Encoding.COCOA_S
    assert ionosphere.location_time_stopped.ns == (T0 + 120) * NS
    assert ionosphere.other == '{"Whitelisted": false}'
    assert ionosphere.describe() == (
        "Location client /System/Library/LocationBundles/IonosphereHarvest.bundle, "
        "authorization 3")


def test_bundle_id_clients_and_times(tmp_path: Path) -> None:
    maps = _by_client(_extract(tmp_path, locationd_clients_plist()))["com.apple.Maps"]
    assert maps.process_names == ("com.apple.Maps",)
    assert maps.bundle_id == "com.apple.Maps"
    assert (maps.bundle_path, maps.executable, maps.registered) == (
        "/Applications/Maps.app", "/Applications/Maps.app/Maps", "/Applications/Maps.app/Maps")
    assert maps.location_time_stopped.micros() == (T0 - 7_200) * 1_000_000 - 125_000
    assert maps.consumption_period_begin.ns == (T0 - 86_400 * 30) * NS
    assert maps.visit_time_stopped.ok and maps.background_location_time_stopped.ok
    assert maps.non_persistent_significant_time_stopped.ok
    assert not maps.fence_time_stopped.ok
    assert maps.other == '{"SupportedAuthorizationMask": 15, "Whitelisted": false}'
    assert maps.describe() == "Location client com.apple.Maps, authorization 4"


def test_odd_values(tmp_path: Path) -> None:
    clients = _by_client(_extract(tmp_path, locationd_clients_plist()))
    whatsapp = clients["net.whatsapp.WhatsApp"]
    assert whatsapp.registered == "" and whatsapp.registered_flag is True
    assert whatsapp.location_time_stopped.state is TimeState.UNSET  # 0 is unset
    assert whatsapp.consumption_period_begin.encoding is Encoding.PLIST_DATE
    assert whatsapp.consumption_period_begin.ns == (T0 - 86_400 * 10) * NS
    assert whatsapp.other == '{"ClientStorageToken": "AQIDBA=="}'
    assert whatsapp.describe() == ("Location client net.whatsapp.WhatsApp, authorization 2")
    findmy = clients[FINDMY]  # trailing ":" kept in the key, not in the name
    assert findmy.process_names == ("findmydeviced",)
    assert findmy.fence_time_stopped.ns == (T0 - 600) * NS
    assert findmy.beacon_region_time_stopped.ns == (T0 - 500) * NS


def test_client_names() -> None:
    assert client_name(FINDMY) == "/usr/libexec/findmydeviced"
    assert process_name(FINDMY) == "findmydeviced"
    assert process_name("com.apple.Maps:") == "com.apple.Maps"
    assert process_name("com.apple.locationd.bundle-/System/Library/X.framework/") == (
        "X.framework")
    assert process_name("") == ""


def test_observables_match_paths_and_processes(tmp_path: Path) -> None:
    clients = _by_client(_extract(tmp_path, locationd_clients_plist()))
    staging = clients[STAGING]
    assert sorted((kind, value) for _f, kind, value in observables(staging)) == [
        (Kind.FILE_PATH, "/private/var/db/com.apple.xpc.roleaccountd.staging/subridged"),
        (Kind.PROCESS, "subridged")]
    maps = clients["com.apple.Maps"]
    assert sorted((kind, value) for _f, kind, value in observables(maps)) == [
        (Kind.APP_ID, "com.apple.Maps"), (Kind.FILE_PATH, "/Applications/Maps.app"),
        (Kind.FILE_PATH, "/Applications/Maps.app/Maps"),
        (Kind.FILE_PATH, "/Applications/Maps.app/Maps"), (Kind.PROCESS, "com.apple.Maps")]
    assert ARTIFACT.match_level is Level.HIGH
    assert (ARTIFACT.slug, ARTIFACT.plugin) == ("locationd_clients", "LocationdClients")


def test_timeline_labels(tmp_path: Path) -> None:
    maps = _by_client(_extract(tmp_path, locationd_clients_plist()))["com.apple.Maps"]
    timeline = Timeline()
    timeline.add(maps, ARTIFACT.id, ARTIFACT.plugin)
    labels = [event.label for event in timeline.sorted()]
    assert labels == [
        "locationd: consumption period began",
        "locationd: non-persistent significant-change monitoring stopped",
        "locationd: visit monitoring stopped",
        "locationd: background location use stopped",
        "locationd: location use stopped",
        "locationd: stopped receiving location information",
    ]
    assert {event.description for event in timeline.sorted()} == {
        "Location client com.apple.Maps, authorization 4"}


def test_records_round_trip(tmp_path: Path) -> None:
    for record in _extract(tmp_path, locationd_clients_plist()):
        assert from_dict(to_dict(record)) == record


def test_empty_plist(tmp_path: Path) -> None:
    assert _extract(tmp_path, locationd_clients_plist({})) == []


def test_top_level_array_is_a_schema_mismatch(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_file("RootDomain", LOCATIOND_PATH, plistlib.dumps([1], fmt=plistlib.FMT_BINARY))
    with pytest.raises(SchemaMismatch):
        extract(builder.write(tmp_path / "backup"), ARTIFACT)


def test_corrupt_plist(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_file("RootDomain", LOCATIOND_PATH, locationd_clients_plist()[:50])
    with pytest.raises(PlistError):
        extract(builder.write(tmp_path / "backup"), ARTIFACT)


def test_entries_that_are_not_clients_are_counted(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_file("RootDomain", LOCATIOND_PATH,
                     plistlib.dumps({"com.apple.Maps": "damaged", "x": [1]}))
    records, notes = extract(builder.write(tmp_path / "backup"), ARTIFACT)
    assert (records, notes) == ([], ["2 top-level entries are not a client's dictionary and "
                                     "were skipped"])
