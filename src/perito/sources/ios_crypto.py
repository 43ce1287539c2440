"""Decryption of encrypted iOS backups: which state a backup is in, and file decryption.

Every file of an encrypted backup is AES-256-CBC with an all-zero IV under its own key; the key
is in its MBFile `EncryptionKey` (4-byte little-endian class + 40-byte RFC 3394 wrap). Since
iOS 10.2 Manifest.db itself is encrypted the same way under `Manifest.plist` `ManifestKey`.
The stored length is padded to a whole number of blocks and the plaintext is cut to MBFile
`Size` (ios.md §2.6). Files are decrypted in 16 MB chunks, never whole in memory, into
memory (small reads) or into the caller's private folder.
"""

from __future__ import annotations

import enum
import errno
import logging
import os
import sqlite3
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from perito.errors import InputError
from perito.sources.ios_keybag import (
    ClassKeys,
    Keybag,
    KeybagError,
    KeyUnwrapError,
    derive_key,
    parse_keybag,
    product_version_tuple,
    unlock,
    uses_two_stage,
)
from perito.sources.plist import PlistError, load_plist, unarchive
from perito.sources.sqlite import SQLITE_MAGIC, NotADatabase, open_sqlite

log = logging.getLogger(__name__)

BLOCK = 16
CHUNK = 16 << 20  # a multiple of BLOCK
_ZERO_IV = bytes(BLOCK)
_KEY_BLOB_LENGTH = 44  # 4-byte class + 40-byte wrapped key


class DecryptionError(OSError):
    """One file of an encrypted backup cannot be decrypted; the scan goes on without it.

    An OSError (EIO) so that the pipeline reports it as "cannot read file (…)".
    """

    def __init__(self, message: str) -> None:
        super().__init__(errno.EIO, f"cannot decrypt: {message}")


class EncryptionState(enum.Enum):
    PLAIN = "plain"
    ENCRYPTED = "encrypted"  # iOS ≥ 10.2: Manifest.db and files encrypted
    FILES_ENCRYPTED = "files-encrypted"  # before iOS 10.2: Manifest.db in plain text
    DECRYPTED_COPY = "decrypted-copy"  # a decrypted copy whose Manifest.plist still says so

    @property
    def needs_key(self) -> bool:
        return self in (EncryptionState.ENCRYPTED, EncryptionState.FILES_ENCRYPTED)


@dataclass(frozen=True, slots=True)
class ManifestPlist:
    """The encryption facts of Manifest.plist."""

    is_encrypted: bool = False
    keybag: bytes = field(default=b"", repr=False)
    manifest_key: bytes = field(default=b"", repr=False)
    product_version: str | None = None


def read_manifest_plist(root: Path) -> ManifestPlist:
    """Manifest.plist's encryption facts; an absent or unreadable file says "not encrypted"."""
    path = root / "Manifest.plist"
    try:
        value = load_plist(path.read_bytes())
    except (OSError, PlistError):
        return ManifestPlist()
    if not isinstance(value, dict):
        return ManifestPlist()
    lockdown = value.get("Lockdown")
    version = lockdown.get("ProductVersion") if isinstance(lockdown, dict) else None
    keybag = value.get("BackupKeyBag")
    manifest_key = value.get("ManifestKey")
    return ManifestPlist(
        is_encrypted=value.get("IsEncrypted") is True,
        keybag=keybag if isinstance(keybag, bytes) else b"",
        manifest_key=manifest_key if isinstance(manifest_key, bytes) else b"",
        product_version=version if isinstance(version, str) else None)


def _is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


