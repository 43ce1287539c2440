"""Read-only trees of files: a folder, a tar (any compression tarfile reads) or a zip.

An archive is read in place, in one streamed pass, and never extracted wholesale: every member
is listed (path, kind, size, mtime, mode) and only the members an artifact may read (the
`wanted` predicate, built from the artifacts' `FsGlob` locations) are copied, size-bounded,
into a private temporary folder (mode 0700) that `close()` removes, also on Ctrl-C. A folder
is walked without following symbolic links and its files are read where they are.

Hostile members are refused one by one with a warning, and the scan goes on: absolute names,
`..` components, NUL bytes, devices and FIFOs, members larger than `Limits.member_bytes`, zip
members that expand beyond their declared size. Symbolic and hard links are listed (kind
`symlink`, with their target as stored) but never followed or copied, so nothing is read from
outside the acquisition and nothing is written outside the private folder. The archive itself
is hashed during the pass into the custody record; copied members and folder files are hashed
when an artifact reads them.

`TreeSource` is the `Source` over a tree. It knows nothing about iOS beyond the `platform`
string and the device-path prefix it is given, so an Android folder or zip acquisition can use
it as it is: `perito.sources.ios_fs` and `perito.sources.sysdiagnose` are thin wrappers.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import errno
import hashlib
import io
import logging
import os
import re
import shutil
import stat
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from perito.errors import InputError
from perito.sources.evidence import Custody, EvidenceFile
from perito.sources.locations import FsGlob, Location, TreeListing, TreeRoot
from perito.sources.sqlite import OpenedDatabase, open_sqlite

log = logging.getLogger(__name__)

FILE, DIRECTORY, SYMLINK = "file", "dir", "symlink"
_SIDECARS = ("-wal", "-journal", "-shm")
NO_CONTENT = "a device, FIFO or socket, not a file"
APPLE_DOUBLE = "._"
_SHOWN_WARNINGS = 25
_LISTING_WEIGHT = 2048  # hostile members named one by one; the rest are counted


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on what a tree may cost. Members beyond them are refused with a warning."""

    member_bytes: int = 4 << 30  # the largest member copied out of an archive
    total_bytes: int = 64 << 30  # all copied members together
    read_bytes: int = 512 << 20  # the largest file read into memory (plists, logs)
    entries: int = 20_000_000  # members listed
    # A compressed tar is streamed: to reach a member, every byte before it is decompressed.
    # Members declaring more bytes than `expansion` times the archive's size (and more than
    # `expansion_floor`) would take unbounded time (a decompression bomb): the pass stops.
    expansion: int = 200
    expansion_floor: int = 1 << 30


@dataclass(frozen=True, slots=True)
class TreeEntry:
    """One member: `path` is relative and `/`-separated; `target` is a link's, as stored."""

    path: str
    kind: str
    size: int
    mtime: float | None
    mode: int
    target: str = ""

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


# -- globs ----------------------------------------------------------------------------------

def _segment(pattern: str) -> str:
    out = []
    for char in pattern:
        out.append("[^/]*" if char == "*" else "[^/]" if char == "?" else re.escape(char))
    return "".join(out)


def glob_regex(pattern: str, *, any_top: bool = False) -> re.Pattern[str]:
    """A case-sensitive regex for a relative glob: `*` and `?` stay inside one path segment,
    a `**` segment spans any number of them. `any_top` also accepts one leading folder."""
    parts = [p for p in pattern.strip("/").split("/") if p]
    text = ""
    for position, part in enumerate(parts):
        last = position == len(parts) - 1
        if part == "**":
            text += "(?:[^/]+/)*" if not last else ".*"
        else:
            text += _segment(part) + ("" if last else "/")
    prefix = "(?:[^/]+/)?" if any_top else ""
    return re.compile(prefix + text + r"\Z", re.DOTALL)


def wanted_by(patterns: Iterable[str]) -> Callable[[str], bool]:
    """A predicate over member paths: matches any pattern (under at most one top folder), or
    is a `-wal`/`-journal`/`-shm` beside such a file."""
    regexes = [glob_regex(p, any_top=True) for p in sorted(set(patterns))]
    combined = re.compile("|".join(f"(?:{r.pattern})" for r in regexes) or r"(?!)", re.DOTALL)

    def wanted(path: str) -> bool:
        if combined.match(path):
            return True
        for suffix in _SIDECARS:
            if path.endswith(suffix) and combined.match(path[: -len(suffix)]):
                return True
        return False

    return wanted


