"""What the report says, computed from the saved results, before any HTML."""

from __future__ import annotations

import bisect
import gettext
import heapq
import itertools
import logging
import operator
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

from markupsafe import Markup

from perito.artifacts import registry
from perito.output.report import chart, labels
from perito.output.report.redact import PLACEHOLDER, Redaction
from perito.output.report.saved import SavedScan
from perito.output.report.verdict import Verdict, advice, headline, verdict_of
from perito.output.timeline import Timeline
from perito.records import Record, from_dict, to_dict

log = logging.getLogger(__name__)
_T = TypeVar("_T")

LEVELS = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL")
SERIOUS = frozenset({"CRITICAL", "HIGH"})
NEAR_NS = chart.HOUR_NS  # "near a detection" in the table's filter
DEVICE_ARTIFACT = "ios.backup.info"
DEVICE_FIELDS = ("device_name", "product_name", "product_type", "product_version",
                 "build_version", "serial_number", "imei", "meid", "phone_number",
                 "last_backup_date")
VALUE_LIMIT = 400
TABLE_LIMIT = 250_000  # events the page embeds (about 2 s to open on a loaded 2-core machine)


@dataclass
class DetectionView:
    number: int
    level: str
    artifact: str
    title: str
    message: str
    time: str
    source: str
    match: dict[str, Any] | None
    indicator: str
    why: str
    owners: list[dict[str, Any]]
    fields: list[tuple[str, str]]
    ns: int | None


@dataclass
class EventColumns:
    """The page's table, one list per field, in timeline order (the page's data hold one
    array per field, not one per event)."""

    times: list[int]  # ms since 1970 UTC
    labels: list[int]  # index in `TimelineView.labels`
    texts: list[str]  # descriptions
    artifacts: list[int]  # index in `TimelineView.artifacts`

    def __len__(self) -> int:
        return len(self.times)


@dataclass
class TimelineView:
    events: EventColumns
    artifacts: list[str]
    labels: list[str]
    detections_ms: list[int]
    charts: list[Markup]
    hidden_charts: int
    unreadable: int
    total: int  # events in the scan; `events` holds at most TABLE_LIMIT of them


@dataclass
class ReportContent:
    language: str
    redacted: bool
    verdict: Verdict
    headline: str
    advice: str
    counts: dict[str, int]
    detections: list[DetectionView]
    artifacts: list[dict[str, Any]]
    artifact_states: dict[str, int]
    ioc_files: list[dict[str, Any]]
    heuristics: list[dict[str, Any]] | None
    timeline: TimelineView
    device: list[tuple[str, str]]
    info: dict[str, Any]
    info_sha256: str
    titles: dict[str, str] = field(default_factory=dict)  # artifact id → translated title
    problems: list[str] = field(default_factory=list)


def _kept_values(alerts: list[dict[str, Any]]) -> frozenset[str]:
    """Every value that matched an indicator: the evidence a redacted report still shows."""
    kept: set[str] = set()
    for alert in alerts:
        match = _match_of(alert)
        if match:
            kept.update(str(match.get(key) or "") for key in ("observed", "normalised"))
        indicator = alert.get("matched_indicator")
        if isinstance(indicator, dict):
            kept.add(str(indicator.get("value") or ""))
    kept.discard("")
    return frozenset(kept)


def _match_of(alert: Mapping[str, Any]) -> dict[str, Any] | None:
    extra = alert.get("perito")
    match = extra.get("match") if isinstance(extra, dict) else None
    return match if isinstance(match, dict) else None


