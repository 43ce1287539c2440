"""Trees of files written as a folder, a tar (plain, gzip, bzip2, xz) or a zip.

The generic container for filesystem dumps and sysdiagnose archives. Hostile members (absolute
names, `..`, devices, links out of the tree, members that lie about their size) are added
through explicit methods, never by accident.
"""

from __future__ import annotations

import io
import os
import sqlite3
import tarfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.builders.ios_backup import build_sqlite

MTIME = 1_714_557_000  # 2024-05-01T09:50:00Z


@dataclass
class _Member:
    name: str
    data: bytes = b""
    kind: str = "file"  # file, dir, symlink, device, fifo
    target: str = ""
    mtime: int = MTIME


@dataclass
class TreeBuilder:
    """Members in order; folders are created for every file's parents."""

    members: list[_Member] = field(default_factory=list)
    _dirs: set[str] = field(default_factory=set)

    def _parents(self, name: str) -> None:
        parts = name.split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            folder = "/".join(parts[:depth])
            if folder not in self._dirs:
                self._dirs.add(folder)
                self.members.append(_Member(folder, kind="dir"))

    def add_file(self, name: str, data: bytes, *, mtime: int = MTIME) -> None:
        self._parents(name)
        self.members.append(_Member(name, data, mtime=mtime))

    def add_text(self, name: str, text: str, *, mtime: int = MTIME) -> None:
        self.add_file(name, text.encode("utf-8"), mtime=mtime)

    def add_sqlite(self, name: str, fill: Callable[[sqlite3.Connection], None], *,
                   wal: bool = False) -> None:
        main, wal_bytes = build_sqlite(fill, wal=wal)
        self.add_file(name, main)
        if wal_bytes is not None:
            self.add_file(name + "-wal", wal_bytes)

    def add_symlink(self, name: str, target: str) -> None:
        self._parents(name)
        self.members.append(_Member(name, kind="symlink", target=target))

    def add_hostile(self, name: str, data: bytes = b"x", *, kind: str = "file") -> None:
        """A member whose name or type is refused (archives only; kind file/device/fifo)."""
        self.members.append(_Member(name, data, kind=kind))

    # -- writers --------------------------------------------------------------------------

    def write_folder(self, root: Path) -> Path:
        root.mkdir(parents=True, exist_ok=True)
        for member in self.members:
            target = root / member.name
            if member.kind == "dir":
                target.mkdir(parents=True, exist_ok=True)
            elif member.kind == "symlink":
                target.symlink_to(member.target)
            elif member.kind == "fifo":
                os.mkfifo(target)
            elif member.kind == "file":
                target.write_bytes(member.data)
                os.utime(target, (member.mtime, member.mtime))
        return root

    def write_tar(self, path: Path, compression: str = "gz") -> Path:
        mode = f"w:{compression}" if compression else "w"
        with tarfile.open(path, mode) as archive:  # type: ignore[call-overload]
            for member in self.members:
                info = tarfile.TarInfo(member.name)
                info.mtime = member.mtime
                if member.kind == "dir":
                    info.type, info.mode = tarfile.DIRTYPE, 0o755
                    archive.addfile(info)
                elif member.kind == "symlink":
                    info.type, info.linkname = tarfile.SYMTYPE, member.target
                    archive.addfile(info)
                elif member.kind == "device":
                    info.type, info.devmajor, info.devminor = tarfile.CHRTYPE, 1, 3
                    archive.addfile(info)
                elif member.kind == "fifo":
                    info.type = tarfile.FIFOTYPE
                    archive.addfile(info)
                else:
                    info.size, info.mode = len(member.data), 0o644
                    archive.addfile(info, io.BytesIO(member.data))
        return path

    def write_zip(self, path: Path) -> Path:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for member in self.members:
                if member.kind == "dir":
                    archive.writestr(member.name + "/", b"")
                elif member.kind == "symlink":
                    info = zipfile.ZipInfo(member.name)
                    info.external_attr = (0o120777 << 16)
                    archive.writestr(info, member.target)
                else:
                    archive.writestr(member.name, member.data)
        return path
