"""The backup's file list (ios.backup.manifest)."""

from __future__ import annotations

from pathlib import Path

from perito.artifacts.ios.manifest import ARTIFACT, ManifestEntry, origin_urls
from perito.records import Kind, observables
from tests.builders.ios_backup import BackupBuilder
from tests.helpers import extract

SAFARI = "AppDomain-com.apple.mobilesafari"
STORAGE = "Library/WebKit/WebsiteData"


def test_origin_urls_of_webkit_folder_names() -> None:
    assert origin_urls(f"{STORAGE}/LocalStorage/https_example.com_0.localstorage") == (
        "https://example.com/",)
    assert origin_urls(f"{STORAGE}/IndexedDB/v1/http_10.0.0.7_8080/IndexedDB.sqlite3") == (
        "http://10.0.0.7:8080/",)
    assert origin_urls("Library/Preferences/com.example_app_1.plist") == ()


def test_localstorage_sidecars_carry_their_origin(tmp_path: Path) -> None:
    """Every LocalStorage file of an origin names it, its -shm and -wal too: the incumbent
    raises one alert per such row, so each row must yield the URL."""
    builder = BackupBuilder()
    names = ["https_receiptpending.net_0.localstorage",
             "https_receiptpending.net_0.localstorage-shm",
             "https_receiptpending.net_0.localstorage-wal",
             "https_receiptpending.net_0.localstorage-journal"]
    for name in names:
        builder.add_file(SAFARI, f"{STORAGE}/LocalStorage/{name}", bytes(32))
    builder.add_file(SAFARI, f"{STORAGE}/LocalStorage/https_receiptpending.net_0.localstorage.bak",
                     bytes(32))  # not WebKit's: no origin
    records, _ = extract(builder.write(tmp_path / "backup"), ARTIFACT)
    urls = {r.relative_path.rsplit("/", 1)[1]: [v for _f, k, v in observables(r)
                                               if k is Kind.URL]
            for r in records if isinstance(r, ManifestEntry) and r.flags == 1}
    assert urls == {**{name: ["https://receiptpending.net/"] for name in names},
                    "https_receiptpending.net_0.localstorage.bak": []}
