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
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perito.indicators import csvfeed
from perito.indicators.feedfile import describe, failed, read_feed
from perito.indicators.keys import read_comparison
from perito.indicators.merge import IndicatorPool
from perito.indicators.model import (
    DEFAULT_COLLECTION,
    FileLoad,
    IndicatorFile,
    IndicatorSet,
    LoadProblem,
    Owner,
)
from perito.indicators.pattern import PatternError, parse_pattern

log = logging.getLogger(__name__)

ENV_VARIABLE = "PERITO_IOCS"
STIX_SUFFIXES = frozenset({".stix2", ".stix", ".json"})
FOLDER_SUFFIXES = STIX_SUFFIXES | {".csv"}
YAML_SUFFIXES = frozenset({".yaml", ".yml"})


@dataclass(slots=True)
class _Bundle:
    """A bundle's objects by id and its owner maps, built once (never scanned per indicator)."""

    path: Path
    sha256: str
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    owners: defaultdict[str, list[Owner]] = field(default_factory=lambda: defaultdict(list))
    problems: list[LoadProblem] = field(default_factory=list)

    def owner(self, obj: Mapping[str, Any]) -> Owner:
        name = obj.get("name")
        return Owner(str(name) if name else str(obj["id"]), str(obj["id"]),
                     self.path.name, str(self.path), self.sha256)

    def problem(self, object_id: str, message: str, severity: str = "warning") -> None:
        self.problems.append(LoadProblem(str(self.path), object_id, message, severity))


def _index_objects(bundle: _Bundle, objects: list[Any]) -> None:
    for position, obj in enumerate(objects):
        if not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
            bundle.problem("", f"object #{position} has no id; ignored")
            continue
        if obj["id"] in bundle.objects:
            if obj != bundle.objects[obj["id"]]:
                bundle.problem(obj["id"], "another object has the same id; the first one is kept")
            continue
        bundle.objects[obj["id"]] = obj


def _attach_owners(bundle: _Bundle) -> None:
    """Reports first, then `indicates` relationships, as the field's tools do."""
    for obj in bundle.objects.values():
        if obj.get("type") != "report":
            continue
        refs = obj.get("object_refs")
        for ref in refs if isinstance(refs, list) else []:
            if ref in bundle.objects:
                bundle.owners[ref].append(bundle.owner(obj))
            else:
                bundle.problem(obj["id"], f"report refers to {ref!r}, which is not in the bundle")
    for obj in bundle.objects.values():
        if obj.get("type") != "relationship" or obj.get("relationship_type") != "indicates":
            continue
        source, target = obj.get("source_ref"), obj.get("target_ref")
        missing = [ref for ref in (source, target) if ref not in bundle.objects]
        if missing:
            bundle.problem(obj["id"], f"relationship refers to {missing[0]!r}, "
                                      "which is not in the bundle; ignored")
            continue
        bundle.owners[str(source)].append(bundle.owner(bundle.objects[str(target)]))


def _load_indicators(bundle: _Bundle, pool: IndicatorPool) -> None:
    default = Owner(DEFAULT_COLLECTION, "", bundle.path.name, str(bundle.path), bundle.sha256)
    for object_id, obj in bundle.objects.items():
        if obj.get("type") != "indicator":
            continue
        pattern_type = obj.get("pattern_type", "stix")
        if pattern_type != "stix":
            bundle.problem(object_id, f"pattern_type {pattern_type!r} is not STIX", "unsupported")
            continue
        pattern = obj.get("pattern")
        try:
            comparisons = parse_pattern(pattern)
        except PatternError as error:
            bundle.problem(object_id, f"{error} in {pattern!r}", error.severity)
            continue
        except Exception as error:  # noqa: BLE001 - one indicator must never abort a load
            bundle.problem(object_id, f"pattern {pattern!r} broke the parser: {error!r}", "error")
            continue
        owners = bundle.owners.get(object_id) or [default]
        for comparison in comparisons:
            try:
                reading = read_comparison(comparison)
            except PatternError as error:
                bundle.problem(object_id, f"{error} in {pattern!r}", error.severity)
                continue
            for warning in reading.warnings:
                bundle.problem(object_id, warning)
            for entry in reading.entries:
                pool.add_entry(entry, (object_id,), owners)


