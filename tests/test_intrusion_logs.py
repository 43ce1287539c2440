"""Android 16 intrusion logs: folders, zips, nested zips, event shapes, findings, matches."""

from __future__ import annotations

import csv
import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from perito.artifacts.android.catalogue import ANDROID_INTRUSION_LOGS
from perito.artifacts.android.intrusion_connect import IntrusionConnectEvent
from perito.artifacts.android.intrusion_dns import IntrusionDnsEvent
from perito.artifacts.android.intrusion_security import IntrusionSecurityEvent
from perito.cli import main
from perito.commands.android import open_intrusion_logs
from perito.detections import analyse
from perito.errors import InputError
from perito.pipeline import ArtifactState, ScanResult, scan
from perito.records import Record
from perito.sources.intrusion_logs import IntrusionLogs
from tests.builders.android import intrusion as il
from tests.builders.stix import BundleBuilder

T0 = il.T0_MS
APK_SHA = "ab" * 32
DAY1 = [
    il.dns(101, T0, "com.example.notes", "api.example.net", "192.0.2.10", "2001:db8::1"),
    il.connect(102, T0 + 27, "com.example.notes", "192.0.2.10", 443),
    il.security(7, (T0 + 77) * 1_000_000, "adb_shell_cmd",
                command="pm install -r /data/local/tmp/x.apk; am start -n com.example.spy/.Main"),
]
DAY2 = [
    DAY1[0],  # the daily exports overlap
    il.dns(103, T0 + 86_400_000, "com.example.spy", "c2.spyhost.net", "198.51.100.7"),
    il.connect(104, T0 + 86_400_100, "com.example.spy", "198.51.100.7", 8443),
    il.dns(105, T0 + 86_400_200, "com.android.chrome", "xspyhost.net", "0.0.0.0"),  # decoy
    il.connect(106, T0 + 86_400_300, "com.android.chrome", "198.51.100.70", 443),  # decoy
    il.security(8, (T0 + 86_400_400) * 1_000_000, "app_process_start",
                process="com.example.spy:remote", uid=10245, pid=4242, seinfo="default:targetSdkVersion=34",
                sha256=APK_SHA.upper()),
]


def _records(logs: IntrusionLogs) -> tuple[ScanResult, dict[str, list[Record]]]:
    found: dict[str, list[Record]] = {}

    class Collect:
        def write(self, artifact_id: str, record: Record) -> None:
            found.setdefault(artifact_id, []).append(record)

    return scan(logs, ANDROID_INTRUSION_LOGS, None, Collect()), found  # type: ignore[arg-type]


def _export(tmp_path: Path) -> Path:
    """androidqf's `intrusion_logs/`: a daily zip, and a zip holding another day's zip."""
    folder = tmp_path / "intrusion_logs"
    folder.mkdir()
    (folder / "Pixel 9_20260101.zip").write_bytes(il.zip_of({
        "Pixel 9_20260101/intrusion_log_0.txt": il.ndjson(DAY1),
        "Pixel 9_20260101/README.pdf": b"%PDF not a log"}))
    (folder / "older.zip").write_bytes(il.zip_of({
        "Pixel 9_20260102.zip": il.zip_of({"intrusion_log_0.txt": il.ndjson(DAY2)})}))
    return folder


def test_folder_zip_and_nested_zip_with_overlap(tmp_path: Path) -> None:
    folder = _export(tmp_path)
    with open_intrusion_logs(folder) as logs:
        assert [e.address for e in logs.entries] == [
            "Pixel 9_20260101.zip/Pixel 9_20260101/intrusion_log_0.txt",
            "older.zip/Pixel 9_20260102.zip/intrusion_log_0.txt"]
        result, found = _records(logs)
        private = logs._private
        hashes = dict(logs.custody.hashes)
    assert private is not None and not private.exists()
    assert [s.state for s in result.statuses] == [ArtifactState.READ] * 3
    dns = [r for r in found["android.intrusion.dns"] if isinstance(r, IntrusionDnsEvent)]
    assert [(r.event_id, r.hostname, r.ip_addresses) for r in dns] == [
        (101, "api.example.net", ("192.0.2.10", "2001:db8::1")),
        (103, "c2.spyhost.net", ("198.51.100.7",)),
        (105, "xspyhost.net", ())]
    assert dns[0].event_time.utc == "2026-01-01T00:00:00.000000+00:00"
    assert dns[0].ip_addresses_raw == ("/192.0.2.10", "/2001:db8::1")
    connect = [r for r in found["android.intrusion.connect"]
               if isinstance(r, IntrusionConnectEvent)]
    assert [(r.ip_address, r.port, r.event_time.utc) for r in connect] == [
        ("192.0.2.10", 443, "2026-01-01T00:00:00.027000+00:00"),
        ("198.51.100.7", 8443, "2026-01-02T00:00:00.100000+00:00"),
        ("198.51.100.70", 443, "2026-01-02T00:00:00.300000+00:00")]
    security = [r for r in found["android.intrusion.security"]
                if isinstance(r, IntrusionSecurityEvent)]
    shell, start = security
    assert shell.subtype == "adb_shell_cmd"
    assert shell.event_time.utc == "2026-01-01T00:00:00.077000+00:00"  # nanoseconds
    assert shell.app_ids == ("com.example.spy",)
    assert shell.paths == ("/data/local/tmp/x.apk",)
    assert start.process == "com.example.spy:remote"
    assert start.app_ids == ("com.example.spy", "remote")
    assert start.sha256 == APK_SHA
    assert start.uid == 10245
    for name in ("Pixel 9_20260101.zip", "older.zip"):
        assert hashes[str(folder / name)][1] == hashlib.sha256(
            (folder / name).read_bytes()).hexdigest()


