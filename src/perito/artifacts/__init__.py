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
from perito.artifacts.android.catalogue import ANDROIDQF
from perito.artifacts.base import Artifact
from perito.artifacts.ios import (
    acquisition_members,
    analytics,
    analytics_journal,
    applications,
    backup_info,
    cache_db,
    calendar,
    calls,
    chrome_favicons,
    chrome_history,
    configuration_profiles,
    contacts,
    crash_reports,
    datausage,
    filesystem,
    firefox_favicons,
    firefox_history,
    global_preferences,
    id_status_cache,
    interaction_c,
    locationd_clients,
    manifest,
    netusage,
    os_analytics_ad_daily,
    process_binaries,
    process_list,
    profile_events,
    safari_browser_state,
    safari_favicons,
    safari_history,
    shortcuts,
    shutdown_log,
    sms,
    sms_attachments,
    sysdiagnose_capture,
    tcc,
    triangulation_files,
    webkit_origins,
    webkit_resource_load_statistics,
    webkit_session_resource_log,
    whatsapp,
    whatsapp_contacts,
    whatsapp_lid,
    whatsapp_sessions,
)
from perito.sources.locations import FsGlob

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

IOS_SYSDIAGNOSE: tuple[Artifact, ...] = (
    sysdiagnose_capture.ARTIFACT,
    acquisition_members.ARTIFACT,
    shutdown_log.ARTIFACT,
    process_list.ARTIFACT,
    crash_reports.ARTIFACT,
)

# The backup catalogue through its filesystem locations, then the filesystem-only artifacts.
IOS_FS: tuple[Artifact, ...] = (
    acquisition_members.ARTIFACT,
    *(artifact for artifact in IOS_BACKUP
      if any(isinstance(location, FsGlob) for location in artifact.locations)),
    safari_favicons.ARTIFACT,
    webkit_origins.ARTIFACT,
    cache_db.ARTIFACT,
    netusage.ARTIFACT,
    process_binaries.ARTIFACT,
    analytics.ARTIFACT,
    analytics_journal.ARTIFACT,
    shutdown_log.ARTIFACT,
    crash_reports.ARTIFACT,
    filesystem.ARTIFACT,
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
    *IOS_BACKUP, *IOS_SYSDIAGNOSE, *IOS_FS, *ANDROID_BACKUP, *ANDROID_INTRUSION_LOGS,
    *ANDROIDQF)}
