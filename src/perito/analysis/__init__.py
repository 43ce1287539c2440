"""Heuristics that need no indicators; importing a module registers its checks."""

from perito.analysis import (
    datausage,  # noqa: F401
    global_preferences,  # noqa: F401
    safari_history,  # noqa: F401
    sms,  # noqa: F401
)
