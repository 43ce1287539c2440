"""Package heuristics: root tools, installs from outside the store, disabled protections
(android.md §4, §6)."""

from __future__ import annotations

from collections.abc import Iterator

from perito.artifacts.android.packages import AndroidPackage
from perito.detections import heuristic
from perito.levels import Level
from perito.records import Record

ROOT_PACKAGES = frozenset({
    "com.noshufou.android.su", "com.noshufou.android.su.elite", "eu.chainfire.supersu",
    "eu.chainfire.supersu.pro", "com.koushikdutta.superuser", "com.thirdparty.superuser",
    "com.yellowes.su", "com.koushikdutta.rommanager", "com.koushikdutta.rommanager.license",
    "com.dimonvideo.luckypatcher", "com.chelpus.lackypatch", "com.ramdroid.appquarantine",
    "com.ramdroid.appquarantinepro", "com.devadvance.rootcloak", "com.devadvance.rootcloakplus",
    "de.robv.android.xposed.installer", "com.saurik.substrate",
    "com.zachspong.temprootremovejb", "com.amphoras.hidemyroot",
    "com.amphoras.hidemyrootadfree", "com.formyhm.hiderootPremium", "com.formyhm.hideroot",
    "me.phh.superuser", "com.kingouser.com", "com.topjohnwu.magisk"})
SECURITY_PACKAGES = frozenset({
    "com.policydm", "com.samsung.android.app.omcagent", "com.samsung.android.securitylogagent",
    "com.sec.android.soagent"})
UPDATE_PACKAGES = frozenset({
    "com.android.updater", "com.google.android.gms", "com.huawei.android.hwouc",
    "com.lge.lgdmsclient", "com.motorola.ccc.ota", "com.oneplus.opbackup", "com.oppo.ota",
    "com.transsion.systemupdate", "com.wssyncmldm"})
THIRD_PARTY_STORES = frozenset({"com.aurora.store", "org.fdroid.fdroid"})
BROWSER_INSTALLERS = frozenset({"com.google.android.packageinstaller",
                                "com.android.packageinstaller"})
DANGEROUS_PERMISSIONS = frozenset({
    f"android.permission.{name}" for name in (
        "ACCESS_COARSE_LOCATION", "ACCESS_FINE_LOCATION", "AUTHENTICATE_ACCOUNTS", "CAMERA",
        "DISABLE_KEYGUARD", "PROCESS_OUTGOING_CALLS", "READ_CALENDAR", "READ_CALL_LOG",
        "READ_CONTACTS", "READ_PHONE_STATE", "READ_SMS", "RECEIVE_MMS", "RECEIVE_SMS",
        "RECEIVE_WAP_PUSH", "RECORD_AUDIO", "SEND_SMS", "SYSTEM_ALERT_WINDOW",
        "USE_CREDENTIALS", "USE_SIP")} | {"com.android.browser.permission.READ_HISTORY_BOOKMARKS"})


def _package(record: Record) -> AndroidPackage:
    assert isinstance(record, AndroidPackage)
    return record


def sideloaded(record: AndroidPackage) -> str:
    """How a non-system package came without a store: "browser", "adb" or ""."""
    if record.system:
        return ""
    if record.installer in BROWSER_INSTALLERS:
        return "browser"
    if record.installer == "null":
        return "adb"
    return ""


@heuristic(AndroidPackage, "android-root-package", Level.MEDIUM,
           "Rooting tools break the platform's security model; implants and abusive "
           "installers use them. Some users root their phones deliberately.")
def root_package(record: Record) -> Iterator[str]:
    package = _package(record)
    if package.package_name in ROOT_PACKAGES:
        yield f"root-related package {package.package_name} is installed"


@heuristic(AndroidPackage, "android-installed-from-browser", Level.MEDIUM,
           "An APK opened from a browser or file manager goes through the package-installer "
           "screen: the usual delivery of Android spyware and stalkerware.")
def from_browser(record: Record) -> Iterator[str]:
    package = _package(record)
    if sideloaded(package) == "browser":
        origin = (f", downloaded through {package.install_originator}"
                  if package.install_originator else "")
        yield (f"{package.package_name} was installed by {package.installer} "
               f"(an APK opened from a browser or file manager{origin})")


@heuristic(AndroidPackage, "android-system-app-from-browser", Level.LOW,
           "A system app whose update came through the package-installer screen: usually a "
           "vendor quirk, but an APK opened from a browser can also replace a system app.")
def system_from_browser(record: Record) -> Iterator[str]:
    package = _package(record)
    if package.system and package.installer in BROWSER_INSTALLERS:
        yield f"system app {package.package_name} was installed by {package.installer}"


@heuristic(AndroidPackage, "android-installed-without-installer", Level.MEDIUM,
           "No installer recorded for a non-system app: installed over adb or another path, "
           "typical of installs by someone holding the phone. Developers' apps show it too.")
def without_installer(record: Record) -> Iterator[str]:
    package = _package(record)
    if sideloaded(package) == "adb":
        yield f"{package.package_name} has no installer recorded (adb or a direct install)"


@heuristic(AndroidPackage, "android-installed-by-adb-shell", Level.MEDIUM,
           "The install was started by com.android.shell: `adb install` from a computer, the "
           "route of installs by someone holding the phone (Android 11+ records it).")
def installed_by_shell(record: Record) -> Iterator[str]:
    package = _package(record)
    if package.install_initiator == "com.android.shell" and not package.system:
        yield f"{package.package_name} was installed over adb (started by com.android.shell)"


@heuristic(AndroidPackage, "android-third-party-store", Level.INFORMATIONAL,
           "The app came from a store other than Google Play (F-Droid, Aurora); usually "
           "benign, shown as context.")
def third_party_store(record: Record) -> Iterator[str]:
    package = _package(record)
    if package.installer in THIRD_PARTY_STORES:
        yield f"{package.package_name} was installed from {package.installer}"


@heuristic(AndroidPackage, "android-protection-disabled", Level.MEDIUM,
           "Disabling system updates or the vendor's security agents keeps a device "
           "exploitable and hides tampering. Some carriers disable OTA packages.")
def protection_disabled(record: Record) -> Iterator[str]:
    package = _package(record)
    if not package.disabled:
        return
    if package.package_name in SECURITY_PACKAGES:
        yield f"security package {package.package_name} is disabled"
    elif package.package_name in UPDATE_PACKAGES:
        yield f"system update package {package.package_name} is disabled"


@heuristic(AndroidPackage, "android-many-dangerous-permissions", Level.INFORMATIONAL,
           "Ten or more of the dangerous permissions give broad access to personal data; "
           "many legitimate apps qualify, so this is context.")
def many_permissions(record: Record) -> Iterator[str]:
    package = _package(record)
    held = DANGEROUS_PERMISSIONS.intersection(package.requested_permissions)
    if len(held) >= 10 and not package.system:
        yield f"{package.package_name} requests {len(held)} dangerous permissions"
