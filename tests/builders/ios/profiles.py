"""Configuration-profile stubs and MCProfileEvents.plist, as iOS keeps them.

Profiles live in `SysSharedContainerDomain-systemgroup.com.apple.configurationprofiles` /
`Library/ConfigurationProfiles/profile-<64 hex>.stub`, one plist per installed profile: the
profile's own keys (`PayloadUUID`, `PayloadIdentifier`, `PayloadDisplayName`, `PayloadType`
= `Configuration`…) plus what the device adds (`InstallDate`, `SignerCerts`, MDM push-token
hashes, `OTAProfileStub`), with secrets replaced by keychain references (`PERSISTENT_REF`,
`IdentityPersistentRef`). Payload keys follow Apple's Device Management reference.

Certificates and keychain references are stand-in bytes (a DER header and deterministic
filler), not real certificates: only their hashes are read. The process names in the events
(`Preferences` for Settings, `mdmd`, `dmd`) are plausible clients of profiled; the key case
varies between events on purpose (`timestamp` / `Timestamp`).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import plistlib
from typing import Any

DOMAIN = "SysSharedContainerDomain-systemgroup.com.apple.configurationprofiles"
FOLDER = "Library/ConfigurationProfiles"
EVENTS_PATH = f"{FOLDER}/MCProfileEvents.plist"


def stand_in(label: str, size: int = 96, *, der: bool = False) -> bytes:
    """Deterministic bytes; with der=True they start like a DER certificate (SEQUENCE)."""
    out = b""
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(f"{label}:{counter}".encode()).digest()
        counter += 1
    body = out[:size]
    return b"\x30\x82" + len(body).to_bytes(2, "big") + body if der else body


def pem(der: bytes) -> bytes:
    text = base64.b64encode(der).decode()
    lines = [text[i:i + 64] for i in range(0, len(text), 64)]
    return ("-----BEGIN CERTIFICATE-----\n" + "\n".join(lines)
            + "\n-----END CERTIFICATE-----\n").encode()


def stub_path(identifier: str) -> str:
    return f"{FOLDER}/profile-{hashlib.sha256(identifier.encode()).hexdigest()}.stub"


def _profile(identifier: str, uuid: str, name: str, payloads: list[dict[str, Any]],
             installed: dt.datetime, **extra: Any) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "PayloadContent": payloads,
        "PayloadDisplayName": name,
        "PayloadIdentifier": identifier,
        "PayloadRemovalDisallowed": False,
        "PayloadType": "Configuration",
        "PayloadUUID": uuid,
        "PayloadVersion": 1,
        "InstallDate": installed,
    }
    profile.update(extra)
    return profile


def _payload(kind: str, identifier: str, uuid: str, name: str, **keys: Any) -> dict[str, Any]:
    return {"PayloadType": kind, "PayloadIdentifier": identifier, "PayloadUUID": uuid,
            "PayloadDisplayName": name, "PayloadVersion": 1, **keys}


MDM_UUID = "8C3B6F2E-1D4A-4E8B-9A7C-2F5E6D1B0A93"
NOTIFICATION_UUID = "D2A9E4C1-7B3F-4A6E-8C15-9E0F2B7D4A66"
VPN_UUID = "5F1E8A2B-C3D4-4E5F-A6B7-C8D9E0F1A2B3"
WIFI_UUID = "0B7C4D9E-2A1F-4C3B-8D6E-5F4A3B2C1D0E"
EMPTY_UUID = "A1B2C3D4-E5F6-4789-ABCD-EF0123456789"

ROOT_DER = stand_in("secureconnect-root", 480, der=True)
PEM_DER = stand_in("secureconnect-intermediate", 400, der=True)
SIGNER_DER = stand_in("acme-signer", 512, der=True)
SIGNER_CHAIN_DER = stand_in("acme-signer-ca", 512, der=True)


def mdm_profile() -> dict[str, Any]:
    """An MDM enrollment: root CA (as keychain reference), SCEP identity, MDM payload."""
    prefix = "com.acme.mdm.enrollment"
    return _profile(
        prefix, MDM_UUID, "Acme Corp MDM", [
            _payload("com.apple.security.root", f"{prefix}.root", "4E2D1C0B-9A8F-4E7D-B6C5-A4B3C2D1E0F9",
                     "Acme Root CA", PayloadCertificateFileName="AcmeRootCA.cer",
                     PERSISTENT_REF=stand_in("acme-root-ref", 24)),
            _payload("com.apple.security.scep", f"{prefix}.scep", "7A6B5C4D-3E2F-4A1B-8C9D-0E1F2A3B4C5D",
                     "Device identity", PayloadContent={
                         "URL": "https://scep.acme.example/scep", "Name": "AcmeCA",
                         "Subject": [[["CN", "Acme Device"]]], "Keysize": 2048,
                         "Key Type": "RSA", "Key Usage": 5},
                     IdentityPersistentRef=stand_in("acme-scep-identity", 24)),
            _payload("com.apple.mdm", f"{prefix}.mdm", "9F8E7D6C-5B4A-4392-8170-6F5E4D3C2B1A",
                     "MDM", ServerURL="https://mdm.acme.example/mdm/server",
                     CheckInURL="https://mdm.acme.example/mdm/checkin",
                     Topic="com.apple.mgmt.External.6b1f4c2e-0a9d-4e57-b3c8-1d2e3f4a5b6c",
                     IdentityCertificateUUID="7A6B5C4D-3E2F-4A1B-8C9D-0E1F2A3B4C5D",
                     AccessRights=8191, SignMessage=True, CheckOutWhenRemoved=True,
                     ServerCapabilities=["com.apple.mdm.per-user-connections"],
                     IdentityPersistentRef=stand_in("acme-mdm-identity", 24)),
        ],
        dt.datetime(2023, 9, 4, 8, 30, 12),
        PayloadOrganization="Acme Corp",
        PayloadDescription="Enrolls this iPhone in Acme Corp device management.",
        PayloadRemovalDisallowed=True,
        SignerCerts=[SIGNER_DER, SIGNER_CHAIN_DER],
        PushTokenDataSentToServerKey=stand_in("acme-push-token", 32),
        LastPushTokenHash=stand_in("acme-push-token-hash", 32),
        OTAProfileStub={"PayloadContent": {
            "EnrollmentIdentityPersistentID": stand_in("acme-ota-identity", 24)},
            "SignerCerts": [SIGNER_DER]},
        IsEncrypted=False,
    )


def notification_profile() -> dict[str, Any]:
    """An unsigned profile whose first payload silences notifications (the MEDIUM case)."""
    prefix = "com.example.notificaciones"
    return _profile(
        prefix, NOTIFICATION_UUID, "Notificaciones", [
            _payload("com.apple.notificationsettings", f"{prefix}.settings",
                     "E3F2A1B0-C9D8-4E7F-A6B5-C4D3E2F1A0B9", "Notificaciones",
                     NotificationSettings=[
                         {"BundleIdentifier": "com.apple.MobileSMS", "NotificationsEnabled": True,
                          "ShowInLockScreen": False, "ShowInNotificationCenter": False,
                          "AlertType": 0, "BadgesEnabled": False, "SoundsEnabled": False},
                         {"BundleIdentifier": "com.apple.mobilephone",
                          "NotificationsEnabled": False},
                     ]),
        ],
        dt.datetime(2024, 2, 27, 23, 58, 40),
        PayloadDescription=("Actualización de seguridad. Más información: "
                            "https://soporte-ios.example.net/ayuda."),
    )


def vpn_profile() -> dict[str, Any]:
    """A traffic-routing profile: root CA (data), PEM certificate, IKEv2 VPN, proxy, DoH."""
    prefix = "net.secureconnect.profile"
    return _profile(
        prefix, VPN_UUID, "Secure Connect", [
            _payload("com.apple.security.root", f"{prefix}.root",
                     "1C2D3E4F-5A6B-4C7D-8E9F-0A1B2C3D4E5F", "Secure Connect Root",
                     PayloadCertificateFileName="secureconnect-root.cer",
                     PayloadContent=ROOT_DER),
            _payload("com.apple.security.pem", f"{prefix}.pem",
                     "2D3E4F5A-6B7C-4D8E-9F0A-1B2C3D4E5F6A", "Secure Connect CA",
                     PayloadCertificateFileName="intermediate.pem", PayloadContent=pem(PEM_DER)),
            _payload("com.apple.vpn.managed", f"{prefix}.vpn",
                     "3E4F5A6B-7C8D-4E9F-0A1B-2C3D4E5F6A7B", "VPN", UserDefinedName="Secure Connect",
                     VPNType="IKEv2", IKEv2={
                         "RemoteAddress": "vpn.secureconnect.example",
                         "RemoteIdentifier": "vpn.secureconnect.example",
                         "LocalIdentifier": "client", "AuthenticationMethod": "Certificate",
                         "PayloadCertificateUUID": "2D3E4F5A-6B7C-4D8E-9F0A-1B2C3D4E5F6A",
                         "OnDemandEnabled": 1},
                     Proxies={"HTTPEnable": 1, "HTTPProxy": "10.8.0.1", "HTTPPort": 3128}),
            _payload("com.apple.proxy.http.global", f"{prefix}.proxy",
                     "4F5A6B7C-8D9E-4F0A-1B2C-3D4E5F6A7B8C", "Proxy", ProxyType="Manual",
                     ProxyServer="proxy.secureconnect.example:8080", ProxyServerPort=8080,
                     ProxyCaptiveLoginAllowed=False),
            _payload("com.apple.dnsSettings.managed", f"{prefix}.dns",
                     "5A6B7C8D-9E0F-4A1B-2C3D-4E5F6A7B8C9D", "DNS", DNSSettings={
                         "DNSProtocol": "HTTPS",
                         "ServerURL": "https://dns.secureconnect.example/dns-query",
                         "ServerAddresses": ["203.0.113.53", "2001:db8::53"]}),
        ],
        dt.datetime(2024, 1, 15, 17, 5, 33),
        PayloadOrganization="Secure Connect Ltd",
    )


def wifi_profile() -> dict[str, Any]:
    """A plain Wi-Fi profile: no heuristic applies."""
    prefix = "mx.oficina.wifi"
    return _profile(
        prefix, WIFI_UUID, "Wi-Fi Oficina", [
            _payload("com.apple.wifi.managed", f"{prefix}.network",
                     "6B7C8D9E-0F1A-4B2C-3D4E-5F6A7B8C9D0E", "Oficina", SSID_STR="Oficina-5G",
                     EncryptionType="WPA2", HIDDEN_NETWORK=False, AutoJoin=True,
                     PERSISTENT_REF=stand_in("wifi-password-ref", 24)),
        ],
        dt.datetime(2022, 11, 3, 14, 0, 0),
        PayloadOrganization="Oficina",
    )


def empty_profile() -> dict[str, Any]:
    """A profile with an empty PayloadContent (the incumbent crashes on it)."""
    return _profile("com.example.empty", EMPTY_UUID, "Empty", [],
                    dt.datetime(2024, 2, 1, 9, 0, 0))


def profile_plist(profile: dict[str, Any], *, fmt: int = plistlib.FMT_BINARY) -> bytes:
    return plistlib.dumps(profile, fmt=fmt)


def sample_profiles() -> dict[str, bytes]:
    """relativePath → plist bytes for the five sample profiles (the Wi-Fi one as XML)."""
    out: dict[str, bytes] = {}
    for profile in (mdm_profile(), notification_profile(), vpn_profile(), empty_profile()):
        out[stub_path(profile["PayloadIdentifier"])] = profile_plist(profile)
    wifi = wifi_profile()
    out[stub_path(wifi["PayloadIdentifier"])] = profile_plist(wifi, fmt=plistlib.FMT_XML)
    return out


# -- MCProfileEvents.plist --------------------------------------------------------------------

Event = tuple[str, dict[str, Any]]


def sample_events() -> list[Event]:
    """The history of the sample profiles, with the inner key case varying."""
    return [
        ("mx.oficina.wifi", {"timestamp": dt.datetime(2022, 11, 3, 14, 0, 0),
                             "operation": "install", "process": "Preferences"}),
        ("com.acme.mdm.enrollment", {"timestamp": dt.datetime(2023, 9, 4, 8, 30, 12),
                                     "operation": "install", "process": "mdmd"}),
        ("com.example.notificaciones", {"Timestamp": dt.datetime(2024, 2, 27, 23, 58, 40),
                                        "Operation": "install", "Process": "Preferences"}),
        ("com.example.beta", {"timestamp": dt.datetime(2024, 2, 28, 21, 10, 0),
                              "operation": "install", "process": "dmd"}),
        ("com.example.beta", {"timestamp": dt.datetime(2024, 2, 28, 21, 14, 5),
                              "operation": "remove", "process": "dmd"}),
    ]


def profile_events_plist(events: list[Event] | None = None, *,
                         fmt: int = plistlib.FMT_BINARY) -> bytes:
    chosen = sample_events() if events is None else events
    return plistlib.dumps({"ProfileEvents": [{key: inner} for key, inner in chosen]}, fmt=fmt)
