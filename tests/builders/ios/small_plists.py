"""Small iOS plists: OSAnalyticsADDaily, IDStatusCache, locationd clients, and a backup for the
Operation Triangulation time-window check.

All three plists are binary, as cfprefsd, identityservicesd and locationd write them. Their
structures follow ios.md §5.15 and the incumbent's and Kaspersky triangle_check's readers; the
keys and values are realistic but not copied from a device. Entries marked "stand-in" exist
to exercise the defensive reading the reference asks for (values that are not dictionaries or
arrays, short arrays, dates stored as numbers); their key names are invented.
"""

from __future__ import annotations

import datetime as dt
import plistlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tests.builders.ios.datausage import Process, Usage, datausage_db
from tests.builders.ios_backup import BackupBuilder
from tests.builders.timestamps import cocoa_s

ADDAILY_PATH = "Library/Preferences/com.apple.osanalytics.addaily.plist"
IDSTATUSCACHE_PATH = "Library/Preferences/com.apple.identityservices.idstatuscache.plist"
LOCATIOND_PATH = "Library/Caches/locationd/clients.plist"
DATAUSAGE_PATH = "Library/Databases/DataUsage.sqlite"

T0 = 1_685_613_600  # 2023-06-01T10:00:00Z


def _utc(unix: float) -> dt.datetime:
    """A naive UTC datetime, as plistlib reads and writes plist dates."""
    return dt.datetime.fromtimestamp(unix, tz=dt.UTC).replace(tzinfo=None)


def _binary(value: Any) -> bytes:
    return plistlib.dumps(value, fmt=plistlib.FMT_BINARY, sort_keys=False)


# -- OSAnalyticsADDaily -----------------------------------------------------------------------

def addaily_baseline(*, backup_agent: bool = False) -> dict[str, Any]:
    """`netUsageBaseline`: process -> [date, wifi_in, wifi_out, wwan_in, wwan_out]."""
    baseline: dict[str, Any] = {
        "com.apple.WebKit.WebContent": [_utc(T0 + 60), 48_211_954, 2_114_870, 3_551_220,
                                        301_442],
        "nsurlsessiond": [_utc(T0 - 86_400), 912_004_331, 14_220_981, 120_551_019, 4_002_113],
        "mDNSResponder": [_utc(T0 - 86_400), 1_220_334, 998_112, 402_118, 388_001],
        "apsd": [_utc(T0 - 43_200), 3_004_551, 2_870_112, 5_112_020, 4_998_330],
        "CommCenter": [_utc(T0 - 43_200), 0, 0, 1_443_902, 801_223],
        "nehelper": [_utc(T0 - 7_200), 20_112, 18_430, 0, 0],
        "identityservicesd": [_utc(T0 - 3_600), 410_229],  # stand-in: a short array
        "assistantd": [cocoa_s(T0 - 1_800), 5_120, 4_096, 0, 0],  # stand-in: numeric date
        "kernel_task": "unavailable",  # stand-in: not an array
    }
    if backup_agent:
        baseline["BackupAgent"] = [_utc(T0 + 90), 0, 0, 1_048_576, 65_536]
    return baseline


def addaily_plist(*, backup_agent: bool = False, baseline: Any = None) -> bytes:
    body = addaily_baseline(backup_agent=backup_agent) if baseline is None else baseline
    return _binary({"netUsageBaseline": body})


# -- IDStatusCache ----------------------------------------------------------------------------

NUL_USER = "mailto:\x00\x00\x00\x00lookup@example.net"  # synthetic: the NUL-byte pattern


def idstatuscache() -> dict[str, Any]:
    """{service: {uri: {LookupDate (Cocoa s), IDStatus, …}}} with the odd cases."""
    return {
        "com.apple.madrid": {
            "mailto:lucia.fernandez@example.org": {
                "LookupDate": cocoa_s(T0 - 5_000.25), "IDStatus": 1},
            "tel:+525512345678": {"LookupDate": cocoa_s(T0 - 4_000.5), "IDStatus": 1},
            "tel:+14155550123": {"LookupDate": cocoa_s(T0 - 3_000), "IDStatus": 2},
            "mailto:'attacker.lookup@example.net'": {
                "LookupDate": _utc(T0 - 2_000), "IDStatus": 1},  # a plist date
            "tel:+33612345678": {"LookupDate": cocoa_s(T0 - 1_000)},  # no IDStatus
            "tel:+442071234567": "stale",  # stand-in: not a dictionary
        },
        "com.apple.ess": {
            "tel:+525512345678": {"LookupDate": cocoa_s(T0 - 900), "IDStatus": 1},
            NUL_USER: {"LookupDate": cocoa_s(T0 - 600), "IDStatus": 2},
        },
        "com.apple.private.alloy.facetime.multi": {},
        "IDStatusCacheVersion": 3,  # stand-in: a top-level value that is not a dictionary
    }


