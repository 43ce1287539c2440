"""Android `.ab` backups: every header variant, encryption, damage, hostile members."""

from __future__ import annotations

import hashlib
import io
import sqlite3
import stat
import subprocess
import sys
import tarfile
import tempfile
import zlib
from pathlib import Path

import pytest

from perito.artifacts.android.backup_files import BackupEntry
from perito.artifacts.android.backup_packages import BackupPackage
from perito.artifacts.android.catalogue import ANDROID_BACKUP
from perito.artifacts.android.mms import AndroidMms
from perito.artifacts.android.sms import AndroidSms
from perito.commands.android import open_backup, open_backup_stream
from perito.errors import InputError
from perito.pipeline import ArtifactState, ScanResult, scan
from perito.records import Record
from perito.sources import android_ab
from perito.sources.android_ab import AndroidBackup
from perito.sources.android_ab_format import PasswordRequired, WrongPassword
from perito.sources.locations import BackupMember
from tests.builders.android import ab
from tests.builders.android import telephony as tel

PASSWORD = "pässwört 1"  # non-ASCII: UTF-8 for version ≥ 2, 8-bit for version 1
SMS_MS = 1_709_280_000_123  # 2024-03-01T08:00:00.123Z
MMS_S = 1_709_280_100  # 2024-03-01T08:01:40Z
CERT = bytes.fromhex("3082010a0282010100") + bytes(range(200, 256))  # DER-ish, bytes ≥ 0x80


def telephony_members() -> list[ab.Member]:
    sms = [
        tel.sms("+15550100", "Your parcel: https://track.example.net/p/4411", SMS_MS,
                date_sent_ms=SMS_MS - 2000),
        tel.sms("+15550101", "On my way", SMS_MS + 60_000, kind=2),
        tel.sms("+15550102", "", SMS_MS + 120_000, kind=3, recipients=()),
    ]
    mms = [tel.mms("+15550100", ("+15550199",), "Photo: http://mms.example.org/a", MMS_S,
                   subject="Hi", content_location="http://mmsc.carrier.example/x1")]
    base = "apps/com.android.providers.telephony"
    return [
        ab.Member(f"{base}/_manifest", ab.manifest(
            "com.android.providers.telephony", version_code=34, sdk=34,
            certificates=(CERT,))),
        ab.Member(f"{base}/d_f", kind=tarfile.DIRTYPE, mode=0o700),
        ab.Member(f"{base}/d_f/000000_sms_backup", tel.backup_file(sms)),
        ab.Member(f"{base}/d_f/000000_mms_backup", tel.backup_file(mms)),
    ]


def write_ab(path: Path, members: list[ab.Member] | None = None, **options: object) -> Path:
    path.write_bytes(ab.ab_bytes(ab.tar_bytes(members or telephony_members()),
                                 **options))  # type: ignore[arg-type]
    return path


def scan_backup(backup: AndroidBackup) -> tuple[ScanResult, dict[str, list[Record]]]:
    by_artifact: dict[str, list[Record]] = {}

    class Collect:
        def write(self, artifact_id: str, record: Record) -> None:
            by_artifact.setdefault(artifact_id, []).append(record)

    result = scan(backup, ANDROID_BACKUP, None, Collect())  # type: ignore[arg-type]
    return result, by_artifact


def _messages(records: dict[str, list[Record]]) -> list[tuple[object, ...]]:
    sms = [(r.address, r.direction, r.date.utc, r.links) for r in records["android.backup.sms"]
           if isinstance(r, AndroidSms)]
    mms = [(r.sender, r.direction, r.date.utc, r.links) for r in records["android.backup.mms"]
           if isinstance(r, AndroidMms)]
    return [*sms, *mms]


