"""Recent database operations from the `dumpsys dbinfo` section (android.md §2.3).

`Connection pool for <db path>:` blocks list, under `Most recently executed operations:`,
lines like `0: [2024-02-28 21:14:05.120] [Pid:(4711)]executeForCursorWindow took 1ms -
succeeded, sql="…", path=…` (the year and the Pid part are optional). The database path
names the app that owns it. A time without a year takes the dumpstate's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from perito.artifacts.android.common import dumpsys_sections, local_time
from perito.artifacts.base import Artifact, Context
from perito.extract.dumpsys import dump_date
from perito.records import Kind, Record, observable, register_record, timeline
from perito.sources.locations import Dumpstate
from perito.timestamps import Encoding, Timestamp, unset

_POOL = re.compile(r"^Connection pool for (.+):\s*$")
_OPERATION = re.compile(r"^\s+\d+: \[((?:\d{4}-)?\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?)\]\s*"
                        r"(?:\[Pid:\((\d+)\)\])?\s*(\w+)(.*)$")
_SQL = re.compile(r'sql="(.*?)"(?:, path=|$)')
_APP_PATH = re.compile(r"^/data/(?:user(?:_de)?/\d+|data)/([^/]+)/")


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class DatabaseOperation(Record):
    """One recently executed operation on an app's database."""

    database: str = field(metadata=observable(Kind.FILE_PATH))
    package_name: str = field(default="", metadata=observable(Kind.APP_ID))
    action: str = ""
    pid: int | None = None
    sql: str = ""
    time: Timestamp = field(default=unset(Encoding.LOCAL_TEXT),
                            metadata=timeline("Database operation"))

    record_name = "Database operation"

    def describe(self) -> str:
        return f"{self.action} on {self.database}"


def with_year(when: str, dumped: str) -> str:
    """A year-less `MM-DD …` time in the year of the dump (the year before when it would
    fall after the dump: the operation happened before it)."""
    if len(when) >= 19 or not dumped:
        return when
    year = int(dumped[:4])
    if when[:5] > dumped[5:10]:
        year -= 1
    return f"{year:04d}-{when}"


def operations(ctx: Context, lines: list[str], dumped: str) -> Iterator[DatabaseOperation]:
    database = package = ""
    inside = False
    for line in lines:
        pool = _POOL.match(line)
        if pool:
            database, inside = pool.group(1).strip(), False
            owner = _APP_PATH.match(database)
            package = owner.group(1) if owner else ""
            continue
        if line.strip().startswith("Most recently executed operations:"):
            inside = bool(database)
            continue
        found = _OPERATION.match(line) if inside else None
        if found is None:
            continue
        when, pid, action, rest = found.groups()
        when = with_year(when, dumped)
        sql = _SQL.search(rest)
        yield DatabaseOperation(source=ctx.evidence.address, database=database,
                                package_name=package, action=action,
                                pid=int(pid) if pid else None,
                                sql=sql.group(1) if sql else "",
                                time=local_time(ctx, when if len(when) >= 19 else ""))


def extract(ctx: Context) -> Iterator[Record]:
    dumped = dump_date(ctx.source.read_bytes(ctx.evidence))
    for _body, lines in dumpsys_sections(ctx, "dbinfo"):
        yield from operations(ctx, lines, dumped)


ARTIFACT = Artifact(
    id="android.dumpsys.dbinfo",
    title="Recent database operations (dumpsys dbinfo)",
    slug="dumpsys_dbinfo",
    plugin="DumpsysDBInfo",
    locations=(Dumpstate(),),
    records=(DatabaseOperation,),
    extract=extract,
    doc=__doc__ or "",
)