def _why(match: dict[str, Any] | None, alert: Mapping[str, Any],
         t: gettext.NullTranslations) -> str:
    if match is None:
        extra = alert.get("perito")
        rationale = str(extra.get("rationale") or "") if isinstance(extra, dict) else ""
        return t.gettext(rationale) if rationale.strip() else ""
    kind = str(match.get("kind") or "")
    reasons = {
        "domain": t.gettext("The phone holds a trace of a domain that the indicator set "
                            "attributes to spyware infrastructure (a visit, a link or a "
                            "connection)."),
        "url": t.gettext("The phone holds a link that the indicator set attributes to "
                         "spyware infection attempts."),
        "process": t.gettext("A process with a name used by the spyware ran on the phone."),
        "email": t.gettext("An account that the indicator set attributes to the spyware "
                           "operators contacted the phone."),
        "phone": t.gettext("A number that the indicator set attributes to the spyware "
                           "operators appears on the phone."),
        "file_path": t.gettext("A file at a path used by the spyware exists on the phone."),
        "file_name": t.gettext("A file with a name used by the spyware exists on the phone."),
        "app_id": t.gettext("An app that the indicator set attributes to spyware is or was "
                            "installed."),
        "profile_id": t.gettext("A configuration profile that the indicator set attributes "
                                "to spyware was installed."),
        "ip": t.gettext("The phone holds a trace of an IP address that the indicator set "
                        "attributes to spyware infrastructure."),
    }
    general = t.gettext("The value is listed in the indicator set as a trace of spyware.")
    text = reasons.get(kind, general)
    if match.get("broad"):
        text += " " + t.gettext("The indicator is a public suffix shared by unrelated sites, "
                                "so the match is weaker.")
    return text


def _display(value: object) -> str:
    """A saved field as text: a time by its UTC text, lists joined, long values cut."""
    if isinstance(value, dict):
        if "utc" in value:
            return str(value.get("utc") or "")
        if "base64" in value:
            return f"base64 ({len(str(value['base64'])) * 3 // 4} B)"
    if isinstance(value, list):
        return ", ".join(_display(v) for v in value)
    text = "" if value is None else str(value)
    return text if len(text) <= VALUE_LIMIT else text[: VALUE_LIMIT - 1] + "…"


def _record_fields(event: dict[str, Any], redaction: Redaction | None
                   ) -> tuple[list[tuple[str, str]], list[str]]:
    """The fields of a detection's record to show, and the texts redaction hid from it."""
    hidden: list[str] = []
    data = event
    if redaction is not None:
        data, hidden = _redacted(event, redaction)
    shown = [(key, _display(value)) for key, value in data.items()
             if key not in ("record_type", "source") and value not in (None, "", [], {})]
    return [(k, v) for k, v in shown if v], hidden


def _redacted(saved: dict[str, Any], redaction: Redaction
              ) -> tuple[dict[str, Any], list[str]]:
    """A saved record through the redaction, and the texts it hid. A record of an unknown
    type loses every text but its source and the matched values."""
    try:
        record = from_dict(saved)
    except (KeyError, TypeError, ValueError):
        data = {k: (v if not isinstance(v, str | list | dict) or k == "source"
                    or (isinstance(v, str) and v in redaction.kept) else PLACEHOLDER)
                for k, v in saved.items()}
        return data, [v for v in saved.values() if isinstance(v, str)]
    return to_dict(redaction.record(record)), list(redaction.hidden_values(record))


def _owners(match: dict[str, Any] | None, ioc_files: Mapping[str, dict[str, Any]]
            ) -> list[dict[str, Any]]:
    owners = match.get("owners") if match else None
    out: list[dict[str, Any]] = []
    for owner in owners if isinstance(owners, list) else []:
        if not isinstance(owner, dict):
            continue
        loaded = ioc_files.get(str(owner.get("file_sha256") or ""), {})
        out.append({"name": owner.get("name") or "", "file_name": owner.get("file_name") or "",
                    "sha256": owner.get("file_sha256") or "",
                    "publishers": loaded.get("publishers") or [],
                    "newest": loaded.get("newest") or ""})
    return out


