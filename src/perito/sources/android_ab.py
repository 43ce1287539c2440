"""Read-only access to an Android `.ab` backup (`adb backup`), the bare tar inside one, or a
folder it was extracted to.

The format (header, key derivation, decryption and inflation) is `android_ab_format`'s;
inside is a POSIX tar of `apps/<package>/<domain>/…` members (android.md §3).

The payload is read once, as a stream: every regular member is hashed on the way (SHA-256;
MD5 and SHA-1 too for APKs, code and files up to 1 MiB: `wants_all_digests`), and only the
members an artifact asks for (`keep` globs) are kept, in memory or, when large, in a private
temporary folder (mode 0700) removed at `close()`, also when the pass is interrupted.
Nothing is ever extracted by name. Hostile members (absolute names,
`..`, links, devices, oversized kept members) are refused one by one, and a payload that is
truncated or corrupt ends the pass with a problem that the listing artifact reports, keeping
what was read before it.

`EvidenceFile.path` of a member is a virtual path (`<backup>/<member name>`) that names it
uniquely; the bytes are read through the source. The custody record holds the SHA-256 of the
backup file as stored and of every member an artifact read (plaintext, keyed by that path).
"""

from __future__ import annotations

import contextlib
import fnmatch
import hashlib
import io
import logging
import os
import shutil
import stat
import tarfile
import tempfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from perito.errors import InputError
from perito.sources.android_ab_format import (
    CHUNK,
    AbHeader,
    ChunkReader,
    HashingReader,
    PasswordRequired,
    PayloadError,
    decrypted,
    inflated,
    master_key,
    prefixed,
    read_chunks,
    start,
)
from perito.sources.evidence import Custody, EvidenceFile
from perito.sources.locations import BackupMember, Location
from perito.sources.sqlite import OpenedDatabase, open_sqlite

log = logging.getLogger(__name__)

KEEP_IN_MEMORY = 16 << 20  # kept members above this size go to the private folder
MAX_KEPT_MEMBER = 1 << 30  # a kept member larger than this is refused (a decompression bomb)
# tarfile's stream buffer: it slices the buffer on every read, so a large one makes backups
# of many small files slow (1 MiB: 15 s for 50,000 members), a small one large files.
TAR_BUFFER = 64 << 10

# -- members ----------------------------------------------------------------------------------

@dataclass
class Member:
    """One tar member (or file of an extracted folder) and what the pass learnt about it."""

    name: str
    kind: str  # "file", "directory", "refused"
    size: int = 0
    mode: int = 0
    mtime: int = 0
    uid: int | None = None
    gid: int | None = None
    md5: str = ""
    sha1: str = ""
    sha256: str = ""
    reason: str = ""  # why it was refused or is incomplete
    data: bytes | None = None
    spill: Path | None = None
    real: Path | None = None


def refusal(info: tarfile.TarInfo, name: str) -> str:
    """Why a tar member must not be read ("" when it may)."""
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "absolute path"
    if ".." in name.replace("\\", "/").split("/"):
        return "path with '..'"
    if info.issym() or info.islnk():
        return "link"
    if info.ischr() or info.isblk() or info.isfifo() or info.isdev():
        return "device or pipe"
    if not (info.isreg() or info.isdir()):
        return f"unsupported tar member type {info.type!r}"
    return ""


def _clean_name(name: str) -> str:
    while name.startswith("./"):
        name = name[2:]
    return name


ALL_DIGESTS_UP_TO = 1 << 20  # larger members get MD5 and SHA-1 only when they are code
_CODE_SUFFIXES = (".apk", ".dex", ".odex", ".vdex", ".so", ".jar", ".bin", ".elf", ".sh")


def wants_all_digests(name: str, size: int) -> bool:
    """MD5 and SHA-1 besides SHA-256: for APKs (`a/`), code-like files and small files.

    Sample feeds give MD5/SHA-1 for APKs and implant binaries; hashing every large media
    file three times would double the cost of reading a backup.
    """
    if size <= ALL_DIGESTS_UP_TO:
        return True
    parts = name.split("/")
    return (len(parts) > 3 and parts[0] == "apps" and parts[2] == "a") or \
        name.lower().endswith(_CODE_SUFFIXES)


