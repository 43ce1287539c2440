"""QuaDream's calendar-invitation traces (ios.md §6)."""

from __future__ import annotations

from collections.abc import Iterator

from perito.artifacts.ios.calendar import CalendarEvent
from perito.detections import heuristic
from perito.levels import Level
from perito.records import Record


@heuristic(CalendarEvent, "calendar-quadream-event", Level.HIGH,
           "QuaDream's exploit (Citizen Lab, Microsoft, 2023) was delivered as iCloud "
           "calendar invitations that left events titled 'Meeting' with the notes 'Notes', "
           "often backdated; the exact pair is rare in ordinary calendars.")
def quadream_event(record: Record) -> Iterator[str]:
    assert isinstance(record, CalendarEvent)
    if record.summary == "Meeting" and record.description == "Notes":
        text = f"Potential QuaDream exploit event identified: {record.uuid or record.rowid}"
        organizer = record.organizer_email or record.organizer_phone
        if organizer:
            text += f" (invitation by {organizer})"
        yield text
