"""Write Android `.ab` backups exactly as the backup manager does (android.md §3).

- Header: `ANDROID BACKUP`, the version (1–5), `1`/`0` compressed, `none` or `AES-256`; when
  encrypted five more lines: user salt and checksum salt (64 bytes each, uppercase hex, as
  `byteArrayToHex` writes them), PBKDF2 rounds, user IV, master-key blob (uppercase hex).
- User key: PBKDF2-HMAC-SHA1 over the password (UTF-8 from version 2 on; each UTF-16 unit's
  low byte for version 1), 256 bits. The master-key blob is `16‖IV 32‖key 32‖checksum`,
  AES-256-CBC with PKCS#7 under the user key. The checksum is PBKDF2 over the master key as
  Java's `char[]` (each byte sign-extended to 16 bits) encoded in UTF-8 (version ≥ 2), or over
  the raw key (version 1).
- Payload: the tar, deflated as a zlib stream (Java's `Deflater(BEST_COMPRESSION)`, header
  `78 DA`) when compressed, then AES-256-CBC with PKCS#7 under the master key.
- The tar is POSIX (pax for long names) with `apps/<package>/_manifest` first, then the
  package's domains.

Android uses 10,000 rounds; the default here is smaller to keep the tests fast. This module
imports nothing from perito, so the tests compare two implementations.
"""

from __future__ import annotations

import hashlib
import io
import random
import tarfile
import zlib
from dataclasses import dataclass

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

T_BACKUP = 1_767_225_600  # 2026-01-01T00:00:00Z, member mtimes


@dataclass
class Member:
    """One tar member; `kind` is a tarfile type (REGTYPE, DIRTYPE, SYMTYPE, CHRTYPE…)."""

    name: str
    data: bytes = b""
    kind: bytes = tarfile.REGTYPE
    mode: int = 0o600
    mtime: int = T_BACKUP
    linkname: str = ""
    size: int | None = None  # a declared size different from len(data) (hostile headers)


def tar_bytes(members: list[Member]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for member in members:
            info = tarfile.TarInfo(member.name)
            info.type = member.kind
            info.mode = member.mode
            info.mtime = member.mtime
            info.uid = info.gid = 10_123
            info.linkname = member.linkname
            if member.kind == tarfile.REGTYPE:
                info.size = len(member.data)
                tar.addfile(info, io.BytesIO(member.data))
            else:
                tar.addfile(info)
    return buffer.getvalue()


def manifest(package: str, *, version_code: int = 1, sdk: int = 34, installer: str = "",
             apk: bool = False, certificates: tuple[bytes, ...] = ()) -> bytes:
    """`apps/<package>/_manifest` as `AppMetadataBackupWriter` writes it."""
    lines = ["1", package, str(version_code), str(sdk), installer, "1" if apk else "0",
             str(len(certificates)), *(c.hex() for c in certificates)]
    return ("\n".join(lines) + "\n").encode()


def _java_char_utf8(data: bytes) -> bytes:
    """`new String((char) b …)` then UTF-8: Java's byte → char sign extension."""
    return "".join(chr(b if b < 0x80 else 0xFF00 | b) for b in data).encode("utf-8")


def _pbkdf2(secret: bytes, salt: bytes, rounds: int) -> bytes:
    return hashlib.pbkdf2_hmac("sha1", secret, salt, rounds, 32)


def _encrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    padder = padding.PKCS7(128).padder()
    padded = padder.update(data) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return encryptor.update(padded) + encryptor.finalize()


def ab_bytes(tar: bytes, *, version: int = 5, compressed: bool = True,
             password: str | None = None, rounds: int = 50, seed: int = 7) -> bytes:
    """A whole `.ab` file around `tar`."""
    rng = random.Random(seed)
    payload = zlib.compress(tar, 9) if compressed else tar
    lines = [b"ANDROID BACKUP", str(version).encode(), b"1" if compressed else b"0"]
    if password is None:
        lines.append(b"none")
        return b"\n".join(lines) + b"\n" + payload
    user_salt, checksum_salt = rng.randbytes(64), rng.randbytes(64)
    user_iv, master_iv, master_key = rng.randbytes(16), rng.randbytes(16), rng.randbytes(32)
    if version == 1:
        secret = bytes(unit & 0xFF for unit in password.encode("utf-16-le")[::2])
        checksum = _pbkdf2(master_key, checksum_salt, rounds)
    else:
        secret = password.encode("utf-8")
        checksum = _pbkdf2(_java_char_utf8(master_key), checksum_salt, rounds)
    user_key = _pbkdf2(secret, user_salt, rounds)
    blob = bytes([16]) + master_iv + bytes([32]) + master_key + bytes([32]) + checksum
    lines += [b"AES-256", user_salt.hex().upper().encode(), checksum_salt.hex().upper().encode(),
              str(rounds).encode(), user_iv.hex().upper().encode(),
              _encrypt(user_key, user_iv, blob).hex().upper().encode()]
    return b"\n".join(lines) + b"\n" + _encrypt(master_key, master_iv, payload)
