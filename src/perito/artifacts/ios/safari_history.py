"""Safari history: every visit in History.db, default and iOS 17+ profile databases.

Visit ids are per database, so a visit's redirect target is joined inside the same database
(ios.md §5.4); the redirect heuristic then needs no state across records.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from perito.artifacts.base import Artifact, Context, _executed, row_mapper, table_rows
from perito.artifacts.sql import col
from perito.records import Kind, Record, observable, register_record, timeline
from perito.sources.locations import BackupFile, BackupGlob, FsGlob
from perito.timestamps import Encoding, Timestamp, unset


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class SafariVisit(Record):
    """One visit from a Safari History.db."""

    id: int | None = None  # history_items.id
    visit_id: int | None = None
    url: str = field(default="", metadata=observable(Kind.URL))
    visit_time: Timestamp = field(default=unset(Encoding.COCOA_S),
                                  metadata=timeline("Safari visit"))
    title: str | None = None
    load_successful: int | None = None
    redirect_source: int | None = None
    redirect_destination: int | None = None
    redirect_destination_url: str | None = None
    redirect_destination_time: Timestamp = field(default=unset(Encoding.COCOA_S))

    record_name = "Safari visit"

    def describe(self) -> str:
        text = f"Safari visit to {self.url}"
        if self.redirect_destination_url:
            text += f", redirected to {self.redirect_destination_url}"
        return text


def _query(found: Mapping[str, set[str]]) -> str:
    columns = ", ".join([
        col(found, "history_visits", "title", prefix="v"),
        col(found, "history_visits", "load_successful", prefix="v"),
        col(found, "history_visits", "redirect_source", prefix="v"),
        col(found, "history_visits", "redirect_destination", prefix="v"),
    ])
    if "redirect_destination" in found["history_visits"]:
        joins = ("LEFT JOIN history_visits d ON d.id = v.redirect_destination "
                 "LEFT JOIN history_items di ON di.id = d.history_item")
        target = "di.url AS redirect_destination_url, d.visit_time AS redirect_destination_time"
    else:
        joins = ""
        target = "NULL AS redirect_destination_url, NULL AS redirect_destination_time"
    # LEFT JOIN: a visit whose item is gone (or whose history_item is damaged) is counted.
    return (f"SELECT i.id AS id, v.id AS visit_id, i.url AS url, v.visit_time AS visit_time, "
            f"{columns}, {target}, i.id IS NULL AS orphan FROM history_visits v "
            f"LEFT JOIN history_items i ON i.id = v.history_item {joins} ORDER BY v.id")


IDENTIFY = {"history_items": ["id", "url"],
            "history_visits": ["id", "history_item", "visit_time"]}
ENCODINGS = {"visit_time": Encoding.COCOA_S, "redirect_destination_time": Encoding.COCOA_S}


def extract(ctx: Context) -> Iterator[Record]:
    """One record per visit of a history item; visits without their item are only counted
    (they have no URL)."""
    orphans = 0
    with _executed(ctx, IDENTIFY, _query, None) as cursor:
        columns = [column[0] for column in cursor.description or ()]
        make = row_mapper(SafariVisit, columns, ENCODINGS, ctx.evidence.address)
        orphan = columns.index("orphan")
        for row in cursor:
            if row[orphan]:
                orphans += 1
                continue
            yield make(row)
    ctx.tally("{count} visits point to no history item (deleted, or a damaged "
              "history_item): not read", orphans)


_APP = "private/var/mobile/Containers/Data/Application/*"

ARTIFACT = Artifact(
    id="ios.safari.history",
    title="Safari history",
    slug="safari_history",
    plugin="SafariHistory",
    locations=(BackupFile("HomeDomain", "Library/Safari/History.db"),
               BackupGlob("Library/Safari/History.db"),
               BackupGlob("Library/Safari/Profiles/*/History.db"),
               FsGlob("private/var/mobile/Library/Safari/History.db"),
               FsGlob("private/var/mobile/Library/Safari/Profiles/*/History.db"),
               FsGlob(f"{_APP}/Library/Safari/History.db"),
               FsGlob(f"{_APP}/Library/Safari/Profiles/*/History.db")),
    records=(SafariVisit,),
    extract=extract,
    doc=__doc__ or "",
    split=table_rows("history_visits"),
)
