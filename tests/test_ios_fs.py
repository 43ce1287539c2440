"""`perito ios check-fs`: the backup catalogue through filesystem paths, and the dump-only
artifacts (listing, netusage, process binaries, shutdown.log, crash reports)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from perito.artifacts.ios.catalogue import IOS_FS
from perito.cli import main
from tests.builders.ios.datausage import Process, Usage, datausage_db
from tests.builders.ios.safari import Visit, history_db
from tests.builders.ios.whatsapp import WaMessage, chat_storage
from tests.builders.ios_fs import APP_DATA, SHARED_GROUPS, DumpBuilder
from tests.builders.sysdiagnose import T0, Reboot, crash_ips, shutdown_log
from tests.paths import SHARED_IOCS

PEGASUS = SHARED_IOCS / "amnesty" / "pegasus.stix2"
KINGSPAWN = SHARED_IOCS / "mvt-indicators" / "kingspawn.stix2"
STAGING = "private/var/db/com.apple.xpc.roleaccountd.staging"
FRIEND = "34600111222@s.whatsapp.net"


def _dump(*, infected: bool = True) -> DumpBuilder:
    dump = DumpBuilder()
    for number, uuid in enumerate(("0A1B2C3D-0000-4000-8000-000000000001",
                                   "0A1B2C3D-0000-4000-8000-000000000002")):
        group = dump.container(SHARED_GROUPS, uuid, "group.net.whatsapp.WhatsApp.shared")
        dump.add_sqlite(f"{group}/ChatStorage.sqlite", chat_storage([
            WaMessage(FRIEND, T0 + number, f"hola {number} https://news.example.org/{number}",
                      from_jid=FRIEND)]))
    safari = dump.container(APP_DATA, "5E6F7A8B-0000-4000-8000-000000000003",
                            "com.apple.mobilesafari")
    dump.add_sqlite(f"{safari}/Library/Safari/History.db",
                    history_db([Visit("https://news.example.org/", T0, "News")]))
    processes = [Process(1, "nehelper", None, T0, T0 + 10),
                 Process(2, "WhatsApp", "net.whatsapp.WhatsApp", T0, T0 + 20)]
    if infected:
        processes.append(Process(3, "gssdp", None, T0 + 30, T0 + 40))  # Pegasus name, no binary
        dump.add(f"{STAGING}/subridged", b"\xcf\xfa\xed\xfe")
        dump.add("private/var/mobile/Library/Preferences/roleaccountd.plist", b"bplist00")
        dump.add("private/var/mobile/Library/Caches/accountpfd/data.bin", b"\x00")
    dump.add_sqlite("private/var/wireless/Library/Databases/DataUsage.sqlite",
                    datausage_db(processes, [Usage(1, 1, T0 + 10, 1.0, 2.0, 3.0, 4.0)]))
    dump.add_sqlite("private/var/networkd/db/netusage.sqlite",
                    datausage_db(processes[:1], []), wal=True)
    dump.add("private/var/db/diagnostics/shutdown.log", shutdown_log([
        Reboot(T0, [(812, "/usr/libexec/nehelper")], [(1.0, [812])])]).encode())
    dump.add("private/var/mobile/Library/Logs/CrashReporter/nehelper-2024-04-30-200000.ips",
             crash_ips("nehelper", "/usr/libexec/nehelper").encode())
    return dump


def _records(out: Path) -> dict[str, list[dict[str, object]]]:
    return {p.name.removesuffix(".jsonl"): [json.loads(line) for line in
                                            p.read_text().splitlines()]
            for p in sorted((out / "records").glob("*.jsonl"))}


def _write(dump: DumpBuilder, tmp_path: Path, form: str) -> Path:
    if form == "folder":
        return dump.tree.write_folder(tmp_path / "dump")
    if form == "zip":
        return dump.tree.write_zip(tmp_path / "dump.zip")
    return dump.tree.write_tar(tmp_path / f"dump.{form}", "" if form == "tar" else form)


@pytest.mark.parametrize("form", ["folder", "tar", "gz", "zip"])
def test_check_fs_reads_every_container_and_the_dump_only_artifacts(
        tmp_path: Path, form: str) -> None:
    target = _write(_dump(), tmp_path, form)
    out = tmp_path / "out"
    assert main(["ios", "check-fs", str(target), "-i", str(PEGASUS), "-i", str(KINGSPAWN),
                 "-o", str(out)]) == 2
    records = _records(out)
    # both WhatsApp group containers, not only the first
    assert sorted(r["text"] for r in records["ios.whatsapp.messages"]) == [
        "hola 0 https://news.example.org/0", "hola 1 https://news.example.org/1"]
    assert [r["url"] for r in records["ios.safari.history"]] == ["https://news.example.org/"]
    assert [r["process_name"] for r in records["ios.netusage.processes"]] == ["nehelper"]
    binaries = {r["process_name"]: r["binary_found"]
                for r in records["ios.fs.process_binaries"]}
    assert binaries == {"nehelper": True, "gssdp": False}
    listing = {r["path"]: r["kind"] for r in records["ios.fs.listing"]}
    assert listing["/var"] == "symlink"
    assert listing[f"/{STAGING}/subridged"] == "file"
    assert [r["process_name"] for r in records["ios.shutdown_log"]
            if r["record_type"] == "ShutdownClient"] == ["nehelper"]
    assert [r["process_name"] for r in records["ios.crash_reports"]] == ["nehelper"]
    alerts = json.loads((out / "alerts.json").read_text())
    matched = {(a["module"], a["matched_indicator"]["value"]) for a in alerts
               if a.get("matched_indicator")}
    assert ("filesystem", f"/{STAGING}/subridged") in matched  # device-absolute path
    assert ("filesystem", "roleaccountd.plist") in matched  # file name
    assert ("filesystem", "accountpfd") in matched  # a path component named like a process
    assert ("datausage", "gssdp") in matched
    findings = {(a["module"], a["perito"].get("finding")) for a in alerts}
    assert ("process_binaries", "process-binary-missing") in findings
    info = json.loads((out / "info.json").read_text())
    assert info["acquisition_kind"] == "ios-fs"
    states = {a["id"]: a["state"] for a in info["artifacts"]}
    assert states["ios.netusage.processes"] == "read"
    [netusage] = [a for a in info["artifacts"] if a["id"] == "ios.netusage.processes"]
    assert any("write-ahead log applied" in note for note in netusage["notes"])
    hashed = {row["file_path"] for row in info["hashes"]}
    assert any(p.endswith("private/var/networkd/db/netusage.sqlite-wal") for p in hashed)


def test_outputs_do_not_depend_on_the_container(tmp_path: Path) -> None:
    dump = _dump()
    folder = _write(dump, tmp_path, "folder")
    archive = _write(dump, tmp_path, "gz")
    main(["ios", "check-fs", str(folder), "-o", str(tmp_path / "a"), "-j", "1"])
    main(["ios", "check-fs", str(archive), "-o", str(tmp_path / "b"), "-j", "2"])
    first, second = _records(tmp_path / "a"), _records(tmp_path / "b")
    # tar keeps mtimes in whole seconds and lists folders, links and files alike
    for records in (first, second):
        for row in records.pop("ios.fs.listing"):
            assert str(row["path"]).startswith("/")
        [links] = records.pop("ios.acquisition.members")  # its source is the input's name
        assert links["message"] == "2 symbolic or hard links listed, never followed"
    assert first == second


def test_clean_dump_exits_0(tmp_path: Path) -> None:
    target = _write(_dump(infected=False), tmp_path, "gz")
    assert main(["ios", "check-fs", str(target), "-i", str(PEGASUS), "-o",
                 str(tmp_path / "out")]) == 0


def test_dump_wrapped_in_one_folder(tmp_path: Path) -> None:
    dump = _dump(infected=False)
    wrapped = DumpBuilder()
    wrapped.tree.members = []
    for member in dump.tree.members:
        member.name = f"iPhone-fs/{member.name}"
        wrapped.tree.members.append(member)
    target = wrapped.tree.write_tar(tmp_path / "wrapped.tar")
    out = tmp_path / "out"
    assert main(["ios", "check-fs", str(target), "-o", str(out)]) in (0, 2)
    records = _records(out)
    assert len(records["ios.whatsapp.messages"]) == 2
    assert "/private/var/mobile" in {r["path"] for r in records["ios.fs.listing"]}


def test_not_a_dump_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "a.txt").write_text("a")
    assert main(["ios", "check-fs", str(tmp_path / "x"), "-o", str(tmp_path / "o")]) == 1
    assert "not an iOS filesystem dump" in " ".join(capsys.readouterr().err.split())


def test_every_backup_artifact_with_a_filesystem_path_runs_on_dumps() -> None:
    ids = {a.id for a in IOS_FS}
    assert {"ios.safari.history", "ios.sms.messages", "ios.whatsapp.messages",
            "ios.datausage.processes", "ios.tcc.access", "ios.applications",
            "ios.configuration_profiles", "ios.locationd_clients"} <= ids
    assert "ios.backup.manifest" not in ids


def test_list_artifacts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ios", "check-fs", "--list-artifacts"]) == 0
    listed = capsys.readouterr().out
    assert "ios.fs.listing" in listed and "ios.netusage.processes" in listed


def test_binary_lookup_never_walks_the_listing(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Each process name costs a lookup, not a pass over the files (no quadratic scan)."""
    from perito.artifacts.ios import process_binaries
    from perito.sources.ios_fs import open_ios_fs
    from perito.sources.tree import TreeSource
    from tests.helpers import extract_from

    dump = DumpBuilder()
    dump.add("usr/libexec/averyveryverylongname-daemon", b"\xcf\xfa\xed\xfe")
    dump.add_sqlite("private/var/networkd/netusage.sqlite", datausage_db([
        Process(1, "nehelper"), Process(2, "averyveryverylo"),  # truncated by the kernel
        Process(3, "ghostd"), Process(4, "App", "com.example.app")], []))
    source = open_ios_fs(dump.tree.write_folder(tmp_path / "d"), [process_binaries.ARTIFACT])

    def walked(_self: TreeSource) -> None:
        raise AssertionError("the listing was walked")

    monkeypatch.setattr(TreeSource, "entries", walked)
    records, _notes = extract_from(source, process_binaries.ARTIFACT)
    assert {(r.process_name, r.found_name) for r in records} == {  # type: ignore[attr-defined]
        ("nehelper", "nehelper"), ("averyveryverylo", "averyveryverylongname-daemon"),
        ("ghostd", "")}


