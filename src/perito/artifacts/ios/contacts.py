"""The address book (AddressBook.sqlitedb), one record per stored contact value (ios.md §5.12).

- `ABPerson` holds a contact's names and organisation; `ABMultiValue` its values (`property`
  3 phone, 4 email, 5 postal address, 12 date, 16 ringtone, 22 web address, 23 related name),
  each with a label: a row id of `ABMultiValueLabel`, whose text is a user string or Apple's
  `_$!<Mobile>!$_` form (unwrapped here to `Mobile`).
- One record per value that is not NULL, like the incumbent, so the counts are the same. A
  contact without any value gives no record.
- Phones and emails are observables, as context: a saved contact is not evidence of an
  attack, so an indicator match is LOW. Records only, no timeline (`CreationDate` and
  `ModificationDate`, Cocoa seconds, are kept as plain fields).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from perito.artifacts.base import Artifact, Context, sqlite_rows, timestamp
from perito.artifacts.ios.sms import classify_handle
from perito.artifacts.sql import col, has
from perito.levels import Level
from perito.records import Kind, Record, observable, register_record
from perito.sources.locations import BackupFile, FsGlob
from perito.timestamps import Encoding, Timestamp, unset

PHONE, EMAIL = 3, 4
PROPERTIES = {3: "phone", 4: "email", 5: "address", 12: "date", 16: "tone", 22: "url",
              23: "related name"}
IDENTIFY: dict[str, list[str]] = {"ABPerson": ["ROWID"],
                                  "ABMultiValue": ["record_id", "property", "value"]}
_PERSON_COLUMNS = (("First", "first"), ("Middle", "middle"), ("Last", "last"),
                   ("Organization", "organization"), ("Nickname", "nickname"),
                   ("CreationDate", "creation_date"), ("ModificationDate", "modification_date"))


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class AddressBookEntry(Record):
    """One `ABMultiValue` value of an `ABPerson` (a phone number, an email, …)."""

    person_id: int | None = None  # ABPerson.ROWID
    first: str | None = None
    middle: str | None = None
    last: str | None = None
    organization: str | None = None
    nickname: str | None = None
    value_id: int | None = None  # ABMultiValue.UID
    property_id: int | None = None  # ABMultiValue.property
    property_name: str = ""
    label: str | None = None
    value: str | None = None
    phone: str = field(default="", metadata=observable(Kind.PHONE))
    email: str = field(default="", metadata=observable(Kind.EMAIL))
    creation_date: Timestamp = field(default=unset(Encoding.COCOA_S))
    modification_date: Timestamp = field(default=unset(Encoding.COCOA_S))

    record_name = "Contact"

    def describe(self) -> str:
        name = " ".join(p for p in (self.first, self.middle, self.last) if p)
        name = name or self.organization or self.nickname or "(no name)"
        kind = self.property_name or f"property {self.property_id}"
        label = f" ({self.label})" if self.label else ""
        return f"Contact {name}: {kind}{label} {self.value or ''}".rstrip()


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def plain_label(label: str | None) -> str | None:
    """`_$!<Mobile>!$_` → `Mobile`; user labels unchanged."""
    if label and label.startswith("_$!<") and label.endswith(">!$_"):
        return label[4:-4]
    return label


def _query(found: Mapping[str, set[str]]) -> str:
    columns = [col(found, "ABPerson", name, alias, "p") for name, alias in _PERSON_COLUMNS]
    if has(found, "ABMultiValueLabel", "value") and has(found, "ABMultiValue", "label"):
        label = "l.value AS label"
        join = "LEFT JOIN ABMultiValueLabel l ON l.ROWID = mv.label"
    else:
        label, join = 'NULL AS "label"', ""
    # From the values: a value whose person is gone (or whose record_id is damaged) is kept.
    return (f"SELECT mv.record_id AS person_id, p.ROWID IS NULL AS orphan, "
            f"{', '.join(columns)}, mv.ROWID AS value_id, "
            f"mv.property AS property, {label}, mv.value AS value FROM ABMultiValue mv "
            f"LEFT JOIN ABPerson p ON p.ROWID = mv.record_id {join} "
            "WHERE mv.value IS NOT NULL ORDER BY mv.record_id, mv.ROWID")


def extract(ctx: Context) -> Iterator[AddressBookEntry]:
    """Every non-NULL value of one AddressBook.sqlitedb, with its person when there is one."""
    orphans = 0
    for row in sqlite_rows(ctx, IDENTIFY, _query):
        orphans += bool(row["orphan"])
        prop = _int(row["property"])
        value = _text(row["value"])
        email, phone = classify_handle(value) if prop in (PHONE, EMAIL) else ("", "")
        yield AddressBookEntry(
            source=ctx.evidence.address,
            person_id=_int(row["person_id"]),
            first=_text(row["first"]),
            middle=_text(row["middle"]),
            last=_text(row["last"]),
            organization=_text(row["organization"]),
            nickname=_text(row["nickname"]),
            value_id=_int(row["value_id"]),
            property_id=prop,
            property_name=PROPERTIES.get(prop, "") if prop is not None else "",
            label=plain_label(_text(row["label"])),
            value=value,
            phone=phone if prop == PHONE else "",
            email=email if prop == EMAIL else "",
            creation_date=timestamp(row["creation_date"], Encoding.COCOA_S),
            modification_date=timestamp(row["modification_date"], Encoding.COCOA_S),
        )
    if orphans:
        ctx.warn(f"{orphans} values belong to no person of ABPerson (deleted, or a damaged "
                 "record_id): kept without a name")


ARTIFACT = Artifact(
    id="ios.contacts",
    title="Address book",
    slug="contacts",
    plugin="Contacts",
    locations=(BackupFile("HomeDomain", "Library/AddressBook/AddressBook.sqlitedb"),
               FsGlob("private/var/mobile/Library/AddressBook/AddressBook.sqlitedb")),
    records=(AddressBookEntry,),
    extract=extract,
    match_level=Level.LOW,
    doc=__doc__ or "",
)
