"""The artifact registry: a plain dict from artifact id to its declaration."""

from __future__ import annotations

from perito.artifacts.base import Artifact
from perito.artifacts.ios import (
    applications,
    backup_info,
    chrome_favicons,
    chrome_history,
    configuration_profiles,
    datausage,
    firefox_favicons,
    firefox_history,
    global_preferences,
    id_status_cache,
    locationd_clients,
    manifest,
    os_analytics_ad_daily,
    profile_events,
    safari_browser_state,
    safari_history,
    sms,
    tcc,
    triangulation_files,
    webkit_resource_load_statistics,
    webkit_session_resource_log,
    whatsapp,
)

IOS_BACKUP: tuple[Artifact, ...] = (
    backup_info.ARTIFACT,
    manifest.ARTIFACT,
    safari_history.ARTIFACT,
    safari_browser_state.ARTIFACT,
    webkit_resource_load_statistics.ARTIFACT,
    webkit_session_resource_log.ARTIFACT,
    chrome_history.ARTIFACT,
    chrome_favicons.ARTIFACT,
    firefox_history.ARTIFACT,
    firefox_favicons.ARTIFACT,
    sms.ARTIFACT,
    whatsapp.ARTIFACT,
    datausage.ARTIFACT,
    tcc.ARTIFACT,
    global_preferences.ARTIFACT,
    configuration_profiles.ARTIFACT,
    profile_events.ARTIFACT,
    applications.ARTIFACT,
    os_analytics_ad_daily.ARTIFACT,
    id_status_cache.ARTIFACT,
    locationd_clients.ARTIFACT,
    triangulation_files.ARTIFACT,
)

REGISTRY: dict[str, Artifact] = {artifact.id: artifact for artifact in IOS_BACKUP}
