"""What the Android artifacts share: reading text and JSON evidence, the device's zone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

from perito.artifacts.base import Context
from perito.errors import DamagedFile
from perito.extract.dumpsys import sections
from perito.sources.android_tree import AndroidTree
from perito.timestamps import Timestamp, device_local


def text_of(ctx: Context) -> str:
    """The evidence file as text (UTF-8; undecodable bytes replaced)."""
    return ctx.source.read_bytes(ctx.evidence).decode("utf-8", errors="replace")


def json_of(ctx: Context) -> Any:
    """The evidence file as JSON; NDJSON (one value a line, as some androidqf versions
    write) becomes a list."""
    data = ctx.source.read_bytes(ctx.evidence)
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        pass
    values: list[Any] = []
    bad = 0
    for line in data.splitlines():
        if not line.strip():
            continue
        try:
            values.append(orjson.loads(line))
        except orjson.JSONDecodeError:
            bad += 1
    if not values:
        raise DamagedFile("not JSON (the file is damaged or of another kind)")
    if bad:
        ctx.warn(f"{bad} lines that are not JSON were skipped")
    return values


def json_list(ctx: Context) -> list[Any]:
    value = json_of(ctx)
    if not isinstance(value, list):
        raise DamagedFile("a JSON array was expected")
    return value


def dumpsys_sections(ctx: Context, name: str) -> Iterator[tuple[str, list[str]]]:
    """(section text, its lines) of every `DUMP OF SERVICE <name>` section of the file."""
    for body in sections(ctx.source.read_bytes(ctx.evidence), name):
        yield body, body.splitlines()


def zone(ctx: Context) -> str | None:
    """The device's IANA timezone when the acquisition records it."""
    source = ctx.source
    return source.timezone() if isinstance(source, AndroidTree) else None


def local_time(ctx: Context, text: str) -> Timestamp:
    """A device-local wall-clock time, converted with the device's zone when known."""
    return device_local(text, zone(ctx))


def text(value: Any) -> str:
    """A JSON scalar as text ("" for null and containers)."""
    if value is None or isinstance(value, dict | list):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None
