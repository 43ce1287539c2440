"""The Android acquisition source: folders, zips with and without a top folder, hostile zips."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from perito.artifacts.android import getprop, hashes, packages
from perito.artifacts.android.getprop import AndroidProperty
from perito.artifacts.android.hashes import HashCheck
from perito.errors import InputError
from perito.sources.locations import AndroidFile, Dumpstate
from tests.android_scan import androidqf, records_of, scan_tree
from tests.builders.android.androidqf import Androidqf, Bugreport
from tests.helpers import extract_from


def _names(source_path: Path) -> set[str]:
    with androidqf(source_path) as source:
        return {e.address for e in source.find(AndroidFile("*"))}


def test_folder_zip_and_zip_with_top_folder_give_the_same_files(tmp_path: Path) -> None:
    built = Androidqf()
    folder = built.write_folder(tmp_path / "folder")
    plain = built.write_zip(tmp_path / "plain.zip")
    nested = built.write_zip(tmp_path / "nested.zip", top_folder="6b0d1c9e/")
    expected = set(built.members())
    assert _names(folder) == expected
    assert _names(plain) == expected
    assert _names(nested) == expected


def test_parent_folder_of_the_acquisition_is_accepted(tmp_path: Path) -> None:
    Androidqf().write_folder(tmp_path / "parent" / "6b0d1c9e")
    with androidqf(tmp_path / "parent") as source:
        [evidence] = source.find(AndroidFile("getprop.txt"))
        assert evidence.address == "getprop.txt"


def test_members_are_hashed_into_custody_without_extraction(tmp_path: Path) -> None:
    built = Androidqf()
    path = built.write_zip(tmp_path / "acq.zip")
    before = path.read_bytes()
    with androidqf(path) as source:
        records = records_of(source, getprop.ARTIFACT)
        entries = {e["address"]: e for e in source.custody.entries()}
    assert any(isinstance(r, AndroidProperty) and r.name == "persist.sys.timezone"
               for r in records)
    assert entries["getprop.txt"]["sha256"] == hashlib.sha256(
        built.members()["getprop.txt"]).hexdigest()
    assert entries["acq.zip"]["sha256"] == hashlib.sha256(before).hexdigest()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["acq.zip"]


def test_hostile_members_are_refused_one_by_one(tmp_path: Path) -> None:
    path = Androidqf().write_zip(tmp_path / "acq.zip")
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("/etc/passwd", b"root:x:0:0")
        archive.writestr("../../escape.txt", b"x")
        archive.writestr(zipfile.ZipInfo("logs/bomb.bin"), b"\0" * (40 << 20),
                         compress_type=zipfile.ZIP_DEFLATED)
    with androidqf(path) as source:
        names = {e.address for e in source.find(AndroidFile("*"))}
        refused = source.refused
        records, notes = extract_from(source, hashes.ARTIFACT)
    assert "getprop.txt" in names
    assert not any("passwd" in n or "escape" in n or "bomb" in n for n in names)
    assert len(refused) == 3
    assert sum("refused" in note for note in notes) == 3
    assert all(isinstance(r, HashCheck) and r.status == "ok" for r in records)
    assert not (tmp_path.parent / "escape.txt").exists()


def test_truncated_zip_is_a_clear_error(tmp_path: Path) -> None:
    data = Androidqf().zip_bytes()
    path = tmp_path / "cut.zip"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="not a readable zip"):
        androidqf(path)


def test_hashes_csv_mismatch_and_missing_file_are_warnings(tmp_path: Path) -> None:
    built = Androidqf(tamper={"packages.json": "0" * 64})
    members = built.members()
    path = tmp_path / "acq"
    built.write_folder(path)
    (path / "hashes.csv").write_text(members["hashes.csv"].decode() + "gone.txt," + "1" * 64
                                     + "\n")
    with androidqf(path) as source:
        records, notes = extract_from(source, hashes.ARTIFACT)
    status = {r.name: r.status for r in records if isinstance(r, HashCheck)}
    assert status["packages.json"] == "mismatch"
    assert status["gone.txt"] == "missing"
    assert status["getprop.txt"] == "ok"
    assert any("packages.json does not match" in n for n in notes)
    assert any("gone.txt" in n for n in notes)
    result = scan_tree(androidqf(path), artifacts=[hashes.ARTIFACT])
    assert result.statuses[0].state == "read" and result.statuses[0].notes


def test_nested_bugreport_is_reached_within_bugreport(tmp_path: Path) -> None:
    path = Androidqf(dumpsys="", bugreport=Bugreport()).write_zip(tmp_path / "acq.zip")
    with androidqf(path) as source:
        dumps = [e.address for e in source.find(Dumpstate())]
        fs = [e.address for e in source.find(AndroidFile("FS/*", within="bugreport"))]
    assert dumps[0] == "dumpsys.txt"
    assert dumps[1].startswith("bugreport.zip/bugreport-")
    assert fs == ["bugreport.zip/FS/data/system/uiderrors.txt"]


def test_damaged_member_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    path = Androidqf().write_folder(tmp_path / "acq")
    (path / "packages.json").write_bytes(b"{not json\x00")
    result = scan_tree(androidqf(path), artifacts=[packages.ARTIFACT, getprop.ARTIFACT])
    states = {s.id: s for s in result.statuses}
    assert states["android.androidqf.packages"].state == "failed"
    assert "not JSON" in states["android.androidqf.packages"].problems[0]
    assert states["android.androidqf.getprop"].state == "read"


def test_hashes_csv_of_older_androidqf_with_host_paths(tmp_path: Path) -> None:
    built = Androidqf(hashes=False, extra={"command.log": b"started\n"})
    members = built.members()
    path = built.write_folder(tmp_path / "6b0d1c9e")
    rows = [f"/home/analyst/androidqf/6b0d1c9e/{name},{hashlib.sha256(data).hexdigest()}"
            for name, data in members.items() if name != "command.log"]
    rows.append("C:\\Users\\ana\\androidqf\\6b0d1c9e\\command.log," + "0" * 64)
    (path / "hashes.csv").write_text("\n".join(rows) + "\n")
    with androidqf(path) as source:
        records, notes = extract_from(source, hashes.ARTIFACT)
    status = {r.name.replace("\\", "/").rsplit("/", 1)[-1]: r.status for r in records
              if isinstance(r, HashCheck)}
    assert status["getprop.txt"] == "ok" and status["packages.json"] == "ok"
    assert status["command.log"] == "changed-after-hashing"
    assert notes == []
