"""What the intrusion-log artifacts share: reading events out of NDJSON export files.

Each line is one JSON object `{<event_type>: {…}}` (android.md §5). Lines that are not JSON
are skipped and counted; a file that is one pretty-printed document (or an array) is read
whole instead. Daily exports overlap, so each event is kept once per scan, by the digest of
its canonical JSON (sorted keys).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import ipaddress
import json
from collections.abc import Iterator
from typing import Any, BinaryIO

import orjson

from perito.artifacts.base import Context, timestamp
from perito.errors import DamagedFile
from perito.sources.android_ab_format import prefixed
from perito.sources.intrusion_logs import IntrusionLogs, chunks_of, lines
from perito.timestamps import Encoding, Timestamp

KNOWN_TYPES = ("dns_event", "connect_event", "security_event")
MAX_DOCUMENT = 512 << 20  # a pretty-printed export is read whole only up to this size
_CANONICAL = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS
_SKIPPED_IPS = frozenset({"0.0.0.0", "127.0.0.1", "::1", "::"})  # noqa: S104


@contextlib.contextmanager
def _opened(ctx: Context) -> Iterator[BinaryIO]:
    source = ctx.source
    if isinstance(source, IntrusionLogs):
        with source.open_binary(ctx.evidence) as handle:
            yield handle
    else:
        yield io.BytesIO(source.read_bytes(ctx.evidence))


def _whole(text_bytes: bytes) -> Iterator[Any]:
    """The JSON values of a document that is not one object per line."""
    if len(text_bytes) >= MAX_DOCUMENT:
        raise DamagedFile("a multi-line JSON log file is too large to read whole")
    text = text_bytes.decode("utf-8", errors="replace")
    decoder = json.JSONDecoder()
    position = 0
    while True:
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        if position >= len(text):
            return
        try:
            value, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            raise DamagedFile(f"the log file is not JSON at character {error.pos}") from None
        if isinstance(value, list):
            yield from value
        else:
            yield value


def _one_object_per_line(head: bytes) -> bool:
    """NDJSON, unless the first non-blank line opens a document (`{`, `[`, `{"x": {`)."""
    for raw in head.split(b"\n", 64):
        line = raw.strip()
        if line:
            return not (line in (b"{", b"[") or line.startswith(b"[")
                        or (line.startswith(b"{") and line.endswith(b"{")))
    return True


def _values(handle: BinaryIO, wanted: tuple[str, ...]) -> Iterator[Any | None]:
    """Objects of the lines that may hold a wanted type; None for a bad line among them."""
    needles = tuple(f'"{kind}"'.encode() for kind in wanted)
    others = tuple(f'"{kind}"'.encode() for kind in KNOWN_TYPES if kind not in wanted)
    catch_all = "security_event" in wanted  # unknown types go to the security artifact
    head = handle.read(64 * 1024)
    if not _one_object_per_line(head):
        yield from _whole(head + handle.read(MAX_DOCUMENT))
        return
    needle = needles[0] if len(needles) == 1 else b""  # the usual case, kept fast
    for line in lines(prefixed(head, chunks_of(handle))):
        wanted_line = needle in line if needle else any(n in line for n in needles)
        if not wanted_line and (not catch_all or not line.strip()
                                or any(other in line for other in others)):
            continue
        try:
            yield orjson.loads(line)
        except orjson.JSONDecodeError:
            yield _strict_loads(line)


def _canonical(value: dict[str, Any]) -> bytes:
    """Sorted-keys JSON of an event, the key that finds it again in an overlapping export."""
    try:
        return orjson.dumps(value, option=_CANONICAL, default=str)
    except TypeError:  # what orjson refuses to write (see `_strict_loads`)
        return json.dumps(value, sort_keys=True, default=str).encode("utf-8", "surrogatepass")


def _strict_loads(line: bytes) -> Any | None:
    """What orjson refuses but is JSON (integers beyond 64 bits, lone surrogate escapes)."""
    try:
        return json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        return None


def events(ctx: Context, wanted: tuple[str, ...]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(event type, payload) of every new event of the wanted types in one log file.

    With "security_event" wanted, events of unknown types come too (their own type name).
    """
    bad = shapes = 0
    source = ctx.source
    seen = source.seen(",".join(wanted)) if isinstance(source, IntrusionLogs) else set()
    with _opened(ctx) as handle:
        for value in _values(handle, wanted):
            if not isinstance(value, dict) or not value:
                if value is None:
                    bad += 1
                else:
                    shapes += 1
                continue
            for kind, payload in value.items():  # one event a line; more are read too
                if not isinstance(payload, dict):
                    shapes += 1
                    continue
                if kind not in wanted and (kind in KNOWN_TYPES
                                           or "security_event" not in wanted):
                    continue
                digest = hashlib.blake2b(_canonical({kind: payload}), digest_size=16).digest()
                if digest in seen:
                    continue
                seen.add(digest)
                yield kind, payload
    if bad:
        ctx.warn(f"{bad} lines are not JSON and were skipped")
    if shapes:
        ctx.warn(f"{shapes} entries are not {{event type: {{…}}}} objects and were skipped")


def ip_address(value: object) -> str:
    """An address as Java prints an `InetAddress` (`/192.0.2.1`, `host/2001:db8::1`) →
    the literal; "" for none and for the unspecified and loopback addresses."""
    return _ip_text(value) if isinstance(value, str) else ""


@functools.lru_cache(maxsize=1 << 16)  # logs repeat the same few thousand addresses
def _ip_text(value: str) -> str:
    text = value.rsplit("/", 1)[-1].split("%", 1)[0].strip()
    if not text or text in _SKIPPED_IPS:
        return ""
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return text


def integer(value: object) -> int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def string(value: object) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


_BY_MAGNITUDE = ((10**17, Encoding.UNIX_NS), (10**14, Encoding.UNIX_US),
                 (10**11, Encoding.UNIX_MS), (0, Encoding.UNIX_S))


def event_time(value: object, expected: Encoding) -> Timestamp:
    """`event_time` in the unit its size says (ns from 1e17, µs from 1e14, ms from 1e11,
    else s: unambiguous for 1990–2100). Exports use ns for security events and ms for the
    others (`expected`, kept for unset values), but the format is still moving."""
    number = integer(value)
    if number is None or number <= 0:
        return timestamp(number, expected)
    unit = next(encoding for floor, encoding in _BY_MAGNITUDE if number >= floor)
    return timestamp(number, unit)