def _detections(scan: SavedScan, titles: Mapping[str, str], redaction: Redaction | None,
                t: gettext.NullTranslations) -> list[DetectionView]:
    ioc_files = {str(f.get("sha256")): f for f in scan.info.get("ioc_files") or []
                 if isinstance(f, dict)}
    order = {level: position for position, level in enumerate(LEVELS)}
    alerts = sorted(scan.alerts, key=lambda a: order.get(str(a.get("level")), len(LEVELS)))
    views: list[DetectionView] = []
    for number, alert in enumerate(alerts, start=1):
        extra = _mapping(alert.get("perito"))
        artifact = str(extra.get("artifact") or alert.get("module") or "")
        event = _mapping(alert.get("event"))
        match = _match_of(alert)
        fields, hidden = _record_fields(event, redaction)
        message = _match_sentence(match, alert, t) if match else str(alert.get("message") or "")
        if redaction is not None:
            message = redaction.text(message, hidden)
        views.append(DetectionView(
            number=number, level=str(alert.get("level") or ""), artifact=artifact,
            title=titles.get(artifact, artifact), message=message,
            time=str(alert.get("event_time") or ""), source=str(event.get("source") or ""),
            match=match, indicator=_indicator_value(alert), why=_why(match, alert, t),
            owners=_owners(match, ioc_files),
            fields=fields, ns=_event_ns(event)))
    return views


def _match_sentence(match: dict[str, Any], alert: Mapping[str, Any],
                    t: gettext.NullTranslations) -> str:
    """What matched, in the report's language, from the match's structured data."""
    owners = match.get("owners")
    names = sorted({str(o.get("name")) for o in (owners if isinstance(owners, list) else [])
                    if isinstance(o, dict) and o.get("name")})
    kind = str(match.get("kind") or "")
    return t.gettext("The value %(observed)r of the field %(field)s matches the %(kind)s "
                     "indicator %(indicator)r (%(owners)s).") % {
        "observed": str(match.get("observed") or ""), "field": str(match.get("field") or ""),
        "kind": labels.indicator_kinds(t).get(kind, kind),
        "indicator": _indicator_value(alert),
        "owners": ", ".join(names) or t.gettext("unattributed")}


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _indicator_value(alert: Mapping[str, Any]) -> str:
    indicator = alert.get("matched_indicator")
    return str(indicator.get("value") or "") if isinstance(indicator, dict) else ""


def _event_ns(event: Mapping[str, Any]) -> int | None:
    """The first set time of a saved record (the alert's `event_time`)."""
    try:
        record = from_dict(event)
    except (KeyError, TypeError, ValueError):
        return None
    from perito.records import first_time

    stamp = first_time(record)
    return stamp.ns if stamp is not None else None


class Columns(NamedTuple):
    """What the view needs of the events, by time, a list per field."""

    times: list[int]  # ns, to the microsecond (as timeline.jsonl keeps them)
    labels: Sequence[str]
    texts: Sequence[str]  # descriptions
    artifacts: Sequence[str]  # artifact ids


def _timeline(scan: SavedScan, redaction: Redaction | None, timeline: Timeline | None
              ) -> tuple[Columns, int]:
    """Every event by time: the check's own `timeline` when it gives one, else `timeline.jsonl`
    as saved, or, for a redacted report (or a folder without it), rebuilt from the redacted
    records; records of unknown types are counted."""
    if redaction is None:
        if timeline is not None:
            return _columns_of_timeline(timeline), 0
        saved = scan.timeline()
        if saved is not None:
            return _columns(saved), 0
    rebuilt = Timeline()
    unreadable = 0
    catalogue = registry()
    for artifact, data in scan.records():
        try:
            record: Record = from_dict(data)
            if redaction is not None:
                record = redaction.record(record)
            declared = catalogue.get(artifact)
            rebuilt.add(record, artifact, declared.plugin if declared else artifact)
        except Exception:  # a saved record from another version or a describe() bug
            unreadable += 1
            log.debug("record of %s not shown in the timeline", artifact, exc_info=True)
    events = ((e.ns, e.label, e.description, e.artifact) for e in rebuilt.sorted())
    return _columns(events), unreadable


def _columns(events: Iterable[tuple[int, str, str, str]]) -> Columns:
    listed = list(events)
    if not listed:
        return Columns([], [], [], [])
    times, labels, texts, artifacts = zip(*listed, strict=True)
    return Columns(list(times), labels, texts, artifacts)


