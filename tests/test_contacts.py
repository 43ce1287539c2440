from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from perito.artifacts.base import SchemaMismatch
from perito.artifacts.ios.contacts import ARTIFACT, AddressBookEntry, plain_label
from perito.levels import Level
from perito.records import Kind, events, from_dict, observables, to_dict
from perito.sources.sqlite import NotADatabase
from perito.timestamps import Encoding, TimeState
from tests.builders.ios.contacts import (
    ADDRESS,
    DATE,
    EMAIL,
    IOS8,
    IOS17,
    PHONE,
    URL,
    Person,
    Value,
    address_book,
)
from tests.builders.ios_backup import BackupBuilder
from tests.helpers import extract

T0 = 1_709_154_845  # 2024-02-28T21:14:05Z
AB = ("HomeDomain", "Library/AddressBook/AddressBook.sqlitedb")

PEOPLE = [
    Person("Ana", "López", values=(
        Value(PHONE, "_$!<Mobile>!$_", "+52 (55) 5555-0123"),
        Value(EMAIL, "_$!<Home>!$_", "ana@example.org"),
        Value(URL, "_$!<HomePage>!$_", "https://ana.example.org/"),
        Value(PHONE, "trabajo", None),  # a value without data: no record
    ), created=T0, modified=T0 + 60, middle="María"),
    Person(None, organization="Banco Ejemplo", values=(
        Value(PHONE, None, "800 123 4567"),
        Value(ADDRESS, "_$!<Work>!$_", "Av. Reforma 1"),
    )),
    Person("Sin", "Datos"),  # a contact without values: no record
    Person("Blob", values=(Value(EMAIL, "iCloud", b"blob@example.com"),
                           Value(DATE, "_$!<Anniversary>!$_", "2001-05-10"),
                           Value(EMAIL, None, "not an address"))),
]


def _backup(tmp_path: Path, generation: str = IOS17) -> Path:
    builder = BackupBuilder()
    builder.add_sqlite(*AB, address_book(PEOPLE, generation))
    return builder.write(tmp_path / "backup")


def _entries(root: Path) -> list[AddressBookEntry]:
    records, _ = extract(root, ARTIFACT)
    return [r for r in records if isinstance(r, AddressBookEntry)]


@pytest.mark.parametrize("generation", [IOS17, IOS8])
def test_one_record_per_non_null_value(tmp_path: Path, generation: str) -> None:
    entries = _entries(_backup(tmp_path, generation))
    assert [(e.person_id, e.property_id) for e in entries] == [
        (1, PHONE), (1, EMAIL), (1, URL), (2, PHONE), (2, ADDRESS), (4, EMAIL), (4, DATE),
        (4, EMAIL)]


def test_fields(tmp_path: Path) -> None:
    phone, email, url, bank, address, blob, date, bad = _entries(_backup(tmp_path))
    assert phone.source == "HomeDomain/Library/AddressBook/AddressBook.sqlitedb"
    assert (phone.first, phone.middle, phone.last) == ("Ana", "María", "López")
    assert phone.property_name == "phone" and phone.label == "Mobile"
    assert phone.value == "+52 (55) 5555-0123" and phone.phone == "+52 (55) 5555-0123"
    assert phone.email == ""
    assert phone.creation_date.encoding is Encoding.COCOA_S
    assert phone.creation_date.iso() == "2024-02-28T21:14:05.000000+00:00"
    assert phone.modification_date.iso() == "2024-02-28T21:15:05.000000+00:00"
    assert email.email == "ana@example.org" and email.label == "Home"
    assert url.property_name == "url" and url.phone == "" and url.email == ""
    assert bank.organization == "Banco Ejemplo" and bank.label is None
    assert bank.creation_date.state is TimeState.UNSET
    assert address.property_name == "address" and address.phone == ""
    assert blob.value == "blob@example.com" and blob.email == "blob@example.com"
    assert blob.label == "iCloud"  # a user label stays as written
    assert date.property_name == "date" and date.label == "Anniversary"
    assert bad.email == ""


