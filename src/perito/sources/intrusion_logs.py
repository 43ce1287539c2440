"""Read-only access to Android 16 intrusion-log exports: a folder, a zip, zips inside zips.

Advanced Protection's "Intrusion Logging" exports `<Device>_<YYYYMMDD>.zip` files into
`Download/Intrusion Logging/`, and androidqf copies them into `intrusion_logs/`; each zip holds
NDJSON `.txt` files (android.md §5). perito accepts a folder (searched recursively), one zip,
or one log file, and opens zips found inside zips (up to `MAX_DEPTH` levels). Only `.txt`
members are log files, unless the input is a single file; in a folder, only those that look
like JSON; in a zip holding an `intrusion_logs/` folder (a whole androidqf acquisition), only
those below it.

A nested zip is copied into a private temporary folder (mode 0700, removed at `close()`) to
be opened; nothing else is written. Zip members with absolute or `..` names, encrypted members
and members larger than `MAX_MEMBER` are refused one by one (`refused`). The custody record
holds the SHA-256 of every file read as stored (the zips themselves, or the log files of a
folder). `EvidenceFile.path` of a zip member is a virtual path (`<zip>/<member>`) that names
it uniquely; its lines are read through `open_binary`.
"""

from __future__ import annotations

import contextlib
import fnmatch
import logging
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from perito.errors import DamagedFile, InputError
from perito.sources.evidence import Custody, EvidenceFile
from perito.sources.locations import Location, LogFile
from perito.sources.sqlite import OpenedDatabase

log = logging.getLogger(__name__)

MAX_DEPTH = 4
MAX_MEMBER = 4 << 30  # 4 GiB of text in one log file is not an export
LOG_SUFFIXES = (".txt",)
ACQUISITION_FOLDER = "intrusion_logs"  # where androidqf puts the exports


@dataclass(frozen=True, slots=True)
class _Entry:
    address: str
    path: Path  # a real file, or the zip holding the member
    member: str = ""  # the member's name in the zip at `path`
    size: int = 0
    refused: str = ""  # why it is not read (shown as a problem of every log artifact)


