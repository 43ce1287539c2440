"""ps.txt and ps_thread.txt: the processes running when a sysdiagnose was taken (ios.md §4).

Both sit at the sysdiagnose root and are the output of BSD `ps` with a header line, e.g.
`USER UID PRSNA PID PPID F %CPU %MEM PRI NI VSZ RSS WCHAN TT STAT STARTED TIME COMMAND`.
Columns are found by the header, never by position; `COMMAND` is last and keeps its spaces
(the program path, then its arguments). In ps_thread.txt each process line is followed by
one line per further thread, which carries fewer columns: those lines are counted, not
parsed as processes. The two files list the same processes: the records are ps.txt's, with
the thread counts of ps_thread.txt (which is read alone only when ps.txt is missing), so a
process is one record and a finding about it is reported once. There is no date on a line:
`STARTED` is local time as ps printed it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from perito.artifacts.base import Artifact, Context, SchemaMismatch
from perito.artifacts.ios.process_paths import basename
from perito.records import Kind, Record, observable, register_record
from perito.sources.evidence import EvidenceFile
from perito.sources.locations import FsGlob

_SPACES = re.compile(r"\s+")
PROCESSES, THREADS = "ps.txt", "ps_thread.txt"


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


def _parse(ctx: Context, evidence: EvidenceFile, *, threads: bool
           ) -> list[RunningProcess]:
    text = ctx.source.read_bytes(evidence).decode("utf-8", errors="replace")
    try:
        return list(parse(text, evidence.address, threads=threads))
    except ValueError:
        raise SchemaMismatch(["a ps header with PID and a final COMMAND column"]) from None


def _sibling(ctx: Context, name: str) -> EvidenceFile | None:
    folder = ctx.evidence.relative_path.rpartition("/")[0]
    return next(iter(ctx.source.find(FsGlob(f"{folder}/{name}" if folder else name))), None)


def extract(ctx: Context) -> Iterator[Record]:
    """ps.txt's processes with ps_thread.txt's thread counts; ps_thread.txt alone when ps.txt
    is missing. One record per process, so a finding is not reported twice."""
    if ctx.evidence.name == THREADS:
        if _sibling(ctx, PROCESSES) is None:
            yield from _parse(ctx, ctx.evidence, threads=True)
        return
    processes = _parse(ctx, ctx.evidence, threads=False)
    listing = _sibling(ctx, THREADS)
    counts: dict[int | None, int | None] = {}
    if listing is not None:
        try:
            counts = {p.pid: p.threads for p in _parse(ctx, listing, threads=True)}
        except SchemaMismatch:
            ctx.warn(f"{listing.address}: no ps header, thread counts not read")
        else:
            ctx.warn(f"thread counts from {listing.address}")
    for process in processes:
        yield (dataclasses.replace(process, threads=counts[process.pid])
               if process.pid in counts else process)


ARTIFACT = Artifact(
    id="ios.sysdiagnose.processes",
    title="Processes at capture time (ps.txt, ps_thread.txt)",
    slug="ps",
    plugin="PsTxt",
    locations=(FsGlob(PROCESSES), FsGlob(THREADS)),
    records=(RunningProcess,),
    extract=extract,
    doc=__doc__ or "",
)
