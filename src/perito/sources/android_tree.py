"""Read-only access to an Android acquisition given as a folder or a zip (android.md §1.1, §2.1).

An androidqf acquisition is a folder, a zip with or without one top-level folder, or an
age-encrypted zip decrypted in memory; a bugreport is a zip or its extracted folder. Files are
addressed by their path from the acquisition root. Zip members are read in place (never
extracted next to the evidence) and their SHA-256 goes into the custody record; members with
an absolute path, `..`, or a size past the limits are refused one by one. androidqf's nested
`bugreport.zip` is opened as a second tree, reached with `AndroidFile(…, within="bugreport")`.
"""

from __future__ import annotations

import contextlib
import fnmatch
import hashlib
import io
import logging
import shutil
import stat
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from perito.errors import InputError
from perito.extract.getprop import property_value
from perito.sources.evidence import Custody, EvidenceFile
from perito.sources.locations import AndroidFile, Dumpstate, Location
from perito.sources.sqlite import OpenedDatabase, open_sqlite

log = logging.getLogger(__name__)

MAX_READ = 1 << 30  # members read into memory: past 1 GiB a member is refused
MAX_RATIO = 200  # a member that inflates more than this (and past 16 MiB) is a zip bomb
_BOMB_FLOOR = 16 << 20
_CACHE_FROM = 1 << 20
ANDROIDQF_MARKERS = ("acquisition.json", "getprop.txt", "packages.json", "processes.json",
                     "settings_secure.txt", "hashes.csv")
BUGREPORT_NESTED = "bugreport.zip"
# Where copied device files sit: androidqf's `tmp/` (the device's /data/local/tmp) and
# `logs/<device path>` (android.md §1.2), a bugreport's `FS/<device path>` (§2.1)
_ANDROIDQF_PREFIXES = (("tmp/", "/data/local/tmp/"), ("logs//", "/"), ("logs/", "/"))
_BUGREPORT_PREFIXES = (("FS/", "/"),)


_CONTAINER_DIGESTS: dict[tuple[str, int, int], str] = {}


class RefusedMember(OSError):
    """A zip member that perito will not read (hostile name or size)."""


class DamagedMember(OSError):
    """A zip member whose bytes do not inflate or fail their CRC."""


@contextlib.contextmanager
def _damage_as_oserror(name: str) -> Iterator[None]:
    try:
        yield
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
        raise DamagedMember(0, f"damaged in the archive ({error})", name) from None


@dataclass(frozen=True, slots=True)
class Member:
    """One file of a tree: its path from the acquisition root, size and recorded time."""

    name: str
    size: int
    zip_name: str = ""  # the member's full name in its zip ("" for folders)
    local_time: str = ""  # zip "date_time" (wall clock, no zone), or ""
    utc_mtime: int | None = None  # unix seconds, from the file system or a zip extra field


class _Tree:
    """The files of one folder or zip, by path from the acquisition root."""

    def __init__(self, label: str, members: dict[str, Member], refused: list[str]) -> None:
        self.label = label  # how addresses start: "" or "bugreport.zip/"
        self.members = members
        self.refused = refused

    def open(self, member: Member) -> IO[bytes]:
        raise NotImplementedError

    def local_path(self, member: Member) -> Path | None:
        return None

    def close(self) -> None:
        return None


class _FolderTree(_Tree):
    def __init__(self, root: Path, label: str = "") -> None:
        self.root = root
        members: dict[str, Member] = {}
        for path in sorted(root.rglob("*")):
            try:
                info = path.lstat()
            except OSError:
                continue
            if not stat.S_ISREG(info.st_mode):
                continue  # links are not followed out of the acquisition
            name = path.relative_to(root).as_posix()
            members[name] = Member(name, info.st_size, utc_mtime=int(info.st_mtime))
        super().__init__(label, members, [])

    def open(self, member: Member) -> IO[bytes]:
        return (self.root / member.name).open("rb")

    def local_path(self, member: Member) -> Path | None:
        return self.root / member.name


