"""Sysdiagnose archives: shutdown.log (old and iOS 26 forms), ps.txt, .ips, the capture name."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import perito.analysis  # noqa: F401  (registers the heuristics)
from perito.artifacts.ios import process_paths
from perito.artifacts.ios.catalogue import IOS_SYSDIAGNOSE
from perito.artifacts.ios.crash_reports import CrashReport, JetsamProcess, ips_time
from perito.artifacts.ios.crash_reports import parse as parse_ips
from perito.artifacts.ios.process_list import RunningProcess
from perito.artifacts.ios.process_list import parse as parse_ps
from perito.artifacts.ios.shutdown_log import (
    ShutdownClient,
    ShutdownLogFile,
    ShutdownReboot,
)
from perito.artifacts.ios.shutdown_log import parse as parse_shutdown
from perito.artifacts.ios.sysdiagnose_capture import from_name
from perito.cli import main
from perito.detections import analyse
from perito.levels import Level
from perito.records import Record
from tests.builders.sysdiagnose import (
    NAME,
    T0,
    Proc,
    Reboot,
    SysdiagnoseBuilder,
    crash_ips,
    jetsam_ips,
    legacy_crash_ips,
    ps_thread_txt,
    ps_txt,
    shutdown_log,
)
from tests.paths import SHARED_IOCS

PEGASUS = SHARED_IOCS / "amnesty" / "pegasus.stix2"
KINGSPAWN = SHARED_IOCS / "mvt-indicators" / "kingspawn.stix2"
STAGING = "/private/var/db/com.apple.xpc.roleaccountd.staging"


def _findings(records: list[Record]) -> list[tuple[str, Level, str]]:
    return [(d.finding, d.level, d.message) for r in records
            for d in analyse(r, "ios.test", "test")]


# -- shutdown.log ----------------------------------------------------------------------------

def test_old_form_blocks_clients_and_delays() -> None:
    text = shutdown_log([
        Reboot(T0, [(812, "/usr/libexec/exampled"), (90, "/usr/sbin/wifid")],
               [(1.21, [812, 90]), (3.40, [812])]),
        Reboot(T0 + 3600, [(7, "/usr/libexec/locationd")], at_form=True),
    ])
    records = list(parse_shutdown(text, "shutdown.log"))
    clients = [r for r in records if isinstance(r, ShutdownClient)]
    reboots = [r for r in records if isinstance(r, ShutdownReboot)]
    assert [(c.pid, c.process_name, c.delay_notices, c.block) for c in clients] == [
        (812, "exampled", 2, 1), (90, "wifid", 1, 1), (7, "locationd", 0, 2)]
    assert clients[0].last_delay_seconds == 3.40
    assert [r.reboot_time.ns for r in reboots] == [T0 * 10**9, (T0 + 3600) * 10**9]
    assert reboots[0].delay_notices == 2 and reboots[0].delaying_clients == (
        "/usr/libexec/exampled",)
    assert all(r.complete for r in reboots)
    assert clients[2].reboot_time == reboots[1].reboot_time  # the @ form is read too


def test_ios26_form_strips_the_uuid_and_keeps_it_apart() -> None:
    text = shutdown_log([Reboot(T0, [(812, "/usr/libexec/exampled")])], ios26=True)
    [client, _reboot] = list(parse_shutdown(text, "shutdown.log"))
    assert isinstance(client, ShutdownClient)
    assert client.client_path == "/usr/libexec/exampled"
    assert client.process_name == "exampled"
    assert client.raw_path.startswith("/usr/libexec/exampled/0000032C-")
    assert client.binary_uuid == client.raw_path.rsplit("/", 1)[1]


def test_paths_with_parentheses_and_trailing_text() -> None:
    text = ("remaining client pid: 7 (/Applications/My (Beta).app/My (Beta)) [extra]\n"
            "SIGTERM: [1714500000]\n")
    [client, _reboot] = list(parse_shutdown(text, "shutdown.log"))
    assert isinstance(client, ShutdownClient)
    assert client.client_path == "/Applications/My (Beta).app/My (Beta)"


def test_a_block_without_sigterm_is_kept_as_incomplete() -> None:
    text = shutdown_log([Reboot(None, [(5, "/usr/sbin/wifid")], [(1.0, [5])])])
    records = list(parse_shutdown(text, "shutdown.log"))
    [reboot] = [r for r in records if isinstance(r, ShutdownReboot)]
    assert not reboot.complete and not reboot.reboot_time.ok


def test_reboot_delayed_three_times_is_a_finding() -> None:
    three = Reboot(T0, [(99, f"{STAGING}/bh")], [(1.0, [99]), (2.0, [99]), (3.0, [99])])
    two = Reboot(T0 + 10, [(5, "/usr/sbin/wifid")], [(1.0, [5]), (2.0, [5])])
    records = list(parse_shutdown(shutdown_log([three, two]), "shutdown.log"))
    delayed = [f for f in _findings(records) if f[0] == "shutdown-delayed-reboot"]
    assert delayed == [("shutdown-delayed-reboot", Level.MEDIUM,
                        f"Reboot delayed 3 times by {STAGING}/bh that would not exit")]


@pytest.mark.parametrize(("path", "expected"), [
    (f"{STAGING}/bh", "/private/var/db/"),
    ("/var/db/com.apple.xpc.roleaccountd.staging/bh", "/private/var/db/"),
    ("/private/var/tmp/predatord", "/private/var/tmp/"),
    ("/" + "tmp/predatord", "/private/var/tmp/"),
    ("/usr/libexec/exampled", None),
    ("/System/Library/PrivateFrameworks/X.framework/xd", None),
    ("/private/var/mobile/Library/db/tool", None),  # db as a substring is not the folder
])
def test_unusual_folders(path: str, expected: str | None) -> None:
    assert process_paths.unusual_folder(path) == expected


def test_allowlisted_programs_are_not_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(process_paths, "UNUSUAL_FOLDER_ALLOWLIST",
                        (("/private/var/db/known.tool/", "test"),))
    assert process_paths.unusual_folder("/var/db/known.tool/runner") is None
    assert process_paths.unusual_folder("/private/var/db/other/runner") == "/private/var/db/"


def test_clients_in_unusual_folders_and_daemon_lookalikes() -> None:
    text = shutdown_log([Reboot(T0, [
        (99, f"{STAGING}/bh"),
        (98, "/private/var/mobile/Library/Caches/fservernetd"),  # daemon name, odd place
        (97, "/usr/libexec/exampled"),
        (96, "/private/var/containers/Bundle/Application/X/App.app/appd"),
    ])], ios26=True)
    findings = _findings(list(parse_shutdown(text, "shutdown.log")))
    assert ("process-unusual-folder", Level.HIGH,
            f"{STAGING}/bh runs from /private/var/db/, where no system program lives") in findings
    assert ("process-system-lookalike", Level.MEDIUM,
            "/private/var/mobile/Library/Caches/fservernetd is named like a system daemon but "
            "lives outside the system folders") in findings
    assert len([f for f in findings if f[0].startswith("process-")]) == 2


# -- ps.txt ---------------------------------------------------------------------------------

def test_ps_columns_by_header_and_threads() -> None:
    processes = [Proc(1, "/sbin/launchd", ppid=0), Proc(300, "/usr/libexec/exampled -x y",
                                                      user="mobile", threads=4)]
    [launchd, exampled] = list(parse_ps(ps_txt(processes), "ps.txt", threads=False))
    assert (launchd.pid, launchd.ppid, launchd.user, launchd.process_name) == (
        1, 0, "root", "launchd")
    assert exampled.command == "/usr/libexec/exampled -x y"
    assert exampled.program_path == "/usr/libexec/exampled" and exampled.threads is None
    assert exampled.started == "9:05AM"
    threaded = list(parse_ps(ps_thread_txt(processes), "ps_thread.txt", threads=True))
    assert [(p.pid, p.threads) for p in threaded] == [(1, 1), (300, 4)]


def test_ps_without_header_is_unknown() -> None:
    with pytest.raises(ValueError, match="header"):
        list(parse_ps("1 2 3\n", "ps.txt", threads=False))


def test_ps_processes_in_tmp_are_findings() -> None:
    [record] = list(parse_ps(ps_txt([Proc(5, "/private/var/tmp/msgacntd")]), "ps.txt",
                             threads=False))
    assert isinstance(record, RunningProcess)
    assert [f[0] for f in _findings([record])] == ["process-unusual-folder"]


# -- .ips -----------------------------------------------------------------------------------

def test_ips_time_keeps_the_zone() -> None:
    stamp = ips_time("2024-04-30 20:00:00.00 +0200")
    assert stamp.ok and stamp.ns == T0 * 10**9 and stamp.raw == "2024-04-30 20:00:00.00 +0200"
    assert not ips_time("yesterday").ok and not ips_time(None).ok


def test_crash_report_json_body() -> None:
    text = crash_ips("fservernetd", f"{STAGING}/fservernetd", bundle="",
                     images=["/usr/lib/libobjc.A.dylib"])
    [report] = list(parse_ips(text, "crashes_and_spins/x.ips", "x.ips"))
    assert isinstance(report, CrashReport)
    assert (report.bug_type, report.process_name, report.process_path, report.parent_process) == (
        "309", "fservernetd", f"{STAGING}/fservernetd", "launchd")
    assert report.image_paths == ("/usr/lib/libobjc.A.dylib",)
    assert report.os_version == "iPhone OS 17.4.1 (21E236)" and report.timestamp.ok
    assert "process-unusual-folder" in [f[0] for f in _findings([report])]


def test_crash_report_legacy_text_body() -> None:
    text = legacy_crash_ips("exampled", "/usr/libexec/exampled", identifier="com.example.d")
    [report] = list(parse_ips(text, "x.ips", "x.ips"))
    assert isinstance(report, CrashReport)
    assert (report.process_name, report.process_path, report.bundle_id,
            report.parent_process) == ("exampled", "/usr/libexec/exampled", "com.example.d",
                                       "launchd")


def test_jetsam_report_lists_processes() -> None:
    text = jetsam_ips([("bh", 99, "per-process-limit"), ("SpringBoard", 40, "")])
    records = list(parse_ips(text, "x.ips", "JetsamEvent.ips"))
    assert isinstance(records[0], CrashReport) and records[0].bug_type == "298"
    jetsam = [r for r in records if isinstance(r, JetsamProcess)]
    assert [(j.process_name, j.pid, j.reason) for j in jetsam] == [
        ("bh", 99, "per-process-limit"), ("SpringBoard", 40, "")]


def test_report_without_json_header_is_unknown() -> None:
    from perito.artifacts.base import SchemaMismatch

    with pytest.raises(SchemaMismatch):
        list(parse_ips("Incident Identifier: x\n", "x.ips", "x.ips"))


# -- the capture name -----------------------------------------------------------------------

def test_capture_time_and_zone_from_the_name() -> None:
    capture = from_name(f"{NAME}.tar.gz", "n")
    assert capture is not None
    assert (capture.local_time, capture.utc_offset) == ("2024-05-01 11:50:00", "+02:00")
    assert capture.capture_time.utc.startswith("2024-05-01T09:50:00")
    assert capture.device == "iPhone-OS_iPhone_21E236"
    west = from_name("sysdiagnose_2024.01.02_03-04-05-0500_iPhone-OS_iPhone_21C66", "n")
    assert west is not None and west.capture_time.utc.startswith("2024-01-02T08:04:05")
    assert from_name("logs.tar.gz", "n") is None


# -- end to end ------------------------------------------------------------------------------

def _sysdiagnose(*, infected: bool = True, ios26: bool = False) -> SysdiagnoseBuilder:
    builder = SysdiagnoseBuilder()
    clients = [(812, "/usr/libexec/exampled")]
    delays: list[tuple[float, list[int]]] = [(1.5, [812])]
    if infected:
        clients.append((99, f"{STAGING}/subridged"))
        delays = [(1.0, [812, 99]), (2.0, [99]), (3.0, [99])]
    builder.shutdown([Reboot(T0, clients, delays)], ios26=ios26,
                     rotated=[[Reboot(T0 - 86400, [(5, "/usr/sbin/wifid")])]] if ios26 else ())
    processes = [Proc(1, "/sbin/launchd", ppid=0), Proc(200, "/usr/libexec/exampled")]
    if infected:
        processes.append(Proc(300, "/private/var/tmp/fservernetd"))
    builder.processes(processes)
    builder.add("crashes_and_spins/exampled-2024-04-30-200000.ips",
                crash_ips("exampled", "/usr/libexec/exampled"))
    builder.add("crashes_and_spins/JetsamEvent-2024-04-30-200000.ips",
                jetsam_ips([("SpringBoard", 40, ""), ("exampled", 200, "per-process-limit")]))
    return builder


def _records(out: Path) -> dict[str, list[dict[str, object]]]:
    return {p.name: [json.loads(line) for line in p.read_text().splitlines()]
            for p in sorted((out / "records").glob("*.jsonl"))}


@pytest.mark.parametrize("form", ["folder", "tar.gz"])
def test_check_sysdiagnose_finds_pegasus_traces(tmp_path: Path, form: str) -> None:
    builder = _sysdiagnose()
    target = (builder.tree.write_folder(tmp_path / "in") / NAME if form == "folder"
              else builder.tree.write_tar(tmp_path / f"{NAME}.tar.gz"))
    out = tmp_path / "out"
    assert main(["ios", "check-sysdiagnose", str(target), "-i", str(PEGASUS), "-i",
                 str(KINGSPAWN), "-o", str(out)]) == 2
    alerts = json.loads((out / "alerts.json").read_text())
    matched = {a["matched_indicator"]["value"] for a in alerts if a.get("matched_indicator")}
    assert {"fservernetd", f"{STAGING}/subridged"} <= matched
    findings = {a["perito"].get("finding") for a in alerts}
    assert {"process-unusual-folder", "shutdown-delayed-reboot"} <= findings
    info = json.loads((out / "info.json").read_text())
    assert info["acquisition_kind"] == "ios-sysdiagnose"
    states = {a["id"]: a["state"] for a in info["artifacts"]}
    assert states == {a.id: "read" for a in IOS_SYSDIAGNOSE}
    capture = _records(out)["ios.sysdiagnose.capture.jsonl"]
    assert capture[0]["utc_offset"] == "+02:00"


def test_folder_and_archive_give_the_same_records(tmp_path: Path) -> None:
    builder = _sysdiagnose()
    folder = builder.tree.write_folder(tmp_path / "in") / NAME
    archive = builder.tree.write_tar(tmp_path / f"{NAME}.tar.gz")
    main(["ios", "check-sysdiagnose", str(folder), "-o", str(tmp_path / "a"), "-j", "1"])
    main(["ios", "check-sysdiagnose", str(archive), "-o", str(tmp_path / "b"), "-j", "2"])
    folder_records, archive_records = _records(tmp_path / "a"), _records(tmp_path / "b")
    # the capture record's source is the input's own name (with or without .tar.gz)
    for records in (folder_records, archive_records):
        [capture] = records.pop("ios.sysdiagnose.capture.jsonl")
        assert capture.pop("source") in (NAME, f"{NAME}.tar.gz")
    assert folder_records == archive_records
    assert len(folder_records["ios.shutdown_log.jsonl"]) == 4


def test_clean_sysdiagnose_exits_0(tmp_path: Path) -> None:
    target = _sysdiagnose(infected=False).tree.write_tar(tmp_path / f"{NAME}.tar.gz")
    assert main(["ios", "check-sysdiagnose", str(target), "-i", str(PEGASUS), "-o",
                 str(tmp_path / "out")]) == 0


def test_short_history_is_said(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = _sysdiagnose(infected=False, ios26=True).tree.write_tar(
        tmp_path / f"{NAME}.tar.gz")
    out = tmp_path / "out"
    assert main(["ios", "check-sysdiagnose", str(target), "-o", str(out)]) == 0
    assert "absence of traces here proves little" in " ".join(capsys.readouterr().out.split())
    info = json.loads((out / "info.json").read_text())
    [status] = [a for a in info["artifacts"] if a["id"] == "ios.shutdown_log"]
    assert any("proves little" in note for note in status["notes"])
    files = [r for r in _records(out)["ios.shutdown_log.jsonl"]
             if r["record_type"] == ShutdownLogFile.__name__]
    assert sorted(r["file_name"] for r in files) == ["shutdown.0.log", "shutdown.log"]
    assert all(r["short_history"] for r in files)
    alerts = json.loads((out / "alerts.json").read_text())
    assert sorted(a["level"] for a in alerts
                  if a["perito"].get("finding") == "shutdown-log-short-history") == [
        "INFORMATIONAL", "INFORMATIONAL"]


def test_hostile_archive_members_are_refused_and_the_scan_goes_on(tmp_path: Path) -> None:
    builder = _sysdiagnose()
    builder.tree.add_hostile("../../outside.txt")
    builder.tree.add_hostile("/etc/evil")
    builder.tree.add_hostile(f"{NAME}/logs/dev", kind="device")
    builder.tree.add_symlink(f"{NAME}/ps_link.txt", "/etc/passwd")
    (tmp_path / "in").mkdir()
    target = builder.tree.write_tar(tmp_path / "in" / f"{NAME}.tar.gz")
    out = tmp_path / "out"
    assert main(["ios", "check-sysdiagnose", str(target), "-i", str(PEGASUS), "-o",
                 str(out)]) == 2  # the traces are still found
    assert sorted(p.name for p in (tmp_path / "in").iterdir()) == [f"{NAME}.tar.gz"]
    assert not (tmp_path / "outside.txt").exists()
    warnings = [r["message"] for r in _records(out)["ios.acquisition.members.jsonl"]]
    assert any("'../../outside.txt' refused" in w for w in warnings)
    assert any("'/etc/evil' refused" in w for w in warnings)
    assert any("logs/dev' refused: a device" in w for w in warnings)


def test_ios26_log_under_diagnostics_is_found(tmp_path: Path) -> None:
    builder = SysdiagnoseBuilder()
    builder.add("private/var/db/diagnostics/shutdown.0.log", shutdown_log(
        [Reboot(T0, [(99, f"{STAGING}/bh")])], ios26=True))
    target = builder.tree.write_tar(tmp_path / f"{NAME}.tar.gz")
    out = tmp_path / "out"
    assert main(["ios", "check-sysdiagnose", str(target), "-o", str(out)]) == 2
    clients = [r for r in _records(out)["ios.shutdown_log.jsonl"]
               if r["record_type"] == "ShutdownClient"]
    assert [c["client_path"] for c in clients] == [f"{STAGING}/bh"]


def test_hostile_members_alone_exit_3(tmp_path: Path) -> None:
    builder = _sysdiagnose(infected=False)
    builder.tree.add_hostile("../../outside.txt")
    target = builder.tree.write_tar(tmp_path / f"{NAME}.tar.gz")
    assert main(["ios", "check-sysdiagnose", str(target), "-o", str(tmp_path / "out")]) == 3


def test_devices_and_links_alone_are_notes(tmp_path: Path) -> None:
    builder = _sysdiagnose(infected=False)
    builder.tree.add_hostile(f"{NAME}/dev/null", kind="device")
    builder.tree.add_symlink(f"{NAME}/latest", "system_logs.logarchive")
    target = builder.tree.write_tar(tmp_path / f"{NAME}.tar.gz")
    out = tmp_path / "out"
    assert main(["ios", "check-sysdiagnose", str(target), "-o", str(out)]) == 0
    info = json.loads((out / "info.json").read_text())
    [status] = [a for a in info["artifacts"] if a["id"] == "ios.acquisition.members"]
    assert status["state"] == "read" and len(status["notes"]) == 2


def test_not_a_sysdiagnose_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("x")
    assert main(["ios", "check-sysdiagnose", str(tmp_path / "empty"), "-o",
                 str(tmp_path / "out")]) == 1
    assert "not a sysdiagnose" in " ".join(capsys.readouterr().err.split())


def test_damaged_report_is_a_warning(tmp_path: Path) -> None:
    builder = _sysdiagnose(infected=False)
    builder.add("crashes_and_spins/broken.ips", "not json at all\n")
    target = builder.tree.write_tar(tmp_path / f"{NAME}.tar.gz")
    out = tmp_path / "out"
    assert main(["ios", "check-sysdiagnose", str(target), "-o", str(out)]) == 3
    info = json.loads((out / "info.json").read_text())
    [status] = [a for a in info["artifacts"] if a["id"] == "ios.crash_reports"]
    assert status["state"] == "partial"
    assert "broken.ips: unknown schema" in status["problems"][0]


def test_a_folder_holding_only_the_archive(tmp_path: Path) -> None:
    (tmp_path / "download").mkdir()
    _sysdiagnose().tree.write_tar(tmp_path / "download" / f"{NAME}.tar.gz")
    assert main(["ios", "check-sysdiagnose", str(tmp_path / "download"), "-i", str(PEGASUS),
                 "-o", str(tmp_path / "out")]) == 2


def test_capture_from_sysdiagnose_log_when_renamed(tmp_path: Path) -> None:
    builder = SysdiagnoseBuilder(name="evidence-42")
    builder.add("sysdiagnose.log", f"Writing /var/mobile/Library/Logs/CrashReporter/"
                                   f"DiagnosticLogs/sysdiagnose/{NAME}.tar.gz\n")
    builder.processes([Proc(1, "/sbin/launchd", ppid=0)])
    target = builder.tree.write_tar(tmp_path / "case-7.tar.gz")
    out = tmp_path / "out"
    assert main(["ios", "check-sysdiagnose", str(target), "-o", str(out)]) == 0
    [capture] = _records(out)["ios.sysdiagnose.capture.jsonl"]
    assert (capture["source"], capture["utc_offset"]) == ("sysdiagnose.log", "+02:00")
    assert capture["name"] == NAME


def test_capture_says_when_nothing_carries_the_name(tmp_path: Path) -> None:
    builder = SysdiagnoseBuilder(name="evidence-42")
    builder.processes([Proc(1, "/sbin/launchd", ppid=0)])
    target = builder.tree.write_tar(tmp_path / "case-7.tar.gz")
    out = tmp_path / "out"
    assert main(["ios", "check-sysdiagnose", str(target), "-o", str(out)]) == 0
    info = json.loads((out / "info.json").read_text())
    [status] = [a for a in info["artifacts"] if a["id"] == "ios.sysdiagnose.capture"]
    assert status["records"] == 0 and "renamed?" in status["notes"][0]


def test_one_record_per_process_with_thread_counts(tmp_path: Path) -> None:
    from perito.artifacts.ios import process_list
    from perito.sources.sysdiagnose import open_sysdiagnose
    from tests.helpers import extract_from

    builder = SysdiagnoseBuilder()
    builder.processes([Proc(1, "/sbin/launchd", ppid=0, threads=3),
                       Proc(300, "/private/var/tmp/fservernetd", threads=2)])
    source = open_sysdiagnose(builder.tree.write_tar(tmp_path / f"{NAME}.tar.gz"),
                              [process_list.ARTIFACT])
    try:
        records, notes = extract_from(source, process_list.ARTIFACT)
    finally:
        source.close()
    assert [(r.source, r.pid, r.threads) for r in records  # type: ignore[attr-defined]
            ] == [("ps.txt", 1, 3), ("ps.txt", 300, 2)]
    assert notes == ["thread counts from ps_thread.txt"]
    assert [f[0] for f in _findings(records)] == ["process-unusual-folder"]  # once


def test_thread_listing_alone(tmp_path: Path) -> None:
    from perito.artifacts.ios import process_list
    from perito.sources.sysdiagnose import open_sysdiagnose
    from tests.helpers import extract_from

    builder = SysdiagnoseBuilder()
    builder.add("ps_thread.txt", ps_thread_txt([Proc(1, "/sbin/launchd", ppid=0, threads=5)]))
    source = open_sysdiagnose(builder.tree.write_folder(tmp_path / "in") / NAME,
                              [process_list.ARTIFACT])
    records, _notes = extract_from(source, process_list.ARTIFACT)
    assert [(r.source, r.pid, r.threads) for r in records  # type: ignore[attr-defined]
            ] == [("ps_thread.txt", 1, 5)]


def test_interrupt_during_the_scan_removes_the_copies(tmp_path: Path) -> None:
    import dataclasses as dc

    from perito.artifacts.ios import shutdown_log as module
    from perito.check import run_check
    from perito.sources.sysdiagnose import open_sysdiagnose
    from perito.sources.tree import source_factory

    def interrupted(_ctx: object) -> Iterator[Record]:
        raise KeyboardInterrupt
        yield  # pragma: no cover

    artifacts = [dc.replace(module.ARTIFACT, extract=interrupted)]
    target = _sysdiagnose().tree.write_tar(tmp_path / f"{NAME}.tar.gz")
    source = open_sysdiagnose(target, artifacts)
    staging = source.tree.staging
    assert staging is not None and any(staging.iterdir())
    with pytest.raises(KeyboardInterrupt):
        run_check(source_factory(lambda: source), artifacts, [], tmp_path / "out",
                  ["perito"], jobs=1)
    assert not staging.exists()
