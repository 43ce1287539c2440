"""The feed index (`indicators.yaml`, as mvt-indicators publishes it): which feeds exist.

Each entry becomes a `Feed` with its download URL; a malformed entry becomes a problem and is
skipped, so one bad entry never hides the others (indicators-and-outputs.md §2).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

RAW_GITHUB = "https://raw.githubusercontent.com"


@dataclass(frozen=True, slots=True)
class Feed:
    """One downloadable indicator file named by an index entry."""

    name: str
    url: str
    sources: tuple[str, ...]
    references: tuple[str, ...]
    file_name: str  # where it is kept in the data directory


@dataclass(frozen=True, slots=True)
class FeedIndex:
    feeds: tuple[Feed, ...]
    problems: tuple[str, ...]
    sha256: str = ""  # of the index document


class IndexUnreadable(ValueError):
    """The index as a whole cannot be read."""


def default_index_bytes() -> bytes:
    """The index shipped inside the package (mvt-indicators' copy, MIT)."""
    return (resources.files("perito") / "data" / "indicators.yaml").read_bytes()


def local_name(url: str) -> str:
    """The file name of a downloaded feed: the URL without its scheme, `/` → `_`.

    The incumbent's convention, so its folder of downloaded feeds and perito's look alike.
    """
    bare = url.split("://", 1)[-1]
    name = "".join(c if c.isalnum() or c in "._-" else "_" for c in bare.replace("/", "_"))
    return name[-200:]


def _strings(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(str(item) for item in value if isinstance(item, str | int | float))
    return ()


def _url(entry: dict[str, Any]) -> str:
    """The entry's download URL; raises ValueError when the entry does not give one."""
    kind = entry.get("type", "github")
    if kind == "github":
        github = entry.get("github")
        if not isinstance(github, dict):
            raise ValueError("type github without a 'github' mapping")
        parts = [github.get("owner"), github.get("repo")]
        path = github.get("path")
        if not all(isinstance(p, str) and p and "/" not in p for p in parts) \
                or not isinstance(path, str) or not path.strip("/"):
            raise ValueError("'github' needs owner, repo and path")
        branch = github.get("branch") or "main"
        if not isinstance(branch, str):
            raise ValueError("'github.branch' is not text")
        return f"{RAW_GITHUB}/{parts[0]}/{parts[1]}/{branch}/{path.strip('/')}"
    url = entry.get("download_url")
    if not isinstance(url, str) or "://" not in url:
        raise ValueError(f"type {kind!r} without a 'download_url'")
    return url


def parse_index(data: bytes) -> FeedIndex:
    """Read an index document; raises `IndexUnreadable` when it is not an index at all."""
    try:
        document = yaml.safe_load(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, yaml.YAMLError) as error:
        raise IndexUnreadable(f"not a readable YAML file ({type(error).__name__})") from None
    entries = document.get("indicators") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise IndexUnreadable("not a feed index (no top-level 'indicators' list)")
    feeds: list[Feed] = []
    problems: list[str] = []
    seen: set[str] = set()
    for position, entry in enumerate(entries, start=1):
        label = f"entry {position}"
        if not isinstance(entry, dict):
            problems.append(f"{label}: not a mapping; skipped")
            continue
        name = entry.get("name")
        label = f"entry {position} ({name})" if isinstance(name, str) else label
        try:
            url = _url(entry)
        except ValueError as error:
            problems.append(f"{label}: {error}; skipped")
            continue
        if url in seen:
            problems.append(f"{label}: {url} is listed twice; the first entry is kept")
            continue
        seen.add(url)
        feeds.append(Feed(name=str(name) if name else url.rsplit("/", 1)[-1], url=url,
                          sources=_strings(entry.get("sources")),
                          references=_strings(entry.get("references")),
                          file_name=local_name(url)))
    return FeedIndex(tuple(feeds), tuple(problems), hashlib.sha256(data).hexdigest())
