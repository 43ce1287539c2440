"""Chrome for iOS history: every visit in a Chromium `History` database (ios.md §5.13).

`AppDomain-com.google.chrome.ios/Library/Application Support/Google/Chrome/Default/History`
(fileID `faf971ce…`); other profile folders are read too. Chromium's schema: `urls` (one row per
URL: `url`, `title`, `visit_count`, `typed_count`, `last_visit_time`, `hidden`) and `visits`
(`url` → `urls.id`, `visit_time`, `from_visit` → the referring visit's `visits.id`,
`transition`, `visit_duration`; from schema version ~50 `external_referrer_url`). Times are
microseconds since 1601-01-01 (WebKit µs); `visit_duration` is microseconds.

`transition` packs a core type (low byte: link, typed, auto_bookmark, auto_subframe,
manual_subframe, generated, auto_toplevel, form_submit, reload, keyword, keyword_generated)
and qualifier bits (forward_back, from_address_bar, home_page, from_api, chain_start,
chain_end, client_redirect, server_redirect); both are spelled out. A redirect chain appears as
visits whose `from_visit` is the previous hop, joined in SQL within the same database.
The incumbent reads the first `History` only and orders by time; each visit here carries its
referrer's URL.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from perito.artifacts.base import Artifact, sqlite_artifact
from perito.artifacts.sql import col
from perito.records import Kind, Record, observable, register_record, timeline
from perito.sources.locations import BackupFile, BackupGlob, FsGlob
from perito.timestamps import Encoding, Timestamp, unset

CHROME_DOMAIN = "AppDomain-com.google.chrome.ios"
CHROME_DIR = "Library/Application Support/Google/Chrome"

_CORE = ("link", "typed", "auto_bookmark", "auto_subframe", "manual_subframe", "generated",
         "auto_toplevel", "form_submit", "reload", "keyword", "keyword_generated")
_QUALIFIERS = ((0x01000000, "forward_back"), (0x02000000, "from_address_bar"),
               (0x04000000, "home_page"), (0x08000000, "from_api"),
               (0x10000000, "chain_start"), (0x20000000, "chain_end"),
               (0x40000000, "client_redirect"), (0x80000000, "server_redirect"))


def transition_names(value: int | None) -> tuple[str, str]:
    """(core type, "+"-joined qualifiers) of a Chromium page transition (stored signed)."""
    if value is None:
        return "", ""
    bits = value & 0xFFFFFFFF
    core = bits & 0xFF
    name = _CORE[core] if core < len(_CORE) else f"unknown_{core}"
    return name, "+".join(label for mask, label in _QUALIFIERS if bits & mask)


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class ChromeVisit(Record):
    """One visit from a Chrome History database."""

    id: int | None = None  # urls.id
    visit_id: int | None = None
    url: str = field(default="", metadata=observable(Kind.URL))
    title: str | None = None
    visit_time: Timestamp = field(default=unset(Encoding.WEBKIT_US),
                                  metadata=timeline("Chrome visit"))
    from_visit: int | None = None  # the referring visit (0: none)
    from_visit_url: str | None = None
    transition: int | None = None
    transition_type: str = ""
    transition_qualifiers: str = ""
    visit_duration: int | None = None  # microseconds
    external_referrer_url: str = field(default="", metadata=observable(Kind.URL))
    visit_count: int | None = None
    typed_count: int | None = None
    hidden: int | None = None

    record_name = "Chrome visit"

    def describe(self) -> str:
        text = f"Chrome visit to {self.url or '(no URL)'}"
        if self.transition_type:
            text += f" ({self.transition_type}"
            text += f", {self.transition_qualifiers})" if self.transition_qualifiers else ")"
        if self.from_visit_url:
            text += f" from {self.from_visit_url}"
        if self.external_referrer_url:
            text += f", referred by {self.external_referrer_url}"
        return text


def _query(found: Mapping[str, set[str]]) -> str:
    columns = ", ".join([
        col(found, "visits", "from_visit", prefix="v"),
        col(found, "visits", "transition", prefix="v"),
        col(found, "visits", "visit_duration", prefix="v"),
        col(found, "visits", "external_referrer_url", prefix="v"),
        col(found, "urls", "title", prefix="u"),
        col(found, "urls", "visit_count", prefix="u"),
        col(found, "urls", "typed_count", prefix="u"),
        col(found, "urls", "hidden", prefix="u"),
    ])
    if "from_visit" in found["visits"]:
        referrer = "fu.url AS from_visit_url"
        joins = ("LEFT JOIN visits f ON f.id = v.from_visit AND v.from_visit != 0 "
                 "LEFT JOIN urls fu ON fu.id = f.url")
    else:
        referrer, joins = "NULL AS from_visit_url", ""
    return (f"SELECT u.id AS id, v.id AS visit_id, u.url AS url, v.visit_time AS visit_time, "
            f"{columns}, {referrer} FROM visits v LEFT JOIN urls u ON u.id = v.url {joins} "
            "ORDER BY v.id")


def text(value: Any) -> str:
    """A text column as str ("" for NULL; BLOB-stored text decoded)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value if isinstance(value, str) else ""


def _derive(row: sqlite3.Row) -> dict[str, Any]:
    raw = row["transition"]
    value = raw if isinstance(raw, int) and not isinstance(raw, bool) else None
    core, qualifiers = transition_names(value)
    return {"transition_type": core, "transition_qualifiers": qualifiers,
            "url": text(row["url"]), "external_referrer_url": text(row["external_referrer_url"])}


ARTIFACT = Artifact(
    id="ios.chrome.history",
    title="Chrome history",
    slug="chrome_history",
    plugin="ChromeHistory",
    locations=(BackupFile(CHROME_DOMAIN, f"{CHROME_DIR}/Default/History"),
               BackupGlob(f"{CHROME_DIR}/*/History"),
               FsGlob(f"private/var/mobile/Containers/Data/Application/*/{CHROME_DIR}/*/History")),
    records=(ChromeVisit,),
    extract=sqlite_artifact(
        identify={"urls": ["id", "url"], "visits": ["id", "url", "visit_time"]},
        query=_query,
        record=ChromeVisit,
        encodings={"visit_time": Encoding.WEBKIT_US},
        derive=_derive,
    ),
    doc=__doc__ or "",
)
