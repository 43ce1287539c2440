from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perito.artifacts.ios.attributed_body import decode_attributed_body
from tests.builders.ios.sms import attributed_body, typedstream_int

HEADER = b"\x04\x0bstreamtyped\x81\xe8\x03\x84\x01@\x84\x84\x84\x08NSString\x01\x94\x84\x01+"


@pytest.mark.parametrize("text", [
    "Hello",
    "",
    "Tu código 🎉 https://example.org/ñ",
    "x" * 127,  # the largest one-byte length
    "y" * 128,  # the smallest 0x81 + int16 length
    "z" * 32767,  # the largest int16 length
    "w" * 32768,  # needs 0x82 + int32
    "línea uno\nlínea dos\u2028tres\ufffc",
])
def test_round_trips_the_builders_blob(text: str) -> None:
    assert decode_attributed_body(attributed_body(text)) == text


def test_length_forms_are_the_typedstream_ones() -> None:
    assert typedstream_int(5) == b"\x05"
    assert typedstream_int(127) == b"\x7f"
    assert typedstream_int(128) == b"\x81\x80\x00"
    assert typedstream_int(32768) == b"\x82\x00\x80\x00\x00"
    assert b"+\x81\x80\x00" + b"y" * 128 in attributed_body("y" * 128)


def test_mutable_string_chain() -> None:
    text = "editado https://example.net/e"
    assert decode_attributed_body(attributed_body(text, mutable=True)) == text


def test_accepts_bytearray_and_memoryview() -> None:
    blob = attributed_body("hola")
    assert decode_attributed_body(bytearray(blob)) == "hola"
    assert decode_attributed_body(memoryview(blob)) == "hola"


def test_invalid_utf8_is_replaced_not_raised() -> None:
    assert decode_attributed_body(HEADER + b"\x03a\xffb") == "a\ufffdb"


@pytest.mark.parametrize("blob", [
    None, "streamtyped NSString", 42, b"", b"bplist00\x00\x01",
    HEADER.replace(b"streamtyped", b"typedstream"),  # big-endian flavour: not from iOS
    b"\x04\x0bstreamtyped\x81\xe8\x03\x84\x01@ no class here",
    HEADER[:-3] + b"\x01\x02\x03\x04",  # no "+" type after the class name
    HEADER,  # ends before the length
    HEADER + b"\x81\x10",  # truncated int16
    HEADER + b"\x82\x00\x00\x01",  # truncated int32
    HEADER + b"\x81\xff\xff" + b"a" * 10,  # negative int16 length
    HEADER + b"\x82\xff\xff\xff\xff",  # negative int32 length
    HEADER + b"\x83\x00\x00\x80\x3f",  # a float tag is not a length
    HEADER + b"\x92abc",  # a reference tag is not a length
    HEADER + b"\x10short",  # declared length runs past the end
])
def test_hostile_or_foreign_input_gives_none(blob: object) -> None:
    assert decode_attributed_body(blob) is None


def test_every_truncation_of_a_real_blob_is_safe() -> None:
    blob = attributed_body("Mira https://example.org/p 🎉")
    for end in range(len(blob)):
        result = decode_attributed_body(blob[:end])
        assert result is None or isinstance(result, str)


@given(st.binary(max_size=300))
def test_never_raises_on_random_bytes(tail: bytes) -> None:
    for blob in (tail, HEADER + tail, b"\x04\x0bstreamtyped" + tail):
        result = decode_attributed_body(blob)
        assert result is None or isinstance(result, str)