EXPECTED = [
    ("+15550100", "received", "2024-03-01T08:00:00.123000+00:00",
     ("https://track.example.net/p/4411",)),
    ("+15550101", "sent", "2024-03-01T08:01:00.123000+00:00", ()),
    ("+15550102", "draft", "2024-03-01T08:02:00.123000+00:00", ()),
    ("+15550100", "received", "2024-03-01T08:01:40.000000+00:00",
     ("http://mms.example.org/a",)),
]


@pytest.mark.parametrize("encrypted", [False, True])
@pytest.mark.parametrize("compressed", [False, True])
@pytest.mark.parametrize("version", [1, 2, 3, 4, 5])
def test_every_variant_gives_the_same_messages(tmp_path: Path, version: int, compressed: bool,
                                               encrypted: bool) -> None:
    path = write_ab(tmp_path / "backup.ab", version=version, compressed=compressed,
                    password=PASSWORD if encrypted else None)
    with open_backup(path, PASSWORD.encode() if encrypted else None) as backup:
        assert backup.encrypted is encrypted
        result, records = scan_backup(backup)
    assert [s.state for s in result.statuses] == [ArtifactState.READ] * 4
    assert _messages(records) == EXPECTED
    names = [r.name for r in records["android.backup.files"] if isinstance(r, BackupEntry)]
    assert names == [m.name for m in telephony_members()]


def test_custody_hashes_the_backup_as_stored_and_the_members_read(tmp_path: Path) -> None:
    path = write_ab(tmp_path / "backup.ab", password=PASSWORD)
    with open_backup(path, PASSWORD.encode()) as backup:
        scan_backup(backup)
        hashes = dict(backup.custody.hashes)
    assert hashes[str(path)] == ("backup.ab", hashlib.sha256(path.read_bytes()).hexdigest(),
                                 path.stat().st_size)
    sms_key = str(path / "apps/com.android.providers.telephony/d_f/000000_sms_backup")
    plain = telephony_members()[2].data
    assert hashes[sms_key][1] == hashlib.sha256(plain).hexdigest()


def _hoardy(*args: str, cwd: Path) -> None:
    subprocess.run([sys.executable, "-m", "hoardy_adb", *args], cwd=cwd, check=True,
                   capture_output=True, timeout=120)


@pytest.mark.parametrize("version", [2, 5])
def test_builder_agrees_with_an_independent_implementation(tmp_path: Path, version: int) -> None:
    """hoardy-adb decrypts the builder's encrypted backups to the very tar the builder wrote."""
    tar = ab.tar_bytes(telephony_members())
    path = tmp_path / "built.ab"
    path.write_bytes(ab.ab_bytes(tar, version=version, password=PASSWORD))
    (tmp_path / "pass").write_text(PASSWORD)
    _hoardy("unwrap", "--passfile", "pass", "built.ab", "out.tar", cwd=tmp_path)
    assert (tmp_path / "out.tar").read_bytes() == tar


def test_reads_a_backup_encrypted_by_an_independent_implementation(tmp_path: Path) -> None:
    (tmp_path / "in.tar").write_bytes(ab.tar_bytes(telephony_members()))
    (tmp_path / "pass").write_text(PASSWORD)
    _hoardy("wrap", "--output-passfile", "pass", "--output-iterations", "100", "-c", "-e",
            "--output-version", "5", "in.tar", "other.ab", cwd=tmp_path)
    with open_backup(tmp_path / "other.ab", PASSWORD.encode()) as backup:
        result, records = scan_backup(backup)
    assert not result.failed
    assert _messages(records) == EXPECTED


def test_wrong_or_missing_password(tmp_path: Path) -> None:
    path = write_ab(tmp_path / "backup.ab", password=PASSWORD)
    before = path.read_bytes()
    with pytest.raises(WrongPassword, match="password does not open"):
        open_backup(path, b"pass")
    with pytest.raises(PasswordRequired):
        open_backup(path, None)
    assert path.read_bytes() == before


