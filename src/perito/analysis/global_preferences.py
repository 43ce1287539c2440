"""Lockdown Mode state from .GlobalPreferences.plist (ios.md §6)."""

from __future__ import annotations

from collections.abc import Iterator

from perito.artifacts.ios.global_preferences import LOCKDOWN_MODE_KEY, GlobalPreference
from perito.detections import heuristic
from perito.levels import Level
from perito.records import Record

# LDMGlobalEnabled is a bool; accept 1/0 integers too, never strings that merely look alike.
_ON = {("bool", "true"), ("integer", "1")}
_OFF = {("bool", "false"), ("integer", "0")}


@heuristic(GlobalPreference, "lockdown-mode-enabled", Level.INFORMATIONAL,
           "Lockdown Mode shrinks the attack surface and blocks many zero-click vectors; the "
           "owner may have had reason to expect targeting.")
def lockdown_enabled(record: Record) -> Iterator[str]:
    assert isinstance(record, GlobalPreference)
    if record.entry == LOCKDOWN_MODE_KEY and (record.value_type, record.value) in _ON:
        yield "Lockdown Mode enabled"


@heuristic(GlobalPreference, "lockdown-mode-disabled", Level.LOW,
           "The key exists only once Lockdown Mode was switched on; false means it was "
           "enabled at some point and later disabled.")
def lockdown_disabled(record: Record) -> Iterator[str]:
    assert isinstance(record, GlobalPreference)
    if record.entry == LOCKDOWN_MODE_KEY and (record.value_type, record.value) in _OFF:
        yield "Lockdown Mode was enabled and later disabled"
