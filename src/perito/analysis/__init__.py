"""Heuristics that need no indicators; importing a module registers its checks."""

from perito.analysis import (  # noqa: F401
    android_correlations,
    android_dumpsys,
    android_packages,
    android_system,
    applications,
    calendar,
    configuration_profiles,
    datausage,
    global_preferences,
    id_status_cache,
    intrusion_security,
    process_binaries,
    process_evidence,
    profile_events,
    safari_history,
    sms,
    sms_attachments,
    triangulation,
)
