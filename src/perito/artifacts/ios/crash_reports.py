"""Crash, jetsam and other diagnostic reports (`.ips`) (ios.md §4, §5.16).

Sysdiagnose archives keep them under `crashes_and_spins/`, filesystem dumps under
`private/var/mobile/Library/Logs/CrashReporter/`. An `.ips` file starts with one line of JSON,
the header (`bug_type`, `timestamp` as `YYYY-MM-DD HH:MM:SS.ff ±zzzz`, `os_version`,
`name`/`app_name`, `bundleID`, `incident_id`); the body is JSON on recent iOS (crash reports,
bug type 309: `procName`, `procPath`, `parentProc`, `responsibleProc`, `coalitionName`,
`bundleInfo`, `usedImages[].path`; jetsam reports, bug type 298: `processes[]` with `name`,
`pid`, `uuid`, `reason`) and `Key: value` text on older iOS (`Process: name [pid]`,
`Path:`, `Identifier:`, `Parent Process:`). Every process name and path of a report is an
observable: spyware that crashes leaves its name and path here.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from perito.artifacts.base import Artifact, Context, SchemaMismatch
from perito.artifacts.ios.process_paths import basename
from perito.records import Kind, Record, observable, register_record, timeline
from perito.sources.locations import FsGlob
from perito.timestamps import Encoding, Timestamp, decode, unset

JETSAM_BUG_TYPE = "298"
_IPS_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)\s*"
                       r"(?:([+-])(\d{2}):?(\d{2})|Z)?\s*\Z")
_TEXT_PROCESS = re.compile(r"^Process:\s*(.+?)(?:\s*\[(\d+)\])?\s*$", re.MULTILINE)
_TEXT_FIELD = r"^{}:\s*(.+?)\s*$"
_MAX_IMAGES = 2000


def ips_time(text: object) -> Timestamp:
    """An .ips `timestamp` (local time with its UTC offset) as a Timestamp; raw kept."""
    if not isinstance(text, str) or not text.strip():
        return unset(Encoding.ISO_TEXT)
    found = _IPS_TIME.match(text.strip())
    if not found:
        return dataclasses.replace(decode("invalid", Encoding.ISO_TEXT), raw=text)
    date, clock, sign, hours, minutes = found.groups()
    zone = f"{sign}{hours}:{minutes}" if sign else "+00:00"
    return dataclasses.replace(decode(f"{date}T{clock}{zone}", Encoding.ISO_TEXT), raw=text)


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class CrashReport(Record):
    """The header and the process of one diagnostic report."""

    file_name: str = ""
    bug_type: str = ""
    timestamp: Timestamp = field(default=unset(Encoding.ISO_TEXT),
                                 metadata=timeline("Diagnostic report"))
    os_version: str = ""
    incident_id: str = ""
    report_name: str = field(default="", metadata=observable(Kind.PROCESS))
    process_name: str = field(default="", metadata=observable(Kind.PROCESS))
    process_path: str = field(default="", metadata=observable(Kind.FILE_PATH))
    bundle_id: str = field(default="", metadata=observable(Kind.APP_ID))
    parent_process: str = field(default="", metadata=observable(Kind.PROCESS))
    responsible_process: str = field(default="", metadata=observable(Kind.PROCESS))
    coalition: str = field(default="", metadata=observable(Kind.APP_ID))
    image_paths: tuple[str, ...] = field(default=(), metadata=observable(Kind.FILE_PATH))

    record_name = "diagnostic report"

    def describe(self) -> str:
        who = self.process_name or self.report_name or "(no process)"
        return f"Report type {self.bug_type or '?'} for {who} ({self.file_name})"


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class JetsamProcess(Record):
    """One process listed in a jetsam (memory pressure) report."""

    file_name: str = ""
    timestamp: Timestamp = field(default=unset(Encoding.ISO_TEXT),
                                 metadata=timeline("Jetsam report: process listed"))
    process_name: str = field(default="", metadata=observable(Kind.PROCESS))
    pid: int | None = None
    binary_uuid: str = ""
    reason: str = ""  # set on the processes jetsam killed

    record_name = "jetsam process"

    def describe(self) -> str:
        killed = f", killed ({self.reason})" if self.reason else ""
        return f"{self.process_name} (pid {self.pid}) in a jetsam report{killed}"


def _text(value: Any) -> str:
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def split_report(data: str) -> tuple[dict[str, Any], str]:
    """The JSON header and the rest of the report."""
    first, _newline, body = data.partition("\n")
    try:
        header = json.loads(first)
    except ValueError:
        header = None
    if not isinstance(header, dict):
        raise SchemaMismatch(["a JSON header line (bug_type, timestamp)"])
    return header, body


def _json_body(body: str) -> dict[str, Any] | None:
    stripped = body.strip()
    if not stripped.startswith("{"):
        return None
    try:
        parsed = json.loads(stripped)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _text_field(body: str, key: str) -> str:
    found = re.search(_TEXT_FIELD.format(re.escape(key)), body, re.MULTILINE)
    return found.group(1) if found else ""


def _process_fields(header: Mapping[str, Any], body: str, parsed: dict[str, Any] | None
                    ) -> dict[str, Any]:
    if parsed is not None:
        bundle = parsed.get("bundleInfo")
        images = parsed.get("usedImages")
        paths = [] if not isinstance(images, list) else [
            image["path"] for image in images[:_MAX_IMAGES]
            if isinstance(image, dict) and isinstance(image.get("path"), str)]
        path = _text(parsed.get("procPath"))
        return {
            "process_name": _text(parsed.get("procName")) or (basename(path) if path else ""),
            "process_path": path,
            "bundle_id": _text(header.get("bundleID")) or (
                _text(bundle.get("CFBundleIdentifier")) if isinstance(bundle, dict) else ""),
            "parent_process": _text(parsed.get("parentProc")),
            "responsible_process": _text(parsed.get("responsibleProc")),
            "coalition": _text(parsed.get("coalitionName")),
            "image_paths": tuple(dict.fromkeys(p for p in paths if p != path)),
        }
    process = _TEXT_PROCESS.search(body)
    path = _text_field(body, "Path")
    parent = _text_field(body, "Parent Process")
    return {
        "process_name": process.group(1) if process else (basename(path) if path else ""),
        "process_path": path,
        "bundle_id": _text(header.get("bundleID")) or _text_field(body, "Identifier"),
        "parent_process": re.sub(r"\s*\[\d+\]\s*\Z", "", parent),
    }


def parse(data: str, source: str, file_name: str) -> Iterator[Record]:
    header, body = split_report(data)
    parsed = _json_body(body)
    stamp = ips_time(header.get("timestamp"))
    bug_type = _text(header.get("bug_type"))
    common: dict[str, Any] = {"source": source, "file_name": file_name, "timestamp": stamp}
    yield CrashReport(
        **common, bug_type=bug_type, os_version=_text(header.get("os_version")),
        incident_id=_text(header.get("incident_id") or header.get("incident")),
        report_name=_text(header.get("name") or header.get("app_name")),
        **_process_fields(header, body, parsed))
    if parsed is not None and isinstance(parsed.get("processes"), list):
        for entry in parsed["processes"]:
            if isinstance(entry, dict) and entry.get("name"):
                yield JetsamProcess(**common, process_name=_text(entry.get("name")),
                                    pid=_int(entry.get("pid")),
                                    binary_uuid=_text(entry.get("uuid")),
                                    reason=_text(entry.get("reason")))


def extract(ctx: Context) -> Iterator[Record]:
    data = ctx.source.read_bytes(ctx.evidence).decode("utf-8", errors="replace")
    yield from parse(data, ctx.evidence.address, ctx.evidence.name)


ARTIFACT = Artifact(
    id="ios.crash_reports",
    title="Crash and jetsam reports (.ips)",
    slug="crash_reports",
    plugin="CrashReports",
    locations=(FsGlob("crashes_and_spins/**/*.ips"),
               FsGlob("private/var/mobile/Library/Logs/CrashReporter/**/*.ips")),
    records=(CrashReport, JetsamProcess),
    extract=extract,
    doc=__doc__ or "",
)
