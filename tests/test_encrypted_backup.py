"""Encrypted iOS backups: the fixture against an independent implementation, scans in place,
decrypt-backup / extract-key, clear failures, and no secret anywhere in the outputs."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import plistlib
import sqlite3
import struct
import tempfile
from pathlib import Path
from typing import Any

import pytest
from iphone_backup_decrypt import EncryptedBackup as IndependentBackup
from iphone_backup_decrypt import utils as independent

from perito.cli import main
from perito.output.info import safe_command
from perito.sources import ios_crypto
from perito.sources.ios_backup import EncryptedBackup, IosBackup
from perito.sources.ios_crypto import (
    DecryptionError,
    EncryptionState,
    decrypt_to_bytes,
    decrypt_to_file,
    encryption_state,
    plaintext_length,
)
from perito.sources.ios_keybag import (
    KeybagError,
    WrongPassword,
    derive_key,
    parse_hex_key,
    parse_keybag,
    unlock,
    uses_two_stage,
)
from tests.builders.ios.datausage import Process, Usage, datausage_db
from tests.builders.ios.global_preferences import global_preferences_plist
from tests.builders.ios.safari import Visit, history_db
from tests.builders.ios.sms import Message, sms_db
from tests.builders.ios.tcc import Grant, tcc_db
from tests.builders.ios_backup import BackupBuilder, file_id
from tests.builders.ios_encrypted import (
    EncryptedFixture,
    Encryption,
    cbc_encrypt,
    tlv,
    write_encrypted,
)
from tests.paths import SHARED_IOCS

PEGASUS = SHARED_IOCS / "amnesty" / "pegasus.stix2"
T0 = 1_708_960_000
PASSWORD = "Zq7~perito-SECRET ñandú"  # distinctive, non-ASCII: grep for it everywhere
SAFARI_ID = file_id("HomeDomain", "Library/Safari/History.db")
PREFS = "HomeDomain/Library/Preferences/.GlobalPreferences.plist"


@functools.cache
def _builder(product_version: str = "17.4.1") -> BackupBuilder:
    """A small phone with planted traces, a WAL database and a file listed but not stored.

    Built once per version (its databases are fixed bytes from then on); writing does not
    change it.
    """
    builder = BackupBuilder(product_version=product_version)
    builder.add_sqlite("HomeDomain", "Library/Safari/History.db", history_db([
        Visit("https://www.jornada.com.mx/notas/", T0, "La Jornada"),
        Visit("http://periodico-regional.example.mx/nota/4471", T0 + 3600, "Nota",
              redirect_to=3),
        Visit("https://tookcheckout.com/r/8a1f0c", T0 + 3600.4, None),
        Visit("https://wweather4free.com/", T0 + 7300, "decoy"),
    ]), wal=True)
    builder.add_sqlite("HomeDomain", "Library/SMS/sms.db", sms_db([
        Message("6F1C2A10-0000-4000-8000-000000000003", T0 + 1800,
                "Su paquete no pudo ser entregado: https://smscentro.com/a3f9k2",
                handle="+525555550177", service="SMS"),
        Message("6F1C2A10-0000-4000-8000-000000000004", T0 + 2000, "Hola",
                handle="bogaardlisa803@gmail.com", body_only=True),
    ]))
    processes = [Process(1, "mDNSResponder", None, T0 - 86400, T0),
                 Process(6, "ReminderIntentsU", None, T0 + 1900, T0 + 2500)]
    usage = [Usage(pk, p.pk, p.last_seen, 1e5, 2e4, 3e5, 4e4)
             for pk, p in enumerate(processes, start=1)]
    builder.add_sqlite("WirelessDomain", "Library/Databases/DataUsage.sqlite",
                       datausage_db(processes, usage))
    builder.add_sqlite("HomeDomain", "Library/TCC/TCC.db", tcc_db("ios14", [
        Grant("kTCCServiceCamera", "net.whatsapp.WhatsApp", 0, 2, modified=T0 - 5 * 86400)]))
    builder.add_file("HomeDomain", "Library/Preferences/.GlobalPreferences.plist",
                     global_preferences_plist())
    builder.add_file("RootDomain", "Library/Preferences/roleaccountd.plist",
                     plistlib.dumps({"Version": 2}, fmt=plistlib.FMT_BINARY))
    builder.add_file("HomeDomain", "Library/Preferences/empty.plist", b"")
    builder.add_file("HomeDomain", "Library/Caches/aligned.bin", bytes(range(64)))
    builder.add_symlink("HomeDomain", "Library/Caches/link", "aligned.bin")
    builder.add_file("CameraRollDomain", "Media/DCIM/100APPLE/IMG_0001.HEIC", b"\x00" * 5000)
    builder.skip_bytes.add("CameraRollDomain/Media/DCIM/100APPLE/IMG_0001.HEIC")
    return builder


@pytest.fixture(autouse=True)
def _no_ambient_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PERITO_BACKUP_PASSWORD", raising=False)


def _pair(tmp_path: Path, *, legacy: bool = False, **knobs: Any
          ) -> tuple[EncryptedFixture, Path]:
    """An encrypted backup and its plaintext twin, from the same builder."""
    builder = _builder("10.1.1" if legacy else "17.4.1")  # its files' bytes are fixed here
    fixture = write_encrypted(builder, tmp_path / "encrypted",
                              Encryption(password=PASSWORD, legacy=legacy, **knobs))
    twin = builder.write(tmp_path / "plain")
    return fixture, twin


def _stored(root: Path, fid: str) -> Path:
    return root / fid[:2] / fid


# -- the fixture is faithful: an independent implementation decrypts it ---------------------

def test_independent_implementation_decrypts_the_fixture(tmp_path: Path) -> None:
    fixture, twin = _pair(tmp_path)
    other = IndependentBackup(backup_directory=str(fixture.root), passphrase=PASSWORD)
    assert other.test_decryption()
    assert other.keybag is not None
    assert other.keybag.passphrase_key == fixture.backup_key
    for relative, domain in (("Library/Safari/History.db", "HomeDomain"),
                             ("Library/SMS/sms.db", "HomeDomain"),
                             ("Library/Preferences/.GlobalPreferences.plist", "HomeDomain"),
                             ("Library/Databases/DataUsage.sqlite", "WirelessDomain")):
        data = other.extract_file_as_bytes(relative, domain_like=domain)
        assert data == _stored(twin, file_id(domain, relative)).read_bytes()
    saved = tmp_path / "independent-Manifest.db"
    other.save_manifest_file(str(saved))
    with sqlite3.connect(saved) as mine, sqlite3.connect(twin / "Manifest.db") as theirs:
        query = "SELECT fileID, domain, relativePath, flags FROM Files ORDER BY fileID"
        assert mine.execute(query).fetchall() == theirs.execute(query).fetchall()
    # the independent one also takes the derived key, as perito's --key-file does
    by_key = IndependentBackup(backup_directory=str(fixture.root),
                               passphrase_key=fixture.backup_key)
    assert by_key.test_decryption()


def test_independent_implementation_reads_the_legacy_keybag(tmp_path: Path) -> None:
    """Before iOS 10.2 (single-stage key, plain Manifest.db): the independent keybag and AES
    code unwrap and decrypt every file with the key derived the legacy way."""
    fixture, twin = _pair(tmp_path, legacy=True)
    manifest = plistlib.loads((fixture.root / "Manifest.plist").read_bytes())
    assert "ManifestKey" not in manifest
    keybag = independent.BackupKeyBag(manifest["BackupKeyBag"])
    assert b"DPSL" not in keybag.attrs and b"DPIC" not in keybag.attrs
    salt, iterations = keybag.attrs[b"SALT"], keybag.attrs[b"ITER"]
    key = hashlib.pbkdf2_hmac("sha1", PASSWORD.encode(), salt, iterations, 32)
    assert keybag.unlock_with_key(key)
    with sqlite3.connect(fixture.root / "Manifest.db") as db:  # plain text before 10.2
        rows = db.execute("SELECT fileID, file FROM Files WHERE flags = 1").fetchall()
    checked = 0
    for fid, blob in rows:
        meta = independent.FilePlist(blob)
        stored = _stored(fixture.root, fid)
        if not stored.is_file():
            continue
        file_key = keybag.unwrap_key_for_class(meta.protection_class, meta.encryption_key)
        plain = independent.remove_cbc_padding(
            independent.aes_decrypt_cbc(data=stored.read_bytes(), key=file_key))
        assert plain == _stored(twin, fid).read_bytes()
        checked += 1
    assert checked >= 8


@pytest.mark.parametrize("legacy", [False, True])
def test_key_derivation_matches_the_fixture(tmp_path: Path, legacy: bool) -> None:
    fixture, _ = _pair(tmp_path, legacy=legacy)
    keybag = parse_keybag(fixture.keybag)
    assert keybag.kind == 1 and keybag.version == (3 if legacy else 4)
    assert len(keybag.class_keys) == 10
    two_stage = uses_two_stage("10.1.1" if legacy else "17.4.1", keybag)
    assert two_stage is not legacy
    assert derive_key(keybag, PASSWORD.encode(), two_stage=two_stage) == fixture.backup_key
    assert uses_two_stage(None, keybag) is not legacy  # without a version: DPSL decides
    keys = unlock(keybag, fixture.backup_key)
    assert keys.classes == sorted(fixture.class_keys) and not keys.damaged
    assert "SECRET" not in repr(keys) and fixture.backup_key.hex() not in repr(keybag)
    with pytest.raises(WrongPassword):
        unlock(keybag, bytes(32))


# -- scanning in place gives what the plaintext twin gives -----------------------------------

def _comparable(out: Path) -> dict[str, Any]:
    records = {p.name: p.read_text() for p in sorted((out / "records").glob("*.jsonl"))}
    alerts = json.loads((out / "alerts.json").read_text())
    info = json.loads((out / "info.json").read_text())
    states = {a["id"]: (a["state"], a["records"], a["problems"], a["notes"])
              for a in info["artifacts"]}
    return {"records": records, "alerts": alerts, "states": states,
            "timeline": (out / "timeline.csv").read_text()}


@pytest.mark.parametrize("legacy", [False, True])
def test_scan_equals_the_plaintext_twin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        legacy: bool) -> None:
    fixture, twin = _pair(tmp_path, legacy=legacy)
    monkeypatch.setenv("PERITO_BACKUP_PASSWORD", PASSWORD)
    code = main(["ios", "check-backup", str(fixture.root), "-i", str(PEGASUS),
                 "-o", str(tmp_path / "enc-out")])
    plain_code = main(["ios", "check-backup", str(twin), "-i", str(PEGASUS),
                       "-o", str(tmp_path / "plain-out")])
    assert code == plain_code == 2
    encrypted, plain = _comparable(tmp_path / "enc-out"), _comparable(tmp_path / "plain-out")
    assert encrypted == plain
    assert "tookcheckout.com" in encrypted["records"]["ios.safari.history.jsonl"]
    assert any(a["matched_indicator"] and a["matched_indicator"]["value"] == "smscentro.com"
               for a in encrypted["alerts"])
    info = json.loads((tmp_path / "enc-out" / "info.json").read_text())
    assert info["encrypted"] is True
    assert json.loads((tmp_path / "plain-out" / "info.json").read_text())["encrypted"] is False
    # custody: the sha256 of the files as stored, i.e. of the ciphertext
    hashed = {h["file_path"]: h for h in info["hashes"]}
    safari = hashed["HomeDomain/Library/Safari/History.db"]
    stored = _stored(fixture.root, SAFARI_ID)
    assert safari["sha256"] == hashlib.sha256(stored.read_bytes()).hexdigest()
    assert Path(safari["local_path"]) == stored
    assert hashed["Manifest.db"]["sha256"] == hashlib.sha256(
        (fixture.root / "Manifest.db").read_bytes()).hexdigest()
    assert "HomeDomain/Library/Safari/History.db-wal" in hashed


def test_evidence_is_unchanged_and_nothing_is_left_behind(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    fixture, _ = _pair(tmp_path)
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    before = {p: p.read_bytes() for p in fixture.root.rglob("*") if p.is_file()}
    monkeypatch.setenv("PERITO_BACKUP_PASSWORD", PASSWORD)
    assert main(["ios", "check-backup", str(fixture.root), "-o", str(tmp_path / "o")]) == 0
    assert {p: p.read_bytes() for p in fixture.root.rglob("*") if p.is_file()} == before
    assert list(private_tmp.iterdir()) == []


def test_private_folder_is_private_and_removed_even_on_interrupt(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fixture, _ = _pair(tmp_path)
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    with IosBackup(fixture.root, password=PASSWORD) as backup:
        [folder] = list(private_tmp.iterdir())
        assert folder.stat().st_mode & 0o777 == 0o700
        assert (folder / "Manifest.db").stat().st_mode & 0o777 == 0o600
        assert backup.encrypted
    assert not folder.exists()

    seen: list[bool] = []

    class Interrupting:
        """Stands in for the pipeline's Context: Ctrl-C in the middle of the scan."""

        def __init__(self, *_args: object, **_kwargs: object) -> None:
            seen.append(any(private_tmp.iterdir()))
            raise KeyboardInterrupt

    monkeypatch.setattr("perito.pipeline.Context", Interrupting)
    monkeypatch.setenv("PERITO_BACKUP_PASSWORD", PASSWORD)
    # one process, so that the interruption reaches the command (workers report theirs)
    assert main(["ios", "check-backup", str(fixture.root), "-o", str(tmp_path / "o"),
                 "-j", "1"]) == 1
    assert seen == [True]  # the private folder existed when the scan was interrupted
    assert list(private_tmp.iterdir()) == []