_APP = "private/var/mobile/Containers/Data/Application/0A1B2C3D-0000-4000-8000-00000000000A"
_GROUP = "private/var/mobile/Containers/Shared/AppGroup/0A1B2C3D-0000-4000-8000-00000000000B"
_SYSGROUP = "private/var/containers/Shared/SystemGroup/0A1B2C3D-0000-4000-8000-00000000000C"
# One device path per artifact, as ios.md §4 gives it (UUID folders filled in).
REFERENCE_PATHS = {
    "ios.configuration_profiles": f"{_SYSGROUP}/Library/ConfigurationProfiles/profile-abc.stub",
    "ios.profile_events": f"{_SYSGROUP}/Library/ConfigurationProfiles/MCProfileEvents.plist",
    "ios.applications": "private/var/containers/Bundle/Application/0A1B2C3D-0000-4000-8000-"
                        "00000000000D/iTunesMetadata.plist",
    "ios.safari.history": f"{_APP}/Library/Safari/Profiles/0A1B/History.db",
    "ios.safari.browser_state": "private/var/mobile/Library/Safari/BrowserState.db",
    "ios.safari.favicons": "private/var/mobile/Library/Image Cache/Favicons/Favicons.db",
    "ios.webkit.resource_load_statistics": f"{_APP}/SystemData/com.apple.SafariViewService/"
                                           "Library/WebKit/WebsiteData/observations.db",
    "ios.webkit.session_resource_log": "private/var/mobile/Library/WebClips/X/Storage/"
                                       "full_browsing_session_resourceLog.plist",
    "ios.sms.messages": "private/var/mobile/Library/SMS/sms.db",
    "ios.sms.attachments": "private/var/mobile/Library/SMS/sms.db",
    "ios.whatsapp.messages": f"{_GROUP}/ChatStorage.sqlite",
    "ios.whatsapp.sessions": f"{_GROUP}/ChatStorage.sqlite",
    "ios.whatsapp.lid": f"{_GROUP}/LID.sqlite",
    "ios.whatsapp.contacts": f"{_GROUP}/ContactsV2.sqlite",
    "ios.calls": "private/var/mobile/Library/CallHistoryDB/CallHistory.storedata",
    "ios.contacts": "private/var/mobile/Library/AddressBook/AddressBook.sqlitedb",
    "ios.calendar": "private/var/mobile/Library/Calendar/Calendar.sqlitedb",
    "ios.chrome.history": f"{_APP}/Library/Application Support/Google/Chrome/Default/History",
    "ios.chrome.favicons": f"{_APP}/Library/Application Support/Google/Chrome/Default/Favicons",
    "ios.firefox.history": "private/var/mobile/profile.profile/browser.db",
    "ios.firefox.favicons": f"{_GROUP}/profile.profile/browser.db",
    "ios.datausage.processes": "private/var/wireless/Library/Databases/DataUsage.sqlite",
    "ios.netusage.processes": "private/var/networkd/netusage.sqlite",
    "ios.fs.process_binaries": "private/var/networkd/db/netusage.sqlite",
    "ios.os_analytics_ad_daily": "private/var/mobile/Library/Preferences/"
                                 "com.apple.osanalytics.addaily.plist",
    "ios.id_status_cache": "private/var/mobile/Library/IdentityServices/idstatuscache.plist",
    "ios.interaction_c": "private/var/mobile/Library/CoreDuet/People/interactionC.db",
    "ios.locationd_clients": "private/var/root/Library/Caches/locationd/clients.plist",
    "ios.tcc.access": "private/var/mobile/Library/TCC/TCC.db",
    "ios.shortcuts": "private/var/mobile/Library/Shortcuts/Shortcuts.sqlite",
    "ios.global_preferences": "private/var/mobile/Library/Preferences/.GlobalPreferences.plist",
    "ios.analytics.events": "private/var/Keychains/Analytics/trust_analytics.db",
    "ios.analytics.journal": "private/var/db/analyticsd/Analytics-Journal-2024.ips",
    "ios.cache_db": f"{_APP}/Library/Caches/com.example.app/Cache.db",
    "ios.shutdown_log": "private/var/db/diagnostics/shutdown.0.log",
    "ios.crash_reports": "private/var/mobile/Library/Logs/CrashReporter/Retired/x.ips",
}