# -- member names ---------------------------------------------------------------------------

_DRIVE = re.compile(r"[A-Za-z]:")


def clean_name(raw: str) -> str | None:
    """The member's relative path, or None when the name is hostile (absolute, `..`, NUL)."""
    if "\x00" in raw or raw.startswith(("/", "\\")) or _DRIVE.match(raw):
        return None
    parts = [p for p in raw.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        return None
    return "/".join(parts)


# -- the tree -------------------------------------------------------------------------------

@dataclass
class Tree:
    """The listing of an acquisition and where the bytes of its readable files are."""

    path: Path
    form: str  # "folder", "tar" or "zip"
    entries: list[TreeEntry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    archive_sha256: str = ""
    archive_size: int = 0
    staging: Path | None = None
    _local: dict[str, Path] = field(default_factory=dict)  # path → copied member
    _index: dict[str, int] = field(default_factory=dict)
    _by_name: dict[str, list[int]] = field(default_factory=dict)
    harmless: set[str] = field(default_factory=set)  # warnings about members with no content
    _refused: dict[str, int] = field(default_factory=dict)
    _names_sorted: list[str] | None = None
    _globbed: dict[str, list[TreeEntry]] = field(default_factory=dict)
    _copies: int = 0  # copies made (duplicate members each get their own)

    def add(self, entry: TreeEntry) -> None:
        position = len(self.entries)
        self.entries.append(entry)
        self._index[entry.path] = position  # a later duplicate wins, as tar does
        self._by_name.setdefault(entry.name, []).append(position)

    def refuse(self, name: str, reason: str) -> None:
        """Warn about one hostile member; past a few, count them by reason."""
        count = self._refused.get(reason, 0) + 1
        self._refused[reason] = count
        if count <= _SHOWN_WARNINGS:
            shown = name.replace("\x00", "\\0")[:200]
            self._warn(f"member {shown!r} refused: {reason}", reason)
            log.warning("%s: member %r refused: %s", self.path.name, shown, reason)

    def _warn(self, message: str, reason: str) -> None:
        self.warnings.append(message)
        if reason == NO_CONTENT:  # devices and FIFOs of a dumped /dev hold no evidence
            self.harmless.add(message)

    def finish(self) -> None:
        for reason, count in sorted(self._refused.items()):
            if count > _SHOWN_WARNINGS:
                self._warn(f"{count - _SHOWN_WARNINGS} more members refused: {reason}", reason)
        links = sum(1 for e in self.entries if e.kind == SYMLINK)
        if links:
            self._warn(f"{links} symbolic or hard links listed, never followed", NO_CONTENT)

    def entry(self, path: str) -> TreeEntry | None:
        position = self._index.get(path)
        return None if position is None else self.entries[position]

    def local(self, entry: TreeEntry) -> Path | None:
        """Where the entry's bytes are on this machine (None: not copied out of the archive)."""
        if entry.kind != FILE:
            return None
        if self.form == "folder":
            return self.path.joinpath(*entry.path.split("/"))
        return self._local.get(entry.path)

    def glob(self, pattern: str) -> list[TreeEntry]:
        """Regular files matching the glob, sorted by path (remembered: the listing is final)."""
        known = self._globbed.get(pattern)
        if known is None:
            known = self._globbed[pattern] = self._glob(pattern)
        return known

    def _glob(self, pattern: str) -> list[TreeEntry]:
        regex = glob_regex(pattern)
        last = pattern.rstrip("/").rsplit("/", 1)[-1]
        if any(c in last for c in "*?"):
            name_regex = re.compile(_segment(last) + r"\Z", re.DOTALL)
            # AppleDouble companions (`._name`, macOS metadata added when an archive is
            # re-made on a Mac) are not the file itself.
            names = [n for n in self._by_name if name_regex.match(n)
                     and (not n.startswith(APPLE_DOUBLE) or last.startswith(APPLE_DOUBLE))]
        else:
            names = [last] if last in self._by_name else []
        found = {self.entries[i].path: self.entries[i] for name in names
                 for i in self._by_name[name]}
        return [e for p, e in sorted(found.items())
                if e.kind == FILE and regex.match(p) and self._index.get(p) is not None
                and self.entries[self._index[p]] is e]

    def has_name_prefix(self, prefix: str) -> str | None:
        """A file or folder name that starts with `prefix` (O(log n)), or None."""
        if self._names_sorted is None:
            self._names_sorted = sorted(self._by_name)
        names = self._names_sorted
        position = bisect.bisect_left(names, prefix)
        if position < len(names) and names[position].startswith(prefix):
            return names[position]
        return None

    def has_name(self, name: str) -> bool:
        return name in self._by_name

    def close(self) -> None:
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            self.staging = None


class _HashingReader(io.RawIOBase):
    """A file object that hashes every byte read through it (the archive's custody hash)."""

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle
        self.digest = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer)
        data = self._handle.read(len(view))
        count = len(data)
        view[:count] = data
        self.digest.update(data)
        self.size += count
        return count

    def drain(self) -> None:
        while self.read(1 << 20):
            pass


def open_tree(path: Path, wanted: Callable[[str], bool], limits: Limits | None = None) -> Tree:
    """List a folder, tar or zip and copy out the wanted members of an archive."""
    limits = limits or Limits()
    if path.is_dir():
        tree = Tree(path=path, form="folder")
        _walk_folder(tree, limits)
        tree.finish()
        return tree
    if not path.is_file():
        raise InputError(f"{path}: not found (give a folder, a tar or a zip archive)")
    form = "zip" if zipfile.is_zipfile(path) else "tar"
    tree = Tree(path=path, form=form,
                staging=Path(tempfile.mkdtemp(prefix="perito-tree-")))  # mode 0700
    try:
        with contextlib.suppress(_Full):
            if form == "zip":
                _read_zip(tree, wanted, limits)
            else:
                _read_tar(tree, wanted, limits)
    except BaseException:
        tree.close()
        raise
    tree.finish()
    return tree


def _walk_folder(tree: Tree, limits: Limits) -> None:
    stack = [""]
    while stack:
        relative = stack.pop()
        folder = tree.path.joinpath(*relative.split("/")) if relative else tree.path
        try:
            with os.scandir(folder) as listing:
                children = sorted(listing, key=lambda e: e.name)
        except OSError as error:
            tree.warnings.append(f"{relative or '.'}: cannot list the folder "
                                 f"({error.strerror or type(error).__name__})")
            continue
        subfolders = []
        for child in children:
            name = f"{relative}/{child.name}" if relative else child.name
            try:
                info = child.stat(follow_symlinks=False)
            except OSError:
                tree.refuse(name, "cannot be examined")
                continue
            if len(tree.entries) >= limits.entries:
                tree.refuse(name, "too many entries")
                return
            mode = info.st_mode
            if stat.S_ISLNK(mode):
                with contextlib.suppress(OSError):
                    target = str(Path(child.path).readlink())
                    tree.add(TreeEntry(name, SYMLINK, 0, info.st_mtime, mode, target))
            elif stat.S_ISDIR(mode):
                tree.add(TreeEntry(name, DIRECTORY, 0, info.st_mtime, mode))
                subfolders.append(name)
            elif stat.S_ISREG(mode):
                tree.add(TreeEntry(name, FILE, info.st_size, info.st_mtime, mode))
            else:
                tree.refuse(name, NO_CONTENT)
        stack.extend(reversed(subfolders))


def _copy_bounded(source: IO[bytes], target: Path, limit: int) -> int | None:
    """Copy at most `limit` bytes; None (and nothing kept) when the source has more."""
    written = 0
    with target.open("xb") as out:
        while True:
            chunk = source.read(min(1 << 20, limit + 1 - written))
            if not chunk:
                return written
            written += len(chunk)
            if written > limit:
                break
            out.write(chunk)
    target.unlink()
    return None


def _stage(tree: Tree, name: str, size: int, opener: Callable[[], IO[bytes] | None],
           limits: Limits, budget: list[int]) -> None:
    """Copy one wanted member into the private folder, within the limits."""
    if size > limits.member_bytes:
        tree.refuse(name, f"larger than the limit of {limits.member_bytes} bytes")
        return
    if size > budget[0]:
        tree.refuse(name, "the total size of copied members is exhausted")
        return
    assert tree.staging is not None
    handle = opener()
    if handle is None:
        tree.refuse(name, "cannot be read from the archive")
        return
    tree._copies += 1
    target = tree.staging / f"{tree._copies:07d}"
    try:
        with handle:
            copied = _copy_bounded(handle, target, size)
    except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError, zlib.error) as error:
        target.unlink(missing_ok=True)
        tree.refuse(name, f"damaged in the archive ({type(error).__name__})")
        return
    if copied is None:
        tree.refuse(name, "expands beyond its declared size")
        return
    budget[0] -= copied
    tree._local[name] = target


