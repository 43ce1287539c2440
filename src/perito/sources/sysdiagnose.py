"""A sysdiagnose as the device writes it: `sysdiagnose_<time>_<…>.tar.gz`, or its folder.

The archive holds one top folder of the same name with `sysdiagnose.log`, `ps.txt`,
`ps_thread.txt`, `crashes_and_spins/`, `logs/` and `system_logs.logarchive/` (whose `Extra/`
keeps shutdown.log). It is read through `perito.sources.tree`: streamed, only the files the
artifacts read are copied out, and FsGlob locations are relative to that top folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from perito.artifacts.base import Artifact
from perito.sources.tree import Limits, TreeSource, open_source

MARKERS = ("sysdiagnose.log", "ps.txt", "ps_thread.txt", "system_logs.logarchive",
           "crashes_and_spins")


def open_sysdiagnose(path: Path, artifacts: Sequence[Artifact], limits: Limits | None = None
                     ) -> TreeSource:
    return open_source(path, (loc for a in artifacts for loc in a.locations), MARKERS,
                       kind="ios-sysdiagnose", platform="ios", what="a sysdiagnose",
                       device_prefix=None, limits=limits)