def test_bad_lines_unknown_shapes_and_pretty_json(tmp_path: Path) -> None:
    lines = il.ndjson(DAY1[:1]) + b'{"dns_event": {"event_id": 9, "hostn\n' + \
        b'not json at all\n' + b'{"future_event": {"event_id": 1, "event_time": 5}}\n' + \
        il.ndjson([il.security(9, T0 * 1_000_000, "brand_new_subtype", x=1)]) + \
        b'{"security_event": {"event_time": 1767225600000000000, "tag": 210029, ' \
        b'"data": [1, "CN=Intercept CA", 0]}}\n' + \
        b'{"security_event": {"event_time": 1767225600000000001, ' \
        b'"crypto_self_test_completed": 0}}\n' + \
        b'{"dns_event": {"event_id": 201, "event_time": 1767225600001, "hostname": "a.example"},' \
        b' "connect_event": {"event_id": 202, "event_time": 1767225600002, "port": 80}}\n'
    (tmp_path / "a.txt").write_bytes(lines)
    pretty = json.dumps([DAY2[1], DAY2[2]], indent=2).encode()
    (tmp_path / "b.txt").write_bytes(pretty)
    with open_intrusion_logs(tmp_path) as logs:
        result, found = _records(logs)
    states = {s.id: s for s in result.statuses}
    assert any("1 lines are not JSON" in n for n in states["android.intrusion.dns"].notes)
    assert any("1 lines are not JSON" in n for n in states["android.intrusion.security"].notes)
    assert any("future_event" in n and "brand_new_subtype" in n
               for n in states["android.intrusion.security"].notes)
    assert [r.event_id for r in found["android.intrusion.dns"]] == [101, 201, 103]  # type: ignore[attr-defined]
    assert [r.event_id for r in found["android.intrusion.connect"]] == [202, 104]  # type: ignore[attr-defined]
    security = found["android.intrusion.security"]
    kinds = [(r.event_type, r.subtype) for r in security]  # type: ignore[attr-defined]
    assert kinds == [("future_event", ""), ("security_event", "brand_new_subtype"),
                     ("security_event", "cert_authority_installed"),
                     ("security_event", "crypto_self_test_completed")]
    ca, test = security[2], security[3]
    assert isinstance(ca, IntrusionSecurityEvent) and isinstance(test, IntrusionSecurityEvent)
    assert (ca.tag, ca.success, ca.subject) == (210029, True, "CN=Intercept CA")
    assert test.success is False


def _event(subtype: str, **payload: object) -> IntrusionSecurityEvent:
    return IntrusionSecurityEvent(subtype=subtype, success=payload.pop("success", None),  # type: ignore[arg-type]
                                  key_id=str(payload.pop("key_id", "")),
                                  uid=payload.pop("uid", None))  # type: ignore[arg-type]


@pytest.mark.parametrize(("event", "finding"), [
    (_event("cert_authority_installed", success=True), "android-cert-authority-installed"),
    (_event("cert_authority_installed"), "android-cert-authority-installed"),
    (_event("cert_authority_installed", success=False), None),
    (_event("cert_validation_failure"), "android-cert-validation-failure"),
    (_event("key_integrity_violation", key_id="user_key", uid=10100),
     "android-key-integrity-violation"),
    (_event("key_integrity_violation", key_id="PinStorage_crossReboot_key", uid=1001),
     "android-key-integrity-violation"),  # the benign exception is for key generation only
    (_event("key_generated", success=False, key_id="PinStorage_crossReboot_key", uid=1001),
     None),
    (_event("wipe_failure"), "android-wipe-failure"),
    (_event("crypto_self_test_completed", success=False), "android-crypto-self-test-failed"),
    (_event("crypto_self_test_completed", success=True), None),
    (_event("key_generated", success=False, key_id="k", uid=10100),
     "android-key-generation-failed"),
    (_event("key_generated", success=True, key_id="k", uid=10100), None),
    (_event("keyguard_secured"), None),
])
def test_security_findings(event: IntrusionSecurityEvent, finding: str | None) -> None:
    found = [d.finding for d in analyse(event, "android.intrusion.security",
                                        "intrusion_security")]
    assert found == ([finding] if finding else [])


