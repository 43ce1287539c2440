"""Indicators on Android records: the whole Echap stalkerware set, properties, hashes, paths."""

from __future__ import annotations

from pathlib import Path

from perito.artifacts.android import files, getprop, packages, processes
from perito.records import Kind
from tests.android_scan import androidqf, scan_tree
from tests.builders.android.androidqf import Androidqf, apk_file, package, ps_line
from tests.builders.echap import echap_apps, echap_bundle
from tests.builders.stix import pattern, single_malware_bundle


def _matched(result, kind: Kind) -> set[str]:
    return {d.match.indicator.value for d in result.detections
            if d.match is not None and d.match.indicator.kind == kind}


def test_every_echap_package_and_certificate_matches(tmp_path: Path) -> None:
    planted = []
    names: set[str] = set()
    certificates: set[str] = set()
    for number, app in enumerate(echap_apps()):
        app_packages = [str(p) for p in app.get("packages") or []]
        app_certificates = [str(c) for c in app.get("certificates") or []]
        names.update(p.lower() for p in app_packages)
        certificates.update(c.lower() for c in app_certificates)
        for index in range(max(len(app_packages), len(app_certificates))):
            name = app_packages[index] if index < len(app_packages) else f"org.test.a{number}.c{index}"
            files_ = [apk_file(name, cert_sha1=app_certificates[index])] \
                if index < len(app_certificates) else []
            planted.append(package(name, installer="null", files=files_))
    built = Androidqf(packages=planted)
    bundle = echap_bundle(tmp_path / "echap.stix2")
    source = androidqf(built.write_zip(tmp_path / "acq.zip"))
    result = scan_tree(source, [bundle], artifacts=[packages.ARTIFACT])
    assert len(names) > 250 and len(certificates) > 250
    assert {v.lower() for v in _matched(result, Kind.APP_ID)} == names
    assert {v.lower() for v in _matched(result, Kind.CERT_SHA1)} == certificates
    assert result.matched


def test_properties_file_hashes_paths_and_processes_match(tmp_path: Path) -> None:
    built = Androidqf(
        packages=[package("com.example.notes", files=[apk_file("com.example.notes",
                                                               sha256="4e" * 32)])],
        processes=[ps_line("u0_a231", 4711, 812, "com.hermit.agent:remote")])
    built.properties["sys.brand.note"] = "1"
    built.files.append({"path": "/data/local/tmp/wd/exploit", "mode": "-rwxr-xr-x",
                        "size": 10, "sha256": "7f" * 32, "modified_time": 1709280000})
    bundle = single_malware_bundle(tmp_path / "feed.stix2", "Example", [
        pattern("android-property:name", "sys.brand.note"),
        pattern("file:hashes.sha256", "4E" * 32),
        pattern("file:hashes.sha256", "7f" * 32),
        pattern("file:path", "/data/local/tmp/wd/exploit"),
        pattern("app:id", "com.hermit.agent")])
    source = androidqf(built.write_folder(tmp_path / "acq"))
    result = scan_tree(source, [bundle], artifacts=[getprop.ARTIFACT, packages.ARTIFACT,
                                                   files.ARTIFACT, processes.ARTIFACT])
    assert _matched(result, Kind.ANDROID_PROPERTY) == {"sys.brand.note"}
    assert _matched(result, Kind.FILE_SHA256) == {"4e" * 32, "7f" * 32}
    assert _matched(result, Kind.FILE_PATH) == {"/data/local/tmp/wd/exploit"}
    assert _matched(result, Kind.APP_ID) == {"com.hermit.agent"}
