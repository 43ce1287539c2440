"""Profile-event heuristic: every install or remove, for the history (ios.md §6)."""

from __future__ import annotations

from collections.abc import Iterator

from perito.artifacts.ios.profile_events import ConfigurationProfileEvent
from perito.detections import heuristic
from perito.levels import Level
from perito.records import Record


@heuristic(ConfigurationProfileEvent, "configuration-profile-operation", Level.LOW,
           "Gives the analyst the history of configuration profiles and the process that "
           "installed or removed each one, including profiles that are gone.")
def profile_operation(record: Record) -> Iterator[str]:
    assert isinstance(record, ConfigurationProfileEvent)
    when = record.timestamp.iso() or "an unknown time"
    yield (f"On {when} process \"{record.process or '?'}\" started operation "
           f"\"{record.operation or '?'}\" of profile \"{record.profile_id or '?'}\"")