class _Full(Exception):
    """The listing reached `Limits.entries`."""


def _admit(tree: Tree, raw: str, limits: Limits) -> str | None:
    """The member's clean name, or None (refused or the root itself); _Full past the limit."""
    name = clean_name(raw)
    if name is None:
        tree.refuse(raw, "absolute path or '..' in the name")
        return None
    if len(tree.entries) >= limits.entries:
        tree.refuse(name, "too many entries")
        raise _Full
    return name


def _read_tar(tree: Tree, wanted: Callable[[str], bool], limits: Limits) -> None:
    budget = [limits.total_bytes]
    with tree.path.open("rb") as raw:
        reader = _HashingReader(raw)
        buffered = io.BufferedReader(reader, buffer_size=1 << 20)
        try:
            archive = tarfile.open(fileobj=buffered, mode="r|*")  # noqa: SIM115
        except (tarfile.TarError, OSError, EOFError) as error:
            raise InputError(f"{tree.path}: not a folder, a tar or a zip archive "
                             f"({type(error).__name__})") from None
        bound = max(limits.expansion * tree.path.stat().st_size, limits.expansion_floor)
        declared = 0
        try:
            for member in _members(tree, archive):
                declared += member.size
                if declared > bound:
                    tree.refuse(member.name, f"the archive would expand beyond {bound} bytes "
                                "(a decompression bomb?); the rest was not read")
                    break
                name = _admit(tree, member.name, limits)
                if not name:
                    continue
                mtime = float(member.mtime) if member.mtime else None
                if member.isreg():
                    tree.add(TreeEntry(name, FILE, member.size, mtime, member.mode))
                    if wanted(name):
                        _stage(tree, name, member.size,
                               lambda m=member: archive.extractfile(m),  # type: ignore[misc]
                               limits, budget)
                elif member.isdir():
                    tree.add(TreeEntry(name, DIRECTORY, 0, mtime, member.mode))
                elif member.islnk() and _hard_link(tree, name, member, mtime):
                    pass
                elif member.issym() or member.islnk():
                    tree.add(TreeEntry(name, SYMLINK, 0, mtime, member.mode,
                                       member.linkname))
                else:
                    tree.refuse(name, NO_CONTENT)
        finally:
            archive.close()
        buffered.detach()
        reader.drain()
    tree.archive_sha256 = reader.digest.hexdigest()
    tree.archive_size = reader.size


