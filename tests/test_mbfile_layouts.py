"""MBFile blobs laid out as writers other than plistlib lay them out (Apple's orders its
objects differently, shares or repeats strings, writes wider integers and references, UTF-16
text) read fast, and as the generic route reads them."""

from __future__ import annotations

import plistlib
import random
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from perito.sources import _fastmbfile
from perito.sources.mbfile import _decode, decode_mbfile_fast
from perito.sources.plist import load_plist, unarchive


def _int(value: int, wide: bool) -> bytes:
    if value < 0 or wide or value >= 1 << 32:
        return b"\x13" + value.to_bytes(8, "big", signed=True)
    size = 1 if value < 1 << 8 else 2 if value < 1 << 16 else 4
    return bytes([0x10 | size.bit_length() - 1]) + value.to_bytes(size, "big")


def _marker(kind: int, length: int) -> bytes:
    if length < 15:
        return bytes([kind << 4 | length])
    return bytes([kind << 4 | 0x0F]) + _int(length, wide=False)


class _Writer:
    """A binary plist writer with a choice of object order, sizes and string sharing."""

    def __init__(self, *, seed: int, share: bool, wide: bool, ref_size: int) -> None:
        self.nodes: list[Any] = []
        self.shared: dict[tuple[type, Any], int] = {}
        self.seed, self.share, self.wide, self.ref_size = seed, share, wide, ref_size

    def add(self, value: Any) -> int:
        scalar = isinstance(value, str | bytes | int | plistlib.UID)
        if scalar and self.share and (type(value), value) in self.shared:
            return self.shared[type(value), value]
        number = len(self.nodes)
        self.nodes.append(None)
        if scalar:
            self.shared[type(value), value] = number
            self.nodes[number] = value
        elif isinstance(value, dict):
            self.nodes[number] = ("dict", [self.add(k) for k in value],
                                  [self.add(v) for v in value.values()])
        else:
            self.nodes[number] = ("array", [self.add(item) for item in value])
        return number

    def dumps(self, root: Any) -> bytes:
        top = self.add(root)
        order = list(range(len(self.nodes)))
        random.Random(self.seed).shuffle(order)  # object numbers…
        number = {old: new for new, old in enumerate(order)}
        written = list(range(len(order)))
        random.Random(self.seed + 1).shuffle(written)  # …and the order of their bytes
        body, offsets = bytearray(b"bplist00"), [0] * len(order)
        for new in written:
            offsets[new] = len(body)
            body += self._object(self.nodes[order[new]], number)
        table = len(body)
        offset_size = 8 if self.wide else 2 if table < 1 << 16 else 4
        for offset in offsets:
            body += offset.to_bytes(offset_size, "big")
        body += bytes(6) + bytes([offset_size, self.ref_size])
        return bytes(body + len(order).to_bytes(8, "big") + number[top].to_bytes(8, "big")
                     + table.to_bytes(8, "big"))

    def _object(self, node: Any, number: dict[int, int]) -> bytes:
        def refs(items: list[int]) -> bytes:
            return b"".join(number[item].to_bytes(self.ref_size, "big") for item in items)

        if isinstance(node, plistlib.UID):
            return b"\x81" + node.data.to_bytes(2, "big") if self.wide else \
                b"\x80" + node.data.to_bytes(1, "big")
        if isinstance(node, int):
            return _int(node, self.wide)
        if isinstance(node, bytes):
            return _marker(0x4, len(node)) + node
        if isinstance(node, str):
            if node.isascii():
                return _marker(0x5, len(node)) + node.encode("ascii")
            encoded = node.encode("utf-16be")
            return _marker(0x6, len(encoded) // 2) + encoded
        if node[0] == "dict":
            return _marker(0xD, len(node[1])) + refs(node[1]) + refs(node[2])
        return _marker(0xA, len(node[1])) + refs(node[1])


@given(seed=st.integers(0, 2**32), share=st.booleans(), wide=st.booleans(),
       ref_size=st.sampled_from([1, 2, 4]), path=st.text(max_size=300),
       target=st.one_of(st.none(), st.text(max_size=20)),
       numbers=st.lists(st.integers(-(2**63), 2**63 - 1), min_size=6, max_size=6),
       digest=st.booleans(), key=st.booleans(), reverse=st.booleans())
def test_other_writers_read_fast_and_alike(seed: int, share: bool, wide: bool, ref_size: int,
                                           path: str, target: str | None,
                                           numbers: list[int], digest: bool, key: bool,
                                           reverse: bool) -> None:
    objects: list[Any] = ["$null"]
    mbfile: dict[str, Any] = dict(zip(
        ["Birth", "LastModified", "LastStatusChange", "Size", "InodeNumber", "Mode"],
        numbers, strict=True))
    mbfile |= {"UserID": 501, "GroupID": 501, "Flags": 0, "ProtectionClass": 3}
    objects.append(mbfile)

    def point(value: Any) -> plistlib.UID:
        objects.append(value)
        return plistlib.UID(len(objects) - 1)

    mbfile["RelativePath"] = point(path)
    if target is not None:
        mbfile["Target"] = point(target)
    if digest:
        mbfile["Digest"] = point(b"\x01" * 20)
    if key:
        data_class = point({"$classes": ["NSMutableData", "NSData", "NSObject"],
                            "$classname": "NSMutableData"})
        mbfile["EncryptionKey"] = point({"NS.data": b"\x03\0\0\0" + b"\x07" * 40,
                                         "$class": data_class})
    mbfile["$class"] = point({"$classes": ["MBFile", "NSObject"], "$classname": "MBFile"})
    if reverse:
        objects[1] = mbfile = dict(reversed(mbfile.items()))
    archive = {"$version": 100000, "$archiver": "NSKeyedArchiver",
               "$top": {"root": plistlib.UID(1)}, "$objects": objects}
    blob = _Writer(seed=seed, share=share, wide=wide, ref_size=ref_size).dumps(archive)
    assert decode_mbfile_fast(blob) == unarchive(load_plist(blob))
    # The compiled reader reads every one of these layouts itself, as the Python one does.
    compiled, python = _fastmbfile.decode(blob), _decode(blob)
    assert compiled is not None and compiled == python
    assert list(compiled.items()) == list(python.items())  # the same order of keys
    assert [type(v) for v in compiled.values()] == [type(v) for v in python.values()]
