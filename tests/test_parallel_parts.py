"""Large files read in row-range parts by several workers give the outputs of one process."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import perito.parallel
from perito.artifacts.base import Part, parts
from perito.cli import main
from tests.builders.ios.safari import Visit, history_db
from tests.builders.ios.sms import Message, sms_db
from tests.builders.ios_backup import BackupBuilder, build_sqlite
from tests.builders.sqlite_damage import damage_leaf_page
from tests.paths import SHARED_IOCS

T0 = 1_709_154_845.25
SAFARI = ("HomeDomain", "Library/Safari/History.db")
PROFILE = ("HomeDomain", "Library/Safari/Profiles/7F1C/History.db")
SMS = ("HomeDomain", "Library/SMS/sms.db")
PEGASUS = SHARED_IOCS / "amnesty" / "pegasus.stix2"


@given(st.integers(0, 2_000), st.integers(1, 40))
def test_parts_cover_every_row_once_in_order(rows: int, count: int) -> None:
    planned = parts(rows, count)
    assert [p.number for p in planned] == list(range(len(planned)))
    assert all(p.of == len(planned) for p in planned)
    assert 1 <= len(planned) <= max(1, min(count, rows))
    covered: list[int] = []
    for part in planned:
        end = rows if part.limit == -1 else part.offset + part.limit
        covered.extend(range(part.offset, min(end, rows)))
    assert covered == list(range(rows))
    assert planned[-1].limit == -1  # rows added since the count are read by the last part


def _history(count: int, *, orphans: bool) -> bytes:
    visits = []
    for i in range(count):
        host = "weather4free.com" if i == count // 2 else f"news{i % 37}.example.org"
        visits.append(Visit(f"https://{host}/articulo/{i}?ref={i % 5}", T0 + i * 61.5,
                            title=f"Nota {i}", redirect_to=i + 1 if i % 50 == 7 else None))

    def fill(db: sqlite3.Connection) -> None:
        history_db(visits)(db)
        if orphans:  # items deleted under their visits (no cascade without foreign keys)
            db.execute("DELETE FROM history_items WHERE url LIKE '%/articulo/1_?%'")

    return build_sqlite(fill)[0]


def _messages(count: int) -> list[Message]:
    found = []
    for i in range(count):
        text = f"mensaje {i}: https://site{i % 23}.example.net/p/{i}"
        if i == 211:
            text = "entra a https://smscentro.com/a/b ya"
        found.append(Message(f"6D1E0A77-0000-4000-8000-{i:012d}", T0 + i * 33, text,
                             handle=f"+5255512{i % 61:05d}", chat=f"+5255512{i % 61:05d}",
                             attributed=b"\x04\x0bstreamtyped garbage" if i % 97 == 3 else None,
                             body_only=i % 97 == 3))
    return found


def _backup(tmp_path: Path, *, damaged: bool = False) -> Path:
    builder = BackupBuilder()
    history = _history(900, orphans=True)
    if damaged:
        history = damage_leaf_page(history, "history_visits", position=0.4)[0]
    builder.add_file(*SAFARI, history)
    builder.add_file(*PROFILE, _history(300, orphans=False))
    builder.add_sqlite(*SMS, sms_db(_messages(700)))
    for i in range(120):  # enough Manifest rows to split it too
        builder.add_file("CameraRollDomain", f"Media/DCIM/100APPLE/IMG_{i:04d}.HEIC", b"x")
    return builder.write(tmp_path / "backup")


def _outputs(out: Path) -> dict[str, object]:
    found: dict[str, object] = {
        str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
        if p.is_file() and p.name not in ("info.json", "command.log", "report.html")}
    info = json.loads((out / "info.json").read_text())
    for artifact in info["artifacts"]:
        artifact.pop("seconds")
    found["artifacts"] = info["artifacts"]
    # an archive's members are hashed from private copies, whose folder differs per run
    found["hashes"] = [{k: v for k, v in row.items() if k != "local_path"}
                       for row in info["hashes"]]
    return found


def _scan(root: Path, out: Path, jobs: str) -> tuple[int, dict[str, object]]:
    code = main(["ios", "check-backup", str(root), "-i", str(PEGASUS), "-o", str(out),
                 "-j", jobs])
    assert not list(out.glob(".perito-parts-*"))  # the pieces are cleaned up
    return code, _outputs(out)


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Every file of a splittable artifact is split (parts of a few rows); the plans made
    in the workers are written to the returned file."""
    plans = tmp_path / "plans.txt"
    monkeypatch.setattr(perito.parallel, "PART_BYTES", 1024)
    monkeypatch.setattr(perito.parallel, "MIN_PART_ROWS", 20)

    def recorded(rows: int, count: int) -> list[Part]:
        with plans.open("a") as handle:
            handle.write(f"{rows} {count}\n")
        return parts(rows, count)

    monkeypatch.setattr(perito.parallel, "parts", recorded)
    return plans


