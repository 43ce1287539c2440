from __future__ import annotations

import datetime as dt
import hashlib
import plistlib
from pathlib import Path

import pytest

import perito.analysis  # noqa: F401  (registers the heuristics)
from perito.artifacts.base import SchemaMismatch
from perito.artifacts.ios.configuration_profiles import (
    ARTIFACT,
    ConfigurationProfile,
    certificate_der,
)
from perito.detections import analyse
from perito.levels import Level
from perito.records import Kind, from_dict, observables, to_dict
from perito.sources.plist import PlistError
from perito.timestamps import TimeState
from tests.builders.ios import profiles as p
from tests.builders.ios_backup import BackupBuilder
from tests.helpers import extract


def _extract(tmp_path: Path, files: dict[str, bytes], domain: str = p.DOMAIN
             ) -> tuple[list[ConfigurationProfile], list[str]]:
    builder = BackupBuilder()
    for path, data in files.items():
        builder.add_file(domain, path, data)
    # Other files of the same folder are not profiles.
    builder.add_file(p.DOMAIN, p.EVENTS_PATH, p.profile_events_plist())
    builder.add_file(p.DOMAIN, f"{p.FOLDER}/CloudConfigurationDetails.plist",
                     plistlib.dumps({"CloudConfigurationUIComplete": True}))
    records, notes = extract(builder.write(tmp_path / "backup"), ARTIFACT)
    assert all(isinstance(r, ConfigurationProfile) for r in records)
    return [r for r in records if isinstance(r, ConfigurationProfile)], notes


def _by_name(records: list[ConfigurationProfile]) -> dict[str, ConfigurationProfile]:
    return {r.name: r for r in records}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _findings(record: ConfigurationProfile) -> list[tuple[str, Level, str]]:
    return [(d.finding, d.level, d.message) for d in analyse(record, ARTIFACT.id, ARTIFACT.slug)]


def test_one_record_per_profile(tmp_path: Path) -> None:
    records, notes = _extract(tmp_path, p.sample_profiles())
    assert notes == []
    assert sorted(r.name for r in records) == ["Acme Corp MDM", "Empty", "Notificaciones",
                                               "Secure Connect", "Wi-Fi Oficina"]
    assert all(r.source.startswith(p.DOMAIN + "/Library/ConfigurationProfiles/profile-")
               for r in records)
    assert all(len(r.file_id) == 40 for r in records)


def test_mdm_profile_fields(tmp_path: Path) -> None:
    mdm = _by_name(_extract(tmp_path, p.sample_profiles())[0])["Acme Corp MDM"]
    assert mdm.profile_uuid == p.MDM_UUID
    assert mdm.identifier == "com.acme.mdm.enrollment"
    assert mdm.organization == "Acme Corp"
    assert mdm.description == "Enrolls this iPhone in Acme Corp device management."
    assert mdm.profile_type == "Configuration"
    assert mdm.removal_disallowed is True
    assert mdm.install_date.state is TimeState.OK
    assert mdm.install_date.iso() == "2023-09-04T08:30:12.000000+00:00"
    assert mdm.payload_types == ("com.apple.security.root", "com.apple.security.scep",
                                 "com.apple.mdm")
    assert mdm.payload_uuids[2] == "9F8E7D6C-5B4A-4392-8170-6F5E4D3C2B1A"
    assert mdm.payload_identifiers[0] == "com.acme.mdm.enrollment.root"
    # plistlib writes keys sorted, as Apple's writer usually does: CheckInURL before ServerURL.
    assert mdm.urls == ("https://scep.acme.example/scep", "https://mdm.acme.example/mdm/checkin",
                        "https://mdm.acme.example/mdm/server")
    assert mdm.signer_cert_sha256 == (_sha(p.SIGNER_DER), _sha(p.SIGNER_CHAIN_DER))
    assert mdm.payload_cert_sha256 == ()  # the root CA is only a keychain reference here
    hashed = dict(entry.split("=", 1) for entry in mdm.hashed_fields)
    assert set(hashed) == {
        "PayloadContent[0].PERSISTENT_REF", "PayloadContent[1].IdentityPersistentRef",
        "PayloadContent[2].IdentityPersistentRef", "SignerCerts[0]", "SignerCerts[1]",
        "PushTokenDataSentToServerKey", "LastPushTokenHash",
        "OTAProfileStub.PayloadContent.EnrollmentIdentityPersistentID",
        "OTAProfileStub.SignerCerts[0]"}
    assert hashed["PushTokenDataSentToServerKey"] == _sha(p.stand_in("acme-push-token", 32))
    assert mdm.describe() == (f'Configuration profile "Acme Corp MDM" ({p.MDM_UUID}) from Acme '
                              "Corp installed, payloads: com.apple.security.root, "
                              "com.apple.security.scep, com.apple.mdm")


