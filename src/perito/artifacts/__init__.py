"""The artifact registry: a plain dict from artifact id to its declaration."""

from __future__ import annotations

from perito.artifacts.base import Artifact
from perito.artifacts.ios import (
    applications,
    backup_info,
    configuration_profiles,
    datausage,
    global_preferences,
    manifest,
    profile_events,
    safari_history,
    sms,
    tcc,
    whatsapp,
)

IOS_BACKUP: tuple[Artifact, ...] = (
    backup_info.ARTIFACT,
    manifest.ARTIFACT,
    safari_history.ARTIFACT,
    sms.ARTIFACT,
    whatsapp.ARTIFACT,
    datausage.ARTIFACT,
    tcc.ARTIFACT,
    global_preferences.ARTIFACT,
    configuration_profiles.ARTIFACT,
    profile_events.ARTIFACT,
    applications.ARTIFACT,
)

REGISTRY: dict[str, Artifact] = {artifact.id: artifact for artifact in IOS_BACKUP}
