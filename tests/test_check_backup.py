"""End to end: `perito ios check-backup` on built backups, outputs parsed back."""

from __future__ import annotations

import csv
import hashlib
import json
import plistlib
from pathlib import Path

import pytest

from perito.cli import main
from tests.builders.ios.safari import Visit, history_db
from tests.builders.ios_backup import BackupBuilder
from tests.paths import SHARED_IOCS

PEGASUS = SHARED_IOCS / "amnesty" / "pegasus.stix2"
T0 = 1_709_154_845.0


def _backup(tmp_path: Path, *, wal: bool = False) -> Path:
    builder = BackupBuilder()
    builder.add_sqlite("HomeDomain", "Library/Safari/History.db", history_db([
        Visit("https://weather4free.com/f/a?x=1", T0, "Weather"),  # indicator domain
        Visit("https://cdn.smscentro.com/l", T0 + 5),  # subdomain of an indicator
        Visit("https://wweather4free.com/", T0 + 10),  # decoy: starts with w
        Visit("https://news.example.org/?ref=tookcheckout.com", T0 + 15),  # decoy: in query
        Visit("https://weather4free.com.example.net/", T0 + 20),  # decoy: indicator as label
        Visit("https://com/", T0 + 25),  # decoy: parent of an indicator
    ]), wal=wal)
    builder.add_file("RootDomain", "Library/Preferences/roleaccountd.plist",
                     plistlib.dumps({"a": 1}))
    return builder.write(tmp_path / "backup")


