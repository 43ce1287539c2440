"""Safari `Favicons.db`: icons fetched for the pages Safari showed (ios.md §5.6).

Filesystem dumps only: `private/var/mobile/Library/Image Cache/Favicons/Favicons.db` and the
same path in app data containers. Tables `icon_info(uuid, url, timestamp, width, height,
has_generated_representations)` and `page_url(uuid, url)` joined on `uuid`, and
`rejected_resources(page_url, icon_url, timestamp)`; times are Cocoa seconds. Favicons outlive
history deletion, so a page here but absent from History.db is a lead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from perito.artifacts.base import Artifact, sqlite_artifact
from perito.records import Kind, Record, observable, register_record, timeline
from perito.sources.locations import FsGlob
from perito.timestamps import Encoding, Timestamp, unset


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class SafariFavicon(Record):
    """A page and its icon, or an icon Safari rejected."""

    page_url: str = field(default="", metadata=observable(Kind.URL))
    icon_url: str = field(default="", metadata=observable(Kind.URL))
    timestamp: Timestamp = field(default=unset(Encoding.COCOA_S),
                                 metadata=timeline("Safari favicon"))
    rejected: bool = False

    record_name = "Safari favicon"

    def describe(self) -> str:
        verb = "rejected icon" if self.rejected else "icon"
        return f"Safari {verb} {self.icon_url} for {self.page_url}"


QUERY = ("SELECT p.url AS page_url, i.url AS icon_url, i.timestamp AS timestamp, "
         "0 AS rejected FROM page_url p LEFT JOIN icon_info i ON i.uuid = p.uuid "
         "UNION ALL SELECT r.page_url, r.icon_url, r.timestamp, 1 FROM rejected_resources r "
         "ORDER BY timestamp, page_url")

ARTIFACT = Artifact(
    id="ios.safari.favicons",
    title="Safari favicons",
    slug="safari_favicon",
    plugin="SafariFavicon",
    locations=(FsGlob("private/var/mobile/Library/Image Cache/Favicons/Favicons.db"),
               FsGlob("private/var/mobile/Containers/Data/Application/*/Library/Image Cache/"
                      "Favicons/Favicons.db")),
    records=(SafariFavicon,),
    extract=sqlite_artifact(
        identify={"icon_info": ["uuid", "url", "timestamp"], "page_url": ["uuid", "url"],
                  "rejected_resources": ["page_url", "icon_url", "timestamp"]},
        query=QUERY, record=SafariFavicon, encodings={"timestamp": Encoding.COCOA_S},
        derive=lambda row: {"rejected": bool(row["rejected"]),
                            "icon_url": row["icon_url"] or ""}),
    doc=__doc__ or "",
)