class _Hashes:
    def __init__(self, everything: bool) -> None:
        self.sha256 = hashlib.sha256()
        self.others = (hashlib.md5(usedforsecurity=False),
                       hashlib.sha1(usedforsecurity=False)) if everything else ()

    def update(self, data: bytes) -> None:
        self.sha256.update(data)
        for digest in self.others:
            digest.update(data)

    def store(self, member: Member) -> None:
        member.sha256 = self.sha256.hexdigest()
        if self.others:
            member.md5, member.sha1 = (d.hexdigest() for d in self.others)


@dataclass
class AndroidBackup:
    """An `.ab` file (or file object) or an extracted folder, read once at opening.

    Use `AndroidBackup.open(path, password=…, keep=…)` for a file or folder and
    `AndroidBackup.from_stream(handle, name=…, root=…)` for a backup inside another
    acquisition (androidqf's `backup.ab` in a zip). `keep` are the member globs the artifacts
    will read (`backup_member_patterns`).
    """

    root: Path
    label: str
    header: AbHeader | None
    custody: Custody = field(default_factory=Custody)
    kind: str = "android-backup"
    platform: str = "android"
    members: list[Member] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # payload-level damage
    _private: Path | None = None
    _by_name: dict[str, Member] | None = None

    @property
    def encrypted(self) -> bool:
        return self.header is not None and self.header.encrypted

    @property
    def base(self) -> Path:
        """The backup's own path: `root`, or `root/<label>` for a backup inside an archive."""
        return self.root if self.root.name == self.label else self.root / self.label

    @classmethod
    def open(cls, path: Path, *, password: bytes | None = None, keep: Sequence[str] = (),
             custody: Custody | None = None) -> AndroidBackup:
        """Open an `.ab` file or an extracted backup folder (holding `apps/`)."""
        if path.is_dir():
            root = path.parent if path.name == "apps" else path
            if not (root / "apps").is_dir():
                raise InputError(f"{path}: not an extracted Android backup (no apps/ folder)")
            backup = cls(root, root.name, None, custody or Custody(), kind="android-backup-folder")
            backup._read_folder(keep)
            return backup
        try:
            handle = path.open("rb")
        except OSError as error:
            raise InputError(f"{path}: cannot read the backup "
                             f"({error.strerror or type(error).__name__})") from None
        with handle:
            return cls.from_stream(handle, name=path.name, root=path, password=password,
                                   keep=keep, custody=custody)

    @classmethod
    def from_stream(cls, handle: BinaryIO, *, name: str, root: Path,
                    password: bytes | None = None, keep: Sequence[str] = (),
                    custody: Custody | None = None) -> AndroidBackup:
        """Read a backup from a binary file object positioned at its first byte.

        `root` names the acquisition for custody and outputs (the `.ab` path, or the path of
        the archive holding it); the custody record gets the SHA-256 of the bytes read from
        `handle` under `name`, keyed by `root/<name>` when `root` is another archive.
        """
        reader = HashingReader(handle)
        header, rest = start(reader)
        backup = cls(root, name, header, custody or Custody())
        chunks: Iterator[bytes] = prefixed(rest, reader.chunks())
        if header is None:  # a tar already taken out of its .ab wrapper
            backup.kind = "android-backup-tar"
        elif header.encrypted:
            if password is None:
                raise PasswordRequired(f"{name} is an encrypted Android backup: its password "
                                       "is needed")
            key, iv = master_key(header, password)
            chunks = decrypted(chunks, key, iv)
        if header is not None and header.compressed:
            chunks = inflated(chunks)
        try:
            backup._read_tar(chunks, keep)
            reader.drain()
        except OSError as error:  # the file itself: its hash is not complete
            backup.problems.append(f"the backup file could not be read to its end "
                                   f"({error.strerror or type(error).__name__}); its SHA-256 "
                                   "is not in the custody record")
            return backup
        except BaseException:
            backup.close()
            raise
        backup.custody.hashes[str(backup.base)] = (name, reader.digest.hexdigest(), reader.size)
        return backup

    # -- the single pass ------------------------------------------------------------------

    def _private_folder(self) -> Path:
        if self._private is None:
            self._private = Path(tempfile.mkdtemp(prefix="perito-ab-"))  # mode 0700
        return self._private

    def _read_tar(self, chunks: Iterator[bytes], keep: Sequence[str]) -> None:
        raw = ChunkReader(chunks)
        stream = io.BufferedReader(raw, CHUNK)
        try:
            with tarfile.open(fileobj=stream, mode="r|", bufsize=TAR_BUFFER) as tar:
                for info in tar:
                    tar.members = []  # type: ignore[attr-defined]  # stream mode: keep none
                    self._tar_member(tar, info, keep)
            if raw.error is not None:  # the tar ended cleanly before the damage
                raise raw.error
        except (tarfile.TarError, PayloadError, EOFError, zlib.error, OSError) as error:
            reason = str(raw.error or error) or type(error).__name__
            if isinstance(error, tarfile.TarError) and not self.members:
                reason = f"no tar archive inside the backup ({reason})"
            what = "could not be read to the end" if isinstance(error, OSError) and \
                raw.error is None else "is damaged"
            self.problems.append(f"the backup payload {what} after {len(self.members)} "
                                 f"members: {reason}")
            log.warning("%s: %s", self.label, self.problems[-1])

    def _tar_member(self, tar: tarfile.TarFile, info: tarfile.TarInfo,
                    keep: Sequence[str]) -> None:
        name = _clean_name(info.name)
        member = Member(name=name, kind="file", size=info.size, mode=info.mode,
                        mtime=int(info.mtime), uid=info.uid, gid=info.gid)
        reason = refusal(info, info.name)
        wanted = any(fnmatch.fnmatchcase(name, pattern) for pattern in keep)
        if not reason and wanted and info.size > MAX_KEPT_MEMBER:
            reason = f"too large to read ({info.size} bytes)"
        if reason:
            member.kind, member.reason = "refused", reason
            self.members.append(member)
            log.warning("%s: refused tar member %r: %s", self.label, name, reason)
            return
        if info.isdir():
            member.kind = "directory"
            self.members.append(member)
            return
        self.members.append(member)
        handle = tar.extractfile(info)
        assert handle is not None  # a regular file
        self._take(member, read_chunks(handle), wanted)

    def _take(self, member: Member, chunks: Iterator[bytes], wanted: bool) -> None:
        hashes = _Hashes(wants_all_digests(member.name, member.size))
        kept: list[bytes] = []
        spill: BinaryIO | None = None
        total = 0
        try:
            for chunk in chunks:
                hashes.update(chunk)
                total += len(chunk)
                if not wanted:
                    continue
                if spill is None and total > KEEP_IN_MEMORY:
                    member.spill = self._private_folder() / f"member-{len(self.members)}"
                    spill = member.spill.open("wb")
                    spill.writelines(kept)
                    kept = []
                if spill is not None:
                    spill.write(chunk)
                else:
                    kept.append(chunk)
        except (tarfile.TarError, PayloadError, EOFError, zlib.error, OSError) as error:
            member.reason = f"incomplete: {error}"
            raise
        finally:
            if spill is not None:
                spill.close()
            member.size = total
            hashes.store(member)
            if wanted and member.spill is None:
                member.data = b"".join(kept)

    def _read_folder(self, keep: Sequence[str]) -> None:
        for directory, subdirs, files in os.walk(self.root, onerror=self._unlisted):
            subdirs.sort()
            base = Path(directory)
            for entry in sorted(files) + [d for d in subdirs if (base / d).is_symlink()]:
                path = base / entry
                name = path.relative_to(self.root).as_posix()
                info = path.lstat()
                member = Member(name=name, kind="file", size=info.st_size, mode=info.st_mode,
                                mtime=int(info.st_mtime), real=path)
                if not stat.S_ISREG(info.st_mode):
                    member.kind = "refused"
                    member.reason = "link" if stat.S_ISLNK(info.st_mode) else "not a file"
                    self.members.append(member)
                    continue
                self.members.append(member)
                try:
                    with path.open("rb") as handle:
                        self._take(member, read_chunks(handle), False)
                except OSError as error:
                    member.kind = "refused"
                    member.reason = f"unreadable ({error.strerror or type(error).__name__})"
                    member.md5 = member.sha1 = member.sha256 = ""
                    continue
                self.custody.hashes[str(path)] = (name, member.sha256, member.size)

    def _unlisted(self, error: OSError) -> None:
        name = Path(error.filename).relative_to(self.root).as_posix() if error.filename else "?"
        self.members.append(Member(name=name, kind="refused",
                                   reason=f"unreadable folder ({error.strerror})"))

    # -- the Source protocol --------------------------------------------------------------

    def _evidence(self, member: Member) -> EvidenceFile:
        return EvidenceFile(address=member.name, path=member.real or self.base / member.name,
                            device_path=device_path(member.name), size=member.size,
                            relative_path=member.name)

    def find(self, location: Location) -> Iterator[EvidenceFile]:
        if not isinstance(location, BackupMember):
            return
        if not location.pattern:  # the backup itself (its listing)
            yield EvidenceFile(address=self.label, path=self.base, size=len(self.members))
            return
        for member in self.members:  # refused members too: their artifact says why
            if member.kind != "directory" and fnmatch.fnmatchcase(member.name, location.pattern):
                yield self._evidence(member)

    def missing_rows(self, location: Location) -> list[str]:
        return []

    def member(self, evidence: EvidenceFile) -> Member:
        if self._by_name is None:  # the listing is complete once the backup is open
            self._by_name = {}
            for member in self.members:
                if member.kind == "file" or (member.kind == "refused"
                                             and member.name not in self._by_name):
                    known = self._by_name.get(member.name)
                    if known is None or known.kind == "refused":
                        self._by_name[member.name] = member
        found = self._by_name.get(evidence.address)
        if found is None:
            raise FileNotFoundError(evidence.address)
        return found

    def read_bytes(self, evidence: EvidenceFile) -> bytes:
        member = self.member(evidence)
        if member.kind == "refused":
            raise PayloadError(f"refused: {member.reason}")
        if member.reason:
            raise PayloadError(f"the member is {member.reason}")
        if member.real is not None:
            data = member.real.read_bytes()
        elif member.spill is not None:
            data = member.spill.read_bytes()
        elif member.data is not None:
            data = member.data
        else:
            raise PayloadError("the member was not kept when the backup was read")
        if member.real is None:
            self.custody.hashes[str(evidence.path)] = (f"{self.label}:{member.name}",
                                                        member.sha256, member.size)
        return data

    @contextlib.contextmanager
    def open_sqlite(self, evidence: EvidenceFile) -> Iterator[OpenedDatabase]:
        member = self.member(evidence)
        if member.real is not None:
            with open_sqlite(member.real) as opened:
                yield opened
            return
        copy = self._private_folder() / f"db-{id(member)}"
        copy.write_bytes(self.read_bytes(evidence))
        try:
            with open_sqlite(copy) as opened:
                yield opened
        finally:
            copy.unlink(missing_ok=True)

    def close(self) -> None:
        if self._private is not None:
            shutil.rmtree(self._private, ignore_errors=True)
            self._private = None
        for member in self.members:
            member.data = None
            member.spill = None

    def __enter__(self) -> AndroidBackup:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


