"""The timeline chart: inline SVG of the events around the detections, one lane per artifact.

Events are counted into bins (never one element per event), so the chart stays small for any
number of records. Detections are drawn over the lanes with their level and message.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

HOUR_NS = 3_600_000_000_000
WINDOW_NS = 6 * HOUR_NS  # shown either side of a detection
MAX_CHARTS = 6
MAX_LANES = 10
MAX_MARKS = 100  # per chart, most severe first (they come in the report's order)
NUMBERED = 20  # marks with their number written beside them
BINS = 120
WIDTH, LEFT, RIGHT, TOP, LANE, AXIS = 960, 200, 16, 28, 24, 34
LEVEL_COLOURS = {"CRITICAL": "#a40e26", "HIGH": "#c4320a", "MEDIUM": "#8a5a00",
                 "LOW": "#1f5f99", "INFORMATIONAL": "#555555"}


@dataclass(frozen=True, slots=True)
class Mark:
    """A detection on the chart."""

    ns: int
    level: str
    label: str
    number: int  # its position in the report's list of detections


@dataclass(frozen=True, slots=True)
class Window:
    start: int
    end: int
    marks: tuple[Mark, ...]


def windows(marks: Sequence[Mark], first: int | None, last: int | None) -> list[Window]:
    """Detections half a day or less apart share one window (six hours before the first to
    six hours after the last); without timed detections, one window over every event."""
    timed = sorted(marks, key=lambda m: m.ns)
    if not timed:
        if first is None or last is None:
            return []
        return [Window(first, max(last, first + HOUR_NS), ())]
    groups: list[list[Mark]] = [[timed[0]]]
    for mark in timed[1:]:
        if mark.ns - groups[-1][-1].ns <= 2 * WINDOW_NS:
            groups[-1].append(mark)
        else:
            groups.append([mark])
    return [Window(g[0].ns - WINDOW_NS, g[-1].ns + WINDOW_NS, tuple(g)) for g in groups]


def _utc(ns: int) -> str:
    return dt.datetime.fromtimestamp(ns / 1e9, dt.UTC).strftime("%Y-%m-%d %H:%M")


def svg(window: Window, lanes: Sequence[tuple[str, Sequence[int]]], number: int,
        title: str, description: str, other: str) -> Markup:
    """One chart. `lanes` are (artifact title, sorted event times); lanes beyond
    `MAX_LANES` are merged into one named `other`."""
    shown = [(name, _within(times, window)) for name, times in lanes if times][:MAX_LANES]
    if any(times for _name, times in lanes[MAX_LANES:]):
        shown.append((other, sorted(t for _name, times in lanes[MAX_LANES:]
                                    for t in _within(times, window))))
    height = TOP + LANE * max(len(shown), 1) + AXIS
    span = max(window.end - window.start, 1)
    plot = WIDTH - LEFT - RIGHT

    def x(ns: int) -> float:
        return LEFT + plot * (ns - window.start) / span

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
             f'viewBox="0 0 {WIDTH} {height}" aria-labelledby="chart-{number}-t '
             f'chart-{number}-d">',
             f'<title id="chart-{number}-t">{escape(title)}</title>',
             f'<desc id="chart-{number}-d">{escape(description)}</desc>']
    for row, (name, times) in enumerate(shown):
        y = TOP + row * LANE
        parts.append(f'<rect class="lane" x="{LEFT}" y="{y}" width="{plot}" '
                     f'height="{LANE - 4}"/>')
        parts.append(f'<text class="lane-name" x="{LEFT - 8}" y="{y + LANE / 2 + 2}" '
                     f'text-anchor="end">{escape(_short(name))}<title>{escape(name)}</title>'
                     '</text>')
        counts = _binned(times, window.start, span)
        peak = max(counts) or 1
        width = plot / BINS
        for position, count in enumerate(counts):
            if count:
                opacity = 0.35 + 0.65 * count / peak
                parts.append(f'<rect class="bin" x="{LEFT + position * width:.1f}" '
                             f'y="{y + 3}" width="{max(width - 1, 1):.1f}" '
                             f'height="{LANE - 10}" opacity="{opacity:.2f}">'
                             f'<title>{count}</title></rect>')
    bottom = TOP + LANE * max(len(shown), 1)
    for tick in range(5):
        ns = window.start + span * tick // 4
        parts.append(f'<line class="tick" x1="{x(ns):.1f}" x2="{x(ns):.1f}" y1="{TOP - 4}" '
                     f'y2="{bottom}"/>')
        anchor = "start" if tick == 0 else "end" if tick == 4 else "middle"
        parts.append(f'<text class="tick-label" x="{x(ns):.1f}" y="{bottom + 16}" '
                     f'text-anchor="{anchor}">{_utc(ns)}</text>')
    label_end = 0.0  # numbers of marks close together are set side by side
    drawn = sorted(sorted(window.marks, key=lambda m: m.number)[:MAX_MARKS],
                   key=lambda m: m.ns)
    for mark in drawn:
        colour = LEVEL_COLOURS.get(mark.level, "#555555")
        left = x(mark.ns)
        written = ""
        if mark.number <= NUMBERED or len(drawn) <= NUMBERED:
            label = max(left + 9, label_end + 4)
            label_end = label + 8 * len(str(mark.number))
            written = (f'<text class="mark-number" x="{label:.1f}" y="{TOP - 6}">'
                       f'{mark.number}</text>')
        parts.append(f'<g class="mark"><line x1="{left:.1f}" x2="{left:.1f}" y1="{TOP - 6}" '
                     f'y2="{bottom}" stroke="{colour}" stroke-width="2"/>'
                     f'<path d="M{left:.1f} {TOP - 16} l7 7 l-7 7 l-7 -7 z" fill="{colour}"/>'
                     f'{written}<title>{escape(mark.label)}</title></g>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every value above is escaped or a number)


def _binned(times: Sequence[int], start: int, span: int) -> list[int]:
    """How many of the sorted `times` (none before `start`) fall in each of the `BINS`
    bins, an event at `ns` in bin `min(BINS - 1, (ns - start) * BINS // span)`: found by
    bisecting at each bin's first time, `start + ceil(k * span / BINS)`, not event by event
    (a chart may cover every event of a scan)."""
    edges = [bisect.bisect_left(times, start + -(-k * span // BINS)) for k in range(BINS)]
    edges.append(len(times))
    return [edges[k + 1] - edges[k] for k in range(BINS)]


def _within(times: Sequence[int], window: Window) -> Sequence[int]:
    """The sorted `times` from the window's start to its end."""
    return times[bisect.bisect_left(times, window.start):
                 bisect.bisect_right(times, window.end)]


def _short(name: str, limit: int = 28) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"