def test_observables_and_no_timeline(tmp_path: Path) -> None:
    entries = _entries(_backup(tmp_path))
    found = {(kind, value) for e in entries for _n, kind, value in observables(e)}
    assert found == {(Kind.PHONE, "+52 (55) 5555-0123"), (Kind.EMAIL, "ana@example.org"),
                     (Kind.PHONE, "800 123 4567"), (Kind.EMAIL, "blob@example.com")}
    assert all(list(events(e)) == [] for e in entries)  # records only, no timeline
    assert ARTIFACT.match_level is Level.LOW


def test_describe(tmp_path: Path) -> None:
    phone, *_rest = _entries(_backup(tmp_path))
    assert phone.describe() == "Contact Ana María López: phone (Mobile) +52 (55) 5555-0123"
    assert _rest[2].describe() == "Contact Banco Ejemplo: phone 800 123 4567"


def test_records_round_trip(tmp_path: Path) -> None:
    for entry in _entries(_backup(tmp_path)) + _entries(_backup(tmp_path / "old", IOS8)):
        assert from_dict(to_dict(entry)) == entry


def test_without_label_table(tmp_path: Path) -> None:
    def fill(db: sqlite3.Connection) -> None:
        address_book(PEOPLE)(db)
        db.execute("DROP TABLE ABMultiValueLabel")

    builder = BackupBuilder()
    builder.add_sqlite(*AB, fill)
    entries = _entries(builder.write(tmp_path / "backup"))
    assert len(entries) == 8 and all(e.label is None for e in entries)


def test_values_without_their_person_are_kept(tmp_path: Path) -> None:
    """A deleted person, or a damaged record_id (a blob where the ROWID was): the values
    still carry handles to match, so they are records without a name, and a note says so."""
    def fill(db: sqlite3.Connection) -> None:
        address_book(PEOPLE)(db)
        first = db.execute("SELECT ROWID FROM ABPerson WHERE first = 'Ana'").fetchone()[0]
        db.execute("DELETE FROM ABPerson WHERE ROWID = ?", (first,))
        blob_id = db.execute("SELECT ROWID FROM ABPerson WHERE first = 'Blob'").fetchone()[0]
        db.execute("UPDATE ABMultiValue SET record_id = X'00' WHERE record_id = ?", (blob_id,))

    builder = BackupBuilder()
    builder.add_sqlite(*AB, fill)
    records, notes = extract(builder.write(tmp_path / "backup"), ARTIFACT)
    entries = [r for r in records if isinstance(r, AddressBookEntry)]
    assert len(entries) == 8
    orphans = [e for e in entries if e.first is None and e.organization is None]
    assert sorted(e.value or "" for e in orphans) == sorted([
        "+52 (55) 5555-0123", "ana@example.org", "https://ana.example.org/",
        "blob@example.com", "2001-05-10", "not an address"])
    assert next(e for e in orphans if e.value == "ana@example.org").email == "ana@example.org"
    assert notes == ["6 values belong to no person of ABPerson (deleted, or a damaged "
                     "record_id): kept without a name"]


def test_empty_address_book(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_sqlite(*AB, address_book([]))
    assert _entries(builder.write(tmp_path / "backup")) == []


def test_foreign_database_is_a_schema_mismatch(tmp_path: Path) -> None:
    def fill(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE ABPerson (ROWID INTEGER PRIMARY KEY, First TEXT)")

    builder = BackupBuilder()
    builder.add_sqlite(*AB, fill)
    with pytest.raises(SchemaMismatch) as caught:
        extract(builder.write(tmp_path / "backup"), ARTIFACT)
    assert caught.value.missing == ["ABMultiValue"]


def test_garbage_and_damaged_files(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_file(*AB, b"bplist00" + b"\x00" * 64)
    with pytest.raises(NotADatabase):
        extract(builder.write(tmp_path / "a"), ARTIFACT)
    builder = BackupBuilder()
    builder.add_file(*AB, b"SQLite format 3\x00" + b"\x01" * 2000)
    with pytest.raises(sqlite3.DatabaseError):
        extract(builder.write(tmp_path / "b"), ARTIFACT)


@pytest.mark.parametrize(("stored", "plain"), [
    ("_$!<Mobile>!$_", "Mobile"), ("Casa", "Casa"), ("_$!<", "_$!<"), (None, None)])
def test_plain_label(stored: str | None, plain: str | None) -> None:
    assert plain_label(stored) == plain
