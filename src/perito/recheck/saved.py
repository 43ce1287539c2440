"""A saved result folder opened as a read-only `Source`, with artifacts that replay it.

- perito's folders: `records/<artifact id>.jsonl`, one record per line with its type; each
  becomes the artifact that wrote it, reading the records back instead of the evidence.
- the incumbent's folders: `<slug>.json` for every module slug it writes (§5.7); each
  becomes the perito artifact with that slug (or a stand-in for modules perito does not have
  yet) that yields one `IncumbentEntry` per saved entry.

Every file read is hashed into the custody record; nothing in the folder is changed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from perito.artifacts import registry
from perito.artifacts.base import Artifact, Context, Extractor
from perito.errors import InputError
from perito.recheck.incumbent import (
    ANDROID_ONLY,
    FIELDS,
    IncumbentEntry,
    entries,
    entry_record,
    match_level,
)
from perito.records import Record, from_dict
from perito.sources.evidence import Custody, EvidenceFile
from perito.sources.locations import Location, ResultFile
from perito.sources.plist import PlistError
from perito.sources.sqlite import OpenedDatabase

PERITO = "perito-results"
INCUMBENT = "incumbent-results"


@functools.cache
def _by_slug() -> dict[str, Artifact]:
    """The artifact of each of the incumbent's module names (the first one declared)."""
    return {artifact.slug: artifact for artifact in reversed(registry().values())}


@dataclass
class SavedResults:
    """A result folder, as a `Source`: `find(ResultFile(name))` gives that file."""

    root: Path
    kind: str
    platform: str
    custody: Custody = field(default_factory=Custody)

    def find(self, location: Location) -> Iterator[EvidenceFile]:
        if isinstance(location, ResultFile):
            path = self.root / location.name
            if path.is_file():
                yield EvidenceFile(address=location.name, path=path)

    def missing_rows(self, location: Location) -> list[str]:
        return []

    def read_bytes(self, evidence: EvidenceFile) -> bytes:
        data = evidence.path.read_bytes()
        self.custody.record(evidence.address, evidence.path)
        return data

    def open_sqlite(self, evidence: EvidenceFile) -> contextlib.AbstractContextManager[
            OpenedDatabase]:
        raise InputError(f"{evidence.address}: saved results hold no databases")

    def close(self) -> None:
        return None


def _platform_of_perito(root: Path, ids: list[str]) -> str:
    kind = str(_perito_info(root).get("acquisition_kind", ""))
    if kind.startswith("android") or (ids and all(i.startswith("android.") for i in ids)):
        return "android"
    return "ios"


