from __future__ import annotations

import hashlib
import plistlib
from pathlib import Path
from typing import Any

import pytest

import perito.analysis  # noqa: F401  (registers the heuristics)
from perito.artifacts.base import Context, SchemaMismatch
from perito.artifacts.ios.applications import ARTIFACT, InstalledApplication
from perito.detections import analyse
from perito.levels import Level
from perito.records import Kind, from_dict, observables, to_dict
from perito.sources.evidence import EvidenceFile
from perito.sources.plist import PlistError
from perito.timestamps import Encoding, TimeState
from tests.builders.ios import applications as a
from tests.builders.ios_backup import BackupBuilder
from tests.helpers import extract


def _write(tmp_path: Path, applications: dict[str, dict[str, Any]],
           info: dict[str, Any] | None = None, fmt: int = plistlib.FMT_XML) -> Path:
    builder = BackupBuilder(applications=applications)
    root = builder.write(tmp_path / "backup", info_format=fmt)
    if info is not None:
        (root / "Info.plist").write_bytes(plistlib.dumps(info, fmt=fmt))
    return root


def _extract(root: Path) -> tuple[list[InstalledApplication], list[str]]:
    records, notes = extract(root, ARTIFACT)
    assert all(isinstance(r, InstalledApplication) for r in records)
    return [r for r in records if isinstance(r, InstalledApplication)], notes


def _apps(tmp_path: Path) -> dict[str, InstalledApplication]:
    records, notes = _extract(_write(tmp_path, a.sample_applications()))
    assert notes == []
    return {r.bundle_id: r for r in records}


def _findings(record: InstalledApplication) -> list[tuple[str, Level, str]]:
    return [(d.finding, d.level, d.message) for d in analyse(record, ARTIFACT.id, ARTIFACT.slug)]


def test_one_record_per_application(tmp_path: Path) -> None:
    apps = _apps(tmp_path)
    assert sorted(apps) == sorted(a.sample_applications())
    assert all(r.source == "Info.plist" and r.in_installed_list for r in apps.values())


def test_app_store_metadata(tmp_path: Path) -> None:
    whatsapp = _apps(tmp_path)[a.WHATSAPP]
    assert whatsapp.software_version_bundle_id == a.WHATSAPP
    assert whatsapp.item_name == "WhatsApp Messenger"
    assert whatsapp.artist_name == "WhatsApp Inc."
    assert whatsapp.version == "24.4.79"
    assert whatsapp.bundle_version == "706331512"
    assert whatsapp.item_id == 310633997
    assert whatsapp.genre == "Social Networking"
    assert whatsapp.source_app == "com.apple.AppStore"
    assert whatsapp.is_redownload is True
    assert whatsapp.has_metadata is True
    assert whatsapp.apple_id_present is True
    assert whatsapp.icon_sha256 == hashlib.sha256(a.placeholder_icon(a.WHATSAPP)).hexdigest()
    assert whatsapp.describe() == ("Application WhatsApp Messenger (net.whatsapp.WhatsApp) "
                                   "version 24.4.79 by WhatsApp Inc. installed from "
                                   "com.apple.AppStore")


def test_purchase_date_is_utc(tmp_path: Path) -> None:
    apps = _apps(tmp_path)
    stamp = apps[a.WHATSAPP].purchase_date
    assert stamp.encoding is Encoding.ISO_TEXT
    assert stamp.raw == "2023-05-14T18:22:11Z"
    assert stamp.iso() == "2023-05-14T18:22:11.000000+00:00"
    assert apps[a.NO_ID].purchase_date.state is TimeState.UNSET


def test_xml_metadata_and_missing_keys(tmp_path: Path) -> None:
    apps = _apps(tmp_path)
    signal = apps[a.SIGNAL]  # iTunesMetadata stored as an XML plist
    assert signal.item_name == "Signal - Private Messenger"
    assert signal.source_app == "com.apple.AppStore.ProductPageExtension"
    old = apps[a.OLD]
    assert old.source_app is None
    assert old.icon_sha256 is None
    assert old.describe().endswith("installed from the App Store")
    assert apps[a.FIELD].apple_id_present is False


