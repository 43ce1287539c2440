"""Heuristics that need no indicators; importing a module registers its checks."""

from perito.analysis import (
    datausage,  # noqa: F401
    global_preferences,  # noqa: F401
    safari_history,  # noqa: F401
    sms,  # noqa: F401
)
from perito.analysis import id_status_cache  # noqa: F401
from perito.analysis import triangulation  # noqa: F401
from perito.analysis import applications, configuration_profiles, profile_events  # noqa: F401
from perito.analysis import calendar, sms_attachments  # noqa: F401
