"""Loading STIX 2 bundles (and the other indicator files we accept) into an `IndicatorSet`.

An indicator's owners are the reports whose `object_refs` list it, then the objects its
`indicates` relationships point to (malware, usually); with neither it belongs to "Default
collection". Nothing in a file aborts loading: problems are returned as `LoadProblem`s.
"""

from __future__ import annotations

import json
import logging
import os
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from perito.indicators.bulk import paused_gc
from perito.indicators.csvfeed import read_csv_into
from perito.indicators.echap import read_echap_into
from perito.indicators.feedfile import FileOutcome, describe, file_error, read_feed
from perito.indicators.keys import read_comparison
from perito.indicators.merge import IndicatorKey, IndicatorPool
from perito.indicators.model import (
    DEFAULT_COLLECTION,
    FileLoad,
    IndicatorFile,
    IndicatorSet,
    LoadProblem,
    Owner,
)
from perito.indicators.pattern import PatternError, parse_pattern
from perito.indicators.plainlist import PLAIN_SUFFIXES, kind_of, read_plain_into

log = logging.getLogger(__name__)

ENV_VARIABLE = "PERITO_IOCS"
FOLDER_SUFFIXES = frozenset({".stix2", ".json", ".csv"})
YAML_SUFFIXES = frozenset({".yaml", ".yml"})
FEED_SUFFIXES = FOLDER_SUFFIXES | YAML_SUFFIXES | PLAIN_SUFFIXES  # every file perito can read


@dataclass(slots=True)
class _Bundle:
    """A bundle's objects by id and its owner map, built once (never scanned per indicator)."""

    path: Path
    sha256: str
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_type: defaultdict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: defaultdict(list))
    owners: defaultdict[str, list[Owner]] = field(default_factory=lambda: defaultdict(list))
    problems: list[LoadProblem] = field(default_factory=list)
    keys: dict[IndicatorKey, None] = field(default_factory=dict)
    default: Owner | None = None
    _owner_cache: dict[str, Owner] = field(default_factory=dict)

    def owner(self, obj: Mapping[str, Any]) -> Owner:
        """The owner an object (malware, report…) stands for; one instance per object."""
        object_id = str(obj["id"])
        cached = self._owner_cache.get(object_id)
        if cached is None:
            name = obj.get("name")
            cached = self._owner_cache[object_id] = Owner(
                str(name) if name else object_id, object_id,
                self.path.name, str(self.path), self.sha256)
        return cached

    def default_owner(self) -> Owner:
        """The synthetic "Default collection" owner of unattached indicators."""
        if self.default is None:
            self.default = Owner(DEFAULT_COLLECTION, "", self.path.name, str(self.path),
                                 self.sha256)
        return self.default

    def problem(self, object_id: str, message: str, severity: str = "warning") -> None:
        self.problems.append(LoadProblem(str(self.path), object_id, message, severity))


def _index_objects(bundle: _Bundle, objects: list[Any]) -> None:
    """Objects by id and by type, in one pass (a feed can hold hundreds of thousands)."""
    by_id, by_type = bundle.objects, bundle.by_type
    for position, obj in enumerate(objects):
        object_id = obj.get("id") if isinstance(obj, dict) else None
        if not isinstance(object_id, str):
            bundle.problem("", f"object #{position} has no id; ignored")
        elif object_id not in by_id:
            by_id[object_id] = obj
            object_type = obj.get("type")
            by_type[object_type if isinstance(object_type, str) else ""].append(obj)
        elif obj != by_id[object_id]:
            bundle.problem(object_id, "another object has the same id; the first one is kept")


def _attach_owners(bundle: _Bundle) -> None:
    """Reports first, then `indicates` relationships, as the field's tools do."""
    objects = bundle.objects
    for obj in bundle.by_type["report"]:
        refs = obj.get("object_refs")
        for ref in refs if isinstance(refs, list) else []:
            if isinstance(ref, str) and ref in objects:
                bundle.owners[ref].append(bundle.owner(obj))
            else:
                bundle.problem(obj["id"], f"report refers to {ref!r}, which is not in the bundle")
    for obj in bundle.by_type["relationship"]:
        if obj.get("relationship_type") != "indicates":
            continue
        source, target = obj.get("source_ref"), obj.get("target_ref")
        if not isinstance(source, str) or not isinstance(target, str) \
                or source not in objects or target not in objects:
            missing = target if isinstance(source, str) and source in objects else source
            bundle.problem(obj["id"], f"relationship refers to {missing!r}, "
                                      "which is not in the bundle; ignored")
            continue
        bundle.owners[source].append(bundle.owner(objects[target]))


def _read_indicator(bundle: _Bundle, obj: Mapping[str, Any], pool: IndicatorPool) -> None:
    object_id = obj["id"]
    pattern_type = obj.get("pattern_type", "stix")
    if pattern_type != "stix":
        bundle.problem(object_id, f"pattern_type {pattern_type!r} is not STIX", "unsupported")
        return
    pattern = obj.get("pattern")
    try:
        comparisons = parse_pattern(pattern)
    except PatternError as error:
        bundle.problem(object_id, f"{error} in {pattern!r}", error.severity)
        return
    except Exception as error:  # noqa: BLE001 - one indicator must never abort a load
        bundle.problem(object_id, f"pattern {pattern!r} broke the parser: {error!r}", "error")
        return
    owners = bundle.owners.get(object_id) or [bundle.default_owner()]
    for comparison in comparisons:
        try:
            reading = read_comparison(comparison)
        except PatternError as error:
            bundle.problem(object_id, f"{error} in {pattern!r}", error.severity)
            continue
        for warning in reading.warnings:
            bundle.problem(object_id, warning)
        for entry in reading.entries:
            bundle.keys[pool.add_entry(entry, (object_id,), owners)] = None