def _snapshot(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_finds_planted_indicators_and_nothing_else(tmp_path: Path) -> None:
    root = _backup(tmp_path)
    out = tmp_path / "out"
    code = main(["ios", "check-backup", str(root), "-i", str(PEGASUS), "-o", str(out)])
    assert code == 2
    alerts = json.loads((out / "alerts.json").read_text())
    matched = sorted((a["module"], a["matched_indicator"]["value"], a["level"])
                     for a in alerts if a["matched_indicator"])
    assert matched == [
        ("manifest", "roleaccountd.plist", "HIGH"),
        ("safari_history", "smscentro.com", "CRITICAL"),
        ("safari_history", "weather4free.com", "CRITICAL"),
    ]
    for alert in alerts:
        if alert["matched_indicator"]:
            assert alert["matched_indicator"]["name"] == "Pegasus"
            assert alert["matched_indicator"]["stix2_file_name"] == "pegasus.stix2"
            owner = alert["perito"]["match"]["owners"][0]
            assert owner["file_sha256"] == hashlib.sha256(PEGASUS.read_bytes()).hexdigest()
    safari = next(a for a in alerts if a["matched_indicator"]
                  and a["matched_indicator"]["value"] == "weather4free.com")
    assert safari["event"]["url"] == "https://weather4free.com/f/a?x=1"
    assert safari["event_time"] == "2024-02-28 21:14:05.000000"


def test_outputs_parse_back(tmp_path: Path) -> None:
    root = _backup(tmp_path)
    out = tmp_path / "out"
    main(["ios", "check-backup", str(root), "-i", str(PEGASUS), "-o", str(out)])
    raw = (out / "timeline.csv").read_bytes()
    assert raw.startswith(b'"UTC Timestamp","Plugin","Event","Description"\r\n')
    with (out / "timeline.csv").open(newline="") as handle:
        rows = list(csv.reader(handle, escapechar="\\"))
    assert rows[0] == ["UTC Timestamp", "Plugin", "Event", "Description"]
    body = rows[1:]
    assert body == sorted(body, key=lambda r: r[0])
    assert any(r[1] == "SafariHistory" and "weather4free.com" in r[3] for r in body)
    lines = (out / "timeline.jsonl").read_text().splitlines()
    assert len(lines) == len(body)
    for line in lines:
        event = json.loads(line)
        assert event["message"] and event["timestamp_desc"]
        assert event["datetime"].endswith("+00:00")
        assert isinstance(event["timestamp"], int)
    records = (out / "records" / "ios.safari.history.jsonl").read_text().splitlines()
    assert len(records) == 6
    info = json.loads((out / "info.json").read_text())
    hashed = {h["file_path"]: h["sha256"] for h in info["hashes"]}
    history = next(p for p in root.rglob("*") if p.name == "1a0e7afc19d307da602ccdcece51af33afe92c53")
    assert hashed["HomeDomain/Library/Safari/History.db"] == hashlib.sha256(
        history.read_bytes()).hexdigest()
    assert "Manifest.db" in hashed and "Info.plist" in hashed
    assert info["ioc_files"][0]["sha256"] == hashlib.sha256(PEGASUS.read_bytes()).hexdigest()
    assert info["perito_version"]
    states = {a["id"]: a["state"] for a in info["artifacts"]}
    assert states["ios.safari.history"] == "read"


def test_same_input_same_output(tmp_path: Path) -> None:
    root = _backup(tmp_path)
    outputs = []
    for name in ("one", "two"):
        out = tmp_path / name
        main(["ios", "check-backup", str(root), "-i", str(PEGASUS), "-o", str(out)])
        outputs.append({p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*"))
                        if p.is_file() and p.name not in ("info.json", "command.log", "report.html")})
    assert outputs[0] == outputs[1]


def test_evidence_is_unchanged(tmp_path: Path) -> None:
    root = _backup(tmp_path, wal=True)
    before = _snapshot(root)
    out = tmp_path / "out"
    assert main(["ios", "check-backup", str(root), "-i", str(PEGASUS), "-o", str(out)]) == 2
    assert _snapshot(root) == before
    # the visit stored only in the -wal file was read
    records = (out / "records" / "ios.safari.history.jsonl").read_text()
    assert "weather4free.com" in records


def test_no_indicators_nothing_found(tmp_path: Path) -> None:
    root = _backup(tmp_path)
    assert main(["ios", "check-backup", str(root), "-o", str(tmp_path / "out")]) == 0


def test_parent_folder_with_one_backup(tmp_path: Path) -> None:
    _backup(tmp_path)
    assert main(["ios", "check-backup", str(tmp_path), "-o", str(tmp_path / "o")]) == 0


@pytest.mark.parametrize("setup", ["missing", "empty", "file"])
def test_bad_paths_exit_1(tmp_path: Path, setup: str, capsys: pytest.CaptureFixture[str]
                          ) -> None:
    target = tmp_path / "target"
    if setup == "empty":
        target.mkdir()
    elif setup == "file":
        target.write_text("x")
    assert main(["ios", "check-backup", str(target), "-o", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert "perito:" in err and "Traceback" not in err


def test_output_inside_evidence_refused(tmp_path: Path) -> None:
    root = _backup(tmp_path)
    before = _snapshot(root)
    assert main(["ios", "check-backup", str(root), "-o", str(root / "out")]) == 1
    assert _snapshot(root) == before


def test_encrypted_backup_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _backup(tmp_path)
    manifest = plistlib.loads((root / "Manifest.plist").read_bytes())
    manifest["IsEncrypted"] = True
    (root / "Manifest.plist").write_bytes(plistlib.dumps(manifest, fmt=plistlib.FMT_BINARY))
    (root / "Manifest.db").write_bytes(bytes(range(256)) * 64)  # ciphertext-like
    assert main(["ios", "check-backup", str(root), "-o", str(tmp_path / "o")]) == 1
    assert "encrypted" in capsys.readouterr().err


def test_corrupt_database_is_a_warning_and_exit_3(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_file("HomeDomain", "Library/Safari/History.db",
                     b"SQLite format 3\x00" + b"\xff" * 4000)
    root = builder.write(tmp_path / "backup")
    out = tmp_path / "out"
    assert main(["ios", "check-backup", str(root), "-i", str(PEGASUS), "-o", str(out)]) == 3
    info = json.loads((out / "info.json").read_text())
    safari = next(a for a in info["artifacts"] if a["id"] == "ios.safari.history")
    assert safari["state"] == "failed"
    assert "History.db" in safari["problems"][0]
    states = {a["id"]: a["state"] for a in info["artifacts"]}
    assert states["ios.backup.manifest"] == "read"


def test_foreign_database_is_unknown_schema(tmp_path: Path) -> None:
    import sqlite3

    builder = BackupBuilder()
    builder.add_sqlite("HomeDomain", "Library/Safari/History.db",
                       lambda db: db.execute("CREATE TABLE other (x INTEGER)"))
    root = builder.write(tmp_path / "backup")
    out = tmp_path / "out"
    assert main(["ios", "check-backup", str(root), "-o", str(out)]) == 3
    info = json.loads((out / "info.json").read_text())
    safari = next(a for a in info["artifacts"] if a["id"] == "ios.safari.history")
    assert "unknown schema: missing history_items, history_visits" in safari["problems"][0]
    assert sqlite3  # imported for the builder's lambda type


def test_list_artifacts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ios", "check-backup", "--list-artifacts"]) == 0
    assert "ios.safari.history" in capsys.readouterr().out


def test_bad_files_in_several_artifacts_do_not_stop_the_scan(tmp_path: Path) -> None:
    from tests.builders.ios.sms import Message, sms_db
    from tests.builders.ios_backup import build_sqlite

    builder = BackupBuilder()
    builder.add_sqlite("HomeDomain", "Library/Safari/History.db", history_db([
        Visit("https://weather4free.com/", T0)]))
    whole, _ = build_sqlite(sms_db([Message("G1", T0, "hola https://example.org/")]))
    builder.add_file("HomeDomain", "Library/SMS/sms.db", whole[: len(whole) // 3])  # truncated
    builder.add_file("HomeDomain", "Library/Preferences/.GlobalPreferences.plist",
                     b"bplist00\x00\x01garbage")
    builder.add_file("HomeDomain", "Library/TCC/TCC.db", b"\x00" * 2048)  # not SQLite
    root = builder.write(tmp_path / "backup")
    before = _snapshot(root)
    out = tmp_path / "out"
    code = main(["ios", "check-backup", str(root), "-i", str(PEGASUS), "-o", str(out)])
    assert code == 2  # the Safari match is still found
    info = json.loads((out / "info.json").read_text())
    states = {a["id"]: a["state"] for a in info["artifacts"]}
    assert states["ios.safari.history"] == "read"
    assert states["ios.sms.messages"] == "failed"
    assert states["ios.global_preferences"] == "failed"
    assert states["ios.tcc.access"] == "failed"
    assert states["ios.sms.attachments"] == "failed"  # the same truncated sms.db
    assert len(info["warnings"]) == 4
    assert _snapshot(root) == before


def test_hostile_manifest_paths_are_not_followed(tmp_path: Path) -> None:
    import sqlite3

    root = _backup(tmp_path)
    db = sqlite3.connect(root / "Manifest.db")
    db.execute("INSERT INTO Files VALUES ('../../../../etc/passwd', 'HomeDomain', "
               "'Library/SMS/sms.db', 1, NULL)")
    db.commit()
    db.close()
    out = tmp_path / "out"
    assert main(["ios", "check-backup", str(root), "-o", str(out)]) == 0
    info = json.loads((out / "info.json").read_text())
    assert all("passwd" not in h["local_path"] for h in info["hashes"])
