"""Sysdiagnose archives as an iPhone writes them, and the files inside that perito reads.

Layout: one top folder `sysdiagnose_YYYY.MM.DD_HH-MM-SS±ZZZZ_iPhone-OS_iPhone_<build>` with
`sysdiagnose.log`, `ps.txt`, `ps_thread.txt`, `crashes_and_spins/*.ips` and
`system_logs.logarchive/Extra/shutdown.log` (iOS 26.2+: also `shutdown.0.log`, and client
paths that end in the binary's UUID). The logarchive's `.tracev3` files are stand-ins of
random bytes: perito does not read them, they only give the archive its size.

Unconfirmed details: the ps column widths and the thread-line layout of ps_thread.txt follow
BSD `ps -M` and are illustrative; the parser reads columns by header, not position.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from tests.builders.tree import TreeBuilder

NAME = "sysdiagnose_2024.05.01_11-50-00+0200_iPhone-OS_iPhone_21E236"
T0 = 1_714_500_000  # 2024-04-30T18:00:00Z
PS_HEADER = ("USER              UID PRSNA   PID  PPID        F  %CPU %MEM PRI NI      VSZ    RSS "
             "WCHAN    TT  STAT STARTED      TIME COMMAND")


@dataclass(frozen=True)
class Reboot:
    """One block of shutdown.log: clients still running, delay notices, the SIGTERM time."""

    time: int | None
    clients: Sequence[tuple[int, str]] = ()
    delays: Sequence[tuple[float, Sequence[int]]] = ()  # (seconds, pids still here)
    at_form: bool = False  # "SIGTERM: … @<unix s>" instead of "SIGTERM: [<unix s>]"


def _uuid(pid: int) -> str:
    return f"{pid:08X}-1A2B-4C3D-8E9F-{pid * 7919:012X}"


def shutdown_log(reboots: Sequence[Reboot], *, ios26: bool = False) -> str:
    """The log text; with ios26=True every client path ends in `/<UUID>`."""
    def client(paths: dict[int, str], pid: int, indent: str) -> str:
        path = paths[pid] + (f"/{_uuid(pid)}" if ios26 else "")
        return f"{indent}remaining client pid: {pid} ({path})"

    lines: list[str] = []
    for reboot in reboots:
        paths = dict(reboot.clients)
        lines.extend(client(paths, pid, "") for pid, _path in reboot.clients)
        for seconds, pids in reboot.delays:
            lines.append(f"After {seconds:.2f}s, these clients are still here:")
            lines.extend(client(paths, pid, "\t\t") for pid in pids)
        if reboot.time is not None:
            lines.append(f"SIGTERM: [{reboot.time}] All buffers flushed" if not reboot.at_form
                         else f"SIGTERM: all buffers flushed @{reboot.time}")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Proc:
    pid: int
    command: str
    user: str = "root"
    ppid: int = 1
    threads: int = 1


def ps_txt(processes: Sequence[Proc]) -> str:
    lines = [PS_HEADER]
    for p in processes:
        uid = 0 if p.user == "root" else 501
        lines.append(f"{p.user:<16} {uid:>4} -     {p.pid:>5} {p.ppid:>5}     4004   0.0  0.1  "
                     f"31  0 408363856  12784 -        ??  Ss    9:05AM   0:22.01 {p.command}")
    return "\n".join(lines) + "\n"


def ps_thread_txt(processes: Sequence[Proc]) -> str:
    lines = [PS_HEADER]
    for p in processes:
        lines.append(ps_txt([p]).splitlines()[1])
        lines.extend(f"{'':<28} 0.0 S    31T   0:00.00   0:00.01" for _ in range(p.threads - 1))
    return "\n".join(lines) + "\n"


def ips_time(unix: int, offset: str = "+0200") -> str:
    import datetime as dt

    sign = 1 if offset[0] == "+" else -1
    zone = dt.timezone(sign * dt.timedelta(hours=int(offset[1:3]), minutes=int(offset[3:])))
    return dt.datetime.fromtimestamp(unix, zone).strftime("%Y-%m-%d %H:%M:%S.00 ") + offset


def crash_ips(name: str, path: str, *, unix: int = T0, bundle: str = "",
              parent: str = "launchd", images: Sequence[str] = ()) -> str:
    """A bug type 309 crash report: JSON header line, JSON body (iOS 15+)."""
    header = {"app_name": name, "timestamp": ips_time(unix), "app_version": "",
              "slice_uuid": "5C0B6E6A-0F4E-3C52-9D1B-2B1E0C9A7D11", "build_version": "",
              "platform": 2, "bundleID": bundle, "share_with_app_devs": 0,
              "is_first_party": 1, "bug_type": "309",
              "os_version": "iPhone OS 17.4.1 (21E236)", "roots_installed": 0,
              "name": name, "incident_id": "0F0D2A3C-6B7E-4F11-9A52-3E8D7C6B5A41"}
    body = {"uptime": 86000, "procRole": "Unspecified", "version": 2, "userID": 501,
            "deployVersion": 210, "modelCode": "iPhone15,2", "coalitionID": 532,
            "osVersion": {"isEmbedded": True, "train": "iPhone OS 17.4.1", "releaseType": "User",
                          "build": "21E236"},
            "captureTime": ips_time(unix), "incident": "0F0D2A3C-6B7E-4F11-9A52-3E8D7C6B5A41",
            "pid": 812, "procLaunch": ips_time(unix - 600), "procStartAbsTime": 1234567,
            "procExitAbsTime": 2345678, "procName": name, "procPath": path,
            "bundleInfo": {"CFBundleIdentifier": bundle} if bundle else {},
            "parentProc": parent, "parentPid": 1, "coalitionName": bundle or name,
            "exception": {"type": "EXC_CRASH", "signal": "SIGABRT"},
            "usedImages": [{"source": "P", "arch": "arm64e", "base": 4295000064, "size": 16384,
                            "uuid": "5c0b6e6a-0f4e-3c52-9d1b-2b1e0c9a7d11", "path": path,
                            "name": name}] + [
                {"source": "P", "arch": "arm64e", "base": 0, "size": 0,
                 "uuid": "00000000-0000-0000-0000-000000000000", "path": image,
                 "name": image.rsplit("/", 1)[-1]} for image in images]}
    return json.dumps(header) + "\n" + json.dumps(body, indent=2) + "\n"


def legacy_crash_ips(name: str, path: str, *, unix: int = T0, identifier: str = "") -> str:
    """An iOS 14-era report: JSON header line, then `Key: value` text."""
    header = {"bug_type": "109", "timestamp": ips_time(unix), "os_version":
              "iPhone OS 14.8 (18H17)", "name": name, "incident_id":
              "7A1C0E55-2D3B-4C6A-8F90-112233445566"}
    body = (f"Incident Identifier: 7A1C0E55-2D3B-4C6A-8F90-112233445566\n"
            f"Hardware Model:      iPhone12,1\n"
            f"Process:             {name} [812]\n"
            f"Path:                {path}\n"
            f"Identifier:          {identifier or name}\n"
            f"Version:             ???\n"
            f"Parent Process:      launchd [1]\n\n"
            f"Exception Type:  EXC_CRASH (SIGKILL)\n")
    return json.dumps(header) + "\n" + body


def jetsam_ips(processes: Sequence[tuple[str, int, str]], *, unix: int = T0) -> str:
    """A bug type 298 jetsam report; processes are (name, pid, reason or "")."""
    header = {"bug_type": "298", "timestamp": ips_time(unix), "os_version":
              "iPhone OS 17.4.1 (21E236)", "incident_id": "AB12CD34-0000-4000-8000-0000000000AA"}
    body = {"crashReporterKey": "c0ffee", "kernel": "Darwin Kernel Version 23.4.0",
            "product": "iPhone15,2", "incident": header["incident_id"], "date": ips_time(unix),
            "build": "iPhone OS 17.4.1 (21E236)", "timeDelta": 5, "memoryStatus": {},
            "largestProcess": processes[0][0] if processes else "",
            "genCounter": 0,
            "processes": [dict({"uuid": "11111111-2222-3333-4444-555555555555", "states":
                                ["daemon", "idle"], "lifetimeMax": 1200, "age": 99,
                                "purgeable": 0, "fds": 50, "coalition": 1, "rpages": 100,
                                "priority": 0, "physicalPages": {}, "pid": pid,
                                "name": name}, **({"reason": reason} if reason else {}))
                           for name, pid, reason in processes]}
    return json.dumps(header) + "\n" + json.dumps(body, indent=2) + "\n"


@dataclass
class SysdiagnoseBuilder:
    """A whole sysdiagnose; `tree` holds everything under the top folder `name`."""

    name: str = NAME
    tree: TreeBuilder = field(default_factory=TreeBuilder)

    def __post_init__(self) -> None:
        self.add("sysdiagnose.log", f"sysdiagnose {self.name} started\n")

    def add(self, relative: str, text: str) -> None:
        self.tree.add_text(f"{self.name}/{relative}", text)

    def shutdown(self, reboots: Sequence[Reboot], *, ios26: bool = False,
                 rotated: Sequence[Sequence[Reboot]] = ()) -> None:
        self.add("system_logs.logarchive/Extra/shutdown.log", shutdown_log(reboots, ios26=ios26))
        for number, older in enumerate(rotated):
            self.add(f"system_logs.logarchive/Extra/shutdown.{number}.log",
                     shutdown_log(older, ios26=ios26))

    def processes(self, processes: Sequence[Proc]) -> None:
        self.add("ps.txt", ps_txt(processes))
        self.add("ps_thread.txt", ps_thread_txt(processes))