def _perito_info(root: Path) -> dict[str, Any]:
    """perito's info.json of the folder, or {} (absent, unreadable, or not perito's)."""
    try:
        info = json.loads((root / "info.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return {}
    return info if isinstance(info, dict) and "perito_version" in info else {}


def is_result_folder(root: Path) -> bool:
    return (root / "records").is_dir() or bool(_perito_info(root)) or any(
        p.stem in FIELDS or p.stem in _by_slug() for p in root.glob("*.json"))


def result_folders(path: Path) -> list[Path]:
    """`path` when it is a result folder, else the result folders directly inside it (a
    helpline's folder of past cases); InputError when there are none."""
    if not path.is_dir():
        raise InputError(f"{path}: not a folder")
    if is_result_folder(path):
        return [path]
    found = sorted(child for child in path.iterdir()
                   if child.is_dir() and is_result_folder(child))
    if not found:
        raise InputError(f"{path}: not a result folder (no records/*.jsonl of perito, no "
                         "<module>.json of the incumbent tool), nor a folder of them")
    return found


def saved_matches(root: Path) -> set[tuple[str, str]] | None:
    """(module, indicator value) of the matches the folder's own alerts record, or None when
    it has no readable record of them. Reads `alerts.json`, else the incumbent's older
    `<slug>_detected.json` (matched records carrying `matched_indicator`)."""
    documents: list[tuple[str, Any]] = []
    alerts = root / "alerts.json"
    paths = [alerts] if alerts.is_file() else sorted(root.glob("*_detected.json"))
    for path in paths:
        try:
            documents.append((path.name.removesuffix("_detected.json"),
                              json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, UnicodeDecodeError, ValueError, RecursionError):
            return None
    if not documents:
        return None
    found: set[tuple[str, str]] = set()
    for module, document in documents:
        for item in document if isinstance(document, list) else []:
            if not isinstance(item, dict) or item.get("perito", {}).get("suppressed"):
                continue
            matched = item.get("matched_indicator")
            value = matched.get("value") if isinstance(matched, dict) else matched
            if isinstance(value, str) and value:
                found.add((str(item.get("module") or module), value))
    return found


def open_results(root: Path) -> tuple[SavedResults, list[Artifact], list[str]]:
    """The folder as a source, the artifacts that replay it, and notes about what was left
    out. Raises InputError for a folder that is neither perito's nor the incumbent's."""
    if not root.is_dir():
        raise InputError(f"{root}: not a folder")
    records = root / "records"
    if records.is_dir():
        return _perito(root, sorted(records.glob("*.jsonl")))
    info = _perito_info(root)
    recheck = info.get("recheck")
    if isinstance(recheck, dict):
        raise InputError(f"{root}: the output of a re-check holds no records; re-check the "
                         f"folder it came from ({recheck.get('results_folder')})")
    if info:  # a scan that extracted no record at all
        return _perito(root, [])
    slugs = sorted(p.stem for p in root.glob("*.json") if p.stem in FIELDS or p.stem in _by_slug())
    if slugs:
        return _incumbent(root, slugs)
    raise InputError(f"{root}: not a result folder (no records/*.jsonl of perito, no "
                     "<module>.json of the incumbent tool)")


def _perito(root: Path, files: list[Path]) -> tuple[SavedResults, list[Artifact], list[str]]:
    declared = registry()
    notes = [f"records/{path.name}: written by an artifact this perito does not list; its "
             "records are re-checked as far as their types are known" for path in files
             if path.stem not in declared]
    present = {path.stem for path in files}
    # in the catalogue's order, as a scan reports them; unknown ids after, by name
    known = [artifact for key, artifact in declared.items() if key in present]
    known += [_stand_in(path.stem) for path in files if path.stem not in declared]
    artifacts = [dataclasses.replace(artifact,
                                     locations=(ResultFile(f"records/{artifact.id}.jsonl"),),
                                     extract=_replay) for artifact in known]
    source = SavedResults(root, PERITO, _platform_of_perito(root, [a.id for a in artifacts]))
    return source, artifacts, notes


def _stand_in(artifact_id: str) -> Artifact:
    """An artifact for records saved by an artifact this perito does not list (a newer or
    other perito): the records rebuild through their registered types all the same."""
    slug = artifact_id.rsplit(".", 1)[-1]
    return Artifact(id=artifact_id, title=f"{artifact_id} (saved records)", slug=slug,
                    plugin=slug, locations=(), records=(), extract=_replay)


def _replay(ctx: Context) -> Iterator[Record]:
    """The records of one saved JSONL file, as the scan wrote them, streamed line by line."""
    ctx.source.custody.record(ctx.evidence.address, ctx.evidence.path)
    bad = 0
    with ctx.evidence.path.open("rb") as handle:
        for line in handle:
            if not line.strip():
                continue
            try:
                saved = orjson.loads(line)
                yield from_dict(saved)
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError):
                bad += 1
    if bad:
        ctx.warn(f"{bad} lines are not records this perito can read; skipped")


def _incumbent(root: Path, slugs: list[str]) -> tuple[SavedResults, list[Artifact], list[str]]:
    platform = "android" if any(slug in ANDROID_ONLY for slug in slugs) else "ios"
    notes: list[str] = []
    artifacts: list[Artifact] = []
    for slug in slugs:
        known = _by_slug().get(slug)
        if slug not in FIELDS:
            notes.append(f"{slug}.json: the incumbent's {slug} results carry no observable "
                         "perito knows how to read; not re-checked")
            continue
        location = (ResultFile(f"{slug}.json"),)
        if known is not None:
            artifacts.append(dataclasses.replace(known, locations=location,
                                                 records=(IncumbentEntry,),
                                                 extract=_entries_of(slug)))
        else:
            artifacts.append(Artifact(id=f"incumbent.{slug}", title=f"{slug} (saved results)",
                                      slug=slug, plugin=slug, locations=location,
                                      records=(IncumbentEntry,), extract=_entries_of(slug),
                                      match_level=match_level(slug)))
    return SavedResults(root, INCUMBENT, platform), artifacts, notes


class ResultFileError(PlistError):
    """A saved result file that is not readable JSON (the pipeline reports a PlistError's
    message as it is, which is what this needs)."""


def _entries_of(slug: str) -> Extractor:
    def extract(ctx: Context) -> Iterator[Record]:
        try:
            document = json.loads(ctx.source.read_bytes(ctx.evidence).decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as error:
            raise ResultFileError(f"not a readable JSON result file ({error})") from None
        for entry in entries(slug, document):
            yield entry_record(slug, entry, ctx.evidence.address)
    return extract