def test_binary_values_never_kept_raw(tmp_path: Path) -> None:
    records, _ = _extract(tmp_path, p.sample_profiles())
    for record in records:
        text = repr(to_dict(record))
        assert "base64" not in text
        for value in to_dict(record).values():
            assert not isinstance(value, bytes)


def test_vpn_profile_servers_urls_and_certificates(tmp_path: Path) -> None:
    vpn = _by_name(_extract(tmp_path, p.sample_profiles())[0])["Secure Connect"]
    assert vpn.servers == ("vpn.secureconnect.example", "10.8.0.1",
                           "proxy.secureconnect.example:8080", "203.0.113.53", "2001:db8::53")
    assert vpn.urls == ("https://dns.secureconnect.example/dns-query",)
    # DER as stored, and PEM converted to DER: both are certificate fingerprints.
    assert vpn.payload_cert_sha256 == (_sha(p.ROOT_DER), _sha(p.PEM_DER))
    assert vpn.signer_cert_sha256 == ()
    kinds = {(kind, value) for _, kind, value in observables(vpn)}
    assert (Kind.PROFILE_ID, p.VPN_UUID) in kinds
    assert (Kind.DOMAIN, "vpn.secureconnect.example") in kinds
    assert (Kind.URL, "https://dns.secureconnect.example/dns-query") in kinds
    assert (Kind.CERT_SHA256, _sha(p.ROOT_DER)) in kinds


def test_link_in_description_loses_sentence_punctuation(tmp_path: Path) -> None:
    note = _by_name(_extract(tmp_path, p.sample_profiles())[0])["Notificaciones"]
    assert note.urls == ("https://soporte-ios.example.net/ayuda",)
    assert note.organization is None
    assert note.signer_cert_sha256 == ()


def test_empty_payload_content(tmp_path: Path) -> None:
    empty = _by_name(_extract(tmp_path, p.sample_profiles())[0])["Empty"]
    assert empty.payload_types == ()
    assert empty.profile_uuid == p.EMPTY_UUID
    assert empty.describe().endswith("installed, payloads: none")
    assert _findings(empty) == []


def test_missing_keys_and_odd_payloads(tmp_path: Path) -> None:
    odd = {"PayloadContent": ["not a payload", {"PayloadUUID": "B0B0B0B0-0000-4000-8000-000000000001"}],
           "PayloadIdentifier": "com.example.odd"}
    records, notes = _extract(tmp_path, {f"{p.FOLDER}/profile-odd.stub": plistlib.dumps(odd)})
    (record,) = records
    assert record.profile_uuid == ""
    assert record.name == "com.example.odd"
    assert record.payload_types == ("",)
    assert record.payload_uuids == ("B0B0B0B0-0000-4000-8000-000000000001",)
    assert record.install_date.state is TimeState.UNSET
    assert record.removal_disallowed is None
    assert notes == ["PayloadContent items that are not dictionaries were skipped"]


def test_payload_type_of_another_type_is_text(tmp_path: Path) -> None:
    """A damaged stub whose PayloadType is a list or a number (unhashable: it once crashed
    the certificate check) is read with the value as text."""
    odd = {"PayloadUUID": p.EMPTY_UUID, "PayloadContent": [
        {"PayloadType": ["com.apple.security.root"], "PayloadContent": b"\x30\x82"},
        {"PayloadType": 7, "PayloadUUID": "B0B0B0B0-0000-4000-8000-000000000002"}]}
    records, notes = _extract(tmp_path, {f"{p.FOLDER}/profile-odd.stub": plistlib.dumps(odd)})
    (record,) = records
    assert record.payload_types == ("['com.apple.security.root']", "7")
    assert record.payload_cert_sha256 == ()
    assert notes == []


def test_payload_content_not_a_list(tmp_path: Path) -> None:
    data = plistlib.dumps({"PayloadUUID": p.EMPTY_UUID, "PayloadContent": {"x": 1}})
    records, notes = _extract(tmp_path, {f"{p.FOLDER}/profile-x.stub": data})
    assert records[0].payload_types == ()
    assert notes == ["PayloadContent is not a list; payloads not read"]


def test_records_round_trip(tmp_path: Path) -> None:
    records, _ = _extract(tmp_path, p.sample_profiles())
    for record in records:
        assert from_dict(to_dict(record)) == record


def test_other_domains_are_not_read(tmp_path: Path) -> None:
    records, _ = _extract(tmp_path, p.sample_profiles(), domain="HomeDomain")
    assert records == []


