"""An iOS full-filesystem dump: a folder, tar or zip whose root holds `private/var/…`.

Read through `perito.sources.tree`. Paths are relative to the dump root with no leading `/`
(`private/var/mobile/Library/SMS/sms.db`); `EvidenceFile.device_path` adds it. When the
archive wraps the dump in one top folder, that folder is the root.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from perito.artifacts.base import Artifact
from perito.sources.tree import Limits, TreeSource, open_source

MARKERS = ("private/var", "private/preboot", "System/Library")


def open_ios_fs(path: Path, artifacts: Sequence[Artifact], limits: Limits | None = None
                ) -> TreeSource:
    return open_source(path, (loc for a in artifacts for loc in a.locations), MARKERS,
                       kind="ios-fs", platform="ios", what="an iOS filesystem dump",
                       device_prefix="/", limits=limits)
