from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import perito.analysis  # noqa: F401  (registers the heuristics)
from perito.artifacts.base import SchemaMismatch
from perito.artifacts.ios.calendar import ARTIFACT, CalendarEvent
from perito.detections import analyse
from perito.levels import Level
from perito.records import Kind, events, from_dict, observables, to_dict
from perito.sources.sqlite import NotADatabase
from perito.timestamps import Encoding, TimeState
from tests.builders.ios.calendar import IOS11, IOS26, REMINDER, Event, Person, calendar_db
from tests.builders.ios_backup import BackupBuilder
from tests.helpers import extract

T0 = 1_709_154_845  # 2024-02-28T21:14:05Z
CAL = ("HomeDomain", "Library/Calendar/Calendar.sqlitedb")
QUADREAM_UUID = "8F0C2D1B-3A4E-4F56-9B7A-1C2D3E4F5A6B"

EVENTS = [
    Event("Dentista", T0, T0 + 3600, description="Traer radiografías", created=T0 - 86_400,
          modified=T0 - 3600, uuid="11111111-2222-4333-8444-555555555555"),
    Event("Meeting", T0 - 30 * 86_400, T0 - 30 * 86_400 + 1800, description="Notes",
          created=T0, modified=T0, uuid=QUADREAM_UUID, calendar="Work",
          organizer=Person("attacker@example.com"),
          attendees=(Person("victim@example.org"), Person(None, "+525555550123"))),
    Event("Reunión de equipo", T0 + 86_400, T0 + 90_000,
          description="Enlace: https://meet.example.net/abc-defg-hij.",
          url="https://calendar.example.org/e/42", created=T0, calendar="Work",
          organizer=Person("jefa@example.org", comment="Confirmar"),
          attendees=(Person("jefa@example.org"), Person("mailto:yo@example.org")),
          conference_url="https://conf.example.com/j/123"),
    Event("Cumpleaños", T0 + 7 * 86_400, T0 + 8 * 86_400, all_day=True),
    Event(None, None, None, entity_type=REMINDER),  # a reminder without title or dates
    Event("Meeting", T0, T0 + 60, description="Notes for Monday"),  # not the exact pair
]


def _backup(tmp_path: Path, generation: str = IOS26) -> Path:
    builder = BackupBuilder()
    builder.add_sqlite(*CAL, calendar_db(EVENTS, generation))
    return builder.write(tmp_path / "backup")


def _events(root: Path) -> list[CalendarEvent]:
    records, _ = extract(root, ARTIFACT)
    return [r for r in records if isinstance(r, CalendarEvent)]


@pytest.mark.parametrize("generation", [IOS26, IOS11])
def test_every_item_is_read_in_both_generations(tmp_path: Path, generation: str) -> None:
    found = _events(_backup(tmp_path, generation))
    assert [e.rowid for e in found] == list(range(1, len(EVENTS) + 1))
    assert found[1].organizer_email == "attacker@example.com"
    assert found[1].participant_emails == ("attacker@example.com", "victim@example.org")


def test_fields_and_times(tmp_path: Path) -> None:
    dentist, quadream, meeting, birthday, reminder, _other = _events(_backup(tmp_path))
    assert dentist.source == "HomeDomain/Library/Calendar/Calendar.sqlitedb"
    assert dentist.summary == "Dentista" and dentist.description == "Traer radiografías"
    assert dentist.start_date.encoding is Encoding.COCOA_S
    assert dentist.start_date.iso() == "2024-02-28T21:14:05.000000+00:00"
    assert dentist.end_date.iso() == "2024-02-28T22:14:05.000000+00:00"
    assert dentist.creation_date.iso() == "2024-02-27T21:14:05.000000+00:00"
    assert dentist.calendar_title == "Home" and dentist.organizer_email == ""
    assert dentist.uuid == "11111111-2222-4333-8444-555555555555"
    assert quadream.calendar_title == "Work" and quadream.organizer_id is not None
    assert quadream.participant_phones == ("+525555550123",)
    assert quadream.organizer_last_modified.iso() == "2024-02-27T02:13:20.000000+00:00"
    assert meeting.url == "https://calendar.example.org/e/42"
    assert meeting.links == ("https://meet.example.net/abc-defg-hij.",
                             "https://conf.example.com/j/123")
    assert meeting.organizer_comment == "Confirmar"
    assert meeting.participant_emails == ("jefa@example.org", "mailto:yo@example.org")
    assert birthday.all_day == 1 and birthday.start_tz == "_float"
    assert reminder.summary is None and reminder.start_date.state is TimeState.UNSET
    assert reminder.entity_type == REMINDER


