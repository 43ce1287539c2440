"""Bugreports: dumpstate discovery, dumpsys sections, tombstones, FS times, heuristics."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from perito.artifacts.android import (
    dumpstate,
    dumpsys_accessibility,
    dumpsys_adb,
    dumpsys_appops,
    dumpsys_batterystats,
    dumpsys_dbinfo,
    dumpsys_package,
    dumpsys_platform_compat,
    tombstones,
)
from perito.artifacts.android.acquisition import AndroidAcquisition
from perito.artifacts.android.dumpsys_accessibility import AccessibilityService
from perito.artifacts.android.dumpsys_adb import AdbKey, fingerprint
from perito.artifacts.android.dumpsys_appops import AppOp
from perito.artifacts.android.dumpsys_batterystats import BatteryDailyUpdate, BatteryHistoryEvent
from perito.artifacts.android.dumpsys_dbinfo import DatabaseOperation
from perito.artifacts.android.dumpsys_package import IntentHandler
from perito.artifacts.android.dumpsys_platform_compat import CompatOverride
from perito.artifacts.android.getprop import AndroidProperty
from perito.artifacts.android.packages import AndroidPackage
from perito.artifacts.android.tombstones import Tombstone
from perito.commands.androidqf import bugreport_opener
from perito.errors import InputError
from perito.sources.locations import Dumpstate
from tests.android_scan import androidqf, bugreport, findings, records_of, scan_tree
from tests.builders.android.androidqf import (
    ACCESSIBILITY_14,
    ACCESSIBILITY_OLD,
    APPOPS,
    BATTERYSTATS,
    DBINFO,
    DEVICE_POLICY,
    DUMPSTATE_NAME,
    HOST_KEY,
    PLATFORM_COMPAT,
    SETTINGS,
    Androidqf,
    Bugreport,
    adb_key,
    adb_section,
    package_block,
    protobuf_tombstone,
    section,
    text_tombstone,
)


def _zip(tmp_path: Path, built: Bugreport, name: str = "bugreport.zip"):
    return bugreport(built.write_zip(tmp_path / name))


def test_main_entry_and_its_fallbacks(tmp_path: Path) -> None:
    with _zip(tmp_path, Bugreport()) as source:
        [main] = source.find(Dumpstate())
        assert main.address == DUMPSTATE_NAME
    no_entry = Bugreport(main_entry=False, dumpstate_name="dumpState_G960F_2024.log")
    with _zip(tmp_path, no_entry, "old.zip") as source:
        [main] = source.find(Dumpstate())
        assert main.address == "dumpState_G960F_2024.log"
    folder = Bugreport().write_folder(tmp_path / "extracted")
    with bugreport(folder) as source:
        assert [e.address for e in source.find(Dumpstate())] == [DUMPSTATE_NAME]
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("photos/IMG_0001.jpg", b"\xff\xd8\xff")
    with pytest.raises(InputError, match="not a bugreport"):
        bugreport_opener(other)


def test_dumpstate_time_and_system_properties(tmp_path: Path) -> None:
    with _zip(tmp_path, Bugreport()) as source:
        records = records_of(source, dumpstate.ARTIFACT)
    [when] = [r for r in records if isinstance(r, AndroidAcquisition)]
    assert when.started.utc == "2024-03-01T09:00:00.000000+00:00"  # Europe/Madrid, UTC+1
    props = {r.name: r.value for r in records if isinstance(r, AndroidProperty)}
    assert props["ro.build.version.security_patch"] == "2024-02-05"


def test_dumpsys_package_packages_permissions_and_resolvers(tmp_path: Path) -> None:
    built = Bugreport(extra_packages=[package_block(
        "com.example.spy", installer="com.google.android.packageinstaller",
        permissions=("android.permission.READ_SMS", "android.permission.ACCESS_FINE_LOCATION"))])
    with _zip(tmp_path, built) as source:
        records = records_of(source, dumpsys_package.ARTIFACT)
    packages = {r.package_name: r for r in records if isinstance(r, AndroidPackage)}
    assert set(packages) == {"com.whatsapp", "com.example.spy"}  # hidden system ones left out
    whatsapp = packages["com.whatsapp"]
    assert whatsapp.installer == "com.android.vending" and whatsapp.uid == 10190
    assert whatsapp.version_code == "240512004" and whatsapp.version_name == "2.24.5.12"
    assert whatsapp.requested_permissions == ("android.permission.INTERNET",
                                              "android.permission.READ_CONTACTS")
    assert set(whatsapp.granted_permissions) == {"android.permission.INTERNET",
                                                 "android.permission.READ_CONTACTS"}
    assert whatsapp.first_install_time.utc == "2023-06-01T10:00:00.000000+00:00"  # CEST
    assert not whatsapp.system
    handlers = {(r.kind, r.intent, r.package_name) for r in records
                if isinstance(r, IntentHandler)}
    assert ("activity", "android.intent.action.MAIN", "com.whatsapp") in handlers
    assert ("receiver", "android.provider.Telephony.SMS_RECEIVED",
            "com.google.android.apps.messaging") in handlers


def test_adb_installs_from_the_install_initiator(tmp_path: Path) -> None:
    built = Bugreport(extra_packages=[
        package_block("com.example.adbapp", installer=None, initiator="com.android.shell"),
        package_block("com.example.storeapp", initiator="com.android.vending"),
        package_block("com.example.fromweb", installer="com.google.android.packageinstaller",
                      initiator="com.google.android.packageinstaller",
                      originator="com.android.chrome")])
    with _zip(tmp_path, built) as source:
        packages = {r.package_name: r for r in records_of(source, dumpsys_package.ARTIFACT)
                    if isinstance(r, AndroidPackage)}
        result = scan_tree(source, artifacts=[dumpsys_package.ARTIFACT])
    assert packages["com.example.adbapp"].install_initiator == "com.android.shell"
    assert packages["com.example.adbapp"].installer is None
    assert [d.record.package_name for d in findings(result, "android-installed-by-adb-shell")] == [
        "com.example.adbapp"]
    assert packages["com.example.storeapp"].install_originator == ""
    [web] = findings(result, "android-installed-from-browser")
    assert web.message.endswith("(an APK opened from a browser or file manager, downloaded "
                                "through com.android.chrome)")


def test_accessibility_old_and_android_14_formats(tmp_path: Path) -> None:
    for body, expected in ((ACCESSIBILITY_OLD, {"installed"}),
                           (ACCESSIBILITY_14, {"enabled"})):
        built = Bugreport(sections={"accessibility": body})
        with _zip(tmp_path, built, f"{len(body)}.zip") as source:
            services = [r for r in records_of(source, dumpsys_accessibility.ARTIFACT)
                        if isinstance(r, AccessibilityService)]
            result = scan_tree(source, artifacts=[dumpsys_accessibility.ARTIFACT])
        assert {s.state for s in services} == expected
        assert {s.package_name for s in services} == {"com.example.helper",
                                                      "com.google.android.marvin.talkback"}
        name = ("android-accessibility-service-enabled" if expected == {"enabled"}
                else "android-accessibility-service-installed")
        assert [d.record.package_name for d in findings(result, name)] == [
            "com.example.helper"]  # the screen reader is left out
        assert [d.record.package_name for d in findings(
            result, "android-accessibility-screen-reader")] == [
            "com.google.android.marvin.talkback"]


def test_priority_section_header_is_found(tmp_path: Path) -> None:
    built = Bugreport()
    text = built.dumpstate() + section("accessibility", ACCESSIBILITY_14, priority="CRITICAL")
    folder = built.write_folder(tmp_path / "br")
    (folder / DUMPSTATE_NAME).write_text(text)
    with bugreport(folder) as source:
        assert len(records_of(source, dumpsys_accessibility.ARTIFACT)) == 2


def test_appops_entries_and_heuristics(tmp_path: Path) -> None:
    with _zip(tmp_path, Bugreport(sections={"appops": APPOPS})) as source:
        ops = {(r.package_name, r.op): r for r in records_of(source, dumpsys_appops.ARTIFACT)
               if isinstance(r, AppOp)}
        result = scan_tree(source, artifacts=[dumpsys_appops.ARTIFACT])
    dropper = ops[("com.example.dropper", "REQUEST_INSTALL_PACKAGES")]
    assert dropper.mode == "allow" and dropper.accesses == 2 and dropper.uid == "u0a231"
    assert dropper.last_access.utc == "2024-02-28T20:14:03.511000+00:00"
    camera = ops[("com.example.dropper", "CAMERA")]
    assert camera.mode == "ignore" and camera.rejects == 1
    assert ("com.example.asker", "REQUEST_INSTALL_PACKAGES") in ops
    assert ("root", "READ_EXTERNAL_STORAGE") in ops
    assert not any(uid == "1000" for uid in (r.uid for r in ops.values()))  # listener block
    assert [d.record.package_name for d in findings(result, "android-app-can-install-packages")] == [
        "com.example.dropper"]
    assert len(findings(result, "android-install-packages-requested")) == 1
    assert len(findings(result, "android-shell-app-op")) == 1
    audio = ops[("com.example.dropper", "RECORD_AUDIO")]
    assert audio.accesses == 2 and audio.background_accesses == 1
    assert [d.message for d in findings(result, "android-background-recording")] == [
        "com.example.dropper used RECORD_AUDIO in the background (1 time)"]


def test_batterystats_daily_history_uninstall_and_downgrade(tmp_path: Path) -> None:
    with _zip(tmp_path, Bugreport(sections={"batterystats": BATTERYSTATS})) as source:
        records = records_of(source, dumpsys_batterystats.ARTIFACT)
        result = scan_tree(source, artifacts=[dumpsys_batterystats.ARTIFACT])
    daily = [r for r in records if isinstance(r, BatteryDailyUpdate)]
    assert [(r.package_name, r.version_code) for r in daily] == [
        ("com.example.notes", 57), ("com.whatsapp", 240512004), ("com.example.notes", 55),
        ("com.example.spy", 0)]
    assert daily[0].day_start.utc == "2024-02-27T02:12:40.000000+00:00"
    history = [r for r in records if isinstance(r, BatteryHistoryEvent)]
    assert [(r.event, r.package_name) for r in history] == [
        ("+job", "com.example.notes"), ("-job", "com.example.notes"), ("+top", "com.whatsapp")]
    assert history[0].time_text == "+1h02m03s123ms"
    # RESET:TIME 2024-02-27 10:00:00 (Madrid, UTC+1) plus 1 h 02 min 03.123 s
    assert history[0].time.utc == "2024-02-27T10:02:03.123000+00:00"
    assert history[2].time.utc == "2024-02-27T11:00:00.000000+00:00"
    assert [d.record.package_name for d in findings(result, "android-package-uninstalled")] == [
        "com.example.spy"]
    [downgrade] = findings(result, "android-package-downgrade")
    assert downgrade.message == "com.example.notes went from version 57 down to 55"


def test_dbinfo_operations(tmp_path: Path) -> None:
    with _zip(tmp_path, Bugreport(sections={"dbinfo": DBINFO})) as source:
        ops = [r for r in records_of(source, dumpsys_dbinfo.ARTIFACT)
               if isinstance(r, DatabaseOperation)]
    assert [(o.action, o.pid, o.package_name) for o in ops] == [
        ("executeForCursorWindow", 4711, "com.example.notes"),
        ("executeForChangedRowCount", None, "com.example.notes")]
    assert ops[1].time.utc == "2024-02-28T20:14:04.000000+00:00"  # the dump's year
    assert ops[0].sql == "SELECT _id, title FROM notes"
    assert ops[0].time.utc == "2024-02-28T20:14:05.120000+00:00"


def test_platform_compat_overrides(tmp_path: Path) -> None:
    with _zip(tmp_path, Bugreport(sections={"platform_compat": PLATFORM_COMPAT})) as source:
        overrides = [r for r in records_of(source, dumpsys_platform_compat.ARTIFACT)
                     if isinstance(r, CompatOverride)]
    assert [(o.package_name, o.value, o.change) for o in overrides] == [
        ("com.example.removed", "false", "DOWNSCALED"), ("com.example.notes", "true",
                                                         "DOWNSCALED")]


def test_adb_keys_fingerprints_and_unknown_hosts(tmp_path: Path) -> None:
    other = adb_key("another computer", "someone@elsewhere")
    section_text = adb_section([HOST_KEY, other], [(HOST_KEY, 1709100000000),
                                                   ("not-base64!! x@y", 1709100000000)])
    built = Androidqf(dumpsys=section("adb", section_text))
    source = androidqf(built.write_folder(tmp_path / "acq"))
    keys = [r for r in records_of(source, dumpsys_adb.ARTIFACT) if isinstance(r, AdbKey)]
    assert [(k.origin, k.comment) for k in keys] == [
        ("user_keys", "analyst@laptop"), ("user_keys", "someone@elsewhere"),
        ("keystore", "analyst@laptop"), ("keystore", "x@y")]
    import base64
    import hashlib
    digest = hashlib.md5(base64.b64decode(other.split()[0])).hexdigest().upper()
    assert keys[1].fingerprint == ":".join(digest[i:i + 2] for i in range(0, 32, 2))
    assert not keys[3].valid
    assert keys[2].last_connection.utc == "2024-02-28T06:00:00.000000+00:00"
    result = scan_tree(source)
    unknown = findings(result, "android-unknown-adb-key")
    assert sorted(d.record.comment for d in unknown) == ["someone@elsewhere", "x@y"]
    assert len(findings(result, "android-acquisition-host-seen-before")) == 1
    assert fingerprint("AAAA") == ""


def test_tombstones_text_protobuf_counted_once_and_privileged_crashes(tmp_path: Path) -> None:
    built = Bugreport(tombstones={
        "tombstone_00": text_tombstone(binary="exampled", uid=1000),
        "tombstone_00.pb": protobuf_tombstone(binary="exampled", uid=1000),
        "tombstone_01.pb": protobuf_tombstone(binary="mediaserver", uid=1013, thread="codec"),
        "tombstone_02": text_tombstone(binary="netd", uid=0, thread="netd")})
    with _zip(tmp_path, built) as source:
        crashes = [r for r in records_of(source, tombstones.ARTIFACT)
                   if isinstance(r, Tombstone)]
        result = scan_tree(source, artifacts=[tombstones.ARTIFACT])
    assert sorted((c.format, c.process_name, c.uid) for c in crashes) == [
        ("protobuf", "codec", 1013), ("text", "netd", 0), ("text", "worker", 1000)]
    text = next(c for c in crashes if c.process_name == "worker")
    assert text.pid == 812 and text.tid == 830 and text.binary == "/system/bin/exampled"
    assert text.signal == "SIGSEGV" and text.signal_code == "SEGV_MAPERR"
    assert text.cause == "null pointer dereference"
    assert text.time.utc == "2024-02-28T20:14:05.120304+00:00"  # the +0100 offset kept
    assert text.time.raw == "2024-02-28T21:14:05.120304+01:00"
    proto = next(c for c in crashes if c.format == "protobuf")
    assert proto.binary == "/system/bin/mediaserver" and proto.signal == "SIGSEGV"
    assert proto.selinux_label == "u:r:mediaserver:s0"
    assert sorted(d.record.process_name for d in findings(result, "android-privileged-crash")) == [
        "netd", "worker"]
    assert any("read once" in n for s in result.statuses for n in s.notes)


def test_damaged_tombstone_is_a_problem(tmp_path: Path) -> None:
    built = Bugreport(tombstones={"tombstone_03.pb": b"\xff\xff\xff garbage",
                                  "tombstone_04": text_tombstone(uid=0)})
    with _zip(tmp_path, built) as source:
        result = scan_tree(source, artifacts=[tombstones.ARTIFACT])
    [status] = result.statuses
    assert status.state == "partial" and status.records == 1
    assert "not a tombstone protobuf" in status.problems[0]


def test_whole_bugreport_scan_reads_every_artifact(tmp_path: Path) -> None:
    built = Bugreport(sections={"accessibility": ACCESSIBILITY_14, "appops": APPOPS,
                                "batterystats": BATTERYSTATS, "dbinfo": DBINFO,
                                "platform_compat": PLATFORM_COMPAT,
                                "adb": adb_section([HOST_KEY], []),
                                "device_policy": DEVICE_POLICY, "settings": SETTINGS},
                      tombstones={"tombstone_00": text_tombstone()})
    with _zip(tmp_path, built) as source:
        result = scan_tree(source)
    assert {s.id: s.state for s in result.statuses} == {
        s.id: "read" for s in result.statuses}
    assert all(s.records for s in result.statuses)


def test_appops_of_android_9_and_older(tmp_path: Path) -> None:
    old = ("Current AppOps Service state:\n  Settings:\n    top_state_settle_time=+30s0ms\n\n"
           "  Uid u0a231:\n    state=cached\n    Package com.example.dropper:\n"
           "      REQUEST_INSTALL_PACKAGES: mode=allow; time=+1h2m3s318ms ago; duration=+6ms\n"
           "      CAMERA: mode=ignore; rejectTime=+2d1h ago\n\n")
    with _zip(tmp_path, Bugreport(sections={"appops": old})) as source:
        ops = [r for r in records_of(source, dumpsys_appops.ARTIFACT) if isinstance(r, AppOp)]
        result = scan_tree(source, artifacts=[dumpsys_appops.ARTIFACT])
    assert [(o.op, o.mode, o.accesses, o.rejects) for o in ops] == [
        ("REQUEST_INSTALL_PACKAGES", "allow", 1, 0), ("CAMERA", "ignore", 0, 1)]
    assert not ops[0].last_access.ok
    assert len(findings(result, "android-app-can-install-packages")) == 1


def test_tombstone_without_timestamp_line_is_dated_by_its_file(tmp_path: Path) -> None:
    old = b"\n".join(line for line in text_tombstone(uid=0).splitlines()
                     if not line.startswith(b"Timestamp:"))
    with _zip(tmp_path, Bugreport(tombstones={"tombstone_05": old})) as source:
        [crash] = [r for r in records_of(source, tombstones.ARTIFACT) if isinstance(r, Tombstone)]
    # the zip entry's wall-clock time 2024-02-28 21:14:04 (DOS: even seconds), Europe/Madrid
    assert crash.time.utc == "2024-02-28T20:14:04.000000+00:00"
    assert crash.time.encoding == "local_text"


def test_dumpsys_settings_feed_the_settings_heuristics(tmp_path: Path) -> None:
    from perito.artifacts.android import dumpsys_settings
    from perito.artifacts.android.settings import AndroidSetting

    with _zip(tmp_path, Bugreport(sections={"settings": SETTINGS})) as source:
        values = {(r.namespace, r.key): r.value
                  for r in records_of(source, dumpsys_settings.ARTIFACT)
                  if isinstance(r, AndroidSetting)}
        result = scan_tree(source, artifacts=[dumpsys_settings.ARTIFACT])
    assert values == {
        ("global", "adb_enabled"): "1", ("global", "package_verifier_enable"): "0",
        ("global", "device_name"): "Pixel de Ana",
        ("secure", "enabled_accessibility_services"): "com.example.spy/com.example.spy.A11y",
        ("secure", "enabled_notification_listeners"): "",
        ("system (user 10)", "screen_brightness"): "102"}
    assert [d.message for d in findings(result, "android-dangerous-setting")] == [
        "Google Play Protect disabled (global package_verifier_enable=0)"]
    assert len(findings(result, "android-accessibility-setting")) == 1
    assert len(findings(result, "android-adb-enabled")) == 1


def test_processes_of_the_dumpstate_ps_block(tmp_path: Path) -> None:
    from perito.artifacts.android import bugreport_processes
    from perito.artifacts.android.processes import AndroidProcess
    from tests.builders.android.androidqf import ps_thread

    built = Bugreport()
    built.processes += [
        ps_thread("u:r:su:s0", "root", 6001, 6001, 1, "/data/local/tmp/agent", wchan=""),
        ps_thread("u:r:su:s0", "root", 6001, 6002, 1, "worker")]
    with _zip(tmp_path, built) as source:
        processes = [r for r in records_of(source, bugreport_processes.ARTIFACT)
                     if isinstance(r, AndroidProcess)]
        result = scan_tree(source, artifacts=[bugreport_processes.ARTIFACT])
    assert [(p.pid, p.ppid, p.user, p.name) for p in processes] == [
        (1, 0, "root", "init"), (2, 0, "root", "kthreadd"), (4711, 812, "u0_a190", "com.whatsapp"),
        (6001, 1, "root", "/data/local/tmp/agent")]  # threads left out; WCHAN empty
    assert processes[2].context.startswith("u:r:untrusted_app:s0")
    assert processes[2].package == "com.whatsapp" and processes[1].kernel_thread
    assert processes[3].state == "S"
    assert len(findings(result, "android-root-process-context")) == 1
    assert len(findings(result, "android-process-from-staging-folder")) == 1


def test_plain_text_bugreport_of_old_android(tmp_path: Path) -> None:
    built = Bugreport(sections={"accessibility": ACCESSIBILITY_OLD})
    text = tmp_path / "bugreport.txt"
    text.write_text(built.dumpstate())
    open_source, _root = bugreport_opener(text)
    with open_source() as source:
        result = scan_tree(source)
    states = {s.id: s.state for s in result.statuses}
    assert states["android.dumpsys.package"] == "read"
    assert states["android.dumpsys.accessibility"] == "read"
    assert states["android.bugreport.tombstones"] == "absent"
    other = tmp_path / "notes.txt"
    other.write_text("shopping list\n")
    with pytest.raises(InputError, match="not a bugreport"):
        bugreport_opener(other)
