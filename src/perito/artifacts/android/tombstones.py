"""Native crash reports in a bugreport's `FS/data/tombstones/` (android.md §2.4).

Text tombstones start with `Build fingerprint:`; only the first `pid: …, tid: …, name: …
>>> binary <<<` line is the crashing thread. `Timestamp:` carries nanoseconds and the UTC
offset, which is kept; older tombstones have none, and the file's time is used. Android 12+
writes `tombstone_NN.pb` (AOSP `tombstone.proto`) beside each `tombstone_NN`: the pair is one
crash, read once (from the text when both exist).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from perito.artifacts.android.common import local_time, text_of
from perito.artifacts.base import Artifact, Context
from perito.errors import DamagedFile
from perito.records import Kind, Record, observable, register_record, timeline
from perito.sources.android_tree import AndroidTree
from perito.sources.locations import AndroidFile
from perito.timestamps import Encoding, Timestamp, decode, unset

_TIME = re.compile(r"^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(?:\.(\d+))?([+-]\d\d:?\d\d)?$")
_THREAD = re.compile(r"^pid: (\d+), tid: (\d+), name: (.*?)\s+>>> (.*?) <<<")
_SIGNAL = re.compile(r"^signal (\d+) \((\w+)\)(?:, code -?\d+ \((\w+)\))?")


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class Tombstone(Record):
    """One native crash."""

    process_name: str = field(metadata=observable(Kind.PROCESS))
    binary: str = field(default="", metadata=observable(Kind.FILE_PATH))
    command_line: tuple[str, ...] = ()
    pid: int | None = None
    tid: int | None = None
    uid: int | None = None
    selinux_label: str = ""
    signal: str = ""
    signal_code: str = ""
    cause: str = ""
    abort_message: str = ""
    build_fingerprint: str = ""
    format: str = ""  # "text" or "protobuf"
    time: Timestamp = field(default=unset(Encoding.ISO_TEXT), metadata=timeline("Crash"))

    record_name = "Tombstone"

    def describe(self) -> str:
        return (f"crash of {self.process_name} ({self.binary or '?'}, uid {self.uid}, "
                f"{self.signal or 'no signal'})")


def crash_time(text: str) -> Timestamp:
    """`2024-02-28 21:14:05.120304512+0100` as an ISO time with its offset (to µs)."""
    found = _TIME.match(text.strip())
    if found is None:
        return decode(text.strip() or None, Encoding.ISO_TEXT)
    day, clock, fraction, offset = found.groups()
    iso = f"{day}T{clock}" + (f".{fraction[:6]}" if fraction else "")
    if offset:
        iso += offset if ":" in offset else f"{offset[:3]}:{offset[3:]}"
    return decode(iso, Encoding.ISO_TEXT)


def parse_text(content: str, source: str) -> Tombstone:
    values: dict[str, Any] = {}
    for line in content.splitlines():
        thread = _THREAD.match(line)
        if thread and "pid" not in values:
            values.update(pid=int(thread.group(1)), tid=int(thread.group(2)),
                          process_name=thread.group(3).strip(), binary=thread.group(4).strip())
            continue
        signal = _SIGNAL.match(line)
        if signal and "signal" not in values:
            values.update(signal=signal.group(2), signal_code=signal.group(3) or "")
            continue
        key, colon, value = line.partition(": ")
        if not colon:
            continue
        key = key.strip()
        value = value.strip()
        if key == "Build fingerprint" and "build_fingerprint" not in values:
            values["build_fingerprint"] = value.strip("'")
        elif key == "Timestamp" and "time" not in values:
            values["time"] = crash_time(value)
        elif key == "Cmdline" and "command_line" not in values:
            values["command_line"] = tuple(value.split())
        elif key == "uid" and "uid" not in values and value.isdigit():
            values["uid"] = int(value)
        elif key == "Cause" and "cause" not in values:
            values["cause"] = value
        elif key == "Abort message" and "abort_message" not in values:
            values["abort_message"] = value.strip("'")
    if "pid" not in values and "build_fingerprint" not in values:
        raise DamagedFile("not a tombstone (no crashing-thread line)")
    values.setdefault("process_name", "")
    return Tombstone(source=source, format="text", **values)


def parse_protobuf(data: bytes, source: str) -> Tombstone:
    from google.protobuf.message import DecodeError  # protobuf only for a protobuf tombstone

    from perito.extract.tombstone_proto import parse_tombstone

    try:
        message = parse_tombstone(data)
    except DecodeError as error:
        raise DamagedFile(f"not a tombstone protobuf ({error})") from None
    command = tuple(message.command_line)
    thread = message.threads.get(message.tid) if message.tid in message.threads else None
    name = thread.name if thread is not None and thread.name else ""
    binary = command[0] if command else ""
    return Tombstone(
        source=source, format="protobuf", process_name=name or binary.rsplit("/", 1)[-1],
        binary=binary, command_line=command, pid=message.pid or None,
        tid=message.tid or None, uid=message.uid, selinux_label=message.selinux_label,
        signal=message.signal_info.name, signal_code=message.signal_info.code_name,
        cause=message.causes[0].human_readable if message.causes else "",
        abort_message=message.abort_message, build_fingerprint=message.build_fingerprint,
        time=crash_time(message.timestamp))


def extract(ctx: Context) -> Iterator[Record]:
    name = ctx.evidence.relative_path
    if name.endswith(".pb"):
        source = ctx.source
        text_twin = name.removesuffix(".pb")
        if isinstance(source, AndroidTree) and source.sibling(ctx.evidence, text_twin):
            ctx.warn(f"the same crash as {text_twin.rsplit('/', 1)[-1]}: read once, from the "
                     "text")
            return
        yield _dated(ctx, parse_protobuf(ctx.source.read_bytes(ctx.evidence),
                                         ctx.evidence.address))
        return
    yield _dated(ctx, parse_text(text_of(ctx), ctx.evidence.address))


def _dated(ctx: Context, crash: Tombstone) -> Tombstone:
    """Tombstones before Android 12 have no `Timestamp:` line: the file's time dates them."""
    source = ctx.source
    if crash.time.ok or not isinstance(source, AndroidTree):
        return crash
    member = source.member(ctx.evidence)
    when = (decode(member.utc_mtime, Encoding.UNIX_S) if member.utc_mtime is not None
            else local_time(ctx, member.local_time))
    return dataclasses.replace(crash, time=when)


ARTIFACT = Artifact(
    id="android.bugreport.tombstones",
    title="Native crashes (bugreport tombstones)",
    slug="tombstones",
    plugin="Tombstones",
    locations=(AndroidFile("FS/data/tombstones/tombstone_*", within="bugreport"),),
    records=(Tombstone,),
    extract=extract,
    doc=__doc__ or "",
)
