"""`Cache.db` URL caches of CFNetwork, anywhere in a filesystem dump (ios.md §5.16).

Every process that uses NSURLSession may keep one, in `…/Library/Caches/<process or bundle
id>/Cache.db`: the folder above the database names the caching process. Table
`cfurl_cache_response(entry_ID, version, hash_value, storage_policy, request_key, time_stamp,
partition)`: `request_key` is the URL requested, `time_stamp` TEXT `YYYY-MM-DD HH:MM:SS` in
UTC. Request and response bodies (`cfurl_cache_blob_data`, `cfurl_cache_receiver_data`) are
not read. Every match is read, not only the first.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from perito.artifacts.base import Artifact, Context, sqlite_rows, timestamp
from perito.artifacts.sql import col
from perito.records import Kind, Record, observable, register_record, timeline
from perito.sources.locations import FsGlob
from perito.timestamps import Encoding, Timestamp, unset

IDENTIFY = {"cfurl_cache_response": ["entry_ID", "request_key", "time_stamp"]}


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class CachedRequest(Record):
    """One cached response: the URL, when, and which process cached it."""

    entry_id: int | None = None
    url: str = field(default="", metadata=observable(Kind.URL))
    time_stamp: Timestamp = field(default=unset(Encoding.UTC_TEXT),
                                  metadata=timeline("URL cached"))
    process: str = field(default="", metadata=observable(Kind.PROCESS))
    partition: str = ""

    record_name = "cached request"

    def describe(self) -> str:
        return f"{self.process or 'A process'} cached {self.url}"


def _query(found: Mapping[str, set[str]]) -> str:
    partition = col(found, "cfurl_cache_response", "partition")
    return ("SELECT entry_ID, request_key, time_stamp, " + partition
            + " FROM cfurl_cache_response ORDER BY entry_ID")


def extract(ctx: Context) -> Iterator[Record]:
    parts = ctx.evidence.relative_path.split("/")
    process = parts[-2] if len(parts) >= 2 else ""
    for row in sqlite_rows(ctx, IDENTIFY, _query):
        key = row["request_key"]
        yield CachedRequest(
            source=ctx.evidence.address, entry_id=row["entry_ID"],
            url=key if isinstance(key, str) else "",
            time_stamp=timestamp(row["time_stamp"], Encoding.UTC_TEXT), process=process,
            partition=row["partition"] if isinstance(row["partition"], str) else "")


ARTIFACT = Artifact(
    id="ios.cache_db",
    title="URL caches (Cache.db)",
    slug="cache_files",
    plugin="CacheFiles",
    locations=(FsGlob("**/Cache.db"),),
    records=(CachedRequest,),
    extract=extract,
    doc=__doc__ or "",
)