class _FileTree(_Tree):
    """A single evidence file (the plain-text bugreport of Android 6 and older)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        info = path.stat()
        member = Member(path.name, info.st_size, utc_mtime=int(info.st_mtime))
        super().__init__("", {path.name: member}, [])

    def open(self, member: Member) -> IO[bytes]:
        return self.path.open("rb")

    def local_path(self, member: Member) -> Path | None:
        return self.path


def _zip_utc_mtime(info: zipfile.ZipInfo) -> int | None:
    """The UTC mtime of the "extended timestamp" extra field (0x5455), when present."""
    extra = info.extra
    position = 0
    while position + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, position)
        body = extra[position + 4:position + 4 + length]
        if tag == 0x5455 and len(body) >= 5 and body[0] & 1:
            return int(struct.unpack_from("<i", body, 1)[0])
        position += 4 + length
    return None


def refusal(info: zipfile.ZipInfo) -> str:
    """Why a zip member must not be read, or ""."""
    name = info.filename
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "absolute path"
    if ".." in parts:
        return "'..' in the path"
    if info.file_size > MAX_READ and info.compress_size * MAX_RATIO < info.file_size:
        return f"declared size {info.file_size} bytes from {info.compress_size}: a zip bomb"
    if info.file_size > _BOMB_FLOOR and info.compress_size * MAX_RATIO < info.file_size:
        return f"compression ratio over {MAX_RATIO}: a zip bomb"
    return ""


class _ZipTree(_Tree):
    def __init__(self, archive: zipfile.ZipFile, label: str, markers: tuple[str, ...]) -> None:
        self.archive = archive
        refused: list[str] = []
        infos: list[zipfile.ZipInfo] = []
        for info in archive.infolist():
            if info.is_dir():
                continue
            reason = refusal(info)
            if reason:
                refused.append(f"{info.filename!r}: {reason}")
                log.warning("zip member %r refused: %s", info.filename, reason)
                continue
            infos.append(info)
        prefix = _common_folder([i.filename for i in infos], markers)
        members: dict[str, Member] = {}
        for info in infos:
            name = info.filename[len(prefix):]
            year, month, day, hour, minute, second = info.date_time
            members[name] = Member(
                name, info.file_size, zip_name=info.filename,
                local_time=f"{year:04d}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}:"
                           f"{second:02d}",
                utc_mtime=_zip_utc_mtime(info))
        super().__init__(label, members, refused)

    def open(self, member: Member) -> IO[bytes]:
        return self.archive.open(member.zip_name)

    def close(self) -> None:
        self.archive.close()


def _common_folder(names: list[str], markers: tuple[str, ...]) -> str:
    """The single top-level folder all members share ("" when there is none)."""
    if not names or any(n in markers for n in names):
        return ""
    firsts = {n.split("/", 1)[0] for n in names}
    if len(firsts) == 1 and all("/" in n for n in names):
        return f"{firsts.pop()}/"
    return ""


def _open_zip(data: IO[bytes] | Path, what: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(data)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise InputError(f"{what}: not a readable zip archive ({error})") from None


def acquisition_folder(path: Path, markers: tuple[str, ...]) -> Path:
    """The folder holding the acquisition: `path` or its single subfolder that does."""
    if any((path / m).is_file() for m in markers):
        return path
    candidates = [child for child in sorted(path.iterdir()) if child.is_dir()
                  and any((child / m).is_file() for m in markers)]
    if len(candidates) == 1:
        return candidates[0]
    return path


class AndroidTree:
    """An androidqf acquisition or a bugreport, from a folder, a zip or decrypted zip bytes."""

    platform = "android"

    def __init__(self, path: Path, *, kind: str, markers: tuple[str, ...],
                 data: bytes | io.BytesIO | None = None) -> None:
        """`data` is the plaintext zip when `path` is encrypted (it is never written out)."""
        self.kind = kind
        self.root = path
        self.custody = Custody()
        self.encrypted = data is not None  # info.json: the custody hash is the ciphertext's
        self._zone: str | bool | None = False  # False: not looked up yet
        self._last: tuple[str, bytes] | None = None
        if not path.exists():
            raise InputError(f"{path}: no such file or folder")
        if data is not None:
            self._record_container(path)  # the ciphertext, as stored
            memory = io.BytesIO(data) if isinstance(data, bytes) else data
            self.tree: _Tree = _ZipTree(_open_zip(memory, str(path)), "", markers)
        elif path.is_dir():
            self.tree = _FolderTree(acquisition_folder(path, markers))
        elif kind == "android-bugreport" and not zipfile.is_zipfile(path):
            self.tree = _FileTree(path)  # `adb bugreport > file.txt` before Android 7
        else:
            self._record_container(path)
            self.tree = _ZipTree(_open_zip(path, str(path)), "", markers)
        self._bugreport: _Tree | None = self.tree if kind == "android-bugreport" else None
        self._nested: IO[bytes] | None = None
        self._nested_opened = kind == "android-bugreport"
        self._nested_problem = ""

    @property
    def bugreport(self) -> _Tree | None:
        """The bugreport's tree: the acquisition itself, or androidqf's nested bugreport.zip,
        opened on first use (a worker that reads none of it never copies it)."""
        if not self._nested_opened:
            self._nested_opened = True
            member = self.tree.members.get(BUGREPORT_NESTED)
            if member is not None:
                self._bugreport = self._open_nested(member)
        return self._bugreport

    @property
    def nested_problem(self) -> str:
        """Why androidqf's bugreport.zip could not be opened ("" when it could, or is absent)."""
        _ = self.bugreport
        return self._nested_problem

    def _record_container(self, path: Path) -> None:
        """Hash the archive once per process tree: the scan's workers (forked after the
        parent opened it) and every later opening reuse the digest."""
        info = path.stat()
        key = (str(path.resolve()), info.st_size, info.st_mtime_ns)
        known = _CONTAINER_DIGESTS.get(key)
        if known is None:
            known = _CONTAINER_DIGESTS[key] = self.custody.record(path.name, path)
        else:
            self.custody.record_digest(path.name, str(path), known, info.st_size)

    # -- nested bugreport ---------------------------------------------------------------------

    def _open_nested(self, member: Member) -> _Tree | None:
        local = self.tree.local_path(member)
        try:
            if local is not None:
                archive = zipfile.ZipFile(local)
            else:
                # Of an encrypted acquisition nothing decrypted goes to disk: memory only.
                spool: IO[bytes] = io.BytesIO() if self.encrypted else (
                    tempfile.SpooledTemporaryFile(max_size=64 << 20))  # noqa: SIM115
                with self.tree.open(member) as handle:
                    shutil.copyfileobj(handle, spool, 1 << 20)
                spool.seek(0)
                self._nested = spool
                archive = zipfile.ZipFile(spool)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
            self._nested_problem = f"not a readable zip ({error}): the bugreport was not read"
            log.warning("%s: %s", BUGREPORT_NESTED, self._nested_problem)
            return None
        return _ZipTree(archive, f"{BUGREPORT_NESTED}/", ("main_entry.txt",))

    # -- the Source protocol ------------------------------------------------------------------

    @property
    def refused(self) -> list[str]:
        """Members refused as hostile, in every tree."""
        out = list(self.tree.refused)
        bugreport = self.bugreport
        if bugreport is not None and bugreport is not self.tree:
            out.extend(f"{BUGREPORT_NESTED}/{r}" for r in bugreport.refused)
        return out

    def find(self, location: Location) -> Iterator[EvidenceFile]:
        if isinstance(location, AndroidFile):
            tree = self.tree if not location.within else self.bugreport
            if tree is None:
                return
            for name, member in tree.members.items():
                if fnmatch.fnmatchcase(name, location.pattern):
                    yield self._evidence(tree, member)
        elif isinstance(location, Dumpstate):
            if self.kind != "android-bugreport" and "dumpsys.txt" in self.tree.members:
                yield self._evidence(self.tree, self.tree.members["dumpsys.txt"])
            bugreport = self.bugreport
            if bugreport is not None:
                main = dumpstate_member(bugreport)
                if main is not None:
                    yield self._evidence(bugreport, main)

    def missing_rows(self, location: Location) -> list[str]:
        return []

    def _evidence(self, tree: _Tree, member: Member) -> EvidenceFile:
        local = tree.local_path(member)
        address = tree.label + member.name
        prefixes = _BUGREPORT_PREFIXES if tree is self._bugreport else _ANDROIDQF_PREFIXES
        device = next((root + member.name[len(prefix):] for prefix, root in prefixes
                       if member.name.startswith(prefix)), "")
        path = local if local is not None else self.root / address
        return EvidenceFile(address=address, path=path, device_path=device,
                            relative_path=member.name, file_id=tree.label, size=member.size)

    def _locate(self, evidence: EvidenceFile) -> tuple[_Tree, Member]:
        tree = self.tree if evidence.file_id == self.tree.label else self.bugreport
        if tree is None or evidence.relative_path not in tree.members:
            raise FileNotFoundError(evidence.address)
        return tree, tree.members[evidence.relative_path]

    def member(self, evidence: EvidenceFile) -> Member:
        """What the tree knows of an evidence file (size, times)."""
        return self._locate(evidence)[1]

    def sibling(self, evidence: EvidenceFile, name: str) -> EvidenceFile | None:
        """Another file of the same tree, by its path from the root, if it exists."""
        tree, _member = self._locate(evidence)
        member = tree.members.get(name)
        return None if member is None else self._evidence(tree, member)

    @contextlib.contextmanager
    def stream(self, evidence: EvidenceFile) -> Iterator[IO[bytes]]:
        """The file as a stream (for hashing large members); not hashed into custody."""
        tree, member = self._locate(evidence)
        with _damage_as_oserror(evidence.address), tree.open(member) as handle:
            yield handle

    def sha256(self, evidence: EvidenceFile) -> str:
        """The streamed SHA-256 of the file's bytes, recorded into custody."""
        digest = hashlib.sha256()
        size = 0
        with self.stream(evidence) as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
        value = digest.hexdigest()
        self.custody.record_digest(evidence.address, str(evidence.path), value, size)
        return value

    def read_bytes(self, evidence: EvidenceFile) -> bytes:
        """The file's bytes; the last large file read is kept, as the dumpsys artifacts all
        read the same dumpstate one after the other."""
        if self._last is not None and self._last[0] == evidence.address:
            return self._last[1]
        tree, member = self._locate(evidence)
        if member.size > MAX_READ:
            raise RefusedMember(0, f"refused: {member.size} bytes is past the "
                                   f"{MAX_READ >> 20} MiB limit for one file")
        with _damage_as_oserror(evidence.address), tree.open(member) as handle:
            data = handle.read(MAX_READ + 1)
        if len(data) > MAX_READ:
            raise RefusedMember(0, "refused: the file inflates past the size limit")
        self.custody.record_digest(evidence.address, str(evidence.path),
                                   hashlib.sha256(data).hexdigest(), len(data))
        if len(data) >= _CACHE_FROM:
            self._last = (evidence.address, data)
        return data

    def open_sqlite(self, evidence: EvidenceFile) -> AbstractContextManager[OpenedDatabase]:
        return self._sqlite(evidence)

    @contextlib.contextmanager
    def _sqlite(self, evidence: EvidenceFile) -> Iterator[OpenedDatabase]:
        """A private copy (with its `-wal`/`-journal` beside it), removed when closed."""
        data = self.read_bytes(evidence)
        with tempfile.TemporaryDirectory(prefix="perito-db-") as tmp:
            copy = Path(tmp) / "evidence.db"
            copy.write_bytes(data)
            sidecars: dict[str, Path] = {}
            for suffix in ("-wal", "-journal", "-shm"):
                sidecar = self.sibling(evidence, evidence.relative_path + suffix)
                if sidecar is not None:
                    sidecars[suffix] = Path(tmp) / f"evidence.db{suffix}"
                    sidecars[suffix].write_bytes(self.read_bytes(sidecar))
            with open_sqlite(copy, sidecars) as opened:
                yield opened

    def timezone(self) -> str | None:
        """The device's IANA timezone (`persist.sys.timezone`), when the acquisition has it."""
        if self._zone is False:
            self._zone = None
            for evidence in [*self.find(AndroidFile("getprop.txt")), *self.find(Dumpstate())]:
                with contextlib.suppress(OSError):
                    zone = property_value(self.read_bytes(evidence), "persist.sys.timezone")
                    if zone:
                        self._zone = zone
                        break
        return self._zone if isinstance(self._zone, str) else None

    def close(self) -> None:
        self._last = None
        self.tree.close()
        if self._bugreport is not None and self._bugreport is not self.tree:
            self._bugreport.close()
        if self._nested is not None:
            self._nested.close()

    def __enter__(self) -> AndroidTree:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def dumpstate_member(tree: _Tree) -> Member | None:
    """The main dumpstate text: `main_entry.txt`, else the known file-name fallbacks."""
    members = tree.members
    entry = members.get("main_entry.txt")
    if entry is not None and entry.size < 4096:
        with tree.open(entry) as handle:
            name = handle.read(4096).decode("utf-8", "replace").strip()
        if name in members:
            return members[name]
        log.warning("main_entry.txt names %r, which is not in the bugreport", name)
    top = [m for n, m in members.items() if "/" not in n]
    for pattern in ("bugreport-*.txt", "dumpState_*.log", "dumpsys.txt"):
        found = [m for m in top if fnmatch.fnmatchcase(m.name, pattern)]
        if found:
            return max(found, key=lambda m: m.size)
    nested = [m for n, m in members.items() if n.endswith("/dumpsys.txt")]
    if nested:
        return min(nested, key=lambda m: m.name)
    if isinstance(tree, _FileTree):
        with tree.open(top[0]) as handle:
            head = handle.read(4096)
        if b"== dumpstate:" in head or b"DUMP OF SERVICE" in head:
            return top[0]
    return None
