from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from perito.artifacts.base import SchemaMismatch
from perito.artifacts.ios.tcc import ARTIFACT, TccAccess
from perito.records import Kind, from_dict, observables, to_dict
from perito.timestamps import Encoding, TimeState
from tests.builders.ios.datausage import standard_db
from tests.builders.ios.tcc import NEW_GRANTS, OLD_GRANTS, T0, Grant, tcc_db
from tests.builders.ios_backup import BackupBuilder, build_sqlite
from tests.builders.sqlite_damage import undecodable_schema
from tests.helpers import extract, scan_one

DB = "Library/TCC/TCC.db"
BH = "/private/var/db/com.apple.xpc.roleaccountd.staging/bh"


def _records(tmp_path: Path, fill: Callable[[sqlite3.Connection], None]) -> list[TccAccess]:
    builder = BackupBuilder()
    builder.add_sqlite("HomeDomain", DB, fill)
    records, _ = extract(builder.write(tmp_path / "backup"), ARTIFACT)
    assert all(isinstance(r, TccAccess) for r in records)
    return [r for r in records if isinstance(r, TccAccess)]


def _by_key(records: list[TccAccess]) -> dict[tuple[str, str], TccAccess]:
    return {(r.service, r.client): r for r in records}


@pytest.mark.parametrize("generation", ["ios14", "ios17"])
def test_auth_value_generations(tmp_path: Path, generation: str) -> None:
    records = _records(tmp_path, tcc_db(generation, NEW_GRANTS))
    assert len(records) == len(NEW_GRANTS)
    rows = _by_key(records)
    camera = rows["kTCCServiceCamera", "net.whatsapp.WhatsApp"]
    assert (camera.auth_value, camera.auth_value_raw, camera.auth_reason,
            camera.auth_reason_desc) == ("allowed", 2, 2, "user_consent")
    assert camera.auth_version == 1 and camera.allowed is None and camera.prompt_count is None
    assert camera.last_modified.encoding is Encoding.UNIX_S
    assert camera.last_modified.iso() == "2024-02-28T21:14:05.000000+00:00"
    assert camera.indirect_object_identifier == "UNUSED"
    assert camera.source == "HomeDomain/Library/TCC/TCC.db"
    mic = rows["kTCCServiceMicrophone", "net.whatsapp.WhatsApp"]
    assert (mic.auth_value, mic.auth_reason_desc) == ("denied", "user_set")
    photos = rows["kTCCServicePhotos", "com.burbn.instagram"]
    assert photos.auth_value == "limited"
    mail = rows["kTCCServiceAddressBook", "com.apple.mobilemail"]
    assert mail.auth_reason_desc == "system_set"
    assert mail.last_modified.state is TimeState.UNSET  # 0 is "never", not 1970
    odd = rows["kTCCServiceUbiquity", "com.example.notes"]
    assert (odd.auth_value, odd.auth_reason, odd.auth_reason_desc) == ("unknown", 99, "unknown")
    if generation == "ios17":
        assert (odd.pid, odd.pid_version) == (412, 1)
        assert odd.boot_uuid == "8F1C0B9E-3A2D-4F5E-9B7C-6D5E4F3A2B1C"
        assert odd.last_reminded.iso() == "2024-02-28T21:19:05.000000+00:00"
        assert mail.boot_uuid == "UNUSED" and mail.last_reminded.state is TimeState.UNSET
    else:
        assert odd.pid is None and odd.boot_uuid is None
        assert odd.last_reminded.state is TimeState.UNSET


@pytest.mark.parametrize("generation", ["ios8", "ios9", "ios12"])
def test_allowed_generations(tmp_path: Path, generation: str) -> None:
    rows = _by_key(_records(tmp_path, tcc_db(generation, OLD_GRANTS)))
    camera = rows["kTCCServiceCamera", "net.whatsapp.WhatsApp"]
    assert (camera.auth_value, camera.allowed, camera.auth_value_raw) == ("allowed", 1, None)
    assert camera.auth_reason is None and camera.auth_reason_desc == ""
    mic = rows["kTCCServiceMicrophone", "net.whatsapp.WhatsApp"]
    assert (mic.auth_value, mic.allowed, mic.prompt_count) == ("denied", 0, 2)
    if generation == "ios12":
        assert mic.last_modified.iso() == "2024-02-28T21:15:05.000000+00:00"
        assert mic.flags == 0
    else:
        assert mic.last_modified.state is TimeState.UNSET
        assert mic.flags is None and mic.indirect_object_identifier is None


