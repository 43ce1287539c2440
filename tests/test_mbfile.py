"""The fast MBFile reader returns exactly what the generic plist route returns."""

from __future__ import annotations

import plistlib
import sqlite3
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perito.sources import _fastmbfile
from perito.sources.mbfile import _decode, decode_mbfile_fast
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



def _generic_or_none(blob: bytes) -> Any:
    try:
        return _generic(blob)
    except Exception:  # noqa: BLE001  (any refusal of the generic route)
        return None


@given(st.data())
def test_damaged_blobs_read_as_the_generic_route_reads_them(data: st.DataObject) -> None:
    """On damaged bytes the fast reader gives up (None: the generic route then reads or
    refuses the blob), or returns what the generic route returns when that route reads the
    blob. (It may read a blob the generic route refuses: it checks only the parts it uses.)"""
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
    fast, generic = decode_mbfile_fast(bytes(blob)), _generic_or_none(bytes(blob))
    assert fast is None or generic is None or fast == generic
    # The compiled reader steps aside (None) or gives the Python reader's very dict.
    compiled = _fastmbfile.decode(bytes(blob))
    assert compiled is None or (compiled == _decode(bytes(blob)) and compiled == fast)


def _python_reader_or_error(blob: bytes) -> Any:
    try:
        return _decode(blob)
    except Exception as error:  # noqa: BLE001  (the Python reader's refusal)
        return type(error)


@given(st.binary(max_size=400), st.integers(0, 2**64 - 1), st.integers(0, 2**64 - 1),
       st.integers(0, 2**64 - 1), st.sampled_from([1, 2, 3, 4, 8, 0, 255]),
       st.sampled_from([1, 2, 3, 4, 8, 0, 255]))
def test_compiled_reader_on_arbitrary_bytes(body: bytes, count: int, top: int, table: int,
                                            offset_size: int, ref_size: int) -> None:
    """Any bytes behind a plist header and a trailer of any values: never a crash, and a
    dict only when the Python reader gives that dict."""
    blob = b"bplist00" + body + bytes(6) + bytes([offset_size, ref_size]) + \
        count.to_bytes(8, "big") + top.to_bytes(8, "big") + table.to_bytes(8, "big")
    compiled = _fastmbfile.decode(blob)
    assert compiled is None or compiled == _python_reader_or_error(blob)


def test_compiled_reader_steps_aside_for_what_is_not_bytes() -> None:
    blob = mbfile_blob("a/b", size=1, mode=0o100644, birth=1, modified=2, status_changed=3,
                       inode=1, target=None)
    assert _fastmbfile.decode(blob) == _decode(blob)
    assert _fastmbfile.decode(bytearray(blob)) is None  # type: ignore[arg-type]
    assert _fastmbfile.decode(memoryview(blob)) is None  # type: ignore[arg-type]
    assert _fastmbfile.decode(b"") is None
    for cut in range(len(blob)):  # every truncation
        compiled = _fastmbfile.decode(blob[:cut])
        assert compiled is None or compiled == _decode(blob[:cut])


def test_a_trailer_pointing_past_any_size_is_left_to_the_generic_route() -> None:
    blob = bytearray(mbfile_blob("a/b", size=1, mode=0o100644, birth=1, modified=2,
                                 status_changed=3, inode=1, target=None))
    blob[-8:] = (2**63 + 5).to_bytes(8, "big")  # the offset table, beyond what can be read
    assert decode_mbfile_fast(bytes(blob)) is None


@pytest.mark.parametrize(("path", "size", "target", "position", "byte"), [
    ("0000", 1, None, 261, 64),  # the `$class` UID's target becomes a data object
    ("", 0, None, 223, 16),  # the `$class` UID's marker becomes a one-byte integer's
    ("0\x80", 1, "0\x80", 319, 0),  # `$top.root` becomes UID 0 ("$null"): not the MBFile
])
def test_damage_the_property_test_found_is_left_to_the_generic_route(
        path: str, size: int, target: str | None, position: int, byte: int) -> None:
    """Cases the damaged-blob property test above found (in CI, and in a 20,000-example run):
    the generic route reads them otherwise, so the fast reader must not read them."""
    blob = bytearray(mbfile_blob(path, size=size, mode=0o100644, birth=1_700_000_000,
                                 modified=1_700_000_001, status_changed=1_700_000_002, inode=7,
                                 target=target))
    blob[position] = byte
    assert decode_mbfile_fast(bytes(blob)) is None
