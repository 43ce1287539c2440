"""Calendar.sqlitedb as iOS writes it, in two generations (the tables perito reads).

Schemas: `IOS11` follows a public `.schema` dump of an iOS 11-era Calendar.sqlitedb, whose
`Participant` has no `phone_number`, `comment` or `last_modified` (the incumbent's query fails
on it). `IOS26` follows a public schema capture of a current CalendarAgent store (macOS 26,
whose Calendar.sqlitedb schema iOS 26 shares). Only `_SqliteDatabaseProperties`, `Store`,
`Calendar`, `CalendarItem`, `Participant`, `Identity` and `Location` are built, with their
statements verbatim and the indexes of `CalendarItem` and `Participant`. All dates are Cocoa
seconds (REAL).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tests.builders.timestamps import cocoa_s

IOS11 = "ios11"
IOS26 = "ios26"

SCHEMA_IOS11 = """
CREATE TABLE _SqliteDatabaseProperties (key TEXT, value TEXT, UNIQUE(key));
CREATE TABLE Store (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, default_alarm_offset INTEGER, type INTEGER, constraint_path TEXT, disabled INTEGER, external_id TEXT, persistent_id TEXT, flags INTEGER);
CREATE TABLE Calendar (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, store_id INTEGER, title TEXT, flags INTEGER, color TEXT, color_is_display INTEGER, type TEXT, supported_entity_types INTEGER, external_id TEXT, external_mod_tag TEXT, external_id_tag TEXT, external_rep BLOB, display_order INTEGER, UUID TEXT, shared_owner_name TEXT, shared_owner_email TEXT, sharing_status INTEGER, sharing_invitation_response INTEGER, published_URL TEXT, is_published INTEGER, invitation_status INTEGER, sync_token TEXT, self_identity_id INTEGER, self_identity_email TEXT, owner_identity_id INTEGER, owner_identity_email TEXT);
CREATE TABLE Participant (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, entity_type INTEGER, type INTEGER, status INTEGER, pending_status INTEGER, role INTEGER, identity_id INTEGER, owner_id INTEGER, external_rep BLOB, UUID TEXT, email TEXT, is_self INTEGER);
CREATE INDEX ParticipantUUID on Participant(UUID);
CREATE INDEX ParticipantEntityType on Participant(entity_type);
CREATE INDEX ParticipantOwnerId on Participant(owner_id);
CREATE TABLE Identity (display_name TEXT, address TEXT, first_name TEXT, last_name TEXT, UNIQUE (display_name, address, first_name, last_name));
CREATE TABLE CalendarItem (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, summary TEXT, location_id INTEGER, description TEXT, start_date REAL, start_tz TEXT, end_date REAL, all_day INTEGER, calendar_id INTEGER, orig_item_id INTEGER, orig_date REAL, organizer_id INTEGER, self_attendee_id INTEGER, status INTEGER, invitation_status INTEGER, availability INTEGER, privacy_level INTEGER, url TEXT, last_modified REAL, sequence_num INTEGER, birthday_id INTEGER, modified_properties INTEGER, external_tracking_status INTEGER, external_id TEXT, external_mod_tag TEXT, unique_identifier TEXT, external_schedule_id TEXT, external_rep BLOB, response_comment TEXT, hidden INTEGER, has_recurrences INTEGER, has_attendees INTEGER, UUID TEXT, entity_type INTEGER, priority INTEGER, due_date REAL, due_tz TEXT, due_all_day INTEGER, completion_date REAL, creation_date REAL, conference TEXT, display_order INTEGER, created_by_id INTEGER, modified_by_id INTEGER, shared_item_created_date REAL, shared_item_created_tz TEXT, shared_item_modified_date REAL, shared_item_modified_tz TEXT, invitation_changed_properties INTEGER, default_alarm_removed INTEGER, phantom_master INTEGER);
CREATE INDEX EventStatus on CalendarItem(status);
CREATE INDEX EventHiddenEndDateStartDate on CalendarItem(hidden, end_date, start_date);
CREATE INDEX EventCalendarIdHiddenEndDateStartDate on CalendarItem(calendar_id, hidden, end_date, start_date);
CREATE INDEX EventExternalIdCalId on CalendarItem(external_id, calendar_id);
CREATE INDEX EventExternalUniqueIdentifierCalId on CalendarItem(unique_identifier, calendar_id);
CREATE INDEX EventUUID on CalendarItem(UUID);
CREATE TABLE Location (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT, latitude INTEGER, longitude INTEGER, address_book_id TEXT, radius INTEGER, item_owner_id INTEGER, alarm_owner_id INTEGER);
CREATE INDEX LocationOwnerItemId on Location(item_owner_id);
"""

SCHEMA_IOS26 = """
CREATE TABLE _SqliteDatabaseProperties (key TEXT, value TEXT, UNIQUE(key));
CREATE TABLE Store (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, notes TEXT, default_alarm_offset INTEGER, type INTEGER, constraint_path TEXT, disabled INTEGER, external_id TEXT, persistent_id TEXT, flags INTEGER, creator_bundle_id TEXT, creator_code_signing_identity TEXT, only_creator_can_modify INTEGER, external_mod_tag TEXT, preferred_event_private_value INTEGER, strictest_event_private_value INTEGER, last_sync_start REAL, last_sync_end REAL, delegated_account_owner_store_id TEXT, delegated_account_default_calendar_for_new_events_id INTEGER, shows_notifications INTEGER, flags2 INTEGER, display_order INTEGER, owner_name TEXT, default_all_day_alarm_offset INTEGER, error_id INTEGER, cached_external_info BLOB, app_group_id TEXT UNIQUE);
CREATE TABLE Calendar (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, store_id INTEGER, title TEXT, flags INTEGER, color TEXT, symbolic_color_name TEXT, color_is_display INTEGER, type TEXT, supported_entity_types INTEGER, external_id TEXT, external_mod_tag TEXT, external_id_tag TEXT, external_rep BLOB, display_order INTEGER, UUID TEXT, shared_owner_name TEXT, shared_owner_address TEXT, cached_external_info BLOB, sharing_status INTEGER, sharing_invitation_response INTEGER, published_URL TEXT, is_published INTEGER, invitation_status INTEGER, sync_token TEXT, self_identity_id INTEGER, self_identity_email TEXT, self_identity_phone_number TEXT, owner_identity_id INTEGER, owner_identity_email TEXT, owner_identity_phone_number TEXT, notes TEXT, bulk_requests BLOB, subcal_account_id TEXT, push_key TEXT, digest BLOB, refresh_date REAL, subscription_id TEXT, last_sync_start REAL, last_sync_end REAL, subcal_url TEXT, refresh_interval INTEGER, pubcal_account_id TEXT, error_id INTEGER, max_attendees INTEGER, last_sync_title TEXT, locale TEXT, image_id INTEGER);
CREATE TABLE CalendarItem (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, summary TEXT, location_id INTEGER, client_location_id INTEGER, description TEXT, start_date REAL, start_tz TEXT, end_date REAL, end_tz TEXT, all_day INTEGER, calendar_id INTEGER, orig_item_id INTEGER, orig_date REAL, organizer_id INTEGER, self_attendee_id INTEGER, status INTEGER, invitation_status INTEGER, availability INTEGER, privacy_level INTEGER, url TEXT, last_modified REAL, sequence_num INTEGER, birthday_id INTEGER, modified_properties INTEGER, external_tracking_status INTEGER, external_id TEXT, external_mod_tag TEXT, unique_identifier TEXT, external_schedule_id TEXT, external_rep BLOB, response_comment TEXT, last_synced_response_comment TEXT, hidden INTEGER, has_recurrences INTEGER, has_attachment INTEGER, has_attendees INTEGER, UUID TEXT, entity_type INTEGER, priority INTEGER, due_date REAL, due_tz TEXT, due_all_day INTEGER, completion_date REAL, creation_date REAL, action TEXT, app_link BLOB, display_order INTEGER, created_by_id INTEGER, modified_by_id INTEGER, shared_item_created_date REAL, shared_item_created_tz TEXT, shared_item_modified_date REAL, shared_item_modified_tz TEXT, invitation_changed_properties INTEGER, default_alarm_removed INTEGER, phantom_master INTEGER, participation_status_modified_date REAL, calendar_scale TEXT, travel_time INTEGER, travel_advisory_behavior INTEGER, start_location_id INTEGER, end_location_id INTEGER, suggested_event_info_id INTEGER, first_alert_date REAL, proposed_start_date REAL, can_forward INTEGER, location_prediction_state INTEGER, fired_ttl INTEGER, disallow_propose_new_time INTEGER, structured_data BLOB, local_structured_data BLOB, junk_status INTEGER, conference_url TEXT, contact_identifier TEXT, recurrence_set TEXT, flags INTEGER, contact_name TEXT, error_id INTEGER, image_id INTEGER, color_id INTEGER, conference_url_detected TEXT, creator_identity TEXT, creator_team_identity TEXT, special_day TEXT);
CREATE TABLE Identity (display_name TEXT, address TEXT, first_name TEXT, last_name TEXT, UNIQUE (display_name, address, first_name, last_name));
CREATE TABLE Location (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT, address TEXT, latitude INTEGER, longitude INTEGER, reference_frame INTEGER, address_book_id TEXT, mapkit_handle BLOB, radius INTEGER, routing TEXT, derived_from TEXT, item_owner_id INTEGER, alarm_owner_id INTEGER, start_loc_owner_id INTEGER, end_loc_owner_id INTEGER, client_loc_owner_id INTEGER);
CREATE TABLE Participant (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, entity_type INTEGER, type INTEGER, status INTEGER, pending_status INTEGER, role INTEGER, identity_id INTEGER, owner_id INTEGER, external_rep BLOB, UUID TEXT, email TEXT, phone_number TEXT, is_self INTEGER, comment TEXT, schedule_agent INTEGER, flags INTEGER, last_modified REAL, proposed_start_date REAL, invited_by TEXT, proposed_start_date_status INTEGER, schedule_status INTEGER, schedule_force_send INTEGER, comment_last_modified REAL);
CREATE INDEX CalendarItemCalendarId on CalendarItem(calendar_id);
CREATE INDEX CalendarItemCreatedById on CalendarItem(created_by_id) WHERE created_by_id > 0;
CREATE INDEX CalendarItemDueDate on CalendarItem(due_date);
CREATE INDEX CalendarItemOriginalDate on CalendarItem(orig_date);
CREATE INDEX CalendarItemOriginalItemId on CalendarItem(orig_item_id);
"""

EVENT, REMINDER = 2, 3  # CalendarItem.entity_type
ORGANIZER, ATTENDEE = 7, 8  # Participant.entity_type (values unconfirmed; perito ignores them)


@dataclass(frozen=True)
class Person:
    email: str | None
    phone: str | None = None
    comment: str | None = None


@dataclass(frozen=True)
class Event:
    summary: str | None
    start: float | None
    end: float | None = None
    description: str | None = None
    created: float | None = None
    modified: float | None = None
    all_day: bool = False
    url: str | None = None
    organizer: Person | None = None
    attendees: tuple[Person, ...] = ()
    uuid: str | None = None
    hidden: bool = False
    calendar: str = "Home"
    entity_type: int = EVENT
    conference_url: str | None = None


def calendar_db(events: Sequence[Event], generation: str = IOS26
                ) -> Callable[[sqlite3.Connection], None]:
    """A fill function for BackupBuilder.add_sqlite; item ROWIDs are list index + 1."""
    def stamp(unix: float | None) -> float | None:
        return cocoa_s(unix) if unix is not None else None

    def fill(db: sqlite3.Connection) -> None:
        db.executescript(SCHEMA_IOS26 if generation == IOS26 else SCHEMA_IOS11)
        db.execute("INSERT INTO _SqliteDatabaseProperties VALUES ('_ClientVersion', ?)",
                   ("26000" if generation == IOS26 else "11006",))
        db.execute("INSERT INTO Store (name, type, disabled, external_id, persistent_id, flags) "
                   "VALUES ('iCloud', 2, 0, 'https://p42-caldav.icloud.com/', "
                   "'3F9C0A1E-2B4D-4E6F-8A0B-1C2D3E4F5A6B', 0)")
        calendars: dict[str, int] = {}
        columns = {row[1] for row in db.execute("PRAGMA table_info(Participant)")}

        def participant(person: Person, owner: int, entity_type: int, number: int) -> int:
            values: dict[str, object] = {
                "entity_type": entity_type, "type": 1, "status": 0, "role": 1,
                "owner_id": owner, "UUID": f"5D7E9F10-0000-4000-8000-{number:012X}",
                "email": person.email, "is_self": 0, "phone_number": person.phone,
                "comment": person.comment, "last_modified": stamp(1_709_000_000.0)}
            kept = {k: v for k, v in values.items() if k in columns}
            cur = db.execute(f"INSERT INTO Participant ({', '.join(kept)}) VALUES "
                             f"({', '.join('?' * len(kept))})", tuple(kept.values()))
            return int(cur.lastrowid or 0)

        people = 0
        for rowid, event in enumerate(events, start=1):
            if event.calendar not in calendars:
                cur = db.execute("INSERT INTO Calendar (store_id, title, flags, color, type, "
                                 "UUID) VALUES (1, ?, 0, '#1BADF8', 'calendar', ?)",
                                 (event.calendar, f"C0FFEE00-0000-4000-8000-{rowid:012X}"))
                calendars[event.calendar] = int(cur.lastrowid or 0)
            organizer_id = None
            if event.organizer is not None:
                people += 1
                organizer_id = participant(event.organizer, rowid, ORGANIZER, people)
            for attendee in event.attendees:
                people += 1
                participant(attendee, rowid, ATTENDEE, people)
            item: dict[str, object] = {
                "ROWID": rowid, "summary": event.summary, "description": event.description,
                "start_date": stamp(event.start), "start_tz": "_float" if event.all_day
                else "Europe/Madrid", "end_date": stamp(event.end), "all_day": int(event.all_day),
                "calendar_id": calendars[event.calendar], "organizer_id": organizer_id,
                "status": 1 if organizer_id else 0, "invitation_status": 1 if organizer_id else 0,
                "url": event.url, "last_modified": stamp(event.modified),
                "external_id": f"{rowid:04d}.ics", "unique_identifier": event.uuid,
                "UUID": event.uuid, "hidden": int(event.hidden), "has_attendees":
                int(bool(event.attendees)), "entity_type": event.entity_type,
                "creation_date": stamp(event.created),
                "conference_url": event.conference_url}
            if generation == IOS11:
                item.pop("conference_url")
            db.execute(f"INSERT INTO CalendarItem ({', '.join(item)}) VALUES "
                       f"({', '.join('?' * len(item))})", tuple(item.values()))
    return fill
