"""The Android backup (`.ab`) file format: header lines, key derivation, the payload stream.

The file is four ASCII header lines (`ANDROID BACKUP`, version 1–5, compressed 0/1,
`none` or `AES-256`), five more when encrypted (user salt, checksum salt, PBKDF2 rounds,
user IV, master-key blob, all hex but the rounds), then the payload: AES-256-CBC with the
master key when encrypted, then a zlib stream when compressed, and inside a POSIX tar
(android.md §3). `perito.sources.android_ab` reads the tar.

The password-to-key quirk: from version 2 on, the master-key checksum is PBKDF2 over the
master key as Java turns a `byte[]` into `char[]` and then into UTF-8 (`_java_utf8`); for
version 1 the raw bytes (Java's "8bit" PBKDF2). Android accepts both forms for version 1;
so does perito, for every version.
"""

from __future__ import annotations

import hashlib
import io
import logging
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from perito.errors import DamagedFile, InputError

log = logging.getLogger(__name__)

MAGIC = b"ANDROID BACKUP"
VERSIONS = range(1, 6)
CHUNK = 1 << 20
_MAX_LINE = 4096


class BackupFormatError(InputError):
    """Not an Android backup, or a header perito cannot read."""


class WrongPassword(InputError):
    """The password does not open the encrypted backup."""


class PasswordRequired(InputError):
    """The backup is encrypted and no password was given."""


class PayloadError(DamagedFile):
    """The payload stream is damaged (bad cipher length or padding, bad zlib data)."""


@dataclass(frozen=True, slots=True)
class AbHeader:
    version: int
    compressed: bool
    encryption: str  # "none" or "AES-256"
    user_salt: bytes = b""
    checksum_salt: bytes = b""
    rounds: int = 0
    user_iv: bytes = b""
    master_key_blob: bytes = b""

    @property
    def encrypted(self) -> bool:
        return self.encryption != "none"


def _line(stream: BinaryIO) -> bytes:
    line = stream.readline(_MAX_LINE)
    if not line.endswith(b"\n"):
        raise BackupFormatError("the Android backup header is truncated or not a header")
    return line[:-1]


