from __future__ import annotations

import plistlib
from pathlib import Path
from typing import Any

import pytest

import perito.analysis  # noqa: F401  (registers the heuristics)
from perito.artifacts.base import SchemaMismatch
from perito.artifacts.ios.os_analytics_ad_daily import ARTIFACT, OsAnalyticsNetUsage
from perito.detections import analyse
from perito.levels import Level
from perito.records import Kind, from_dict, observables, to_dict
from perito.sources.plist import PlistError
from perito.timestamps import Encoding, TimeState
from tests.builders.ios.small_plists import ADDAILY_PATH, T0, addaily_plist
from tests.builders.ios_backup import BackupBuilder
from tests.helpers import extract


def _extract(tmp_path: Path, data: bytes) -> tuple[list[OsAnalyticsNetUsage], list[str]]:
    builder = BackupBuilder()
    builder.add_file("HomeDomain", ADDAILY_PATH, data)
    records, notes = extract(builder.write(tmp_path / "backup"), ARTIFACT)
    assert all(isinstance(r, OsAnalyticsNetUsage) for r in records)
    return [r for r in records if isinstance(r, OsAnalyticsNetUsage)], notes


def _by_name(records: list[OsAnalyticsNetUsage]) -> dict[str, OsAnalyticsNetUsage]:
    return {r.process_name: r for r in records}


def test_one_record_per_process(tmp_path: Path) -> None:
    records, notes = _extract(tmp_path, addaily_plist())
    assert [r.process_name for r in records] == [
        "CommCenter", "apsd", "assistantd", "com.apple.WebKit.WebContent", "identityservicesd",
        "mDNSResponder", "nehelper", "nsurlsessiond"]
    assert notes == ["1 netUsageBaseline entries were not arrays and were skipped"]
    webkit = _by_name(records)["com.apple.WebKit.WebContent"]
    assert webkit.source == "HomeDomain/" + ADDAILY_PATH
    assert webkit.date.encoding is Encoding.PLIST_DATE
    assert webkit.date.ns == (T0 + 60) * 1_000_000_000
    assert webkit.date.iso() == "2023-06-01T10:01:00.000000+00:00"
    assert (webkit.wifi_in, webkit.wifi_out, webkit.wwan_in, webkit.wwan_out) == (
        48_211_954, 2_114_870, 3_551_220, 301_442)
    assert webkit.describe() == (
        "Process com.apple.WebKit.WebContent used the network: Wi-Fi in 48211954 B, "
        "out 2114870 B; cellular in 3551220 B, out 301442 B")


def test_odd_shapes(tmp_path: Path) -> None:
    records = _by_name(_extract(tmp_path, addaily_plist())[0])
    short = records["identityservicesd"]
    assert short.wifi_in == 410_229
    assert (short.wifi_out, short.wwan_in, short.wwan_out) == (None, None, None)
    assert short.describe().endswith("out ? B")
    numeric = records["assistantd"]  # a date stored as a number is Cocoa seconds
    assert numeric.date.encoding is Encoding.COCOA_S
    assert numeric.date.ns == (T0 - 1_800) * 1_000_000_000


def test_empty_and_missing_values(tmp_path: Path) -> None:
    data = plistlib.dumps({"netUsageBaseline": {"a": [], "b": ["not a date", "x", None, 1.5,
                                                                True]}},
                          fmt=plistlib.FMT_BINARY)
    records = _by_name(_extract(tmp_path, data)[0])
    assert records["a"].date.state is TimeState.UNSET
    assert records["a"].wifi_in is None
    assert records["b"].date.state is TimeState.UNSET
    assert (records["b"].wifi_in, records["b"].wifi_out, records["b"].wwan_in,
            records["b"].wwan_out) == (None, None, 1.5, 1)


def test_observables_and_timeline(tmp_path: Path) -> None:
    record = _by_name(_extract(tmp_path, addaily_plist())[0])["nehelper"]
    assert list(observables(record)) == [("process_name", Kind.PROCESS, "nehelper")]
    assert ARTIFACT.slug == "os_analytics_ad_daily" and ARTIFACT.plugin == "OSAnalyticsADDaily"


def test_records_round_trip(tmp_path: Path) -> None:
    for record in _extract(tmp_path, addaily_plist(backup_agent=True))[0]:
        assert from_dict(to_dict(record)) == record


def test_no_baseline_key(tmp_path: Path) -> None:
    """No processes, and a note: zero records are not silent."""
    data = plistlib.dumps({"lastSubmission": 1}, fmt=plistlib.FMT_BINARY)
    assert _extract(tmp_path, data) == ([], ["no netUsageBaseline in the file: no process "
                                             "to read"])


@pytest.mark.parametrize("value", [["netUsageBaseline"], {"netUsageBaseline": [1, 2]}])
def test_foreign_shapes_are_a_schema_mismatch(tmp_path: Path, value: Any) -> None:
    builder = BackupBuilder()
    builder.add_file("HomeDomain", ADDAILY_PATH, plistlib.dumps(value, fmt=plistlib.FMT_BINARY))
    with pytest.raises(SchemaMismatch):
        extract(builder.write(tmp_path / "backup"), ARTIFACT)


def test_corrupt_plist(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_file("HomeDomain", ADDAILY_PATH, addaily_plist()[:30] + b"\xff" * 20)
    with pytest.raises(PlistError):
        extract(builder.write(tmp_path / "backup"), ARTIFACT)


# -- heuristics -----------------------------------------------------------------------------

def test_backupagent_on_the_network(tmp_path: Path) -> None:
    records = _extract(tmp_path, addaily_plist(backup_agent=True))[0]
    found = [(d.finding, d.level, d.message) for r in records
             for d in analyse(r, ARTIFACT.id, ARTIFACT.slug)]
    assert found == [("addaily-backupagent", Level.HIGH,
                      "Process BackupAgent used the network according to OSAnalyticsADDaily "
                      "(Operation Triangulation indicator)")]


def test_no_finding_for_ordinary_processes(tmp_path: Path) -> None:
    records = _extract(tmp_path, addaily_plist())[0]
    assert [d for r in records for d in analyse(r, ARTIFACT.id, ARTIFACT.slug)] == []
    near_miss = OsAnalyticsNetUsage(process_name="BackupAgent2")
    assert list(analyse(near_miss, ARTIFACT.id, ARTIFACT.slug)) == []
