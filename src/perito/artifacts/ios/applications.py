"""Installed applications and their App Store metadata (ios.md §2.2, §5.3).

Backup: the root `Info.plist` key `Applications` maps each bundle id to a dictionary whose
`iTunesMetadata` is the app's iTunesMetadata.plist embedded as data (binary or XML plist), and
`PlaceholderIcon` a PNG (kept only as its SHA-256). `Installed Applications` lists the bundle
ids present at backup time; an app listed there without an `Applications` entry, or an entry
without `iTunesMetadata`, still gets a record (`has_metadata` false). Filesystem dumps hold the
same plist as `private/var/containers/Bundle/Application/<UUID>/iTunesMetadata.plist`.

iTunesMetadata keys kept: `softwareVersionBundleId` (matched as app id and, as the incumbent
does, as a process name), `itemName`, `artistName`, `bundleShortVersionString`,
`bundleVersion`, `itemId`, `genre`, `is-purchased-redownload`, `sourceApp` (the installer:
`com.apple.AppStore`, `com.apple.AppStore.ProductPageExtension`, `com.apple.dmd`/`dmd` for MDM,
`com.apple.TestFlight`, an alternative marketplace…) and
`com.apple.iTunesStore.downloadInfo.purchaseDate`, text `YYYY-MM-DDTHH:MM:SSZ` in **UTC** (the
incumbent reads it as the analyst's local time). `accountInfo` and `appleId` hold the Apple ID
and the owner's name: personal data, so only whether they are present is kept.

Apps installed outside the App Store (enterprise, developer or ad-hoc signing) often have no
iTunesMetadata at all. Heuristics: `perito.analysis.applications`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from perito.artifacts.base import Artifact, Context, SchemaMismatch
from perito.records import Kind, Record, observable, register_record, timeline
from perito.sources.locations import BackupRoot, FsGlob
from perito.sources.plist import PlistError, load_plist
from perito.timestamps import Encoding, Timestamp, decode, from_datetime, unset

METADATA_FILE = "iTunesMetadata.plist"
DOWNLOAD_INFO = "com.apple.iTunesStore.downloadInfo"


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class InstalledApplication(Record):
    """One application: its bundle id and, when present, its App Store metadata.

    `bundle_id` is the Info.plist key (on a filesystem dump, `softwareVersionBundleId`);
    `process_names` repeats the bundle ids for process-name indicators. `source_app` None
    means the key is absent, which counts as the App Store.
    """

    bundle_id: str = field(default="", metadata=observable(Kind.APP_ID))
    software_version_bundle_id: str | None = field(default=None,
                                                   metadata=observable(Kind.APP_ID))
    process_names: tuple[str, ...] = field(default=(), metadata=observable(Kind.PROCESS))
    item_name: str | None = None
    artist_name: str | None = None
    version: str | None = None  # bundleShortVersionString
    bundle_version: str | None = None
    item_id: int | None = None
    genre: str | None = None
    source_app: str | None = None
    is_redownload: bool | None = None  # is-purchased-redownload
    purchase_date: Timestamp = field(default=unset(Encoding.ISO_TEXT),
                                     metadata=timeline("Application purchased/installed"))
    apple_id_present: bool = False
    icon_sha256: str | None = None
    has_metadata: bool = False
    in_installed_list: bool = False  # listed in Info.plist `Installed Applications`
    file_path: str = ""  # the iTunesMetadata.plist on a filesystem dump

    record_name = "Application"

    def describe(self) -> str:
        ident = self.software_version_bundle_id or self.bundle_id or "(no bundle id)"
        if not self.has_metadata:
            return f"Application {ident} (no App Store metadata)"
        text = f"Application {self.item_name or ident}"
        if self.item_name:
            text += f" ({ident})"
        if self.version:
            text += f" version {self.version}"
        if self.artist_name:
            text += f" by {self.artist_name}"
        return text + f" installed from {self.source_app or 'the App Store'}"


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes | bytearray):
        return None
    return value if isinstance(value, str) else str(value)


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def _purchase_date(download: Any) -> Timestamp:
    value = download.get("purchaseDate") if isinstance(download, dict) else None
    if isinstance(value, dt.datetime):
        return from_datetime(value)
    if isinstance(value, str):
        return decode(value, Encoding.ISO_TEXT)
    return unset(Encoding.ISO_TEXT)


def _apple_id_present(metadata: dict[str, Any]) -> bool:
    download = metadata.get(DOWNLOAD_INFO)
    account = download.get("accountInfo") if isinstance(download, dict) else None
    if isinstance(account, dict) and (account.get("AppleID") or account.get("DSPersonID")):
        return True
    return bool(metadata.get("appleId") or metadata.get("apple-id"))


def application_record(bundle_id: str, metadata: dict[str, Any] | None, source: str, *,
                       icon: bytes | None = None, in_installed_list: bool = False,
                       file_path: str = "") -> InstalledApplication:
    """The record of one app; `metadata` is its parsed iTunesMetadata, or None."""
    icon_sha256 = hashlib.sha256(icon).hexdigest() if icon is not None else None
    if metadata is None:
        return InstalledApplication(source=source, bundle_id=bundle_id,
                                    process_names=(bundle_id,) if bundle_id else (),
                                    icon_sha256=icon_sha256,
                                    in_installed_list=in_installed_list, file_path=file_path)
    store_id = _text(metadata.get("softwareVersionBundleId"))
    redownload = metadata.get("is-purchased-redownload")
    return InstalledApplication(
        source=source,
        bundle_id=bundle_id or store_id or "",
        software_version_bundle_id=store_id,
        process_names=tuple(dict.fromkeys(i for i in (bundle_id, store_id) if i)),
        item_name=_text(metadata.get("itemName")),
        artist_name=_text(metadata.get("artistName")),
        version=_text(metadata.get("bundleShortVersionString")),
        bundle_version=_text(metadata.get("bundleVersion")),
        item_id=_integer(metadata.get("itemId")),
        genre=_text(metadata.get("genre")),
        source_app=_text(metadata.get("sourceApp")),
        is_redownload=redownload if isinstance(redownload, bool) else None,
        purchase_date=_purchase_date(metadata.get(DOWNLOAD_INFO)),
        apple_id_present=_apple_id_present(metadata),
        icon_sha256=icon_sha256,
        has_metadata=True,
        in_installed_list=in_installed_list,
        file_path=file_path,
    )


def _metadata(value: Any) -> dict[str, Any] | None:
    """The iTunesMetadata dictionary from its embedded form; raises PlistError if unreadable."""
    if isinstance(value, dict):
        return value
    if isinstance(value, bytes | bytearray):
        parsed = load_plist(bytes(value))
        if isinstance(parsed, dict):
            return parsed
    raise PlistError("iTunesMetadata is not a dictionary")


def _from_info_plist(ctx: Context, info: dict[str, Any]) -> Iterator[Record]:
    source = ctx.evidence.address
    listed_raw = info.get("Installed Applications")
    listed = ([a for a in listed_raw if isinstance(a, str)]
              if isinstance(listed_raw, list) else [])
    listed_set = set(listed)
    apps = info.get("Applications")
    if apps is None:
        apps = {}
        if listed_raw is None:
            ctx.warn("Info.plist has neither Applications nor Installed Applications")
    elif not isinstance(apps, dict):
        ctx.warn("Info.plist Applications is not a dictionary; only the installed list read")
        apps = {}
    unreadable = 0
    for bundle_id in sorted(apps, key=str):
        entry = apps[bundle_id]
        entry = entry if isinstance(entry, dict) else {}
        icon = entry.get("PlaceholderIcon")
        metadata = None
        if "iTunesMetadata" in entry:
            try:
                metadata = _metadata(entry["iTunesMetadata"])
            except PlistError:
                unreadable += 1
        yield application_record(str(bundle_id), metadata, source,
                                 icon=bytes(icon) if isinstance(icon, bytes | bytearray)
                                 else None,
                                 in_installed_list=bundle_id in listed_set)
    for bundle_id in dict.fromkeys(listed):
        if bundle_id not in apps:
            yield application_record(bundle_id, None, source, in_installed_list=True)
    if unreadable:
        ctx.warn(f"iTunesMetadata of {unreadable} applications is not a readable plist")


def extract(ctx: Context) -> Iterator[Record]:
    data = load_plist(ctx.source.read_bytes(ctx.evidence))
    if not isinstance(data, dict):
        raise SchemaMismatch(["a top-level dictionary"])
    if ctx.evidence.name == METADATA_FILE:
        path = ctx.evidence.device_path or ctx.evidence.address
        yield application_record("", data, ctx.evidence.address, file_path=path)
        return
    yield from _from_info_plist(ctx, data)


ARTIFACT = Artifact(
    id="ios.applications",
    title="Installed applications",
    slug="applications",
    plugin="Applications",
    locations=(BackupRoot("Info.plist"),
               FsGlob(f"private/var/containers/Bundle/Application/*/{METADATA_FILE}")),
    records=(InstalledApplication,),
    extract=extract,
    doc=__doc__ or "",
)