def test_older_generation_has_no_participant_phones(tmp_path: Path) -> None:
    _dentist, quadream, meeting, *_ = _events(_backup(tmp_path, IOS11))
    assert quadream.participant_phones == () and quadream.organizer_phone == ""
    assert quadream.organizer_last_modified.state is TimeState.UNSET
    assert meeting.organizer_comment is None
    assert meeting.links == ("https://meet.example.net/abc-defg-hij.",)  # no conference_url


def test_observables_and_timeline(tmp_path: Path) -> None:
    found = _events(_backup(tmp_path))
    values = {(kind, value) for e in found for _n, kind, value in observables(e)}
    assert (Kind.EMAIL, "attacker@example.com") in values
    assert (Kind.EMAIL, "mailto:yo@example.org") in values
    assert (Kind.PHONE, "+525555550123") in values
    assert (Kind.URL, "https://calendar.example.org/e/42") in values
    assert (Kind.URL, "https://meet.example.net/abc-defg-hij.") in values
    labels = {label for _n, label, _t in events(found[1])}
    assert labels == {"Calendar event starts", "Calendar event ends", "Calendar event created",
                      "Calendar event modified", "Calendar organizer updated"}


def test_describe(tmp_path: Path) -> None:
    dentist, quadream, meeting, *_ = _events(_backup(tmp_path))
    assert dentist.describe() == "Calendar event 'Dentista' in Home"
    assert quadream.describe() == ("Calendar event 'Meeting' in Work (invitation by "
                                   "attacker@example.com)")
    assert meeting.describe().endswith("with links: https://meet.example.net/abc-defg-hij. "
                                       "https://conf.example.com/j/123")


def test_records_round_trip(tmp_path: Path) -> None:
    for event in _events(_backup(tmp_path)) + _events(_backup(tmp_path / "old", IOS11)):
        assert from_dict(to_dict(event)) == event


def test_quadream_heuristic(tmp_path: Path) -> None:
    detections = [d for e in _events(_backup(tmp_path))
                  for d in analyse(e, ARTIFACT.id, ARTIFACT.slug)]
    assert len(detections) == 1
    [found] = detections
    assert found.finding == "calendar-quadream-event" and found.level is Level.HIGH
    assert found.message == (f"Potential QuaDream exploit event identified: {QUADREAM_UUID} "
                             "(invitation by attacker@example.com)")
    assert "QuaDream" in found.rationale and found.module == "calendar"


@pytest.mark.parametrize(("summary", "description", "hit"), [
    ("Meeting", "Notes", True), ("meeting", "Notes", False), ("Meeting", "notes", False),
    ("Meeting ", "Notes", False), ("Meeting", None, False), (None, "Notes", False)])
def test_quadream_exact_strings(summary: str | None, description: str | None,
                                hit: bool) -> None:
    record = CalendarEvent(summary=summary, description=description, rowid=7)
    found = list(analyse(record, ARTIFACT.id, ARTIFACT.slug))
    assert bool(found) is hit
    if hit:
        assert found[0].message == "Potential QuaDream exploit event identified: 7"


def test_without_participant_table(tmp_path: Path) -> None:
    def fill(db: sqlite3.Connection) -> None:
        calendar_db(EVENTS)(db)
        db.execute("DROP TABLE Participant")

    builder = BackupBuilder()
    builder.add_sqlite(*CAL, fill)
    found = _events(builder.write(tmp_path / "backup"))
    assert len(found) == len(EVENTS)
    assert all(e.organizer_email == "" and e.participant_emails == () for e in found)


def test_foreign_database_is_a_schema_mismatch(tmp_path: Path) -> None:
    def fill(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE CalendarItem (ROWID INTEGER PRIMARY KEY, title TEXT)")

    builder = BackupBuilder()
    builder.add_sqlite(*CAL, fill)
    with pytest.raises(SchemaMismatch) as caught:
        extract(builder.write(tmp_path / "backup"), ARTIFACT)
    assert caught.value.missing == ["CalendarItem.summary", "CalendarItem.start_date"]


def test_garbage_and_damaged_files(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_file(*CAL, b"\x00" * 64)
    with pytest.raises(NotADatabase):
        extract(builder.write(tmp_path / "a"), ARTIFACT)
    builder = BackupBuilder()
    builder.add_file(*CAL, b"SQLite format 3\x00" + b"\x01" * 2000)
    with pytest.raises(sqlite3.DatabaseError):
        extract(builder.write(tmp_path / "b"), ARTIFACT)
