"""The dumpsys section format shared by bugreports and androidqf's `dumpsys.txt` (android.md §2.2).

A section starts after `DUMP OF SERVICE [PRIORITY ]<name>:` and ends at the next line made of
78 or more dashes. Command blocks, such as the system properties, are the lines after
`------ SYSTEM PROPERTIES (getprop) ------` up to the next line starting with `------`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_SEPARATOR = re.compile(rb"^-{78,}\r?$", re.MULTILINE)
_NEXT_BLOCK = re.compile(rb"^------", re.MULTILINE)
_HEADER = re.compile(rb"^DUMP OF SERVICE (?:(?:CRITICAL|HIGH|NORMAL) )?([^\s:][^:\n]*):\r?$",
                     re.MULTILINE)


_DUMP_DATE = re.compile(rb"^== dumpstate: (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", re.MULTILINE)


def dump_date(data: bytes) -> str:
    """`YYYY-MM-DD HH:MM:SS` of the dumpstate header (device local), or ""."""
    found = _DUMP_DATE.search(data, 0, 1 << 16)
    return found.group(1).decode("ascii") if found else ""


def _decode(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def sections(data: bytes, name: str) -> Iterator[str]:
    """The body of every section of service `name` (dumpsys can print one more than once)."""
    for header in _HEADER.finditer(data):
        if header.group(1).decode("utf-8", "replace").strip() != name:
            continue
        end = _SEPARATOR.search(data, header.end())
        yield _decode(data[header.end():end.start() if end else len(data)])


def section_names(data: bytes) -> list[str]:
    """Names of every service section, in order."""
    return [_decode(h.group(1)).strip() for h in _HEADER.finditer(data)]


def command_block(data: bytes, title: str) -> str | None:
    """The output of a dumpstate command block (`------ TITLE (command) ------` up to the next
    line starting with `------`), or None when the dumpstate has none."""
    start = re.compile(rb"^------ " + re.escape(title.encode()) + rb"[ (][^\n]*\n",
                       re.MULTILINE).search(data)
    if start is None:
        return None
    end = _NEXT_BLOCK.search(data, start.end())
    return _decode(data[start.end():end.start() if end else len(data)])


def system_properties(data: bytes) -> str | None:
    """The getprop block of a dumpstate, or None when it has none."""
    return command_block(data, "SYSTEM PROPERTIES")


def blocks(lines: list[str], start: int, indent: int) -> Iterator[tuple[str, list[str]]]:
    """(header line, body lines) of the blocks indented by exactly `indent` spaces from
    `start` on, until a line indented less (or a blank line ends the body)."""
    header: str | None = None
    body: list[str] = []
    for line in lines[start:]:
        stripped = line.lstrip(" ")
        depth = len(line) - len(stripped)
        if not stripped.strip():
            continue
        if depth < indent:
            break
        if depth == indent:
            if header is not None:
                yield header, body
            header, body = stripped.rstrip(), []
        elif header is not None:
            body.append(line.rstrip())
    if header is not None:
        yield header, body
