"""Opening Android acquisitions for `perito android check-androidqf` and `check-bugreport`.

An androidqf `.zip.age` is decrypted in memory with the X25519 identities of an age identity
file (`AGE-SECRET-KEY-1…` lines, `#` comments allowed); the plaintext zip is never written.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from pathlib import Path

import pyrage
from pyrage import x25519

from perito.errors import InputError
from perito.sources.android_tree import (
    ANDROIDQF_MARKERS,
    AndroidTree,
    acquisition_folder,
    dumpstate_member,
)

log = logging.getLogger(__name__)

AGE_MAGIC = (b"age-encryption.org/v1\n", b"-----BEGIN AGE ENCRYPTED FILE-----")
BUGREPORT_MARKERS = ("main_entry.txt", "version.txt")


def is_age(path: Path) -> bool:
    if not path.is_file():
        return False
    with path.open("rb") as handle:
        head = handle.read(64).lstrip()
    return head.startswith(AGE_MAGIC)


def read_identities(path: Path) -> list[x25519.Identity]:
    """The X25519 identities of an age identity file (never logged)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        raise InputError(f"{path}: cannot read the age identity file "
                         f"({error.strerror or type(error).__name__})") from None
    identities = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            identities.append(x25519.Identity.from_str(line))
        except pyrage.IdentityError:
            raise InputError(f"{path}: a line is not an age X25519 identity "
                             "(AGE-SECRET-KEY-1…)") from None
    if not identities:
        raise InputError(f"{path}: no age identity (AGE-SECRET-KEY-1…) in the file")
    return identities


def decrypt_age(path: Path, identity_file: Path | None) -> io.BytesIO:
    """The plaintext of an age file, in memory (streamed: the ciphertext is not held)."""
    if identity_file is None:
        raise InputError(f"{path} is age-encrypted: give the identity that can decrypt it "
                         "with --age-identity FILE")
    identities = read_identities(identity_file)
    plaintext = io.BytesIO()
    try:
        ciphertext = path.open("rb")
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror})") from None
    try:
        with ciphertext:
            pyrage.decrypt_io(ciphertext, plaintext, identities)
    except (pyrage.DecryptError, OSError) as error:  # a cut stream fails as an I/O error
        reason = str(error)
        if "No matching keys" in reason:
            raise InputError(f"{path}: the age identity in {identity_file} cannot decrypt this "
                             "file (it was encrypted for another key)") from None
        raise InputError(f"{path}: the age file is damaged or truncated ({reason})") from None
    plaintext.seek(0)
    return plaintext


def androidqf_opener(path: Path, identity_file: Path | None
                     ) -> tuple[Callable[[], AndroidTree], Path, io.BytesIO | None]:
    """A factory for the acquisition's source (decrypting once), the evidence root, and the
    plaintext zip in memory when the acquisition is age-encrypted."""
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    data = decrypt_age(path, identity_file) if is_age(path) else None
    if data is None and identity_file is not None:
        log.info("%s is not age-encrypted: the identity is not needed", path)

    def open_source() -> AndroidTree:
        return AndroidTree(path, kind="android-androidqf", markers=ANDROIDQF_MARKERS, data=data)

    with open_source() as probe:
        names = probe.tree.members
        if not any(marker in names for marker in ANDROIDQF_MARKERS):
            raise InputError(f"{path}: not an androidqf acquisition (none of "
                             f"{', '.join(ANDROIDQF_MARKERS)} found)")
    root = path if not path.is_dir() else acquisition_folder(path, ANDROIDQF_MARKERS)
    return open_source, root, data


def bugreport_opener(path: Path) -> tuple[Callable[[], AndroidTree], Path]:
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")

    def open_source() -> AndroidTree:
        return AndroidTree(path, kind="android-bugreport", markers=BUGREPORT_MARKERS)

    with open_source() as probe:
        if any(marker in probe.tree.members for marker in ANDROIDQF_MARKERS):
            raise InputError(f"{path}: this is an androidqf acquisition; check it with "
                             "`perito android check-androidqf`")
        if dumpstate_member(probe.tree) is None:
            raise InputError(f"{path}: not a bugreport (no main_entry.txt, bugreport-*.txt, "
                             "dumpState_*.log or dumpsys.txt)")
    return open_source, path
