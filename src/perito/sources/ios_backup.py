"""Read-only access to an iTunes/Finder iOS backup through its Manifest.db.

Files are addressed by (domain, relativePath); their bytes sit at `<root>/<id[:2]>/<id>` with
`id = sha1(domain + "-" + relativePath)`. A `-wal` or `-journal` is a separate Manifest row and
never sits beside its database in the hashed store, so it is found through the Manifest and
reassembled under matching names before the database is opened (ios.md §2).

An encrypted backup is scanned in place: its Manifest.db is decrypted into a private temporary
folder (mode 0700, removed at close), and each file an artifact asks for is decrypted when it
is read, into memory or into that folder, and deleted after use. `EvidenceFile.path` stays the
encrypted file as stored: the custody record hashes the evidence, not a plaintext copy.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
import shutil
import sqlite3
import tempfile
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perito.errors import InputError
from perito.sources.evidence import Custody, EvidenceFile
from perito.sources.ios_crypto import (
    DecryptionError,
    EncryptionState,
    class_keys,
    decrypt_to_bytes,
    decrypt_to_file,
    encryption_state,
    file_key,
    manifest_db_key,
    read_manifest_plist,
)
from perito.sources.ios_keybag import ClassKeys
from perito.sources.locations import BackupFile, BackupGlob, BackupRoot, Location
from perito.sources.mbfile import decode_mbfile_fast
from perito.sources.plist import PlistError, load_plist, unarchive
from perito.sources.sqlite import (
    NotADatabase,
    OpenedDatabase,
    checked_count,
    open_private_copy,
    open_sqlite,
)

log = logging.getLogger(__name__)

_FILE_ID = re.compile(r"[0-9a-f]{40}")
_KEPT_COPIES = 4  # private copies of databases kept for the next open
_SIDECARS = ("-wal", "-journal", "-shm")

DOMAIN_ROOTS: dict[str, str] = {
    "HomeDomain": "/private/var/mobile",
    "RootDomain": "/private/var/root",
    "WirelessDomain": "/private/var/wireless",
    "MediaDomain": "/private/var/mobile",
    "CameraRollDomain": "/private/var/mobile",
    "KeychainDomain": "/private/var/Keychains",
    "SystemPreferencesDomain": "/private/var/preferences",
    "ManagedPreferencesDomain": "/private/var/Managed Preferences",
    "DatabaseDomain": "/private/var/db",
    "MobileDeviceDomain": "/private/var/MobileDevice",
    "InstallDomain": "/private/var/installd",
    "TonesDomain": "/private/var/mobile",
    "BooksDomain": "/private/var/mobile/Media/Books",
    "HealthDomain": "/private/var/mobile/Library",
}
# Containers are named by a random UUID on the device; the backup keeps only the bundle or
# group id, which stands in for the UUID component here.
_PREFIX_ROOTS: tuple[tuple[str, str], ...] = (
    ("AppDomainGroup-", "/private/var/mobile/Containers/Shared/AppGroup/"),
    ("AppDomainPlugin-", "/private/var/mobile/Containers/Data/PluginKitPlugin/"),
    ("AppDomain-", "/private/var/mobile/Containers/Data/Application/"),
    ("SysSharedContainerDomain-", "/private/var/containers/Shared/SystemGroup/"),
    ("SysContainerDomain-", "/private/var/containers/Data/System/"),
)


def device_path(domain: str, relative_path: str) -> str:
    """The device-absolute path of a backup file (ios.md §1.2), or "" for unknown domains."""
    root = DOMAIN_ROOTS.get(domain)
    if root is None:
        for prefix, base in _PREFIX_ROOTS:
            if domain.startswith(prefix):
                root = base + domain[len(prefix):]
                break
    if root is None:
        return ""
    return f"{root}/{relative_path}" if relative_path else root


def file_id(domain: str, relative_path: str) -> str:
    return hashlib.sha1(f"{domain}-{relative_path}".encode(), usedforsecurity=False).hexdigest()


class EncryptedBackup(InputError):
    """The backup is encrypted and no key was given."""


def password_bytes(password: str | bytes) -> bytes:
    """Passwords are UTF-8 (iTunes/Finder and the device agree on that)."""
    return password if isinstance(password, bytes) else password.encode("utf-8")


def find_backup_root(path: Path) -> Path:
    """The backup folder at `path` or in exactly one direct subfolder; else a clear error."""
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    if not path.is_dir():
        raise InputError(f"{path}: an iOS backup is a folder, this is a file")
    try:
        next(path.iterdir(), None)
    except OSError as error:
        raise InputError(f"{path}: cannot read the folder "
                         f"({error.strerror or type(error).__name__})") from None
    if _looks_like_backup(path):
        return path
    candidates = sorted(child for child in _subfolders(path) if _looks_like_backup(child))
    if len(candidates) == 1:
        return candidates[0]
    if len(candidates) > 1:
        names = ", ".join(c.name for c in candidates)
        raise InputError(f"{path} holds {len(candidates)} backups ({names}); name one of them")
    missing = [name for name in ("Manifest.db", "Info.plist") if not (path / name).is_file()]
    if (path / "Manifest.mbdb").exists():
        raise InputError(f"{path}: a backup of iOS 9 or older (Manifest.mbdb), "
                         "which perito cannot read yet")
    raise InputError(f"{path} is not an iOS backup: {' and '.join(missing)} missing "
                     "(nor is there exactly one backup in a subfolder)")


def _flags(value: object) -> int:
    """A row's flags (1 file, 2 folder, 4 link); 0 (unknown) when damaged into another type."""
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return 0


