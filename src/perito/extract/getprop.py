"""The `getprop` format: `[name]: [value]` lines, a few values spanning lines (android.md §1.7)."""

from __future__ import annotations

import re
from collections.abc import Iterator

_START = re.compile(r"^\[([^\]\s]+)\]:\s*\[(.*)$")


def parse_properties(text: str) -> Iterator[tuple[str, str]]:
    """(name, value) per property, in file order; lines that are not properties are skipped."""
    name: str | None = None
    parts: list[str] = []
    for line in text.splitlines():
        if name is not None:
            if line.endswith("]"):
                parts.append(line[:-1])
                yield name, "\n".join(parts)
                name = None
            else:
                parts.append(line)
            continue
        found = _START.match(line.rstrip("\r"))
        if found is None:
            continue
        rest = found.group(2)
        if rest.endswith("]"):
            yield found.group(1), rest[:-1]
        else:
            name, parts = found.group(1), [rest]
    if name is not None:  # an unterminated value at the end: keep what was there
        yield name, "\n".join(parts)


def property_value(data: bytes, wanted: str) -> str | None:
    """One property's value from getprop text or a whole dumpstate (its getprop block)."""
    marker = f"[{wanted}]:".encode()
    position = data.find(marker)
    if position < 0:
        return None
    end = data.find(b"\n", position)
    line = data[position:end if end >= 0 else len(data)].decode("utf-8", "replace")
    for name, value in parse_properties(line):
        if name == wanted:
            return value.strip()
    return None
