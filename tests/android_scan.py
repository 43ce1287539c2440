"""Helpers for the Android tests: open built acquisitions and scan them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from perito.artifacts.android.catalogue import ANDROIDQF, BUGREPORT
from perito.artifacts.base import Artifact
from perito.commands.androidqf import BUGREPORT_MARKERS
from perito.detections import Detection
from perito.indicators.index import IndicatorIndex
from perito.indicators.stix import load_indicators
from perito.pipeline import ScanResult, scan
from perito.records import Record
from perito.sources.android_tree import ANDROIDQF_MARKERS, AndroidTree
from tests.helpers import extract_from


def androidqf(path: Path, data: bytes | None = None) -> AndroidTree:
    return AndroidTree(path, kind="android-androidqf", markers=ANDROIDQF_MARKERS, data=data)


def bugreport(path: Path) -> AndroidTree:
    return AndroidTree(path, kind="android-bugreport", markers=BUGREPORT_MARKERS)


def records_of(source: AndroidTree, artifact: Artifact) -> list[Record]:
    records, _notes = extract_from(source, artifact)
    return records


def scan_tree(source: AndroidTree, iocs: Sequence[Path] = (),
              artifacts: Sequence[Artifact] | None = None) -> ScanResult:
    index = IndicatorIndex.build(load_indicators(list(iocs))) if iocs else None
    chosen = artifacts if artifacts is not None else (
        BUGREPORT if source.kind == "android-bugreport" else ANDROIDQF)
    return scan(source, chosen, index, None)


def findings(result: ScanResult, name: str) -> list[Detection]:
    return [d for d in result.detections if d.finding == name]