def _readable_plist(path: Path) -> bool:
    try:
        return isinstance(load_plist(path.read_bytes()), dict)
    except (OSError, PlistError):
        return False


def _subfolders(path: Path) -> list[Path]:
    try:
        return [child for child in path.iterdir() if child.is_dir()]
    except OSError:
        return []


def _looks_like_backup(path: Path) -> bool:
    return (path / "Info.plist").is_file() and (path / "Manifest.db").is_file()


@dataclass(frozen=True, slots=True)
class ManifestRow:
    file_id: str
    domain: str
    relative_path: str
    flags: int
    blob: bytes | None


class IosBackup:
    """An opened backup: Manifest lookups, file reads, safe SQLite opens, custody."""

    kind = "ios-backup"
    platform = "ios"

    def __init__(self, path: Path, custody: Custody | None = None, *,
                 key: bytes | None = None, password: str | bytes | None = None) -> None:
        """`key` (the derived 32-byte backup key) or `password` opens an encrypted backup."""
        self.root = find_backup_root(path)
        self.custody = custody or Custody()
        self.encrypted = False  # True when files are decrypted while they are read
        self._keys: ClassKeys | None = None
        self._private: Path | None = None
        # private copies of databases, oldest first: path → (folder, database, sidecars)
        self._copies: OrderedDict[Path, tuple[Path, Path, dict[str, Path]]] = OrderedDict()
        self._in_use: Counter[Path] = Counter()
        self._stack = contextlib.ExitStack()
        try:
            self._open(key, password)
        except BaseException:
            self._stack.close()
            raise

    def _open(self, key: bytes | None, password: str | bytes | None) -> None:
        manifest = self.root / "Manifest.db"
        database = manifest
        sidecars = {s: self.root / f"Manifest.db{s}" for s in _SIDECARS}
        state = encryption_state(self.root)
        if state.needs_key:
            self._unlock(key, password)
            if state is EncryptionState.ENCRYPTED:
                self.custody.record("Manifest.db", manifest)
                database = self._decrypt_manifest(manifest)
                sidecars = {}
        try:
            opened: OpenedDatabase = self._stack.enter_context(open_sqlite(database, sidecars))
        except NotADatabase as error:
            if state.needs_key:
                raise InputError(f"{manifest}: Manifest.db did not decrypt to a database "
                                 "(damaged)") from None
            if not _readable_plist(self.root / "Manifest.plist"):
                raise InputError(f"{manifest}: Manifest.db is not an SQLite database, and "
                                 "Manifest.plist (which says whether the backup is encrypted "
                                 "and holds its keys) is missing or damaged") from error
            raise InputError(f"{manifest}: Manifest.db is not an SQLite database") from error
        except OSError as error:
            raise InputError(f"{manifest}: cannot read Manifest.db "
                             f"({error.strerror or type(error).__name__})") from None
        except sqlite3.DatabaseError as error:
            raise InputError(f"{manifest}: Manifest.db is unreadable ({error})") from error
        self._db = opened.connection
        try:
            self._db.execute("SELECT fileID, domain, relativePath, flags, file FROM Files LIMIT 1")
        except sqlite3.DatabaseError as error:
            raise InputError(f"{manifest}: no readable Files table ({error})") from error
        self.custody.record("Manifest.db", manifest)
        # A plaintext Manifest.db with IsEncrypted true is usually a decrypted copy (the
        # incumbent's decrypt-backup keeps Manifest.plist as it was); ios_crypto tells.
        self.encrypted = state.needs_key

    def _unlock(self, key: bytes | None, password: str | bytes | None) -> None:
        if key is None and password is None:
            raise EncryptedBackup(
                f"{self.root} is an encrypted backup: give its password (typed at the prompt, "
                "in PERITO_BACKUP_PASSWORD or with --password-file) or its key (--key-file)")
        self._keys = class_keys(self.root, key=key, password=None if password is None
                                else password_bytes(password))
        if self._keys.damaged:
            log.warning("backup keybag: the keys of protection classes %s are damaged; files "
                        "of those classes cannot be decrypted",
                        ", ".join(map(str, sorted(self._keys.damaged))))
        self._private = Path(tempfile.mkdtemp(prefix="perito-decrypted-"))
        self._stack.callback(shutil.rmtree, self._private, ignore_errors=True)

    def _decrypt_manifest(self, manifest: Path) -> Path:
        assert self._keys is not None and self._private is not None
        key = manifest_db_key(self._keys, read_manifest_plist(self.root).manifest_key)
        target = self._private / "Manifest.db"
        try:
            decrypt_to_file(manifest, target, key, None)
        except DecryptionError as error:
            raise InputError(f"{manifest}: Manifest.db {error.strerror}") from None
        except OSError as error:
            raise InputError(f"{manifest}: cannot read Manifest.db "
                             f"({error.strerror or type(error).__name__})") from None
        return target

    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> IosBackup:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # Manifest queries -------------------------------------------------------------------

    def rows(self, domain: str | None = None, relative_glob: str | None = None,
             domain_glob: str | None = None, relative_path: str | None = None
             ) -> Iterator[ManifestRow]:
        """Manifest rows, filtered, by domain, path, then fileID; GLOB is case-sensitive and
        has no `_` wildcard trap."""
        clauses: list[str] = []
        args: list[str] = []
        for clause, value in (("domain = ?", domain), ("relativePath = ?", relative_path),
                              ("relativePath GLOB ?", relative_glob)):
            if value is not None:
                clauses.append(clause)
                args.append(value)
        if domain_glob is not None and domain_glob != "*":
            clauses.append("domain GLOB ?")
            args.append(domain_glob)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        query = ("SELECT fileID, domain, relativePath, flags, file FROM Files"
                 f"{where} ORDER BY domain, relativePath, fileID")
        yield from self._rows(query, args)

    def stored_rows(self, limits: str = "") -> Iterator[ManifestRow]:
        """Every row in the order Manifest.db stores them (by rowid; by fileID in a table
        WITHOUT ROWID): a total order that needs no sort, so a part (`limits`, a
        `Part.clause()`) skips the rows before it cheaply. (Sorted by domain and path, the
        last part of a 300,000-row Manifest took 3.8 s to skip what came before it.)"""
        order = "fileID" if self._without_rowid() else "rowid"
        yield from self._rows("SELECT fileID, domain, relativePath, flags, file FROM Files "
                              f"ORDER BY {order}{limits}", [])

    def _rows(self, query: str, args: list[str]) -> Iterator[ManifestRow]:
        for fid, dom, rel, flags, blob in self._db.execute(query, args):
            yield ManifestRow(str(fid or ""), str(dom or ""), str(rel or ""),
                              _flags(flags), blob if isinstance(blob, bytes) else None)

    def _without_rowid(self) -> bool:
        found = self._db.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'Files'").fetchone()
        return bool(found and isinstance(found[0], str)
                    and "WITHOUT ROWID" in " ".join(found[0].upper().split()))

    def counted_rows(self) -> int | None:
        """How many rows Manifest.db's Files table has, or None when the database fails
        `PRAGMA quick_check` (then it is not read in parts)."""
        return checked_count(self._db, "Files")

    def row(self, domain: str, relative_path: str) -> ManifestRow | None:
        return next(self.rows(domain=domain, relative_path=relative_path), None)

    def by_file_id(self, fid: str) -> EvidenceFile | None:
        """The stored file with this fileID, named through its Manifest row when there is
        one (a fileID is a shortcut, ios.md §2.5)."""
        fid = fid.lower()
        found = self._db.execute("SELECT fileID, domain, relativePath, flags, file FROM Files "
                                 "WHERE fileID = ?", (fid,)).fetchone()
        if found is not None:
            blob = found[4] if isinstance(found[4], bytes) else None
            return self.evidence(ManifestRow(fid, str(found[1] or ""), str(found[2] or ""),
                                             _flags(found[3]), blob))
        stored = self.stored_path(fid)
        return None if stored is None else EvidenceFile(address=fid, path=stored, file_id=fid)

    def stored_path(self, fid: str) -> Path | None:
        """Where the bytes of a fileID are, refusing anything that is not 40 hex chars."""
        if not _FILE_ID.fullmatch(fid):
            return None
        for candidate in (self.root / fid[:2] / fid, self.root / fid):
            if candidate.is_file():
                return candidate
        return None

    def evidence(self, row: ManifestRow) -> EvidenceFile | None:
        stored = self.stored_path(row.file_id)
        if stored is None:
            return None
        return EvidenceFile(address=f"{row.domain}/{row.relative_path}", path=stored,
                            device_path=device_path(row.domain, row.relative_path),
                            domain=row.domain, relative_path=row.relative_path,
                            file_id=row.file_id)

    def find(self, location: Location) -> Iterator[EvidenceFile]:
        """Every stored regular file at `location` (all domains and containers that match)."""
        if isinstance(location, BackupRoot):
            path = self.root / location.name
            if path.is_file():
                yield EvidenceFile(address=location.name, path=path)
            return
        if isinstance(location, BackupFile):
            found = self.row(location.domain, location.relative_path)
            if found is None:
                # The fileID is a shortcut, not a requirement (ios.md §2.5).
                fid = file_id(location.domain, location.relative_path)
                found = ManifestRow(fid, location.domain, location.relative_path, 1, None)
            rows: Iterator[ManifestRow] = iter([found])
        elif isinstance(location, BackupGlob):
            rows = self.rows(relative_glob=location.relative_path, domain_glob=location.domain)
        else:
            return
        for row in rows:
            if row.flags in (0, 1):
                evidence = self.evidence(row)
                if evidence is not None:
                    yield evidence

    def missing_rows(self, location: Location) -> list[str]:
        """Addresses that the Manifest lists at `location` but whose bytes are absent."""
        if isinstance(location, BackupFile):
            rows = [r for r in [self.row(location.domain, location.relative_path)] if r]
        elif isinstance(location, BackupGlob):
            rows = list(self.rows(relative_glob=location.relative_path,
                                  domain_glob=location.domain))
        else:
            return []
        return [f"{r.domain}/{r.relative_path}" for r in rows
                if r.flags in (0, 1) and self.stored_path(r.file_id) is None]

    # Reading -----------------------------------------------------------------------------

    def read_bytes(self, evidence: EvidenceFile) -> bytes:
        self.custody.record(evidence.address, evidence.path)
        plan = self._plaintext_plan(evidence)
        if plan is None:
            return evidence.path.read_bytes()
        key, size = plan
        return decrypt_to_bytes(evidence.path, key, size)

    def sidecars(self, evidence: EvidenceFile) -> dict[str, Path]:
        """The stored `-wal`/`-journal`/`-shm` of a database (encrypted in an encrypted
        backup)."""
        return {suffix: stored for suffix, (_row, stored) in self._sidecar_rows(evidence).items()}

    def _sidecar_rows(self, evidence: EvidenceFile) -> dict[str, tuple[ManifestRow, Path]]:
        if not evidence.domain:
            return {}
        found: dict[str, tuple[ManifestRow, Path]] = {}
        for suffix in _SIDECARS:
            row = self.row(evidence.domain, evidence.relative_path + suffix)
            stored = self.stored_path(row.file_id) if row else None
            if row is not None and stored is not None:
                found[suffix] = (row, stored)
        return found

    @contextlib.contextmanager
    def open_sqlite(self, evidence: EvidenceFile) -> Iterator[OpenedDatabase]:
        sidecars = self.sidecars(evidence)
        self.custody.record(evidence.address, evidence.path)
        for suffix, path in sidecars.items():
            self.custody.record(evidence.address + suffix, path)
        if not self.encrypted and not sidecars.keys() & {"-wal", "-journal"}:
            with open_sqlite(evidence.path, sidecars) as opened:  # in place, immutable
                yield opened
            return
        with self._private_database(evidence) as (database, private_sidecars):
            if not private_sidecars.keys() & {"-wal", "-journal"}:
                with open_sqlite(database) as opened:
                    yield opened
                return
            # The copy is already private and named as SQLite expects: open it read-write
            # in place (which applies the WAL) rather than copy it again.
            with open_private_copy(database) as opened:
                yield opened

    # Decryption ---------------------------------------------------------------------------

    def _plaintext_plan(self, evidence: EvidenceFile) -> tuple[bytes, int | None] | None:
        """(file key, MBFile Size) to decrypt a stored file, or None if it is plain text."""
        if not self.encrypted or self._keys is None:
            return None
        if not evidence.file_id:
            return None  # root files (Info.plist, Manifest.plist…) are never encrypted
        found = self._db.execute("SELECT file FROM Files WHERE fileID = ?",
                                 (evidence.file_id,)).fetchone()
        if found is None:
            raise DecryptionError("the file has no Manifest.db row, so its key is unknown")
        blob = found[0]
        if not isinstance(blob, bytes) or not blob:
            raise DecryptionError("its Manifest.db row has no metadata, so its key is unknown")
        try:
            meta = decode_mbfile(blob)
        except PlistError:
            raise DecryptionError("its Manifest.db metadata is unreadable") from None
        key = file_key(self._keys, meta)
        if key is None:
            return None
        size = meta.get("Size")
        return key, size if isinstance(size, int) and not isinstance(size, bool) else None

    def _decrypt_into(self, folder: Path, name: str, evidence: EvidenceFile) -> Path:
        target = folder / name
        plan = self._plaintext_plan(evidence)
        if plan is None:
            shutil.copyfile(evidence.path, target)
        else:
            decrypt_to_file(evidence.path, target, *plan)
        return target

    @contextlib.contextmanager
    def _private_database(self, evidence: EvidenceFile
                          ) -> Iterator[tuple[Path, dict[str, Path]]]:
        """A private plaintext copy of a database and its sidecars (decrypted, or copied for
        its WAL to be applied). The last few copies are kept until the backup is closed, so
        the parts of a file read one after another, and the artifacts that share a database,
        decrypt or copy it once (a large sms.db is read in up to 16 parts)."""
        if evidence.path == self.root / "Manifest.db" and self._private is not None:
            decrypted = self._private / "Manifest.db"
            yield (decrypted if decrypted.is_file() else evidence.path), {}
            return
        key = evidence.path
        copy = self._copies.get(key)
        if copy is None:
            copy = self._copies[key] = self._private_copy(evidence)
        self._copies.move_to_end(key)
        self._in_use[key] += 1
        try:
            yield copy[1], copy[2]
        finally:
            self._in_use[key] -= 1
            self._forget_copies()

    def _private_copy(self, evidence: EvidenceFile) -> tuple[Path, Path, dict[str, Path]]:
        """(folder, database, sidecars) of a new private copy in the private folder."""
        if self._private is None:  # a plain backup: a folder for the copies of WAL databases
            self._private = Path(tempfile.mkdtemp(prefix="perito-private-"))
            self._stack.callback(shutil.rmtree, self._private, ignore_errors=True)
        folder = Path(tempfile.mkdtemp(prefix="db-", dir=self._private))
        try:
            database = self._decrypt_into(folder, "evidence.db", evidence)
            sidecars: dict[str, Path] = {}
            for suffix, (row, stored) in self._sidecar_rows(evidence).items():
                if suffix == "-shm" and self.encrypted:
                    continue  # only an index of the WAL: SQLite rebuilds it
                sidecar = EvidenceFile(address=evidence.address + suffix, path=stored,
                                       domain=row.domain, relative_path=row.relative_path,
                                       file_id=row.file_id)
                sidecars[suffix] = self._decrypt_into(folder, f"evidence.db{suffix}", sidecar)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return folder, database, sidecars

    def _forget_copies(self) -> None:
        """Remove the oldest copies beyond `_KEPT_COPIES` that no open connection uses."""
        for key in list(self._copies):
            if len(self._copies) <= _KEPT_COPIES:
                return
            if not self._in_use[key]:
                shutil.rmtree(self._copies.pop(key)[0], ignore_errors=True)
                del self._in_use[key]

    def write_decrypted_copy(self, destination: Path,
                             progress: Callable[[int, int], None] | None = None
                             ) -> tuple[int, list[str]]:
        """A complete plaintext copy in the incumbent's layout (ios.md §2.7): Manifest.db,
        `<id[:2]>/<id>` for every row whose stored file exists, the root plists.

        Returns (files written, addresses that could not be decrypted).
        """
        if not self.encrypted:
            raise InputError(f"{self.root} is not an encrypted backup: there is nothing to "
                             "decrypt")
        destination.mkdir(parents=True, exist_ok=True)
        decrypted = self._private / "Manifest.db" if self._private else None
        source_manifest = decrypted if decrypted and decrypted.is_file() \
            else self.root / "Manifest.db"
        shutil.copyfile(source_manifest, destination / "Manifest.db")
        for plist in sorted(self.root.glob("*.plist")):
            if plist.is_file():
                shutil.copyfile(plist, destination / plist.name)
        rows = [(fid, stored) for fid in self._all_file_ids()
                if (stored := self.stored_path(fid)) is not None]
        written = 0
        failed: list[str] = []
        for position, (fid, stored) in enumerate(rows):
            if progress:
                progress(position, len(rows))
            folder = destination / fid[:2]
            folder.mkdir(exist_ok=True)
            target = folder / fid
            target.unlink(missing_ok=True)
            evidence = EvidenceFile(address=fid, path=stored, file_id=fid)
            try:
                self._decrypt_into(folder, fid, evidence)
                written += 1
            except (DecryptionError, OSError) as error:
                target.unlink(missing_ok=True)
                failed.append(f"{fid}: {error.strerror or type(error).__name__}")
                log.warning("%s: %s", fid, error.strerror)
        if progress:
            progress(len(rows), len(rows))
        return written, failed

    def _all_file_ids(self) -> list[str]:
        return sorted({str(fid) for (fid,) in self._db.execute("SELECT fileID FROM Files")
                       if isinstance(fid, str)})


def decode_mbfile(blob: bytes | None) -> dict[str, Any]:
    """The MBFile dict of a Manifest row's `file` blob (NSKeyedArchiver), or {}."""
    if not blob:
        return {}
    fast = decode_mbfile_fast(blob)
    if fast is not None:
        return fast
    archive = load_plist(blob)
    if not isinstance(archive, dict) or "$objects" not in archive:
        return {}
    value = unarchive(archive)
    return value if isinstance(value, dict) else {}
