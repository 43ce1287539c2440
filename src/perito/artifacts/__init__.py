"""The artifact registry: a plain dict from artifact id to its declaration."""

from __future__ import annotations

from perito.artifacts.android import (
    backup_files,
    backup_packages,
    intrusion_connect,
    intrusion_dns,
    intrusion_security,
)
from perito.artifacts.android import mms as android_mms
from perito.artifacts.android import sms as android_sms
from perito.artifacts.base import Artifact
from perito.artifacts.ios import (
    applications,
    backup_info,
    calendar,
    calls,
    chrome_favicons,
    chrome_history,
    configuration_profiles,
    contacts,
    datausage,
    firefox_favicons,
    firefox_history,
    global_preferences,
    id_status_cache,
    interaction_c,
    locationd_clients,
    manifest,
    os_analytics_ad_daily,
    profile_events,
    safari_browser_state,
    safari_history,
    shortcuts,
    sms,
    sms_attachments,
    tcc,
    triangulation_files,
    webkit_resource_load_statistics,
    webkit_session_resource_log,
    whatsapp,
    whatsapp_contacts,
    whatsapp_lid,
    whatsapp_sessions,
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
    whatsapp_sessions.ARTIFACT,
    whatsapp_lid.ARTIFACT,
    whatsapp_contacts.ARTIFACT,
    sms_attachments.ARTIFACT,
    calls.ARTIFACT,
    contacts.ARTIFACT,
    calendar.ARTIFACT,
    interaction_c.ARTIFACT,
    shortcuts.ARTIFACT,
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

ANDROID_BACKUP: tuple[Artifact, ...] = (
    backup_files.ARTIFACT,
    backup_packages.ARTIFACT,
    android_sms.ARTIFACT,
    android_mms.ARTIFACT,
)

ANDROID_INTRUSION_LOGS: tuple[Artifact, ...] = (
    intrusion_dns.ARTIFACT,
    intrusion_connect.ARTIFACT,
    intrusion_security.ARTIFACT,
)

REGISTRY: dict[str, Artifact] = {artifact.id: artifact for artifact in (
    *IOS_BACKUP, *ANDROID_BACKUP, *ANDROID_INTRUSION_LOGS)}