def _columns_of_timeline(timeline: Timeline) -> Columns:
    """The events as `SavedScan.timeline` reads them back from what `timeline` writes."""
    times: list[int] = []
    labels: list[str] = []
    texts: list[str] = []
    artifact_ids: list[str] = []
    # Spilled events come without their ISO text (six fields), events in memory with it:
    # where both meet in one block, the fields wanted are taken by position.
    mixed = bool(timeline.events) and bool(timeline.spilled)
    for block in timeline.blocks():
        ns, plugins, label, text, artifacts = (
            zip(*map(_REPORT_FIELDS, block), strict=True) if mixed else _transposed(block))
        times.extend([time - time % 1000 for time in ns])
        labels.extend(label)
        texts.extend(text)
        artifact_ids.extend(artifacts if "" not in artifacts
                            else [a or p for a, p in zip(artifacts, plugins, strict=True)])
    return Columns(times, labels, texts, artifact_ids)


_REPORT_FIELDS = operator.itemgetter(0, 1, 2, 3, 5)  # ns, plugin, label, description, artifact


def _transposed(block: Sequence[tuple[Any, ...]]) -> tuple[tuple[Any, ...], ...]:
    """(ns, plugin, label, description, artifact) columns of items of one length."""
    columns = tuple(zip(*block, strict=True))
    return columns[0], columns[1], columns[2], columns[3], columns[5]


