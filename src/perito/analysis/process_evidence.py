"""Heuristics over processes seen at reboot, at capture time and in crash reports (ios.md §6).

The iShutdown checks (Kaspersky, 2024) on shutdown.log, and the same path checks on ps.txt and
crash reports: a program running from `/private/var/db/` or `/private/var/tmp/` (allowlist in
`perito.artifacts.ios.process_paths`), or named like a system daemon but living outside the
OS image. Each signals, none proves: an expert reviews them with the rest.
"""

from __future__ import annotations

from collections.abc import Iterator

from perito.artifacts.ios.crash_reports import CrashReport
from perito.artifacts.ios.process_list import RunningProcess
from perito.artifacts.ios.process_paths import strip_uuid, system_lookalike, unusual_folder
from perito.artifacts.ios.shutdown_log import (
    SHORT_HISTORY,
    ShutdownClient,
    ShutdownLogFile,
    ShutdownReboot,
)
from perito.detections import heuristic
from perito.levels import Level
from perito.records import Record

DELAY_NOTICES = 3  # iShutdown: three or more "still here" notices before one SIGTERM

_UNUSUAL = ("System programs run from /usr, /System or cryptexes. Pegasus ran from "
            "/private/var/db/com.apple.xpc.roleaccountd.staging/ and Predator-era indicators "
            "sit in /private/var/tmp/ (iShutdown, Kaspersky 2024; Amnesty 2021).")
_LOOKALIKE = ("Spyware processes posed as system daemons (Pegasus: bh, roleaccountd, "
              "stagingd…); Apple's daemons live in the OS image or cryptexes, so a daemon-"
              "style name elsewhere deserves a look.")


def _program(record: Record) -> str:
    if isinstance(record, ShutdownClient):
        return record.client_path
    if isinstance(record, RunningProcess):
        return record.program_path
    if isinstance(record, CrashReport):
        return strip_uuid(record.process_path)[0]
    return ""


def unusual_folder_check(record: Record) -> Iterator[str]:
    path = _program(record)
    folder = unusual_folder(path) if path else None
    if folder:
        yield f"{path} runs from {folder}, where no system program lives"


def lookalike_check(record: Record) -> Iterator[str]:
    path = _program(record)
    if path and unusual_folder(path) is None and system_lookalike(path):
        yield f"{path} is named like a system daemon but lives outside the system folders"


for _record_type in (ShutdownClient, RunningProcess, CrashReport):
    heuristic(_record_type, "process-unusual-folder", Level.HIGH, _UNUSUAL)(
        unusual_folder_check)
    heuristic(_record_type, "process-system-lookalike", Level.MEDIUM, _LOOKALIKE)(
        lookalike_check)


@heuristic(ShutdownReboot, "shutdown-delayed-reboot", Level.MEDIUM,
           "Implants that hook shutdown or keep running delay the reboot; Kaspersky observed "
           "three or more delay notices with Pegasus infections (iShutdown, 2024). Slow "
           "legitimate daemons cause it too: it signals, it does not prove.")
def delayed_reboot(record: Record) -> Iterator[str]:
    assert isinstance(record, ShutdownReboot)
    if record.delay_notices >= DELAY_NOTICES:
        waiting = ", ".join(record.delaying_clients) or "clients"
        yield (f"Reboot delayed {record.delay_notices} times by {waiting} that would not "
               "exit")


@heuristic(ShutdownLogFile, "shutdown-log-short-history", Level.INFORMATIONAL,
           "iOS 26 rotates and overwrites shutdown.log (public reporting, 2025), so it keeps "
           "only recent reboots: finding nothing there says little about the past.")
def short_history(record: Record) -> Iterator[str]:
    assert isinstance(record, ShutdownLogFile)
    if record.short_history:
        yield f"{record.file_name}: {SHORT_HISTORY}"