def parse_json(data: bytes) -> Any:
    """A JSON document: orjson (a few times faster on multi-MB feeds), or the standard
    library for what orjson refuses (NaN, integers beyond 64 bits, lone surrogates), so that
    both accept the same files. A UTF-8 byte-order mark is allowed."""
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data.decode("utf-8"))


def read_stix_into(path: Path, pool: IndicatorPool) -> FileOutcome:
    """Add a STIX 2 bundle file's indicators to a pool; its summary and problems."""
    read = read_feed(path)
    if isinstance(read, LoadProblem):
        return None, [read]
    data, sha256 = read
    try:
        document = parse_json(data)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        return file_error(path, f"not a JSON file: {error}")
    objects = document.get("objects") if isinstance(document, dict) else None
    if not isinstance(objects, list) or document.get("type") != "bundle":
        return file_error(path, "not a STIX 2 bundle (no top-level type 'bundle' with a list "
                                "of objects)")
    bundle = _Bundle(path, sha256)
    _index_objects(bundle, objects)
    _attach_owners(bundle)
    for obj in bundle.by_type["indicator"]:
        _read_indicator(bundle, obj, pool)
    collections = [str(obj.get("name") or obj["id"])
                   for obj in (*bundle.by_type["malware"], *bundle.by_type["report"])]
    if bundle.default is not None:
        collections.append(DEFAULT_COLLECTION)
    return describe(path, sha256, bundle.keys, collections), bundle.problems


def _read_into(path: Path, pool: IndicatorPool, plain_type: str | None = None) -> FileOutcome:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return read_csv_into(path, pool)
    if suffix in YAML_SUFFIXES:
        return read_echap_into(path, pool)
    if suffix in PLAIN_SUFFIXES:
        return read_plain_into(path, pool, plain_type)
    return read_stix_into(path, pool)


def load_stix_file(path: Path, plain_type: str | None = None) -> FileLoad:
    """One file on its own (STIX, Echap YAML, CSV or a plain list, by its suffix): indicators
    deduplicated within it."""
    pool = IndicatorPool()
    with paused_gc():
        summary, problems = _read_into(path, pool, plain_type)
        return FileLoad(tuple(pool.freeze()), summary, tuple(problems))


def _files_in(folder: Path) -> list[Path]:
    found = []
    for path in folder.rglob("*"):
        suffix = path.suffix.lower()
        if not path.is_file():
            continue
        wanted = suffix in FOLDER_SUFFIXES \
            or (suffix in YAML_SUFFIXES and path.name != "indicators.yaml") \
            or (suffix in PLAIN_SUFFIXES and kind_of(path, None) is not None)
        if wanted:
            found.append(path)
        elif suffix in YAML_SUFFIXES or suffix in PLAIN_SUFFIXES:
            log.debug("skipping %s: a feed index, or a text file not named for a kind", path)
    return sorted(found)


def indicator_files(folder: Path) -> list[Path]:
    """The indicator files a folder holds, as `load_indicators` finds them."""
    return _files_in(folder)


def _expand(paths: Iterable[Path]) -> tuple[list[Path], list[LoadProblem]]:
    """Files to read, each once (by resolved path), and problems for paths that do not exist."""
    files: dict[Path, Path] = {}
    problems = []
    for path in paths:
        if path.is_dir():
            found = _files_in(path)
        elif path.exists():
            found = [path]
        else:
            problems.append(LoadProblem(str(path), "", "no such file or folder", "error"))
            found = []
        for file in found:
            files.setdefault(file.resolve(), file)
    return list(files.values()), problems


def load_indicators(paths: Iterable[Path], plain_type: str | None = None) -> IndicatorSet:
    """Load files and folders into one set: folders are searched recursively for *.stix2,
    *.json, *.csv, Echap *.yaml and plain lists named for their kind (domains.txt…);
    `plain_type` is the kind of plain lists named directly whose name does not say it.

    Identical (kind, value) pairs across files and bundles merge their ids and owners. A file
    named twice (or reached through two routes) is read once. Never raises for bad content.
    """
    files, problems = _expand(paths)
    pool = IndicatorPool()
    loaded: list[IndicatorFile] = []
    with paused_gc():
        for path in files:
            summary, file_problems = _read_into(path, pool, plain_type)
            problems.extend(file_problems)
            if summary is not None:
                loaded.append(summary)
        indicators = tuple(pool.freeze())
    log.info("loaded %d indicators from %d files (%d problems)",
             len(indicators), len(loaded), len(problems))
    return IndicatorSet(indicators, tuple(loaded), tuple(problems))


def paths_from_env(environ: Mapping[str, str] | None = None) -> list[Path]:
    """The files and folders listed in `PERITO_IOCS` (separated by os.pathsep)."""
    source = os.environ if environ is None else environ
    return [Path(part) for part in source.get(ENV_VARIABLE, "").split(os.pathsep) if part.strip()]
