from __future__ import annotations

import sqlite3
from pathlib import Path

import perito.analysis  # noqa: F401  (registers the heuristics and correlations)
from perito.analysis.triangulation import (
    ARTIFACT_ID,
    FINDING,
    TriangulationWindow,
    WindowEvent,
    deeper_times,
    ordered,
    suspicious_windows,
    time_window,
    timeline_of,
    window_classes,
    window_end,
)
from perito.artifacts.base import Context
from perito.artifacts.ios import datausage, locationd_clients, os_analytics_ad_daily
from perito.artifacts.ios.datausage import DataUsageProcess
from perito.artifacts.ios.locationd_clients import LocationdClient
from perito.artifacts.ios.os_analytics_ad_daily import OsAnalyticsNetUsage
from perito.artifacts.ios.triangulation_files import (
    ARTIFACT,
    TriangulationFileEvent,
    sms_role,
)
from perito.detections import CORRELATIONS, Detection
from perito.levels import Level
from perito.pipeline import scan
from perito.records import Record, events, from_dict, observables, to_dict
from perito.sources.ios_backup import IosBackup, file_id
from perito.timestamps import Encoding, decode
from tests.builders.ios.small_plists import (
    ATTACHMENTS,
    IONOSPHERE,
    T0,
    FileTimes,
    add_sms_directories,
    triangulation_backup,
)
from tests.builders.ios_backup import BackupBuilder
from tests.helpers import extract

NS = 1_000_000_000
ARTIFACTS = (ARTIFACT, datausage.ARTIFACT, os_analytics_ad_daily.ARTIFACT,
             locationd_clients.ARTIFACT)


def _file_events(root: Path) -> list[TriangulationFileEvent]:
    records, notes = extract(root, ARTIFACT)
    assert notes == []
    assert all(isinstance(r, TriangulationFileEvent) for r in records)
    return [r for r in records if isinstance(r, TriangulationFileEvent)]


def _scan(root: Path) -> list[Detection]:
    with IosBackup(root) as backup:
        result = scan(backup, ARTIFACTS, None, None)
    assert not result.failed
    return result.detections


# -- the file-events artifact ---------------------------------------------------------------

def test_file_events_read_only_the_needed_rows(tmp_path: Path) -> None:
    records = _file_events(triangulation_backup().write(tmp_path / "backup"))
    roles = {(r.domain, r.relative_path): r.role for r in records}
    guid = "7E2C4D51-9B0A-4F57-8D63-2A1E0C9B5F30"
    assert roles == {
        ("HomeDomain", "Library/Preferences/com.apple.imservice.ids.FaceTime.plist"):
            "preferences",
        ("HomeDomain", "Library/Preferences/com.apple.locationd.StatusBarIconManager.plist"):
            "preferences",
        ("RootDomain", "Library/Preferences/com.apple.ImageIO.plist"): "preferences",
        ("MediaDomain", f"{ATTACHMENTS}/0c"): "sms-directory",
        ("MediaDomain", f"{ATTACHMENTS}/0c/12"): "sms-directory",
        ("MediaDomain", f"{ATTACHMENTS}/1a"): "sms-directory",
        ("MediaDomain", f"{ATTACHMENTS}/1a/03"): "sms-directory",
        ("MediaDomain", f"{ATTACHMENTS}/1a/03/{guid}"): "sms-attachment",
        ("MediaDomain", f"{ATTACHMENTS}/1a/03/{guid}/IMG_4821.heic"): "sms-attachment",
        ("MediaDomain", f"{ATTACHMENTS}/7f"): "sms-directory",
        ("MediaDomain", f"{ATTACHMENTS}/7f/02"): "sms-directory",
        ("MediaDomain", f"{ATTACHMENTS}/7f/02/0B6E8C22-51D3-4A7E-9F10-3C5D7A9E1B42"):
            "sms-attachment",
        ("MediaDomain", f"{ATTACHMENTS}/7f/02/0B6E8C22-51D3-4A7E-9F10-3C5D7A9E1B42/"
                        "Audio Message.caf"): "sms-attachment",
    }
    folder = next(r for r in records if r.relative_path == f"{ATTACHMENTS}/0c/12")
    assert folder.flags == 2 and folder.source == "Manifest.db"
    assert folder.created.encoding is Encoding.UNIX_S
    assert (folder.created.ns, folder.modified.ns, folder.status_changed.ns) == (
        T0 * NS, (T0 + 2) * NS, (T0 + 2) * NS)
    assert folder.describe() == "Library/SMS/Attachments/0c/12 - MediaDomain (sms-directory)"


