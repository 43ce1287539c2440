"""Heuristics over dumpsys records and crashes: accessibility, appops, uninstalls, privileged
crashes (android.md §6)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from perito.artifacts.android.dumpsys_accessibility import AccessibilityService
from perito.artifacts.android.dumpsys_appops import AppOp
from perito.artifacts.android.dumpsys_batterystats import BatteryDailyUpdate
from perito.artifacts.android.dumpsys_device_policy import DeviceAdmin
from perito.artifacts.android.dumpsys_package import SENSITIVE_INTENTS, IntentHandler
from perito.artifacts.android.settings import AndroidSetting
from perito.artifacts.android.tombstones import Tombstone
from perito.detections import heuristic
from perito.levels import Level
from perito.records import Record

# Accessibility services that ship with Android or its vendors (screen readers, switch access)
SYSTEM_ACCESSIBILITY = frozenset({
    "com.google.android.marvin.talkback", "com.android.talkback",
    "com.samsung.android.accessibility.talkback", "com.google.android.accessibility.switchaccess",
    "com.android.switchaccess", "com.google.android.apps.accessibility.voiceaccess",
    "com.samsung.accessibility", "com.google.android.accessibility.soundamplifier"})
_APP_UID = re.compile(r"^u\d+a\d+$")  # appops' spelling of an app uid (u0a231)
PRIVILEGED_UIDS = {0: "root", 1000: "system", 2000: "shell"}
# Device admins that ship with Android's Google services (Find My Device) and device management
SYSTEM_DEVICE_ADMINS = frozenset({"com.google.android.gms",
                                  "com.google.android.apps.work.clouddpc"})


def accessibility_components(value: str) -> list[tuple[str, str]]:
    """(package, service) of `pkg/cls:pkg2/cls2` (the secure setting's format)."""
    out = []
    for item in value.split(":"):
        package, slash, service = item.strip().partition("/")
        if slash and package:
            out.append((package, service))
    return out


@heuristic(AccessibilityService, "android-accessibility-service-enabled", Level.MEDIUM,
           "Accessibility is the main power of stalkerware and banking trojans: reading the "
           "screen and granting themselves permissions. Screen readers are left out.")
def accessibility_enabled(record: Record) -> Iterator[str]:
    assert isinstance(record, AccessibilityService)
    if record.enabled and record.package_name not in SYSTEM_ACCESSIBILITY:
        yield f"accessibility service {record.package_name}/{record.service} is {record.state}"


@heuristic(AccessibilityService, "android-accessibility-service-installed", Level.LOW,
           "An installed (not necessarily enabled) accessibility service: context for the "
           "enabled-services check, which older dumps cannot show.")
def accessibility_installed(record: Record) -> Iterator[str]:
    assert isinstance(record, AccessibilityService)
    if record.state == "installed" and record.package_name not in SYSTEM_ACCESSIBILITY:
        yield f"accessibility service {record.package_name}/{record.service} is installed"


@heuristic(AccessibilityService, "android-accessibility-screen-reader", Level.INFORMATIONAL,
           "A screen reader or switch-access service that ships with Android or its vendors: "
           "shown for completeness (the incumbent alerts on every service).")
def screen_reader(record: Record) -> Iterator[str]:
    assert isinstance(record, AccessibilityService)
    if record.package_name in SYSTEM_ACCESSIBILITY:
        yield f"accessibility service {record.package_name}/{record.service} is {record.state}"


@heuristic(AndroidSetting, "android-accessibility-setting", Level.MEDIUM,
           "enabled_accessibility_services is the authoritative list of enabled accessibility "
           "services; screen readers are left out.")
def accessibility_setting(record: Record) -> Iterator[str]:
    assert isinstance(record, AndroidSetting)
    if record.key != "enabled_accessibility_services":
        return
    for package, service in accessibility_components(record.value):
        if package not in SYSTEM_ACCESSIBILITY:
            yield f"accessibility service {package}/{service} is enabled (secure setting)"


@heuristic(AppOp, "android-app-can-install-packages", Level.MEDIUM,
           "An app allowed to install other apps (REQUEST_INSTALL_PACKAGES) can act as a "
           "dropper for spyware.")
def install_packages(record: Record) -> Iterator[str]:
    assert isinstance(record, AppOp)
    if record.op == "REQUEST_INSTALL_PACKAGES" and record.mode == "allow":
        yield f"{record.package_name} may install other apps ({record.accesses} accesses)"


@heuristic(AppOp, "android-install-packages-requested", Level.LOW,
           "An app asked to install other apps, even if the request is denied now.")
def install_requested(record: Record) -> Iterator[str]:
    assert isinstance(record, AppOp)
    if record.op == "REQUEST_INSTALL_PACKAGES" and record.mode != "allow":
        yield f"{record.package_name} has REQUEST_INSTALL_PACKAGES ({record.mode})"


@heuristic(AppOp, "android-background-recording", Level.MEDIUM,
           "Microphone or camera used while the app was in the background: stalkerware "
           "records its surroundings this way. Call recorders and assistants do it too.")
def background_recording(record: Record) -> Iterator[str]:
    assert isinstance(record, AppOp)
    if record.op in ("RECORD_AUDIO", "CAMERA") and record.background_accesses and (
            _APP_UID.match(record.uid)):
        count = record.background_accesses
        yield (f"{record.package_name} used {record.op} in the background "
               f"({count} time{'s' if count != 1 else ''})")


@heuristic(AppOp, "android-shell-app-op", Level.MEDIUM,
           "Operations recorded for com.android.shell are adb shell activity touching "
           "protected data.")
def shell_op(record: Record) -> Iterator[str]:
    assert isinstance(record, AppOp)
    if record.package_name == "com.android.shell" and (record.accesses or record.rejects):
        yield f"com.android.shell used {record.op} ({record.mode})"


@heuristic(BatteryDailyUpdate, "android-package-uninstalled", Level.MEDIUM,
           "Spyware removes itself after use; an uninstall (vers=0) in the daily stats dates "
           "it. Users uninstall apps too: use it for correlation.")
def uninstalled(record: Record) -> Iterator[str]:
    assert isinstance(record, BatteryDailyUpdate)
    if record.version_code == 0:
        yield f"{record.package_name} was uninstalled"


@heuristic(IntentHandler, "android-sms-call-receiver", Level.INFORMATIONAL,
           "A receiver for incoming SMS or calls can intercept them; messaging and dialer "
           "apps have one too, so this is context.")
def sensitive_receiver(record: Record) -> Iterator[str]:
    assert isinstance(record, IntentHandler)
    if record.kind == "receiver" and record.intent in SENSITIVE_INTENTS:
        yield f"{record.package_name} receives {record.intent}"


@heuristic(Tombstone, "android-privileged-crash", Level.MEDIUM,
           "Failed exploitation often crashes privileged daemons (media codecs, system "
           "services); they also crash legitimately.")
def privileged_crash(record: Record) -> Iterator[str]:
    assert isinstance(record, Tombstone)
    if record.uid in PRIVILEGED_UIDS:
        yield (f"{PRIVILEGED_UIDS[record.uid]} process {record.process_name} "
               f"({record.binary or '?'}) crashed with {record.signal or 'no signal'}")


@heuristic(DeviceAdmin, "android-device-admin", Level.MEDIUM,
           "Stalkerware makes itself a device administrator so that it cannot be uninstalled "
           "and can lock or wipe the phone; Google's Find My Device is left out.")
def device_admin(record: Record) -> Iterator[str]:
    assert isinstance(record, DeviceAdmin)
    if record.package_name not in SYSTEM_DEVICE_ADMINS:
        policies = ", ".join(record.policies) or "no policy listed"
        yield f"{record.package_name}/{record.receiver} is a device admin ({policies})"
