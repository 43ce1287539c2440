"""A sysdiagnose as the device writes it: `sysdiagnose_<time>_<…>.tar.gz`, or its folder.

The archive holds one top folder of the same name with `sysdiagnose.log`, `ps.txt`,
`ps_thread.txt`, `crashes_and_spins/`, `logs/` and `system_logs.logarchive/` (whose `Extra/`
keeps shutdown.log). It is read through `perito.sources.tree`: streamed, only the files the
artifacts read are copied out, and FsGlob locations are relative to that top folder.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from perito.artifacts.base import Artifact
from perito.sources.tree import Limits, TreeSource, open_source

log = logging.getLogger(__name__)

MARKERS = ("sysdiagnose.log", "ps.txt", "ps_thread.txt", "system_logs.logarchive",
           "crashes_and_spins")


def open_sysdiagnose(path: Path, artifacts: Sequence[Artifact], limits: Limits | None = None
                     ) -> TreeSource:
    """The sysdiagnose at `path`: its archive, its folder, or a folder that holds nothing but
    one `sysdiagnose_*.tar.gz` (where a download or AirDrop left it)."""
    path = _only_archive(path)
    return open_source(path, (loc for a in artifacts for loc in a.locations), MARKERS,
                       kind="ios-sysdiagnose", platform="ios", what="a sysdiagnose",
                       device_prefix=None, limits=limits)


def _only_archive(path: Path) -> Path:
    if not path.is_dir() or any((path / marker).exists() for marker in MARKERS):
        return path
    try:
        entries = list(path.iterdir())
    except OSError:
        return path
    archives = [p for p in entries if p.is_file() and p.name.startswith("sysdiagnose_")
                and p.name.endswith((".tar.gz", ".tgz"))]
    if len(archives) == 1 and not any(p.is_dir() for p in entries):
        log.info("reading %s, the only sysdiagnose archive in %s", archives[0].name, path)
        return archives[0]
    return path