def encryption_state(root: Path) -> EncryptionState:
    """Whether the backup at `root` needs a key, reading no more than Manifest.plist/db.

    The incumbent's decrypted copy keeps `IsEncrypted = true`, so the flag alone is not
    trusted (ios.md §2.7): an encrypted Manifest.db is not SQLite; before iOS 10.2 Manifest.db
    is plain text and there is no ManifestKey, so a stored file is sized up to tell them apart.
    """
    facts = read_manifest_plist(root)
    if not facts.is_encrypted:
        return EncryptionState.PLAIN
    manifest = root / "Manifest.db"
    if not _is_sqlite(manifest):
        return EncryptionState.ENCRYPTED
    if facts.manifest_key:
        return EncryptionState.DECRYPTED_COPY
    looks = _stored_files_look_encrypted(root, manifest)
    if looks is None:
        version = product_version_tuple(facts.product_version)
        looks = version is not None and version < (10, 2)
    return EncryptionState.FILES_ENCRYPTED if looks else EncryptionState.DECRYPTED_COPY


def _stored_files_look_encrypted(root: Path, manifest: Path) -> bool | None:
    """Ciphertext is padded past MBFile Size to a whole block; plain text is exactly Size."""
    try:
        with open_sqlite(manifest) as opened:
            rows = opened.connection.execute(
                "SELECT fileID, file FROM Files WHERE flags = 1 LIMIT 500")
            for fid, blob in rows:
                meta = decode_blob(blob)
                size = meta.get("Size")
                if not isinstance(size, int) or size <= 0 or not meta.get("EncryptionKey"):
                    continue
                name = str(fid or "")
                if len(name) != 40 or not all(c in "0123456789abcdef" for c in name):
                    continue
                stored = root / name[:2] / name
                if not stored.is_file():
                    continue
                length = stored.stat().st_size
                if length == size:
                    return False
                if length % BLOCK == 0 and size < length <= size + BLOCK:
                    return True
    except (sqlite3.DatabaseError, NotADatabase, OSError):
        return None
    return None


def decode_blob(blob: object) -> dict[str, Any]:
    """The MBFile dict of a Manifest `file` blob, or {} when it is absent or unreadable."""
    if not isinstance(blob, bytes) or not blob:
        return {}
    try:
        archive = load_plist(blob)
        if not isinstance(archive, dict) or "$objects" not in archive:
            return {}
        value = unarchive(archive)
    except PlistError:
        return {}
    return value if isinstance(value, dict) else {}


def key_blob(mbfile: dict[str, Any]) -> tuple[int, bytes] | None:
    """(protection class, 40-byte wrapped key) from MBFile `EncryptionKey`, if it has one."""
    blob = mbfile.get("EncryptionKey")
    if isinstance(blob, bytearray):
        blob = bytes(blob)
    if not isinstance(blob, bytes) or not blob:
        return None
    if len(blob) != _KEY_BLOB_LENGTH:
        raise DecryptionError(f"its EncryptionKey is {len(blob)} bytes, not "
                              f"{_KEY_BLOB_LENGTH}")
    (protection_class,) = struct.unpack("<I", blob[:4])
    return int(protection_class), blob[4:]


# -- keys ------------------------------------------------------------------------------------

def backup_key(root: Path, password: bytes) -> bytes:
    """Derive the 32-byte backup key from the password and check that it unlocks the keybag."""
    facts = read_manifest_plist(root)
    keybag = _keybag(facts)
    key = derive_key(keybag, password,
                     two_stage=uses_two_stage(facts.product_version, keybag))
    unlock(keybag, key)  # raises WrongPassword
    return key


def class_keys(root: Path, *, key: bytes | None = None, password: bytes | None = None
               ) -> ClassKeys:
    """The class keys of the backup at `root`, unlocked with its backup key or password."""
    facts = read_manifest_plist(root)
    keybag = _keybag(facts)
    if key is None:
        if password is None:
            raise InputError("a password or a key is needed")
        key = derive_key(keybag, password,
                         two_stage=uses_two_stage(facts.product_version, keybag))
    return unlock(keybag, key)


def _keybag(facts: ManifestPlist) -> Keybag:
    if not facts.is_encrypted:
        raise InputError("this backup is not encrypted")
    if not facts.keybag:
        raise KeybagError("Manifest.plist has no BackupKeyBag: the backup's keys are missing")
    return parse_keybag(facts.keybag)


