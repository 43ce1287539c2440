"""Encrypt a BackupBuilder backup exactly as iOS does (ios.md §2.6), for the decryption tests.

- `Manifest.plist` gets `IsEncrypted`, the `BackupKeyBag` (TLV: header VERS/TYPE/UUID/HMCK/
  WRAP/SALT/ITER/DPWT/DPIC/DPSL, then one UUID/CLAS/WRAP/KTYP/WPKY[/PBKY] record per class),
  `ManifestKey` (iOS ≥ 10.2: LE class + wrapped key) and `Lockdown.ProductVersion`.
- The backup key is PBKDF2-HMAC-SHA256(password, DPSL, DPIC) then PBKDF2-HMAC-SHA1(·, SALT,
  ITER); before 10.2 the SHA-1 step alone, and the keybag has no DPWT/DPIC/DPSL.
- Each class key is AES-key-wrapped (RFC 3394) with the backup key; each stored file gets its
  own random key, wrapped with its class key and written into its MBFile as `EncryptionKey`
  (an `NSMutableData` whose `NS.data` is a 4-byte little-endian class + the 40-byte wrap).
- Files and (≥ 10.2) Manifest.db are AES-256-CBC with an all-zero IV and PKCS#7 padding to a
  whole 16-byte block, so the stored file is longer than MBFile `Size`.

Devices use ITER 10,000 and DPIC 10,000,000; the defaults here are tiny to keep tests fast.
This module implements the scheme itself (hashlib + cryptography) and imports nothing from
perito, so the tests compare two implementations. The header `WRAP` value and the set of
classes in the keybag are plausible rather than confirmed from a device dump.
"""

from __future__ import annotations

import hashlib
import plistlib
import random
import shutil
import sqlite3
import struct
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.keywrap import aes_key_wrap

from tests.builders.ios_backup import BackupBuilder

KEYBAG_CLASSES = (1, 2, 3, 4, 6, 7, 8, 9, 10, 11)  # file classes 1-4, keychain classes 6-11
MANIFEST_CLASS = 4
WRAP_PASSCODE = 2


def tlv(tag: str, value: bytes | int) -> bytes:
    data = struct.pack(">I", value) if isinstance(value, int) else value
    return tag.encode("ascii") + struct.pack(">I", len(data)) + data


def derive(password: bytes, *, salt: bytes, iterations: int, dp_salt: bytes | None,
           dp_iterations: int | None) -> bytes:
    secret = password
    if dp_salt is not None and dp_iterations is not None:
        secret = hashlib.pbkdf2_hmac("sha256", secret, dp_salt, dp_iterations, 32)
    return hashlib.pbkdf2_hmac("sha1", secret, salt, iterations, 32)


def cbc_encrypt(key: bytes, data: bytes) -> bytes:
    padder = padding.PKCS7(128).padder()
    padded = padder.update(data) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(bytes(16))).encryptor()
    return encryptor.update(padded) + encryptor.finalize()


def cbc_decrypt(key: bytes, data: bytes) -> bytes:
    decryptor = Cipher(algorithms.AES(key), modes.CBC(bytes(16))).decryptor()
    padded = decryptor.update(data) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(padded) + unpadder.finalize()


@dataclass
class Encryption:
    """How to encrypt: the password, the iOS generation and a few knobs for bad inputs."""

    password: str = "correct horse battery staple"
    legacy: bool = False  # iOS < 10.2: single-stage derivation, Manifest.db in plain text
    iterations: int = 10  # ITER (devices: 10,000)
    dp_iterations: int = 100  # DPIC (devices: about 10,000,000)
    seed: int = 20240301
    file_classes: dict[str, int] = field(default_factory=dict)  # "domain/path" -> class
    plain_files: set[str] = field(default_factory=set)  # stored without EncryptionKey


@dataclass
class EncryptedFixture:
    root: Path
    password: str
    backup_key: bytes
    class_keys: dict[int, bytes]
    file_keys: dict[str, bytes]  # fileID -> file key
    keybag: bytes
    manifest_key: bytes | None  # the key of Manifest.db (None before iOS 10.2)

    def rewrite_manifest_db(self, change: Callable[[sqlite3.Connection], None]) -> None:
        """Decrypt Manifest.db, let `change` edit it, and encrypt it again (damage tests)."""
        path = self.root / "Manifest.db"
        with tempfile.TemporaryDirectory() as tmp:
            plain = Path(tmp) / "Manifest.db"
            data = path.read_bytes()
            if self.manifest_key is not None:
                data = cbc_decrypt(self.manifest_key, data)
            plain.write_bytes(data)
            db = sqlite3.connect(plain)
            change(db)
            db.commit()
            db.close()
            data = plain.read_bytes()
        if self.manifest_key is not None:
            data = cbc_encrypt(self.manifest_key, data)
        path.write_bytes(data)


def _protection_class(blob: bytes) -> int:
    archive: dict[str, Any] = plistlib.loads(blob)
    return int(archive["$objects"][archive["$top"]["root"].data]["ProtectionClass"])


def mbfile_with_key(blob: bytes, key_blob: bytes | None, protection_class: int) -> bytes:
    """The MBFile archive with `ProtectionClass` set and an `EncryptionKey` object added."""
    archive: dict[str, Any] = plistlib.loads(blob)
    objects: list[Any] = archive["$objects"]
    mbfile = objects[archive["$top"]["root"].data]
    mbfile["ProtectionClass"] = protection_class
    if key_blob is not None:
        objects.append({"NS.data": key_blob})
        data_index = len(objects) - 1
        objects.append({"$classname": "NSMutableData",
                        "$classes": ["NSMutableData", "NSData", "NSObject"]})
        objects[data_index]["$class"] = plistlib.UID(len(objects) - 1)
        mbfile["EncryptionKey"] = plistlib.UID(data_index)
    return plistlib.dumps(archive, fmt=plistlib.FMT_BINARY)


