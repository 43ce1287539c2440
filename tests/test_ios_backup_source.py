from __future__ import annotations

import plistlib
import sqlite3
from pathlib import Path

import pytest

from perito.cli import main
from perito.errors import InputError
from perito.sources.ios_backup import IosBackup, decode_mbfile, device_path, file_id
from perito.sources.locations import BackupFile, BackupGlob
from perito.sources.plist import load_any, unarchive
from tests.builders.ios_backup import BackupBuilder, mbfile_blob


def test_standard_file_ids() -> None:
    assert file_id("HomeDomain", "Library/SMS/sms.db") == "3d0d7e5fb2ce288813306e4d4636395e047a3d28"
    assert file_id("WirelessDomain", "Library/Databases/DataUsage.sqlite") == \
        "0d609c54856a9bb2d56729df1d68f2958a88426b"


def test_device_paths() -> None:
    assert device_path("HomeDomain", "Library/SMS/sms.db") == "/private/var/mobile/Library/SMS/sms.db"
    assert device_path("RootDomain", "Library/Caches/x") == "/private/var/root/Library/Caches/x"
    assert device_path("AppDomainGroup-group.net.whatsapp.WhatsApp.shared", "ChatStorage.sqlite") \
        == "/private/var/mobile/Containers/Shared/AppGroup/group.net.whatsapp.WhatsApp.shared/ChatStorage.sqlite"
    assert device_path("UnknownDomain", "x") == ""


def test_mbfile_blob_decodes() -> None:
    blob = mbfile_blob("Library/x.db", size=42, mode=0o100644, birth=1, modified=2,
                       status_changed=3, inode=7)
    meta = decode_mbfile(blob)
    assert meta["RelativePath"] == "Library/x.db"
    assert meta["Size"] == 42 and meta["Mode"] == 0o100644
    assert meta["$class"] == "MBFile"


def test_unarchive_survives_cycles_and_bad_uids() -> None:
    archive = {"$archiver": "NSKeyedArchiver", "$version": 100000,
               "$top": {"root": plistlib.UID(1)},
               "$objects": ["$null", {"self": plistlib.UID(1), "bad": plistlib.UID(99),
                                      "list": {"NS.objects": [plistlib.UID(2)]}}, "text"]}
    value = unarchive(archive)
    assert value["self"] is None and value["bad"] is None and value["list"] == ["text"]
    assert load_any(plistlib.dumps(archive, fmt=plistlib.FMT_BINARY)) == value


def _built(tmp_path: Path) -> Path:
    builder = BackupBuilder()
    builder.add_file("HomeDomain", "Library/Safari/History.db", b"x")
    builder.add_file("AppDomain-com.example.app", "Library/Safari/Profiles/A/History.db", b"y")
    builder.add_file("HomeDomain", "Library/Safari_old/History.db", b"z")
    builder.add_file("HomeDomain", "Library/Skipped.db", b"gone")
    builder.skip_bytes.add("HomeDomain/Library/Skipped.db")
    return builder.write(tmp_path / "b")


def test_find_by_domain_and_glob(tmp_path: Path) -> None:
    with IosBackup(_built(tmp_path)) as backup:
        exact = list(backup.find(BackupFile("HomeDomain", "Library/Safari/History.db")))
        assert [e.address for e in exact] == ["HomeDomain/Library/Safari/History.db"]
        anywhere = list(backup.find(BackupGlob("Library/Safari/Profiles/*/History.db")))
        assert [e.domain for e in anywhere] == ["AppDomain-com.example.app"]
        # GLOB has no "_" wildcard: Library/Safari_old must not match Library/Safari?old
        assert not list(backup.find(BackupGlob("Library/SafariXold/History.db")))
        assert backup.missing_rows(BackupFile("HomeDomain", "Library/Skipped.db")) == \
            ["HomeDomain/Library/Skipped.db"]
        assert not list(backup.find(BackupFile("HomeDomain", "Library/Skipped.db")))


def test_find_by_file_id(tmp_path: Path) -> None:
    with IosBackup(_built(tmp_path)) as backup:
        found = backup.by_file_id("1A0E7AFC19D307DA602CCDCECE51AF33AFE92C53")
        assert found is not None and found.address == "HomeDomain/Library/Safari/History.db"
        assert found.path.read_bytes() == b"x"
        assert backup.by_file_id("0" * 40) is None


def test_hostile_file_ids_are_refused(tmp_path: Path) -> None:
    with IosBackup(_built(tmp_path)) as backup:
        assert backup.stored_path("../../etc/passwd") is None
        assert backup.stored_path("ABCDEF" * 7) is None


def test_several_backups_listed(tmp_path: Path) -> None:
    BackupBuilder().write(tmp_path / "one")
    BackupBuilder().write(tmp_path / "two")
    with pytest.raises(InputError, match="holds 2 backups"):
        IosBackup(tmp_path)


def test_missing_pieces_named(tmp_path: Path) -> None:
    (tmp_path / "Info.plist").write_bytes(plistlib.dumps({}))
    with pytest.raises(InputError, match="Manifest.db missing"):
        IosBackup(tmp_path)


def test_legacy_backup_named(tmp_path: Path) -> None:
    (tmp_path / "Info.plist").write_bytes(plistlib.dumps({}))
    (tmp_path / "Manifest.mbdb").write_bytes(b"mbdb\x05\x00")
    with pytest.raises(InputError, match="iOS 9 or older"):
        IosBackup(tmp_path)


def test_garbage_manifest(tmp_path: Path) -> None:
    root = BackupBuilder().write(tmp_path / "b")
    (root / "Manifest.db").write_bytes(b"not sqlite at all")
    with pytest.raises(InputError, match="not an SQLite database"):
        IosBackup(root)


def test_manifest_flags_of_another_type(tmp_path: Path) -> None:
    """A damaged Files.flags (text, a blob, a real) once raised out of the scan."""
    builder = BackupBuilder()
    for name in ("a", "b", "c", "d"):
        builder.add_file("HomeDomain", f"Library/{name}.plist", plistlib.dumps({"n": name}))
    root = builder.write(tmp_path / "b")
    db = sqlite3.connect(root / "Manifest.db")
    for name, flags in (("a", "C\x88"), ("b", b"\x01"), ("c", 1.0), ("d", " 1")):
        db.execute("UPDATE Files SET flags = ? WHERE relativePath = ?",
                   (flags, f"Library/{name}.plist"))
    db.commit()
    db.close()
    with IosBackup(root) as backup:
        flags = {r.relative_path: r.flags for r in backup.rows(domain="HomeDomain")}
    assert {k: v for k, v in flags.items() if k.endswith(".plist")} == {
        "Library/a.plist": 0, "Library/b.plist": 0, "Library/c.plist": 1,
        "Library/d.plist": 1}
    out = tmp_path / "out"
    assert main(["ios", "check-backup", str(root), "-o", str(out), "-j", "1"]) in (0, 2, 3)