# -- where the password comes from -----------------------------------------------------------

@pytest.mark.parametrize("source", ["env", "file", "file-crlf", "key-file", "prompt"])
def test_password_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str) -> None:
    fixture, _ = _pair(tmp_path)
    extra: list[str] = []
    if source == "env":
        monkeypatch.setenv("PERITO_BACKUP_PASSWORD", PASSWORD)
    elif source.startswith("file"):
        secret = tmp_path / "password.txt"
        ending = b"\r\n" if source == "file-crlf" else b"\n"
        secret.write_bytes(PASSWORD.encode() + ending)
        extra = ["--password-file", str(secret)]
    elif source == "key-file":
        secret = tmp_path / "key.txt"
        secret.write_text(fixture.backup_key.hex())
        extra = ["--key-file", str(secret)]
    else:
        prompts: list[str] = []

        class Terminal:
            def isatty(self) -> bool:
                return True

            def close(self) -> None:  # scan workers close their stdin
                pass

        def typed(prompt: str) -> str:
            prompts.append(prompt)
            return PASSWORD

        monkeypatch.setattr("sys.stdin", Terminal())
        monkeypatch.setattr("getpass.getpass", typed)
    out = tmp_path / "out"
    assert main(["ios", "check-backup", str(fixture.root), "-o", str(out), *extra]) == 0
    if source == "prompt":
        assert len(prompts) == 1 and PASSWORD not in prompts[0]
    command = json.loads((out / "info.json").read_text())["command"]
    assert str(tmp_path / "password.txt") not in command
    assert str(tmp_path / "key.txt") not in command


