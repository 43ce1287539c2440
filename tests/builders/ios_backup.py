"""Build iOS backups in code, laid out exactly as iTunes/Finder writes them.

`<root>/Manifest.db` (real schema, MBFile blobs as NSKeyedArchiver binary plists),
`Info.plist`, `Manifest.plist`, `Status.plist`, and each file at `<root>/<id[:2]>/<id>` with
`id = sha1(domain-relativePath)`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import plistlib
import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MANIFEST_SCHEMA = """
CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB);
CREATE INDEX FilesDomainIdx ON Files(domain);
CREATE INDEX FilesRelativePathIdx ON Files(relativePath);
CREATE INDEX FilesFlagsIdx ON Files(flags);
CREATE TABLE Properties (key TEXT PRIMARY KEY, value BLOB);
"""

DEFAULT_TIME = 1_709_154_845  # 2024-02-28T21:14:05Z


def file_id(domain: str, relative_path: str) -> str:
    return hashlib.sha1(f"{domain}-{relative_path}".encode()).hexdigest()


def mbfile_blob(relative_path: str, *, size: int, mode: int, birth: int, modified: int,
                status_changed: int, inode: int, protection_class: int = 3,
                target: str | None = None) -> bytes:
    """An MBFile as NSKeyedArchiver writes it into Manifest.db's `file` column."""
    objects: list[Any] = ["$null"]
    mbfile: dict[str, Any] = {
        "LastModified": modified, "Flags": 0, "GroupID": 501,
        "LastStatusChange": status_changed, "Birth": birth, "Size": size,
        "InodeNumber": inode, "Mode": mode, "UserID": 501,
        "ProtectionClass": protection_class,
    }
    objects.append(mbfile)
    objects.append(relative_path)
    mbfile["RelativePath"] = plistlib.UID(2)
    if target is not None:
        objects.append(target)
        mbfile["Target"] = plistlib.UID(len(objects) - 1)
    objects.append({"$classname": "MBFile", "$classes": ["MBFile", "NSObject"]})
    mbfile["$class"] = plistlib.UID(len(objects) - 1)
    archive = {"$version": 100000, "$archiver": "NSKeyedArchiver",
               "$top": {"root": plistlib.UID(1)}, "$objects": objects}
    return plistlib.dumps(archive, fmt=plistlib.FMT_BINARY)


@dataclass
class _Entry:
    domain: str
    relative_path: str
    flags: int
    data: bytes | None
    mode: int
    times: tuple[int, int, int]
    target: str | None = None


@dataclass
class BackupBuilder:
    """Collects files, then writes a complete backup folder with `write(root)`."""

    device_name: str = "iPhone de Prueba"
    product_type: str = "iPhone14,2"
    product_version: str = "17.4.1"
    build_version: str = "21E236"
    udid: str = "00008110-000A1B2C3D4E801E"
    last_backup: dt.datetime = dt.datetime(2024, 3, 1, 10, 0, 0, tzinfo=dt.UTC)
    applications: dict[str, dict[str, Any]] = field(default_factory=dict)
    entries: list[_Entry] = field(default_factory=list)
    skip_bytes: set[str] = field(default_factory=set)  # (domain/path) listed but not stored

    def add_file(self, domain: str, relative_path: str, data: bytes, *,
                 mode: int = 0o100644, times: tuple[int, int, int] | None = None) -> None:
        """times = (birth, modified, status changed), unix seconds."""
        self._ensure_dirs(domain, relative_path)
        t = times or (DEFAULT_TIME, DEFAULT_TIME, DEFAULT_TIME)
        self.entries.append(_Entry(domain, relative_path, 1, data, mode, t))

    def add_directory(self, domain: str, relative_path: str,
                      times: tuple[int, int, int] | None = None) -> None:
        t = times or (DEFAULT_TIME, DEFAULT_TIME, DEFAULT_TIME)
        if not any(e.domain == domain and e.relative_path == relative_path for e in self.entries):
            self.entries.append(_Entry(domain, relative_path, 2, None, 0o40755, t))

    def add_symlink(self, domain: str, relative_path: str, target: str) -> None:
        t = (DEFAULT_TIME, DEFAULT_TIME, DEFAULT_TIME)
        self.entries.append(_Entry(domain, relative_path, 4, None, 0o120755, t, target))

    def add_sqlite(self, domain: str, relative_path: str,
                   fill: Callable[[sqlite3.Connection], None], *, wal: bool = False,
                   times: tuple[int, int, int] | None = None) -> None:
        """Create a database with `fill(connection)`; with wal=True the last writes stay in a
        separate `-wal` Manifest row, as on a phone that was not checkpointed."""
        main, wal_bytes = build_sqlite(fill, wal=wal)
        self.add_file(domain, relative_path, main, times=times)
        if wal_bytes is not None:
            self.add_file(domain, relative_path + "-wal", wal_bytes, times=times)

    def _ensure_dirs(self, domain: str, relative_path: str) -> None:
        parts = relative_path.split("/")[:-1]
        for i in range(len(parts)):
            self.add_directory(domain, "/".join(parts[: i + 1]))

    def info_plist(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "Build Version": self.build_version, "Device Name": self.device_name,
            "Display Name": self.device_name, "GUID": "5E6C1B0E4C2F4A3B9D8E7F6A5B4C3D2E",
            "ICCID": "8952140000000000001", "IMEI": "350000000000001",
            "Last Backup Date": self.last_backup.replace(tzinfo=None),
            "Phone Number": "+52 55 5555 0100", "Product Name": "iPhone 13",
            "Product Type": self.product_type, "Product Version": self.product_version,
            "Serial Number": "F2LZK0AAAAAA", "Target Identifier": self.udid,
            "Target Type": "Device", "Unique Identifier": self.udid,
            "iTunes Version": "12.13.1.3",
            "Installed Applications": sorted(self.applications),
        }
        if self.applications:
            info["Applications"] = self.applications
        return info

    def write(self, root: Path, *, info_format: int = plistlib.FMT_XML) -> Path:
        root.mkdir(parents=True, exist_ok=True)
        (root / "Info.plist").write_bytes(plistlib.dumps(self.info_plist(), fmt=info_format))
        lockdown = {"ProductVersion": self.product_version, "BuildVersion": self.build_version,
                    "ProductType": self.product_type, "UniqueDeviceID": self.udid,
                    "DeviceName": self.device_name, "SerialNumber": "F2LZK0AAAAAA"}
        manifest = {"IsEncrypted": False, "Version": "10.0", "WasPasscodeSet": True,
                    "Date": self.last_backup.replace(tzinfo=None), "Lockdown": lockdown,
                    "SystemDomainsVersion": "24.0", "Applications": {}}
        (root / "Manifest.plist").write_bytes(plistlib.dumps(manifest, fmt=plistlib.FMT_BINARY))
        status = {"IsFullBackup": False, "Version": "3.3", "BackupState": "new",
                  "SnapshotState": "finished", "Date": self.last_backup.replace(tzinfo=None),
                  "UUID": "2F1A7C1E-6B0D-4C55-9E41-0C6A2B9D7E11"}
        (root / "Status.plist").write_bytes(plistlib.dumps(status, fmt=plistlib.FMT_BINARY))
        db = sqlite3.connect(root / "Manifest.db")
        db.executescript(MANIFEST_SCHEMA)
        for inode, entry in enumerate(self.entries, start=1000):
            fid = file_id(entry.domain, entry.relative_path)
            size = len(entry.data) if entry.data is not None else 0
            birth, modified, changed = entry.times
            blob = mbfile_blob(entry.relative_path, size=size, mode=entry.mode, birth=birth,
                               modified=modified, status_changed=changed, inode=inode,
                               target=entry.target)
            db.execute("INSERT OR REPLACE INTO Files VALUES (?, ?, ?, ?, ?)",
                       (fid, entry.domain, entry.relative_path, entry.flags, blob))
            skipped = f"{entry.domain}/{entry.relative_path}" in self.skip_bytes
            if entry.data is not None and not skipped:
                target = root / fid[:2] / fid
                target.parent.mkdir(exist_ok=True)
                target.write_bytes(entry.data)
        db.commit()
        db.close()
        return root


