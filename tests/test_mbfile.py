"""The fast MBFile reader returns exactly what the generic plist route returns."""

from __future__ import annotations

import plistlib
import sqlite3
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
