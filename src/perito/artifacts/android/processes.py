"""Running processes: androidqf's `processes.json`, `processes.txt` and the older `ps.txt`
(android.md §1.5). With its on-device collector androidqf writes the collector's JSON array
into `processes.txt`; without it, the output of `ps -A`.

`ps -A` prints a header and whitespace-separated columns; WCHAN can be empty and some builds
prepend a SELinux `LABEL` column, so columns are found from the header and NAME is the last.
Kernel threads show as `[name]`: the brackets are removed for matching and remembered.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from perito.artifacts.android.common import integer, json_list, text, text_of
from perito.artifacts.base import Artifact, Context
from perito.errors import DamagedFile
from perito.records import Kind, Record, observable, register_record
from perito.sources.locations import AndroidFile


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class AndroidProcess(Record):
    """One process of a process listing."""

    name: str = field(metadata=observable(Kind.PROCESS))
    package: str = field(default="", metadata=observable(Kind.APP_ID))
    pid: int | None = None
    ppid: int | None = None
    uid: int | None = None
    user: str = ""
    kernel_thread: bool = False  # the name was shown in [brackets]
    path: str = field(default="", metadata=observable(Kind.FILE_PATH))
    executable: str = field(default="", metadata=observable(Kind.PROCESS))
    context: str = ""  # SELinux
    command_line: tuple[str, ...] = ()
    # argv[0] in full: the collector's `filename` is the kernel's comm (at most 15 characters)
    command: str = field(default="", metadata=observable(Kind.PROCESS))
    cwd: str = field(default="", metadata=observable(Kind.FILE_PATH))
    state: str = ""

    record_name = "Android process"

    def describe(self) -> str:
        return f"process {self.name} (pid {self.pid}, {self.user or self.uid})"


def _package(name: str) -> str:
    """The package part of an app process name (`pkg:sub` → `pkg`), when it looks like one."""
    head = name.split(":", 1)[0]
    return head if "." in head and "/" not in head and " " not in head else ""


def _name(raw: str) -> tuple[str, bool]:
    if len(raw) > 2 and raw.startswith("[") and raw.endswith("]"):
        return raw[1:-1], True
    return raw, False


_NAME_COLUMNS = ("NAME", "CMD", "COMMAND")


def parse_ps(content: str, source: str) -> Iterator[AndroidProcess]:
    """Rows of a `ps` table, columns found by the header. The name is the last column (it may
    hold spaces); an empty WCHAN shifts the columns after it; with `-T` (a TID column) only
    the main thread of each process is kept."""
    lines = [line for line in content.splitlines() if line.strip()]
    if not lines:
        return
    header = lines[0].split()
    if "PID" not in header or header[-1] not in _NAME_COLUMNS:
        raise DamagedFile("no ps header (USER PID … NAME) on the first line")
    wanted = len(header)
    wchan_at = header.index("WCHAN") if "WCHAN" in header else wanted
    for line in lines[1:]:
        columns = line.split()
        if len(columns) < header.index("PID") + 2:
            continue
        missing = max(0, wanted - len(columns))

        def column(name: str, columns: list[str] = columns, missing: int = missing) -> str:
            if name not in header:
                return ""
            at = header.index(name)
            at -= missing if at > wchan_at else 0
            return columns[at] if 0 <= at < len(columns) else ""

        pid = integer(column("PID"))
        if "TID" in header and integer(column("TID")) != pid:
            continue  # another thread of the process
        name, bracketed = _name(" ".join(columns[wanted - 1 - missing:]))
        yield AndroidProcess(
            source=source, name=name, package="" if bracketed else _package(name),
            pid=pid, ppid=integer(column("PPID")), user=column("USER"),
            kernel_thread=bracketed, context=column("LABEL"), state=column("S"))


def _json_process(item: dict[str, Any], source: str) -> AndroidProcess:
    raw_command = item.get("command_line")
    command = tuple(text(c) for c in raw_command) if isinstance(raw_command, list) else ()
    first = next((c for c in command if c), "")
    name, bracketed = _name(text(item.get("filename")) or first)
    path = text(item.get("path"))
    return AndroidProcess(
        source=source, name=name or first, package=_package(first or name),
        pid=integer(item.get("pid")), ppid=integer(item.get("ppid")),
        uid=integer(item.get("uid")), kernel_thread=bracketed, path=path,
        executable=path.rsplit("/", 1)[-1] if path else "",
        context=text(item.get("context")), command_line=command, command=first,
        cwd=text(item.get("cwd")),
        state=text(item.get("state")))


def extract(ctx: Context) -> Iterator[Record]:
    content = text_of(ctx)
    # androidqf with its collector writes the collector's JSON into processes.txt
    if ctx.evidence.name.endswith(".json") or content.lstrip()[:1] in ("[", "{"):
        for item in json_list(ctx):
            if isinstance(item, dict):
                yield _json_process(item, ctx.evidence.address)
        return
    yield from parse_ps(content, ctx.evidence.address)


ARTIFACT = Artifact(
    id="android.androidqf.processes",
    title="Running processes (processes.json, processes.txt, ps.txt)",
    slug="processes",
    plugin="Processes",
    locations=(AndroidFile("processes.json"), AndroidFile("processes.txt"),
               AndroidFile("ps.txt")),
    records=(AndroidProcess,),
    extract=extract,
    doc=__doc__ or "",
)
