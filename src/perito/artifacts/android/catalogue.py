"""The Android artifact sets of androidqf acquisitions and bugreports (android.md).

The dumpsys artifacts read a bugreport's dumpstate and androidqf's `dumpsys.txt` alike.

androidqf's nested `backup.ab` and `intrusion_logs/` are read by sources of their own (the
`.ab` backup and intrusion-log readers), not by this set; `check-androidqf` does not scan
them yet (docs/roadmap.md).
"""

from __future__ import annotations

from perito.artifacts.android import (
    acquisition,
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
    log_links,
    magisk_modules,
    mounts,
    packages,
    processes,
    root_binaries,
    selinux,
    settings,
    tombstones,
)
from perito.artifacts.base import Artifact

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
