"""The text of an NSArchiver "streamtyped" blob, as sms.db keeps it in `message.attributedBody`.

On recent iOS the `text` column of a message can be NULL while the text survives only in
`attributedBody`, an NSAttributedString archived with the old NSArchiver (typedstream) format,
little-endian flavour, signature `streamtyped` (ios.md §5.10). The string is the first object
after the `NSString` class record::

    04 0b "streamtyped" 81 e8 03 84 01 "@" 84 84 84 12 "NSAttributedString" 00
    84 84 08 "NSObject" 00 85 92 84 84 84 08 "NSString" 01 94 84 01 "+" <len> <utf-8 bytes>

`84 01 "+"` declares the type string "+" (a counted byte string). Integers, the length among
them, use the typedstream compact encoding: one signed byte for -110..127; 0x81 then an int16;
0x82 then an int32 (little-endian here); 0x83 is a float and 0x84.. 0x91 are tags, never a
length. A length of 128..255 therefore takes the 0x81 form.

Only the plain text is read; the attribute runs (ranges in UTF-16 units, link and mention
attributes) are not. This is a scanner for evidence, not an unarchiver: every byte is hostile,
and anything unexpected yields None rather than an exception.
"""

from __future__ import annotations

_SIGNATURE = b"streamtyped"
_CLASS = b"NSString"  # also the superclass record inside an NSMutableString chain
_STRING_TYPE = b"\x84\x01+"  # new type string of length 1: "+"
_SEARCH_WINDOW = 32  # bytes after the class name in which the "+" type must start
_INT16 = 0x81
_INT32 = 0x82


def decode_attributed_body(blob: object) -> str | None:
    """The string stored in a streamtyped NSAttributedString blob, or None."""
    if not isinstance(blob, bytes | bytearray | memoryview):
        return None
    data = bytes(blob)
    if _SIGNATURE not in data[:16]:
        return None
    marker = data.find(_CLASS)
    if marker < 0:
        return None
    after = marker + len(_CLASS)
    start = data.find(_STRING_TYPE, after, after + _SEARCH_WINDOW + len(_STRING_TYPE))
    if start < 0:
        return None
    length, offset = _read_length(data, start + len(_STRING_TYPE))
    if length is None or offset + length > len(data):
        return None
    return data[offset:offset + length].decode("utf-8", errors="replace")


def _read_length(data: bytes, offset: int) -> tuple[int | None, int]:
    """A non-negative typedstream integer at `offset`, and the offset after it."""
    if offset >= len(data):
        return None, offset
    head = data[offset]
    if head < 0x80:
        return head, offset + 1
    if head == _INT16:
        width = 2
    elif head == _INT32:
        width = 4
    else:
        return None, offset
    end = offset + 1 + width
    if end > len(data):
        return None, offset
    value = int.from_bytes(data[offset + 1:end], "little", signed=True)
    return (value, end) if value >= 0 else (None, offset)