def test_parts_give_the_outputs_of_one_process(tmp_path: Path, small_parts: Path) -> None:
    root = _backup(tmp_path)
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    code1, one = _scan(root, tmp_path / "one", "1")
    assert not small_parts.exists()  # one process never splits
    code2, two = _scan(root, tmp_path / "two", "2")
    # Safari, its profile, SMS and the Manifest were split
    assert len(small_parts.read_text().splitlines()) == 4
    code3, three = _scan(root, tmp_path / "three", "3")
    assert code1 == code2 == code3 == 2
    assert one == two == three
    artifacts = {a["id"]: a for a in one["artifacts"]}  # type: ignore[union-attr]
    safari = artifacts["ios.safari.history"]
    assert safari["records"] == 900 + 300 - 10
    # the counting note of the parts adds up to one note, as one process writes it
    assert [n for n in safari["notes"] if "point to no history item" in n] == [
        "HomeDomain/Library/Safari/History.db: 10 visits point to no history item (deleted, "
        "or a damaged history_item): not read"]
    sms = artifacts["ios.sms.messages"]
    assert sms["records"] == 700
    assert any("8 message bodies" in n for n in sms["notes"])
    alerts = json.loads(one["alerts.json"])  # type: ignore[arg-type]
    assert {a["matched_indicator"]["value"] for a in alerts
            if a.get("matched_indicator")} >= {"weather4free.com", "smscentro.com"}
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


def test_a_damaged_database_is_read_whole_and_salvaged(tmp_path: Path,
                                                       small_parts: Path) -> None:
    root = _backup(tmp_path, damaged=True)
    code1, one = _scan(root, tmp_path / "one", "1")
    code2, two = _scan(root, tmp_path / "two", "2")
    assert code1 == code2 == 2  # matches (rows lost on the damaged page alone would be 3)
    assert one == two
    safari = next(a for a in one["artifacts"]  # type: ignore[union-attr]
                  if a["id"] == "ios.safari.history")
    assert safari["state"] == "partial" and "salvaged copy" in safari["problems"][0]
    # the damaged file was not split; the profile database and sms.db were
    assert len(small_parts.read_text().splitlines()) == 3


def test_only_splittable_artifacts_are_shared_out_file_by_file(tmp_path: Path) -> None:
    """An artifact without `split` is one unit, all its files read in order by one worker
    (its source or extractor may carry state across them: intrusion logs drop events read
    from an earlier export); a splittable one is one unit per file."""
    from perito.artifacts.android.catalogue import ANDROID_INTRUSION_LOGS
    from perito.artifacts.ios.catalogue import IOS_BACKUP
    from perito.commands.android import open_intrusion_logs
    from perito.parallel import plan_units
    from perito.sources.ios_backup import IosBackup
    from tests.test_intrusion_logs import _export

    builder = BackupBuilder()
    builder.add_file(*SAFARI, _history(50, orphans=False))
    builder.add_file(*PROFILE, _history(50, orphans=False))
    with IosBackup(builder.write(tmp_path / "backup")) as backup:
        units = plan_units(backup, IOS_BACKUP)
    assert [u.addresses for u in units if IOS_BACKUP[u.artifact].id == "ios.safari.history"] \
        == [("HomeDomain/Library/Safari/History.db",),
            ("HomeDomain/Library/Safari/Profiles/7F1C/History.db",)]
    with open_intrusion_logs(_export(tmp_path)) as logs:
        units = plan_units(logs, ANDROID_INTRUSION_LOGS)  # type: ignore[arg-type]
    several = [u.addresses for u in units if len(u.addresses) > 1]
    assert several and all(not u.splittable for u in units)
    assert len({u.artifact for u in units}) == len(units)  # one unit per artifact


def test_the_manifest_is_read_in_stored_order_also_without_rowid(tmp_path: Path) -> None:
    """The Manifest artifact lists rows as Manifest.db stores them (rowid, or the primary key
    of a WITHOUT ROWID table), so parts need no sort to skip to their rows."""
    from perito.artifacts.ios.manifest import ARTIFACT as MANIFEST
    from perito.sources.ios_backup import IosBackup
    from tests.helpers import extract

    builder = BackupBuilder()
    for name in ("zeta", "alpha", "mid"):
        builder.add_file("HomeDomain", f"Library/{name}.plist", b"x")
    root = builder.write(tmp_path / "backup")
    records, _notes = extract(root, MANIFEST)
    paths = [r.relative_path for r in records]  # type: ignore[attr-defined]
    with IosBackup(root) as backup:
        stored = [row.relative_path for row in backup.stored_rows()]
        part = [row.relative_path for row in backup.stored_rows(Part(1, 2, 1, -1).clause())]
    assert paths == stored and part == stored[1:]
    assert paths.index("Library/zeta.plist") < paths.index("Library/alpha.plist")
    copy = tmp_path / "without-rowid"
    copy.mkdir()
    for item in root.iterdir():
        if item.is_file():
            (copy / item.name).write_bytes(item.read_bytes())
        else:
            (copy / item.name).mkdir()
            for child in item.iterdir():
                (copy / item.name / child.name).write_bytes(child.read_bytes())
    db = sqlite3.connect(copy / "Manifest.db")
    db.executescript("ALTER TABLE Files RENAME TO Old; CREATE TABLE Files (fileID TEXT PRIMARY "
                     "KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB) WITHOUT "
                     "ROWID; INSERT INTO Files SELECT * FROM Old; DROP TABLE Old;")
    db.commit()
    db.close()
    records, _notes = extract(copy, MANIFEST)
    assert sorted(r.relative_path for r in records) == sorted(paths)  # type: ignore[attr-defined]
    with IosBackup(copy) as backup:
        assert [row.file_id for row in backup.stored_rows()] == sorted(
            row.file_id for row in backup.stored_rows())