def idstatuscache_plist(value: Any = None) -> bytes:
    return _binary(idstatuscache() if value is None else value)


# -- locationd clients.plist ------------------------------------------------------------------

IONOSPHERE = "com.apple.locationd.bundle-/System/Library/LocationBundles/IonosphereHarvest.bundle"
WRM = "com.apple.locationd.bundle-/System/Library/LocationBundles/WRMLinkSelection.bundle"
STAGING = ("com.apple.locationd.executable-/private/var/db/com.apple.xpc.roleaccountd.staging/"
           "subridged")
FINDMY = "com.apple.locationd.executable-/usr/libexec/findmydeviced:"


def locationd_clients(*, ionosphere_stop: float = T0 + 120, wrm_stop: float = T0 - 86_400
                      ) -> dict[str, Any]:
    """The clients dictionary; `*_stop` are the LocationTimeStopped of the two bundles."""
    return {
        IONOSPHERE: {
            "BundlePath": "/System/Library/LocationBundles/IonosphereHarvest.bundle",
            "Executable": "", "Registered": "", "Whitelisted": False, "Authorization": 3,
            "LocationTimeStopped": cocoa_s(ionosphere_stop),
            "SignificantTimeStopped": cocoa_s(T0 - 86_400 * 3),
        },
        WRM: {
            "BundlePath": "/System/Library/LocationBundles/WRMLinkSelection.bundle",
            "Executable": "", "Registered": "", "Whitelisted": False, "Authorization": 3,
            "LocationTimeStopped": cocoa_s(wrm_stop),
        },
        "com.apple.Maps": {
            "BundleId": "com.apple.Maps", "BundlePath": "/Applications/Maps.app",
            "Executable": "/Applications/Maps.app/Maps",
            "Registered": "/Applications/Maps.app/Maps", "Authorization": 4,
            "Whitelisted": False, "SupportedAuthorizationMask": 15,
            "ConsumptionPeriodBegin": cocoa_s(T0 - 86_400 * 30),
            "LocationTimeStopped": cocoa_s(T0 - 7_200.125),
            "ReceivingLocationInformationTimeStopped": cocoa_s(T0 - 7_200),
            "VisitTimeStopped": cocoa_s(T0 - 86_400 * 2),
            "BackgroundLocationTimeStopped": cocoa_s(T0 - 86_400),
            "NonPersistentSignificantTimeStopped": cocoa_s(T0 - 86_400 * 4),
        },
        "net.whatsapp.WhatsApp": {
            "BundleId": "net.whatsapp.WhatsApp", "Authorization": 2, "Registered": True,
            "ClientStorageToken": b"\x01\x02\x03\x04", "LocationTimeStopped": 0,  # unset
            "ConsumptionPeriodBegin": _utc(T0 - 86_400 * 10),  # a plist date
        },
        FINDMY: {
            "Executable": "/usr/libexec/findmydeviced", "Registered": "", "Authorization": 3,
            "FenceTimeStopped": cocoa_s(T0 - 600), "BeaconRegionTimeStopped": cocoa_s(T0 - 500),
        },
        STAGING: {
            "Executable": "/private/var/db/com.apple.xpc.roleaccountd.staging/subridged",
            "Registered": "", "Authorization": 3, "LocationTimeStopped": cocoa_s(T0 - 300),
        },
        "LocationServicesMigrated": 1,  # stand-in: a migration marker, not a dictionary
    }


def locationd_clients_plist(value: Any = None) -> bytes:
    return _binary(locationd_clients() if value is None else value)


# -- a backup for the Triangulation time window -----------------------------------------------

@dataclass(frozen=True)
class FileTimes:
    """MBFile times, unix seconds."""

    birth: int
    modified: int
    changed: int

    def tuple(self) -> tuple[int, int, int]:
        return (self.birth, self.modified, self.changed)


LONG_AGO = T0 - 86_400 * 200
IMAGEIO = ("RootDomain", "Library/Preferences/com.apple.ImageIO.plist")
STATUS_BAR = ("HomeDomain", "Library/Preferences/com.apple.locationd.StatusBarIconManager.plist")
FACETIME = ("HomeDomain", "Library/Preferences/com.apple.imservice.ids.FaceTime.plist")
ATTACHMENTS = "Library/SMS/Attachments"


