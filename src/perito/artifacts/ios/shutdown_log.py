"""shutdown.log: the processes that were still running when the device rebooted (ios.md §5.17).

Filesystem dumps keep it at `private/var/db/diagnostics/shutdown.log`, sysdiagnose archives at
`system_logs.logarchive/Extra/shutdown.log` (iOS 26 ones also under `…/diagnostics/`). From
iOS 26.2 it is rotated: `shutdown.0.log`, … sit beside it, and every file is read. One block
per reboot:

    remaining client pid: 812 (/usr/libexec/exampled)
    After 1.21s, these clients are still here:
            remaining client pid: 812 (/usr/libexec/exampled)
    SIGTERM: [1712345678]

`SIGTERM: [<unix s>]` (some versions: `… @<10 digits>`) closes the block with the reboot
time. iOS 26 appends a `/<UUID>` component to client paths, stripped before the program name
is taken (the raw path is kept). Records:

- `ShutdownClient`: one per (block, pid, path): how many delay notices listed it.
- `ShutdownReboot`: one per block: the reboot time and how many delay notices it had (the
  iShutdown heuristic: 3 or more means clients kept the reboot waiting).
- `ShutdownLogFile`: one per file: how many reboots it holds and whether it is a rotated or
  iOS 26 form log, whose history is short (public reporting in 2025: iOS 26 overwrites it at
  each reboot). The absence of traces then proves little; the status notes say so.

The incumbent parses this log on filesystem dumps only and does not evaluate the delays.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from perito.artifacts.base import Artifact, Context
from perito.artifacts.ios.process_paths import basename, strip_uuid
from perito.records import Kind, Record, observable, register_record, timeline
from perito.sources.locations import FsGlob
from perito.timestamps import Encoding, Timestamp, decode, unset

_CLIENT = re.compile(r"remaining client pid:\s*(\d+)\s*\((.*)\)")
_DELAY = re.compile(r"After\s+([0-9.]+)\s*s,\s*these clients are still here")
_SIGTERM = re.compile(r"SIGTERM:\s*(?:\[(\d+)\]|.*?@(\d{9,11}))")
_ROTATED = re.compile(r"shutdown\.\d+\.log\Z")
SHORT_HISTORY = ("the shutdown log was rotated or is in the iOS 26 form, which keeps only "
                 "recent reboots: the absence of traces here proves little")


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class ShutdownClient(Record):
    """A process that had not exited when the reboot began."""

    pid: int = 0
    client_path: str = field(default="", metadata=observable(Kind.FILE_PATH))
    process_name: str = field(default="", metadata=observable(Kind.PROCESS))
    raw_path: str = ""  # as logged, with iOS 26's trailing UUID when present
    binary_uuid: str = ""
    reboot_time: Timestamp = field(default=unset(Encoding.UNIX_S),
                                   metadata=timeline("shutdown.log: client still running"))
    delay_notices: int = 0  # "these clients are still here" notices that listed it
    last_delay_seconds: float | None = None
    block: int = 0  # position of the reboot in the file, from 1

    record_name = "shutdown.log client"

    def describe(self) -> str:
        waited = (f", listed in {self.delay_notices} delay notices" if self.delay_notices
                  else "")
        return f"{self.process_name} (pid {self.pid}, {self.client_path}) at reboot{waited}"


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class ShutdownReboot(Record):
    """One reboot of the log, with the delay notices before its SIGTERM."""

    reboot_time: Timestamp = field(default=unset(Encoding.UNIX_S),
                                   metadata=timeline("shutdown.log: reboot"))
    block: int = 0
    delay_notices: int = 0
    last_delay_seconds: float | None = None
    complete: bool = True  # False: the file ends before this block's SIGTERM
    delaying_clients: tuple[str, ...] = ()  # paths listed in the last delay notice

    record_name = "shutdown.log reboot"

    def describe(self) -> str:
        text = f"Reboot with {self.delay_notices} delay notices"
        if self.delaying_clients:
            text += ", waiting for " + ", ".join(self.delaying_clients)
        return text


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class ShutdownLogFile(Record):
    """One shutdown log file and what its form says about the history it keeps."""

    file_name: str = ""
    reboots: int = 0
    first_reboot: Timestamp = field(default=unset(Encoding.UNIX_S))
    last_reboot: Timestamp = field(default=unset(Encoding.UNIX_S))
    rotated: bool = False  # a shutdown.N.log, or a log with rotated siblings
    uuid_paths: bool = False  # iOS 26 form: client paths end in a UUID
    short_history: bool = False

    record_name = "shutdown.log file"

    def describe(self) -> str:
        return f"{self.file_name}: {self.reboots} reboots"


@dataclass
class _Seen:
    notices: int = 0
    last_delay: float | None = None


@dataclass
class _Block:
    clients: dict[tuple[int, str], _Seen] = field(default_factory=dict)
    notices: int = 0
    last_delay: float | None = None
    last_listed: list[str] = field(default_factory=list)
    seen_any: bool = False


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def parse(text: str, source: str) -> Iterator[ShutdownClient | ShutdownReboot]:
    """Clients and reboots, block by block, in file order."""
    block = _Block()
    number = 1
    in_notice = False
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if not line:
            continue
        client = _CLIENT.search(line)
        if client:
            block.seen_any = True
            pid, raw_path = int(client.group(1)), client.group(2).strip()
            seen = block.clients.setdefault((pid, raw_path), _Seen())
            if in_notice:
                seen.notices += 1
                seen.last_delay = block.last_delay
                block.last_listed.append(strip_uuid(raw_path)[0])
            continue
        delay = _DELAY.search(line)
        if delay:
            block.seen_any = True
            block.notices += 1
            block.last_delay = _float(delay.group(1))
            block.last_listed = []
            in_notice = True
            continue
        sigterm = _SIGTERM.search(line)
        if sigterm:
            stamp = decode(int(sigterm.group(1) or sigterm.group(2)), Encoding.UNIX_S)
            yield from _close(block, number, stamp, source, complete=True)
            block, number, in_notice = _Block(), number + 1, False
    if block.seen_any:
        yield from _close(block, number, unset(Encoding.UNIX_S), source, complete=False)


def _close(block: _Block, number: int, stamp: Timestamp, source: str, *, complete: bool
           ) -> Iterator[ShutdownClient | ShutdownReboot]:
    for (pid, raw_path), seen in block.clients.items():
        path, had_uuid = strip_uuid(raw_path)
        yield ShutdownClient(
            source=source, pid=pid, client_path=path, process_name=basename(path),
            raw_path=raw_path, binary_uuid=raw_path.rsplit("/", 1)[-1] if had_uuid else "",
            reboot_time=stamp, delay_notices=seen.notices,
            last_delay_seconds=seen.last_delay, block=number)
    yield ShutdownReboot(source=source, reboot_time=stamp, block=number,
                         delay_notices=block.notices, last_delay_seconds=block.last_delay,
                         complete=complete, delaying_clients=tuple(dict.fromkeys(
                             block.last_listed)))


def extract(ctx: Context) -> Iterator[Record]:
    """Every client and reboot of one log file, then the file's own record."""
    text = ctx.source.read_bytes(ctx.evidence).decode("utf-8", errors="replace")
    reboots: list[Timestamp] = []
    uuid_paths = False
    for record in parse(text, ctx.evidence.address):
        if isinstance(record, ShutdownReboot) and record.reboot_time.ok:
            reboots.append(record.reboot_time)
        if isinstance(record, ShutdownClient) and record.binary_uuid:
            uuid_paths = True
        yield record
    name = ctx.evidence.name
    folder = ctx.evidence.relative_path.rpartition("/")[0]
    siblings = list(ctx.source.find(FsGlob(f"{folder}/shutdown.*.log" if folder
                                           else "shutdown.*.log")))
    rotated = bool(_ROTATED.search(name)) or any(_ROTATED.search(e.name) for e in siblings)
    short = rotated or uuid_paths
    if short:
        ctx.warn(SHORT_HISTORY)
    ordered = sorted(reboots, key=lambda t: t.ns or 0)
    yield ShutdownLogFile(
        source=ctx.evidence.address, file_name=name, reboots=len(reboots),
        first_reboot=ordered[0] if ordered else unset(Encoding.UNIX_S),
        last_reboot=ordered[-1] if ordered else unset(Encoding.UNIX_S),
        rotated=rotated, uuid_paths=uuid_paths, short_history=short)


FS_LOCATIONS = (FsGlob("private/var/db/diagnostics/shutdown.log"),
                FsGlob("private/var/db/diagnostics/shutdown.*.log"))
# iOS 26 sysdiagnoses have also been seen with the log under private/var/db/diagnostics/
# (mvt-project/mvt#830): any `diagnostics` folder of the archive is searched.
SYSDIAGNOSE_LOCATIONS = (FsGlob("system_logs.logarchive/Extra/shutdown.log"),
                         FsGlob("system_logs.logarchive/Extra/shutdown.*.log"),
                         FsGlob("**/diagnostics/shutdown.log"),
                         FsGlob("**/diagnostics/shutdown.*.log"))

ARTIFACT = Artifact(
    id="ios.shutdown_log",
    title="Processes running at reboot (shutdown.log)",
    slug="shutdown_log",
    plugin="ShutdownLog",
    locations=FS_LOCATIONS + SYSDIAGNOSE_LOCATIONS,
    records=(ShutdownClient, ShutdownReboot, ShutdownLogFile),
    extract=extract,
    doc=__doc__ or "",
)
