"""End to end: `perito android check-backup` on built `.ab` files, outputs parsed back."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tarfile
import zlib
from pathlib import Path

import pytest

from perito.cli import main
from tests.builders.android import ab
from tests.builders.android import telephony as tel
from tests.builders.stix import BundleBuilder
from tests.test_android_backup import CERT, MMS_S, PASSWORD, SMS_MS, telephony_members

APK = b"PK\x03\x04 the spy's apk"
BASE = "apps/com.android.providers.telephony/d_f"


def _indicators(tmp_path: Path) -> Path:
    bundle = BundleBuilder("androidspy")
    spy = bundle.malware("AndroidSpy")
    for pattern in ("[domain-name:value = 'parcel-track.net']",
                    "[url:value = 'https://short.example.com/Ab12']",
                    "[ipv4-addr:value = '198.51.100.7']",
                    "[app:id = 'com.example.spy']",
                    f"[file:hashes.sha256 = '{hashlib.sha256(APK).hexdigest()}']",
                    f"[app:cert.sha1 = '{hashlib.sha1(CERT).hexdigest().upper()}']"):
        bundle.indicator(pattern, indicates=spy)
    return bundle.write(tmp_path / "androidspy.stix2")


def _backup(tmp_path: Path, *, password: str | None = None) -> Path:
    sms = [
        tel.sms("+15550100", "Parcel held: https://cdn.parcel-track.net/x?id=9", SMS_MS),
        tel.sms("+15550101", "see https://short.example.com/Ab12.", SMS_MS + 1000),
        tel.sms("+15550102", "raw ip http://198.51.100.7/a", SMS_MS + 2000, kind=2),
        # decoys: the indicator as a label, in a query, a longer name, a neighbour address
        tel.sms("+15550103", "https://parcel-track.net.example.org/ "
                "https://news.example.org/?u=parcel-track.net https://xparcel-track.net/ "
                "http://198.51.100.70/ https://short.example.com/Ab123", SMS_MS + 3000),
    ]
    mms = [tel.mms("+15550104", ("+15550199",), "hello", MMS_S)]
    members = [
        *telephony_members()[:2],
        ab.Member(f"{BASE}/000000_sms_backup", tel.backup_file(sms)),
        ab.Member(f"{BASE}/000000_mms_backup", tel.backup_file(mms)),
        ab.Member("apps/com.example.spy/_manifest", ab.manifest(
            "com.example.spy", apk=True, installer="com.google.android.packageinstaller",
            certificates=(CERT,))),
        ab.Member("apps/com.example.spy/a/base.apk", APK),
    ]
    path = tmp_path / "backup.ab"
    path.write_bytes(ab.ab_bytes(ab.tar_bytes(members), password=password))
    return path


def _alerts(out: Path) -> list[tuple[str, str, str]]:
    alerts = json.loads((out / "alerts.json").read_text())
    return sorted((a["module"], a["matched_indicator"]["type"], a["matched_indicator"]["value"])
                  for a in alerts if a["matched_indicator"])


def test_finds_planted_indicators_and_nothing_else(tmp_path: Path) -> None:
    path = _backup(tmp_path)
    before = path.read_bytes()
    out = tmp_path / "out"
    code = main(["android", "check-backup", str(path), "-i", str(_indicators(tmp_path)),
                 "-o", str(out)])
    assert code == 2
    cert = hashlib.sha1(CERT).hexdigest()
    assert _alerts(out) == [
        ("backup_files", "files_sha256", hashlib.sha256(APK).hexdigest()),
        ("backup_packages", "app_cert_hashes", cert),  # the telephony provider's manifest
        ("backup_packages", "app_cert_hashes", cert),  # and the spy's: same certificate
        ("backup_packages", "app_ids", "com.example.spy"),
        ("sms", "domains", "parcel-track.net"),
        ("sms", "ips", "198.51.100.7"),
        ("sms", "urls", "https://short.example.com/Ab12"),
    ]
    assert path.read_bytes() == before
    info = json.loads((out / "info.json").read_text())
    assert info["acquisition_kind"] == "android-backup"
    assert info["encrypted"] is False
    hashes = {h["file_path"]: h["sha256"] for h in info["hashes"]}
    assert hashes["backup.ab"] == hashlib.sha256(before).hexdigest()
    with tarfile.open(fileobj=io.BytesIO(zlib.decompress(before.split(b"\n", 4)[4]))) as tar:
        member = tar.extractfile(f"{BASE}/000000_sms_backup")
        assert member is not None
        plain = member.read()
    assert hashes[f"backup.ab:{BASE}/000000_sms_backup"] == hashlib.sha256(plain).hexdigest()


def test_timeline_has_sms_and_mms_at_their_true_times(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["android", "check-backup", str(_backup(tmp_path)), "-o", str(out)]) == 0
    with (out / "timeline.csv").open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["UTC Timestamp", "Plugin", "Event", "Description"]
    messages = [row for row in rows[1:] if row[1] == "SMS"]
    assert [row[0] for row in messages] == [
        "2024-03-01 08:00:00.123000", "2024-03-01 08:00:01.123000",
        "2024-03-01 08:00:02.123000", "2024-03-01 08:00:03.123000",
        "2024-03-01 08:01:40.000000"]
    assert messages[0][3] == ("SMS received from +15550100 with links: "
                              "https://cdn.parcel-track.net/x?id=9")
    assert messages[2][3].startswith("SMS sent to +15550102")
    assert messages[4][2] == "MMS message"
    assert "Parcel held" not in (out / "timeline.csv").read_text()  # bodies stay in records
    records = [json.loads(line) for line in
               (out / "records" / "android.backup.mms.jsonl").read_text().splitlines()]
    assert records[0]["date"]["raw"] == str(MMS_S)
    assert records[0]["date"]["encoding"] == "unix_s"


def test_encrypted_backup_password_sources(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    path = _backup(tmp_path, password=PASSWORD)
    monkeypatch.delenv("PERITO_ANDROID_BACKUP_PASSWORD", raising=False)
    # no password, no terminal
    assert main(["android", "check-backup", str(path), "-o", str(tmp_path / "a")]) == 1
    assert "PERITO_ANDROID_BACKUP_PASSWORD" in capsys.readouterr().err
    assert not (tmp_path / "a").exists()
    # wrong password: a clear message, no traceback, no output
    secret = tmp_path / "secret.txt"
    secret.write_text("not it\n")
    assert main(["android", "check-backup", str(path), "--password-file", str(secret),
                 "-o", str(tmp_path / "b")]) == 1
    err = capsys.readouterr().err
    assert "password does not open this Android backup" in err
    assert "Traceback" not in err
    assert not (tmp_path / "b").exists()
    # the password file (one trailing newline ignored), then the environment
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    out = tmp_path / "c"
    assert main(["android", "check-backup", str(path), "--password-file", str(secret),
                 "-o", str(out)]) == 0
    monkeypatch.setenv("PERITO_ANDROID_BACKUP_PASSWORD", PASSWORD)
    out2 = tmp_path / "d"
    assert main(["android", "check-backup", str(path), "-o", str(out2),
                 "-i", str(_indicators(tmp_path))]) == 2
    info = json.loads((out2 / "info.json").read_text())
    assert info["encrypted"] is True
    for folder in (out, out2):
        for produced in folder.rglob("*"):
            if produced.is_file():
                assert PASSWORD not in produced.read_text(encoding="utf-8", errors="replace")


def test_truncated_backup_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    whole = ab.ab_bytes(ab.tar_bytes([*telephony_members(),
                                      ab.Member("apps/x/f/big", bytes(range(256)) * 2000)]),
                        compressed=False)
    path = tmp_path / "cut.ab"
    path.write_bytes(whole[:len(whole) // 2])  # inside the big member
    out = tmp_path / "out"
    assert main(["android", "check-backup", str(path), "-o", str(out)]) == 3
    printed = capsys.readouterr()
    assert "payload is damaged" in printed.out
    assert "Traceback" not in printed.err
    assert (out / "records" / "android.backup.sms.jsonl").read_text().count("\n") == 3


def test_bad_inputs_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    assert main(["android", "check-backup", str(text)]) == 1
    assert main(["android", "check-backup", str(tmp_path / "missing.ab")]) == 1
    assert main(["android", "check-backup", str(tmp_path)]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "not an Android backup" in err and "no such file" in err and "apps/" in err
    acquisition = tmp_path / "androidqf"
    acquisition.mkdir()
    (acquisition / "backup.ab").write_bytes(b"ANDROID BACKUP\n5\n1\nnone\n")
    assert main(["android", "check-backup", str(acquisition)]) == 1
    squeezed = "".join(capsys.readouterr().err.split())  # the console wraps long lines
    assert f"check{acquisition / 'backup.ab'}" in squeezed


def test_lists_its_artifacts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["android", "check-backup", "-l"]) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert listed == ["android.backup.files", "android.backup.packages", "android.backup.sms",
                      "android.backup.mms"]
    assert main(["android", "check-backup", "-m", "sms", "-l"]) == 0  # the incumbent's slug
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()] == [
        "android.backup.sms", "android.backup.mms"]
    assert main(["android", "check-backup", "-m", "android.backup.mms", "-l"]) == 0
    assert capsys.readouterr().out.split()[0] == "android.backup.mms"
