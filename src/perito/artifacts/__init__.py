"""The artifact registry: every platform's catalogue, a plain dict from artifact id to its
declaration.

Each platform's artifact sets live in its catalogue module (`perito.artifacts.ios.catalogue`:
`IOS_BACKUP`, `IOS_FS`, …; `perito.artifacts.android.catalogue`: `ANDROIDQF`, `BUGREPORT`, …),
imported by the commands of that platform only: importing the 77 artifact modules was most of
perito's start-up, and a check of an iOS backup has no use for the Android ones. The registry
imports the catalogues on first use, for the code that needs every artifact (listing them,
reports, re-checks). An artifact id starts with its platform (`ios.`, `android.`).
"""

from __future__ import annotations

import functools

from perito.artifacts.base import Artifact

PLATFORMS = ("ios", "android")


@functools.cache
def registry(*platforms: str) -> dict[str, Artifact]:
    """Every artifact of these platforms (default: all), in catalogue order: the same dict on
    every call, not to be changed."""
    chosen = platforms or PLATFORMS
    found: list[Artifact] = []
    if "ios" in chosen:
        from perito.artifacts.ios.catalogue import IOS_BACKUP, IOS_FS, IOS_SYSDIAGNOSE

        found += (*IOS_BACKUP, *IOS_SYSDIAGNOSE, *IOS_FS)
    if "android" in chosen:
        from perito.artifacts.android.catalogue import (
            ANDROID_BACKUP,
            ANDROID_INTRUSION_LOGS,
            ANDROIDQF,
        )

        found += (*ANDROID_BACKUP, *ANDROID_INTRUSION_LOGS, *ANDROIDQF)
    return {artifact.id: artifact for artifact in found}


def platform_of(artifact_id: str) -> str:
    """`ios` for `ios.safari.history`: the catalogue an artifact id belongs to."""
    return artifact_id.partition(".")[0]