@dataclass
class IntrusionLogs:
    """Every intrusion-log file of a folder, zip or file, listed once at opening."""

    root: Path
    custody: Custody = field(default_factory=Custody)
    kind: str = "android-intrusion-logs"
    platform: str = "android"
    entries: list[_Entry] = field(default_factory=list)
    _private: Path | None = None
    _seen: dict[str, set[bytes]] = field(default_factory=dict)
    _nested: int = 0
    _memory: BinaryIO | None = None  # the zip at `root` when only its plaintext can be read

    @classmethod
    def open(cls, path: Path, *, custody: Custody | None = None) -> IntrusionLogs:
        if not path.exists():
            raise InputError(f"{path}: no such file or folder")
        logs = cls(path, custody or Custody())
        try:
            if path.is_dir():
                for item in _files_below(path):
                    logs._add_file(item, item.relative_to(path).as_posix(), single=False)
            else:
                logs._add_file(path, path.name, single=True)
        except BaseException:
            logs.close()
            raise
        return logs

    @classmethod
    def from_zip(cls, handle: BinaryIO, *, name: str, root: Path, under: str = "",
                 custody: Custody | None = None, in_memory: bool = False) -> IntrusionLogs:
        """The logs of a zip given as a seekable file object: an exported
        `<Device>_<date>.zip`, or an androidqf zip with `under="intrusion_logs/"` (only the
        members below that folder; a top folder before it is allowed). `name` prefixes the
        addresses; the caller records the zip itself in the custody record. `in_memory`: the
        file at `root` is encrypted and `handle` (kept, not closed) is its plaintext, from
        which the logs are then read."""
        logs = cls(root, custody or Custody(), _memory=handle if in_memory else None)
        try:
            logs._add_zip(handle, root, name, depth=0, under=under)
        except BaseException:
            logs.close()
            raise
        return logs

    # -- listing --------------------------------------------------------------------------

    def _add_file(self, path: Path, address: str, *, single: bool) -> None:
        try:
            if zipfile.is_zipfile(path):
                self.custody.record(address, path)
                with path.open("rb") as handle:
                    self._add_zip(handle, path, address, depth=0)
                return
            if single or (path.name.lower().endswith(LOG_SUFFIXES) and _looks_like_json(path)):
                self.entries.append(_Entry(address, path, size=path.stat().st_size))
        except (zipfile.BadZipFile, OSError) as error:
            reason = error.strerror if isinstance(error, OSError) and error.strerror else error
            self._refuse(address, path, f"unreadable ({reason})")

    def _add_zip(self, handle: BinaryIO, path: Path, address: str, depth: int,
                 under: str = "") -> None:
        try:
            archive = zipfile.ZipFile(handle)
        except zipfile.BadZipFile as error:
            self._refuse(address, path, f"unreadable zip ({error})")
            return
        with archive:
            if depth == 0 and not under and any(_below(n, ACQUISITION_FOLDER)
                                                for n in archive.namelist()):
                under = ACQUISITION_FOLDER  # an androidqf zip: its other .txt are not logs
            for info in archive.infolist():
                if info.is_dir():
                    continue
                name = info.filename
                if under and not _below(name, under):
                    continue
                where = f"{address}/{name}"
                reason = _refusal(info)
                if reason:
                    self._refuse(where, path, reason)
                    continue
                lower = name.lower()
                if lower.endswith(".zip"):
                    self._add_nested(archive, info, where, depth + 1)
                elif lower.endswith(LOG_SUFFIXES):
                    self.entries.append(_Entry(where, path, name, info.file_size))

    def _add_nested(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str,
                    depth: int) -> None:
        if depth > MAX_DEPTH:
            self._refuse(where, Path(where), f"zips nested deeper than {MAX_DEPTH}")
            return
        if self._private is None:
            self._private = Path(tempfile.mkdtemp(prefix="perito-logs-"))  # mode 0700
        self._nested += 1
        copy = self._private / f"nested-{self._nested}.zip"
        try:
            with archive.open(info) as source, copy.open("wb") as target:
                shutil.copyfileobj(source, target, 1 << 20)
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            self._refuse(where, Path(where), f"unreadable ({error})")
            return
        with copy.open("rb") as handle:
            self._add_zip(handle, copy, where, depth)

    def _refuse(self, address: str, path: Path, reason: str) -> None:
        log.warning("intrusion logs: refused %r: %s", address, reason)
        self.entries.append(_Entry(address, path, address, refused=reason))

    @property
    def refused(self) -> list[str]:
        return [f"{e.address}: {e.refused}" for e in self.entries if e.refused]

    # -- the Source protocol --------------------------------------------------------------

    def find(self, location: Location) -> Iterator[EvidenceFile]:
        if not isinstance(location, LogFile):
            return
        for entry in self.entries:
            if fnmatch.fnmatch(entry.address.rsplit("/", 1)[-1].lower(), location.pattern):
                path = entry.path / entry.member if entry.member else entry.path
                if entry.refused:
                    path = self.root / "refused" / entry.address
                yield EvidenceFile(address=entry.address, path=path, size=entry.size,
                                   relative_path=entry.address)

    def missing_rows(self, location: Location) -> list[str]:
        return []

    def _entry(self, evidence: EvidenceFile) -> _Entry:
        for entry in self.entries:
            if entry.address == evidence.address:
                return entry
        raise FileNotFoundError(evidence.address)

    @contextlib.contextmanager
    def open_binary(self, evidence: EvidenceFile) -> Iterator[BinaryIO]:
        """The log file's bytes as a stream (zip members are inflated on the fly)."""
        entry = self._entry(evidence)
        if entry.refused:
            raise DamagedFile(f"refused: {entry.refused}")
        if not entry.member:
            self.custody.record(entry.address, entry.path)
            with entry.path.open("rb") as handle:
                yield handle
            return
        holder: Path | BinaryIO = entry.path
        if self._memory is not None and entry.path == self.root:
            holder = self._memory
        try:
            with zipfile.ZipFile(holder) as archive, archive.open(entry.member) as member:
                yield member  # type: ignore[misc]
        except zipfile.BadZipFile as error:
            raise DamagedFile(f"damaged zip member ({error})") from None

    def read_bytes(self, evidence: EvidenceFile) -> bytes:
        with self.open_binary(evidence) as handle:
            return handle.read()

    def open_sqlite(self, evidence: EvidenceFile) -> contextlib.AbstractContextManager[
            OpenedDatabase]:
        raise DamagedFile("intrusion logs hold no databases")

    def seen(self, kind: str) -> set[bytes]:
        """Digests of the events of `kind` already read: daily exports overlap."""
        return self._seen.setdefault(kind, set())

    def close(self) -> None:
        if self._private is not None:
            shutil.rmtree(self._private, ignore_errors=True)
            self._private = None

    def __enter__(self) -> IntrusionLogs:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _files_below(folder: Path) -> list[Path]:
    """Regular files under `folder`, sorted; links are not followed, unreadable folders are
    passed over (logged)."""
    found: list[Path] = []
    for directory, subdirs, files in os.walk(folder, onerror=lambda error: log.warning(
            "intrusion logs: cannot list %s (%s)", error.filename, error.strerror)):
        subdirs.sort()
        for name in files:
            path = Path(directory) / name
            if path.is_file() and not path.is_symlink():
                found.append(path)
    return sorted(found)


