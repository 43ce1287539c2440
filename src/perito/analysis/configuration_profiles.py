"""Configuration-profile heuristics: notification settings, root CAs, routing (ios.md §6)."""

from __future__ import annotations

from collections.abc import Iterator

from perito.artifacts.ios.configuration_profiles import ConfigurationProfile
from perito.detections import heuristic
from perito.levels import Level
from perito.records import Record

NOTIFICATION_SETTINGS = "com.apple.notificationsettings"
ROOT_CERTIFICATE = "com.apple.security.root"
# Payloads that send the device's traffic, or its DNS lookups, through someone else's server.
TRAFFIC_ROUTING = frozenset({
    "com.apple.vpn.managed", "com.apple.vpn.managed.applayer", "com.apple.vpn.managed.appmapping",
    "com.apple.proxy.http.global", "com.apple.dnsSettings.managed", "com.apple.dnsProxy.managed",
    "com.apple.relay.managed", "com.apple.webcontent-filter",
})


def _label(record: ConfigurationProfile) -> str:
    text = f"\"{record.name}\""
    return text + f" ({record.profile_uuid})" if record.profile_uuid else text


@heuristic(ConfigurationProfile, "configuration-profile-notification-settings", Level.MEDIUM,
           "A profile that only manages notification settings can silence or hide app "
           "alerts; legitimate MDM rarely ships one alone.")
def notification_settings(record: Record) -> Iterator[str]:
    assert isinstance(record, ConfigurationProfile)
    if record.payload_types and record.payload_types[0] == NOTIFICATION_SETTINGS:
        yield (f"Configuration profile {_label(record)} has {NOTIFICATION_SETTINGS} as its "
               "first payload")


@heuristic(ConfigurationProfile, "configuration-profile-root-certificate", Level.MEDIUM,
           "A root certificate installed by a profile, once trusted, lets whoever holds its "
           "key intercept the device's encrypted traffic; review who installed it and why.")
def root_certificate(record: Record) -> Iterator[str]:
    assert isinstance(record, ConfigurationProfile)
    count = record.payload_types.count(ROOT_CERTIFICATE)
    if count:
        what = "a root certificate" if count == 1 else f"{count} root certificates"
        yield f"Configuration profile {_label(record)} installs {what}"


@heuristic(ConfigurationProfile, "configuration-profile-traffic-routing", Level.LOW,
           "VPN, proxy and DNS payloads route the device's traffic or lookups through a "
           "server the profile names; worth a review, common in legitimate MDM.")
def traffic_routing(record: Record) -> Iterator[str]:
    assert isinstance(record, ConfigurationProfile)
    kinds = [t for t in dict.fromkeys(record.payload_types) if t in TRAFFIC_ROUTING]
    if kinds:
        text = f"Configuration profile {_label(record)} routes traffic: {', '.join(kinds)}"
        if record.servers:
            text += f" (servers: {', '.join(record.servers)})"
        yield text
