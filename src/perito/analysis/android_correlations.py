"""Android analyses across records: patch age at acquisition, ADB keys of other computers,
downgrades, and apps with a stalkerware-like set of powers (android.md §6)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from perito.analysis.android_dumpsys import SYSTEM_ACCESSIBILITY, accessibility_components
from perito.analysis.android_packages import sideloaded
from perito.artifacts.android.acquisition import AndroidAcquisition
from perito.artifacts.android.dumpsys_accessibility import AccessibilityService
from perito.artifacts.android.dumpsys_adb import AdbKey, fingerprint, split_key
from perito.artifacts.android.dumpsys_appops import AppOp
from perito.artifacts.android.dumpsys_batterystats import BatteryDailyUpdate
from perito.artifacts.android.dumpsys_device_policy import DeviceAdmin
from perito.artifacts.android.getprop import AndroidProperty
from perito.artifacts.android.packages import AndroidPackage
from perito.artifacts.android.processes import AndroidProcess
from perito.artifacts.android.settings import AndroidSetting
from perito.detections import Detection, correlation
from perito.levels import Level
from perito.records import Record

PATCH_MAX_AGE_DAYS = 186
_DAY_NS = 86_400 * 1_000_000_000
PATCH = "android-old-security-patch"
PATCH_WHY = ("Months without security patches leave public n-day exploits open; the age is "
             "measured at the acquisition, not today.")
ADB = "android-unknown-adb-key"
ADB_WHY = ("Another computer was allowed to use adb, a known way to install implants with "
           "the phone in hand. Older androidqf records no host key: then every key shows.")
ADB_SEEN = "android-acquisition-host-seen-before"
ADB_SEEN_WHY = "The acquiring computer had been connected to the phone before the acquisition."
DOWNGRADE = "android-package-downgrade"
DOWNGRADE_WHY = "A lower version than the day before can re-open vulnerabilities fixed in it."
POWERS = "android-stalkerware-powers"
POWERS_WHY = ("Stalkerware needs a screen or notification reader (accessibility, notification "
              "listener, device admin, screen capture) plus access to messages, calls, "
              "location or app usage, and is usually sideloaded; legitimate apps seldom "
              "combine them. HIGH when sideloaded, MEDIUM for a store app with accessibility "
              "or device admin, else LOW.")
# App ops that stalkerware asks for: screen recording, and the apps used and for how long
_OP_POWERS = {"PROJECT_MEDIA": "screen capture", "GET_USAGE_STATS": "usage access"}
_PRIVATE_DATA = {
    "SMS": ("android.permission.READ_SMS", "android.permission.RECEIVE_SMS"),
    "call log": ("android.permission.READ_CALL_LOG", "android.permission.PROCESS_OUTGOING_CALLS"),
    "location": ("android.permission.ACCESS_FINE_LOCATION",
                 "android.permission.ACCESS_BACKGROUND_LOCATION"),
    "microphone": ("android.permission.RECORD_AUDIO",),
}


def _acquired_ns(records: list[Record]) -> int | None:
    times = [r.started.ns for r in records if isinstance(r, AndroidAcquisition)
             and r.started.ns is not None]
    times += [r.completed.ns for r in records if isinstance(r, AndroidAcquisition)
              and r.completed.ns is not None]
    return max(times) if times else None


@correlation(PATCH, wants=(AndroidProperty, AndroidAcquisition))
def old_patch(records: list[Record]) -> Iterator[Detection]:
    acquired = _acquired_ns(records)
    if acquired is None:
        return
    seen: set[str] = set()
    for record in records:
        if not isinstance(record, AndroidProperty) or (
                record.name != "ro.build.version.security_patch") or record.value in seen:
            continue
        seen.add(record.value)
        try:
            patch = dt.datetime.strptime(record.value.strip(), "%Y-%m-%d").replace(tzinfo=dt.UTC)
        except ValueError:
            continue  # a malformed value must not stop the other checks
        age = (acquired - int(patch.timestamp()) * 1_000_000_000) // _DAY_NS
        if age > PATCH_MAX_AGE_DAYS:
            yield Detection(level=Level.MEDIUM, artifact="android.androidqf.getprop",
                            module="getprop", record=record, finding=PATCH,
                            rationale=PATCH_WHY,
                            message=f"security patch {record.value} was {age} days old at "
                                    "the acquisition")


@correlation(ADB, wants=(AdbKey, AndroidAcquisition))
def unknown_adb_keys(records: list[Record]) -> Iterator[Detection]:
    host_keys = {split_key(r.adb_host_public_key)[0] for r in records
                 if isinstance(r, AndroidAcquisition) and r.adb_host_public_key}
    host_prints = {fingerprint(key) for key in host_keys} - {""}
    acquired = _acquired_ns(records)
    reported: set[str] = set()
    for record in records:
        if not isinstance(record, AdbKey) or record.key in reported:
            continue
        if record.key in host_keys or (record.fingerprint and record.fingerprint in host_prints):
            last = record.last_connection.ns
            if acquired is not None and last is not None and acquired - last >= _DAY_NS:
                reported.add(record.key)
                yield Detection(level=Level.INFORMATIONAL, artifact="android.dumpsys.adb",
                                module="dumpsys_adb", record=record, finding=ADB_SEEN,
                                rationale=ADB_SEEN_WHY, event_time=record.last_connection,
                                message=f"the acquiring computer's adb key last connected "
                                        f"{record.last_connection.utc}, before the acquisition")
            continue
        reported.add(record.key)
        what = "an invalid adb key" if not record.valid else f"adb key {record.fingerprint}"
        yield Detection(level=Level.LOW, artifact="android.dumpsys.adb", module="dumpsys_adb",
                        record=record, finding=ADB, rationale=ADB_WHY,
                        message=f"the phone trusts {what} {record.comment} that is not the "
                                "acquiring computer's".replace("  ", " "))


@correlation(DOWNGRADE, wants=(BatteryDailyUpdate,))
def downgrades(records: list[Record]) -> Iterator[Detection]:
    updates = sorted((r for r in records if isinstance(r, BatteryDailyUpdate)),
                     key=lambda r: r.day_start.ns or 0)
    last: dict[str, int] = {}
    for record in updates:
        previous = last.get(record.package_name)
        if record.version_code == 0:
            last.pop(record.package_name, None)  # an uninstall resets the memory
            continue
        if previous is not None and record.version_code < previous:
            yield Detection(level=Level.MEDIUM, artifact="android.dumpsys.batterystats",
                            module="dumpsys_battery_daily", record=record, finding=DOWNGRADE,
                            rationale=DOWNGRADE_WHY, event_time=record.day_start,
                            message=f"{record.package_name} went from version {previous} "
                                    f"down to {record.version_code}")
        last[record.package_name] = record.version_code


def _powers(records: list[Record]) -> dict[str, set[str]]:
    powers: dict[str, set[str]] = {}

    def grant(package: str, power: str) -> None:
        powers.setdefault(package, set()).add(power)

    for record in records:
        if isinstance(record, AccessibilityService) and record.enabled:
            grant(record.package_name, "accessibility")
        elif isinstance(record, AndroidSetting):
            if record.key == "enabled_accessibility_services":
                for package, _service in accessibility_components(record.value):
                    grant(package, "accessibility")
            elif record.key == "enabled_notification_listeners":
                for package, _service in accessibility_components(record.value):
                    grant(package, "notification listener")
        elif isinstance(record, DeviceAdmin):
            grant(record.package_name, "device admin")
        elif isinstance(record, AppOp) and record.mode == "allow" and record.op in _OP_POWERS:
            grant(record.package_name, _OP_POWERS[record.op])
        elif isinstance(record, AndroidPackage):
            held = set(record.granted_permissions or record.requested_permissions)
            for name, permissions in _PRIVATE_DATA.items():
                if held.intersection(permissions):
                    grant(record.package_name, f"{name} access")
            how = sideloaded(record)
            if how:
                grant(record.package_name, f"sideloaded ({how})")
    return powers


@correlation(POWERS, wants=(AndroidPackage, AccessibilityService, AndroidSetting,
                            DeviceAdmin, AppOp))
def stalkerware_powers(records: list[Record]) -> Iterator[Detection]:
    packages: dict[str, AndroidPackage] = {}
    for record in records:
        if isinstance(record, AndroidPackage):
            packages.setdefault(record.package_name, record)
    for package, powers in sorted(_powers(records).items()):
        readers = powers & {"accessibility", "notification listener", "device admin",
                            "screen capture"}
        data = {p for p in powers if p.endswith(" access")}
        known = packages.get(package)
        if not readers or not data or (known is not None and known.system) or (
                package in SYSTEM_ACCESSIBILITY):
            continue
        if len(powers) < 3:
            continue
        if any(p.startswith("sideloaded") for p in powers):
            level = Level.HIGH
        elif readers - {"notification listener", "screen capture"}:
            level = Level.MEDIUM
        else:  # a store app reading notifications: companion and wearable apps do
            level = Level.LOW
        yield Detection(level=level, artifact="android.androidqf.packages", module="packages",
                        record=known or AndroidPackage(package_name=package),
                        finding=POWERS, rationale=POWERS_WHY,
                        message=f"{package} combines {', '.join(sorted(powers))}")


UNKNOWN_PROCESS = "android-process-of-unknown-package"
UNKNOWN_PROCESS_WHY = ("An app process (uid 10000 or more) whose package is not among the "
                       "installed packages: an app that hides itself or was removed while "
                       "running.")
_APP_USER = re.compile(r"^u\d+_a\d+$")


def _app_process(record: AndroidProcess) -> bool:
    if record.uid is not None:
        return 10_000 <= record.uid % 100_000 < 20_000
    return bool(_APP_USER.match(record.user))


@correlation(UNKNOWN_PROCESS, wants=(AndroidProcess, AndroidPackage))
def unknown_package_processes(records: list[Record]) -> Iterator[Detection]:
    installed = {r.package_name for r in records if isinstance(r, AndroidPackage)}
    if not installed:
        return  # without a package list nothing can be said
    for record in records:
        if not isinstance(record, AndroidProcess) or not record.package:
            continue
        if not _app_process(record):
            continue
        name = record.package.removesuffix("_zygote")  # an app's own zygote
        # `android:process` names extend the package (`com.google.android.gms.persistent`)
        if any(name == p or name.startswith(p + ".") for p in installed):
            continue
        yield Detection(level=Level.MEDIUM, artifact="android.androidqf.processes",
                        module="processes", record=record, finding=UNKNOWN_PROCESS,
                        rationale=UNKNOWN_PROCESS_WHY,
                        message=f"process {record.name} (pid {record.pid}) belongs to no "
                                "installed package")