@pytest.mark.parametrize("artifact", [a for a in IOS_FS if a.id in REFERENCE_PATHS],
                         ids=lambda a: a.id)
def test_filesystem_locations_match_the_reference_paths(artifact: object) -> None:
    from perito.artifacts.base import Artifact
    from perito.sources.locations import FsGlob
    from perito.sources.tree import glob_regex

    assert isinstance(artifact, Artifact)
    path = REFERENCE_PATHS[artifact.id]
    assert any(glob_regex(location.pattern).match(path) for location in artifact.locations
               if isinstance(location, FsGlob)), path


def test_every_file_artifact_of_check_fs_has_a_reference_path() -> None:
    from perito.sources.locations import FsGlob

    with_globs = {a.id for a in IOS_FS
                  if any(isinstance(loc, FsGlob) for loc in a.locations)}
    assert with_globs == set(REFERENCE_PATHS)


def test_evidence_is_unchanged(tmp_path: Path) -> None:
    import hashlib

    root = _write(_dump(), tmp_path, "folder")

    def state() -> dict[str, tuple[str, float]]:
        return {str(p.relative_to(root)): (hashlib.sha256(p.read_bytes()).hexdigest(),
                                           p.stat().st_mtime)
                for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()}

    before = state()
    assert main(["ios", "check-fs", str(root), "-i", str(PEGASUS), "-o",
                 str(tmp_path / "out")]) == 2
    assert state() == before  # no -shm/-wal created, no checkpoint, nothing touched
