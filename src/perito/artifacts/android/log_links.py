"""Links in text logs and dumps: androidqf's `logcat.txt`, `logcat_old.txt` and the kernel
logs, ANR traces and other text files under `logs/` (android.md §1.2); a bugreport's
dumpstate (its logcat, and the intents and URLs that dumpsys prints) and ANR traces.

The incumbent does not read them. Only `http(s)://` links are taken (bare names in logs are
mostly package names and class names, not hosts), once per file; binary files are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from perito.artifacts.base import Artifact, Context
from perito.records import Kind, Record, observable, register_record
from perito.sources.locations import AndroidFile, Dumpstate

_LINK = re.compile(rb"https?://[^\s\"'<>\\)\]}]{3,2048}", re.IGNORECASE)
_BINARY_PROBE = 4096


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class LogLink(Record):
    """A link found in a text log, with the line it was first seen on."""

    url: str = field(metadata=observable(Kind.URL))
    line: int = 0
    occurrences: int = 1

    record_name = "Link in a log"

    def describe(self) -> str:
        return f"{self.url} in {self.source} (line {self.line}, {self.occurrences}×)"


def extract(ctx: Context) -> Iterator[Record]:
    data = ctx.source.read_bytes(ctx.evidence)
    if b"\0" in data[:_BINARY_PROBE]:
        ctx.warn("binary file: not searched for links")
        return
    found: dict[bytes, list[int]] = {}
    line, counted = 1, 0
    for match in _LINK.finditer(data):
        link = match.group(0).rstrip(b".,;:!?")
        seen = found.get(link)
        if seen is None:
            line += data.count(b"\n", counted, match.start())  # matches come in order
            counted = match.start()
            found[link] = [line, 1]
        else:
            seen[1] += 1
    for link, (line, count) in found.items():
        yield LogLink(source=ctx.evidence.address, url=link.decode("utf-8", "replace"),
                      line=line, occurrences=count)


ARTIFACT = Artifact(
    id="android.log_links",
    title="Links in logcat, device logs and the dumpstate",
    slug="log_links",
    plugin="LogLinks",
    locations=(AndroidFile("logcat*.txt"), AndroidFile("logs/*"), Dumpstate(),
               AndroidFile("FS/data/anr/*", within="bugreport")),
    records=(LogLink,),
    extract=extract,
    doc=__doc__ or "",
)
