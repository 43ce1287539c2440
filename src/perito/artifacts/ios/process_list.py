"""ps.txt and ps_thread.txt: the processes running when a sysdiagnose was taken (ios.md §4).

Both sit at the sysdiagnose root and are the output of BSD `ps` with a header line, e.g.
`USER UID PRSNA PID PPID F %CPU %MEM PRI NI VSZ RSS WCHAN TT STAT STARTED TIME COMMAND`.
Columns are found by the header, never by position; `COMMAND` is last and keeps its spaces
(the program path, then its arguments). In ps_thread.txt each process line is followed by
one line per further thread, which carries fewer columns: those lines are counted, not
parsed as processes. There is no date on a line: `STARTED` is local time as ps printed it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from perito.artifacts.base import Artifact, Context, SchemaMismatch
from perito.artifacts.ios.process_paths import basename
from perito.records import Kind, Record, observable, register_record
from perito.sources.locations import FsGlob

_SPACES = re.compile(r"\s+")


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class RunningProcess(Record):
    """One process line of ps.txt or ps_thread.txt."""

    pid: int | None = None
    ppid: int | None = None
    user: str = ""
    started: str = ""  # as printed by ps (local time of the device)
    command: str = ""  # program and arguments
    program_path: str = field(default="", metadata=observable(Kind.FILE_PATH))
    process_name: str = field(default="", metadata=observable(Kind.PROCESS))
    threads: int | None = None  # ps_thread.txt only

    record_name = "running process"

    def describe(self) -> str:
        return f"{self.process_name} (pid {self.pid}, {self.user or '?'}) running"


def _int(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def parse(text: str, source: str, *, threads: bool) -> Iterator[RunningProcess]:
    lines = iter(text.splitlines())
    header: list[str] = []
    for line in lines:
        if line.strip():
            header = _SPACES.split(line.strip())
            break
    if "COMMAND" not in header or "PID" not in header or header[-1] != "COMMAND":
        raise ValueError("no ps header with PID and a final COMMAND column")
    width = len(header)
    column = {name: position for position, name in enumerate(header)}
    pending: dict[str, object] | None = None
    count = 0
    for line in lines:
        parts = line.strip().split(None, width - 1)
        is_process = len(parts) == width and parts[column["PID"]].isdigit()
        if threads and not is_process:
            count += 1
            continue
        if not is_process:
            continue
        if pending is not None:
            yield _record(pending, source, count if threads else None)
        pending = {name: parts[position] for name, position in column.items()}
        count = 1
    if pending is not None:
        yield _record(pending, source, count if threads else None)


def _record(values: dict[str, object], source: str, threads: int | None) -> RunningProcess:
    command = str(values.get("COMMAND", ""))
    program = command.split(" ", 1)[0]
    return RunningProcess(
        source=source, pid=_int(str(values.get("PID", ""))),
        ppid=_int(str(values.get("PPID", ""))), user=str(values.get("USER", "")),
        started=str(values.get("STARTED", "")), command=command,
        program_path=program if program.startswith("/") else "",
        process_name=basename(program), threads=threads)


def extract(ctx: Context) -> Iterator[Record]:
    text = ctx.source.read_bytes(ctx.evidence).decode("utf-8", errors="replace")
    try:
        yield from parse(text, ctx.evidence.address,
                         threads=ctx.evidence.name.startswith("ps_thread"))
    except ValueError:
        raise SchemaMismatch(["a ps header with PID and a final COMMAND column"]) from None


ARTIFACT = Artifact(
    id="ios.sysdiagnose.processes",
    title="Processes at capture time (ps.txt, ps_thread.txt)",
    slug="ps",
    plugin="PsTxt",
    locations=(FsGlob("ps.txt"), FsGlob("ps_thread.txt")),
    records=(RunningProcess,),
    extract=extract,
    doc=__doc__ or "",
)