def _hard_link(tree: Tree, name: str, member: tarfile.TarInfo, mtime: float | None) -> bool:
    """A hard link to an earlier file of the archive is that file under a second name (tar
    stores the bytes once); its copy, when there is one, is shared. Other links are links."""
    target_name = clean_name(member.linkname)
    target = tree.entry(target_name) if target_name else None
    if target is None or target.kind != FILE:
        return False
    tree.add(TreeEntry(name, FILE, target.size, mtime, member.mode))
    local = tree._local.get(target.path)
    if local is not None:
        tree._local[name] = local
    return True


def _members(tree: Tree, archive: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    """The archive's members; a damaged or truncated archive ends the listing with a warning."""
    while True:
        try:
            member = archive.next()
        except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
            tree.warnings.append(f"the archive is damaged or truncated after "
                                 f"{len(tree.entries)} members ({type(error).__name__}); "
                                 "the rest could not be read")
            return
        if member is None:
            return
        yield member
        archive.members = []  # type: ignore[attr-defined]  # streamed: keep no list


def _read_zip(tree: Tree, wanted: Callable[[str], bool], limits: Limits) -> None:
    budget = [limits.total_bytes]
    digest = hashlib.sha256()
    with tree.path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            tree.archive_size += len(chunk)
    tree.archive_sha256 = digest.hexdigest()
    try:
        archive = zipfile.ZipFile(tree.path)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise InputError(f"{tree.path}: damaged zip archive ({type(error).__name__})") from None
    with archive:
        for info in archive.infolist():
            # The zip format uses "/", but some Windows tools write "\\": read both.
            name = _admit(tree, info.filename.replace("\\", "/"), limits)
            if not name:
                continue
            mode = info.external_attr >> 16
            try:
                mtime: float | None = float(_zip_time(info))
            except (ValueError, OverflowError):
                mtime = None
            if stat.S_ISLNK(mode):
                tree.add(TreeEntry(name, SYMLINK, 0, mtime, mode, _zip_link(archive, info)))
            elif info.is_dir():
                tree.add(TreeEntry(name, DIRECTORY, 0, mtime, mode))
            elif stat.S_IFMT(mode) not in (0, stat.S_IFREG):
                tree.refuse(name, NO_CONTENT)
            else:
                tree.add(TreeEntry(name, FILE, info.file_size, mtime, mode))
                if wanted(name):
                    _stage(tree, name, info.file_size, _zip_opener(archive, info), limits,
                           budget)


def _zip_link(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    """A zipped link's target (its content), as stored; never followed."""
    if info.file_size > 4096:
        return ""
    try:
        with archive.open(info) as handle:
            return handle.read(4097)[:4096].decode("utf-8", errors="replace")
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, ValueError):
        return ""


def _zip_opener(archive: zipfile.ZipFile, info: zipfile.ZipInfo
                ) -> Callable[[], IO[bytes] | None]:
    def opener() -> IO[bytes] | None:
        try:
            return archive.open(info)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, ValueError):
            return None
    return opener