def test_corrupt_profile(tmp_path: Path) -> None:
    data = p.profile_plist(p.mdm_profile())
    builder = BackupBuilder()
    builder.add_file(p.DOMAIN, p.stub_path("broken"), data[:50])
    with pytest.raises(PlistError):
        extract(builder.write(tmp_path / "backup"), ARTIFACT)


def test_top_level_array_is_a_schema_mismatch(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_file(p.DOMAIN, p.stub_path("array"), plistlib.dumps([p.EMPTY_UUID]))
    with pytest.raises(SchemaMismatch):
        extract(builder.write(tmp_path / "backup"), ARTIFACT)


def test_certificate_der_from_pem_and_garbage() -> None:
    assert certificate_der(p.pem(p.PEM_DER)) == p.PEM_DER
    assert certificate_der(b"\x30\x82\x00\x01x") == b"\x30\x82\x00\x01x"
    broken = b"-----BEGIN CERTIFICATE-----\n@@@\n-----END CERTIFICATE-----\n"
    assert certificate_der(broken) == broken


# -- heuristics -----------------------------------------------------------------------------

def test_notification_settings_profile(tmp_path: Path) -> None:
    note = _by_name(_extract(tmp_path, p.sample_profiles())[0])["Notificaciones"]
    assert _findings(note) == [(
        "configuration-profile-notification-settings", Level.MEDIUM,
        f'Configuration profile "Notificaciones" ({p.NOTIFICATION_UUID}) has '
        "com.apple.notificationsettings as its first payload")]


def test_notification_settings_not_first_is_not_flagged(tmp_path: Path) -> None:
    profile = p.wifi_profile()
    profile["PayloadContent"].append({"PayloadType": "com.apple.notificationsettings",
                                      "PayloadUUID": "C0C0C0C0-0000-4000-8000-000000000002"})
    records, _ = _extract(tmp_path, {p.stub_path("x"): p.profile_plist(profile)})
    assert _findings(records[0]) == []


def test_root_certificate_profiles(tmp_path: Path) -> None:
    by_name = _by_name(_extract(tmp_path, p.sample_profiles())[0])
    assert _findings(by_name["Acme Corp MDM"]) == [(
        "configuration-profile-root-certificate", Level.MEDIUM,
        f'Configuration profile "Acme Corp MDM" ({p.MDM_UUID}) installs a root certificate')]


def test_traffic_routing_profile(tmp_path: Path) -> None:
    vpn = _by_name(_extract(tmp_path, p.sample_profiles())[0])["Secure Connect"]
    assert _findings(vpn) == [
        ("configuration-profile-root-certificate", Level.MEDIUM,
         f'Configuration profile "Secure Connect" ({p.VPN_UUID}) installs a root certificate'),
        ("configuration-profile-traffic-routing", Level.LOW,
         f'Configuration profile "Secure Connect" ({p.VPN_UUID}) routes traffic: '
         "com.apple.vpn.managed, com.apple.proxy.http.global, com.apple.dnsSettings.managed "
         "(servers: vpn.secureconnect.example, 10.8.0.1, proxy.secureconnect.example:8080, "
         "203.0.113.53, 2001:db8::53)")]


def test_wifi_profile_raises_nothing(tmp_path: Path) -> None:
    wifi = _by_name(_extract(tmp_path, p.sample_profiles())[0])["Wi-Fi Oficina"]
    assert wifi.hashed_fields[0].startswith("PayloadContent[0].PERSISTENT_REF=")
    assert _findings(wifi) == []


def test_install_date_of_zero_is_unset(tmp_path: Path) -> None:
    profile = p.empty_profile()
    profile["InstallDate"] = dt.datetime(2001, 1, 1)  # a Cocoa date of 0
    records, _ = _extract(tmp_path, {p.stub_path("zero"): p.profile_plist(profile)})
    assert records[0].install_date.state is TimeState.UNSET


def test_profile_stubs_anywhere_in_the_domain(tmp_path: Path) -> None:
    """Every file named profile-… of the domain is read, as the incumbent reads them; a file
    inside a folder named profile-… is not a stub."""
    vpn, wifi = p.vpn_profile(), p.wifi_profile()
    records, notes = _extract(tmp_path, {
        "Library/ConfigurationProfiles/SetAside/profile-5f1e8a2b.stub": p.profile_plist(vpn),
        "profile-0b7c4d9e.stub": p.profile_plist(wifi),
        "Library/ConfigurationProfiles/profile-cache/notes.plist": plistlib.dumps({"a": 1}),
    })
    assert notes == []
    assert sorted(r.source.removeprefix(p.DOMAIN + "/") for r in records) == [
        "Library/ConfigurationProfiles/SetAside/profile-5f1e8a2b.stub",
        "profile-0b7c4d9e.stub"]
