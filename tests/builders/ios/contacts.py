"""AddressBook.sqlitedb as iOS writes it, in two generations.

Schemas: `IOS17`'s `ABPerson` and `ABStore` are the `CREATE TABLE` strings of iOS 17/18's
AddressBookLegacy framework (public framework-string diffs), including `guid ... DEFAULT
(ab_generate_guid())`, a function only iOS registers, so every insert gives the guid.
`IOS8` is the older `ABPerson` without guid and later columns, as iPhone-compatible address
books reproduced it. `ABMultiValue`, `ABMultiValueLabel` (labels are referenced by rowid),
`ABMultiValueEntry` and `ABMultiValueEntryKey` follow the same public reproductions; the
`guid` column of the recent `ABMultiValue` is inferred from published column lists, not from a
dump. `CreationDate` and `ModificationDate` are Cocoa seconds (INTEGER).
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tests.builders.timestamps import cocoa_s

IOS8 = "ios8"
IOS17 = "ios17"

PERSON_IOS17 = "CREATE TABLE ABPerson (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, First TEXT, Last TEXT, Middle TEXT, FirstPhonetic TEXT, MiddlePhonetic TEXT, LastPhonetic TEXT, Organization TEXT, Department TEXT, Note TEXT, Kind INTEGER, Birthday TEXT, JobTitle TEXT, Nickname TEXT, Prefix TEXT, Suffix TEXT, FirstSort TEXT, LastSort TEXT, CreationDate INTEGER, ModificationDate INTEGER, CompositeNameFallback TEXT, ExternalIdentifier TEXT, ExternalModificationTag TEXT, ExternalUUID TEXT, StoreID INTEGER, DisplayName TEXT, ExternalRepresentation BLOB, FirstSortSection TEXT, LastSortSection TEXT, FirstSortLanguageIndex INTEGER DEFAULT 2147483647, LastSortLanguageIndex INTEGER DEFAULT 2147483647, PersonLink INTEGER DEFAULT -1, ImageURI TEXT, IsPreferredName INTEGER DEFAULT 1, guid TEXT NOT NULL DEFAULT (ab_generate_guid()), PhonemeData TEXT, AlternateBirthday TEXT, MapsData TEXT, FirstPronunciation TEXT, MiddlePronunciation TEXT, LastPronunciation TEXT, OrganizationPhonetic TEXT, OrganizationPronunciation TEXT, PreviousFamilyName TEXT, PreferredLikenessSource TEXT, PreferredPersonaIdentifier TEXT, PreferredChannel TEXT, DowntimeWhitelist TEXT, ImageType TEXT, ImageHash BLOB, MemojiMetadata BLOB, Wallpaper BLOB, DisplayFlags INTEGER, WatchWallpaperImageData BLOB, WallpaperMetadata BLOB, ImageBackgroundColorsData BLOB, SensitiveContentConfiguration BLOB, WallpaperURI TEXT, UNIQUE(guid));"
STORE_IOS17 = "CREATE TABLE ABStore (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, Name TEXT, ExternalIdentifier TEXT, Type INTEGER, ConstraintsPath TEXT, ExternalModificationTag TEXT, ExternalSyncTag TEXT, StoreInternalIdentifier TEXT, AccountID INTEGER DEFAULT -1,Enabled INTEGER DEFAULT 1, SyncData BLOB, MeIdentifier INTEGER DEFAULT -1, Capabilities INTEGER DEFAULT 0, guid TEXT NOT NULL DEFAULT (ab_generate_guid()), LastSyncDate TEXT, ProviderIdentifier TEXT, ProviderMetadata BLOB, UNIQUE(StoreInternalIdentifier), UNIQUE(guid));"
MULTIVALUE_IOS17 = "CREATE TABLE ABMultiValue (UID INTEGER PRIMARY KEY, record_id INTEGER, property INTEGER, identifier INTEGER, label INTEGER, value TEXT, guid TEXT NOT NULL DEFAULT (ab_generate_guid()), UNIQUE(guid));"

PERSON_IOS8 = "CREATE TABLE ABPerson (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, First TEXT, Last TEXT, Middle TEXT, FirstPhonetic TEXT, MiddlePhonetic TEXT, LastPhonetic TEXT, Organization TEXT, Department TEXT, Note TEXT, Kind INTEGER, Birthday TEXT, JobTitle TEXT, Nickname TEXT, Prefix TEXT, Suffix TEXT, FirstSort TEXT, LastSort TEXT, CreationDate INTEGER, ModificationDate INTEGER, CompositeNameFallback TEXT, ExternalIdentifier TEXT, ExternalModificationTag TEXT, ExternalUUID TEXT, StoreID INTEGER, DisplayName TEXT, ExternalRepresentation BLOB, FirstSortSection TEXT, LastSortSection TEXT, FirstSortLanguageIndex INTEGER DEFAULT 2147483647, LastSortLanguageIndex INTEGER DEFAULT 2147483647, PersonLink INTEGER DEFAULT -1, ImageURI TEXT, IsPreferredName INTEGER DEFAULT 1);"
MULTIVALUE_IOS8 = "CREATE TABLE ABMultiValue (UID INTEGER PRIMARY KEY, record_id INTEGER, property INTEGER, identifier INTEGER, label INTEGER, value TEXT);"

COMMON = """
CREATE TABLE _SqliteDatabaseProperties (key TEXT, value TEXT, UNIQUE(key));
CREATE TABLE ABMultiValueEntry (parent_id INTEGER, key INTEGER, value TEXT, UNIQUE(parent_id, key));
CREATE TABLE ABMultiValueEntryKey (value TEXT, UNIQUE(value));
CREATE TABLE ABMultiValueLabel (value TEXT, UNIQUE(value));
"""

PHONE, EMAIL, ADDRESS, DATE, URL = 3, 4, 5, 12, 22


@dataclass(frozen=True)
class Value:
    property: int
    label: str | None
    value: str | bytes | None  # bytes: stored as a BLOB


@dataclass(frozen=True)
class Person:
    first: str | None
    last: str | None = None
    organization: str | None = None
    values: tuple[Value, ...] = ()
    created: float | None = None
    modified: float | None = None
    middle: str | None = None


def address_book(people: Sequence[Person], generation: str = IOS17
                 ) -> Callable[[sqlite3.Connection], None]:
    """A fill function for BackupBuilder.add_sqlite; person ROWIDs are list index + 1."""
    def fill(db: sqlite3.Connection) -> None:
        if generation == IOS17:
            db.executescript(PERSON_IOS17 + STORE_IOS17 + MULTIVALUE_IOS17 + COMMON)
            db.execute("INSERT INTO ABStore (Name, Type, StoreInternalIdentifier, guid) "
                       "VALUES ('Local', 0, 'local', ?)", (str(uuid.UUID(int=1)).upper(),))
        else:
            db.executescript(PERSON_IOS8 + MULTIVALUE_IOS8 + COMMON)
        db.execute("INSERT INTO _SqliteDatabaseProperties VALUES ('__ABVersion__', ?)",
                   ("1006" if generation == IOS17 else "800",))
        labels: dict[str, int] = {}
        guid = 100
        for rowid, person in enumerate(people, start=1):
            stamps = [int(cocoa_s(t)) if t is not None else None
                      for t in (person.created, person.modified)]
            columns = ("ROWID, First, Last, Middle, Organization, Kind, CreationDate, "
                       "ModificationDate, StoreID")
            values: tuple[object, ...] = (rowid, person.first, person.last, person.middle,
                                          person.organization,
                                          1 if person.first is None else 0, *stamps, 1)
            if generation == IOS17:
                guid += 1
                columns += ", guid"
                values += (f"{uuid.UUID(int=guid)}:ABPerson".upper(),)
            db.execute(f"INSERT INTO ABPerson ({columns}) VALUES "
                       f"({', '.join('?' * len(values))})", values)
            for identifier, value in enumerate(person.values):
                label = None
                if value.label is not None:
                    if value.label not in labels:
                        cur = db.execute("INSERT INTO ABMultiValueLabel (value) VALUES (?)",
                                         (value.label,))
                        labels[value.label] = int(cur.lastrowid or 0)
                    label = labels[value.label]
                row: tuple[object, ...] = (rowid, value.property, identifier, label,
                                           value.value)
                if generation == IOS17:
                    guid += 1
                    db.execute("INSERT INTO ABMultiValue (record_id, property, identifier, "
                               "label, value, guid) VALUES (?, ?, ?, ?, ?, ?)",
                               (*row, str(uuid.UUID(int=guid)).upper()))
                else:
                    db.execute("INSERT INTO ABMultiValue (record_id, property, identifier, "
                               "label, value) VALUES (?, ?, ?, ?, ?)", row)
    return fill