def test_hostile_zip_members_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("../../evil.txt", il.ndjson(DAY1))
        archive.writestr("/abs/evil.txt", il.ndjson(DAY1))
        archive.writestr("ok/intrusion_log_0.txt", il.ndjson(DAY2))
    with open_intrusion_logs(path) as logs:
        assert sorted(logs.refused) == ["export.zip/../../evil.txt: path with '..'",
                                        "export.zip//abs/evil.txt: absolute path"]
        result, found = _records(logs)
    dns = {s.id: s for s in result.statuses}["android.intrusion.dns"]
    assert dns.state == ArtifactState.PARTIAL
    assert len(dns.problems) == 2
    assert [r.event_id for r in found["android.intrusion.dns"]] == [101, 103, 105]  # type: ignore[attr-defined]
    assert not (tmp_path.parent / "evil.txt").exists()


def test_no_logs_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(InputError, match="no intrusion-log files"):
        open_intrusion_logs(tmp_path)


def test_check_intrusion_logs_end_to_end(tmp_path: Path) -> None:
    bundle = BundleBuilder("spy")
    spy = bundle.malware("ExampleSpy")
    for pattern in ("[domain-name:value = 'spyhost.net']", "[ipv4-addr:value = '198.51.100.7']",
                    "[app:id = 'com.example.spy']", f"[file:hashes.sha256 = '{APK_SHA}']"):
        bundle.indicator(pattern, indicates=spy)
    iocs = bundle.write(tmp_path / "spy.stix2")
    folder = _export(tmp_path)
    before = {p: p.read_bytes() for p in folder.iterdir()}
    out = tmp_path / "out"
    assert main(["android", "check-intrusion-logs", str(folder), "-i", str(iocs),
                 "-o", str(out), "-j", "2"]) == 2
    alerts = json.loads((out / "alerts.json").read_text())
    matched = sorted((a["module"], a["matched_indicator"]["value"]) for a in alerts
                     if a["matched_indicator"])
    assert matched == [
        ("intrusion_connect", "198.51.100.7"), ("intrusion_connect", "com.example.spy"),
        ("intrusion_dns", "198.51.100.7"), ("intrusion_dns", "com.example.spy"),
        ("intrusion_dns", "spyhost.net"),
        ("intrusion_security", APK_SHA), ("intrusion_security", "com.example.spy"),
        ("intrusion_security", "com.example.spy"),
    ]
    assert {p: p.read_bytes() for p in folder.iterdir()} == before
    with (out / "timeline.csv").open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert [r[2] for r in rows[1:4]] == ["DNS lookup", "Network connection", "Security event"]
    assert rows[1][0] == "2026-01-01 00:00:00.000000"
    info = json.loads((out / "info.json").read_text())
    assert info["acquisition_kind"] == "android-intrusion-logs"
    assert {h["file_path"] for h in info["hashes"]} == {"Pixel 9_20260101.zip", "older.zip"}


def test_inside_an_androidqf_acquisition(tmp_path: Path) -> None:
    """The calls androidqf's command makes: its folder, or its zip with `under`."""
    acquisition = tmp_path / "acq"
    (acquisition / "intrusion_logs").mkdir(parents=True)
    (acquisition / "getprop.txt").write_text("[ro.build.version.sdk]: [36]\n")
    (acquisition / "intrusion_logs" / "Pixel_20260101.zip").write_bytes(
        il.zip_of({"intrusion_log_0.txt": il.ndjson(DAY1)}))
    with open_intrusion_logs(acquisition) as logs:  # getprop.txt is not JSON: left out
        assert [e.address for e in logs.entries] == [
            "intrusion_logs/Pixel_20260101.zip/intrusion_log_0.txt"]
    packed = tmp_path / "acq.zip"
    packed.write_bytes(il.zip_of({
        "getprop.txt": b"[ro.build.version.sdk]: [36]\n",
        "logs/notes.txt": b"{ not a log }",
        "intrusion_logs/Pixel_20260101.zip": il.zip_of({"a.txt": il.ndjson(DAY1)}),
        "intrusion_logs/Pixel_20260102.zip": il.zip_of({"b.txt": il.ndjson(DAY2)})}))
    with packed.open("rb") as handle, IntrusionLogs.from_zip(
            handle, name="acq.zip", root=packed, under="intrusion_logs/") as logs:
        assert [e.address for e in logs.entries] == [
            "acq.zip/intrusion_logs/Pixel_20260101.zip/a.txt",
            "acq.zip/intrusion_logs/Pixel_20260102.zip/b.txt"]
        _result, found = _records(logs)
    assert [r.event_id for r in found["android.intrusion.dns"]] == [101, 103, 105]  # type: ignore[attr-defined]
    with open_intrusion_logs(packed) as logs:  # the whole acquisition zip, as a user may
        assert [e.address for e in logs.entries] == [
            "acq.zip/intrusion_logs/Pixel_20260101.zip/a.txt",
            "acq.zip/intrusion_logs/Pixel_20260102.zip/b.txt"]


