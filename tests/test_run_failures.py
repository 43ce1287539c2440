"""Failures of a whole run: a clear message on the console, exit 1, never a traceback."""

from __future__ import annotations

import errno
import json
import plistlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perito.cli import main
from tests.builders.ios.safari import Visit, history_db
from tests.builders.ios_backup import BackupBuilder
from tests.builders.ios_encrypted import EncryptedFixture, Encryption, write_encrypted
from tests.builders.stix import BundleBuilder, pattern

PASSWORD = "robust-Ñ-password"
FUZZ = settings(max_examples=25, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(autouse=True)
def _wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "1000")  # rich would wrap long paths in the middle


def _builder() -> BackupBuilder:
    builder = BackupBuilder()
    builder.add_sqlite("HomeDomain", "Library/Safari/History.db",
                       history_db([Visit("https://news.example.org/", 1_709_154_845.0)]))
    return builder


def _backup(tmp_path: Path) -> Path:
    return _builder().write(tmp_path / "backup")


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    return " ".join(captured.err.split())


def _check(root: Path, tmp_path: Path, *extra: str) -> list[str]:
    return ["ios", "check-backup", str(root), "-o", str(tmp_path / "out"), *extra]


def test_unreadable_backup_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    root = _backup(tmp_path)
    real = Path.iterdir

    def iterdir(self: Path) -> Any:
        if self == root:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "iterdir", iterdir)  # the tests run as root: chmod cannot deny
    err = _refused(_check(root, tmp_path), capsys)
    assert "cannot read the folder (Permission denied)" in err
    assert not (tmp_path / "out").exists()