def test_no_personal_data_in_records(tmp_path: Path) -> None:
    for record in _apps(tmp_path).values():
        text = repr(to_dict(record))
        assert "persona.prueba@example.com" not in text
        assert "Prueba" not in text and "12345678901" not in text


def test_application_without_metadata(tmp_path: Path) -> None:
    helper = _apps(tmp_path)[a.ENTERPRISE]
    assert helper.has_metadata is False
    assert helper.software_version_bundle_id is None
    assert helper.icon_sha256 is not None
    assert helper.purchase_date.state is TimeState.UNSET
    assert helper.describe() == ("Application com.example.enterprise.helper "
                                 "(no App Store metadata)")


def test_installed_list_without_applications_dict(tmp_path: Path) -> None:
    builder = BackupBuilder(applications=a.sample_applications())
    info = builder.info_plist()
    info["Installed Applications"] = [a.WHATSAPP, "com.example.listed.only", a.WHATSAPP, 7]
    info["Applications"] = {a.WHATSAPP: info["Applications"][a.WHATSAPP],
                            a.SIGNAL: info["Applications"][a.SIGNAL]}
    records, notes = _extract(_write(tmp_path, {}, info))
    assert notes == []
    assert [(r.bundle_id, r.has_metadata, r.in_installed_list) for r in records] == [
        (a.WHATSAPP, True, True), (a.SIGNAL, True, False),
        ("com.example.listed.only", False, True)]


def test_info_plist_without_application_keys(tmp_path: Path) -> None:
    info = BackupBuilder().info_plist()
    del info["Installed Applications"]
    records, notes = _extract(_write(tmp_path, {}, info))
    assert records == []
    assert notes == ["Info.plist has neither Applications nor Installed Applications"]


def test_empty_installed_list(tmp_path: Path) -> None:
    records, notes = _extract(_write(tmp_path, {}))
    assert records == [] and notes == []


def test_damaged_metadata_keeps_the_app(tmp_path: Path) -> None:
    apps = {a.WHATSAPP: a.app_entry(b"bplist00\x00\x01garbage", seed="x"),
            a.SIGNAL: a.app_entry(plistlib.dumps(["not", "a", "dict"]), seed="y"),
            a.OLD: {"iTunesMetadata": a.itunes_metadata(
                a.OLD, "Classic Notes", "Example Software", "1.4", "14", 412000004,
                "Productivity")},  # a dictionary instead of data
            "com.example.odd": "not a dictionary"}
    records, notes = _extract(_write(tmp_path, apps))
    by_id = {r.bundle_id: r for r in records}
    assert by_id[a.WHATSAPP].has_metadata is False
    assert by_id[a.SIGNAL].has_metadata is False
    assert by_id[a.OLD].has_metadata is True and by_id[a.OLD].item_id == 412000004
    assert by_id["com.example.odd"].has_metadata is False
    assert notes == ["iTunesMetadata of 2 applications is not a readable plist"]


def test_odd_values(tmp_path: Path) -> None:
    metadata = a.itunes_metadata(a.OLD, "Classic Notes", "Example Software", "1.4", "14", 1,
                                 "Productivity", purchase_date="not a date")
    metadata.update({"itemId": "412000004", "bundleVersion": 14, "is-purchased-redownload": 1})
    records, _ = _extract(_write(tmp_path, {a.OLD: a.app_entry(metadata, seed="z")}))
    (record,) = records
    assert record.item_id == 412000004
    assert record.bundle_version == "14"
    assert record.is_redownload is None
    assert record.purchase_date.state is TimeState.INVALID


def test_binary_info_plist(tmp_path: Path) -> None:
    records, _ = _extract(_write(tmp_path, a.sample_applications(), fmt=plistlib.FMT_BINARY))
    assert len(records) == len(a.sample_applications())