def manifest_db_key(keys: ClassKeys, manifest_key: bytes) -> bytes:
    """The key of Manifest.db from `ManifestKey` (iOS ≥ 10.2)."""
    if len(manifest_key) != _KEY_BLOB_LENGTH:
        raise InputError("Manifest.plist's ManifestKey is damaged, so Manifest.db cannot be "
                         "decrypted")
    (protection_class,) = struct.unpack("<I", manifest_key[:4])
    try:
        return keys.unwrap(int(protection_class), manifest_key[4:])
    except KeyUnwrapError as error:
        raise InputError(f"Manifest.db cannot be decrypted: ManifestKey {error}") from None


def file_key(keys: ClassKeys, mbfile: dict[str, Any]) -> bytes | None:
    """The AES key of one file, or None when the file is stored in plain text."""
    found = key_blob(mbfile)
    if found is None:
        return None
    protection_class, wrapped = found
    try:
        return keys.unwrap(protection_class, wrapped)
    except KeyUnwrapError as error:
        declared = mbfile.get("ProtectionClass")
        if isinstance(declared, int) and declared != protection_class:
            try:
                return keys.unwrap(declared, wrapped)
            except KeyUnwrapError:
                pass
        raise DecryptionError(f"its key cannot be unwrapped ({error})") from None


# -- file decryption -------------------------------------------------------------------------

def plaintext_length(total: int, tail: bytes, size: int | None) -> int:
    """How much of `total` decrypted bytes is the file.

    MBFile `Size` wins when it falls in the last block (ios.md §2.6); otherwise (a file that
    changed while the backup ran) valid PKCS#7 padding decides, and failing that `Size` if it
    fits.
    """
    if size is not None and total - BLOCK <= size < total:
        return size
    pad = tail[-1] if tail else 0
    if 1 <= pad <= BLOCK and len(tail) >= pad and tail[-pad:] == bytes([pad]) * pad:
        return total - pad
    if size is not None and 0 <= size <= total:
        return size
    return total


def _chunks(source: BinaryIO, total: int, key: bytes) -> Iterator[bytes]:
    """Plaintext chunks; the decryptor carries partial blocks between reads."""
    # cryptography is imported when a file is decrypted (not in every scan's start-up)
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    decryptor = Cipher(algorithms.AES(key), modes.CBC(_ZERO_IV)).decryptor()
    remaining = total
    while remaining > 0:
        data = source.read(min(CHUNK, remaining))
        if not data:
            raise DecryptionError("the stored file ended early")
        remaining -= len(data)
        yield decryptor.update(data)
    yield decryptor.finalize()


def _stored_length(handle: BinaryIO) -> int:
    total = os.fstat(handle.fileno()).st_size
    if total % BLOCK:
        raise DecryptionError(f"the stored file is {total} bytes, not a whole number of AES "
                              "blocks (damaged, or not encrypted)")
    return total


def decrypt_to_bytes(path: Path, key: bytes, size: int | None) -> bytes:
    """The plaintext of one stored file, in memory (for plists and other small files)."""
    out = bytearray()
    with path.open("rb") as handle:
        total = _stored_length(handle)
        for chunk in _chunks(handle, total, key):
            out += chunk
    length = plaintext_length(len(out), bytes(out[-BLOCK:]), size)
    _note_size(path, length, size)
    del out[length:]
    return bytes(out)


def decrypt_to_file(path: Path, target: Path, key: bytes, size: int | None) -> int:
    """Decrypt one stored file into `target` (created new, mode 0600), streaming."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    descriptor = os.open(target, flags, 0o600)
    with os.fdopen(descriptor, "wb") as sink, path.open("rb") as handle:
        total = _stored_length(handle)
        tail = b""
        for chunk in _chunks(handle, total, key):
            if chunk:
                sink.write(chunk)
                tail = (tail + chunk)[-BLOCK:]
        length = plaintext_length(total, tail, size)
        sink.truncate(length)
    _note_size(path, length, size)
    return length


def _note_size(path: Path, length: int, size: int | None) -> None:
    if size is not None and length != size:
        log.debug("%s: decrypted %d bytes where Manifest.db records %d", path.name, length, size)