@pytest.mark.parametrize("form", ["folder", "gz"])
def test_parts_of_a_filesystem_dump(tmp_path: Path, small_parts: Path, form: str) -> None:
    """A dump (folder, or archive read through private copies) read in parts by two workers
    gives what one process gives."""
    from tests.builders.ios_fs import APP_DATA, DumpBuilder
    from tests.test_ios_fs import _write

    dump = DumpBuilder()
    safari = dump.container(APP_DATA, "5E6F7A8B-0000-4000-8000-000000000003",
                            "com.apple.mobilesafari")

    def fill(db: sqlite3.Connection) -> None:
        history_db([Visit(f"https://news{i % 7}.example.org/{i}", T0 + i, f"Nota {i}")
                    for i in range(400)])(db)

    dump.add_sqlite(f"{safari}/Library/Safari/History.db", fill)
    dump.add_sqlite("private/var/mobile/Library/SMS/sms.db", sms_db(_messages(300)))
    target = _write(dump, tmp_path, form)
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}"
        assert main(["ios", "check-fs", str(target), "-i", str(PEGASUS), "-o", str(out),
                     "-j", jobs]) == 2
        outputs.append(_outputs(out))
    assert outputs[0] == outputs[1]
    assert len(small_parts.read_text().splitlines()) == 2  # Safari and SMS were split


def test_parts_of_an_encrypted_backup(tmp_path: Path, small_parts: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Each worker decrypts a file once for all the parts it reads: the encrypted backup read
    in parts gives the records of its plaintext twin read in one process."""
    from tests.builders.ios_encrypted import Encryption, write_encrypted

    builder = BackupBuilder()
    builder.add_file(*SAFARI, _history(300, orphans=True))
    builder.add_sqlite(*SMS, sms_db(_messages(200)))
    encrypted = write_encrypted(builder, tmp_path / "encrypted", Encryption(password="1234"))
    twin = builder.write(tmp_path / "plain")
    monkeypatch.setenv("PERITO_BACKUP_PASSWORD", "1234")
    _code, plain = _scan(twin, tmp_path / "one", "1")
    _code, parted = _scan(encrypted.root, tmp_path / "two", "2")
    assert len(small_parts.read_text().splitlines()) >= 2
    for name in ("records/ios.safari.history.jsonl", "records/ios.sms.messages.jsonl",
                 "alerts.json", "timeline.csv"):
        assert parted[name] == plain[name], name


def _report_data(page: Path) -> list[object]:
    found = re.findall(r'<script[^>]*type="application/json"[^>]*>(.*?)</script>',
                       page.read_text(encoding="utf-8"), flags=re.S)
    return [json.loads(text) for text in found]


def test_the_redacted_report_reads_records_joined_from_their_parts(
        tmp_path: Path, small_parts: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Records read in parts are joined beside the report process, except when the redacted
    report (which reads every records file) is wanted: then first (joining slowed down here,
    so that a report process that did not wait would read a file still missing parts)."""
    append = perito.parallel._append
    slowed: list[Path] = []

    def slow(path: Path, joined: Any) -> None:
        if not slowed:  # once: longer than the report process takes to reach the records
            slowed.append(path)
            time.sleep(1.5)
        append(path, joined)

    monkeypatch.setattr(perito.parallel, "_append", slow)
    root = _backup(tmp_path)
    pages = []
    for jobs in ("1", "2"):
        out = tmp_path / f"redacted-{jobs}"
        assert main(["ios", "check-backup", str(root), "-i", str(PEGASUS), "-o", str(out),
                     "-j", jobs, "--redact"]) == 2
        assert not list(out.glob(".perito-parts-*"))
        pages.append(_report_data(out / "report-redacted.html"))
        assert (out / "records" / "ios.safari.history.jsonl").read_bytes() == \
            (tmp_path / "redacted-1" / "records" / "ios.safari.history.jsonl").read_bytes()
    assert len(small_parts.read_text().splitlines()) == 4  # the -j 2 run read files in parts
    assert pages[0] and pages[0] == pages[1]