def encrypt_file(key: bytes, source: Path, target: Path, chunk: int = 16 << 20) -> None:
    """AES-256-CBC (IV 0, PKCS#7) of a whole file, streamed in chunks."""
    encryptor = Cipher(algorithms.AES(key), modes.CBC(bytes(16))).encryptor()
    padder = padding.PKCS7(128).padder()
    with source.open("rb") as src, target.open("wb") as dst:
        while data := src.read(chunk):
            dst.write(encryptor.update(padder.update(data)))
        dst.write(encryptor.update(padder.finalize()) + encryptor.finalize())


@dataclass
class BuiltKeybag:
    data: bytes
    backup_key: bytes
    class_keys: dict[int, bytes]

    def wrap_file_key(self, protection_class: int, file_key: bytes) -> bytes:
        """The 44-byte `EncryptionKey` value: LE class + RFC 3394 wrap."""
        return (struct.pack("<I", protection_class)
                + aes_key_wrap(self.class_keys[protection_class], file_key))


def make_keybag(enc: Encryption, rng: random.Random) -> BuiltKeybag:
    """A backup keybag whose class keys are wrapped with the key derived from the password."""
    salt, dp_salt = rng.randbytes(20), rng.randbytes(20)
    backup_key = derive(enc.password.encode("utf-8"), salt=salt, iterations=enc.iterations,
                        dp_salt=None if enc.legacy else dp_salt,
                        dp_iterations=None if enc.legacy else enc.dp_iterations)
    class_keys = {c: rng.randbytes(32) for c in KEYBAG_CLASSES}
    data = b"".join([
        tlv("VERS", 3 if enc.legacy else 4), tlv("TYPE", 1), tlv("UUID", rng.randbytes(16)),
        tlv("HMCK", rng.randbytes(40)), tlv("WRAP", 0), tlv("SALT", salt),
        tlv("ITER", enc.iterations),
    ])
    if not enc.legacy:
        data += tlv("DPWT", 1) + tlv("DPIC", enc.dp_iterations) + tlv("DPSL", dp_salt)
    for protection_class, class_key in class_keys.items():
        data += tlv("UUID", rng.randbytes(16)) + tlv("CLAS", protection_class)
        data += tlv("WRAP", WRAP_PASSCODE)
        data += tlv("KTYP", 1 if protection_class == 2 else 0)
        data += tlv("WPKY", aes_key_wrap(backup_key, class_key))
        if protection_class == 2:
            data += tlv("PBKY", rng.randbytes(32))
    return BuiltKeybag(data, backup_key, class_keys)


def write_encrypted(builder: BackupBuilder, root: Path,
                    encryption: Encryption | None = None) -> EncryptedFixture:
    """Write the builder's backup to `root`, encrypted. `builder.product_version` is what
    Manifest.plist says (set it below 10.2 together with `legacy=True`)."""
    with tempfile.TemporaryDirectory() as tmp:
        plain = builder.write(Path(tmp) / "plain")
        return encrypt_backup(plain, root, encryption)


def encrypt_backup(plain: Path, root: Path, encryption: Encryption | None = None
                   ) -> EncryptedFixture:
    """Encrypt the plain backup folder `plain` into `root`, file by file, streaming."""
    enc = encryption or Encryption()
    rng = random.Random(enc.seed)
    keybag = make_keybag(enc, rng)
    file_keys: dict[str, bytes] = {}
    root.mkdir(parents=True, exist_ok=True)
    for name in ("Info.plist", "Status.plist"):
        shutil.copyfile(plain / name, root / name)
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "Manifest.db"
        shutil.copyfile(plain / "Manifest.db", db_path)
        db = sqlite3.connect(db_path)
        rows = db.execute("SELECT fileID, domain, relativePath, flags, file FROM Files "
                          "ORDER BY fileID").fetchall()
        for fid, domain, relative_path, flags, blob in rows:
            address = f"{domain}/{relative_path}"
            protection_class = enc.file_classes.get(address, _protection_class(blob))
            stored = plain / fid[:2] / fid
            target = root / fid[:2] / fid
            key_blob = None
            if flags == 1 and address not in enc.plain_files:
                file_key = rng.randbytes(32)
                file_keys[fid] = file_key
                key_blob = keybag.wrap_file_key(protection_class, file_key)
                if stored.is_file():
                    target.parent.mkdir(exist_ok=True)
                    encrypt_file(file_key, stored, target)
            elif stored.is_file():
                target.parent.mkdir(exist_ok=True)
                shutil.copyfile(stored, target)
            db.execute("UPDATE Files SET file = ? WHERE fileID = ?",
                       (mbfile_with_key(blob, key_blob, protection_class), fid))
        db.commit()
        db.execute("VACUUM")
        db.close()
        manifest: dict[str, Any] = plistlib.loads((plain / "Manifest.plist").read_bytes())
        manifest["IsEncrypted"] = True
        manifest["BackupKeyBag"] = keybag.data
        manifest_key: bytes | None = None
        if enc.legacy:
            shutil.copyfile(db_path, root / "Manifest.db")
        else:
            manifest_key = rng.randbytes(32)
            manifest["ManifestKey"] = keybag.wrap_file_key(MANIFEST_CLASS, manifest_key)
            encrypt_file(manifest_key, db_path, root / "Manifest.db")
    (root / "Manifest.plist").write_bytes(plistlib.dumps(manifest, fmt=plistlib.FMT_BINARY))
    return EncryptedFixture(root, enc.password, keybag.backup_key, keybag.class_keys,
                            file_keys, keybag.data, manifest_key)