def build_sqlite(fill: Callable[[sqlite3.Connection], None], *, wal: bool = False
                 ) -> tuple[bytes, bytes | None]:
    """Bytes of a database made by `fill`; with wal=True, (main file, -wal file)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "db.sqlite"
        connection = sqlite3.connect(path)
        if wal:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA wal_autocheckpoint=0")
        fill(connection)
        connection.commit()
        if not wal:
            connection.close()
            return path.read_bytes(), None
        # Copy while the connection is open: the rows live only in the -wal file.
        main = path.read_bytes()
        wal_bytes = (Path(tmp) / "db.sqlite-wal").read_bytes()
        connection.close()
        return main, wal_bytes


def hostile_mbfile_blobs(relative_path: str) -> list[bytes]:
    """MBFile blobs a damaged or hostile Manifest.db may hold: keyed archives with a cycle,
    UIDs that point nowhere, values of the wrong type or size, and non-archives."""
    def archive(objects: list[Any], root: int = 1, **top: Any) -> bytes:
        document = {"$version": 100000, "$archiver": "NSKeyedArchiver",
                    "$top": {"root": plistlib.UID(root)}, "$objects": objects, **top}
        return plistlib.dumps(document, fmt=plistlib.FMT_BINARY)

    cls = {"$classname": "MBFile", "$classes": ["MBFile", "NSObject"]}
    good = {"LastModified": DEFAULT_TIME, "Birth": DEFAULT_TIME, "LastStatusChange": 0,
            "Size": 10, "Mode": 0o100644, "InodeNumber": 1, "UserID": 501, "GroupID": 501,
            "Flags": 0, "ProtectionClass": 3, "RelativePath": plistlib.UID(2),
            "$class": plistlib.UID(3)}
    return [
        archive(["$null", {**good, "RelativePath": plistlib.UID(1)}, relative_path, cls]),
        archive(["$null", {**good, "$class": plistlib.UID(1)}, relative_path, cls]),
        archive(["$null", {**good, "RelativePath": plistlib.UID(99)}, relative_path, cls]),
        archive(["$null", good, relative_path, cls], root=7),
        archive(["$null", {**good, "Size": "ten", "Mode": 1 << 62, "LastModified": -1,
                           "Birth": 1e20, "LastStatusChange": float("nan")},
                 relative_path, cls]),
        archive(["$null", {**good, "EncryptionKey": plistlib.UID(2)}, b"\xff" * 3, cls]),
        archive(["$null", [good], relative_path, cls]),
        plistlib.dumps({"$archiver": "NSKeyedArchiver", "$objects": "not a list",
                        "$top": {"root": plistlib.UID(1)}}, fmt=plistlib.FMT_BINARY),
        plistlib.dumps([1, 2], fmt=plistlib.FMT_BINARY),
        b"bplist00" + bytes(40),
        b"",
    ]
