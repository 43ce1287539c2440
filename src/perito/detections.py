"""Detections: an indicator match or a heuristic finding about one record."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from perito.levels import Level
from perito.records import Record, first_time
from perito.timestamps import Timestamp

if TYPE_CHECKING:
    from perito.indicators.match import Match


@dataclass(frozen=True, slots=True)
class Detection:
    """One alert. `match` is set for indicator matches, `finding` names a heuristic."""

    level: Level
    artifact: str
    module: str  # the incumbent's slug, kept for tools that read alerts.json
    message: str
    record: Record
    match: Match | None = None
    finding: str = ""
    rationale: str = ""
    event_time: Timestamp | None = None
    suppressed: str = ""  # the allowlist entry that covers this match (see allowlist.py)

    @property
    def is_indicator_match(self) -> bool:
        """A match that counts: suppressed (allowlisted) matches do not."""
        return self.match is not None and not self.suppressed


@dataclass(frozen=True, slots=True)
class Heuristic:
    """A named check over one record that needs no indicators."""

    name: str
    level: Level
    rationale: str
    check: Callable[[Record], Iterable[str]]  # yields one message per finding


HEURISTICS: dict[type[Record], list[Heuristic]] = {}


def heuristic(record_type: type[Record], name: str, level: Level, rationale: str
              ) -> Callable[[Callable[[Record], Iterable[str]]], Callable[[Record],
                                                                           Iterable[str]]]:
    """Register `check` as a heuristic for records of `record_type`."""
    def register(check: Callable[[Record], Iterable[str]]) -> Callable[[Record], Iterable[str]]:
        HEURISTICS.setdefault(record_type, []).append(Heuristic(name, level, rationale, check))
        return check
    return register


def analyse(record: Record, artifact: str, module: str) -> list[Detection]:
    """Every heuristic finding for a record."""
    return [Detection(level=rule.level, artifact=artifact, module=module, message=message,
                      record=record, finding=rule.name, rationale=rule.rationale,
                      event_time=first_time(record))
            for rule in HEURISTICS.get(type(record), ()) for message in rule.check(record)]


@dataclass(frozen=True, slots=True)
class Correlation:
    """An analysis across records (and artifacts), run once after the scan.

    The pipeline keeps only the records of the `wants` types that `keeps` accepts (all of
    them without it) in memory and hands them to `run` in the order they were read; keep
    `wants` to small, specific record types, and `keeps` to what `run` really reads.
    """

    name: str
    wants: tuple[type[Record], ...]
    run: Callable[[list[Record]], Iterable[Detection]]
    keeps: Callable[[Record], bool] | None = None

    def reads(self, record: Record) -> bool:
        return isinstance(record, self.wants) and (self.keeps is None or self.keeps(record))


CORRELATIONS: list[Correlation] = []


def correlation(name: str, wants: tuple[type[Record], ...],
                keeps: Callable[[Record], bool] | None = None
                ) -> Callable[[Callable[[list[Record]], Iterable[Detection]]],
                              Callable[[list[Record]], Iterable[Detection]]]:
    """Register `run` as a cross-record analysis over records of the `wants` types (those
    that `keeps` accepts, when given)."""
    def register(run: Callable[[list[Record]], Iterable[Detection]]
                 ) -> Callable[[list[Record]], Iterable[Detection]]:
        CORRELATIONS.append(Correlation(name, wants, run, keeps))
        return run
    return register


def correlation_filter(kind: type[Record]) -> Callable[[Record], bool] | None:
    """For records of one type: None when no correlation reads them, else whether one reads
    a given record (remembered per type: the correlations are registered at import)."""
    if kind in _FILTERS:
        return _FILTERS[kind]
    rules = [c for c in CORRELATIONS if issubclass(kind, c.wants)]
    found: Callable[[Record], bool] | None = None
    if any(rule.keeps is None for rule in rules):
        found = _every
    elif rules:
        found = functools.partial(_any_of, tuple(rule.keeps for rule in rules if rule.keeps))
    _FILTERS[kind] = found
    return found


_FILTERS: dict[type[Record], Callable[[Record], bool] | None] = {}


def _every(_record: Record) -> bool:
    return True


def _any_of(tests: tuple[Callable[[Record], bool], ...], record: Record) -> bool:
    return any(test(record) for test in tests)
