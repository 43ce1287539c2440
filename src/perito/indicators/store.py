"""Installed indicator sets: the data directory, its manifest, and how old each set is.

Layout: `<data dir>/indicators/<file>` plus `<data dir>/indicators/manifest.json`, which
records for every installed file its feed name, publishers, source URL, download time,
SHA-256 and size. The data directory is platformdirs' user data directory for "perito"
(`~/.local/share/perito` on Linux), or `PERITO_DATA_DIR` when set.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import platformdirs

DATA_DIR_VARIABLE = "PERITO_DATA_DIR"
MANIFEST = "manifest.json"


def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    source = os.environ if environ is None else environ
    override = source.get(DATA_DIR_VARIABLE, "").strip()
    return Path(override) if override else Path(platformdirs.user_data_dir("perito",
                                                                           appauthor=False))


def indicators_dir(environ: Mapping[str, str] | None = None) -> Path:
    return data_dir(environ) / "indicators"


@dataclass(frozen=True, slots=True)
class InstalledSet:
    """One manifest entry: an installed indicator file and where it came from."""

    file_name: str
    name: str
    sources: tuple[str, ...]
    url: str  # https://… for a download, file://… for an offline install
    downloaded: str  # ISO 8601 UTC, when it was fetched or copied
    sha256: str
    size: int
    previous_sha256: str = ""  # the copy it replaced, when it changed
    indicators: int = 0  # distinct indicators perito read from it

    def age_days(self, now: dt.datetime) -> float | None:
        try:
            then = dt.datetime.fromisoformat(self.downloaded)
        except ValueError:
            return None
        if then.tzinfo is None:
            then = then.replace(tzinfo=dt.UTC)
        return round((now - then).total_seconds() / 86400, 1)


def read_manifest(folder: Path) -> tuple[list[InstalledSet], list[str]]:
    """The manifest's entries and problems (a missing manifest is an empty one)."""
    path = folder / MANIFEST
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return [], []
    except (OSError, UnicodeDecodeError, ValueError) as error:
        return [], [f"{path}: unreadable manifest ({type(error).__name__}); "
                    "run `perito iocs update` again"]
    entries = document.get("sets") if isinstance(document, dict) else None
    out: list[InstalledSet] = []
    problems: list[str] = []
    for entry in entries if isinstance(entries, list) else []:
        try:
            out.append(_entry(entry))
        except (KeyError, TypeError, ValueError):
            problems.append(f"{path}: a malformed entry was ignored")
    return out, problems


def _entry(entry: Any) -> InstalledSet:
    if not isinstance(entry, dict):
        raise TypeError
    name = str(entry["file_name"])
    if Path(name).name != name or name in ("", ".", "..", MANIFEST):
        raise ValueError(name)
    return InstalledSet(file_name=name, name=str(entry["name"]),
                        sources=tuple(str(s) for s in entry.get("sources", [])),
                        url=str(entry["url"]), downloaded=str(entry["downloaded"]),
                        sha256=str(entry["sha256"]), size=int(entry["size"]),
                        previous_sha256=str(entry.get("previous_sha256", "")),
                        indicators=int(entry.get("indicators", 0)))


def write_manifest(folder: Path, sets: list[InstalledSet],
                   index: Mapping[str, str] | None = None) -> None:
    """Replace the manifest atomically (a crash leaves the old one); `index` names the feed
    index of the last update (`source`, `sha256`)."""
    document = {"format": 1, "index": dict(index or {}),
                "sets": [asdict(s) for s in sorted(sets, key=lambda s: s.file_name)]}
    write_atomic(folder / MANIFEST, (json.dumps(document, indent=2, ensure_ascii=False)
                                     + "\n").encode("utf-8"))


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".partial-")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@dataclass(frozen=True, slots=True)
class InstalledState:
    """What a scan needs: the files to load, their manifest entries, and problems."""

    paths: tuple[Path, ...]
    sets: tuple[InstalledSet, ...]
    problems: tuple[str, ...]

    def describe(self, now: dt.datetime) -> list[dict[str, object]]:
        """For info.json: every installed set with its age in days."""
        return [{"file_name": s.file_name, "name": s.name, "url": s.url,
                 "downloaded": s.downloaded, "age_days": s.age_days(now), "sha256": s.sha256}
                for s in self.sets]

    def oldest_days(self, now: dt.datetime) -> float | None:
        ages = [age for s in self.sets if (age := s.age_days(now)) is not None]
        return max(ages) if ages else None


def installed(environ: Mapping[str, str] | None = None) -> InstalledState:
    """Installed sets whose file is present and unchanged since it was installed.

    A file whose SHA-256 no longer matches the manifest is not loaded (it is reported): the
    custody record must name the sets as they were downloaded.
    """
    folder = indicators_dir(environ)
    sets, problems = read_manifest(folder)
    paths: list[Path] = []
    kept: list[InstalledSet] = []
    for entry in sets:
        path = folder / entry.file_name
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            problems.append(f"{path}: listed in the manifest but missing")
            continue
        if digest != entry.sha256:
            problems.append(f"{path}: changed since it was installed (sha256 {digest}, "
                            f"manifest {entry.sha256}); not loaded")
            continue
        paths.append(path)
        kept.append(entry)
    return InstalledState(tuple(paths), tuple(kept), tuple(problems))