def test_unreadable_manifest_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    root = _backup(tmp_path)
    real = Path.open

    def open_(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self == root / "Manifest.db":
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", open_)
    err = _refused(_check(root, tmp_path), capsys)
    assert "cannot read Manifest.db (Permission denied)" in err


@pytest.mark.parametrize(("damage", "message"), [
    ("garbage", "Manifest.db is not an SQLite database"),
    ("empty", "Manifest.db is not an SQLite database"),
    ("truncated", "Manifest.db"),
    ("directory", "Manifest.db missing"),
    ("no-files-table", "no readable Files table"),
])
def test_manifest_db_that_is_not_a_database(tmp_path: Path, damage: str, message: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    root = _backup(tmp_path)
    manifest = root / "Manifest.db"
    data = manifest.read_bytes()
    manifest.unlink()
    if damage == "garbage":
        manifest.write_bytes(b"\x89PNG\r\n" + bytes(4000))
    elif damage == "empty":
        manifest.write_bytes(b"")
    elif damage == "truncated":
        manifest.write_bytes(data[:5000])
    elif damage == "directory":
        manifest.mkdir()
    else:
        manifest.write_bytes(data.replace(b"Files", b"Filez"))
    assert message in _refused(_check(root, tmp_path), capsys)


def test_info_plist_missing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _backup(tmp_path)
    (root / "Info.plist").unlink()
    assert "Info.plist missing" in _refused(_check(root, tmp_path), capsys)


@pytest.mark.parametrize(("content", "reason"), [
    (b"", "unreadable property list"),
    (b"<?xml version='1.0'?><plist><dict><key>", "unreadable property list"),
    (plistlib.dumps(["Applications"]), "not a dictionary"),
])
def test_damaged_info_plist_is_one_unreadable_artifact(
        tmp_path: Path, content: bytes, reason: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Only the device identity is lost: the rest of the backup is still scanned (exit 3)."""
    root = _backup(tmp_path)
    (root / "Info.plist").write_bytes(content)
    capsys.readouterr()
    assert main(_check(root, tmp_path)) == 3
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    info = json.loads((tmp_path / "out" / "info.json").read_text())
    states = {a["id"]: a for a in info["artifacts"]}
    assert states["ios.backup.info"]["state"] == "failed"
    assert reason in " ".join(states["ios.backup.info"]["problems"])
    assert any(a["state"] == "read" and a["records"] for a in info["artifacts"])


def test_output_folder_that_cannot_be_created(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    root = _backup(tmp_path)
    (tmp_path / "a-file").write_text("x")
    err = _refused(["ios", "check-backup", str(root), "-o", str(tmp_path / "a-file" / "out")],
                   capsys)
    assert "cannot create the output folder (Not a directory)" in err


@pytest.mark.parametrize(("content", "message"), [
    (b'{"type": "report", "objects": []}', "not a STIX 2 bundle"),
    (b"[1, 2, 3]", "not a STIX 2 bundle"),
    (b"\xff\xfe{ not json", "not a JSON file"),
    (b"", "not a JSON file"),
])
def test_indicator_file_that_is_not_stix(tmp_path: Path, content: bytes, message: str,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    root = _backup(tmp_path)
    iocs = tmp_path / "iocs.stix2"
    iocs.write_bytes(content)
    err = _refused(_check(root, tmp_path, "-i", str(iocs)), capsys)
    assert f"{iocs}: cannot use this indicator file: {message}" in err


def test_indicator_folder_without_a_readable_file(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    root = _backup(tmp_path)
    folder = tmp_path / "iocs"
    folder.mkdir()
    (folder / "broken.stix2").write_text("{")
    (folder / "notes.txt").write_text("not an indicator file")
    err = _refused(_check(root, tmp_path, "-i", str(folder)), capsys)
    assert "no readable indicator file" in err


def test_a_broken_file_beside_a_good_one_in_a_folder_is_only_a_warning(tmp_path: Path) -> None:
    root = _backup(tmp_path)
    folder = tmp_path / "iocs"
    folder.mkdir()
    (folder / "broken.stix2").write_text("{")
    bundle = BundleBuilder("good")
    bundle.indicator(pattern("domain-name:value", "news.example.org"),
                     indicates=bundle.malware("ExampleSpy"))
    bundle.write(folder / "good.stix2")
    assert main(_check(root, tmp_path, "-i", str(folder))) == 2
    log = (tmp_path / "out" / "command.log").read_text()
    assert "broken.stix2: not a JSON file" in log


# -- encrypted backups -----------------------------------------------------------------------

@pytest.fixture
def encrypted(tmp_path: Path) -> EncryptedFixture:
    return write_encrypted(_builder(), tmp_path / "encrypted", Encryption(password=PASSWORD))


def _manifest_plist(fixture: EncryptedFixture) -> dict[str, Any]:
    value: dict[str, Any] = plistlib.loads((fixture.root / "Manifest.plist").read_bytes())
    return value


def test_encrypted_backup_with_a_garbage_manifest_plist(
        encrypted: EncryptedFixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    (encrypted.root / "Manifest.plist").write_bytes(b"bplist00\x00garbage")
    monkeypatch.setenv("PERITO_BACKUP_PASSWORD", PASSWORD)
    err = _refused(_check(encrypted.root, tmp_path), capsys)
    assert "Manifest.plist" in err and "missing or damaged" in err
    assert PASSWORD not in err


def test_encrypted_backup_whose_manifest_plist_has_no_keybag(
        encrypted: EncryptedFixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    manifest = _manifest_plist(encrypted)
    del manifest["BackupKeyBag"]
    (encrypted.root / "Manifest.plist").write_bytes(plistlib.dumps(manifest))
    monkeypatch.setenv("PERITO_BACKUP_PASSWORD", PASSWORD)
    assert "BackupKeyBag" in _refused(_check(encrypted.root, tmp_path), capsys)


@FUZZ
@given(cut=st.integers(min_value=0, max_value=2000),
       flips=st.lists(st.tuples(st.integers(0, 2000), st.integers(1, 255)), max_size=6))
def test_damaged_keybag_never_a_traceback(encrypted: EncryptedFixture, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str], cut: int,
                                          flips: list[tuple[int, int]]) -> None:
    manifest = _manifest_plist(encrypted)  # each example starts from the intact keybag
    original = encrypted.keybag
    keybag = bytearray(original[:cut] if cut < len(original) else original)
    for position, mask in flips:
        if keybag:
            keybag[position % len(keybag)] ^= mask
    manifest["BackupKeyBag"] = bytes(keybag)
    (encrypted.root / "Manifest.plist").write_bytes(plistlib.dumps(manifest))
    monkeypatch.setenv("PERITO_BACKUP_PASSWORD", PASSWORD)
    capsys.readouterr()
    out = tmp_path / f"out-{cut}-{len(flips)}"
    code = main(["ios", "check-backup", str(encrypted.root), "-o", str(out)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    assert PASSWORD not in captured.err + captured.out
    if bytes(keybag) == original:
        assert code == 0
    else:  # a damaged class key may only cost its files; a damaged header refuses the run
        assert code in (0, 1, 3)
        if code == 1:
            assert "perito:" in captured.err


@FUZZ
@given(content=st.one_of(st.text(max_size=80), st.binary(max_size=80)))
def test_key_file_with_bad_hex(encrypted: EncryptedFixture, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str], content: str | bytes) -> None:
    key_file = tmp_path / "key"
    key_file.write_bytes(content.encode("utf-8", "surrogatepass") if isinstance(content, str)
                         else content)
    err = _refused(_check(encrypted.root, tmp_path, "--key-file", str(key_file)), capsys)
    assert "hex" in err or "wrong password" in err, err