def test_file_events_carry_no_observables_nor_timeline(tmp_path: Path) -> None:
    records = _file_events(triangulation_backup().write(tmp_path / "backup"))
    assert [o for r in records for o in observables(r)] == []  # ios.backup.manifest has them
    assert [e for r in records for e in events(r)] == []


def test_file_events_round_trip(tmp_path: Path) -> None:
    for record in _file_events(triangulation_backup().write(tmp_path / "backup")):
        assert from_dict(to_dict(record)) == record


def test_sms_roles_by_depth() -> None:
    assert sms_role("Library/SMS/Attachments/0c") == "sms-directory"
    assert sms_role("Library/SMS/Attachments/0c/12") == "sms-directory"
    assert sms_role("Library/SMS/Attachments/0c/12/GUID") == "sms-attachment"
    assert sms_role("Library/SMS/Attachments/0c/12/GUID/a.jpg") == "sms-attachment"


def test_backup_without_the_files(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_file("HomeDomain", "Library/Preferences/com.apple.Preferences.plist", b"x")
    builder.add_directory("MediaDomain", "Library/SMS")  # no Attachments folder
    assert _file_events(builder.write(tmp_path / "backup")) == []


def test_unreadable_metadata_is_a_note(tmp_path: Path) -> None:
    builder = BackupBuilder()
    add_sms_directories(builder, {"0c": FileTimes(T0, T0, T0)})
    root = builder.write(tmp_path / "backup")
    with sqlite3.connect(root / "Manifest.db") as db:
        db.execute("UPDATE Files SET file = ? WHERE fileID = ?",
                   (b"bplist00\xff\xff", file_id("MediaDomain", f"{ATTACHMENTS}/0c")))
    db.close()
    records, notes = extract(root, ARTIFACT)
    assert notes == ["1 Manifest rows had unreadable metadata"]
    assert len(records) == 1 and isinstance(records[0], TriangulationFileEvent)
    assert not records[0].modified.ok


# -- the correlation over a whole backup ----------------------------------------------------

def test_co_occurring_events_raise_a_suspicion(tmp_path: Path) -> None:
    detections = _scan(triangulation_backup().write(tmp_path / "backup"))
    windows = [d for d in detections if d.finding == FINDING]
    assert len(windows) == 1
    (found,) = windows
    assert found.level is Level.MEDIUM
    assert (found.artifact, found.module) == (ARTIFACT_ID, "triangulation")
    assert found.event_time is not None and found.event_time.ns == T0 * NS
    assert found.message == (
        "2023-06-01 10:00:00 UTC SUSPICION: events of the classes sms, file, net, location "
        "close together (10 events or fewer within 5 minutes; Operation Triangulation "
        "time-window check): "
        "2023-06-01 10:00:00 sms: Library/SMS/Attachments/0c/12 created; "
        "2023-06-01 10:00:02 sms: Library/SMS/Attachments/0c status changed; "
        "2023-06-01 10:00:02 sms: Library/SMS/Attachments/0c modified; "
        "2023-06-01 10:00:02 sms: Library/SMS/Attachments/0c/12 status changed; "
        "2023-06-01 10:00:02 sms: Library/SMS/Attachments/0c/12 modified; "
        "2023-06-01 10:00:05 file: Library/Preferences/com.apple.ImageIO.plist status changed; "
        "2023-06-01 10:00:05 file: Library/Preferences/com.apple.ImageIO.plist modified; "
        "2023-06-01 10:01:00 net: com.apple.WebKit.WebContent network use baseline "
        "(OSAnalyticsADDaily); "
        "2023-06-01 10:01:00 net: com.apple.WebKit.WebContent latest network use (DataUsage); "
        f"2023-06-01 10:02:00 location: {IONOSPHERE} location use stopped (locationd)")
    assert found.rationale.startswith("Single events are weak")
    window = found.record
    assert isinstance(window, TriangulationWindow)
    assert window.classes == ("sms", "file", "net", "location")
    assert len(window.events) == 10 and window.end.ns == (T0 + 120) * NS
    assert window.source == ("Manifest.db, HomeDomain/Library/Preferences/"
                             "com.apple.osanalytics.addaily.plist, WirelessDomain/Library/"
                             "Databases/DataUsage.sqlite, RootDomain/Library/Caches/"
                             "locationd/clients.plist")
    assert from_dict(to_dict(window)) == window


def test_no_suspicion_without_co_occurrence(tmp_path: Path) -> None:
    detections = _scan(triangulation_backup(suspicious=False).write(tmp_path / "backup"))
    assert [d for d in detections if d.finding == FINDING] == []


def test_the_correlation_is_registered() -> None:
    (rule,) = [c for c in CORRELATIONS if c.name == FINDING]
    assert set(rule.wants) == {TriangulationFileEvent, DataUsageProcess, OsAnalyticsNetUsage,
                               LocationdClient}
    assert list(time_window([])) == []


def test_only_the_records_the_window_reads_are_kept(tmp_path: Path) -> None:
    """The pipeline keeps (and workers send) only what `keeps` accepts: the suspicion found
    from those is the one found from every record of the wanted types."""
    from perito.pipeline import files_of
    from perito.sources.base import Source

    (rule,) = [c for c in CORRELATIONS if c.name == FINDING]
    root = triangulation_backup().write(tmp_path / "backup")
    with IosBackup(root) as backup:
        source: Source = backup
        every: list[Record] = []
        for artifact in (datausage.ARTIFACT, locationd_clients.ARTIFACT,
                         os_analytics_ad_daily.ARTIFACT, ARTIFACT):
            for evidence in files_of(source, artifact):
                every.extend(r for r in artifact.extract(Context(source, evidence))
                             if isinstance(r, rule.wants))
    read = [r for r in every if rule.reads(r)]
    dropped = [r for r in every if not rule.reads(r)]
    assert any(isinstance(r, DataUsageProcess) for r in dropped)
    assert not any(isinstance(r, TriangulationFileEvent) for r in dropped)
    assert [d.message for d in time_window(read)] == [d.message for d in time_window(every)]
    assert len(list(time_window(every))) == 1


# -- the window rules -------------------------------------------------------------------------

def _at(seconds: float, event_class: str, subject: str = "x", kind: str = "M") -> WindowEvent:
    stamp = decode(T0 + seconds, Encoding.UNIX_S)
    assert stamp.ns is not None
    order = {"sms": 0, "file": 1, "net": 2, "location": 3}[event_class]
    return WindowEvent(stamp.ns, order, subject, kind, event_class, "changed", stamp, "test")


def _sms_dir(seconds: float, subject: str = "Library/SMS/Attachments/0c") -> list[WindowEvent]:
    return [_at(seconds, "sms", subject, "M"), _at(seconds, "sms", subject, "C")]


def _classes(events: list[WindowEvent], deeper: tuple[int, ...] = ()) -> list[set[str]]:
    times = sorted((T0 + seconds) * NS for seconds in deeper)
    return [classes for _s, _e, classes in suspicious_windows(ordered(events), times)]


def test_five_minutes_is_inside_the_window() -> None:
    assert _classes([_at(0, "net"), _at(300, "location")]) == [{"net", "location"}]
    late = _at(300, "location")
    later = WindowEvent(late.ns + 1, 3, "x", "M", "location", "changed", late.stamp, "test")
    assert _classes([_at(0, "net"), later]) == []


def test_a_window_holds_ten_events_at_most() -> None:
    nine_files = [_at(i, "file", f"f{i}") for i in range(1, 10)]
    events = ordered([_at(0, "net"), *nine_files, _at(20, "location")])
    assert window_end(events, 0) == 10
    assert window_classes(events[0:10]) == {"net", "file"}
    assert window_classes(events[1:11]) == {"file", "location"}
    only_files = [_at(i, "file", f"f{i}") for i in range(10)]
    events = ordered([*only_files, _at(20, "net")])
    assert window_end(events, 0) == 10
    assert _classes([*only_files, _at(20, "net")]) == [{"file", "net"}]


def test_sms_directories_need_both_modified_and_changed() -> None:
    assert _classes([*_sms_dir(0), _at(60, "net")]) == [{"sms", "net"}]
    only_modified = [_at(0, "sms", "Library/SMS/Attachments/0c", "M"),
                     _at(0, "sms", "Library/SMS/Attachments/0c", "B")]
    assert _classes([*only_modified, _at(60, "net")]) == []
    # A directory lacking one of the two does not drop the window (triangle_check does).
    assert _classes([*only_modified, _at(30, "file"), _at(60, "net")]) == [{"file", "net"}]


def test_a_deeper_attachment_path_drops_the_window() -> None:
    events = [*_sms_dir(0), _at(60, "net"), _at(90, "file")]
    assert window_classes(ordered(events), [(T0 + 1) * NS]) == set()
    assert window_classes(ordered(events), [(T0 + 91) * NS]) == {"sms", "net", "file"}
    # Windows that start after the deeper path still count.
    assert _classes(events, deeper=(1,)) == [{"net", "file"}]
    assert _classes(events, deeper=(90,)) == []


def test_deeper_paths_do_not_depend_on_the_order_within_a_second() -> None:
    # Eleven events in one second, more than a window holds: a deeper path of the same second
    # still drops every window.
    same_second = [e for n in range(4) for e in _sms_dir(0, f"Library/SMS/Attachments/{n:02x}")]
    same_second += [_at(0, "file", f"f{n}") for n in range(3)]
    assert _classes(same_second, deeper=(0,)) == []
    assert _classes(same_second) == [{"sms", "file"}]


def test_deeper_times_come_from_attachment_rows_only() -> None:
    stamp = decode(T0, Encoding.UNIX_S)
    rows: list[Record] = [
        TriangulationFileEvent(relative_path=f"{ATTACHMENTS}/0c/12/G/a.jpg",
                               role="sms-attachment", created=stamp, modified=stamp,
                               status_changed=decode(T0 + 5, Encoding.UNIX_S)),
        TriangulationFileEvent(relative_path=f"{ATTACHMENTS}/0c/12", role="sms-directory",
                               modified=decode(T0 + 9, Encoding.UNIX_S)),
    ]
    assert deeper_times(rows) == [T0 * NS, (T0 + 5) * NS]
    assert [(e.event_class, e.kind) for e in timeline_of(rows)] == [("sms", "M")]


def test_overlapping_windows_are_one_detection() -> None:
    events = ordered([_at(0, "net"), _at(200, "file"), _at(400, "location"), _at(3_600, "net"),
                     _at(3_700, "file")])
    assert [(start, end, classes) for start, end, classes in suspicious_windows(events)] == [
        (0, 3, {"net", "file", "location"}), (3, 5, {"net", "file"})]


def test_repeated_facts_count_once_and_backupagent_is_network_use() -> None:
    stamp = decode(T0 - 978_307_200, Encoding.COCOA_S)
    rows: list[Record] = [
        DataUsageProcess(process_name="nehelper", timestamp=stamp, live_id=1),
        DataUsageProcess(process_name="nehelper", timestamp=stamp, live_id=2),
        DataUsageProcess(process_name="nehelper2", timestamp=stamp),
        OsAnalyticsNetUsage(process_name="BackupAgent", date=stamp),
        LocationdClient(client=IONOSPHERE + ":", location_time_stopped=stamp),
        LocationdClient(client="com.apple.Maps", location_time_stopped=stamp),
    ]
    assert [(e.event_class, e.subject, e.kind) for e in timeline_of(rows)] == [
        ("net", "BackupAgent", "baseline"), ("net", "nehelper", "latest"),
        ("location", IONOSPHERE, "stopped")]
    (detection,) = time_window(rows)
    assert detection.level is Level.MEDIUM
