"""androidqf artifacts and their heuristics, on acquisitions built in code."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from perito.artifacts.android import (
    acquisition,
    copied_files,
    files,
    getprop,
    mounts,
    packages,
    processes,
    root_binaries,
    settings,
)
from perito.artifacts.android.acquisition import AndroidAcquisition
from perito.artifacts.android.copied_files import CopiedFile
from perito.artifacts.android.files import AndroidFileEntry
from perito.artifacts.android.getprop import AndroidProperty
from perito.artifacts.android.mounts import AndroidMount
from perito.artifacts.android.packages import AndroidPackage
from perito.artifacts.android.processes import AndroidProcess
from perito.artifacts.android.root_binaries import RootBinary
from perito.artifacts.android.settings import AndroidSetting
from perito.output.timeline import Timeline
from perito.timestamps import TimeState
from tests.android_scan import androidqf, findings, records_of, scan_tree
from tests.builders.android.androidqf import Androidqf, apk_file, package, ps_line


def _tree(tmp_path: Path, built: Androidqf, *, as_zip: bool = False):
    if as_zip:
        return androidqf(built.write_zip(tmp_path / "acq.zip"))
    return androidqf(built.write_folder(tmp_path / "acq"))


def test_packages_json_fields_and_capitalised_certificate_keys(tmp_path: Path) -> None:
    built = Androidqf(packages=[package("com.example.notes", installer="null", files=[
        apk_file("com.example.notes", cert_sha1="31A6ECECD97CF39BC4126B8745CD94A7C30BF81C"),
        apk_file("com.example.notes", sha256="ab" * 32)])])
    with _tree(tmp_path, built, as_zip=True) as source:
        [record] = records_of(source, packages.ARTIFACT)
    assert isinstance(record, AndroidPackage)
    assert record.package_name == "com.example.notes"
    assert record.installer == "null" and record.third_party and not record.system
    assert record.uid == 10231
    assert record.cert_sha1 == ("31a6ececd97cf39bc4126b8745cd94a7c30bf81c", "a1" * 20)
    assert record.cert_md5 == ("77" * 16,) and record.cert_sha256 == ("c3" * 32,)
    assert record.apk_sha256 == ("5d" * 32, "ab" * 32)
    assert record.cert_subjects == ("CN=Example Dev",)
    assert record.apk_paths[0].endswith("/base.apk")


def test_package_heuristics(tmp_path: Path) -> None:
    built = Androidqf(packages=[
        package("com.topjohnwu.magisk"),
        package("com.example.sideloaded", installer="com.google.android.packageinstaller"),
        package("com.example.adb", installer="null"),
        package("com.android.settings", installer="null", system=True),
        package("com.vendor.camera", installer="com.android.packageinstaller", system=True),
        package("org.example.fdroid", installer="org.fdroid.fdroid"),
        package("com.google.android.gms", system=True, disabled=True),
        package("com.sec.android.soagent", system=True, disabled=True),
        package("com.whatsapp")])
    result = scan_tree(_tree(tmp_path, built), artifacts=[packages.ARTIFACT])
    assert [d.record.package_name for d in findings(result, "android-root-package")] == [
        "com.topjohnwu.magisk"]
    assert [d.message for d in findings(result, "android-installed-from-browser")] == [
        "com.example.sideloaded was installed by com.google.android.packageinstaller (an APK "
        "opened from a browser or file manager)"]
    assert [d.record.package_name
                                   for d in findings(result, "android-installed-without-installer")] == ["com.example.adb"]
    assert len(findings(result, "android-third-party-store")) == 1
    assert [d.record.package_name for d in findings(result, "android-system-app-from-browser")] == [
        "com.vendor.camera"]
    disabled = sorted(d.message for d in findings(result, "android-protection-disabled"))
    assert disabled == ["security package com.sec.android.soagent is disabled",
                        "system update package com.google.android.gms is disabled"]


def test_processes_txt_ps_txt_and_processes_json(tmp_path: Path) -> None:
    rows = [ps_line("root", 1, 0, "init"), ps_line("root", 2, 0, "[kthreadd]"),
            ps_line("u0_a231", 4711, 812, "com.example.notes:sync"),
            ps_line("shell", 5000, 1, "[kworker/0:1]"),
            "root          3000     1  10000   2000                   0 S /system/bin/vold"]
    for legacy in (False, True):
        folder = tmp_path / f"legacy-{legacy}"
        built = Androidqf(processes=rows, legacy_ps=legacy, processes_json=[
            {"pid": 6001, "ppid": 1, "uid": 0, "filename": "agent",
             "path": "/data/local/tmp/.cache/agent", "context": "u:r:su:s0",
             "command_line": ["/data/local/tmp/.cache/agent", "-d"], "cwd": "/"}])
        source = androidqf(built.write_folder(folder))
        by_pid = {r.pid: r for r in records_of(source, processes.ARTIFACT)
                  if isinstance(r, AndroidProcess)}
        assert by_pid[4711].name == "com.example.notes:sync"
        assert by_pid[4711].package == "com.example.notes" and by_pid[4711].user == "u0_a231"
        assert by_pid[2].kernel_thread and by_pid[2].name == "kthreadd"
        assert by_pid[3000].name == "/system/bin/vold"  # WCHAN empty: 8 columns
        assert by_pid[6001].executable == "agent" and by_pid[6001].context == "u:r:su:s0"
        result = scan_tree(source, artifacts=[processes.ARTIFACT])
        assert [d.record.pid for d in findings(result, "android-fake-kernel-thread")] == [5000]
        assert len(findings(result, "android-process-from-staging-folder")) == 1
        assert len(findings(result, "android-root-process-context")) == 1


def test_processes_txt_holding_the_collectors_json(tmp_path: Path) -> None:
    folder = Androidqf().write_folder(tmp_path / "acq")
    (folder / "processes.txt").write_text(
        '[{"pid":4711,"ppid":812,"uid":10231,"filename":"com.example.notes",'
        '"path":"/system/bin/app_process64","context":"u:r:untrusted_app:s0:c231,c256",'
        '"command_line":["com.example.notes:sync"],"cwd":"/"}]')
    [process] = records_of(androidqf(folder), processes.ARTIFACT)
    assert isinstance(process, AndroidProcess)
    assert process.pid == 4711 and process.uid == 10231 and process.package == "com.example.notes"
    assert process.executable == "app_process64"


def test_getprop_multiline_and_empty_values(tmp_path: Path) -> None:
    folder = Androidqf().write_folder(tmp_path / "acq")
    (folder / "getprop.txt").write_text(
        "[ro.build.version.security_patch]: [2023-05-01]\n[gsm.sim.operator.alpha]: []\n"
        "[ro.product.vendor.model]: [Pixel 6]\n[persist.sys.banner]: [line one\nline two]\n"
        "[sys.brand.note]: [1]\n")
    source = androidqf(folder)
    props = {r.name: r.value for r in records_of(source, getprop.ARTIFACT)
             if isinstance(r, AndroidProperty)}
    assert props["gsm.sim.operator.alpha"] == ""
    assert props["persist.sys.banner"] == "line one\nline two"
    assert props["sys.brand.note"] == "1"
    assert source.timezone() is None  # no persist.sys.timezone any more


def test_old_patch_is_measured_against_the_acquisition_date(tmp_path: Path) -> None:
    old = Androidqf()
    old.properties["ro.build.version.security_patch"] = "2023-05-01"
    result = scan_tree(androidqf(old.write_folder(tmp_path / "old")),
                       artifacts=[acquisition.ARTIFACT, getprop.ARTIFACT])
    [finding] = findings(result, "android-old-security-patch")
    assert finding.message == "security patch 2023-05-01 was 305 days old at the acquisition"
    recent = Androidqf()  # 2024-02-05 patch, acquired 2024-03-01: no finding, whatever today is
    result = scan_tree(androidqf(recent.write_folder(tmp_path / "new")),
                       artifacts=[acquisition.ARTIFACT, getprop.ARTIFACT])
    assert not findings(result, "android-old-security-patch")
    broken = Androidqf()
    broken.properties["ro.build.version.security_patch"] = "March 2023"
    result = scan_tree(androidqf(broken.write_folder(tmp_path / "bad")),
                       artifacts=[acquisition.ARTIFACT, getprop.ARTIFACT])
    assert not findings(result, "android-old-security-patch")
    assert all(s.state == "read" for s in result.statuses)


def test_settings_every_namespace_and_dangerous_values(tmp_path: Path) -> None:
    built = Androidqf()
    built.settings["global"]["package_verifier_enable"] = "0"
    built.settings["secure"]["accessibility_enabled"] = "1"
    built.settings["secure"]["enabled_accessibility_services"] = (
        "com.example.spy/com.example.spy.A11y:com.google.android.marvin.talkback/"
        "com.google.android.marvin.talkback.TalkBackService")
    built.settings["system"]["odd_value"] = "a=b=c"
    source = androidqf(built.write_folder(tmp_path / "acq"))
    values = {(r.namespace, r.key): r.value for r in records_of(source, settings.ARTIFACT)
              if isinstance(r, AndroidSetting)}
    assert values[("system", "odd_value")] == "a=b=c"
    result = scan_tree(source, artifacts=[settings.ARTIFACT])
    dangerous = sorted(d.message for d in findings(result, "android-dangerous-setting"))
    assert dangerous == [
        "Google Play Protect disabled (global package_verifier_enable=0)",
        "accessibility services enabled (secure accessibility_enabled=1)"]
    [a11y] = findings(result, "android-accessibility-setting")
    assert "com.example.spy/com.example.spy.A11y" in a11y.message
    assert len(findings(result, "android-adb-enabled")) == 1


def test_files_json_times_are_utc_and_tmp_files_are_flagged(tmp_path: Path) -> None:
    built = Androidqf()
    built.files += [
        {"path": "/data/local/tmp/.cache/agent", "size": 182736, "mode": "-rwxr-xr-x",
         "user_name": "shell", "group_name": "shell", "changed_time": 1709280000,
         "modified_time": 1709280000, "access_time": 1709280321, "sha256": "AB" * 32},
        {"path": "/data/local/tmp/notes.txt", "size": 10, "mode": "-rw-r--r--",
         "modified_time": 1709280000},
        {"path": "/data/local/tmp/collector", "size": 10, "mode": "-rwxr-xr-x",
         "modified_time": 1709280000},
        {"path": "/data/local/tmp/wd", "size": 4096, "mode": "755", "modified_time": 1.7e9}]
    source = androidqf(built.write_folder(tmp_path / "acq"))
    entries = {r.path: r for r in records_of(source, files.ARTIFACT)
               if isinstance(r, AndroidFileEntry)}
    agent = entries["/data/local/tmp/.cache/agent"]
    assert agent.modified_time.utc == "2024-03-01T08:00:00.000000+00:00"
    assert agent.modified_local == "2024-03-01T09:00:00+01:00"  # Europe/Madrid
    assert agent.sha256 == "ab" * 32
    result = scan_tree(source, artifacts=[files.ARTIFACT])
    assert [d.record.path for d in findings(result, "android-executable-in-data-local-tmp")] == [
        "/data/local/tmp/.cache/agent"]
    assert [d.record.path for d in findings(result, "android-file-in-data-local-tmp")] == [
        "/data/local/tmp/notes.txt", "/data/local/tmp/wd"]  # an octal mode: listed only


def test_mounts_both_formats_and_writable_system(tmp_path: Path) -> None:
    built = Androidqf(mounts=[
        "/dev/block/dm-4 on /system type ext4 (rw,seclabel,relatime)",
        "/dev/block/dm-4 /system ext4 rw,seclabel,relatime 0 0",
        "/dev/block/dm-6 /product ext4 ro,seclabel,noatime 0 0",
        "/dev/block/dm-7 /system_dlkm ext4 rw,seclabel 0 0",
        "tmpfs /dev tmpfs rw,seclabel,nosuid 0 0", "not a mount line"])
    source = androidqf(built.write_folder(tmp_path / "acq"))
    records = [r for r in records_of(source, mounts.ARTIFACT) if isinstance(r, AndroidMount)]
    assert {(r.mount_point, r.fs_type) for r in records} >= {("/system", "ext4"),
                                                             ("/dev", "tmpfs")}
    assert len([r for r in records if r.mount_point == "/system"]) == 1  # same line twice
    result = scan_tree(source, artifacts=[mounts.ARTIFACT])
    assert sorted(d.record.mount_point for d in findings(result, "android-system-partition-rw")) == [
        "/system", "/system_dlkm"]
    assert not findings(result, "android-system-partition-options")  # noatime allowed on /product
    assert any("neither mount format" in n for s in result.statuses for n in s.notes)


def test_root_binaries_selinux_and_verified_boot(tmp_path: Path) -> None:
    built = Androidqf(root_binaries=["/system/xbin/su", "/system/xbin/busybox"],
                      selinux="Permissive")
    built.properties["ro.boot.verifiedbootstate"] = "orange"
    source = androidqf(built.write_folder(tmp_path / "acq"))
    assert [r.path for r in records_of(source, root_binaries.ARTIFACT)
            if isinstance(r, RootBinary)] == ["/system/xbin/su", "/system/xbin/busybox"]
    result = scan_tree(source)
    assert len(findings(result, "android-root-binary")) == 1
    assert len(findings(result, "android-busybox")) == 1
    assert findings(result, "android-selinux-not-enforcing")[0].message == "SELinux is Permissive"
    assert len(findings(result, "android-verified-boot-not-green")) == 1
    assert result.serious


def test_acquisition_json_and_failed_modules(tmp_path: Path) -> None:
    built = Androidqf()
    assert built.acquisition is not None
    built.acquisition["module_results"] = [{"name": "getprop", "status": "ok"},
                                           {"name": "bugreport", "status": "failed"}]
    source = androidqf(built.write_folder(tmp_path / "acq"))
    [record] = records_of(source, acquisition.ARTIFACT)
    assert isinstance(record, AndroidAcquisition)
    result = scan_tree(source, artifacts=[acquisition.ARTIFACT])
    assert result.statuses[0].notes == ["acquisition.json: androidqf module bugreport: failed"]
    assert record.started.utc == "2024-03-01T10:00:00.000000+00:00"
    assert record.completed.utc == "2024-03-01T10:14:37.123456+00:00"
    assert record.failed_modules == ("bugreport: failed",)
    assert record.adb_host_public_key.endswith("analyst@laptop")


def test_log_and_tmp_copies_have_times_and_hashes(tmp_path: Path) -> None:
    built = Androidqf(extra={"logs/data/system/uiderrors.txt": b"x", "tmp/wd/payload": b"ELF",
                             "apks/com.example.notes_base.apk": b"PK\x03\x04apk"})
    source = androidqf(built.write_zip(tmp_path / "acq.zip"))
    copies = {r.device_path: r for r in records_of(source, copied_files.ARTIFACT)
              if isinstance(r, CopiedFile)}
    log = copies["/data/system/uiderrors.txt"]
    # zip entry time 2024-03-01 10:05:00, device-local in Europe/Madrid (UTC+1)
    assert log.modified.utc == "2024-03-01T09:05:00.000000+00:00"
    assert log.modified.raw == "2024-03-01 10:05:00 @Europe/Madrid"
    payload = copies["/data/local/tmp/wd/payload"]
    assert payload.sha256 == hashlib.sha256(b"ELF").hexdigest()
    [apk] = [r for r in copies.values() if r.source == "apks/com.example.notes_base.apk"]
    assert apk.sha256 == hashlib.sha256(b"PK\x03\x04apk").hexdigest() and not apk.device_path
    result = scan_tree(source, artifacts=[copied_files.ARTIFACT])
    assert len(findings(result, "android-copied-file-from-data-local-tmp")) == 1


def test_device_local_time_without_a_zone_is_labelled(tmp_path: Path) -> None:
    built = Androidqf(extra={"logs/proc/last_kmsg": b"x"})
    del built.properties["persist.sys.timezone"]
    source = androidqf(built.write_zip(tmp_path / "acq.zip"))
    [copy] = [r for r in records_of(source, copied_files.ARTIFACT) if isinstance(r, CopiedFile)]
    assert copy.modified.state is TimeState.OK
    assert copy.modified.encoding == "local_text" and copy.modified.raw == "2024-03-01 10:05:00"
    timeline = Timeline()
    timeline.add(copy, "android.copied_files", "Logs")
    [event] = timeline.sorted()
    assert event.label == "Copied file modified (device-local time, zone unknown)"


def test_magisk_modules_from_the_manifest_and_module_prop(tmp_path: Path) -> None:
    from perito.artifacts.android import magisk_modules
    from perito.artifacts.android.magisk_modules import MagiskModule

    manifest = {"schema_version": 1, "generated_at": "2024-03-01T10:03:00Z",
                "status": "collected", "acquisition_method": "adb exec-out su -c cat",
                "modules": [{"device_path": "/data/adb/modules/zygisk_shamiko",
                             "directory_name": "zygisk_shamiko",
                             "module_prop_path": "magisk_modules/0000/module.prop",
                             "module_prop_status": "collected", "state_files": ["update"],
                             "state_files_complete": True}]}
    prop = b"id=zygisk_shamiko\nname=Shamiko\nversion=v1.0.1\nauthor=LSPosed\ndescription=Hide\n"
    built = Androidqf(extra={"magisk_modules/manifest.json": json.dumps(manifest).encode(),
                             "magisk_modules/0000/module.prop": prop})
    source = androidqf(built.write_zip(tmp_path / "acq.zip"))
    [module] = [r for r in records_of(source, magisk_modules.ARTIFACT)
                if isinstance(r, MagiskModule)]
    assert (module.module_id, module.name, module.version, module.state_files) == (
        "zygisk_shamiko", "Shamiko", "v1.0.1", ("update",))
    result = scan_tree(source, artifacts=[magisk_modules.ARTIFACT])
    [finding] = findings(result, "android-magisk-module")
    assert finding.level.name == "HIGH" and "Shamiko" in finding.message
    unavailable = Androidqf(extra={"magisk_modules/manifest.json": json.dumps(
        {"schema_version": 1, "status": "root_unavailable", "modules": []}).encode()})
    result = scan_tree(androidqf(unavailable.write_folder(tmp_path / "plain")),
                       artifacts=[magisk_modules.ARTIFACT])
    assert not result.detections
    assert any("root_unavailable" in n for s in result.statuses for n in s.notes)
