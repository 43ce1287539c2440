"""Chrome for iOS favicons: page URLs and their icons from the `Favicons` database (ios.md §5.13).

`AppDomain-com.google.chrome.ios/Library/Application Support/Google/Chrome/Default/Favicons`
(fileID `55680ab8…`) and other profile folders. Chromium's schema: `icon_mapping` (`page_url`,
`icon_id`; from version 9 `page_url_type`), `favicons` (`id`, `url`, `icon_type`) and
`favicon_bitmaps` (`icon_id`, `last_updated`, `last_requested`, `width`, `height`), times in
microseconds since 1601 (WebKit µs). `last_updated` is when the icon was fetched,
`last_requested` is set only for icons fetched on demand; the record's event time is the
first that is set, as in the incumbent.

One record per page mapping and bitmap (the incumbent's join). Mappings whose icon has no
bitmap or no `favicons` row are kept (LEFT JOIN): the page URL is evidence by itself, and
favicons outlive history deletion.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from perito.artifacts.base import Artifact, sqlite_artifact
from perito.artifacts.ios.chrome_history import CHROME_DIR, CHROME_DOMAIN, text
from perito.artifacts.sql import col
from perito.records import Kind, Record, observable, register_record, timeline
from perito.sources.locations import BackupFile, BackupGlob, FsGlob
from perito.timestamps import Encoding, Timestamp, unset


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class ChromeFavicon(Record):
    """One page → icon mapping of a Chrome Favicons database, with one of its bitmaps."""

    mapping_id: int | None = None  # icon_mapping.id
    url: str = field(default="", metadata=observable(Kind.URL))  # the page
    icon_id: int | None = None
    icon_url: str = field(default="", metadata=observable(Kind.URL))
    icon_type: int | None = None
    bitmap_id: int | None = None
    width: int | None = None
    height: int | None = None
    last_updated: Timestamp = field(default=unset(Encoding.WEBKIT_US),
                                    metadata=timeline("Chrome favicon fetched"))
    last_requested: Timestamp = field(default=unset(Encoding.WEBKIT_US),
                                      metadata=timeline("Chrome favicon requested"))

    record_name = "Chrome favicon"

    def describe(self) -> str:
        return f"Chrome favicon {self.icon_url or '(unknown icon)'} for {self.url or '(no URL)'}"


def _query(found: Mapping[str, set[str]]) -> str:
    columns = ", ".join([
        col(found, "favicons", "url", "icon_url", prefix="f"),
        col(found, "favicons", "icon_type", prefix="f"),
        col(found, "favicon_bitmaps", "id", "bitmap_id", prefix="b"),
        col(found, "favicon_bitmaps", "width", prefix="b"),
        col(found, "favicon_bitmaps", "height", prefix="b"),
        col(found, "favicon_bitmaps", "last_updated", prefix="b"),
        col(found, "favicon_bitmaps", "last_requested", prefix="b"),
    ])
    return ("SELECT m.id AS mapping_id, m.page_url AS url, m.icon_id AS icon_id, "
            f"{columns} FROM icon_mapping m LEFT JOIN favicons f ON f.id = m.icon_id "
            "LEFT JOIN favicon_bitmaps b ON b.icon_id = m.icon_id ORDER BY m.id, b.id")


ARTIFACT = Artifact(
    id="ios.chrome.favicons",
    title="Chrome favicons",
    slug="chrome_favicon",
    plugin="ChromeFavicon",
    locations=(BackupFile(CHROME_DOMAIN, f"{CHROME_DIR}/Default/Favicons"),
               BackupGlob(f"{CHROME_DIR}/*/Favicons"),
               FsGlob("private/var/mobile/Containers/Data/Application/*/"
                      f"{CHROME_DIR}/*/Favicons")),
    records=(ChromeFavicon,),
    extract=sqlite_artifact(
        identify={"icon_mapping": ["id", "page_url", "icon_id"],
                  "favicons": ["id", "url"], "favicon_bitmaps": ["icon_id"]},
        query=_query,
        record=ChromeFavicon,
        encodings={"last_updated": Encoding.WEBKIT_US, "last_requested": Encoding.WEBKIT_US},
        derive=lambda row: {"url": text(row["url"]), "icon_url": text(row["icon_url"])},
    ),
    doc=__doc__ or "",
)