def load_stix_file(path: Path) -> FileLoad:
    """Indicators of one STIX 2 bundle file, deduplicated within it, with their owners."""
    read = read_feed(path)
    if isinstance(read, LoadProblem):
        return failed(read)
    data, sha256 = read
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        return failed(LoadProblem(str(path), "", f"not a JSON file: {error}", "error"))
    objects = document.get("objects") if isinstance(document, dict) else None
    if not isinstance(document, dict) or document.get("type") != "bundle" \
            or not isinstance(objects, list):
        return failed(LoadProblem(str(path), "", "not a STIX 2 bundle "
                                  "(no top-level type 'bundle' with an objects list)", "error"))
    bundle = _Bundle(path, sha256)
    _index_objects(bundle, objects)
    _attach_owners(bundle)
    pool = IndicatorPool()
    _load_indicators(bundle, pool)
    indicators = tuple(pool.freeze())
    collections = [str(obj.get("name") or obj["id"]) for obj in bundle.objects.values()
                   if obj.get("type") in ("malware", "report")]
    if any(owner.name == DEFAULT_COLLECTION and not owner.stix_id
           for indicator in indicators for owner in indicator.owners):
        collections.append(DEFAULT_COLLECTION)
    return FileLoad(indicators, describe(path, sha256, indicators, collections),
                    tuple(bundle.problems))


def _files_in(folder: Path) -> Iterator[Path]:
    found = []
    for path in folder.rglob("*"):
        suffix = path.suffix.lower()
        if suffix in FOLDER_SUFFIXES and path.is_file():
            found.append(path)
        elif suffix in YAML_SUFFIXES:
            log.debug("skipping %s: YAML feeds are not supported yet", path)
    yield from sorted(found)


def _load_file(path: Path) -> FileLoad:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return csvfeed.load_csv_file(path)
    if suffix in YAML_SUFFIXES:
        return failed(LoadProblem(str(path), "", "YAML feeds are not supported yet", "unsupported"))
    return load_stix_file(path)


def _expand(paths: Iterable[Path]) -> tuple[list[Path], list[LoadProblem]]:
    files: dict[Path, None] = {}
    problems = []
    for path in paths:
        if path.is_dir():
            files.update(dict.fromkeys(_files_in(path)))
        elif path.exists():
            files[path] = None
        else:
            problems.append(LoadProblem(str(path), "", "no such file or folder", "error"))
    unique: dict[Path, Path] = {}
    for path in files:
        unique.setdefault(path.resolve(), path)
    return list(unique.values()), problems


def load_indicators(paths: Iterable[Path]) -> IndicatorSet:
    """Load files and folders (searched recursively for *.stix2, *.json, *.csv) into one set.

    Identical (kind, value) pairs across files merge their ids and owners. A file given twice
    (or through two routes) is read once.
    """
    files, problems = _expand(paths)
    pool = IndicatorPool()
    loaded: list[IndicatorFile] = []
    for path in files:
        result = _load_file(path)
        problems.extend(result.problems)
        if result.file is not None:
            loaded.append(result.file)
        for indicator in result.indicators:
            pool.add_indicator(indicator)
    indicators = tuple(pool.freeze())
    log.info("loaded %d indicators from %d files (%d problems)",
             len(indicators), len(loaded), len(problems))
    return IndicatorSet(indicators, tuple(loaded), tuple(problems))


def paths_from_env(environ: Mapping[str, str] | None = None) -> list[Path]:
    """The files and folders listed in `PERITO_IOCS` (separated by os.pathsep)."""
    source = os.environ if environ is None else environ
    return [Path(part) for part in source.get(ENV_VARIABLE, "").split(os.pathsep) if part.strip()]
