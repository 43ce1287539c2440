"""`perito android check-androidqf` on acquisitions holding `backup.ab` and `intrusion_logs/`:
each is scanned as its own acquisition into a subfolder, and listed in the main info.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyrage
import pytest
from pyrage import x25519

from perito.cli import main
from tests.builders.android import ab
from tests.builders.android import intrusion as il
from tests.builders.android import telephony as tel
from tests.builders.android.androidqf import Androidqf
from tests.builders.stix import BundleBuilder
from tests.test_android_backup import PASSWORD, SMS_MS, telephony_members

BASE = "apps/com.android.providers.telephony/d_f"


def _indicators(tmp_path: Path) -> Path:
    bundle = BundleBuilder("nestedspy")
    spy = bundle.malware("NestedSpy")
    bundle.indicator("[domain-name:value = 'parcel-track.net']", indicates=spy)
    bundle.indicator("[domain-name:value = 'spyhost.net']", indicates=spy)
    return bundle.write(tmp_path / "nestedspy.stix2")


def _backup(password: str | None = None) -> bytes:
    sms = [tel.sms("+15550100", "Parcel held: https://cdn.parcel-track.net/x?id=9", SMS_MS),
           tel.sms("+15550101", "See you at 8", SMS_MS + 1000, kind=2)]
    members = [*telephony_members()[:2],
               ab.Member(f"{BASE}/000000_sms_backup", tel.backup_file(sms))]
    return ab.ab_bytes(ab.tar_bytes(members), password=password)


def _logs() -> bytes:
    events = [il.dns(101, il.T0_MS, "com.example.notes", "api.example.net", "192.0.2.10"),
              il.dns(102, il.T0_MS + 50, "com.example.notes", "c2.spyhost.net", "198.51.100.7")]
    return il.zip_of({"Pixel 9_20260101/intrusion_log_0.txt": il.ndjson(events)})


def _acquisition(*, backup: bytes | None = None, logs: bool = True) -> Androidqf:
    extra = {"intrusion_logs/Pixel 9_20260101.zip": _logs()} if logs else {}
    if backup is not None:
        extra["backup.ab"] = backup
    return Androidqf(extra=extra)


def _matched(folder: Path) -> list[tuple[str, str]]:
    alerts = json.loads((folder / "alerts.json").read_text())
    return sorted((a["module"], a["matched_indicator"]["value"]) for a in alerts
                  if a["matched_indicator"])


def _info(folder: Path) -> dict[str, Any]:
    info: dict[str, Any] = json.loads((folder / "info.json").read_text())
    return info


def _nested(out: Path) -> dict[str, dict[str, Any]]:
    return {n["path"]: n for n in _info(out)["nested"]}


def _check(target: Path, out: Path, iocs: Path, *extra: str) -> int:
    return main(["android", "check-androidqf", str(target), "-i", str(iocs), "-o", str(out),
                 "-j", "1", *extra])


def _assert_both_found(out: Path, dns_matches: int = 1) -> None:
    assert _matched(out / "backup.ab") == [("sms", "parcel-track.net")]
    assert _matched(out / "intrusion_logs") == [("intrusion_dns", "spyhost.net")] * dns_matches
    assert _matched(out) == []  # the main scan reads neither part itself
    for sub in ("backup.ab", "intrusion_logs"):
        assert (out / sub / "report.html").is_file()
        assert (out / sub / "command.log").is_file()
    nested = _nested(out)
    assert nested["backup.ab"] == {
        "path": "backup.ab", "kind": "android-backup", "scanned": True, "exit_code": 2,
        "output": "backup.ab", "detections": {"CRITICAL": 1}, "not_read": [],
        "info_sha256": nested["backup.ab"]["info_sha256"], "warning": None}
    assert nested["intrusion_logs"]["kind"] == "android-intrusion-logs"
    assert nested["intrusion_logs"]["scanned"] is True
    assert nested["intrusion_logs"]["exit_code"] == 2
    assert _info(out / "backup.ab")["acquisition_kind"].startswith("android-backup")
    assert _info(out / "intrusion_logs")["acquisition_kind"] == "android-intrusion-logs"


@pytest.mark.parametrize("packing", ["folder", "zip", "zip-with-top-folder"])
def test_nested_backup_and_logs_are_scanned(tmp_path: Path, packing: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    built = _acquisition(backup=_backup())
    if packing == "folder":
        target = built.write_folder(tmp_path / "acq")
    else:
        target = built.write_zip(tmp_path / "acq.zip",
                                 "acq/" if packing == "zip-with-top-folder" else "")
    before = {p: p.read_bytes() for p in sorted(tmp_path.rglob("*")) if p.is_file()}
    out = tmp_path / "out"
    assert _check(target, out, _indicators(tmp_path)) == 2
    _assert_both_found(out)
    shown = capsys.readouterr().out
    assert f"Nested backup.ab: results in {out / 'backup.ab'}; detections: CRITICAL 1" in shown
    assert "Nested intrusion_logs: results in" in shown
    assert "(in a nested acquisition)" in shown
    assert {p: p.read_bytes() for p in before} == before  # the evidence is untouched
    # The custody record of the backup names the file it was read from.
    hashes = {h["file_path"] for h in _info(out / "backup.ab")["hashes"]}
    assert any(name.endswith("backup.ab") for name in hashes)


def test_age_encrypted_acquisition(tmp_path: Path) -> None:
    identity = x25519.Identity.generate()
    key = tmp_path / "key.txt"
    key.write_text(f"{identity}\n")
    encrypted = tmp_path / "6b0d1c9e.zip.age"
    built = _acquisition(backup=_backup())
    # a log file straight in intrusion_logs/, read from the plaintext in memory
    built.extra["intrusion_logs/intrusion_log_9.txt"] = il.ndjson(
        [il.dns(201, il.T0_MS + 90, "com.example.notes", "www.spyhost.net", "198.51.100.8")])
    encrypted.write_bytes(pyrage.encrypt(built.zip_bytes(), [identity.to_public()]))
    out = tmp_path / "out"
    assert _check(encrypted, out, _indicators(tmp_path), "--age-identity", str(key)) == 2
    _assert_both_found(out, dns_matches=2)
    assert _nested(out)["intrusion_logs"]["not_read"] == []
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["6b0d1c9e.zip.age", "key.txt", "nestedspy.stix2", "out"])  # no plaintext beside it


def test_encrypted_backup_without_password_is_a_warning(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("PERITO_ANDROID_BACKUP_PASSWORD", raising=False)
    target = _acquisition(backup=_backup(PASSWORD), logs=False).write_zip(tmp_path / "acq.zip")
    out = tmp_path / "out"
    assert _check(target, out, _indicators(tmp_path)) == 3  # a part was not read
    nested = _nested(out)["backup.ab"]
    assert nested["scanned"] is False
    assert nested["exit_code"] == 3
    assert "password" in nested["warning"]
    assert "--password-file" in nested["warning"]
    assert "backup.ab was not scanned" in (out / "command.log").read_text(encoding="utf-8")
    assert not (out / "backup.ab" / "alerts.json").exists()
    assert (out / "alerts.json").is_file()  # the main scan completed
    assert _info(out)["artifacts"]
    shown = capsys.readouterr().out
    assert "Nested backup.ab was not scanned" in shown
    assert _check(target, tmp_path / "es", _indicators(tmp_path), "--lang", "es") == 3
    assert "El backup.ab anidado no se analizó" in capsys.readouterr().out


def test_encrypted_backup_with_password_file_and_with_a_wrong_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PERITO_ANDROID_BACKUP_PASSWORD", raising=False)
    target = _acquisition(backup=_backup(PASSWORD)).write_folder(tmp_path / "acq")
    secret = tmp_path / "password.txt"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert _check(target, out, _indicators(tmp_path), "--password-file", str(secret)) == 2
    _assert_both_found(out)
    assert PASSWORD not in (out / "backup.ab" / "command.log").read_text(encoding="utf-8")

    monkeypatch.setenv("PERITO_ANDROID_BACKUP_PASSWORD", "not the password")
    wrong = tmp_path / "wrong"
    assert _check(target, wrong, _indicators(tmp_path)) == 2  # the logs still match
    assert _nested(wrong)["backup.ab"]["scanned"] is False
    assert "password" in _nested(wrong)["backup.ab"]["warning"]
    assert _matched(wrong / "intrusion_logs") == [("intrusion_dns", "spyhost.net")]


def test_damaged_nested_files_are_warnings(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    built = Androidqf(extra={"backup.ab": b"ANDROID BACKUP\n5\n1\nnone\n\x00 not zlib at all",
                             "intrusion_logs/Pixel 9_20260101.zip": b"PK\x03\x04 cut short"})
    target = built.write_zip(tmp_path / "acq.zip")
    out = tmp_path / "out"
    assert _check(target, out, _indicators(tmp_path)) == 3
    nested = _nested(out)
    assert set(nested) == {"backup.ab", "intrusion_logs"}
    assert all(n["exit_code"] == 3 for n in nested.values())  # read, but not all of it
    assert nested["backup.ab"]["not_read"]
    assert nested["intrusion_logs"]["scanned"] is True
    assert _info(out)["artifacts"]  # the main scan completed
    shown = capsys.readouterr().out
    assert "Nested backup.ab: results in" in shown
    assert "artifacts that could not be read:" in shown


def test_without_nested_parts_the_list_is_empty(tmp_path: Path) -> None:
    target = _acquisition(logs=False).write_folder(tmp_path / "acq")
    out = tmp_path / "out"
    assert _check(target, out, _indicators(tmp_path)) == 0
    assert _info(out)["nested"] == []
    assert not (out / "backup.ab").exists()


def test_artifact_choice_reaches_the_nested_parts(tmp_path: Path) -> None:
    target = _acquisition(backup=_backup()).write_folder(tmp_path / "acq")
    out = tmp_path / "out"
    assert _check(target, out, _indicators(tmp_path), "-m", "android.intrusion.dns") == 2
    assert list(_nested(out)) == ["intrusion_logs"]
    assert _info(out)["artifacts"] == []