def _below(name: str, folder: str) -> bool:
    """`name` is inside `folder` at the zip root or under one top-level folder."""
    parts = name.replace("\\", "/").split("/")
    want = folder.strip("/")
    return (len(parts) > 1 and parts[0] == want) or (len(parts) > 2 and parts[1] == want)


def _looks_like_json(path: Path) -> bool:
    """A text file of a folder is a log if it starts like JSON or names an event type early
    (androidqf folders hold getprop.txt, logcat.txt… beside intrusion_logs/)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(64 * 1024).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError:
        return True  # unreadable: let the artifacts report it
    if not head or any(kind in head for kind in _EVENT_NAMES):
        return True
    after = head[1:].lstrip(b" \t\r\n")[:1]
    return (head[:1] == b"{" and after in (b'"', b"}", b"")) or (
        head[:1] == b"[" and after in (b"{", b"]", b""))


_EVENT_NAMES = (b'"dns_event"', b'"connect_event"', b'"security_event"')


def _refusal(info: zipfile.ZipInfo) -> str:
    name = info.filename.replace("\\", "/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "absolute path"
    if ".." in name.split("/"):
        return "path with '..'"
    if info.flag_bits & 0x1:
        return "encrypted member"
    if info.file_size > MAX_MEMBER:
        return f"too large ({info.file_size} bytes)"
    return ""


MAX_LINE = 16 << 20  # one event is a few hundred bytes; a longer line is hostile or broken


def lines(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The lines of a stream given as chunks, without their line ends (a last line without
    one too).

    A line longer than `MAX_LINE` is read through without being kept: only its first 4 KiB
    come out, ended by a NUL byte so that they are never JSON (a bad line for the artifact
    whose event type it names), and memory stays bounded.
    """
    pending = b""
    overlong = b""  # the start of a line being skipped
    for chunk in chunks:
        data = pending + chunk if pending else chunk
        parts = data.split(b"\n")
        pending = parts.pop()
        for part in parts:
            if overlong:
                yield overlong + b"\x00"
                overlong = b""
            elif len(part) > MAX_LINE:
                yield part[:4096] + b"\x00"
            else:
                yield part.rstrip(b"\r")
        if len(pending) > MAX_LINE:
            overlong = overlong or pending[:4096]
            pending = b""
    if overlong:
        yield overlong + b"\x00"
    elif pending:
        yield pending.rstrip(b"\r")


def chunks_of(handle: BinaryIO, size: int = 1 << 20) -> Iterator[bytes]:
    while chunk := handle.read(size):
        yield chunk