def _hex(stream: BinaryIO, what: str) -> bytes:
    try:
        return bytes.fromhex(_line(stream).decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        raise BackupFormatError(f"the Android backup header has a bad {what}") from None


def read_header(stream: BinaryIO) -> AbHeader:
    """Parse the header lines; the stream is left at the first payload byte."""
    if stream.readline(len(MAGIC) + 1) != MAGIC + b"\n":
        raise BackupFormatError("not an Android backup (no 'ANDROID BACKUP' header)")
    try:
        version = int(_line(stream))
        compressed = int(_line(stream))
    except ValueError:
        raise BackupFormatError("the Android backup header has a bad version or flag") from None
    if version not in VERSIONS:
        raise BackupFormatError(f"Android backup version {version} is not supported (1–5)")
    if compressed not in (0, 1):
        raise BackupFormatError(f"unknown compression flag {compressed} in the backup header")
    encryption = _line(stream).decode("ascii", "replace")
    if encryption == "none":
        return AbHeader(version, bool(compressed), encryption)
    if encryption != "AES-256":
        raise BackupFormatError(f"unknown backup encryption {encryption!r}")
    user_salt = _hex(stream, "user salt")
    checksum_salt = _hex(stream, "checksum salt")
    try:
        rounds = int(_line(stream))
    except ValueError:
        raise BackupFormatError("the Android backup header has bad PBKDF2 rounds") from None
    if not 1 <= rounds <= 10_000_000:
        raise BackupFormatError(f"implausible PBKDF2 rounds {rounds} in the backup header")
    user_iv = _hex(stream, "user IV")
    blob = _hex(stream, "master key blob")
    if len(user_iv) != 16 or not blob or len(blob) % 16:
        raise BackupFormatError("the Android backup header has a bad IV or master key blob")
    return AbHeader(version, bool(compressed), encryption, user_salt, checksum_salt, rounds,
                    user_iv, blob)


def backup_header(path: Path) -> AbHeader | None:
    """The header of the `.ab` file at `path`; None for a bare tar of a backup."""
    try:
        with path.open("rb") as handle:
            if is_tar(handle.read(512)):
                return None
            handle.seek(0)
            return read_header(handle)
    except BackupFormatError as error:
        raise BackupFormatError(f"{path}: {error}") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read the backup ({error.strerror})") from None


def _java_utf8(data: bytes) -> bytes:
    """`byte[]` → `char[]` (sign-extended) → UTF-8, as Java does it for PBKDF2."""
    out = bytearray()
    for byte in data:
        if byte < 0x80:
            out.append(byte)
        else:  # U+FF80..U+FFFF: three UTF-8 bytes
            out += bytes((0xEF, 0xBE if byte < 0xC0 else 0xBF, 0x80 | (byte & 0x3F)))
    return bytes(out)


def _eight_bit(password: bytes) -> bytes:
    """The low byte of each UTF-16 char of the password (Java's PBKDF2WithHmacSHA1And8bit)."""
    text = password.decode("utf-8", errors="surrogateescape")
    units = text.encode("utf-16-le", errors="surrogatepass")
    return bytes(units[i] for i in range(0, len(units), 2))


def _cbc_decrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    unpadder = padding.PKCS7(128).unpadder()
    plain = decryptor.update(data) + decryptor.finalize()
    return unpadder.update(plain) + unpadder.finalize()


def _split_blob(blob: bytes) -> tuple[bytes, bytes, bytes] | None:
    parts: list[bytes] = []
    offset = 0
    for expected in (16, 32, 0):
        if offset >= len(blob):
            return None
        size = blob[offset]
        part = blob[offset + 1: offset + 1 + size]
        if len(part) != size or (expected and size != expected):
            return None
        parts.append(part)
        offset += 1 + size
    return parts[0], parts[1], parts[2]


def master_key(header: AbHeader, password: bytes) -> tuple[bytes, bytes]:
    """(master key, master IV) of an encrypted backup; `WrongPassword` when it does not fit."""
    forms = (password, _eight_bit(password))
    if header.version == 1:
        forms = forms[::-1]
    for form in dict.fromkeys(forms):
        user_key = hashlib.pbkdf2_hmac("sha1", form, header.user_salt, header.rounds, 32)
        try:
            blob = _cbc_decrypt(user_key, header.user_iv, header.master_key_blob)
        except ValueError:  # bad padding: this key is wrong
            continue
        parts = _split_blob(blob)
        if parts is None:
            continue
        iv, key, checksum = parts
        for candidate in (_java_utf8(key), key):
            computed = hashlib.pbkdf2_hmac("sha1", candidate, header.checksum_salt,
                                           header.rounds, len(checksum) or 32)
            if computed == checksum:
                return key, iv
    raise WrongPassword("the password does not open this Android backup")


# -- the payload stream -----------------------------------------------------------------------

def decrypted(chunks: Iterable[bytes], key: bytes, iv: bytes) -> Iterator[bytes]:
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    unpadder = padding.PKCS7(128).unpadder()
    for chunk in chunks:
        plain = unpadder.update(decryptor.update(chunk))
        if plain:
            yield plain
    try:
        yield unpadder.update(decryptor.finalize()) + unpadder.finalize()
    except ValueError:
        raise PayloadError("the encrypted payload is truncated or damaged") from None


def inflated(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """zlib-inflate the payload; a payload flagged compressed that is a bare tar (some
    third-party backup tools write one) passes through."""
    stream = iter(chunks)
    first = b""
    for chunk in stream:
        first += chunk
        if len(first) >= 512:
            break
    if is_tar(first):
        log.warning("the backup says it is compressed but holds a bare tar: read as such")
        yield first
        yield from stream
        return
    inflater = zlib.decompressobj()
    for chunk in prefixed(first, stream):
        data = chunk
        while data:
            try:
                out = inflater.decompress(data, CHUNK)
            except zlib.error as error:
                raise PayloadError(f"the compressed payload is damaged ({error})") from None
            if out:
                yield out
            data = inflater.unconsumed_tail
            if inflater.eof:
                return
    if not inflater.eof:
        raise PayloadError("the compressed payload is truncated")


class ChunkReader(io.RawIOBase):
    """A readable file over an iterator of byte chunks.

    Damage found by the iterator (`PayloadError`) ends the file there, as if it were cut,
    and is kept in `error`: so read-ahead never loses the good bytes before the damage.
    """

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._view = memoryview(b"")
        self.error: PayloadError | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._view:
            if self.error is not None:
                return 0
            try:
                chunk = next(self._chunks, None)
            except PayloadError as error:
                self.error = error
                return 0
            if chunk is None:
                return 0
            self._view = memoryview(chunk)
        size = min(len(buffer), len(self._view))
        buffer[:size] = self._view[:size]
        self._view = self._view[size:]
        return size


class HashingReader:
    """Reads a raw stream in chunks, hashing (SHA-256) what it reads."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.digest = hashlib.sha256()
        self.size = 0

    def chunks(self) -> Iterator[bytes]:
        while chunk := self.stream.read(CHUNK):
            self.digest.update(chunk)
            self.size += len(chunk)
            yield chunk

    def drain(self) -> None:
        for _chunk in self.chunks():
            pass



def read_chunks(handle: IO[bytes]) -> Iterator[bytes]:
    while chunk := handle.read(CHUNK):
        yield chunk


def is_tar(start: bytes) -> bool:
    """A POSIX (ustar, pax or GNU) tar header at the start."""
    return len(start) >= 512 and start[257:262] == b"ustar"


def start(reader: HashingReader) -> tuple[AbHeader | None, bytes]:
    """The header (None for a bare tar) and the bytes read after it, through the hashing
    reader."""
    buffered = io.BytesIO()
    for chunk in reader.chunks():
        buffered.write(chunk)
        if buffered.tell() >= 64 * 1024:
            break
    if is_tar(buffered.getvalue()[:512]):
        return None, buffered.getvalue()
    buffered.seek(0)
    header = read_header(buffered)
    return header, buffered.read()


def prefixed(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if first:
        yield first
    yield from rest
