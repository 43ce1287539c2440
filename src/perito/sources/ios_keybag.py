"""The backup keybag of an encrypted iOS backup: parsing, key derivation, class-key unwrap.

`Manifest.plist` `BackupKeyBag` is a TLV stream (4-byte ASCII tag, 4-byte big-endian length,
value). Header tags come first; each later `UUID` starts one class key record (`CLAS`,
`WRAP`, `KTYP`, `WPKY`, optional `PBKY`). The password becomes the backup key through
PBKDF2-HMAC-SHA256 over `DPSL`/`DPIC` and then PBKDF2-HMAC-SHA1 over `SALT`/`ITER` (iOS ≥ 10.2),
or the SHA-1 step alone before 10.2. The backup key unwraps (RFC 3394) each class key whose
`WRAP` has bit 2 set; the class keys unwrap the per-file keys (ios.md §2.6).

Secrets (password, backup key, class keys) never enter an exception message, a log line or a
repr: the classes here hide them, and the errors say what failed, never with what.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field

from perito.errors import InputError

WRAP_PASSCODE = 2  # class-key WRAP bit: wrapped with the password-derived key
WRAPPED_KEY_LENGTH = 40  # RFC 3394 wrap of a 32-byte key
KEY_LENGTH = 32
# Bounds against a hostile Manifest.plist that would make key derivation run for days. Devices
# write ITER 10,000 and DPIC 10,000,000.
MAX_ITER = 10_000_000
MAX_DPIC = 100_000_000

class KeybagError(InputError):
    """The keybag is damaged or not a backup keybag."""


class WrongPassword(InputError):
    """The password (or key) does not unlock the backup."""


@dataclass(frozen=True, slots=True)
class ClassKeyRecord:
    """One class key record of the keybag, as stored (its key still wrapped)."""

    protection_class: int
    wrap: int
    key_type: int  # 0 AES, 1 Curve25519
    wrapped_key: bytes = field(repr=False)
    uuid: bytes = b""
    public_key: bytes = field(default=b"", repr=False)


@dataclass(frozen=True, slots=True)
class Keybag:
    """A parsed backup keybag (header values and class key records)."""

    version: int | None
    kind: int | None  # TYPE: 0 system, 1 backup, 2 escrow, 3 OTA/iCloud
    uuid: bytes
    salt: bytes = field(repr=False)
    iterations: int
    dp_salt: bytes = field(repr=False)  # DPSL, iOS ≥ 10.2
    dp_iterations: int | None  # DPIC
    dp_wrap: int | None  # DPWT
    class_keys: tuple[ClassKeyRecord, ...]

    @property
    def has_two_stage(self) -> bool:
        return bool(self.dp_salt) and bool(self.dp_iterations)


def tlv(data: bytes) -> Iterator[tuple[str, bytes]]:
    """(tag, value) pairs; raises KeybagError on a truncated stream."""
    offset = 0
    while offset < len(data):
        if offset + 8 > len(data):
            raise KeybagError("damaged backup keybag (truncated record header)")
        raw_tag = data[offset:offset + 4]
        (length,) = struct.unpack(">I", data[offset + 4:offset + 8])
        value = data[offset + 8:offset + 8 + length]
        if len(value) != length:
            raise KeybagError("damaged backup keybag (truncated record)")
        yield raw_tag.decode("latin-1"), value
        offset += 8 + length


def _uint(value: bytes) -> int:
    if len(value) != 4:
        raise KeybagError("damaged backup keybag (a number is not 4 bytes long)")
    return int(struct.unpack(">I", value)[0])


def parse_keybag(data: bytes) -> Keybag:
    """Parse `BackupKeyBag`; header tags before the second `UUID`, class records after."""
    header: dict[str, bytes] = {}
    records: list[dict[str, bytes]] = []
    for tag, value in tlv(data):
        if tag == "UUID" and "UUID" in header:
            records.append({"UUID": value})
        elif records:
            records[-1][tag] = value
        else:
            header.setdefault(tag, value)
    if "SALT" not in header or "ITER" not in header:
        raise KeybagError("damaged backup keybag (no SALT or ITER)")
    kind = _uint(header["TYPE"]) if "TYPE" in header else None
    if kind is not None and kind > 3:  # 1 for local backups; 0-3 are all keybag formats
        raise KeybagError(f"not a backup keybag (TYPE {kind})")
    class_keys: list[ClassKeyRecord] = []
    for record in records:
        try:
            class_keys.append(ClassKeyRecord(
                protection_class=_uint(record["CLAS"]),
                wrap=_uint(record["WRAP"]) if "WRAP" in record else 0,
                key_type=_uint(record["KTYP"]) if "KTYP" in record else 0,
                wrapped_key=record["WPKY"], uuid=record["UUID"],
                public_key=record.get("PBKY", b"")))
        except (KeyError, KeybagError):
            continue  # a damaged record only costs the files of its own class
    return Keybag(
        version=_uint(header["VERS"]) if "VERS" in header else None, kind=kind,
        uuid=header.get("UUID", b""), salt=header["SALT"], iterations=_uint(header["ITER"]),
        dp_salt=header.get("DPSL", b""),
        dp_iterations=_uint(header["DPIC"]) if "DPIC" in header else None,
        dp_wrap=_uint(header["DPWT"]) if "DPWT" in header else None,
        class_keys=tuple(class_keys))


def uses_two_stage(product_version: str | None, keybag: Keybag) -> bool:
    """Whether the password goes through the DPSL/DPIC SHA-256 stage (iOS ≥ 10.2).

    `Lockdown.ProductVersion` decides; without one, the presence of DPSL/DPIC does.
    """
    parsed = product_version_tuple(product_version)
    if parsed is None:
        return keybag.has_two_stage
    return parsed >= (10, 2)


def product_version_tuple(text: str | None) -> tuple[int, int] | None:
    """(major, minor) of an iOS version string such as `17.4.1`."""
    if not text:
        return None
    parts = text.strip().split(".")
    try:
        major = int(parts[0])
        minor = int(parts[1]) if len(parts) > 1 else 0
    except ValueError:
        return None
    return major, minor


def derive_key(keybag: Keybag, password: bytes, *, two_stage: bool) -> bytes:
    """The 32-byte backup key from the password (UTF-8 bytes); seconds of PBKDF2 on ≥ 10.2."""
    if not 1 <= keybag.iterations <= MAX_ITER:
        raise KeybagError(f"implausible keybag ITER {keybag.iterations}")
    secret = password
    if two_stage:
        if not keybag.has_two_stage or keybag.dp_iterations is None:
            raise KeybagError("damaged backup keybag (iOS ≥ 10.2 but no DPSL or DPIC)")
        if not 1 <= keybag.dp_iterations <= MAX_DPIC:
            raise KeybagError(f"implausible keybag DPIC {keybag.dp_iterations}")
        secret = hashlib.pbkdf2_hmac("sha256", secret, keybag.dp_salt, keybag.dp_iterations,
                                     KEY_LENGTH)
    return hashlib.pbkdf2_hmac("sha1", secret, keybag.salt, keybag.iterations, KEY_LENGTH)


class ClassKeys:
    """The unwrapped class keys of an unlocked keybag; unwraps per-file keys."""

    __slots__ = ("_keys", "damaged")

    def __init__(self, keys: dict[int, bytes], damaged: frozenset[int]) -> None:
        self._keys = keys
        self.damaged = damaged  # classes whose record did not unwrap while others did

    def __repr__(self) -> str:
        return f"ClassKeys(classes={sorted(self._keys)}, damaged={sorted(self.damaged)})"

    @property
    def classes(self) -> list[int]:
        return sorted(self._keys)

    def unwrap(self, protection_class: int, wrapped: bytes) -> bytes:
        """A file (or Manifest.db) key wrapped with the key of `protection_class`."""
        key = self._keys.get(protection_class)
        if key is None:
            why = ("its class key is damaged" if protection_class in self.damaged
                   else "the keybag has no key for it")
            raise KeyUnwrapError(f"protection class {protection_class}: {why}")
        if len(wrapped) != WRAPPED_KEY_LENGTH:
            raise KeyUnwrapError(f"wrapped key is {len(wrapped)} bytes, not "
                                 f"{WRAPPED_KEY_LENGTH}")
        from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap

        try:
            return aes_key_unwrap(key, wrapped)
        except (InvalidUnwrap, ValueError):
            raise KeyUnwrapError("wrapped key fails its integrity check") from None


class KeyUnwrapError(Exception):
    """A per-file or Manifest key cannot be unwrapped (a problem of one file, not the run)."""


def unlock(keybag: Keybag, backup_key: bytes) -> ClassKeys:
    """Unwrap the class keys with the backup key.

    With the right key every record unwraps; when none does the password is wrong. When some
    do and some do not, the others are damaged records and only their files are lost.
    """
    if len(backup_key) != KEY_LENGTH:
        raise WrongPassword("the backup key must be 32 bytes (64 hex characters)")
    candidates = [r for r in keybag.class_keys if r.wrap & WRAP_PASSCODE]
    if not candidates:
        raise KeybagError("damaged backup keybag (no class key wrapped with the password)")
    # cryptography is imported when a backup is decrypted (not in every scan's start-up)
    from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap

    keys: dict[int, bytes] = {}
    failed: set[int] = set()
    for record in candidates:
        try:
            if len(record.wrapped_key) != WRAPPED_KEY_LENGTH:
                raise ValueError("bad length")
            keys[record.protection_class] = aes_key_unwrap(backup_key, record.wrapped_key)
        except (InvalidUnwrap, ValueError):
            failed.add(record.protection_class)
    if not keys:
        raise WrongPassword("wrong password or key: it does not unlock this backup's keybag")
    return ClassKeys(keys, frozenset(failed - keys.keys()))


def parse_hex_key(text: str) -> bytes:
    """A backup key written as 64 hex characters (the incumbent's `extract-key` format)."""
    cleaned = text.strip()
    if len(cleaned) != 2 * KEY_LENGTH:
        raise InputError(f"a backup key is {2 * KEY_LENGTH} hex characters; the key file "
                         f"holds {len(cleaned)} characters")
    try:
        return bytes.fromhex(cleaned)
    except ValueError:
        raise InputError("the key file holds characters that are not hexadecimal") from None
