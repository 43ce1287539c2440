"""Operation Triangulation: BackupAgent on the network, and the time-window correlation.

Kaspersky's triangle_check (ios.md §7) looks for events of different kinds that happen within
minutes of each other, a signal that needs no indicators:

- *sms*: the modified / status-changed / birth times of SMS-attachment directories
  (`Library/SMS/Attachments/ab` and `…/ab/12`); a directory counts when the window holds both
  its modified and its status-changed event. A deeper attachment path (`…/ab/12/<GUID>/…`)
  changed between the window's first and last event means that a kept, ordinary attachment
  arrived then, and the window is dropped as a false positive.
- *file*: changes of the ImageIO, FaceTime and StatusBarIconManager preference plists.
- *net*: first and last network use of `nehelper`, `com.apple.WebKit.WebContent`,
  `powerd/com.apple.datausage.diagnostics` and `lockdownd/com.apple.datausage.security`
  (DataUsage and OSAnalyticsADDaily; exact names, as triangle_check compares them), and of
  `BackupAgent`, which is also a HIGH finding of its own.
- *location*: `LocationTimeStopped` of the `IonosphereHarvest.bundle` and
  `WRMLinkSelection.bundle` locationd clients.

The merged, time-sorted events are scanned with a window that starts at every event and holds
at most 10 events within 5 minutes of its first; two or more classes in a window are a
SUSPICION (MEDIUM). Overlapping suspicious windows are reported as one detection. Deliberate
differences from triangle_check: windows start at every event (it skips the last ten, so a
timeline of ten events or fewer is never examined); deeper attachment paths drop every window
whose time span holds one but do not take its places (in triangle_check they count among the
ten events, so whether a window is dropped depends on how events of the same second happen to
be ordered); a directory without both times in the window does not add the *sms* class but
does not drop the window either (it drops it); the same event read twice (a process time
repeated on each of its traffic rows) counts once.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from perito.analysis.datausage import BACKUP_AGENT
from perito.artifacts.ios.datausage import DataUsageProcess
from perito.artifacts.ios.locationd_clients import LocationdClient
from perito.artifacts.ios.os_analytics_ad_daily import OsAnalyticsNetUsage
from perito.artifacts.ios.triangulation_files import (
    PREFERENCES,
    SMS_ATTACHMENT,
    SMS_DIRECTORY,
    TriangulationFileEvent,
)
from perito.detections import Detection, correlation, heuristic
from perito.levels import Level
from perito.records import Record, register_record, timeline
from perito.timestamps import Encoding, Timestamp, unset

NET_PROCESSES = frozenset({"nehelper", "com.apple.WebKit.WebContent",
                           "powerd/com.apple.datausage.diagnostics",
                           "lockdownd/com.apple.datausage.security"})
LOCATION_CLIENTS = ("IonosphereHarvest.bundle", "WRMLinkSelection.bundle")
WINDOW_EVENTS = 10
WINDOW_NS = 5 * 60 * 1_000_000_000
MIN_CLASSES = 2
MAX_LISTED = 30

FINDING = "triangulation-time-window"
ARTIFACT_ID = "ios.triangulation.time_window"
MODULE = "triangulation"
RATIONALE = ("Single events are weak, but iMessage attachment processing, changes to the "
             "ImageIO, FaceTime or location-status preferences, network use by a few system "
             "processes and location-stop events within minutes of each other are the "
             "indicator-free pattern Kaspersky found for Operation Triangulation's zero-click "
             "chain (triangle_check).")

SMS, FILE, NET, LOCATION = "sms", "file", "net", "location"
_CLASS_ORDER = {SMS: 0, FILE: 1, NET: 2, LOCATION: 3}
_FILE_TIMES = (("M", "modified", "modified"), ("C", "status_changed", "status changed"),
               ("B", "created", "created"))


@heuristic(OsAnalyticsNetUsage, "addaily-backupagent", Level.HIGH,
           "BackupAgent is a deprecated binary that should not use the network; Operation "
           "Triangulation's implant ran under that name (Kaspersky, 2023).")
def backup_agent(record: Record) -> Iterator[str]:
    assert isinstance(record, OsAnalyticsNetUsage)
    if _is_backup_agent(record.process_name):
        yield (f"Process {record.process_name} used the network according to "
               "OSAnalyticsADDaily (Operation Triangulation indicator)")


def _is_backup_agent(name: str) -> bool:
    return name.split("/", 1)[0].strip() == BACKUP_AGENT


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class TriangulationWindow(Record):
    """A burst of co-occurring events found by the time-window correlation (not extracted)."""

    start: Timestamp = field(default=unset(Encoding.UNIX_S),
                             metadata=timeline("Triangulation time window"))
    end: Timestamp = field(default=unset(Encoding.UNIX_S))
    classes: tuple[str, ...] = ()
    events: tuple[str, ...] = ()  # "<UTC time> <class>: <what happened>"

    record_name = "Triangulation time window"

    def describe(self) -> str:
        return (f"{len(self.events)} events of the classes {', '.join(self.classes)} "
                "within minutes")


@dataclass(frozen=True, slots=True)
class WindowEvent:
    """One time of one record, classified for the window."""

    ns: int
    order: int  # of the class, so that events of the same time sort the same way every run
    subject: str
    kind: str  # M / C / B for files, else the record field's meaning
    event_class: str
    what: str
    stamp: Timestamp
    source: str

    def line(self) -> str:
        return f"{self.stamp.mvt_text()[:19]} {self.event_class}: {self.subject} {self.what}"


def _event(stamp: Timestamp, event_class: str, subject: str, kind: str, what: str,
           source: str) -> WindowEvent | None:
    if not stamp.ok or stamp.ns is None:
        return None
    return WindowEvent(stamp.ns, _CLASS_ORDER[event_class], subject, kind, event_class, what,
                       stamp, source)


def _file_events(record: TriangulationFileEvent) -> Iterator[WindowEvent | None]:
    event_class = {SMS_DIRECTORY: SMS, PREFERENCES: FILE}.get(record.role)
    if event_class is None:  # deeper attachment paths only drop windows (deeper_times)
        return
    for kind, name, what in _FILE_TIMES:
        stamp = getattr(record, name)
        yield _event(stamp, event_class, record.relative_path, kind, what, record.source)


def _is_net_process(name: str) -> bool:
    return name in NET_PROCESSES or _is_backup_agent(name)


def events_of(record: Record) -> Iterator[WindowEvent]:
    """The window events a record contributes (none for most records, nor for deeper
    attachment paths)."""
    found: Iterable[WindowEvent | None] = ()
    if isinstance(record, TriangulationFileEvent):
        found = _file_events(record)
    elif isinstance(record, DataUsageProcess) and _is_net_process(record.process_name):
        name, source = record.process_name, record.source
        found = (_event(record.first_timestamp, NET, name, "first",
                        "first network use (DataUsage)", source),
                 _event(record.timestamp, NET, name, "latest",
                        "latest network use (DataUsage)", source),
                 _event(record.live_timestamp, NET, name, "traffic",
                        "traffic counted (DataUsage)", source))
    elif isinstance(record, OsAnalyticsNetUsage) and _is_net_process(record.process_name):
        found = (_event(record.date, NET, record.process_name, "baseline",
                        "network use baseline (OSAnalyticsADDaily)", record.source),)
    elif isinstance(record, LocationdClient) and any(c in record.client
                                                     for c in LOCATION_CLIENTS):
        found = (_event(record.location_time_stopped, LOCATION, record.client.rstrip(":"),
                        "stopped", "location use stopped (locationd)", record.source),)
    for event in found:
        if event is not None:
            yield event


def _sort_key(event: WindowEvent) -> tuple[int, int, str, str]:
    return event.ns, event.order, event.subject, event.kind


def ordered(events: Iterable[WindowEvent]) -> list[WindowEvent]:
    """Events sorted by time (then class, subject and kind), each fact once."""
    unique = {_sort_key(event): event for event in events}
    return [unique[key] for key in sorted(unique)]


def timeline_of(records: Iterable[Record]) -> list[WindowEvent]:
    """The merged, time-sorted events of the records, each fact once."""
    return ordered(event for record in records for event in events_of(record))


def deeper_times(records: Iterable[Record]) -> list[int]:
    """The sorted times (ns) at which a deeper attachment path changed."""
    found: set[int] = set()
    for record in records:
        if isinstance(record, TriangulationFileEvent) and record.role == SMS_ATTACHMENT:
            for stamp in (record.created, record.modified, record.status_changed):
                if stamp.ok and stamp.ns is not None:
                    found.add(stamp.ns)
    return sorted(found)


def window_end(events: Sequence[WindowEvent], start: int) -> int:
    """The end (exclusive) of the window that starts at `start`."""
    end = min(start + WINDOW_EVENTS, len(events))
    limit = events[start].ns + WINDOW_NS
    for index in range(start + 1, end):
        if events[index].ns > limit:
            return index
    return end


def window_classes(window: Sequence[WindowEvent], deeper: Sequence[int] = ()) -> set[str]:
    """The event classes a window shows; empty when a deeper attachment path changed between
    its first and last event (`deeper`: the sorted times of those changes)."""
    if not window:
        return set()
    first = bisect.bisect_left(deeper, window[0].ns)
    if first < len(deeper) and deeper[first] <= window[-1].ns:
        return set()
    classes: set[str] = set()
    directories: dict[str, set[str]] = {}
    for event in window:
        if event.event_class == SMS:
            directories.setdefault(event.subject, set()).add(event.kind)
        else:
            classes.add(event.event_class)
    if any({"M", "C"} <= kinds for kinds in directories.values()):
        classes.add(SMS)
    return classes


def suspicious_windows(events: Sequence[WindowEvent], deeper: Sequence[int] = ()
                       ) -> Iterator[tuple[int, int, set[str]]]:
    """(start, end, classes) of each burst in the sorted `events`, overlapping suspicious
    windows merged; `deeper` are the sorted times of deeper attachment paths."""
    current: tuple[int, int, set[str]] | None = None
    for start in range(len(events)):
        end = window_end(events, start)
        classes = window_classes(events[start:end], deeper)
        if len(classes) < MIN_CLASSES:
            continue
        if current is not None and start < current[1]:
            current = (current[0], max(current[1], end), current[2] | classes)
            continue
        if current is not None:
            yield current
        current = (start, end, classes)
    if current is not None:
        yield current


def _detection(events: Sequence[WindowEvent], classes: set[str]) -> Detection:
    names = sorted(classes, key=_CLASS_ORDER.__getitem__)
    lines = [event.line() for event in events]
    listed = "; ".join(lines[:MAX_LISTED])
    if len(lines) > MAX_LISTED:
        listed += f"; and {len(lines) - MAX_LISTED} more"
    first, last = events[0], events[-1]
    window = TriangulationWindow(
        source=", ".join(dict.fromkeys(event.source for event in events)),
        start=first.stamp, end=last.stamp, classes=tuple(names), events=tuple(lines))
    message = (f"{first.stamp.mvt_text()[:19]} UTC SUSPICION: events of the classes "
               f"{', '.join(names)} close together (10 events or fewer within 5 minutes; "
               f"Operation Triangulation time-window check): {listed}")
    return Detection(level=Level.MEDIUM, artifact=ARTIFACT_ID, module=MODULE, message=message,
                     record=window, finding=FINDING, rationale=RATIONALE,
                     event_time=first.stamp)


def _read_by_window(record: Record) -> bool:
    """The records `events_of` or `deeper_times` take something from (of the wanted types,
    most DataUsage processes are not network processes the window looks at)."""
    if isinstance(record, DataUsageProcess | OsAnalyticsNetUsage):
        return _is_net_process(record.process_name)
    if isinstance(record, LocationdClient):
        return any(c in record.client for c in LOCATION_CLIENTS)
    return True


@correlation(FINDING, wants=(TriangulationFileEvent, DataUsageProcess, OsAnalyticsNetUsage,
                             LocationdClient), keeps=_read_by_window)
def time_window(records: list[Record]) -> Iterator[Detection]:
    events = timeline_of(records)
    for start, end, classes in suspicious_windows(events, deeper_times(records)):
        yield _detection(events[start:end], classes)
