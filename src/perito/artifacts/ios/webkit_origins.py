"""WebKit IndexedDB, LocalStorage and SafariViewService folders: origins an app's WebKit
stored data for (ios.md §5.9).

In each app data container, `Library/WebKit/WebsiteData/IndexedDB/` and `…/LocalStorage/` hold
one entry per origin, named `https_example.com_0` (scheme, host, port; 0 is the default port)
or `https_example.com_0.localstorage`; SafariViewService (the in-app Safari sheet) keeps its
own under `SystemData/com.apple.SafariViewService/Library/WebKit/WebsiteData/`. The name is
the evidence: it survives clearing the browsing history. The only time is the entry's
modification time. Newer WebKit versions use hashed folder names with an `origin` file
inside, which folder names cannot reveal (ios.md §5.9).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from perito.artifacts.base import Artifact, Context
from perito.artifacts.ios.manifest import origin_urls
from perito.records import Kind, Record, observable, register_record, timeline
from perito.sources.locations import TreeListing
from perito.sources.tree import listing
from perito.timestamps import Encoding, Timestamp, decode, unset

_APP = r"private/var/mobile/Containers/Data/Application/[^/]+/"
_STORES = (
    ("indexeddb", re.compile(_APP + r"Library/WebKit/WebsiteData/IndexedDB/([^/]+)\Z")),
    ("localstorage", re.compile(_APP + r"Library/WebKit/WebsiteData/LocalStorage/([^/]+)\Z")),
    ("safariviewservice", re.compile(
        _APP + r"SystemData/com\.apple\.SafariViewService/Library/WebKit/WebsiteData/"
        r"(?:[^/]+/)?([^/]+)\Z")),
)
_MARKER = "/WebKit/WebsiteData/"


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class WebkitOriginFolder(Record):
    """One origin-named entry of a WebKit website-data store."""

    store: str = ""  # indexeddb, localstorage or safariviewservice
    folder: str = ""  # device path of the entry
    url: str = field(default="", metadata=observable(Kind.URL))
    modified: Timestamp = field(default=unset(Encoding.UNIX_S),
                                metadata=timeline("WebKit website data stored"))

    record_name = "WebKit origin"

    def describe(self) -> str:
        return f"WebKit {self.store} data for {self.url}"


def extract(ctx: Context) -> Iterator[Record]:
    for relative, entry in listing(ctx.source):
        if _MARKER not in relative:
            continue
        for store, pattern in _STORES:
            found = pattern.match(relative)
            if not found:
                continue
            for url in origin_urls(found.group(1).removesuffix(".localstorage")):
                yield WebkitOriginFolder(
                    source=relative, store=store, folder="/" + relative,
                    url=url, modified=decode(entry.mtime, Encoding.UNIX_S))
            break


ARTIFACT = Artifact(
    id="ios.webkit.origins",
    title="WebKit IndexedDB, LocalStorage and SafariViewService origins",
    slug="webkit_origins",
    plugin="WebkitOrigins",
    locations=(TreeListing(),),
    records=(WebkitOriginFolder,),
    extract=extract,
    doc=__doc__ or "",
)