def test_event_times_in_another_unit_are_read_by_their_size(tmp_path: Path) -> None:
    events = [il.security(1, T0, "os_startup"),  # ms instead of ns
              il.security(2, T0 // 1000, "os_shutdown"),  # seconds
              il.security(3, 0, "logging_started")]  # unset
    (tmp_path / "a.txt").write_bytes(il.ndjson(events))
    with open_intrusion_logs(tmp_path / "a.txt") as logs:
        _result, found = _records(logs)
    times = [(r.event_time.encoding.value, r.event_time.utc)  # type: ignore[attr-defined]
             for r in found["android.intrusion.security"]]
    assert times == [("unix_ms", "2026-01-01T00:00:00.000000+00:00"),
                     ("unix_s", "2026-01-01T00:00:00.000000+00:00"), ("unix_ns", "")]


def test_an_overlong_line_is_a_bad_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from perito.sources import intrusion_logs

    monkeypatch.setattr(intrusion_logs, "MAX_LINE", 300)
    long_line = b'{"dns_event": {"hostname": "' + b"a" * 500 + b'"}}\n'
    (tmp_path / "a.txt").write_bytes(il.ndjson(DAY1[:1]) + long_line + il.ndjson(DAY2[1:2]))
    with open_intrusion_logs(tmp_path / "a.txt") as logs:
        result, found = _records(logs)
    assert [r.event_id for r in found["android.intrusion.dns"]] == [101, 103]  # type: ignore[attr-defined]
    dns = next(s for s in result.statuses if s.id == "android.intrusion.dns")
    assert any("1 lines are not JSON" in note for note in dns.notes)


def test_lines_across_chunk_boundaries(monkeypatch: pytest.MonkeyPatch) -> None:
    from perito.sources import intrusion_logs

    monkeypatch.setattr(intrusion_logs, "MAX_LINE", 20)
    data = b"one\r\ntwo\n" + b"x" * 50 + b"\n\nthree\nlast"
    for size in (1, 2, 3, 7, 16, 1000):
        chunks = [data[i:i + size] for i in range(0, len(data), size)]
        got = list(intrusion_logs.lines(chunks))
        assert got[:2] == [b"one", b"two"] and got[3:] == [b"", b"three", b"last"], size
        # the overlong line: a prefix longer than MAX_LINE, ended by NUL so never JSON
        assert got[2].endswith(b"\x00") and 20 < len(got[2]) - 1 <= 50
        assert set(got[2][:-1]) == {ord("x")}


def test_json_that_orjson_refuses_is_still_read(tmp_path: Path) -> None:
    line = (b'{"dns_event": {"event_id": 123456789012345678901234567890, "event_time": '
            b'1767225600000, "hostname": "odd\\ud800.example.net"}}\n')
    (tmp_path / "a.txt").write_bytes(line)
    with open_intrusion_logs(tmp_path / "a.txt") as logs:
        _result, found = _records(logs)
    (event,) = found["android.intrusion.dns"]
    assert isinstance(event, IntrusionDnsEvent)
    assert event.event_id == 123456789012345678901234567890


def test_a_dns_answer_given_as_one_string(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(
        b'{"dns_event": {"event_id": 1, "event_time": 1767225600000, "package_name": "a.b", '
        b'"hostname": "c.example", "ip_addresses": "host/192.0.2.5"}}\n')
    with open_intrusion_logs(tmp_path / "a.txt") as logs:
        _result, found = _records(logs)
    (event,) = found["android.intrusion.dns"]
    assert isinstance(event, IntrusionDnsEvent)
    assert event.ip_addresses == ("192.0.2.5",)
