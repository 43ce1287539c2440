"""Configuration profiles installed on the device, one plist per profile (ios.md §5.1).

`SysSharedContainerDomain-systemgroup.com.apple.configurationprofiles` /
`Library/ConfigurationProfiles/profile-<sha256>.stub`: the profile as installed, top-level
`PayloadUUID` (the profile's id, matched against `configuration-profile:id` indicators),
`PayloadIdentifier`, `PayloadDisplayName`, `PayloadDescription`, `PayloadOrganization`,
`InstallDate` (plist date, UTC) and `PayloadContent`, the payloads, each with its
`PayloadType` (`com.apple.mdm`, `com.apple.security.root`, `com.apple.vpn.managed`,
`com.apple.notificationsettings`…) and `PayloadUUID`. Secrets are replaced by keychain
references (`PERSISTENT_REF`, `IdentityPersistentRef`).

Binary values (`SignerCerts`, `PushTokenDataSentToServerKey`, `LastPushTokenHash`,
`OTAProfileStub.*`, the keychain references, certificate data) are never kept raw: each is
reduced to its SHA-256, listed by key path in `hashed_fields`. The SHA-256 of a signer
certificate or of a certificate payload is the certificate's fingerprint, matched as a
certificate hash. URLs anywhere in the profile (MDM `ServerURL`/`CheckInURL`, proxy PAC URLs,
DNS-over-HTTPS servers, links in descriptions) and the host names of VPN, proxy, DNS and mail
servers are kept as observables: they name where the profile sends the device's traffic.

`PayloadContent` can be empty or missing (the incumbent's check loop crashes on an empty
list); it is indexed safely here. The heuristics are in `perito.analysis.configuration_profiles`.
The incumbent keeps an unreadable profile as an empty record; here it is a failed file.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from perito.artifacts.base import Artifact, Context, SchemaMismatch
from perito.indicators.normalise import extract_links, strip_trailing_punctuation
from perito.records import Kind, Record, observable, register_record, timeline
from perito.sources.locations import BackupGlob, FsGlob
from perito.sources.plist import load_plist
from perito.timestamps import Encoding, Timestamp, decode, from_datetime, unset

DOMAIN = "SysSharedContainerDomain-systemgroup.com.apple.configurationprofiles"

# Payload keys whose text is a server host name (or an IP address, or host:port).
SERVER_KEYS = frozenset({
    "RemoteAddress", "CommRemoteAddress", "ProxyServer", "HTTPProxy", "HTTPSProxy",
    "ServerName", "ServerAddresses", "IncomingMailServerHostName",
    "OutgoingMailServerHostName", "CalDAVHostName", "CardDAVHostName",
    "LDAPAccountHostName", "Host",
})
# Payload types whose `PayloadContent` data is a certificate.
CERTIFICATE_PAYLOADS = frozenset({"com.apple.security.root", "com.apple.security.pem",
                                  "com.apple.security.pkcs1"})
_PEM_BEGIN = b"-----BEGIN CERTIFICATE-----"
_PEM_END = b"-----END CERTIFICATE-----"
_MAX_DEPTH = 32
_COCOA_ZERO = dt.datetime(2001, 1, 1)  # a plist date of 0: never set


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class ConfigurationProfile(Record):
    """One installed configuration profile.

    The payload tuples are parallel, one entry per `PayloadContent` item ("" where a payload
    lacks the key). `hashed_fields` holds `<key path>=<sha256 hex>` for every binary value.
    """

    profile_uuid: str = field(default="", metadata=observable(Kind.PROFILE_ID))
    identifier: str | None = None
    display_name: str | None = None
    description: str | None = None
    organization: str | None = None
    profile_type: str | None = None  # the top-level PayloadType, "Configuration"
    install_date: Timestamp = field(default=unset(Encoding.PLIST_DATE),
                                    metadata=timeline("Configuration profile installed"))
    removal_disallowed: bool | None = None
    payload_types: tuple[str, ...] = ()
    payload_uuids: tuple[str, ...] = field(default=(), metadata=observable(Kind.PROFILE_ID))
    payload_identifiers: tuple[str, ...] = ()
    payload_display_names: tuple[str, ...] = ()
    urls: tuple[str, ...] = field(default=(), metadata=observable(Kind.URL))
    servers: tuple[str, ...] = field(default=(), metadata=observable(Kind.DOMAIN))
    signer_cert_sha256: tuple[str, ...] = field(default=(),
                                                metadata=observable(Kind.CERT_SHA256))
    payload_cert_sha256: tuple[str, ...] = field(default=(),
                                                 metadata=observable(Kind.CERT_SHA256))
    hashed_fields: tuple[str, ...] = ()
    file_id: str = ""

    record_name = "Configuration profile"

    @property
    def name(self) -> str:
        return self.display_name or self.identifier or self.profile_uuid or "(unnamed)"

    def describe(self) -> str:
        text = f"Configuration profile \"{self.name}\""
        if self.profile_uuid:
            text += f" ({self.profile_uuid})"
        if self.organization:
            text += f" from {self.organization}"
        kinds = [t for t in self.payload_types if t]
        text += " installed, payloads: " + (", ".join(kinds) if kinds else "none")
        return text


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def certificate_der(data: bytes) -> bytes:
    """DER bytes of certificate payload data, which may be PEM text instead of DER."""
    start = data.find(_PEM_BEGIN)
    if start < 0:
        return data
    end = data.find(_PEM_END, start)
    body = data[start + len(_PEM_BEGIN):end if end >= 0 else len(data)]
    try:
        return base64.b64decode(b"".join(body.split()), validate=True)
    except (binascii.Error, ValueError):
        return data


def _unique(values: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


@dataclass
class _Found:
    urls: list[str] = field(default_factory=list)
    servers: list[str] = field(default_factory=list)
    hashed: list[str] = field(default_factory=list)


def _walk(value: Any, path: str, key: str, found: _Found, depth: int = 0) -> None:
    """Collect URLs, server names and binary-value hashes (bounded: evidence may be hostile)."""
    if depth > _MAX_DEPTH:
        return
    if isinstance(value, dict):
        for child_key, child in value.items():
            name = str(child_key)
            _walk(child, f"{path}.{name}" if path else name, name, found, depth + 1)
    elif isinstance(value, list | tuple):
        for index, child in enumerate(value):
            _walk(child, f"{path}[{index}]", key, found, depth + 1)
    elif isinstance(value, bytes | bytearray):
        found.hashed.append(f"{path}={_sha256(bytes(value))}")
    elif isinstance(value, str):
        links = [strip_trailing_punctuation(link) for link in extract_links(value)]
        found.urls.extend(links)
        if key in SERVER_KEYS and not links and value.strip() and " " not in value.strip():
            found.servers.append(value.strip())


def _certificates(values: Any) -> list[str]:
    if not isinstance(values, list):
        return []
    return [_sha256(bytes(v)) for v in values if isinstance(v, bytes | bytearray)]


def _install_date(value: Any) -> Timestamp:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None and value == _COCOA_ZERO:
            return unset(Encoding.PLIST_DATE)
        return from_datetime(value)
    if isinstance(value, str):
        return decode(value, Encoding.ISO_TEXT)
    return unset(Encoding.PLIST_DATE)


def profile_record(data: dict[str, Any], source: str, file_id: str = "") -> ConfigurationProfile:
    """The record of one parsed profile plist."""
    content = data.get("PayloadContent")
    payloads = [p for p in content if isinstance(p, dict)] if isinstance(content, list) else []
    found = _Found()
    _walk(data, "", "", found)
    payload_certs: list[str] = []
    for payload in payloads:
        blob = payload.get("PayloadContent")
        if _text(payload.get("PayloadType")) in CERTIFICATE_PAYLOADS and isinstance(
                blob, bytes | bytearray):
            payload_certs.append(_sha256(certificate_der(bytes(blob))))
    signers = _certificates(data.get("SignerCerts"))
    stub = data.get("OTAProfileStub")
    if isinstance(stub, dict):
        signers += _certificates(stub.get("SignerCerts"))
    removal = data.get("PayloadRemovalDisallowed")
    return ConfigurationProfile(
        source=source,
        file_id=file_id,
        profile_uuid=_text(data.get("PayloadUUID")) or "",
        identifier=_text(data.get("PayloadIdentifier")),
        display_name=_text(data.get("PayloadDisplayName")),
        description=_text(data.get("PayloadDescription")),
        organization=_text(data.get("PayloadOrganization")),
        profile_type=_text(data.get("PayloadType")),
        install_date=_install_date(data.get("InstallDate")),
        removal_disallowed=removal if isinstance(removal, bool) else None,
        payload_types=tuple(_text(p.get("PayloadType")) or "" for p in payloads),
        payload_uuids=tuple(_text(p.get("PayloadUUID")) or "" for p in payloads),
        payload_identifiers=tuple(_text(p.get("PayloadIdentifier")) or "" for p in payloads),
        payload_display_names=tuple(_text(p.get("PayloadDisplayName")) or ""
                                    for p in payloads),
        urls=_unique(found.urls),
        servers=_unique(found.servers),
        signer_cert_sha256=_unique(signers),
        payload_cert_sha256=_unique(payload_certs),
        hashed_fields=tuple(found.hashed),
    )


def extract(ctx: Context) -> Iterator[Record]:
    if not ctx.evidence.address.rsplit("/", 1)[-1].startswith("profile-"):
        return  # inside a folder named profile-…: not a profile stub
    data = load_plist(ctx.source.read_bytes(ctx.evidence))
    if not isinstance(data, dict):
        raise SchemaMismatch(["a top-level dictionary"])
    content = data.get("PayloadContent")
    if content is not None and not isinstance(content, list):
        ctx.warn("PayloadContent is not a list; payloads not read")
    elif isinstance(content, list) and not all(isinstance(p, dict) for p in content):
        ctx.warn("PayloadContent items that are not dictionaries were skipped")
    yield profile_record(data, ctx.evidence.address, ctx.evidence.file_id)


ARTIFACT = Artifact(
    id="ios.configuration_profiles",
    title="Configuration profiles",
    slug="configuration_profiles",
    plugin="ConfigurationProfiles",
    # Any file named profile-… in the domain, as the incumbent takes them (stubs live in
    # Library/ConfigurationProfiles/).
    locations=(BackupGlob("*/profile-*", DOMAIN), BackupGlob("profile-*", DOMAIN),
               FsGlob("private/var/containers/Shared/SystemGroup/*/Library/"
                      "ConfigurationProfiles/profile-*")),
    records=(ConfigurationProfile,),
    extract=extract,
    doc=__doc__ or "",
)