def add_sms_directories(builder: BackupBuilder, times: Mapping[str, FileTimes]) -> None:
    """MediaDomain attachment folders (relative to Attachments/) with their times, parents
    first so that they keep these times."""
    for name in sorted(times, key=lambda n: n.count("/")):
        builder.add_directory("MediaDomain", f"{ATTACHMENTS}/{name}", times[name].tuple())


def add_kept_attachment(builder: BackupBuilder, folder: str, guid: str, file_name: str,
                        when: int) -> None:
    """An ordinary received attachment: its GUID folder and file, both made at `when`."""
    add_sms_directories(builder, {f"{folder}/{guid}": FileTimes(when, when, when)})
    builder.add_file("MediaDomain", f"{ATTACHMENTS}/{folder}/{guid}/{file_name}",
                     b"\x00\x00\x00\x18ftypheic" + bytes(64), times=(when, when, when))


def triangulation_backup(*, suspicious: bool = True) -> BackupBuilder:
    """A backup with Triangulation-like co-occurring events around T0 (when `suspicious`) and,
    in every case, events that must not raise anything:

    - T0 + 30 days: an ordinary attachment arrives (its folders change, and so does the deeper
      GUID folder and file) and nehelper uses the network a minute later;
    - T0 + 10 days: the FaceTime preferences change, alone;
    - T0 + 20 days: the status-bar preferences change, and WRMLinkSelection stops using
      location 5 minutes and 1 second later (just outside the window).
    """
    later = T0 + 86_400 * 30
    builder = BackupBuilder()
    sms = {
        "1a": FileTimes(LONG_AGO, later, later),
        "1a/03": FileTimes(LONG_AGO + 10, later, later),
        "7f": FileTimes(LONG_AGO, LONG_AGO, LONG_AGO),
        "7f/02": FileTimes(LONG_AGO, LONG_AGO, LONG_AGO),
    }
    if suspicious:
        # The implant's attachment was delivered and deleted: only its folders changed.
        sms["0c"] = FileTimes(LONG_AGO, T0 + 2, T0 + 2)
        sms["0c/12"] = FileTimes(T0, T0 + 2, T0 + 2)
    add_sms_directories(builder, sms)
    add_kept_attachment(builder, "1a/03", "7E2C4D51-9B0A-4F57-8D63-2A1E0C9B5F30",
                        "IMG_4821.heic", later)
    add_kept_attachment(builder, "7f/02", "0B6E8C22-51D3-4A7E-9F10-3C5D7A9E1B42",
                        "Audio Message.caf", LONG_AGO)  # an old one
    imageio = FileTimes(LONG_AGO, T0 + 5, T0 + 5) if suspicious else FileTimes(
        LONG_AGO, LONG_AGO, LONG_AGO)
    builder.add_file(*IMAGEIO, _binary({"ImageIOPreferencesVersion": 1}), times=imageio.tuple())
    builder.add_file(*FACETIME, _binary({"FaceTimeEnabled": True}),
                     times=(LONG_AGO, T0 + 86_400 * 10, T0 + 86_400 * 10))
    status_time = T0 + 86_400 * 20
    builder.add_file(*STATUS_BAR, _binary({"StatusBarIconVisible": False}),
                     times=(LONG_AGO, status_time, status_time))
    builder.add_file("HomeDomain", ADDAILY_PATH, addaily_plist())
    builder.add_file("RootDomain", LOCATIOND_PATH, _binary(locationd_clients(
        ionosphere_stop=T0 + 120 if suspicious else T0 - 86_400 * 5,
        wrm_stop=status_time + 301)))
    processes = [
        Process(1, "nehelper", None, later + 60, later + 3_600),
        Process(2, "com.apple.WebKit.WebContent", None, T0 - 86_400 * 50,
                T0 + 60 if suspicious else T0 - 86_400),
        Process(3, "MobileSafari", "com.apple.mobilesafari", T0 + 30, T0 + 30),
        Process(4, "lockdownd/com.apple.datausage.security", None, None, None),
    ]
    usage = [Usage(1, 1, later + 3_600, 100.0, 200.0), Usage(2, 2, T0 - 86_400 * 50),
             Usage(3, 2, T0 - 86_400 * 49), Usage(4, 3, T0 + 30)]
    builder.add_sqlite("WirelessDomain", DATAUSAGE_PATH, datausage_db(processes, usage))
    return builder
