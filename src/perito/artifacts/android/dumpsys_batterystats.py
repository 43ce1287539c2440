"""Package version changes and activity from the `dumpsys batterystats` section
(android.md §2.3).

Daily stats: `  Daily from 2024-02-27-03-12-40 to 2024-02-28-03-09-55:` followed by
`    Update <package> vers=<code>`; `vers=0` is an uninstall. History: the lines after
`Battery History` up to a blank line, with `+job=`/`-job=`, `+top=`/`-top=` and wake-lock
events naming `u0aNNN:"<package>/…"`; their times are offsets from the last `RESET:TIME:` or
`TIME:` mark (device-local wall clock), converted from it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from perito.artifacts.android.common import dumpsys_sections, local_time
from perito.artifacts.base import Artifact, Context
from perito.records import Kind, Record, observable, register_record, timeline
from perito.sources.locations import Dumpstate
from perito.timestamps import Encoding, Timestamp, unset

_DAILY = re.compile(r"^\s+Daily from (\d{4})-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d) to "
                    r"(\d{4})-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d):")
_UPDATE = re.compile(r"^\s+Update (\S+) vers=(-?\d+)")
_OFFSET = re.compile(r"\+(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?")
_TIME_MARK = re.compile(r"\bTIME: (\d{4})-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)")
_EVENT = re.compile(r"([+-]?)(job|top|wake_lock|wake_lock_in|fg|proc|sync|running)="
                    r"(?:(u\d+a\d+|\d+):)?\"([^\"]+)\"")


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class BatteryDailyUpdate(Record):
    """A package version seen in one day of batterystats daily stats."""

    package_name: str = field(metadata=observable(Kind.APP_ID))
    version_code: int = 0  # 0: uninstalled
    day_start: Timestamp = field(default=unset(Encoding.LOCAL_TEXT),
                                 metadata=timeline("Package version recorded (day start)"))
    day_end: Timestamp = field(default=unset(Encoding.LOCAL_TEXT))

    record_name = "Battery daily update"

    def describe(self) -> str:
        what = "uninstalled" if self.version_code == 0 else f"version {self.version_code}"
        return f"{self.package_name} {what}"


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class BatteryHistoryEvent(Record):
    """One event of the battery history naming a package."""

    package_name: str = field(metadata=observable(Kind.APP_ID))
    event: str = ""  # "+job", "-top", …
    uid: str = ""
    detail: str = ""
    time_text: str = ""  # as printed: an offset from the history's start
    time: Timestamp = field(default=unset(Encoding.LOCAL_TEXT),
                            metadata=timeline("Battery history event"))

    record_name = "Battery history event"

    def describe(self) -> str:
        return f"{self.event} {self.package_name} at {self.time_text}"


def _stamp(ctx: Context, parts: tuple[str, ...]) -> Timestamp:
    year, month, day, hour, minute, second = parts
    return local_time(ctx, f"{year}-{month}-{day} {hour}:{minute}:{second}")


def daily(ctx: Context, lines: list[str]) -> Iterator[BatteryDailyUpdate]:
    start = end = None
    for line in lines:
        found = _DAILY.match(line)
        if found:
            start, end = _stamp(ctx, found.groups()[:6]), _stamp(ctx, found.groups()[6:])
            continue
        update = _UPDATE.match(line)
        if update and start is not None and end is not None:
            yield BatteryDailyUpdate(source=ctx.evidence.address,
                                     package_name=update.group(1),
                                     version_code=int(update.group(2)), day_start=start,
                                     day_end=end)


def _offset_ms(printed: str) -> int | None:
    """`+1h02m03s123ms` (or `0`) as milliseconds since the history's start."""
    if printed == "0":
        return 0
    found = _OFFSET.fullmatch(printed)
    if found is None or not any(found.groups()):
        return None
    days, hours, minutes, seconds, millis = (int(g) if g else 0 for g in found.groups())
    return (((days * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000 + millis


def history(ctx: Context, lines: list[str]) -> Iterator[BatteryHistoryEvent]:
    """Events after `Battery History`; times are offsets from the last `RESET:TIME:` or
    `TIME:` wall-clock mark (device local), converted when such a mark was seen."""
    inside = False
    base: dt.datetime | None = None
    base_ms = 0
    for line in lines:
        if not inside:
            inside = line.lstrip().startswith("Battery History")
            continue
        if not line.strip():
            break
        time_text = line.split(None, 1)[0]
        offset = _offset_ms(time_text)
        mark = _TIME_MARK.search(line)
        if mark and offset is not None:
            year, month, day, hour, minute, second = (int(part) for part in mark.groups())
            try:
                base = dt.datetime(year, month, day, hour, minute, second)
            except ValueError:  # a damaged mark: the times that follow stay unknown
                base = None
            base_ms = offset
        when = ""
        if base is not None and offset is not None:
            try:
                moment: dt.datetime | None = base + dt.timedelta(milliseconds=offset - base_ms)
            except OverflowError:
                moment = None
            when = moment.isoformat(sep=" ", timespec="milliseconds") if moment else ""
        for sign, name, uid, value in _EVENT.findall(line):
            package = value.split("/", 1)[0].split(":")[-1] if "/" in value else value
            if "." not in package or " " in package:
                continue
            yield BatteryHistoryEvent(source=ctx.evidence.address, package_name=package,
                                      event=f"{sign}{name}", uid=uid, detail=value,
                                      time_text=time_text, time=local_time(ctx, when))


def extract(ctx: Context) -> Iterator[Record]:
    for _body, lines in dumpsys_sections(ctx, "batterystats"):
        yield from daily(ctx, lines)
        yield from history(ctx, lines)


ARTIFACT = Artifact(
    id="android.dumpsys.batterystats",
    title="Package versions and activity (dumpsys batterystats)",
    slug="dumpsys_battery_daily",
    plugin="DumpsysBatteryDaily",
    locations=(Dumpstate(),),
    records=(BatteryDailyUpdate, BatteryHistoryEvent),
    extract=extract,
    doc=__doc__ or "",
)
