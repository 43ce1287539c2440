"""`perito iocs list`: every installed set, what it holds and where it came from."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from perito.indicators.model import mvt_type
from perito.indicators.stix import load_stix_file
from perito.indicators.store import indicators_dir, installed


@dataclass(frozen=True)
class SetSummary:
    file_name: str
    name: str
    publishers: tuple[str, ...]
    collections: tuple[str, ...]
    counts: dict[str, int]  # by the incumbent's type names (domains, processes…)
    indicators: int
    downloaded: str
    age_days: float | None
    sha256: str
    url: str

    def to_json(self) -> dict[str, object]:
        return {"file_name": self.file_name, "name": self.name,
                "publishers": list(self.publishers), "collections": list(self.collections),
                "counts": self.counts, "indicators": self.indicators,
                "downloaded": self.downloaded, "age_days": self.age_days,
                "sha256": self.sha256, "url": self.url}


def list_sets(environ: Mapping[str, str] | None = None
              ) -> tuple[str, list[SetSummary], list[str]]:
    """(folder, the installed sets, problems such as a set changed since it was installed)."""
    state = installed(environ)
    now = dt.datetime.now(dt.UTC)
    out: list[SetSummary] = []
    for entry, path in zip(state.sets, state.paths, strict=True):
        loaded = load_stix_file(path)
        counts: dict[str, int] = {}
        for kind, count in loaded.file.counts if loaded.file else ():
            counts[mvt_type(kind)] = counts.get(mvt_type(kind), 0) + count
        out.append(SetSummary(
            file_name=entry.file_name, name=entry.name, publishers=entry.sources,
            collections=loaded.file.collections if loaded.file else (), counts=counts,
            indicators=loaded.file.indicator_count if loaded.file else 0,
            downloaded=entry.downloaded, age_days=entry.age_days(now), sha256=entry.sha256,
            url=entry.url))
    return str(indicators_dir(environ)), out, list(state.problems)