def _zip_time(info: zipfile.ZipInfo) -> float:
    return dt.datetime(*info.date_time, tzinfo=dt.UTC).timestamp()


# -- the Source -----------------------------------------------------------------------------

class TreeSource:
    """`Source` over a `Tree`: FsGlob locations are globs relative to `base`."""

    def __init__(self, tree: Tree, *, kind: str, platform: str, base: str = "",
                 device_prefix: str | None = "/", limits: Limits | None = None,
                 custody: Custody | None = None, owner: bool = True) -> None:
        self.tree = tree
        self.kind = kind
        self.platform = platform
        self.root = tree.path
        self.base = base
        self.device_prefix = device_prefix
        self.limits = limits or Limits()
        self.custody = custody or Custody()
        self._owner = owner
        if owner and tree.form != "folder":
            self.custody.hashes[str(tree.path)] = (tree.path.name, tree.archive_sha256,
                                                   tree.archive_size)

    def view(self) -> TreeSource:
        """Another source over the same tree (for a scan worker); its close() keeps the tree."""
        return TreeSource(self.tree, kind=self.kind, platform=self.platform, base=self.base,
                          device_prefix=self.device_prefix, limits=self.limits, owner=False)

    def relative(self, entry: TreeEntry) -> str:
        base = self.base + "/" if self.base else ""
        return entry.path[len(base):] if base and entry.path.startswith(base) else entry.path

    def entries(self) -> Iterator[TreeEntry]:
        """Every listed entry under the base, in listing order."""
        base = self.base + "/" if self.base else ""
        for entry in self.tree.entries:
            if not base or entry.path.startswith(base):
                yield entry

    def device_path(self, relative: str) -> str:
        return "" if self.device_prefix is None else self.device_prefix + relative

    def evidence(self, entry: TreeEntry) -> EvidenceFile | None:
        local = self.tree.local(entry)
        if local is None:
            return None
        relative = self.relative(entry)
        return EvidenceFile(address=relative, path=local, device_path=self.device_path(relative),
                            relative_path=relative, size=entry.size)

    def find(self, location: Location) -> Iterator[EvidenceFile]:
        if isinstance(location, TreeListing):
            # `size` weighs the work when scan workers share artifacts out: reading the
            # listing costs about what reading 2 KB of a database does, per entry.
            yield EvidenceFile(address="(file listing)", path=self.root,
                               size=_LISTING_WEIGHT * len(self.tree.entries))
            return
        if isinstance(location, TreeRoot):
            yield EvidenceFile(address=self.root.name, path=self.root, size=1)
            return
        if not isinstance(location, FsGlob):
            return
        pattern = f"{self.base}/{location.pattern}" if self.base else location.pattern
        for entry in self.tree.glob(pattern):
            found = self.evidence(entry)
            if found is not None:
                yield found

    def missing_rows(self, location: Location) -> list[str]:
        """Files listed in the archive that could not be copied out (refused or too large)."""
        if not isinstance(location, FsGlob) or self.tree.form == "folder":
            return []
        pattern = f"{self.base}/{location.pattern}" if self.base else location.pattern
        return [self.relative(e) for e in self.tree.glob(pattern) if self.tree.local(e) is None]

    def read_bytes(self, evidence: EvidenceFile) -> bytes:
        size = evidence.path.stat().st_size
        if size > self.limits.read_bytes:
            raise OSError(errno.EFBIG, f"file too large to read ({size} bytes)")
        self.custody.record(self._custody_address(evidence), evidence.path)
        return evidence.path.read_bytes()

    def _custody_address(self, evidence: EvidenceFile) -> str:
        if self.tree.form == "folder":
            return evidence.address
        return f"{self.root.name}!{evidence.address}"

    def sidecars(self, evidence: EvidenceFile) -> dict[str, Path]:
        base = self.base + "/" if self.base else ""
        found: dict[str, Path] = {}
        for suffix in _SIDECARS:
            entry = self.tree.entry(base + evidence.relative_path + suffix)
            local = self.tree.local(entry) if entry is not None else None
            if local is not None:
                found[suffix] = local
        return found

    def open_sqlite(self, evidence: EvidenceFile) -> AbstractContextManager[OpenedDatabase]:
        sidecars = self.sidecars(evidence)
        self.custody.record(self._custody_address(evidence), evidence.path)
        for suffix, path in sidecars.items():
            self.custody.record(self._custody_address(evidence) + suffix, path)
        return open_sqlite(evidence.path, sidecars)

    def close(self) -> None:
        if self._owner:
            self.tree.close()