def test_clients_get_the_right_observable_kinds(tmp_path: Path) -> None:
    rows = _by_key(_records(tmp_path, tcc_db("ios14", NEW_GRANTS)))
    by_bundle = rows["kTCCServiceCamera", "net.whatsapp.WhatsApp"]
    assert {(k, v) for _n, k, v in observables(by_bundle)} == {
        (Kind.APP_ID, "net.whatsapp.WhatsApp"), (Kind.PROCESS, "net.whatsapp.WhatsApp")}
    by_path = rows["kTCCServiceMicrophone", BH]
    assert by_path.client_type == 1
    assert {(k, v) for _n, k, v in observables(by_path)} == {
        (Kind.FILE_PATH, BH), (Kind.PROCESS, "bh")}


def test_describe(tmp_path: Path) -> None:
    rows = _by_key(_records(tmp_path, tcc_db("ios14", NEW_GRANTS)))
    assert rows["kTCCServiceCamera", "net.whatsapp.WhatsApp"].describe() == (
        "net.whatsapp.WhatsApp allowed to use Camera")
    assert rows["kTCCServiceMicrophone", BH].describe() == f"{BH} allowed to use Microphone"
    assert rows["kTCCServiceMicrophone", "net.whatsapp.WhatsApp"].describe() == (
        "net.whatsapp.WhatsApp denied use of Microphone")
    assert rows["kTCCServicePhotos", "com.burbn.instagram"].describe() == (
        "com.burbn.instagram allowed limited use of Photos")
    assert rows["kTCCServiceUbiquity", "com.example.notes"].describe() == (
        "com.example.notes: permission for Ubiquity is unknown")


def test_records_round_trip(tmp_path: Path) -> None:
    for generation, grants in (("ios9", OLD_GRANTS), ("ios12", OLD_GRANTS),
                               ("ios17", NEW_GRANTS)):
        for record in _records(tmp_path / generation, tcc_db(generation, grants)):
            assert from_dict(to_dict(record)) == record


def test_unknown_values_are_kept_raw(tmp_path: Path) -> None:
    grants = [Grant("kTCCServiceCamera", "com.example.a", 0, 7, 2, T0),
              Grant("kTCCServiceLiverpool", "com.example.b", 5, 2, 2, T0)]
    rows = _by_key(_records(tmp_path, tcc_db("ios14", grants)))
    assert rows["kTCCServiceCamera", "com.example.a"].auth_value == "unknown (7)"
    strange = rows["kTCCServiceLiverpool", "com.example.b"]
    assert (strange.client_bundle_id, strange.client_path, strange.client_process) == (
        "", "", "com.example.b")


def test_empty_access_table(tmp_path: Path) -> None:
    assert _records(tmp_path, tcc_db("ios17", [])) == []


def test_foreign_database_is_a_schema_mismatch(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_sqlite("HomeDomain", DB, standard_db())
    with pytest.raises(SchemaMismatch) as raised:
        extract(builder.write(tmp_path / "backup"), ARTIFACT)
    assert raised.value.missing == ["access"]


def test_access_table_without_a_decision_column(tmp_path: Path) -> None:
    def fill(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE access (service TEXT, client TEXT, client_type INTEGER)")

    builder = BackupBuilder()
    builder.add_sqlite("HomeDomain", DB, fill)
    with pytest.raises(SchemaMismatch, match="auth_value or access.allowed"):
        extract(builder.write(tmp_path / "backup"), ARTIFACT)


def test_corrupt_database(tmp_path: Path) -> None:
    main, _ = build_sqlite(tcc_db("ios14", NEW_GRANTS))
    builder = BackupBuilder()
    builder.add_file("HomeDomain", DB, main[:100] + b"\x5a" * (len(main) - 100))
    with pytest.raises(sqlite3.DatabaseError):
        extract(builder.write(tmp_path / "backup"), ARTIFACT)


def test_schema_text_that_is_not_utf8_is_a_damaged_database(tmp_path: Path) -> None:
    main, _ = build_sqlite(tcc_db("ios14", NEW_GRANTS))
    builder = BackupBuilder()
    builder.add_file("HomeDomain", DB, undecodable_schema(main, "access"))
    root = builder.write(tmp_path / "backup")
    with pytest.raises(sqlite3.DatabaseError, match="malformed database schema"):
        extract(root, ARTIFACT)
    code, entry, _ = scan_one(root, ARTIFACT.id, tmp_path / "out")
    assert (code, entry["state"]) == (3, "failed")
    assert "not UTF-8" in entry["problems"][0] and "unexpected" not in entry["problems"][0]
