"""App operations from the `dumpsys appops` section (android.md §2.3).

From the first `  Uid <uid>:` line to the first blank line: `    Package <name>:` blocks list
ops as `      OP_NAME (mode):` (newer releases append ` / switch …` inside the brackets) with
`Access:` and `Reject:` entries carrying a device-local time (`%Y-%m-%d %H:%M:%S.%f`).
Android 9 and older print `      OP: mode=allow; time=+1h ago; rejectTime=…` with relative
times only: those ops are kept without times.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from perito.artifacts.android.common import dumpsys_sections, local_time
from perito.artifacts.base import Artifact, Context
from perito.records import Kind, Record, observable, register_record, timeline
from perito.sources.locations import Dumpstate
from perito.timestamps import Encoding, Timestamp, unset

# The uid state in an entry's brackets (`[bg-s]`, `[cch-tp]`): the app was not on screen
_BACKGROUND_STATES = frozenset({"bg", "cch"})
_UID = re.compile(r"^  Uid (\S+):\s*$")
_PACKAGE = re.compile(r"^    Package (\S+):\s*$")
_OP = re.compile(r"^      ([A-Z0-9_]+) \(([^)/]+?)(?:\s*/[^)]*)?\):")
# Android 9 and older: `      CAMERA: mode=allow; time=+1h2m3s ago; duration=+6ms` (relative times)
_OLD_OP = re.compile(r"^      ([A-Z0-9_]+): mode=(\w+)(.*)$")
_ENTRY = re.compile(r"^\s+(Access|Reject):\s*(?:\[([^\]]*)\]\s*)?(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"
                    r"(?:\.\d+)?)")


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class AppOp(Record):
    """One app operation of one package, with its latest access and rejection."""

    package_name: str = field(metadata=observable(Kind.APP_ID))
    uid: str = ""
    op: str = ""
    mode: str = ""
    accesses: int = 0
    rejects: int = 0
    background_accesses: int = 0  # while the app was in the background or cached
    last_access: Timestamp = field(default=unset(Encoding.LOCAL_TEXT),
                                   metadata=timeline("App operation allowed"))
    last_reject: Timestamp = field(default=unset(Encoding.LOCAL_TEXT),
                                   metadata=timeline("App operation rejected"))

    record_name = "App operation"

    def describe(self) -> str:
        return f"{self.package_name} {self.op} ({self.mode})"


@dataclass
class _Op:
    package: str
    uid: str
    op: str
    mode: str
    times: dict[str, list[str]] = field(default_factory=lambda: {"Access": [], "Reject": []})
    background: int = 0


def _record(ctx: Context, op: _Op) -> AppOp:
    access, reject = sorted(op.times["Access"]), sorted(op.times["Reject"])
    return AppOp(source=ctx.evidence.address, package_name=op.package, uid=op.uid, op=op.op,
                 mode=op.mode, accesses=len(access), rejects=len(reject),
                 background_accesses=op.background,
                 last_access=local_time(ctx, access[-1] if access else ""),
                 last_reject=local_time(ctx, reject[-1] if reject else ""))


def app_ops(ctx: Context, lines: list[str]) -> Iterator[AppOp]:
    uid = package = ""
    current: _Op | None = None
    started = False
    for line in lines:
        if not started:
            started = bool(_UID.match(line))
            if not started:
                continue
        if not line.strip():
            break
        found = _UID.match(line)
        if found:
            uid, package = found.group(1), ""
        elif found := _PACKAGE.match(line):
            package = found.group(1)
        elif found := _OP.match(line):
            if current is not None:
                yield _record(ctx, current)
            current = _Op(package, uid, found.group(1), found.group(2).strip()) \
                if package else None
            continue
        elif (found := _OLD_OP.match(line)) and package:
            if current is not None:
                yield _record(ctx, current)
                current = None
            rest = found.group(3)
            yield AppOp(source=ctx.evidence.address, package_name=package, uid=uid,
                        op=found.group(1), mode=found.group(2),
                        accesses=int("time=" in rest), rejects=int("rejectTime=" in rest))
            continue
        elif (found := _ENTRY.match(line)) and current is not None:
            current.times[found.group(1)].append(found.group(3))
            state = (found.group(2) or "").split("-", 1)[0]
            if found.group(1) == "Access" and state in _BACKGROUND_STATES:
                current.background += 1
            continue
        else:
            continue
        if current is not None:
            yield _record(ctx, current)
            current = None
    if current is not None:
        yield _record(ctx, current)


def extract(ctx: Context) -> Iterator[Record]:
    for _body, lines in dumpsys_sections(ctx, "appops"):
        yield from app_ops(ctx, lines)


ARTIFACT = Artifact(
    id="android.dumpsys.appops",
    title="App operations (dumpsys appops)",
    slug="dumpsys_appops",
    plugin="DumpsysAppops",
    locations=(Dumpstate(),),
    records=(AppOp,),
    extract=extract,
    doc=__doc__ or "",
)