def _timeline_view(columns: Columns, unreadable: int, titles: Mapping[str, str],
                   redaction: Redaction | None, detections: list[DetectionView],
                   t: gettext.NullTranslations) -> TimelineView:
    times, labels, texts, artifact_ids = columns
    label_of, label_names = _label_indexes(labels, t)
    # artifact id → index in the page's list of names, by first appearance
    artifacts = {artifact: number for number, artifact
                 in enumerate(dict.fromkeys(artifact_ids))}
    artifact_of = list(map(artifacts.__getitem__, artifact_ids))
    by_artifact = dict(zip(artifacts, _lanes(times, artifact_of, len(artifacts)), strict=True))
    marks = [chart.Mark(d.ns, d.level, f"{d.number}. {d.level}: {d.message}", d.number)
             for d in detections if d.ns is not None]
    kept = _kept_positions(times, marks)
    shown_times, shown_labels, shown_texts, shown_artifacts = (
        (times, labels, texts, artifact_of) if kept is None else
        (_pick(times, kept), _pick(labels, kept), _pick(texts, kept), _pick(artifact_of, kept)))
    if redaction is not None:
        shown_texts = [redaction.text(description, ()) for description in shown_texts]
    table = EventColumns(list(map(operator.floordiv, shown_times, itertools.repeat(1_000_000))),
                         list(map(label_of.__getitem__, shown_labels)), list(shown_texts),
                         list(shown_artifacts))
    charts, hidden = _charts(by_artifact, marks, titles, t)
    return TimelineView(table, [titles.get(a, a) for a in artifacts], label_names,
                        sorted(m.ns // 1_000_000 for m in marks), charts, hidden, unreadable,
                        len(times))


def _pick(column: Sequence[_T], positions: Sequence[int] | _Ranges) -> list[_T]:
    if isinstance(positions, _Ranges):  # runs of positions: slices, copied in C
        return list(itertools.chain.from_iterable(
            column[start:end] for start, end in positions.spans))
    return list(map(column.__getitem__, positions))


@dataclass(frozen=True)
class _Ranges:
    """Positions as sorted, disjoint (start, end) runs."""

    spans: tuple[tuple[int, int], ...]


def _lanes(times: Sequence[int], artifact_of: Sequence[int], count: int) -> list[list[int]]:
    """The times of each artifact (by index, `count` of them), each in the order of `times`:
    one stable sort by artifact, in C, not a Python step per event."""
    if count <= 1:
        return [list(times)] * count
    order = sorted(range(len(times)), key=artifact_of.__getitem__)
    grouped = list(map(times.__getitem__, order))
    sizes = Counter(artifact_of)
    lanes, start = [], 0
    for number in range(count):
        lanes.append(grouped[start:start + sizes[number]])
        start += sizes[number]
    return lanes


def _label_indexes(labels: Iterable[str], t: gettext.NullTranslations
                   ) -> tuple[dict[str, int], list[str]]:
    """Each label's index in the page's list of translated labels (by first appearance), and
    that list; equal times of one record share an event: "File created / …"."""
    names: dict[str, int] = {}
    index = {label: names.setdefault(" / ".join(t.gettext(part) if part else part
                                                for part in label.split(" / ")), len(names))
             for label in dict.fromkeys(labels)}
    return index, list(names)


def _kept_positions(times: Sequence[int], marks: Sequence[chart.Mark]
                    ) -> list[int] | _Ranges | None:
    """The positions of the events the table keeps, in timeline order: every event around a
    detection, then the most recent others, up to TABLE_LIMIT (a browser cannot open a page
    of millions of rows of data); None when it keeps them all."""
    if len(times) <= TABLE_LIMIT:
        return None
    ranges = _kept_ranges(times, marks)
    return ranges if ranges is not None else _kept_list(times, marks)


def _kept_list(times: Sequence[int], marks: Sequence[chart.Mark]) -> list[int]:
    """`_kept_positions` as a list of positions (times in any order)."""
    moments = sorted(m.ns for m in marks)
    near_flags = _near(times, [(w.start, w.end) for w in chart.windows(marks, None, None)])
    near = list(itertools.compress(range(len(times)), near_flags))
    if len(near) > TABLE_LIMIT:  # the nearest, the earlier first among equals
        near = [position for _gap, position in heapq.nsmallest(
            TABLE_LIMIT, ((_distance(moments, times[p]), p) for p in near))]
    others = list(itertools.compress(range(len(times)), map(operator.not_, near_flags)))
    room = min(TABLE_LIMIT - len(near), len(others))
    latest = others[len(others) - room:] if room > 0 else []
    return sorted(near + latest)


def _kept_ranges(times: Sequence[int], marks: Sequence[chart.Mark]) -> _Ranges | None:
    """`_kept_positions` as runs, without a list of positions, for times in order (a check's
    own timeline) and no more events near detections than the table holds; else None."""
    if not _in_order(times):
        return None
    near = _runs(times, [(w.start, w.end) for w in chart.windows(marks, None, None)])
    count = sum(high - low for low, high in near)
    if count > TABLE_LIMIT:
        return None
    room = min(TABLE_LIMIT - count, len(times) - count)  # the latest of the others
    gaps, start = [], 0
    for low, high in near:
        gaps.append((start, low))
        start = high
    gaps.append((start, len(times)))
    taken = []
    for low, high in reversed(gaps):
        if room <= 0:
            break
        size = min(room, high - low)
        if size > 0:
            taken.append((high - size, high))
        room -= size
    spans = sorted(near + taken)
    merged: list[tuple[int, int]] = []
    for low, high in spans:
        if merged and merged[-1][1] == low:
            merged[-1] = (merged[-1][0], high)
        else:
            merged.append((low, high))
    return _Ranges(tuple(merged))


def _in_order(times: Sequence[int]) -> bool:
    return all(map(operator.le, times, itertools.islice(times, 1, None)))


def _runs(times: Sequence[int], spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The non-empty runs of positions of sorted `times` within each of `spans`."""
    found = [(bisect.bisect_left(times, start), bisect.bisect_right(times, end))
             for start, end in spans]
    return [(low, high) for low, high in found if high > low]


def _near(times: Sequence[int], spans: Sequence[tuple[int, int]]) -> list[bool]:
    """Whether each time is in one of the windows `spans` (sorted, apart)."""
    if not spans:
        return [False] * len(times)
    if _in_order(times):  # by ranges
        flags = [False] * len(times)
        for low, high in _runs(times, spans):
            flags[low:high] = [True] * (high - low)
        return flags
    starts = [start for start, _end in spans]
    return [(around := bisect.bisect_right(starts, ns)) > 0 and ns <= spans[around - 1][1]
            for ns in times]  # in the window that starts before ns


def _charts(by_artifact: dict[str, list[int]], marks: Sequence[chart.Mark],
            titles: Mapping[str, str], t: gettext.NullTranslations) -> tuple[list[Markup], int]:
    """The charts of the periods with detections (at most MAX_CHARTS), and how many more."""
    times = list(by_artifact.values())
    shown = chart.windows(marks, min((t[0] for t in times), default=None),
                          max((t[-1] for t in times), default=None))
    charts: list[Markup] = []
    for number, window in enumerate(shown[: chart.MAX_CHARTS], start=1):
        lanes = sorted(((titles.get(a, a), times) for a, times in by_artifact.items()),
                       key=lambda lane: -_count_in(lane[1], window))
        lanes = [lane for lane in lanes if _count_in(lane[1], window)]
        start, end = chart._utc(window.start), chart._utc(window.end)
        title = (t.gettext("Events from %(start)s to %(end)s UTC")
                 % {"start": start, "end": end})
        description = t.ngettext(
            "%(count)d detection in this period, drawn as a numbered diamond; each lane "
            "counts one artifact's events.",
            "%(count)d detections in this period, drawn as numbered diamonds; each lane "
            "counts one artifact's events.", len(window.marks)) % {"count": len(window.marks)}
        charts.append(chart.svg(window, lanes, number, title, description,
                                t.gettext("Other artifacts")))
    return charts, max(0, len(shown) - chart.MAX_CHARTS)


def _distance(moments: list[int], ns: int) -> int:
    """How far `ns` is from the nearest of the sorted `moments` (there is at least one)."""
    position = bisect.bisect_left(moments, ns)
    if position == 0:
        return moments[0] - ns
    if position == len(moments):
        return ns - moments[-1]
    return min(ns - moments[position - 1], moments[position] - ns)


def _count_in(times: list[int], window: chart.Window) -> int:
    return bisect.bisect_right(times, window.end) - bisect.bisect_left(times, window.start)


def _device(scan: SavedScan, redaction: Redaction | None) -> list[tuple[str, str]]:
    """The device's identity from its record, through the redaction when there is one."""
    data = scan.first_record(DEVICE_ARTIFACT) or {}
    if redaction is not None:
        data, _hidden = _redacted(data, redaction)
    return [(name, _display(data.get(name))) for name in DEVICE_FIELDS
            if _display(data.get(name)) not in ("", PLACEHOLDER)]


def build_content(scan: SavedScan, language: str, t: gettext.NullTranslations,
                  *, redact: bool = False, timeline: Timeline | None = None) -> ReportContent:
    """What the report of `scan` says; a check passes its `timeline` (the events of
    `timeline.jsonl`, which then need not be read back)."""
    info = scan.info
    # what could not be read first, then what was read, then what was absent
    order = {"failed": 0, "partial": 1, "read": 2, "absent": 3}
    artifacts = sorted((a for a in info.get("artifacts") or [] if isinstance(a, dict)),
                       key=lambda a: order.get(str(a.get("state")), 0))
    titles = {str(a.get("id")): str(a.get("title") or a.get("id")) for a in artifacts}
    titles.update({k: v.title for k, v in registry().items() if k not in titles})
    titles = {key: t.gettext(title) if title else key for key, title in titles.items()}
    redaction = Redaction(_kept_values(scan.alerts)) if redact else None
    detections = _detections(scan, titles, redaction, t)
    matched = any(isinstance(a.get("matched_indicator"), dict) for a in scan.alerts)
    serious = any(str(a.get("level")) in SERIOUS for a in scan.alerts)
    verdict = verdict_of(matched, serious)
    counts = {level: sum(1 for d in detections if d.level == level) for level in LEVELS}
    states: dict[str, int] = defaultdict(int)
    for artifact in artifacts:
        states[str(artifact.get("state"))] += 1
    columns, unreadable = _timeline(scan, redaction, timeline)
    view = _timeline_view(columns, unreadable, titles, redaction, detections, t)
    heuristics = info.get("heuristics")
    return ReportContent(
        language=language, redacted=redact, verdict=verdict, headline=headline(verdict, t),
        advice=advice(verdict, t), counts=counts, detections=detections, artifacts=artifacts,
        artifact_states=dict(states),
        ioc_files=[f for f in info.get("ioc_files") or [] if isinstance(f, dict)],
        heuristics=heuristics if isinstance(heuristics, list) else None, timeline=view,
        device=_device(scan, redaction), info=info, info_sha256=scan.info_sha256, titles=titles,
        problems=scan.problems)