def test_not_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "notes.ab"
    path.write_bytes(b"PK\x03\x04 a zip, not a backup")
    with pytest.raises(InputError, match="not an Android backup"):
        open_backup(path)
    path.write_bytes(b"ANDROID BACKUP\n9\n1\nnone\n")
    with pytest.raises(InputError, match="version 9 is not supported"):
        open_backup(path)


@pytest.mark.parametrize(("compressed", "encrypted"),
                         [(False, False), (True, False), (True, True), (False, True)])
def test_truncated_backup_keeps_what_was_read(tmp_path: Path, compressed: bool,
                                              encrypted: bool) -> None:
    big = ab.Member("apps/com.example.notes/f/big.bin", bytes(range(256)) * 4000)
    members = [*telephony_members(), big]
    whole = ab.ab_bytes(ab.tar_bytes(members), compressed=compressed,
                        password=PASSWORD if encrypted else None)
    path = tmp_path / "cut.ab"
    path.write_bytes(whole[: len(whole) - len(whole) // 4 - 5])
    with open_backup(path, PASSWORD.encode() if encrypted else None) as backup:
        result, records = scan_backup(backup)
    states = {s.id: s for s in result.statuses}
    listing = states["android.backup.files"]
    assert listing.state == ArtifactState.FAILED
    assert "payload is damaged" in listing.problems[0]
    assert states["android.backup.sms"].state == ArtifactState.READ
    assert _messages(records) == EXPECTED
    assert [r.name for r in records["android.backup.files"]][-1] == big.name


def test_bad_telephony_files_fail_alone(tmp_path: Path) -> None:
    base = "apps/com.android.providers.telephony/d_f"
    members = [*telephony_members()[:2],
               ab.Member(f"{base}/000000_sms_backup", b"\x78\x9c not deflate at all"),
               ab.Member(f"{base}/000001_sms_backup", tel.backup_file([])),
               ab.Member(f"{base}/000002_sms_backup", zlib.compress(b"[{bad")),
               telephony_members()[3]]
    path = write_ab(tmp_path / "backup.ab", members)
    with open_backup(path) as backup:
        result, records = scan_backup(backup)
    states = {s.id: s for s in result.statuses}
    sms = states["android.backup.sms"]
    assert sms.state == ArtifactState.PARTIAL
    assert any("not a zlib-deflated telephony backup" in p for p in sms.problems)
    assert any("not valid JSON at character" in p for p in sms.problems)
    assert "{bad" not in " ".join(sms.problems)  # content never quoted
    assert states["android.backup.mms"].state == ArtifactState.READ
    assert len(records["android.backup.mms"]) == 1


def test_hostile_members_are_refused_one_by_one(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(android_ab, "MAX_KEPT_MEMBER", 1000)
    base = "apps/com.android.providers.telephony/d_f"
    hostile = [
        ab.Member("/etc/passwd", b"root:x:0:0"),
        ab.Member("apps/../../escape.txt", b"out"),
        ab.Member("apps/com.example/f/link", kind=tarfile.SYMTYPE, linkname="/etc/shadow"),
        ab.Member("apps/com.example/f/hard", kind=tarfile.LNKTYPE, linkname="apps/x"),
        ab.Member("apps/com.example/f/tty", kind=tarfile.CHRTYPE),
        ab.Member("apps/com.example/f/pipe", kind=tarfile.FIFOTYPE),
        ab.Member(f"{base}/000009_sms_backup", b"x" * 5000),  # wanted, but too large
    ]
    members = telephony_members()
    path = write_ab(tmp_path / "backup.ab", [*members[:2], *hostile, *members[2:]])
    with open_backup(path) as backup:
        result, records = scan_backup(backup)
    refused = {r.name: r.refused for r in records["android.backup.files"]
               if isinstance(r, BackupEntry) and r.refused}
    assert refused == {
        "/etc/passwd": "absolute path", "apps/../../escape.txt": "path with '..'",
        "apps/com.example/f/link": "link", "apps/com.example/f/hard": "link",
        "apps/com.example/f/tty": "device or pipe", "apps/com.example/f/pipe": "device or pipe",
        f"{base}/000009_sms_backup": "too large to read (5000 bytes)",
    }
    listing = next(s for s in result.statuses if s.id == "android.backup.files")
    assert any("7 tar members were refused" in note for note in listing.notes)
    sms = next(s for s in result.statuses if s.id == "android.backup.sms")
    assert sms.state == ArtifactState.PARTIAL  # the oversized one is named, the other read
    assert sms.problems == [f"{base}/000009_sms_backup: refused: too large to read (5000 bytes)"]
    assert _messages(records) == EXPECTED
    assert not (tmp_path / "escape.txt").exists()


def test_large_members_spill_into_a_private_folder_removed_at_close(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(android_ab, "KEEP_IN_MEMORY", 64)
    path = write_ab(tmp_path / "backup.ab", password=PASSWORD)
    backup = open_backup(path, PASSWORD.encode())
    private = backup._private
    assert private is not None and private.is_dir()
    assert stat.S_IMODE(private.stat().st_mode) == 0o700
    assert any(private.iterdir())
    _result, records = scan_backup(backup)
    assert _messages(records) == EXPECTED
    backup.close()
    assert not private.exists()


def test_an_interrupted_pass_removes_the_private_folder(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(android_ab, "KEEP_IN_MEMORY", 64)
    made: list[Path] = []
    real = tempfile.mkdtemp

    def mkdtemp(**kwargs: str) -> str:
        made.append(Path(real(**kwargs)))
        return str(made[-1])

    monkeypatch.setattr(android_ab.tempfile, "mkdtemp", mkdtemp)
    calls = 0
    original = android_ab.AndroidBackup._tar_member

    def interrupt(self: AndroidBackup, *args: object) -> None:
        nonlocal calls
        calls += 1
        if calls == 4:
            raise KeyboardInterrupt
        original(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(android_ab.AndroidBackup, "_tar_member", interrupt)
    path = write_ab(tmp_path / "backup.ab")
    with pytest.raises(KeyboardInterrupt):
        open_backup(path)
    assert made and not made[0].exists()


def test_extracted_folder(tmp_path: Path) -> None:
    folder = tmp_path / "extracted"
    folder.mkdir()
    with tarfile.open(fileobj=io.BytesIO(ab.tar_bytes(telephony_members()))) as tar:
        tar.extractall(folder, filter="data")
    with open_backup(folder) as backup:
        assert backup.kind == "android-backup-folder"
        result, records = scan_backup(backup)
        hashes = dict(backup.custody.hashes)
    assert not result.failed
    assert _messages(records) == EXPECTED
    sms_file = folder / "apps/com.android.providers.telephony/d_f/000000_sms_backup"
    assert hashes[str(sms_file)][1] == hashlib.sha256(sms_file.read_bytes()).hexdigest()
    with pytest.raises(InputError, match="no apps/"):
        open_backup(tmp_path)


def test_a_backup_inside_another_acquisition(tmp_path: Path) -> None:
    """The call androidqf's command makes for its nested backup.ab."""
    data = ab.ab_bytes(ab.tar_bytes(telephony_members()), password=PASSWORD)
    with open_backup_stream(io.BytesIO(data), "backup.ab", tmp_path / "acq.zip",
                            PASSWORD.encode()) as backup:
        _result, records = scan_backup(backup)
        assert backup.custody.hashes[str(tmp_path / "acq.zip" / "backup.ab")] == (
            "backup.ab", hashlib.sha256(data).hexdigest(), len(data))
    assert _messages(records) == EXPECTED


def test_packages_and_device_paths(tmp_path: Path) -> None:
    apk = b"PK\x03\x04 pretend apk"
    members = [*telephony_members(),
               ab.Member("apps/com.example.spy/_manifest", ab.manifest(
                   "com.example.spy", version_code=7, installer="com.android.vending",
                   apk=True, certificates=(CERT,))),
               ab.Member("apps/com.example.spy/a/base.apk", apk),
               ab.Member("apps/com.example.spy/db/notes.db", b"SQLite format 3\x00"),
               ab.Member("apps/com.example.spy/f/_manifest", b"an app file of that name")]
    with open_backup(write_ab(tmp_path / "b.ab", members)) as backup:
        result, records = scan_backup(backup)
    assert not result.failed
    packages = [r for r in records["android.backup.packages"] if isinstance(r, BackupPackage)]
    assert [(p.package, p.version_code, p.installer, p.has_apk) for p in packages] == [
        ("com.android.providers.telephony", "34", "", False),
        ("com.example.spy", "7", "com.android.vending", True)]
    assert packages[1].cert_sha1 == (hashlib.sha1(CERT).hexdigest(),)
    assert packages[1].cert_sha256 == (hashlib.sha256(CERT).hexdigest(),)
    entries = {r.name: r for r in records["android.backup.files"] if isinstance(r, BackupEntry)}
    assert entries["apps/com.example.spy/a/base.apk"].sha256 == hashlib.sha256(apk).hexdigest()
    assert entries["apps/com.example.spy/a/base.apk"].md5 == hashlib.md5(apk).hexdigest()
    assert entries["apps/com.example.spy/db/notes.db"].device_path == \
        "/data/data/com.example.spy/databases/notes.db"
    assert entries["apps/com.android.providers.telephony/d_f/000000_sms_backup"].device_path \
        == "/data/user_de/0/com.android.providers.telephony/files/000000_sms_backup"
    assert entries["apps/com.example.spy/a/base.apk"].modified.utc.startswith("2026-01-01T")


def test_md5_and_sha1_for_code_and_small_files(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(android_ab, "ALL_DIGESTS_UP_TO", 100)
    big = bytes(range(256))
    members = [ab.Member("apps/com.example.spy/a/base.apk", big),
               ab.Member("apps/com.example.spy/f/payload.so", big),
               ab.Member("apps/com.example.spy/f/photo.jpg", big),
               ab.Member("apps/com.example.spy/f/small.txt", b"tiny")]
    with open_backup(write_ab(tmp_path / "b.ab", members)) as backup:
        _result, records = scan_backup(backup)
    digests = {r.name.rsplit("/", 1)[-1]: (bool(r.md5), bool(r.sha1), r.sha256)
               for r in records["android.backup.files"] if isinstance(r, BackupEntry)}
    full = hashlib.sha256(big).hexdigest()
    assert digests == {"base.apk": (True, True, full), "payload.so": (True, True, full),
                       "photo.jpg": (False, False, full),
                       "small.txt": (True, True, hashlib.sha256(b"tiny").hexdigest())}


@pytest.mark.parametrize("encrypted", [False, True])
def test_cut_anywhere_never_raises(tmp_path: Path, encrypted: bool) -> None:
    """Cut at 40 places: the pass ends with a problem or not at all, and what it lists is
    exactly the members before the cut (the last one possibly incomplete)."""
    members = [*telephony_members(),
               ab.Member("apps/com.example.notes/f/big.bin", bytes(range(256)) * 400)]
    whole = ab.ab_bytes(ab.tar_bytes(members), password=PASSWORD if encrypted else None)
    names = [m.name for m in members]
    opened = 0
    for cut in range(1, len(whole), max(1, len(whole) // 40)):
        path = tmp_path / "cut.ab"
        path.write_bytes(whole[:cut])
        try:
            backup = open_backup(path, PASSWORD.encode() if encrypted else None)
        except InputError:  # cut inside the header lines: not a backup, clearly said
            continue
        opened += 1
        with backup:
            listed = [m.name for m in backup.members]
            assert listed == names[:len(listed)]
            assert backup.problems or listed == names
            result, _records = scan_backup(backup)
            assert all(s.state != ArtifactState.READ or not s.problems for s in result.statuses)
    assert opened >= 30


def test_a_bare_tar_taken_out_of_its_backup(tmp_path: Path) -> None:
    """What `abe unpack` or `hoardy-adb unwrap` leave: the tar without the .ab header."""
    path = tmp_path / "backup.tar"
    path.write_bytes(ab.tar_bytes(telephony_members()))
    with open_backup(path) as backup:
        assert backup.kind == "android-backup-tar" and backup.header is None
        result, records = scan_backup(backup)
    assert not result.failed
    assert _messages(records) == EXPECTED


def test_a_database_member_opens_from_the_private_folder(tmp_path: Path) -> None:
    db = tmp_path / "notes.db"
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE notes (_id INTEGER PRIMARY KEY, body TEXT)")
        connection.execute("INSERT INTO notes (body) VALUES ('hello')")
    connection.close()
    members = [*telephony_members(),
               ab.Member("apps/com.example.notes/db/notes.db", db.read_bytes())]
    path = write_ab(tmp_path / "b.ab", members, password=PASSWORD)
    with AndroidBackup.open(path, password=PASSWORD.encode(), keep=("apps/*/db/*.db",)) as backup:
        evidence = next(backup.find(BackupMember("apps/*/db/*.db")))
        with backup.open_sqlite(evidence) as opened:
            rows = opened.connection.execute("SELECT body FROM notes").fetchall()
        private = backup._private
        assert private is not None and list(private.iterdir()) == []  # the copy is gone
    assert rows == [("hello",)]
    assert not private.exists()


def test_a_compressed_flag_over_a_bare_tar(tmp_path: Path) -> None:
    tar = ab.tar_bytes(telephony_members())
    path = tmp_path / "odd.ab"
    path.write_bytes(b"ANDROID BACKUP\n5\n1\nnone\n" + tar)
    with open_backup(path) as backup:
        result, records = scan_backup(backup)
    assert not result.failed
    assert _messages(records) == EXPECTED


def test_a_read_error_of_the_file_itself_is_a_problem(tmp_path: Path) -> None:
    data = ab.ab_bytes(ab.tar_bytes([*telephony_members(),
                                     ab.Member("apps/x/f/big", bytes(range(256)) * 8000)]),
                       compressed=False)

    class Failing(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            if self.tell() > len(data) // 2:
                raise OSError(5, "Input/output error")
            return super().read(min(size or 4096, 4096) if size and size > 0 else 4096)

    with open_backup_stream(Failing(data), "backup.ab", tmp_path / "backup.ab") as backup:
        result, records = scan_backup(backup)
        assert str(tmp_path / "backup.ab") not in backup.custody.hashes
    listing = next(s for s in result.statuses if s.id == "android.backup.files")
    assert listing.state == ArtifactState.FAILED
    assert any("could not be read to the end" in p for p in listing.problems)
    assert _messages(records) == EXPECTED


def test_an_unreadable_file_of_a_folder_is_refused(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "extracted"
    folder.mkdir()
    with tarfile.open(fileobj=io.BytesIO(ab.tar_bytes(telephony_members()))) as tar:
        tar.extractall(folder, filter="data")
    real_open = Path.open

    def failing_open(self: Path, *args: object, **kwargs: object) -> object:
        if self.name == "000000_mms_backup":
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", failing_open)
    with open_backup(folder) as backup:
        refused = {m.name: m.reason for m in backup.members if m.kind == "refused"}
        result, records = scan_backup(backup)
    assert refused == {"apps/com.android.providers.telephony/d_f/000000_mms_backup":
                       "unreadable (Permission denied)"}
    assert len(records["android.backup.sms"]) == 3
    mms = {s.id: s for s in result.statuses}["android.backup.mms"]
    assert mms.state == ArtifactState.FAILED
    assert mms.problems == ["apps/com.android.providers.telephony/d_f/000000_mms_backup: "
                            "refused: unreadable (Permission denied)"]
