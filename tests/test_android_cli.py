"""`perito android check-androidqf` and `check-bugreport` end to end: outputs, exit codes, age."""

from __future__ import annotations

import json
from pathlib import Path

import pyrage
import pytest
from pyrage import x25519

from perito.cli import main
from tests.builders.android.androidqf import (
    ACCESSIBILITY_14,
    APPOPS,
    Androidqf,
    Bugreport,
    package,
    text_tombstone,
)
from tests.builders.stix import pattern, single_malware_bundle


def _spy(tmp_path: Path) -> Path:
    return single_malware_bundle(tmp_path / "spy.stix2", "ExampleSpy",
                                 [pattern("app:id", "com.example.spy")])


def _err(capsys: pytest.CaptureFixture[str]) -> str:
    return " ".join(capsys.readouterr().err.split())  # rich wraps long lines


def _info(out: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((out / "info.json").read_text())
    return data


def test_zip_without_top_folder_matches_and_writes_every_output(tmp_path: Path) -> None:
    built = Androidqf(packages=[package("com.example.spy", installer="null")],
                      bugreport=Bugreport(sections={"appops": APPOPS}))
    acquisition = built.write_zip(tmp_path / "6b0d1c9e.zip")
    out = tmp_path / "out"
    assert main(["android", "check-androidqf", str(acquisition), "-i", str(_spy(tmp_path)),
                 "-o", str(out), "-j", "1"]) == 2
    assert {p.name for p in out.iterdir()} >= {"alerts.json", "info.json", "timeline.csv",
                                               "timeline.jsonl", "records", "command.log"}
    alerts = json.loads((out / "alerts.json").read_text())
    assert any((a.get("matched_indicator") or {}).get("value") == "com.example.spy" for a in alerts)
    info = _info(out)
    assert info["acquisition_kind"] == "android-androidqf"
    assert (out / "records" / "android.androidqf.packages.jsonl").is_file()
    assert (out / "records" / "android.dumpsys.appops.jsonl").is_file()


def test_folder_with_parallel_workers_gives_the_same_alerts(tmp_path: Path) -> None:
    built = Androidqf(packages=[package("com.example.spy", installer="null")],
                      bugreport=Bugreport(sections={"accessibility": ACCESSIBILITY_14},
                                          tombstones={"tombstone_00": text_tombstone(uid=0)}))
    folder = built.write_folder(tmp_path / "acq")
    outputs = []
    for jobs in ("1", "3"):
        out = tmp_path / f"out{jobs}"
        assert main(["android", "check-androidqf", str(folder), "-i", str(_spy(tmp_path)),
                     "-o", str(out), "-j", jobs]) == 2
        outputs.append((out / "alerts.json").read_text())
    assert outputs[0] == outputs[1]


def test_clean_acquisition_exits_0(tmp_path: Path) -> None:
    acquisition = Androidqf().write_zip(tmp_path / "clean.zip", top_folder="6b0d1c9e/")
    assert main(["android", "check-androidqf", str(acquisition), "-o",
                 str(tmp_path / "out")]) == 0


def test_not_an_acquisition_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("x")
    assert main(["android", "check-androidqf", str(tmp_path / "other"), "-o",
                 str(tmp_path / "out")]) == 1
    assert "not an androidqf acquisition" in _err(capsys)
    assert main(["android", "check-bugreport", str(tmp_path / "missing.zip"), "-o",
                 str(tmp_path / "out")]) == 1
    acquisition = Androidqf(dumpsys="").write_zip(tmp_path / "aqf.zip")
    _err(capsys)
    assert main(["android", "check-bugreport", str(acquisition), "-o",
                 str(tmp_path / "out")]) == 1
    assert "check-androidqf" in _err(capsys)


def _age(tmp_path: Path, armored: bool = False) -> tuple[Path, Path]:
    identity = x25519.Identity.generate()
    key = tmp_path / "key.txt"
    key.write_text(f"# created: 2024-03-01T09:00:00Z\n# public key: {identity.to_public()}\n"
                   f"{identity}\n")
    built = Androidqf(packages=[package("com.example.spy", installer="null")])
    encrypted = tmp_path / "6b0d1c9e.zip.age"
    encrypted.write_bytes(pyrage.encrypt(built.zip_bytes(), [identity.to_public()],
                                         armored=armored))
    return encrypted, key


@pytest.mark.parametrize("armored", [False, True])
def test_age_encrypted_zip_is_read_in_memory(tmp_path: Path, armored: bool) -> None:
    encrypted, key = _age(tmp_path, armored)
    out = tmp_path / "out"
    before = {p.name for p in tmp_path.iterdir()}
    assert main(["android", "check-androidqf", str(encrypted), "--age-identity", str(key),
                 "-i", str(_spy(tmp_path)), "-o", str(out), "-j", "1"]) == 2
    info = _info(out)
    assert info["encrypted"] is True
    hashes = info["hashes"]
    assert isinstance(hashes, list) and hashes[0]["file_path"] == "6b0d1c9e.zip.age"
    assert {p.name for p in tmp_path.iterdir()} == before | {"out", "spy.stix2"}
    assert "AGE-SECRET-KEY" not in (out / "command.log").read_text()


def test_age_without_or_with_a_wrong_identity_exits_1(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    encrypted, _key = _age(tmp_path)
    assert main(["android", "check-androidqf", str(encrypted), "-o",
                 str(tmp_path / "out")]) == 1
    assert "--age-identity" in _err(capsys)
    wrong = tmp_path / "wrong.txt"
    wrong.write_text(f"{x25519.Identity.generate()}\n")
    assert main(["android", "check-androidqf", str(encrypted), "--age-identity", str(wrong),
                 "-o", str(tmp_path / "out")]) == 1
    err = _err(capsys)
    assert "cannot decrypt" in err and "AGE-SECRET-KEY" not in err
    garbage = tmp_path / "garbage.txt"
    garbage.write_text("not a key\n")
    assert main(["android", "check-androidqf", str(encrypted), "--age-identity", str(garbage),
                 "-o", str(tmp_path / "out")]) == 1
    truncated = tmp_path / "cut.zip.age"
    truncated.write_bytes(encrypted.read_bytes()[:300])
    assert main(["android", "check-androidqf", str(truncated), "--age-identity", str(_key),
                 "-o", str(tmp_path / "out")]) == 1
    assert "damaged or truncated" in _err(capsys)


def test_check_bugreport_zip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = Bugreport(tombstones={"tombstone_00": text_tombstone(uid=0)}).write_zip(
        tmp_path / "bugreport.zip")
    out = tmp_path / "out"
    assert main(["android", "check-bugreport", str(report), "-o", str(out)]) == 0
    assert _info(out)["acquisition_kind"] == "android-bugreport"
    alerts = json.loads((out / "alerts.json").read_text())
    assert any("crashed" in a["message"] for a in alerts)
    capsys.readouterr()
    assert main(["android", "check-bugreport", "--list-artifacts"]) == 0
    listed = capsys.readouterr().out
    assert "android.bugreport.tombstones" in listed and "android.androidqf.packages" not in listed


def test_nested_bugreport_of_an_encrypted_acquisition_stays_in_memory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from perito.sources import android_tree

    def no_disk(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("decrypted content would be spooled to disk")

    monkeypatch.setattr(android_tree.tempfile, "SpooledTemporaryFile", no_disk)
    identity = x25519.Identity.generate()
    key = tmp_path / "key.txt"
    key.write_text(f"{identity}\n")
    built = Androidqf(bugreport=Bugreport(tombstones={"tombstone_00": text_tombstone(uid=0)}))
    encrypted = tmp_path / "acq.zip.age"
    encrypted.write_bytes(pyrage.encrypt(built.zip_bytes(), [identity.to_public()]))
    out = tmp_path / "out"
    assert main(["android", "check-androidqf", str(encrypted), "--age-identity", str(key),
                 "-o", str(out), "-j", "1"]) == 0
    states = {a["id"]: a["state"] for a in _info(out)["artifacts"]}
    assert states["android.bugreport.tombstones"] == "read"