def test_observables(tmp_path: Path) -> None:
    whatsapp = _apps(tmp_path)[a.WHATSAPP]
    assert {(k, v) for _, k, v in observables(whatsapp)} == {
        (Kind.APP_ID, a.WHATSAPP), (Kind.PROCESS, a.WHATSAPP)}


def test_records_round_trip(tmp_path: Path) -> None:
    for record in _apps(tmp_path).values():
        assert from_dict(to_dict(record)) == record


def test_corrupt_info_plist(tmp_path: Path) -> None:
    root = _write(tmp_path, a.sample_applications())
    (root / "Info.plist").write_bytes(b"<?xml version='1.0'?><plist><dict><key>")
    with pytest.raises(PlistError):
        _extract(root)


def test_info_plist_not_a_dictionary(tmp_path: Path) -> None:
    root = _write(tmp_path, {})
    (root / "Info.plist").write_bytes(plistlib.dumps(["Applications"]))
    with pytest.raises(SchemaMismatch):
        _extract(root)


class _Dump:
    """The part of a filesystem-dump source the extractor uses."""

    platform = "ios"

    def read_bytes(self, evidence: EvidenceFile) -> bytes:
        return evidence.path.read_bytes()


def test_filesystem_itunes_metadata(tmp_path: Path) -> None:
    relative = ("private/var/containers/Bundle/Application/"
                "3F2A1B0C-9D8E-4F7A-B6C5-D4E3F2A1B0C9/iTunesMetadata.plist")
    path = tmp_path / relative
    path.parent.mkdir(parents=True)
    path.write_bytes(plistlib.dumps(a.itunes_metadata(
        a.BETA, "Beta Messenger", "Example Labs", "0.9", "41", 6449000001, "Productivity",
        source_app="com.apple.TestFlight")))
    evidence = EvidenceFile(address=relative, path=path, device_path="/" + relative)
    (record,) = list(ARTIFACT.extract(Context(_Dump(), evidence)))  # type: ignore[arg-type]
    assert isinstance(record, InstalledApplication)
    assert record.bundle_id == a.BETA
    assert record.file_path == "/" + relative
    assert record.source_app == "com.apple.TestFlight"
    assert [f[0] for f in _findings(record)] == ["app-not-from-app-store"]


# -- heuristics -----------------------------------------------------------------------------

def test_installs_from_outside_the_app_store(tmp_path: Path) -> None:
    apps = _apps(tmp_path)
    flagged = {bundle: _findings(record) for bundle, record in apps.items() if _findings(record)}
    assert flagged == {
        a.BETA: [("app-not-from-app-store", Level.MEDIUM,
                  "Beta Messenger (com.example.beta.messenger) was installed from TestFlight "
                  "(com.apple.TestFlight), not from the App Store or MDM")],
        a.MARKET: [("app-not-from-app-store", Level.MEDIUM,
                    "Quick VPN (com.example.marketplace.vpn) was installed from "
                    "com.example.marketplace (an enterprise or developer installer, or an "
                    "alternative marketplace), not from the App Store or MDM")],
        a.NO_ID: [("app-without-bundle-id", Level.MEDIUM,
                   "Family Tracker (com.example.tracker) has App Store metadata without "
                   "softwareVersionBundleId")],
    }


def test_empty_source_app_is_flagged(tmp_path: Path) -> None:
    metadata = a.itunes_metadata(a.OLD, "Classic Notes", "Example Software", "1.4", "14", 1,
                                 "Productivity", source_app="")
    records, _ = _extract(_write(tmp_path, {a.OLD: a.app_entry(metadata, seed="e")}))
    assert _findings(records[0]) == [(
        "app-not-from-app-store", Level.MEDIUM,
        "Classic Notes (com.example.notes.classic) was installed from an empty installer name, "
        "not from the App Store or MDM")]
