"""Application heuristics: installs from outside the App Store, malformed metadata (ios.md §6)."""

from __future__ import annotations

from collections.abc import Iterator

from perito.artifacts.ios.applications import InstalledApplication
from perito.detections import heuristic
from perito.levels import Level
from perito.records import Record

APP_STORE_INSTALLERS = frozenset({"com.apple.AppStore", "com.apple.AppStore.ProductPageExtension",
                                  "com.apple.dmd", "dmd"})
_KNOWN_SOURCES = {"com.apple.TestFlight": "TestFlight"}


def _name(record: InstalledApplication) -> str:
    ident = record.software_version_bundle_id or record.bundle_id or "(no bundle id)"
    return f"{record.item_name} ({ident})" if record.item_name else ident


def _source(source_app: str) -> str:
    known = _KNOWN_SOURCES.get(source_app)
    if known:
        return f"{known} ({source_app})"
    if not source_app.strip():
        return "an empty installer name"
    return f"{source_app} (an enterprise or developer installer, or an alternative marketplace)"


@heuristic(InstalledApplication, "app-not-from-app-store", Level.MEDIUM,
           "Apps from TestFlight, enterprise or developer signing, or alternative marketplaces "
           "bypass App Review; this is a typical stalkerware route.")
def not_from_app_store(record: Record) -> Iterator[str]:
    assert isinstance(record, InstalledApplication)
    if record.has_metadata and record.source_app is not None and (
            record.source_app not in APP_STORE_INSTALLERS):
        yield (f"{_name(record)} was installed from {_source(record.source_app)}, "
               "not from the App Store or MDM")


@heuristic(InstalledApplication, "app-without-bundle-id", Level.MEDIUM,
           "App Store metadata always names the bundle id; metadata without "
           "softwareVersionBundleId is malformed or was written by something else.")
def without_bundle_id(record: Record) -> Iterator[str]:
    assert isinstance(record, InstalledApplication)
    if record.has_metadata and not record.software_version_bundle_id:
        yield f"{_name(record)} has App Store metadata without softwareVersionBundleId"
