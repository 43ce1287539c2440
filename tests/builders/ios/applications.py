"""Info.plist `Applications` entries with iTunesMetadata, as iTunes/Finder write them.

Each entry is `{"iTunesMetadata": <plist bytes>, "PlaceholderIcon": <PNG>, "ApplicationSINF":
<FairPlay data>}`. The metadata uses the keys the App Store writes (`softwareVersionBundleId`,
`itemName`, `artistName`, `bundleShortVersionString`, `bundleVersion`, `itemId`, `sourceApp`,
`com.apple.iTunesStore.downloadInfo` {`accountInfo`, `purchaseDate` as `…Z` UTC text},
`is-purchased-redownload`, `genre`, `genreId`, `kind`, `rating`…). The Apple ID, names and
person ids are made up. `com.example.marketplace` stands for an EU alternative marketplace's
bundle id (the real ids vary by marketplace).
"""

from __future__ import annotations

import hashlib
import plistlib
import struct
import zlib
from typing import Any

_MISSING = object()


def placeholder_icon(seed: str) -> bytes:
    """A small valid PNG (8×8 RGB, colour from the seed)."""
    r, g, b = hashlib.sha256(seed.encode()).digest()[:3]
    row = b"\x00" + bytes([r, g, b]) * 8
    raw = row * 8

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def itunes_metadata(bundle_id: str | None, name: str, artist: str, version: str,
                    bundle_version: str, item_id: int, genre: str, *,
                    source_app: Any = "com.apple.AppStore",
                    purchase_date: str | None = "2023-05-14T18:22:11Z",
                    redownload: bool = False, apple_id: bool = True) -> dict[str, Any]:
    """iTunesMetadata.plist content; `source_app=None` leaves the key out (older installs)."""
    download: dict[str, Any] = {"releaseDate": "2019-03-01T08:00:00Z"}
    if apple_id:
        download["accountInfo"] = {
            "AppleID": "persona.prueba@example.com", "AltDSID": "001234-05-a1b2c3d4",
            "DSPersonID": 12345678901, "FirstName": "Persona", "LastName": "Prueba",
            "PurchaserID": 12345678901, "DownloaderID": 0, "FamilyID": 0,
            "AccountStoreFront": "143468-28,29",
        }
    if purchase_date is not None:
        download["purchaseDate"] = purchase_date
    metadata: dict[str, Any] = {
        "artistId": 284882218, "artistName": artist, "bundleDisplayName": name.split()[0],
        "bundleShortVersionString": version, "bundleVersion": bundle_version,
        "com.apple.iTunesStore.downloadInfo": download,
        "copyright": f"© 2024 {artist}", "drmVersionNumber": 0, "fileExtension": ".app",
        "gameCenterEnabled": False, "gameCenterEverEnabled": False, "genre": genre,
        "genreId": 6005, "is-purchased-redownload": redownload, "isAutoDownload": False,
        "isB2BCustomApp": False, "itemId": item_id, "itemName": name, "kind": "software",
        "playlistName": artist, "price": 0, "priceDisplay": "Free",
        "rating": {"content": "12+", "label": "12+", "rank": 300, "system": "itunes-games"},
        "releaseDate": "2019-03-01T08:00:00Z", "s": 143468,
        "softwareIcon57x57URL": f"https://is1-ssl.mzstatic.com/image/thumb/{item_id}/57x57bb.png",
        "softwareIconNeedsShine": False, "softwareSupportedDeviceIds": [2, 9],
        "softwareVersionExternalIdentifier": item_id * 3 + 1,
        "softwareVersionExternalIdentifiers": [item_id * 3, item_id * 3 + 1],
        "subgenres": [{"genre": "Utilities", "genreId": 6002}],
        "vendorId": 284882218,
    }
    if bundle_id is not None:
        metadata["softwareVersionBundleId"] = bundle_id
    if source_app is not None:
        metadata["sourceApp"] = source_app
    return metadata


def app_entry(metadata: dict[str, Any] | bytes | None, *, seed: str,
              fmt: int = plistlib.FMT_BINARY, icon: bool = True, sinf: bool = True
              ) -> dict[str, Any]:
    """An Info.plist `Applications` value; metadata None leaves `iTunesMetadata` out,
    bytes are stored as given (for damaged metadata)."""
    entry: dict[str, Any] = {}
    if sinf:
        entry["ApplicationSINF"] = hashlib.sha256(f"sinf:{seed}".encode()).digest() * 4
    if isinstance(metadata, bytes):
        entry["iTunesMetadata"] = metadata
    elif metadata is not None:
        entry["iTunesMetadata"] = plistlib.dumps(metadata, fmt=fmt)
    if icon:
        entry["PlaceholderIcon"] = placeholder_icon(seed)
    return entry


WHATSAPP = "net.whatsapp.WhatsApp"
SIGNAL = "org.whispersystems.signal"
BETA = "com.example.beta.messenger"
FIELD = "com.acme.fieldservice"
MARKET = "com.example.marketplace.vpn"
OLD = "com.example.notes.classic"
NO_ID = "com.example.tracker"
ENTERPRISE = "com.example.enterprise.helper"


def sample_applications() -> dict[str, dict[str, Any]]:
    """Eight apps: App Store (binary and XML metadata), product-page extension, TestFlight,
    MDM, an alternative marketplace, no sourceApp, no softwareVersionBundleId, no metadata."""
    return {
        WHATSAPP: app_entry(itunes_metadata(
            WHATSAPP, "WhatsApp Messenger", "WhatsApp Inc.", "24.4.79", "706331512", 310633997,
            "Social Networking", redownload=True), seed=WHATSAPP),
        SIGNAL: app_entry(itunes_metadata(
            SIGNAL, "Signal - Private Messenger", "Signal Messenger, LLC", "7.2", "7.2.0.12",
            874139669, "Social Networking",
            source_app="com.apple.AppStore.ProductPageExtension",
            purchase_date="2024-01-09T07:45:00Z"), seed=SIGNAL, fmt=plistlib.FMT_XML),
        BETA: app_entry(itunes_metadata(
            BETA, "Beta Messenger", "Example Labs", "0.9", "41", 6449000001, "Productivity",
            source_app="com.apple.TestFlight", purchase_date="2024-02-20T12:00:00Z"),
            seed=BETA),
        FIELD: app_entry(itunes_metadata(
            FIELD, "Acme Field Service", "Acme Corp", "3.1.4", "3140", 1588000002, "Business",
            source_app="com.apple.dmd", apple_id=False), seed=FIELD),
        MARKET: app_entry(itunes_metadata(
            MARKET, "Quick VPN", "Example Apps s.r.o.", "2.0", "200", 6470000003, "Utilities",
            source_app="com.example.marketplace", purchase_date="2024-03-01T09:59:59Z"),
            seed=MARKET),
        OLD: app_entry(itunes_metadata(
            OLD, "Classic Notes", "Example Software", "1.4", "14", 412000004, "Productivity",
            source_app=None, purchase_date="2016-07-02T10:11:12Z"), seed=OLD, icon=False),
        NO_ID: app_entry(itunes_metadata(
            None, "Family Tracker", "Unknown", "1.0", "1", 0, "Utilities", source_app=None,
            purchase_date=None, apple_id=False), seed=NO_ID),
        ENTERPRISE: app_entry(None, seed=ENTERPRISE, sinf=False),
    }
