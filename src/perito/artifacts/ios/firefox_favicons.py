"""Firefox for iOS favicons: icons and the pages they were seen on (browser.db, ios.md §5.13).

The same `browser.db` as Firefox history. `favicons` (`id`, `url`, `width`, `height`, `type`,
`date` in unix **seconds**, REAL) is linked to pages through `favicon_sites` (`siteID` →
`history.id`, `faviconID` → `favicons.id`). One record per icon and page; an icon linked to
no page is kept once with an empty page URL (the incumbent's inner join drops it), since the
icon URL alone shows a site was loaded.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from perito.artifacts.base import Artifact, sqlite_artifact
from perito.artifacts.ios.chrome_history import text
from perito.artifacts.ios.firefox_history import LOCATIONS
from perito.artifacts.sql import col
from perito.records import Kind, Record, observable, register_record, timeline
from perito.timestamps import Encoding, Timestamp, unset


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class FirefoxFavicon(Record):
    """One favicon of a Firefox-iOS browser.db with one page it belongs to."""

    id: int | None = None  # favicons.id
    url: str = field(default="", metadata=observable(Kind.URL))  # the icon
    width: int | None = None
    height: int | None = None
    type: int | None = None
    date: Timestamp = field(default=unset(Encoding.UNIX_S),
                            metadata=timeline("Firefox favicon"))
    history_id: int | None = None
    history_url: str = field(default="", metadata=observable(Kind.URL))  # the page
    history_title: str | None = None

    record_name = "Firefox favicon"

    def describe(self) -> str:
        text = f"Firefox favicon {self.url or '(no URL)'}"
        if self.history_url:
            text += f" for {self.history_url}"
        return text


def _query(found: Mapping[str, set[str]]) -> str:
    columns = ", ".join([
        col(found, "favicons", "width", prefix="f"),
        col(found, "favicons", "height", prefix="f"),
        col(found, "favicons", "type", prefix="f"),
        col(found, "favicons", "date", prefix="f"),
        col(found, "history", "title", "history_title", prefix="h"),
    ])
    return ("SELECT f.id AS id, f.url AS url, s.siteID AS history_id, h.url AS history_url, "
            f"{columns} FROM favicons f LEFT JOIN favicon_sites s ON s.faviconID = f.id "
            "LEFT JOIN history h ON h.id = s.siteID ORDER BY f.id, s.id")


def _derive(row: sqlite3.Row) -> dict[str, Any]:
    return {"url": text(row["url"]), "history_url": text(row["history_url"])}


ARTIFACT = Artifact(
    id="ios.firefox.favicons",
    title="Firefox favicons",
    slug="firefox_favicon",
    plugin="FirefoxFavicon",
    locations=LOCATIONS,
    records=(FirefoxFavicon,),
    extract=sqlite_artifact(
        identify={"favicons": ["id", "url"], "favicon_sites": ["id", "siteID", "faviconID"],
                  "history": ["id", "url"]},
        query=_query,
        record=FirefoxFavicon,
        encodings={"date": Encoding.UNIX_S},
        derive=_derive,
    ),
    doc=__doc__ or "",
)
