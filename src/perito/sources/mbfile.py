"""Fast decoding of the MBFile blobs in Manifest.db's `file` column.

A real backup has hundreds of thousands of Manifest rows, and a generic binary-plist parse
plus NSKeyedArchiver resolution costs about 80 µs each on a slow interpreter. Every blob has
the same shape (ios.md §2.4): a keyed archive whose `$objects[1]` is a flat dict of integers
and UIDs pointing at a string (RelativePath, Target), data (Digest) or an NSMutableData
(EncryptionKey). This reader decodes just that, straight from the bytes, and returns exactly
what the generic route returns (the tests compare both); any other shape returns None, and the
caller takes the generic route: so does a `$top.root` other than UID 1, and a `$class` that is
not a reference to a named class. On damaged bytes it checks only the parts it reads, so it
may still read a blob the generic route refuses; when both read one, they agree (a property
test over damaged blobs, 20,000 examples checked once by hand).

The same reader is compiled (`perito.sources._fastmbfile`, built where a C compiler is found):
it returns what the Python code here returns for a blob of that shape wholly inside its bytes,
and None for anything else, which this module's Python then reads (or refuses) as before.

Keys (`Birth`, `$class`…) repeat in every blob, whatever writer made it: their text is
remembered by their raw bytes (marker and length included), so each is decoded once per run.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

_compiled: Callable[[bytes], dict[str, Any] | None] | None
try:  # this reader in C (optional: see setup.py); it steps aside (None) on anything unusual
    from perito.sources._fastmbfile import decode as _compiled
except ImportError:  # a build without a C compiler: this module's Python does all the work
    _compiled = None

_TRAILER = struct.Struct(">6xBBQQQ")
_CODES = {1: "B", 2: "H", 4: "I", 8: "Q"}
_LIMIT = 4096
# Offset and reference tables by (item count, item size): blobs repeat a few shapes.
_TABLES: dict[tuple[int, int], struct.Struct] = {}
# The text of short ASCII string objects by their raw bytes (marker and length included).
_KEYS: dict[bytes, str] = {}
# Readers of the integer objects by marker, as plistlib reads them: 1, 2 and 4 bytes
# unsigned, 8 bytes signed (longer ones take `int.from_bytes`).
_INTEGERS = {0x10 + code: struct.Struct(form).unpack_from
             for code, form in enumerate((">B", ">H", ">I", ">q"))}


def decode_mbfile_fast(blob: bytes) -> dict[str, Any] | None:
    """The resolved MBFile dict, or None when the blob is not of the usual shape."""
    if _compiled is not None:
        found = _compiled(blob)
        if found is not None:
            return found
    try:
        return _decode(blob)
    except (struct.error, IndexError, ValueError, KeyError, UnicodeDecodeError, OverflowError):
        return None


def _table(count: int, size: int) -> struct.Struct:
    found = _TABLES.get((count, size))
    if found is None:
        if len(_TABLES) >= _LIMIT:
            _TABLES.clear()
        found = _TABLES[count, size] = struct.Struct(f">{count}{_CODES[size]}")
    return found


def _header(data: bytes, pos: int) -> tuple[int, int, int]:
    """(kind, length, position of the payload) of the object at `pos`."""
    marker = data[pos]
    kind, info = marker >> 4, marker & 0x0F
    pos += 1
    if info == 0x0F and kind in (0x4, 0x5, 0x6, 0xA, 0xD):
        size_marker = data[pos]
        if size_marker >> 4 != 0x1:
            raise ValueError("bad length")
        size = 1 << (size_marker & 0x0F)
        info = int.from_bytes(data[pos + 1: pos + 1 + size])
        pos += 1 + size
    return kind, info, pos


def _dict(data: bytes, pos: int, ref_size: int) -> tuple[int, tuple[int, ...]]:
    """(length, key references then value references) of the dict object at `pos`."""
    marker = data[pos]
    if 0xD0 <= marker < 0xDF:  # the length in the marker: `_header` without the call
        length, pos = marker & 0x0F, pos + 1
    else:
        kind, length, pos = _header(data, pos)
        if kind != 0xD:
            raise ValueError("not a dict")
    return length, _table(2 * length, ref_size).unpack_from(data, pos)


def _key(data: bytes, pos: int) -> str:
    """The string at `pos` when it is short ASCII (every MBFile key); else ValueError."""
    marker = data[pos]
    if 0x50 <= marker < 0x5F:  # the length in the marker
        raw = data[pos: pos + 1 + (marker & 0x0F)]
    elif marker == 0x5F and data[pos + 1] == 0x10:  # a 1-byte length
        raw = data[pos: pos + 3 + data[pos + 2]]
    else:
        raise ValueError("not a short ASCII string")
    known = _KEYS.get(raw)
    if known is None:
        known = raw[1 if marker < 0x5F else 3:].decode("ascii")
        if len(_KEYS) >= _LIMIT:
            _KEYS.clear()
        _KEYS[raw] = known
    return known


def _text(data: bytes, pos: int) -> str | None:
    """The string at `pos` (ASCII or UTF-16), or None for any other object."""
    marker = data[pos]
    if marker == 0x5F and data[pos + 1] == 0x10:  # ASCII with a 1-byte length (most paths)
        return data[pos + 3: pos + 3 + data[pos + 2]].decode("ascii")
    kind, length, start = _header(data, pos)
    if kind == 0x5:
        return data[start: start + length].decode("ascii")
    if kind == 0x6:
        return data[start: start + 2 * length].decode("utf-16be")
    return None


def _find(data: bytes, offsets: tuple[int, ...], pos: int, ref_size: int, name: str
          ) -> int | None:
    """The position of the value of key `name` in the dict object at `pos` (of its last
    occurrence, which a plist reader keeps), or None; ValueError if not a dict."""
    length, both = _dict(data, pos, ref_size)
    for index in range(length - 1, -1, -1):
        if _key(data, offsets[both[index]]) == name:
            return offsets[both[length + index]]
    return None


def _objects_of_archive(data: bytes, offsets: tuple[int, ...], top: int, ref_size: int
                        ) -> int | None:
    """The position of the top dict's `$objects` when its `$top.root` is UID 1, the object
    this reader reads (ios.md §2.4: always so); else None. One pass over the top dict's keys,
    the last occurrence of each winning (as a plist reader keeps it)."""
    length, both = _dict(data, top, ref_size)
    objects = tops = None
    for index in range(length - 1, -1, -1):
        name = _key(data, offsets[both[index]])
        if name == "$objects" and objects is None:
            objects = offsets[both[length + index]]
        elif name == "$top" and tops is None:
            tops = offsets[both[length + index]]
        else:
            continue
        if objects is not None and tops is not None:
            break
    if objects is None or tops is None or data[tops] >> 4 != 0xD:
        return None
    root = _find(data, offsets, tops, ref_size, "root")
    if root is None or data[root] >> 4 != 0x8:
        return None
    return objects if int.from_bytes(data[root + 1: root + 2 + (data[root] & 0x0F)]) == 1 \
        else None


def _decode(data: bytes) -> dict[str, Any] | None:
    if len(data) < 40 or data[:8] != b"bplist00":
        return None
    offset_size, ref_size, count, top, table = _TRAILER.unpack_from(data, len(data) - 32)
    if top >= count or offset_size not in _CODES or ref_size not in _CODES:
        return None
    offsets: tuple[int, ...] = _table(count, offset_size).unpack_from(data, table)
    found = _objects_of_archive(data, offsets, offsets[top], ref_size)
    if found is None:
        return None
    kind, length, pos = _header(data, found)
    if kind != 0xA or length < 2:
        return None
    objects: tuple[int, ...] = _table(length, ref_size).unpack_from(data, pos)
    length, both = _dict(data, offsets[objects[1]], ref_size)
    result: dict[str, Any] = {}
    integers = _INTEGERS
    for key_ref, value_ref in zip(both[:length], both[length:], strict=True):
        key = _key(data, offsets[key_ref])
        pos = offsets[value_ref]
        marker = data[pos]
        if key == "$class" and marker >> 4 != 0x8:
            return None  # the class is always a reference: the generic route drops it
        integer = integers.get(marker)
        if integer is not None:
            result[key] = integer(data, pos + 1)[0]
        elif marker >> 4 == 0x1:
            size = 1 << (marker & 0x0F)
            result[key] = int.from_bytes(data[pos + 1: pos + 1 + size], signed=size >= 8)
        elif marker >> 4 == 0x8:
            uid = int.from_bytes(data[pos + 1: pos + 2 + (marker & 0x0F)])
            target = _resolve(data, offsets, offsets[objects[uid]], ref_size)
            if isinstance(target, tuple) != (key == "$class"):
                return None  # a class where a value belongs, or a value as the class
            if isinstance(target, tuple):
                if not target[1]:
                    return None  # a nameless class: the generic route leaves `$class` out
                result[key] = target[1]
            else:
                result[key] = target
        else:
            return None  # dates (very old backups), reals…: the generic route
    return result


def _resolve(data: bytes, offsets: tuple[int, ...], pos: int, ref_size: int) -> Any:
    """A UID target: "$null", a string, data, NSMutableData, or a class dict."""
    kind = data[pos] >> 4
    if kind in (0x5, 0x6):
        value = _text(data, pos)
        return None if value == "$null" else value
    if kind == 0x4:
        _kind, length, start = _header(data, pos)
        return data[start: start + length]
    found = _find(data, offsets, pos, ref_size, "$classname")
    if found is not None:
        return ("class", _text(data, found))
    found = _find(data, offsets, pos, ref_size, "NS.data")
    if found is None:
        raise ValueError("unexpected dict")
    kind, length, start = _header(data, found)
    if kind != 0x4:
        raise ValueError("NS.data is not data")
    return data[start: start + length]
