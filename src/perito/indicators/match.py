"""Matching observed values and whole records against an `IndicatorIndex`.

`match_value` derives the other forms a value should be checked as (a URL's host, a path's
basename, an Android process's package…); `IndicatorIndex.lookup` only compares one kind.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from perito.indicators import normalise
from perito.indicators.model import Indicator
from perito.records import Kind, Record, observable_fields

try:  # `match_record`'s loop compiled (optional: see setup.py)
    from perito.indicators import _fastmatch
except ImportError:  # a build without a C compiler: the Python loop
    _fastmatch = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from perito.indicators.index import IndicatorIndex

PATH_COMPONENT = "path-component"
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Match:
    """One indicator matched by one observed value, and why.

    `kind` is the indicator's kind (a URL can match a DOMAIN indicator through its host);
    `normalised` is the compared form of the observed side; `rule` is one of "exact",
    "subdomain", "cidr", "truncated", "path-prefix", "path-suffix", "path-component" (a
    process indicator equal to a directory or file name in a path: weaker), "url-normalised".
    """

    indicator: Indicator
    kind: Kind
    observed: str
    normalised: str
    rule: str
    field: str = ""


def _host_checks(host: str) -> Iterator[tuple[Kind, str]]:
    if not host:
        return
    if "a" <= host[-1] <= "z" and ":" not in host:  # a name: `ip_literal`'s first refusal
        yield Kind.DOMAIN, host
        return
    yield (Kind.IP if normalise.ip_literal(host) is not None else Kind.DOMAIN), host


def _derivations(kind: Kind, value: str, platform: str) -> Iterator[tuple[Kind, str, str]]:
    """(kind, value, forced rule or "") pairs to look up for one observed value (a file
    path's are in `_match_path`)."""
    yield kind, value, ""
    if kind is Kind.URL:
        # Links cut out of prose may carry the sentence's punctuation; compare without it too.
        bare = normalise.strip_trailing_punctuation(value.strip())
        if bare != value.strip():
            yield Kind.URL, bare, ""
        if bare[:7].lower() == "mailto:":
            yield Kind.EMAIL, bare, ""
            address = normalise.email(bare)
            for check in _host_checks(normalise.domain(address.rpartition("@")[2])):
                yield *check, ""
        else:
            for check in _host_checks(normalise.host_of_url(bare)):
                yield *check, ""
    elif kind is Kind.DOMAIN:
        literal = normalise.ip_literal(value)
        if literal is not None:
            yield Kind.IP, literal, ""
        elif any(char in value for char in "/@\\") or value.count(":") == 1:
            for check in _host_checks(normalise.host_of_url(value)):
                yield *check, ""
    elif kind is Kind.PROCESS:
        name = value.strip()
        if "/" in name:
            yield Kind.PROCESS, normalise.basename(name), ""
            if not name.startswith("/"):
                yield Kind.PROCESS, name.split("/", 1)[0], ""
        if platform == "android" and ":" in name:
            yield Kind.APP_ID, name.split(":", 1)[0], ""
    elif kind is Kind.FILE_NAME:
        if "/" in value:
            yield Kind.FILE_NAME, normalise.basename(value), ""
            yield Kind.FILE_PATH, value, ""
    elif kind is Kind.APP_ID and "/" in value:
        yield Kind.APP_ID, value.split("/", 1)[0], ""


_MEMO_LIMIT = 200_000


def match_value(index: IndicatorIndex, kind: Kind, value: str, *, platform: str = "ios",
                field: str = "") -> list[Match]:
    """Every indicator an observed value matches, directly or through its derived forms.

    An indicator appears once per value, with the first (most direct) rule that found it.
    Results are remembered per index: evidence repeats the same URLs, hosts and names.
    """
    memo = index.memo
    key = (kind, value, platform)
    known = memo.get(key)
    if known is None:
        known = _remember(memo, key, _match_value(index, kind, value, platform))
    if not known or not field:
        return list(known)
    return [dataclasses.replace(match, field=field) for match in known]


def _match_value(index: IndicatorIndex, kind: Kind, value: str, platform: str) -> list[Match]:
    if kind is Kind.FILE_PATH:
        return _match_path(index, value, platform)
    found: dict[tuple[Kind, str], Match] = {}
    present = index.present
    for derived_kind, derived, forced_rule in _derivations(kind, value, platform):
        if derived_kind in present:
            _merge(found, _lookup(index, derived_kind, derived, platform), value, forced_rule)
    return list(found.values())


def _lookup(index: IndicatorIndex, kind: Kind, value: str, platform: str) -> tuple[Match, ...]:
    """`index.lookup`, remembered in `index.lookups`."""
    asked = (kind, value, platform)
    matches = index.lookups.get(asked)
    if matches is None:
        matches = _remember(index.lookups, asked, index.lookup(kind, value, platform=platform))
    return matches


def _remember(memo: dict[Any, _T], key: Any, value: _T) -> _T:
    """`memo[key] = value`, the memo emptied first when it is full; returns the value."""
    if len(memo) >= _MEMO_LIMIT:
        memo.clear()
    memo[key] = value
    return value


def _merge(found: dict[tuple[Kind, str], Match], matches: tuple[Match, ...], value: str,
           forced_rule: str) -> None:
    """Add the indicators not found yet, as matched by `value` (with the forced rule: only
    exact matches)."""
    for match in matches:
        if forced_rule and match.rule != "exact":
            continue
        key = (match.indicator.kind, match.indicator.value)
        if key not in found:
            found[key] = dataclasses.replace(
                match, observed=value, rule=forced_rule or match.rule, field="")


# The key suffix of a directory's component matches in `index.lookups` (no platform has it).
_DIRECTORY = " directory"


def _match_path(index: IndicatorIndex, value: str, platform: str) -> list[Match]:
    """A file path as itself, its basename, and each component of its normalised form as a
    process name (exact matches only, rule "path-component"), in that order.

    The components of the path's directory are looked up once per directory: the rows of
    one folder share them, so a path costs its last component only.
    """
    found: dict[tuple[Kind, str], Match] = {}
    present = index.present
    if Kind.FILE_PATH in present:
        _merge(found, _lookup(index, Kind.FILE_PATH, value, platform), value, "")
    if Kind.FILE_NAME in present:
        _merge(found, _lookup(index, Kind.FILE_NAME, normalise.basename(value), platform),
               value, "")
    if Kind.PROCESS in present:
        path = normalise.file_path(value)
        cut = path.rfind("/")
        asked = (Kind.PROCESS, path[:cut] if cut > 0 else "", platform + _DIRECTORY)
        above = index.lookups.get(asked)
        if above is None:
            above = _remember(index.lookups, asked, tuple(
                match for component in asked[1].split("/") if component
                for match in _lookup(index, Kind.PROCESS, component, platform)
                if match.rule == "exact"))
        if above:
            _merge(found, above, value, PATH_COMPONENT)
        if cut + 1 < len(path):
            _merge(found, _lookup(index, Kind.PROCESS, path[cut + 1:], platform), value,
                   PATH_COMPONENT)
    return list(found.values())


def match_record(index: IndicatorIndex, record: Record, *, platform: str = "ios") -> list[Match]:
    """Every match of every observable field of a record, `field` naming the field.

    The same indicator matched by the same value in two fields is reported once (first field).
    """
    if _fastmatch is not None:  # the loop below, compiled
        found: list[Match] = _fastmatch.match_record(
            record, observable_fields(type(record)), index.memo, platform, index, match_value)
        return found
    return _match_record(index, record, platform)


def _match_record(index: IndicatorIndex, record: Record, platform: str) -> list[Match]:
    seen: set[tuple[Kind, str, str]] = set()
    out = []
    memo = index.memo
    for field_name, kind in observable_fields(type(record)):
        found = getattr(record, field_name)
        if isinstance(found, str):
            if not found:
                continue
            values: tuple[object, ...] = (found,)
        elif isinstance(found, tuple):
            values = found
        else:
            continue
        for value in values:  # what `records.observables` yields, without its generator
            if not isinstance(value, str) or not value:
                continue
            known = memo.get((kind, value, platform))
            if known is not None and not known:
                continue  # the common case: a value already seen, matching nothing
            for match in match_value(index, kind, value, platform=platform, field=field_name):
                key = (match.indicator.kind, match.indicator.value, value)
                if key not in seen:
                    seen.add(key)
                    out.append(match)
    return out