_DOMAIN_PATHS = {
    "a": "/data/app/{p}/",
    "f": "/data/data/{p}/files/",
    "db": "/data/data/{p}/databases/",
    "sp": "/data/data/{p}/shared_prefs/",
    "c": "/data/data/{p}/cache/",
    "nb": "/data/data/{p}/no_backup/",
    "r": "/data/data/{p}/",
    "ef": "/storage/emulated/0/Android/data/{p}/files/",
    "obb": "/storage/emulated/0/Android/obb/{p}/",
    "d_f": "/data/user_de/0/{p}/files/",
    "d_db": "/data/user_de/0/{p}/databases/",
    "d_sp": "/data/user_de/0/{p}/shared_prefs/",
    "d_c": "/data/user_de/0/{p}/cache/",
    "d_nb": "/data/user_de/0/{p}/no_backup/",
    "d_r": "/data/user_de/0/{p}/",
}


def device_path(name: str) -> str:
    """Where a member lived on the phone (`apps/<p>/db/x.db` → `/data/data/<p>/databases/x.db`);
    "" when the domain is not known. Users other than 0 are not distinguished in `.ab`."""
    parts = name.split("/", 3)
    if len(parts) == 4 and parts[0] == "apps":
        template = _DOMAIN_PATHS.get(parts[2])
        if template is not None:
            return template.format(p=parts[1]) + parts[3]
    if parts[0] == "shared" and len(parts) >= 3:
        return "/storage/emulated/" + "/".join(parts[1:])
    return ""


def backup_member_patterns(locations: Iterable[Location]) -> tuple[str, ...]:
    """The member globs of these locations (what `keep` needs)."""
    return tuple(dict.fromkeys(loc.pattern for loc in locations
                               if isinstance(loc, BackupMember) and loc.pattern))
