"""The fast MBFile reader returns exactly what the generic plist route returns."""

from __future__ import annotations

import plistlib
import sqlite3
import struct
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from perito.sources.mbfile import decode_mbfile_fast
from perito.sources.plist import load_plist, unarchive
from tests.builders.ios_backup import mbfile_blob
from tests.paths import ROOT


def _generic(blob: bytes) -> Any:
    return unarchive(load_plist(blob))


@given(st.text(min_size=0, max_size=60), st.integers(0, 2**40), st.integers(0, 0o177777),
       st.integers(-(2**31), 2**34), st.one_of(st.none(), st.text(max_size=30)))
def test_same_as_generic(path: str, size: int, mode: int, when: int, target: str | None) -> None:
    blob = mbfile_blob(path, size=size, mode=mode, birth=when, modified=when + 1,
                       status_changed=when + 2, inode=size % 1000, target=target)
    assert decode_mbfile_fast(blob) == _generic(blob)


def test_encryption_key_and_digest() -> None:
    objects: list[Any] = ["$null", {
        "LastModified": 1, "Birth": 2, "Size": 3, "Mode": 0o100644,
        "RelativePath": plistlib.UID(2), "Digest": plistlib.UID(3),
        "EncryptionKey": plistlib.UID(4), "$class": plistlib.UID(6)},
        "Library/x.db", b"\x01" * 20,
        {"NS.data": b"\x03\x00\x00\x00" + b"\x07" * 40, "$class": plistlib.UID(5)},
        {"$classname": "NSMutableData", "$classes": ["NSMutableData", "NSData", "NSObject"]},
        {"$classname": "MBFile", "$classes": ["MBFile", "NSObject"]}]
    blob = plistlib.dumps({"$version": 100000, "$archiver": "NSKeyedArchiver",
                           "$top": {"root": plistlib.UID(1)}, "$objects": objects},
                          fmt=plistlib.FMT_BINARY)
    fast = decode_mbfile_fast(blob)
    assert fast == _generic(blob)
    assert fast is not None and fast["EncryptionKey"][:4] == b"\x03\x00\x00\x00"


def test_other_shapes_are_left_to_the_generic_route() -> None:
    dated = plistlib.dumps({"$archiver": "NSKeyedArchiver", "$top": {"root": plistlib.UID(1)},
                            "$objects": ["$null", {"Birth": 1.5}]}, fmt=plistlib.FMT_BINARY)
    assert decode_mbfile_fast(dated) is None
    assert decode_mbfile_fast(b"bplist00garbage") is None
    assert decode_mbfile_fast(b"<?xml") is None


def test_sample_manifest_rows() -> None:
    db = sqlite3.connect(f"file:{ROOT / 'samples/ios-backup/Manifest.db'}?mode=ro&immutable=1",
                         uri=True)
    blobs = [row[0] for row in db.execute("SELECT file FROM Files")]
    db.close()
    assert blobs
    for blob in blobs:
        assert decode_mbfile_fast(blob) == _generic(blob)



# The reader as it was before its common cases were inlined (perito 0.1.0 at 7bdec30), kept
# as the reference that the inlined reader must equal on damaged blobs too.
_TRAILER = struct.Struct(">6xBBQQQ")
_SIZES = {1: "B", 2: "H", 4: "I", 8: "Q"}


def _reference_decode(data: bytes) -> dict[str, Any] | None:
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
        kind, info, pos = header(value_ref)
        if kind == 0x1:
            size = 1 << info
            result[key] = int.from_bytes(data[pos: pos + size], signed=size >= 8)
        elif kind == 0x8:
            target = resolve(int.from_bytes(data[pos: pos + info + 1]))
            if isinstance(target, tuple):
                if key != "$class":
                    return None
                result[key] = target[1]
            else:
                result[key] = target
        else:
            return None  # dates (very old backups), reals…: the generic route
    return result


def _reference(blob: bytes) -> dict[str, Any] | None:
    try:
        return _reference_decode(blob)
    except (struct.error, IndexError, ValueError, KeyError, UnicodeDecodeError, OverflowError):
        return None


@given(st.data())
def test_damaged_blobs_read_as_the_reference_reader_reads_them(data: st.DataObject) -> None:
    target = data.draw(st.one_of(st.none(), st.text(max_size=20)))
    blob = bytearray(mbfile_blob(data.draw(st.text(max_size=40)),
                                 size=data.draw(st.integers(0, 2**40)), mode=0o100644,
                                 birth=1_700_000_000, modified=1_700_000_001,
                                 status_changed=1_700_000_002, inode=7, target=target))
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(blob) - 1))
        blob[position] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        blob = blob[:data.draw(st.integers(len(blob) // 2, len(blob)))]
    assert decode_mbfile_fast(bytes(blob)) == _reference(bytes(blob))


def test_a_trailer_pointing_past_any_size_is_left_to_the_generic_route() -> None:
    blob = bytearray(mbfile_blob("a/b", size=1, mode=0o100644, birth=1, modified=2,
                                 status_changed=3, inode=1, target=None))
    blob[-8:] = (2**63 + 5).to_bytes(8, "big")  # the offset table, beyond what can be read
    assert decode_mbfile_fast(bytes(blob)) is None
