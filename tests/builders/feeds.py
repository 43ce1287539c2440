"""Non-STIX indicator files and feed indexes, written the way their publishers write them.

`echap_yaml` writes Echap's `ioc.yaml` layout (a YAML list of apps, block style, upper-case
certificate SHA-1s); `feed_index` writes an `indicators.yaml` like mvt-indicators'.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml


def echap_yaml(path: Path, apps: Sequence[Mapping[str, Any]]) -> Path:
    path.write_text(yaml.safe_dump([dict(app) for app in apps], sort_keys=False,
                                   allow_unicode=True), encoding="utf-8")
    return path


def plain_list(path: Path, values: Iterable[str], header: str = "") -> Path:
    lines = ([f"# {header}"] if header else []) + list(values)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def github_entry(name: str, owner: str, repo: str, path: str, branch: str | None = None,
                 sources: Sequence[str] = ("Example Lab",)) -> dict[str, Any]:
    github: dict[str, Any] = {"owner": owner, "repo": repo, "path": path}
    if branch is not None:
        github["branch"] = branch
    return {"type": "github", "name": name, "sources": list(sources),
            "references": [f"https://example.org/{repo}"], "github": github}


def url_entry(name: str, url: str, sources: Sequence[str] = ("Example Lab",)
              ) -> dict[str, Any]:
    return {"type": "download", "name": name, "sources": list(sources), "download_url": url}


def feed_index(path: Path, entries: Sequence[Any]) -> Path:
    path.write_text(yaml.safe_dump({"indicators": list(entries)}, sort_keys=False),
                    encoding="utf-8")
    return path
