"""The Android artifact sets: adb backups, intrusion logs, androidqf acquisitions and
bugreports (android.md).

The dumpsys artifacts read a bugreport's dumpstate and androidqf's `dumpsys.txt` alike.

androidqf's nested `backup.ab` and `intrusion_logs/` are read by sources of their own (the
`.ab` backup and intrusion-log readers), not by this set; `check-androidqf` does not scan
them yet (docs/roadmap.md).
"""

from __future__ import annotations

from perito.artifacts.android import (
    acquisition,
    backup_files,
    backup_packages,
    browser_history,
    bugreport_processes,
    copied_files,
    dumpstate,
    dumpsys_accessibility,
    dumpsys_adb,
    dumpsys_appops,
    dumpsys_batterystats,
    dumpsys_dbinfo,
    dumpsys_device_policy,
    dumpsys_package,
    dumpsys_platform_compat,
    dumpsys_settings,
    files,
    getprop,
    hashes,
    intrusion_connect,
    intrusion_dns,
    intrusion_security,
    log_links,
    magisk_modules,
    mms,
    mounts,
    packages,
    processes,
    root_binaries,
    selinux,
    settings,
    sms,
    tombstones,
)
from perito.artifacts.base import Artifact

ANDROID_BACKUP: tuple[Artifact, ...] = (
    backup_files.ARTIFACT,
    backup_packages.ARTIFACT,
    sms.ARTIFACT,
    mms.ARTIFACT,
)

ANDROID_INTRUSION_LOGS: tuple[Artifact, ...] = (
    intrusion_dns.ARTIFACT,
    intrusion_connect.ARTIFACT,
    intrusion_security.ARTIFACT,
)

DUMPSYS: tuple[Artifact, ...] = (
    dumpsys_package.ARTIFACT,
    dumpsys_accessibility.ARTIFACT,
    dumpsys_appops.ARTIFACT,
    dumpsys_batterystats.ARTIFACT,
    dumpsys_dbinfo.ARTIFACT,
    dumpsys_platform_compat.ARTIFACT,
    dumpsys_adb.ARTIFACT,
    dumpsys_device_policy.ARTIFACT,
    dumpsys_settings.ARTIFACT,
)

BUGREPORT: tuple[Artifact, ...] = (
    dumpstate.ARTIFACT,
    bugreport_processes.ARTIFACT,
    *DUMPSYS,
    tombstones.ARTIFACT,
    copied_files.ARTIFACT,
    log_links.ARTIFACT,
)

ANDROIDQF: tuple[Artifact, ...] = (
    acquisition.ARTIFACT,
    hashes.ARTIFACT,
    getprop.ARTIFACT,
    settings.ARTIFACT,
    packages.ARTIFACT,
    processes.ARTIFACT,
    files.ARTIFACT,
    mounts.ARTIFACT,
    root_binaries.ARTIFACT,
    magisk_modules.ARTIFACT,
    browser_history.ARTIFACT,
    selinux.ARTIFACT,
    *BUGREPORT,  # dumpsys.txt and the nested bugreport.zip
)