def listing(source: object) -> Iterator[tuple[str, TreeEntry]]:
    """(path from the root, entry) for every entry when `source` is a tree, else nothing."""
    if isinstance(source, TreeSource):
        for entry in source.entries():
            yield source.relative(entry), entry


def find_base(tree: Tree, markers: Sequence[str]) -> str | None:
    """Where the acquisition starts: "" when a marker (a file or folder path) is at the root,
    else the one top folder that holds a marker; None when no marker is anywhere."""
    prefixes: set[str] = set()
    depth = max((m.count("/") + 1 for m in markers), default=1) + 1
    for entry in tree.entries:
        parts = entry.path.split("/", depth)[:depth]
        prefixes.update("/".join(parts[:n]) for n in range(1, len(parts) + 1))
    if any(marker in prefixes for marker in markers):
        return ""
    tops = sorted({p for p in prefixes if "/" not in p})
    holding = [top for top in tops if any(f"{top}/{m}" in prefixes for m in markers)]
    return holding[0] if len(holding) == 1 else None


def glob_patterns(locations: Iterable[Location]) -> list[str]:
    """The FsGlob patterns among locations: what an archive's pass copies out."""
    return [location.pattern for location in locations if isinstance(location, FsGlob)]


def open_source(path: Path, locations: Iterable[Location], markers: Sequence[str], *,
                kind: str, platform: str, what: str, device_prefix: str | None,
                limits: Limits | None = None) -> TreeSource:
    """List the acquisition, find where it starts (by its markers) and wrap it as a Source."""
    tree = open_tree(path, wanted_by(glob_patterns(locations)), limits)
    base = find_base(tree, markers)
    if base is None:
        tree.close()
        refused = sum(tree._refused.values())
        hint = (f"; {refused} members were refused, e.g. {tree.warnings[0]}"
                if refused and tree.warnings else "")
        raise InputError(f"{path}: not {what} (none of {', '.join(markers)} inside{hint})")
    return TreeSource(tree, kind=kind, platform=platform, base=base,
                      device_prefix=device_prefix, limits=limits)


def source_factory(open_source: Callable[[], TreeSource]) -> Callable[[], TreeSource]:
    """The first call opens the tree; later calls (scan workers) get views of it."""
    opened: list[TreeSource] = []

    def factory() -> TreeSource:
        if not opened:
            opened.append(open_source())
            return opened[0]
        return opened[0].view()

    return factory