def test_no_password_and_no_terminal_says_how_to_give_one(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fixture, _ = _pair(tmp_path)
    assert main(["ios", "check-backup", str(fixture.root), "-o", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert "encrypted" in err and "--password-file" in err and "Traceback" not in err
    with pytest.raises(EncryptedBackup):
        IosBackup(fixture.root)


def test_there_is_no_password_option(capsys: pytest.CaptureFixture[str]) -> None:
    """A password on the command line would show in process listings and shell history."""
    with pytest.raises(SystemExit):
        main(["ios", "check-backup", "x", "--password", PASSWORD])
    assert PASSWORD not in capsys.readouterr().out


def test_secret_flags_are_redacted() -> None:
    assert safe_command(["ios", "check-backup", "b", "--password-file", "/p", "--key-file=/k"]
                        ) == ["ios", "check-backup", "b", "--password-file", "<redacted>",
                              "--key-file=<redacted>"]


@pytest.mark.parametrize("how", ["password", "key"])
def test_wrong_password_exit_1_without_traceback(tmp_path: Path, how: str,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    fixture, _ = _pair(tmp_path)
    extra: list[str] = []
    if how == "password":
        monkeypatch.setenv("PERITO_BACKUP_PASSWORD", PASSWORD + "x")
    else:
        key_file = tmp_path / "key"
        key_file.write_text(bytes(32).hex())
        extra = ["--key-file", str(key_file)]
    out = tmp_path / "out"
    assert main(["ios", "check-backup", str(fixture.root), "-o", str(out), *extra]) == 1
    err = capsys.readouterr().err
    assert "wrong password" in err and "Traceback" not in err
    assert PASSWORD not in err
    assert not out.exists()  # refused before any output was written
    with pytest.raises(WrongPassword) as raised:
        IosBackup(fixture.root, password=PASSWORD + "x")
    assert PASSWORD not in str(raised.value)


@pytest.mark.parametrize("content", ["abc", "zz" * 32, "ab" * 33])
def test_bad_key_file_is_a_clear_error(tmp_path: Path, content: str,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    fixture, _ = _pair(tmp_path)
    key_file = tmp_path / "key"
    key_file.write_text(content)
    assert main(["ios", "check-backup", str(fixture.root), "-o", str(tmp_path / "o"),
                 "--key-file", str(key_file)]) == 1
    err = capsys.readouterr().err
    assert "hex" in err and content not in err


def test_secrets_never_reach_the_outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str],
                                         caplog: pytest.LogCaptureFixture) -> None:
    fixture, _ = _pair(tmp_path)
    # a damaged file too, so that warnings and their details are written
    _stored(fixture.root, file_id("HomeDomain", "Library/SMS/sms.db")).write_bytes(b"x" * 100)
    monkeypatch.setenv("PERITO_BACKUP_PASSWORD", PASSWORD)
    caplog.set_level("DEBUG", logger="perito")
    out = tmp_path / "out"
    assert main(["ios", "check-backup", str(fixture.root), "-i", str(PEGASUS), "-o", str(out),
                 "-v"]) == 2
    key_file = tmp_path / "key.hex"
    assert main(["ios", "extract-key", str(fixture.root), "-k", str(key_file)]) == 0
    assert main(["ios", "decrypt-backup", str(fixture.root), "-d", str(tmp_path / "dec")]) == 3
    captured = capsys.readouterr()
    secrets = [PASSWORD.encode(), PASSWORD.encode().hex().encode(),
               fixture.backup_key, fixture.backup_key.hex().encode(),
               fixture.backup_key.hex().upper().encode(),
               *fixture.class_keys.values(), *(k.hex().encode() for k in fixture.class_keys.values())]
    written = [p for p in out.rglob("*") if p.is_file()]
    assert {p.name for p in written} >= {"info.json", "command.log", "alerts.json"}
    for path in written:
        data = path.read_bytes()
        assert not any(secret in data for secret in secrets), path.name
    for text in (captured.out, captured.err, caplog.text):
        assert not any(secret.decode("latin-1") in text for secret in secrets
                       if secret.isascii())
        assert PASSWORD not in text
    assert "cannot decrypt" in (out / "command.log").read_text()


# -- damage is one artifact's warning, not the end of the scan --------------------------------

def test_damaged_files_are_warnings_and_the_scan_goes_on(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    fixture, _ = _pair(tmp_path)
    sms = _stored(fixture.root, file_id("HomeDomain", "Library/SMS/sms.db"))
    sms.write_bytes(sms.read_bytes()[:-5])  # not a whole number of AES blocks
    tcc_id = file_id("HomeDomain", "Library/TCC/TCC.db")

    def corrupt_key(db: sqlite3.Connection) -> None:
        blob = db.execute("SELECT file FROM Files WHERE fileID = ?", (tcc_id,)).fetchone()[0]
        archive = plistlib.loads(blob)
        for item in archive["$objects"]:
            if isinstance(item, dict) and "NS.data" in item:
                data = bytearray(item["NS.data"])
                data[10] ^= 0xFF
                item["NS.data"] = bytes(data)
        db.execute("UPDATE Files SET file = ? WHERE fileID = ?",
                   (plistlib.dumps(archive, fmt=plistlib.FMT_BINARY), tcc_id))

    fixture.rewrite_manifest_db(corrupt_key)
    usage_id = file_id("WirelessDomain", "Library/Databases/DataUsage.sqlite")
    _stored(fixture.root, usage_id).unlink()  # listed in Manifest.db, not stored
    prefs = _stored(fixture.root, file_id("HomeDomain",
                                          "Library/Preferences/.GlobalPreferences.plist"))
    prefs.write_bytes(os.urandom(len(prefs.read_bytes())))  # decrypts to garbage
    monkeypatch.setenv("PERITO_BACKUP_PASSWORD", PASSWORD)
    out = tmp_path / "out"
    assert main(["ios", "check-backup", str(fixture.root), "-i", str(PEGASUS),
                 "-o", str(out)]) == 2  # Safari's indicator is still found
    info = json.loads((out / "info.json").read_text())
    by_id = {a["id"]: a for a in info["artifacts"]}
    assert by_id["ios.safari.history"]["state"] == "read"
    assert by_id["ios.sms.messages"]["state"] == "failed"
    assert "not a whole number of AES blocks" in by_id["ios.sms.messages"]["problems"][0]
    assert by_id["ios.tcc.access"]["state"] == "failed"
    assert "key cannot be unwrapped" in by_id["ios.tcc.access"]["problems"][0]
    assert by_id["ios.datausage.processes"]["state"] == "absent"
    assert any("listed in the acquisition but not included" in n
               for n in by_id["ios.datausage.processes"]["notes"])
    assert by_id["ios.global_preferences"]["state"] == "failed"
    assert by_id["ios.backup.manifest"]["state"] == "read"


def test_a_damaged_class_key_costs_only_its_files(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    fixture = write_encrypted(_builder(), tmp_path / "encrypted", Encryption(
        password=PASSWORD, file_classes={PREFS: 1}))
    manifest = plistlib.loads((fixture.root / "Manifest.plist").read_bytes())
    keybag = bytearray(manifest["BackupKeyBag"])
    record = keybag.index(tlv("CLAS", 1))
    wpky = keybag.index(b"WPKY", record)
    keybag[wpky + 8 + 5] ^= 0xFF
    manifest["BackupKeyBag"] = bytes(keybag)
    (fixture.root / "Manifest.plist").write_bytes(plistlib.dumps(manifest))
    monkeypatch.setenv("PERITO_BACKUP_PASSWORD", PASSWORD)
    out = tmp_path / "out"
    assert main(["ios", "check-backup", str(fixture.root), "-o", str(out)]) == 3
    info = json.loads((out / "info.json").read_text())
    by_id = {a["id"]: a for a in info["artifacts"]}
    assert by_id["ios.global_preferences"]["state"] == "failed"
    assert "class key is damaged" in by_id["ios.global_preferences"]["problems"][0]
    assert by_id["ios.safari.history"]["state"] == "read"
    assert "protection classes 1" in (out / "command.log").read_text()


@pytest.mark.parametrize("damage", ["garbled", "truncated", "absent", "manifest-key"])
def test_damaged_keybag_or_manifest_key_exit_1(tmp_path: Path, damage: str,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    fixture, _ = _pair(tmp_path)
    manifest = plistlib.loads((fixture.root / "Manifest.plist").read_bytes())
    if damage == "garbled":
        manifest["BackupKeyBag"] = b"\x00" * 64
    elif damage == "truncated":
        manifest["BackupKeyBag"] = manifest["BackupKeyBag"][:150]
    elif damage == "absent":
        del manifest["BackupKeyBag"]
    else:
        manifest["ManifestKey"] = manifest["ManifestKey"][:20]
    (fixture.root / "Manifest.plist").write_bytes(plistlib.dumps(manifest))
    monkeypatch.setenv("PERITO_BACKUP_PASSWORD", PASSWORD)
    assert main(["ios", "check-backup", str(fixture.root), "-o", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert ("keybag" in err or "BackupKeyBag" in err or "ManifestKey" in err), err


def test_keybag_parser_refuses_hostile_values() -> None:
    base = (tlv("VERS", 4) + tlv("TYPE", 1) + tlv("UUID", b"u" * 16) + tlv("WRAP", 0)
            + tlv("SALT", b"s" * 20))
    with pytest.raises(KeybagError, match="TYPE 7"):
        parse_keybag(tlv("TYPE", 7) + tlv("SALT", b"s") + tlv("ITER", 1))
    with pytest.raises(KeybagError, match="truncated"):
        parse_keybag(base + b"ITER\x00\x00\x00\x04\x00")
    with pytest.raises(KeybagError, match="SALT or ITER"):
        parse_keybag(tlv("TYPE", 1))
    slow = parse_keybag(base + tlv("ITER", 2**32 - 1))
    with pytest.raises(KeybagError, match="implausible"):
        derive_key(slow, b"pw", two_stage=False)
    slow_dp = parse_keybag(base + tlv("ITER", 10) + tlv("DPIC", 2**31) + tlv("DPSL", b"d" * 20))
    with pytest.raises(KeybagError, match="implausible"):
        derive_key(slow_dp, b"pw", two_stage=True)
    with pytest.raises(KeybagError, match="no DPSL"):
        derive_key(parse_keybag(base + tlv("ITER", 10)), b"pw", two_stage=True)


# -- decrypt-backup and extract-key ----------------------------------------------------------

def test_decrypt_backup_writes_the_incumbents_layout(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    fixture, twin = _pair(tmp_path)
    monkeypatch.setenv("PERITO_BACKUP_PASSWORD", PASSWORD)
    dest = tmp_path / "decrypted"
    assert main(["ios", "decrypt-backup", str(fixture.root), "-d", str(dest)]) == 0
    stored = sorted(p.relative_to(twin) for p in twin.glob("??/*"))
    assert sorted(p.relative_to(dest) for p in dest.glob("??/*")) == stored
    for relative in stored:
        assert (dest / relative).read_bytes() == (twin / relative).read_bytes(), relative
    for name in ("Info.plist", "Manifest.plist", "Status.plist"):
        assert (dest / name).read_bytes() == (fixture.root / name).read_bytes()
    with sqlite3.connect(dest / "Manifest.db") as db:
        assert db.execute("SELECT count(*) FROM Files").fetchone()[0] > 10
    # the copy keeps IsEncrypted = true and is still read as plain text
    assert encryption_state(dest) is EncryptionState.DECRYPTED_COPY
    assert main(["ios", "check-backup", str(dest), "-o", str(tmp_path / "o1")]) == 0
    assert main(["ios", "check-backup", str(twin), "-o", str(tmp_path / "o2")]) == 0
    assert _comparable(tmp_path / "o1")["records"] == _comparable(tmp_path / "o2")["records"]


def test_decrypt_backup_of_a_legacy_backup(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    fixture, twin = _pair(tmp_path, legacy=True)
    assert encryption_state(fixture.root) is EncryptionState.FILES_ENCRYPTED
    monkeypatch.setenv("PERITO_BACKUP_PASSWORD", PASSWORD)
    dest = tmp_path / "decrypted"
    assert main(["ios", "decrypt-backup", str(fixture.root), "-d", str(dest)]) == 0
    for path in twin.glob("??/*"):
        assert (dest / path.relative_to(twin)).read_bytes() == path.read_bytes()
    assert encryption_state(dest) is EncryptionState.DECRYPTED_COPY


@pytest.mark.parametrize("where", ["inside", "not-empty", "plain-source"])
def test_decrypt_backup_refuses(tmp_path: Path, where: str, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    fixture, twin = _pair(tmp_path)
    monkeypatch.setenv("PERITO_BACKUP_PASSWORD", PASSWORD)
    source, dest = fixture.root, tmp_path / "dest"
    if where == "inside":
        dest = fixture.root / "dest"
    elif where == "not-empty":
        dest.mkdir()
        (dest / "x").write_text("x")
    else:
        source = twin
    assert main(["ios", "decrypt-backup", str(source), "-d", str(dest)]) == 1
    assert "Traceback" not in capsys.readouterr().err
    assert not (fixture.root / "dest").exists()


def test_extract_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                     capsys: pytest.CaptureFixture[str]) -> None:
    fixture, _ = _pair(tmp_path)
    monkeypatch.setenv("PERITO_BACKUP_PASSWORD", PASSWORD)
    assert main(["ios", "extract-key", str(fixture.root)]) == 0
    assert capsys.readouterr().out.strip() == fixture.backup_key.hex()
    key_file = tmp_path / "key"
    assert main(["ios", "extract-key", str(fixture.root), "-k", str(key_file)]) == 0
    assert key_file.read_text() == fixture.backup_key.hex()  # no newline, as the incumbent
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert fixture.backup_key.hex() not in capsys.readouterr().out
    monkeypatch.delenv("PERITO_BACKUP_PASSWORD")
    assert main(["ios", "check-backup", str(fixture.root), "-o", str(tmp_path / "o"),
                 "--key-file", str(key_file)]) == 0
    assert parse_hex_key(key_file.read_text() + "\n") == fixture.backup_key
    assert main(["ios", "extract-key", str(fixture.root), "-k",
                 str(fixture.root / "key")]) == 1


def test_plain_backup_needs_no_password(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    _, twin = _pair(tmp_path)
    monkeypatch.setenv("PERITO_BACKUP_PASSWORD", PASSWORD)
    assert encryption_state(twin) is EncryptionState.PLAIN
    out = tmp_path / "o"
    assert main(["ios", "check-backup", str(twin), "-o", str(out)]) == 0
    assert json.loads((out / "info.json").read_text())["encrypted"] is False
    assert main(["ios", "extract-key", str(twin)]) == 1
    assert "not an encrypted backup" in capsys.readouterr().err


# -- the decryption primitives ---------------------------------------------------------------

@pytest.mark.parametrize(("total", "tail_pad", "size", "expected"), [
    (32, 16, 16, 16),  # whole padding block
    (32, 5, 27, 27),
    (32, 5, None, 27),  # no Size: padding decides
    (32, 5, 100, 27),  # Size beyond the data (file grew during the backup): padding decides
    (48, 0, 20, 20),  # no valid padding, Size fits
    (48, 0, None, 48),
    (0, 0, 0, 0),
])
def test_plaintext_length(total: int, tail_pad: int, size: int | None, expected: int) -> None:
    tail = bytes([tail_pad]) * tail_pad if tail_pad else b"\x00" * 15 + b"\x99"
    assert plaintext_length(total, tail[-16:] if total else b"", size) == expected


@pytest.mark.parametrize("length", [0, 1, 15, 16, 17, 100, 1000])
def test_streaming_decryption_in_small_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              length: int) -> None:
    monkeypatch.setattr(ios_crypto, "CHUNK", 32)
    key = bytes(range(32))
    data = os.urandom(length)
    stored = tmp_path / "stored"
    stored.write_bytes(cbc_encrypt(key, data))
    assert decrypt_to_bytes(stored, key, length) == data
    target = tmp_path / "plain"
    assert decrypt_to_file(stored, target, key, length) == length
    assert target.read_bytes() == data
    assert target.stat().st_mode & 0o777 == 0o600
    with pytest.raises(FileExistsError):  # never overwrites
        decrypt_to_file(stored, target, key, length)
    stored.write_bytes(stored.read_bytes() + b"x")
    with pytest.raises(DecryptionError, match="whole number of AES blocks"):
        decrypt_to_bytes(stored, key, length)


def test_read_bytes_decrypts_each_protection_class(tmp_path: Path) -> None:
    classes = {PREFS: 1, "RootDomain/Library/Preferences/roleaccountd.plist": 2,
               "HomeDomain/Library/Caches/aligned.bin": 4}
    builder = _builder()
    fixture = write_encrypted(builder, tmp_path / "encrypted", Encryption(
        password=PASSWORD, file_classes=classes,
        plain_files={"HomeDomain/Library/Preferences/empty.plist"}))
    twin = builder.write(tmp_path / "plain")
    with IosBackup(fixture.root, key=fixture.backup_key) as backup:
        for address in [*classes, "HomeDomain/Library/Preferences/empty.plist"]:
            domain, relative = address.split("/", 1)
            [evidence] = backup.find(_location(domain, relative))
            assert backup.read_bytes(evidence) == _stored(
                twin, file_id(domain, relative)).read_bytes()
        encrypted_copy = struct.unpack("<I", _key_blob(fixture, PREFS)[:4])[0]
        assert encrypted_copy == 1


def _location(domain: str, relative: str) -> Any:
    from perito.sources.locations import BackupFile

    return BackupFile(domain, relative)


def _key_blob(fixture: EncryptedFixture, address: str) -> bytes:
    domain, relative = address.split("/", 1)
    with IosBackup(fixture.root, key=fixture.backup_key) as backup:
        row = backup.row(domain, relative)
        assert row is not None and row.blob is not None
    archive = plistlib.loads(row.blob)
    return next(o["NS.data"] for o in archive["$objects"]
                if isinstance(o, dict) and "NS.data" in o)
