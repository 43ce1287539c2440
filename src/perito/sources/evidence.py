"""The address of a file inside an acquisition, and the custody log of what was read."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True)
class EvidenceFile:
    """One file of an acquisition.

    `address` is how people name it (`HomeDomain/Library/SMS/sms.db`), `device_path` is its
    absolute path on the phone when known, and `path` is where its bytes are on this machine.
    """

    address: str
    path: Path
    device_path: str = ""
    domain: str = ""
    relative_path: str = ""
    file_id: str = ""
    size: int | None = None

    @property
    def name(self) -> str:
        return self.relative_path.rsplit("/", 1)[-1] if self.relative_path else self.path.name


@dataclass
class Custody:
    """SHA-256 of every evidence file read during a run (the custody record)."""

    hashes: dict[str, tuple[str, str, int]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, address: str, path: Path) -> str:
        """Hash `path` once (streamed) and remember it under `address`; returns the digest."""
        key = str(path)
        with self._lock:
            known = self.hashes.get(key)
        if known is not None:
            return known[1]
        digest = hashlib.sha256()
        size = 0
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
        value = digest.hexdigest()
        with self._lock:
            self.hashes[key] = (address, value, size)
        return value

    def record_digest(self, address: str, key: str, digest: str, size: int) -> None:
        """Remember a digest computed elsewhere (a member of an archive, read in place)."""
        with self._lock:
            self.hashes.setdefault(key, (address, digest, size))

    def entries(self) -> list[dict[str, object]]:
        """Sorted list for info.json: address, local path, sha256, size."""
        rows = [{"address": address, "file_path": path, "sha256": digest, "size": size}
                for path, (address, digest, size) in self.hashes.items()]
        return sorted(rows, key=lambda row: (str(row["address"]), str(row["file_path"])))
