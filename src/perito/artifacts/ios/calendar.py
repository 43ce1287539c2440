"""Calendar items from Calendar.sqlitedb, one record per `CalendarItem` row (ios.md §5.12).

- `HomeDomain/Library/Calendar/Calendar.sqlitedb` holds events and reminders (`entity_type`)
  of every calendar account. The organizer is the `Participant` row `organizer_id` points
  to; the attendees are the `Participant` rows owned by the item (`owner_id`). Their emails
  (and, on recent iOS, phone numbers) are observables: QuaDream's exploit arrived as iCloud
  calendar invitations (Citizen Lab, Microsoft, 2023), whose organizers are attacker accounts.
  Older stores have no `Participant.phone_number`, `comment` or `last_modified` (the
  incumbent's query fails on them); the query is built from the columns present.
- `url`, and links in the notes (`description`) and in `conference_url`, are URL
  observables. All dates are Cocoa seconds; an all-day event's dates are floating
  (`start_tz` `_float`) and read as UTC.
- The heuristic of `perito.analysis.calendar` flags QuaDream's "Meeting"/"Notes" events, which
  were often backdated: compare `creation_date` with `start_date`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from perito.artifacts.base import Artifact, Context, SchemaMismatch, timestamp
from perito.artifacts.ios.sms import classify_handle
from perito.artifacts.sql import col, has
from perito.indicators.normalise import extract_links
from perito.records import Kind, Record, observable, register_record, timeline
from perito.sources.locations import BackupFile, FsGlob
from perito.sources.sqlite import missing_from, schema
from perito.timestamps import Encoding, Timestamp, unset

IDENTIFY: dict[str, list[str]] = {"CalendarItem": ["ROWID", "summary", "start_date"]}
_ITEM_COLUMNS = (("summary", "summary"), ("description", "description"),
                 ("start_date", "start_date"), ("start_tz", "start_tz"),
                 ("end_date", "end_date"), ("all_day", "all_day"),
                 ("calendar_id", "calendar_id"), ("organizer_id", "organizer_id"),
                 ("url", "url"), ("conference_url", "conference_url"),
                 ("last_modified", "last_modified"), ("creation_date", "creation_date"),
                 ("external_id", "external_id"), ("external_mod_tag", "external_mod_tag"),
                 ("unique_identifier", "unique_identifier"), ("UUID", "uuid"),
                 ("hidden", "hidden"), ("entity_type", "entity_type"), ("status", "status"),
                 ("invitation_status", "invitation_status"), ("action", "action"),
                 ("created_by_id", "created_by_id"))
_ORGANIZER_COLUMNS = (("UUID", "organizer_uuid"), ("email", "organizer_email"),
                      ("phone_number", "organizer_phone_number"),
                      ("comment", "organizer_comment"),
                      ("last_modified", "organizer_last_modified"))


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class CalendarEvent(Record):
    """One `CalendarItem` (event or reminder) with its organizer and attendees."""

    rowid: int | None = None  # CalendarItem.ROWID
    summary: str | None = None
    description: str | None = None
    start_date: Timestamp = field(default=unset(Encoding.COCOA_S),
                                  metadata=timeline("Calendar event starts"))
    start_tz: str | None = None
    end_date: Timestamp = field(default=unset(Encoding.COCOA_S),
                                metadata=timeline("Calendar event ends"))
    all_day: int | None = None
    calendar_id: int | None = None
    calendar_title: str | None = None
    entity_type: int | None = None
    status: int | None = None
    invitation_status: int | None = None
    url: str = field(default="", metadata=observable(Kind.URL))
    conference_url: str | None = None
    links: tuple[str, ...] = field(default=(), metadata=observable(Kind.URL))
    creation_date: Timestamp = field(default=unset(Encoding.COCOA_S),
                                     metadata=timeline("Calendar event created"))
    last_modified: Timestamp = field(default=unset(Encoding.COCOA_S),
                                     metadata=timeline("Calendar event modified"))
    external_id: str | None = None
    external_mod_tag: str | None = None
    unique_identifier: str | None = None
    uuid: str | None = None
    hidden: int | None = None
    action: str | None = None
    created_by_id: int | None = None
    organizer_id: int | None = None
    organizer_uuid: str | None = None
    organizer_email: str = field(default="", metadata=observable(Kind.EMAIL))
    organizer_phone: str = field(default="", metadata=observable(Kind.PHONE))
    organizer_comment: str | None = None
    organizer_last_modified: Timestamp = field(
        default=unset(Encoding.COCOA_S), metadata=timeline("Calendar organizer updated"))
    participant_emails: tuple[str, ...] = field(default=(), metadata=observable(Kind.EMAIL))
    participant_phones: tuple[str, ...] = field(default=(), metadata=observable(Kind.PHONE))

    record_name = "Calendar event"

    def describe(self) -> str:
        text = f"Calendar event '{self.summary or ''}'"
        if self.calendar_title:
            text += f" in {self.calendar_title}"
        if self.organizer_email or self.organizer_phone:
            text += f" (invitation by {self.organizer_email or self.organizer_phone})"
        if self.links:
            text += " with links: " + " ".join(self.links)
        return text


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value if isinstance(value, str) else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _query(found: Mapping[str, set[str]]) -> str:
    columns = [col(found, "CalendarItem", name, alias, "ci") for name, alias in _ITEM_COLUMNS]
    joins = []
    if has(found, "CalendarItem", "organizer_id") and has(found, "Participant"):
        joins.append("LEFT JOIN Participant o ON o.ROWID = ci.organizer_id")
        columns += [col(found, "Participant", name, alias, "o")
                    for name, alias in _ORGANIZER_COLUMNS]
    else:
        columns += [f'NULL AS "{alias}"' for _name, alias in _ORGANIZER_COLUMNS]
    if has(found, "CalendarItem", "calendar_id") and has(found, "Calendar", "title"):
        joins.append("LEFT JOIN Calendar c ON c.ROWID = ci.calendar_id")
        columns.append("c.title AS calendar_title")
    else:
        columns.append('NULL AS "calendar_title"')
    return (f"SELECT ci.ROWID AS rowid, {', '.join(columns)} FROM CalendarItem ci "
            f"{' '.join(joins)} ORDER BY ci.ROWID")


def _attendees(connection: sqlite3.Connection, found: Mapping[str, set[str]]
               ) -> dict[int, list[tuple[str, str]]]:
    """CalendarItem ROWID → (email, phone) of each Participant it owns."""
    if not has(found, "Participant", "owner_id") or not has(found, "Participant", "email"):
        return {}
    phone = "phone_number" if has(found, "Participant", "phone_number") else "NULL"
    owned: dict[int, list[tuple[str, str]]] = {}
    query = (f"SELECT owner_id, email, {phone} FROM Participant WHERE owner_id IS NOT NULL "
             "ORDER BY owner_id, ROWID")
    for owner, email, number in connection.execute(query):
        if isinstance(owner, int):
            owned.setdefault(owner, []).append((_email(email), _phone(number)))
    return owned


def _email(value: object) -> str:
    return (_text(value) or "").strip()  # raw; the matcher drops a "mailto:"


def _phone(value: object) -> str:
    return classify_handle(_text(value))[1]


def _unique(values: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


def extract(ctx: Context) -> Iterator[CalendarEvent]:
    """Every calendar item of one Calendar.sqlitedb."""
    with ctx.source.open_sqlite(ctx.evidence) as opened:
        if opened.wal_applied:
            ctx.warn("write-ahead log applied (read from a private copy)")
        found = schema(opened.connection)
        missing = missing_from(found, IDENTIFY)
        if missing:
            raise SchemaMismatch(missing)
        attendees = _attendees(opened.connection, found)
        opened.connection.row_factory = sqlite3.Row
        for row in opened.connection.execute(_query(found)):
            rowid = _int(row["rowid"])
            owned = attendees.get(rowid, []) if rowid is not None else []
            description, conference = _text(row["description"]), _text(row["conference_url"])
            url = (_text(row["url"]) or "").strip()
            links = [link for text in (description, conference) if text
                     for link in extract_links(text)]
            yield CalendarEvent(
                source=ctx.evidence.address,
                rowid=rowid,
                summary=_text(row["summary"]),
                description=description,
                start_date=timestamp(row["start_date"], Encoding.COCOA_S),
                start_tz=_text(row["start_tz"]),
                end_date=timestamp(row["end_date"], Encoding.COCOA_S),
                all_day=_int(row["all_day"]),
                calendar_id=_int(row["calendar_id"]),
                calendar_title=_text(row["calendar_title"]),
                entity_type=_int(row["entity_type"]),
                status=_int(row["status"]),
                invitation_status=_int(row["invitation_status"]),
                url=url,
                conference_url=conference,
                links=_unique([link for link in links if link != url]),
                creation_date=timestamp(row["creation_date"], Encoding.COCOA_S),
                last_modified=timestamp(row["last_modified"], Encoding.COCOA_S),
                external_id=_text(row["external_id"]),
                external_mod_tag=_text(row["external_mod_tag"]),
                unique_identifier=_text(row["unique_identifier"]),
                uuid=_text(row["uuid"]),
                hidden=_int(row["hidden"]),
                action=_text(row["action"]),
                created_by_id=_int(row["created_by_id"]),
                organizer_id=_int(row["organizer_id"]),
                organizer_uuid=_text(row["organizer_uuid"]),
                organizer_email=_email(row["organizer_email"]),
                organizer_phone=_phone(row["organizer_phone_number"]),
                organizer_comment=_text(row["organizer_comment"]),
                organizer_last_modified=timestamp(row["organizer_last_modified"],
                                                  Encoding.COCOA_S),
                participant_emails=_unique([email for email, _phone in owned]),
                participant_phones=_unique([phone for _email, phone in owned]),
            )


ARTIFACT = Artifact(
    id="ios.calendar",
    title="Calendar",
    slug="calendar",
    plugin="Calendar",
    locations=(BackupFile("HomeDomain", "Library/Calendar/Calendar.sqlitedb"),
               FsGlob("private/var/mobile/Library/Calendar/Calendar.sqlitedb")),
    records=(CalendarEvent,),
    extract=extract,
    doc=__doc__ or "",
)
