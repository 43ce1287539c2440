"""Fast decoding of the MBFile blobs in Manifest.db's `file` column.

A real backup has hundreds of thousands of Manifest rows, and a generic binary-plist parse
plus NSKeyedArchiver resolution costs about 80 µs each on a slow interpreter. Every blob has
the same shape (ios.md §2.4): a keyed archive whose `$objects[1]` is a flat dict of integers
and UIDs pointing at a string (RelativePath, Target), data (Digest) or an NSMutableData
(EncryptionKey). This reader decodes just that, straight from the bytes, and returns exactly
what the generic route returns (the tests compare both); any other shape returns None, and the
caller takes the generic route. On damaged bytes it checks only the parts it reads, so it may
still read a blob the generic route refuses.
"""

from __future__ import annotations

import struct
from typing import Any

_TRAILER = struct.Struct(">6xBBQQQ")
_SIZES = {1: "B", 2: "H", 4: "I", 8: "Q"}


def decode_mbfile_fast(blob: bytes) -> dict[str, Any] | None:
    """The resolved MBFile dict, or None when the blob is not of the usual shape."""
    try:
        return _decode(blob)
    except (struct.error, IndexError, ValueError, KeyError, UnicodeDecodeError, OverflowError):
        return None


def _decode(data: bytes) -> dict[str, Any] | None:
    if len(data) < 40 or data[:8] != b"bplist00":
        return None
    offset_size, ref_size, count, top, table = _TRAILER.unpack_from(data, len(data) - 32)
    offset_code = _SIZES.get(offset_size)
    ref_code = _SIZES.get(ref_size)
    if offset_code is None or ref_code is None or top >= count:
        return None
    offsets = struct.unpack_from(f">{count}{offset_code}", data, table)

    def refs(pos: int, n: int) -> tuple[int, ...]:
        return struct.unpack_from(f">{n}{ref_code}", data, pos)

    def header(ref: int) -> tuple[int, int, int]:
        """(kind, length, position of the payload) of object `ref`."""
        pos = offsets[ref]
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

    def text(ref: int) -> str | None:
        pos = offsets[ref]
        marker = data[pos]
        if 0x50 <= marker < 0x5F:  # ASCII, the length in the marker (most keys): inlined
            return data[pos + 1: pos + 1 + (marker & 0x0F)].decode("ascii")
        if marker == 0x5F and data[pos + 1] == 0x10 and pos + 2 < len(data):  # 1-byte length
            return data[pos + 3: pos + 3 + data[pos + 2]].decode("ascii")
        kind, length, pos = header(ref)
        if kind == 0x5:
            return data[pos: pos + length].decode("ascii")
        if kind == 0x6:
            return data[pos: pos + 2 * length].decode("utf-16be")
        return None

    def dict_items(ref: int) -> list[tuple[int, int]] | None:
        kind, length, pos = header(ref)
        if kind != 0xD:
            return None
        both = refs(pos, 2 * length)
        return list(zip(both[:length], both[length:], strict=True))

    top_items = dict_items(top)
    if top_items is None:
        return None
    objects_ref = next((v for k, v in top_items if text(k) == "$objects"), None)
    if objects_ref is None:
        return None
    kind, length, pos = header(objects_ref)
    if kind != 0xA or length < 2:
        return None
    objects = refs(pos, length)

    def resolve(index: int) -> Any:
        """A UID target: "$null", a string, data, NSMutableData, or a class dict."""
        ref = objects[index]
        kind, length, pos = header(ref)
        if kind in (0x5, 0x6):
            value = text(ref)
            return None if value == "$null" else value
        if kind == 0x4:
            return data[pos: pos + length]
        if kind != 0xD:
            raise ValueError("unexpected object")
        entries = {text(k): v for k, v in dict_items(ref) or []}
        if "$classname" in entries:
            return ("class", text(entries["$classname"]))
        if "NS.data" in entries:
            k2, n2, p2 = header(entries["NS.data"])
            if k2 != 0x4:
                raise ValueError("NS.data is not data")
            return data[p2: p2 + n2]
        raise ValueError("unexpected dict")

    items = dict_items(objects[1])
    if items is None:
        return None
    result: dict[str, Any] = {}
    for key_ref, value_ref in items:
        key = text(key_ref)
        if key is None:
            return None
        pos = offsets[value_ref] + 1
        marker = data[pos - 1]
        kind = marker >> 4  # `header` without the call: no length follows these two kinds
        if kind == 0x1:
            size = 1 << (marker & 0x0F)
            result[key] = int.from_bytes(data[pos: pos + size], signed=size >= 8)
        elif kind == 0x8:
            target = resolve(int.from_bytes(data[pos: pos + (marker & 0x0F) + 1]))
            if isinstance(target, tuple):
                if key != "$class":
                    return None
                result[key] = target[1]
            else:
                result[key] = target
        else:
            return None  # dates (very old backups), reals…: the generic route
    return result
