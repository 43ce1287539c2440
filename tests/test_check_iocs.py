"""`perito check-iocs`: saved results re-matched without the evidence give a scan's matches."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from perito.cli import main
from tests.builders.incumbent_results import (
    alert,
    datausage_process,
    manifest_entry,
    safari_visit,
    sms_message,
    write_results,
)
from tests.builders.ios.datausage import Process, datausage_db
from tests.builders.ios.safari import Visit, history_db
from tests.builders.ios.sms import Message, sms_db
from tests.builders.ios_backup import BackupBuilder
from tests.builders.stix import pattern, single_malware_bundle
from tests.paths import SHARED_IOCS

PEGASUS = SHARED_IOCS / "amnesty" / "pegasus.stix2"
T0 = 1_709_154_845.0
URLS = ["https://weather4free.com/f/a?x=1", "https://cdn.smscentro.com/l",
        "https://wweather4free.com/", "https://news.example.org/?ref=tookcheckout.com",
        "https://later-known.example/landing"]
EMAIL = "bogaardlisa803@gmail.com"
SMS_LINK = "https://www.weather4free.com/x"
PROCESS = "accountpfd"
PREFS = "Library/Preferences/roleaccountd.plist"


def _backup(tmp_path: Path) -> Path:
    builder = BackupBuilder()
    builder.add_sqlite("HomeDomain", "Library/Safari/History.db", history_db(
        [Visit(url, T0 + 5 * n) for n, url in enumerate(URLS)]))
    builder.add_sqlite("HomeDomain", "Library/SMS/sms.db", sms_db([
        Message("8A1E6C12-0001", T0 + 100, f"mira {SMS_LINK}", handle=EMAIL),
        Message("8A1E6C12-0002", T0 + 200, "nada", handle="+15550100")]))
    builder.add_sqlite("WirelessDomain", "Library/Databases/DataUsage.sqlite", datausage_db(
        [Process(1, PROCESS, None, T0, T0 + 60), Process(2, "nehelper", None, T0, T0 + 60)],
        []))
    builder.add_file("RootDomain", PREFS, b"bplist00")
    return builder.write(tmp_path / "backup")


def _incumbent_folder(tmp_path: Path) -> Path:
    """What the incumbent saves for the same backup (its alerts.json cut to one match)."""
    visits = [safari_visit(n + 1, url, T0 + 5 * n) for n, url in enumerate(URLS)]
    return write_results(tmp_path / "mvt-results", alerts=[
        alert("safari_history", "weather4free.com", "domains", visits[0])], modules={
        "safari_history": visits,
        "sms": [sms_message(1, f"mira {SMS_LINK}", EMAIL, T0 + 100, [SMS_LINK]),
                sms_message(2, "nada", "+15550100", T0 + 200, [])],
        "datausage": [datausage_process(1, PROCESS, None, T0),
                      datausage_process(2, "nehelper", None, T0)],
        "manifest": [manifest_entry("HomeDomain", "Library/Safari/History.db", T0),
                     manifest_entry("RootDomain", PREFS, T0)],
        "backup_info": {"Device Name": "iPhone", "Product Version": "17.4"},
    })


def _matches(folder: Path) -> set[tuple[str, str]]:
    alerts = json.loads((folder / "alerts.json").read_text())
    return {(a["module"], a["matched_indicator"]["value"]) for a in alerts
            if a["matched_indicator"] and "suppressed" not in a["perito"]}


def _words(text: str) -> str:
    """Console text without the line breaks of its wrapping."""
    return " ".join(text.split())


def _snapshot(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def scanned(tmp_path: Path) -> tuple[Path, set[tuple[str, str]]]:
    out = tmp_path / "scan"
    assert main(["ios", "check-backup", str(_backup(tmp_path)), "-i", str(PEGASUS),
                 "-o", str(out), "-j", "1"]) == 2
    matches = _matches(out)
    assert {("safari_history", "weather4free.com"), ("safari_history", "smscentro.com"),
            ("sms", EMAIL), ("sms", "weather4free.com"), ("datausage", PROCESS),
            ("manifest", "roleaccountd.plist")} <= matches
    return out, matches


def test_a_saved_perito_result_gives_the_scans_alerts(
        tmp_path: Path, scanned: tuple[Path, set[tuple[str, str]]]) -> None:
    saved, _matches_seen = scanned
    before = _snapshot(saved)
    out = tmp_path / "recheck"
    assert main(["check-iocs", str(saved), "-i", str(PEGASUS), "-o", str(out)]) == 2
    assert json.loads((out / "alerts.json").read_text()) == \
        json.loads((saved / "alerts.json").read_text())
    assert (out / "timeline.csv").read_bytes() == (saved / "timeline.csv").read_bytes()
    info = json.loads((out / "info.json").read_text())
    assert info["recheck"]["new_matches"] == []
    assert info["acquisition_kind"] == "perito-results"
    assert info["recheck"]["format"] == "perito-results"
    assert {h["file_path"] for h in info["hashes"]} >= {"records/ios.safari.history.jsonl"}
    assert _snapshot(saved) == before  # the saved results are evidence too


def test_new_indicators_find_what_the_scan_could_not(
        tmp_path: Path, scanned: tuple[Path, set[tuple[str, str]]]) -> None:
    saved, matches = scanned
    newer = single_malware_bundle(tmp_path / "newer.stix2", "LaterSpy",
                                  [pattern("domain-name:value", "later-known.example")])
    out = tmp_path / "recheck"
    assert main(["check-iocs", str(saved), "-i", str(newer), "-o", str(out)]) == 2
    assert _matches(out) == {("safari_history", "later-known.example")}
    assert ("safari_history", "later-known.example") not in matches
    recheck = json.loads((out / "info.json").read_text())["recheck"]
    assert recheck["new_matches"] == [["safari_history", "later-known.example"]]
    assert recheck["saved_matches"] == len(matches)


def test_an_incumbent_folder_gives_the_scans_matches(
        tmp_path: Path, scanned: tuple[Path, set[tuple[str, str]]]) -> None:
    _saved, matches = scanned
    folder = _incumbent_folder(tmp_path)
    before = _snapshot(folder)
    out = tmp_path / "recheck"
    assert main(["check-iocs", str(folder), "-i", str(PEGASUS), "-o", str(out)]) == 2
    assert _matches(out) == matches
    alerts = json.loads((out / "alerts.json").read_text())
    safari = next(a for a in alerts if a["matched_indicator"]
                  and a["matched_indicator"]["value"] == "weather4free.com"
                  and a["module"] == "safari_history")
    assert safari["event"]["entry"]["url"] == URLS[0]
    assert safari["event_time"] == "2024-02-28 21:14:05.000000"
    manifest = next(a for a in alerts if a["module"] == "manifest")
    assert manifest["level"] == "HIGH"
    info = json.loads((out / "info.json").read_text())
    assert info["recheck"]["format"] == "incumbent-results"
    assert any("backup_info.json" in note for note in info["recheck"]["notes"])
    assert _snapshot(folder) == before


def test_allowlist_suppresses_but_keeps_the_match(
        tmp_path: Path, scanned: tuple[Path, set[tuple[str, str]]]) -> None:
    saved, matches = scanned
    allowlist = tmp_path / "allow.txt"
    allowlist.write_text("# reviewed 2026-12-01\n"
                         "domain weather4free.com  # the analyst's own test visit\n"
                         f"path /private/var/root/{PREFS}\n", encoding="utf-8")
    out = tmp_path / "recheck"
    assert main(["check-iocs", str(saved), "-i", str(PEGASUS), "-o", str(out),
                 "--allowlist", str(allowlist)]) == 2
    assert _matches(out) == matches - {("safari_history", "weather4free.com"),
                                       ("sms", "weather4free.com"),
                                       ("manifest", "roleaccountd.plist")}
    alerts = json.loads((out / "alerts.json").read_text())
    allowed = [a for a in alerts if "suppressed" in a["perito"]]
    assert {(a["module"], a["matched_indicator"]["value"]) for a in allowed} == {
        ("safari_history", "weather4free.com"), ("sms", "weather4free.com"),
        ("manifest", "roleaccountd.plist")}
    assert all(a["level"] == "INFORMATIONAL" for a in allowed)
    safari = next(a for a in allowed if a["module"] == "safari_history")
    assert "the analyst's own test visit" in safari["perito"]["suppressed"]
    info = json.loads((out / "info.json").read_text())
    assert info["allowlist"]["entries"] == 2


def test_everything_allowed_is_exit_zero(tmp_path: Path) -> None:
    folder = write_results(tmp_path / "mvt", {"safari_history": [
        safari_visit(1, URLS[0], T0)]})
    allowlist = tmp_path / "allow.txt"
    allowlist.write_text("domain weather4free.com\n", encoding="utf-8")
    assert main(["check-iocs", str(folder), "-i", str(PEGASUS), "-o", str(tmp_path / "o"),
                 "--allowlist", str(allowlist)]) == 0
    assert main(["check-iocs", str(folder), "-i", str(PEGASUS), "-o", str(tmp_path / "o2")]) == 2


@pytest.mark.parametrize("line", ["weather4free.com", "colour red", "domain"])
def test_a_bad_allowlist_line_is_a_clear_error(tmp_path: Path, line: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    folder = write_results(tmp_path / "mvt", {"safari_history": []})
    allowlist = tmp_path / "allow.txt"
    allowlist.write_text(f"{line}\n", encoding="utf-8")
    assert main(["check-iocs", str(folder), "-o", str(tmp_path / "o"),
                 "--allowlist", str(allowlist)]) == 1
    assert "allow.txt, line 1" in _words(capsys.readouterr().err)


def test_damaged_saved_files_are_reported_and_the_rest_is_checked(tmp_path: Path) -> None:
    folder = write_results(tmp_path / "mvt", {"safari_history": [safari_visit(1, URLS[0], T0)],
                                              "datausage": []})
    (folder / "datausage.json").write_text("[{\"proc_name\": ", encoding="utf-8")
    out = tmp_path / "o"
    assert main(["check-iocs", str(folder), "-i", str(PEGASUS), "-o", str(out)]) == 2
    info = json.loads((out / "info.json").read_text())
    states = {a["id"]: a["state"] for a in info["artifacts"]}
    assert states["ios.datausage.processes"] == "failed"
    (problem,) = next(a["problems"] for a in info["artifacts"]
                      if a["id"] == "ios.datausage.processes")
    assert problem.startswith("datausage.json: not a readable JSON result file")
    assert _matches(out) == {("safari_history", "weather4free.com")}


def test_damaged_perito_record_lines_are_skipped_with_a_note(
        tmp_path: Path, scanned: tuple[Path, set[tuple[str, str]]]) -> None:
    saved, _matches_seen = scanned
    copy = tmp_path / "copy"
    (copy / "records").mkdir(parents=True)
    lines = (saved / "records" / "ios.safari.history.jsonl").read_bytes().splitlines()
    (copy / "records" / "ios.safari.history.jsonl").write_bytes(
        b"\n".join([b"{broken", b'{"record_type": "Nope"}', *lines]) + b"\n")
    # records an artifact this perito does not list wrote (a newer perito), of a known type
    (copy / "records" / "ios.newer.thing.jsonl").write_bytes(b"\n".join([b"{}", *lines]))
    out = tmp_path / "o"
    assert main(["check-iocs", str(copy), "-i", str(PEGASUS), "-o", str(out)]) == 2
    info = json.loads((out / "info.json").read_text())
    (safari,) = [a for a in info["artifacts"] if a["id"] == "ios.safari.history"]
    assert safari["records"] == len(lines)
    assert any("2 lines" in note for note in safari["notes"])
    assert any("ios.newer.thing" in note for note in info["recheck"]["notes"])
    (newer,) = [a for a in info["artifacts"] if a["id"] == "ios.newer.thing"]
    assert newer["records"] == len(lines) and any("1 lines" in n for n in newer["notes"])
    assert ("thing", "weather4free.com") in _matches(out)


def test_not_a_result_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty").mkdir()
    assert main(["check-iocs", str(tmp_path / "empty")]) == 1
    assert "not a result folder" in _words(capsys.readouterr().err)
    assert main(["check-iocs", str(tmp_path / "missing")]) == 1


def test_output_inside_the_results_is_refused(tmp_path: Path) -> None:
    folder = write_results(tmp_path / "mvt", {"safari_history": []})
    assert main(["check-iocs", str(folder), "-o", str(folder / "again")]) == 1
    assert not (folder / "again").exists()


def test_incumbent_shapes_that_are_not_plain_lists(tmp_path: Path) -> None:
    """Links only in the text, a dict of lists with mappings inside, placeholder rows."""
    folder = write_results(tmp_path / "mvt", {
        "sms": [sms_message(1, "abre https://weather4free.com/a.", "+15550100", T0, [])],
        "webkit_session_resource_log": {"a5/a500ee38053454a02e990957be8a251935e28d3f": [{
            "origin": "news.example.org",
            "redirect_source": [{"origin": "smscentro.com"}],
            "redirect_destination": ["tookcheckout.com"],
            "subframe_under_origin": "", "subresource_under_origin": "",
            "user_interaction": False, "last_seen": "2024-02-28 21:14:05.000000"}]},
        "datausage": [{**datausage_process(7, "MISSING [follows accountpfd]", None, T0),
                       "proc_id": 7}],
    })
    out = tmp_path / "o"
    assert main(["check-iocs", str(folder), "-i", str(PEGASUS), "-o", str(out)]) == 2
    assert _matches(out) == {("sms", "weather4free.com"),
                             ("webkit_session_resource_log", "smscentro.com"),
                             ("webkit_session_resource_log", "tookcheckout.com")}


def test_an_android_incumbent_folder_against_echap_and_cytrox(tmp_path: Path) -> None:
    cert = "31A6ECECD97CF39BC4126B8745CD94A7C30BF81C"  # TheTruthSpy's, in Echap's ioc.yaml
    folder = write_results(tmp_path / "mvt-android", {
        "aqf_packages": [{"name": "com.example.notes", "installer": "com.android.vending",
                          "files": [{"path": "/data/app/base.apk", "sha256": "00" * 32,
                                     "certificate": {"Sha1": cert.lower(), "Md5": "11" * 16,
                                                     "Sha256": "22" * 32}}]},
                         {"name": "com.thetruth", "installer": None, "files": []}],
        "aqf_processes": [{"proc_name": "com.thetruth:remote", "pid": 812, "user": "u0_a91"}],
    })
    out = tmp_path / "o"
    assert main(["check-iocs", str(folder), "-i", str(SHARED_IOCS / "echap" / "ioc.yaml"),
                 "-o", str(out)]) == 2
    alerts = json.loads((out / "alerts.json").read_text())
    found = {(a["module"], a["matched_indicator"]["value"], a["matched_indicator"]["name"])
             for a in alerts if a["matched_indicator"]}
    assert found == {("aqf_packages", cert.lower(), "TheTruthSpy"),
                     ("aqf_packages", "com.thetruth", "TheTruthSpy"),
                     ("aqf_processes", "com.thetruth", "TheTruthSpy")}  # package:process
    info = json.loads((out / "info.json").read_text())
    assert info["recheck"]["platform"] == "android"


def test_incumbent_values_are_read_as_perito_reads_the_artifact(tmp_path: Path) -> None:
    """Profiles through perito's own profile reader, `~` attachment paths, tcc paths, WebKit
    origins in Manifest paths, locationd keys."""
    cytrox = SHARED_IOCS / "amnesty" / "cytrox.stix2"
    spy = single_malware_bundle(tmp_path / "spy.stix2", "ExampleSpy", [
        pattern("file:path", "/private/var/mobile/Library/SMS/Attachments/ab/11/x/evil.gif"),
        pattern("process:name", "exampled"), pattern("process:name", "helperd"),
        pattern("domain-name:value", "weather4free.com")])
    folder = write_results(tmp_path / "mvt", {
        "configuration_profiles": [{"file_id": "f", "relative_path": "x.plist",
                                    "domain": "SysSharedContainerDomain-systemgroup.com.apple"
                                              ".configurationprofiles",
                                    "plist": {"PayloadUUID": "76dab334-7e17-475d-a5d6-"
                                                             "0794eb5818a5",
                                              "PayloadContent": []},
                                    "install_date": "2024-02-28 21:14:05.000000"}],
        "sms_attachments": [{"attachment_id": 1, "filename": "~/Library/SMS/Attachments/ab/"
                                                             "11/x/evil.gif",
                             "transfer_name": "evil.gif", "phone_number": "+15550100",
                             "isodate": "2024-02-28 21:14:05.000000"}],
        "tcc": [{"service": "kTCCServiceCamera", "client": "/usr/libexec/exampled",
                 "client_type": "absolute_path", "auth_value": "allowed"}],
        "locationd_clients": [{"package": "com.apple.locationd.executable-/usr/libexec/helperd",
                               "BundlePath": "/System/Library/LocationBundles/x.bundle"}],
        "manifest": [manifest_entry("HomeDomain", "Library/WebKit/WebsiteData/LocalStorage/"
                                    "https_weather4free.com_0.localstorage", T0)],
    })
    out = tmp_path / "o"
    assert main(["check-iocs", str(folder), "-i", str(cytrox), "-i", str(spy),
                 "-o", str(out)]) == 2
    assert _matches(out) == {
        ("configuration_profiles", "76DAB334-7E17-475D-A5D6-0794EB5818A5"),
        ("sms_attachments", "/private/var/mobile/Library/SMS/Attachments/ab/11/x/evil.gif"),
        ("tcc", "exampled"), ("locationd_clients", "helperd"),
        ("manifest", "weather4free.com")}


def test_plain_lists_with_a_type(tmp_path: Path) -> None:
    folder = write_results(tmp_path / "mvt", {"datausage": [
        datausage_process(1, "exampled", None, T0), datausage_process(2, "nehelper", None, T0)]})
    listed = tmp_path / "processes-2026.list"
    listed.write_text("# ExampleSpy, 2026\nexampled\n", encoding="utf-8")
    out = tmp_path / "o"
    assert main(["check-iocs", str(folder), "-i", str(listed), "--type", "process",
                 "-o", str(out)]) == 2
    assert _matches(out) == {("datausage", "exampled")}
    assert main(["check-iocs", str(folder), "-i", str(listed), "-o", str(tmp_path / "o2")]) == 0


def test_a_folder_of_past_cases(tmp_path: Path, scanned: tuple[Path, set[tuple[str, str]]],
                                capsys: pytest.CaptureFixture[str]) -> None:
    saved, matches = scanned
    cases = tmp_path / "cases"
    cases.mkdir()
    saved.rename(cases / "2024-03-case-a")
    _incumbent_folder(cases / "x").rename(cases / "2023-11-case-b")
    (cases / "notes").mkdir()  # not a result folder: left alone
    out = tmp_path / "out"
    capsys.readouterr()
    assert main(["check-iocs", str(cases), "-i", str(PEGASUS), "-o", str(out)]) == 2
    assert sorted(p.name for p in out.iterdir()) == ["2023-11-case-b", "2024-03-case-a"]
    assert _matches(out / "2024-03-case-a") == _matches(out / "2023-11-case-b") == matches
    text = _words(capsys.readouterr().out)
    assert "2 result folders re-checked:" in text
    assert "No match that the saved results did not already have." in text
    # the incumbent's saved alerts.json holds one match: the others are new there
    recheck = json.loads((out / "2023-11-case-b" / "info.json").read_text())["recheck"]
    assert recheck["saved_matches"] == 1
    assert len(recheck["new_matches"]) == len(matches) - 1
    assert ["sms", EMAIL] in recheck["new_matches"]


def test_a_recheck_output_points_to_its_origin(
        tmp_path: Path, scanned: tuple[Path, set[tuple[str, str]]],
        capsys: pytest.CaptureFixture[str]) -> None:
    saved, _matches_seen = scanned
    out = tmp_path / "recheck"
    main(["check-iocs", str(saved), "-i", str(PEGASUS), "-o", str(out)])
    capsys.readouterr()
    assert main(["check-iocs", str(out), "-o", str(tmp_path / "again")]) == 1
    assert f"re-check the folder it came from ({saved.resolve()})" in _words(
        capsys.readouterr().err)
    empty = tmp_path / "empty-scan"
    empty.mkdir()
    (empty / "info.json").write_text(json.dumps({"perito_version": "0.1.0",
                                                 "acquisition_kind": "ios-backup"}))
    assert main(["check-iocs", str(empty), "-i", str(PEGASUS), "-o", str(tmp_path / "o")]) == 0


@pytest.mark.parametrize(("name", "text"), [
    ("allow.txt", "domains\tweather4free.com\n"),
    ("allow.txt", "domain: weather4free.com\n"),
    ("allow.txt", "domain:weather4free.com  # our test visit\n"),
    ("allow.yaml", "domains:\n  - weather4free.com\napp_ids: []\n"),
    ("allow.yml", "domain:\n  - value: weather4free.com\n    reason: our test visit\n"),
    ("allow.json", '{"domains": ["weather4free.com"], "paths": ["/private/var/x"]}'),
])
def test_allowlist_spellings(tmp_path: Path, name: str, text: str) -> None:
    folder = write_results(tmp_path / "mvt", {"safari_history": [safari_visit(1, URLS[0], T0)]})
    allowlist = tmp_path / name
    allowlist.write_text(text, encoding="utf-8")
    assert main(["check-iocs", str(folder), "-i", str(PEGASUS), "-o", str(tmp_path / "o"),
                 "--allowlist", str(allowlist)]) == 0
    (alert_object,) = json.loads((tmp_path / "o" / "alerts.json").read_text())
    assert alert_object["level"] == "INFORMATIONAL" and alert_object["perito"]["suppressed"]


@pytest.mark.parametrize(("name", "text"), [
    ("allow.yaml", "- weather4free.com\n"), ("allow.yaml", "colours: [red]\n"),
    ("allow.json", "{not json"), ("allow.yaml", "domains: [\"\"]\n")])
def test_bad_structured_allowlists(tmp_path: Path, name: str, text: str,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    folder = write_results(tmp_path / "mvt", {"safari_history": []})
    allowlist = tmp_path / name
    allowlist.write_text(text, encoding="utf-8")
    assert main(["check-iocs", str(folder), "-o", str(tmp_path / "o"),
                 "--allowlist", str(allowlist)]) == 1
    assert name in capsys.readouterr().err


def test_a_scan_applies_the_allowlist_too(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    allowlist = tmp_path / "allow.txt"
    allowlist.write_text("domain weather4free.com\ndomain smscentro.com\n"
                         f"email {EMAIL}\nprocess {PROCESS}\nfile_name roleaccountd.plist\n",
                         encoding="utf-8")
    out = tmp_path / "scan"
    capsys.readouterr()
    assert main(["ios", "check-backup", str(_backup(tmp_path)), "-i", str(PEGASUS),
                 "-o", str(out), "-j", "1", "--allowlist", str(allowlist)]) == 0
    alerts = json.loads((out / "alerts.json").read_text())
    allowed = [a for a in alerts if a["matched_indicator"]]
    assert len(allowed) == 6 and all("suppressed" in a["perito"] for a in allowed)
    info = json.loads((out / "info.json").read_text())
    assert info["indicator_matches"] == 0 and info["allowlist"]["entries"] == 5
    assert "6 matches suppressed by the allowlist" in _words(capsys.readouterr().out)


def test_older_incumbent_slugs(tmp_path: Path) -> None:
    """Before the `aqf_` prefix the incumbent wrote packages.json, processes.json…"""
    folder = write_results(tmp_path / "mvt-old", {
        "packages": [{"name": "com.thetruth", "installer": "null", "files": []}],
        "processes": [{"proc_name": "com.thetruth:push", "pid": 1}]})
    out = tmp_path / "o"
    assert main(["check-iocs", str(folder), "-i", str(SHARED_IOCS / "echap" / "ioc.yaml"),
                 "-o", str(out)]) == 2
    assert _matches(out) == {("packages", "com.thetruth"), ("processes", "com.thetruth")}
    assert json.loads((out / "info.json").read_text())["recheck"]["platform"] == "android"
