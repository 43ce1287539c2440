"""Format corners of Android evidence: zip extra times, NDJSON, size limits, links, splitter."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

import pytest

from perito.artifacts.android import copied_files, files, getprop
from perito.artifacts.android.copied_files import CopiedFile
from perito.artifacts.android.files import AndroidFileEntry
from perito.extract.dumpsys import section_names, sections, system_properties
from perito.extract.getprop import parse_properties, property_value
from perito.sources import android_tree
from perito.sources.locations import AndroidFile
from tests.android_scan import androidqf, records_of, scan_tree
from tests.builders.android.androidqf import SEPARATOR, Androidqf, Bugreport, section


def test_zip_extended_timestamp_is_utc(tmp_path: Path) -> None:
    path = Androidqf().write_zip(tmp_path / "acq.zip")
    info = zipfile.ZipInfo("logs/proc/last_kmsg", date_time=(2024, 3, 1, 10, 5, 0))
    info.extra = struct.pack("<HHBi", 0x5455, 5, 1, 1709280000)  # mtime flag, unix seconds
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(info, b"kernel")
    with androidqf(path) as source:
        [copy] = [r for r in records_of(source, copied_files.ARTIFACT)
                  if isinstance(r, CopiedFile)]
    assert copy.device_path == "/proc/last_kmsg"
    assert copy.modified.utc == "2024-03-01T08:00:00.000000+00:00"
    assert copy.modified.encoding == "unix_s"


def test_files_json_as_ndjson_with_a_bad_line(tmp_path: Path) -> None:
    folder = Androidqf().write_folder(tmp_path / "acq")
    lines = [json.dumps({"path": f"/sdcard/f{n}", "mode": "-rw-r--r--", "size": n,
                         "modified_time": 1709280000 + n}) for n in range(3)]
    (folder / "files.json").write_text("\n".join([*lines[:2], "{broken", lines[2]]) + "\n")
    result = scan_tree(androidqf(folder), artifacts=[files.ARTIFACT])
    [status] = result.statuses
    assert status.records == 3 and any("1 lines that are not JSON" in n for n in status.notes)
    entries = [r for r in records_of(androidqf(folder), files.ARTIFACT)
               if isinstance(r, AndroidFileEntry)]
    assert [e.path for e in entries] == ["/sdcard/f0", "/sdcard/f1", "/sdcard/f2"]


def test_a_member_past_the_size_limit_is_refused_not_read(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    path = Androidqf().write_zip(tmp_path / "acq.zip")
    monkeypatch.setattr(android_tree, "MAX_READ", 64)
    result = scan_tree(androidqf(path), artifacts=[getprop.ARTIFACT])
    [status] = result.statuses
    assert status.state == "failed"
    assert "refused" in status.problems[0] and "limit" in status.problems[0]


def test_links_in_an_acquisition_folder_are_not_followed(tmp_path: Path) -> None:
    folder = Androidqf().write_folder(tmp_path / "acq")
    secret = tmp_path / "secret.txt"
    secret.write_text("outside the acquisition")
    (folder / "logs").mkdir()
    (folder / "logs" / "escape").symlink_to(secret)
    with androidqf(folder) as source:
        names = {e.address for e in source.find(AndroidFile("*"))}
    assert "logs/escape" not in names and "getprop.txt" in names


def test_section_splitter_and_properties_block() -> None:
    text = (Bugreport().dumpstate() + section("dbinfo", "body one") +
            section("dbinfo", "body two", priority="HIGH")).encode()
    assert section_names(text)[:2] == ["package", "dbinfo"]
    bodies = list(sections(text, "dbinfo"))
    assert [b.strip().splitlines()[0] for b in bodies] == ["body one", "body two"]
    assert all(SEPARATOR not in b for b in bodies)
    block = system_properties(text)
    assert block is not None and "[persist.sys.timezone]: [Europe/Madrid]" in block
    assert "DUMP OF SERVICE" not in block
    assert property_value(text, "persist.sys.timezone") == "Europe/Madrid"
    assert property_value(text, "ro.absent") is None
    assert system_properties(b"no block here") is None


def test_getprop_unterminated_value_at_the_end_is_kept() -> None:
    assert list(parse_properties("[a]: [1]\nnoise\n[b]: [two\nlines")) == [
        ("a", "1"), ("b", "two\nlines")]


def test_links_in_logcat_and_kernel_logs_match_domain_indicators(tmp_path: Path) -> None:
    from perito.artifacts.android import log_links
    from perito.artifacts.android.log_links import LogLink
    from tests.builders.stix import pattern, single_malware_bundle

    logcat = ("03-01 10:00:01.123  812  830 I ExampleTag: start\n"
              "03-01 10:00:02.000  812  830 D Net: GET https://cdn.example-bad.net/p/4411.\n"
              "03-01 10:00:03.000  812  830 D Net: GET https://cdn.example-bad.net/p/4411\n"
              "03-01 10:00:04.000  900  901 I Other: see http://docs.example.org/x)\n")
    built = Androidqf(extra={"logcat.txt": logcat.encode(),
                             "logs/proc/last_kmsg": b"\x00\x01binary https://x.example.com/"})
    source = androidqf(built.write_folder(tmp_path / "acq"))
    links = [r for r in records_of(source, log_links.ARTIFACT) if isinstance(r, LogLink)]
    assert [(r.url, r.line, r.occurrences) for r in links] == [
        ("https://cdn.example-bad.net/p/4411", 2, 2), ("http://docs.example.org/x", 4, 1)]
    bundle = single_malware_bundle(tmp_path / "feed.stix2", "Bad",
                                   [pattern("domain-name:value", "example-bad.net")])
    result = scan_tree(source, [bundle], artifacts=[log_links.ARTIFACT])
    assert [d.match.indicator.value for d in result.detections if d.match] == [
        "example-bad.net"]
    assert any("binary file" in n for s in result.statuses for n in s.notes)


def test_a_damaged_member_fails_alone_and_the_scan_goes_on(tmp_path: Path) -> None:
    from perito.artifacts.android import hashes, packages
    from perito.artifacts.android.hashes import HashCheck

    path = Androidqf().write_zip(tmp_path / "acq.zip")
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("getprop.txt")
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for offset in range(start + 2, start + 12):
        data[offset] ^= 0x5A  # flip bits inside the deflated stream
    path.write_bytes(bytes(data))
    with androidqf(path) as source:
        result = scan_tree(source, artifacts=[getprop.ARTIFACT, packages.ARTIFACT,
                                              hashes.ARTIFACT])
        checks = {r.name: r.status for r in records_of(source, hashes.ARTIFACT)
                  if isinstance(r, HashCheck)}
    states = {s.id: s for s in result.statuses}
    assert states["android.androidqf.getprop"].state == "failed"
    assert "damaged in the archive" in states["android.androidqf.getprop"].problems[0]
    assert states["android.androidqf.packages"].state == "read"
    assert checks["getprop.txt"] == "unreadable" and checks["packages.json"] == "ok"


def test_year_less_dbinfo_times_take_the_dump_year() -> None:
    from perito.artifacts.android.dumpsys_dbinfo import with_year

    assert with_year("02-28 21:14:04.000", "2024-03-01 10:00:00") == "2024-02-28 21:14:04.000"
    assert with_year("12-31 23:59:59.000", "2025-01-01 00:10:00") == "2024-12-31 23:59:59.000"
    assert with_year("2023-05-01 10:00:00.000", "2025-01-01 00:10:00") == (
        "2023-05-01 10:00:00.000")
    assert with_year("02-28 21:14:04.000", "") == "02-28 21:14:04.000"


def test_a_broken_nested_bugreport_is_reported(tmp_path: Path) -> None:
    from perito.artifacts.android import dumpstate, root_binaries
    from perito.artifacts.android.root_binaries import RootBinary

    built = Androidqf(root_binaries=["/system/xbin/su"], extra={"bugreport.zip": b"PK\x03\x04cut"})
    folder = built.write_folder(tmp_path / "acq")
    (folder / "root_binaries.json").write_text('[null, 5, "/system/xbin/su"]')
    source = androidqf(folder)
    result = scan_tree(source, artifacts=[dumpstate.ARTIFACT, root_binaries.ARTIFACT])
    states = {s.id: s for s in result.statuses}
    assert states["android.bugreport.dumpstate"].state == "failed"
    assert "not a readable zip" in states["android.bugreport.dumpstate"].problems[0]
    assert [r.path for r in records_of(source, root_binaries.ARTIFACT)
            if isinstance(r, RootBinary)] == ["/system/xbin/su"]


def test_damaged_battery_history_marks_leave_times_unknown(tmp_path: Path) -> None:
    from perito.artifacts.android import dumpsys_batterystats
    from perito.artifacts.android.dumpsys_batterystats import BatteryHistoryEvent

    body = ("Battery History (1% used):\n"
            "                    0 (15) RESET:TIME: 2024-02-30-10-00-00\n"
            "        +1h00m00s000ms (2) 099 +job=u0a231:\"com.example.notes/.SyncJob\"\n"
            "   +99999999999999999h (2) 099 TIME: 2024-02-27-10-00-00 +top=u0a1:\"com.a.b\"\n")
    built = Bugreport(sections={"batterystats": body})
    path = built.write_zip(tmp_path / "bugreport.zip")
    from tests.android_scan import bugreport

    with bugreport(path) as source:
        events = [r for r in records_of(source, dumpsys_batterystats.ARTIFACT)
                  if isinstance(r, BatteryHistoryEvent)]
    assert [(e.package_name, e.time.ok) for e in events] == [("com.example.notes", False),
                                                             ("com.a.b", True)]


def test_browser_history_of_rooted_phones_with_its_write_ahead_log(tmp_path: Path) -> None:
    import shutil
    import sqlite3

    from perito.artifacts.android import browser_history
    from tests.builders.ios.chrome import T0, ChromeVisitRow, history_db

    work = tmp_path / "db"
    work.mkdir()
    database = work / "History"
    connection = sqlite3.connect(database)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA wal_autocheckpoint=0")
    history_db("v70", [ChromeVisitRow("https://news.example.org/a", T0)])(connection)
    connection.commit()
    later = [ChromeVisitRow("https://only-in-wal.example.net/x", T0 + 60)]
    connection.execute("INSERT INTO urls (url, title, visit_count, typed_count, "
                       "last_visit_time, hidden) VALUES (?, '', 1, 0, 0, 0)",
                       (later[0].url,))
    connection.execute("INSERT INTO visits (id, url, visit_time, from_visit, transition, "
                       "segment_id, visit_duration) VALUES (2, 2, 13352628905000000, 0, 0, 0, 0)")
    connection.commit()
    folder = Androidqf().write_folder(tmp_path / "acq")
    target = folder / "browser_history" / "com.android.chrome" / "Default"
    target.mkdir(parents=True)
    for suffix in ("", "-wal"):
        shutil.copyfile(work / f"History{suffix}", target / f"History{suffix}")
    connection.close()
    before = {p.name: p.read_bytes() for p in target.iterdir()}
    source = androidqf(folder)
    result = scan_tree(source, artifacts=[browser_history.ARTIFACT])
    urls = [getattr(r, "url", "") for r in records_of(source, browser_history.ARTIFACT)]
    assert sorted(urls) == ["https://news.example.org/a", "https://only-in-wal.example.net/x"]
    assert any("write-ahead log applied" in n for s in result.statuses for n in s.notes)
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before  # evidence unchanged
