"""Immutable lookup structures over an `IndicatorSet`, built once per run.

Every lookup costs O(length of the observed value), whatever the number of indicators: hash
maps per kind; domains walked label by label from the observed host up to its TLD; paths
walked component by component; truncated process names through a map keyed by their first
15/16 characters; IP networks by masking the address once per prefix length in use.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from perito.indicators import normalise
from perito.indicators.bulk import paused_gc
from perito.indicators.match import Match
from perito.indicators.model import Indicator, IndicatorSet
from perito.records import Kind

# Process-name truncation: XNU keeps MAXCOMLEN = 16 characters, Linux `comm` 15.
TRUNCATION = {"ios": 16, "android": 15}

_Map = Mapping[str, tuple[Indicator, ...]]


def _freeze(groups: Mapping[str, list[Indicator]]) -> dict[str, tuple[Indicator, ...]]:
    return {key: tuple(items) for key, items in groups.items()}


def _network(value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(value, strict=False)
    except ValueError:
        return None


def _path_prefixes(path: str) -> Iterable[tuple[str, bool]]:
    """(prefix at a component boundary, is the whole path) for an absolute path."""
    position = path.find("/", 1)
    while position > 0:
        yield path[:position], False
        position = path.find("/", position + 1)
    yield path, True


@dataclass(frozen=True, slots=True)
class IndicatorIndex:
    """Lookup maps by kind; build with `IndicatorIndex.build`, never mutate."""

    exact: Mapping[Kind, _Map]
    url_keys: _Map
    networks: Mapping[int, tuple[tuple[int, ...], _Map]]
    process_prefixes: Mapping[int, _Map]
    relative_paths: _Map
    relative_lengths: tuple[int, ...]
    size: int
    present: frozenset[Kind] = frozenset(Kind)  # kinds that can match at all
    # Every component-boundary prefix of the absolute path indicators (None: not known, walk
    # every prefix): a path prefix that is not one of these cannot lead to a match.
    path_stems: frozenset[str] | None = None
    # Answers already computed by perito.indicators.match (a cache, not part of the value).
    memo: dict[tuple[Kind, str, str], list[Match]] = field(
        default_factory=dict, compare=False, repr=False, hash=False)
    # `lookup` answers for derived forms (hosts, path components), which repeat far more
    # than the observed values they come from (a cache too).
    lookups: dict[tuple[Kind, str, str], tuple[Match, ...]] = field(
        default_factory=dict, compare=False, repr=False, hash=False)

    @classmethod
    def build(cls, indicators: IndicatorSet | Iterable[Indicator]) -> IndicatorIndex:
        """Index every indicator of a set (or any iterable of indicators)."""
        items = indicators.indicators if isinstance(indicators, IndicatorSet) else tuple(indicators)
        with paused_gc():
            return cls._build(items)

    @classmethod
    def _build(cls, items: tuple[Indicator, ...]) -> IndicatorIndex:
        exact: defaultdict[Kind, defaultdict[str, list[Indicator]]] = defaultdict(
            lambda: defaultdict(list))
        urls: defaultdict[str, list[Indicator]] = defaultdict(list)
        nets: defaultdict[int, defaultdict[str, list[Indicator]]] = defaultdict(
            lambda: defaultdict(list))
        prefix_lengths: defaultdict[int, set[int]] = defaultdict(set)
        truncated: dict[int, defaultdict[str, list[Indicator]]] = {
            length: defaultdict(list) for length in TRUNCATION.values()}
        relative: defaultdict[str, list[Indicator]] = defaultdict(list)
        for indicator in items:
            kind, value = indicator.kind, indicator.value
            if kind is Kind.URL:
                urls[normalise.url_without_trailing_slash(value)].append(indicator)
            elif kind is Kind.IP and "/" in value and (network := _network(value)):
                nets[network.version][network.compressed].append(indicator)
                prefix_lengths[network.version].add(network.prefixlen)
            elif kind is Kind.FILE_PATH and not value.startswith("/"):
                relative[value.rstrip("/")].append(indicator)
            elif kind is Kind.FILE_PATH:
                exact[kind][value.rstrip("/") or "/"].append(indicator)
            else:
                exact[kind][value].append(indicator)
            if kind is Kind.PROCESS:
                for length, groups in truncated.items():
                    if len(value) > length:
                        groups[value[:length]].append(indicator)
        present = {kind for kind, groups in exact.items() if groups}
        if urls:
            present.add(Kind.URL)
        if nets:
            present.add(Kind.IP)
        if relative:
            present.add(Kind.FILE_PATH)
        if any(truncated.values()):
            present.add(Kind.PROCESS)
        return cls(
            exact={kind: _freeze(groups) for kind, groups in exact.items()},
            url_keys=_freeze(urls),
            networks={version: (tuple(sorted(prefix_lengths[version], reverse=True)),
                                _freeze(groups)) for version, groups in nets.items()},
            process_prefixes={length: _freeze(groups) for length, groups in truncated.items()},
            relative_paths=_freeze(relative),
            relative_lengths=tuple(sorted({key.count("/") + 1 for key in relative})),
            size=len(items),
            present=frozenset(present),
            path_stems=frozenset(prefix for path in exact.get(Kind.FILE_PATH, {})
                                 for prefix, _whole in _path_prefixes(path)),
        )

    def __len__(self) -> int:
        return self.size

    def lookup(self, kind: Kind, value: str, *, platform: str = "ios") -> tuple[Match, ...]:
        """Indicators of exactly this kind that the observed value matches (no derivations)."""
        if kind not in self.present:
            return ()
        if kind is Kind.DOMAIN:
            return self._domain(value)
        if kind is Kind.IP:
            return self._ip(value)
        if kind is Kind.URL:
            return self._url(value)
        if kind is Kind.PROCESS:
            return self._process(value, TRUNCATION.get(platform, 0))
        if kind is Kind.FILE_PATH:
            return self._path(value)
        normalised = normalise.normalise(kind, value)
        hits = self.exact.get(kind, {}).get(normalised, ())
        return tuple(Match(hit, kind, value, normalised, "exact") for hit in hits)

    def _domain(self, value: str) -> tuple[Match, ...]:
        host = normalise.domain(value)
        if not host or normalise.ip_literal(host) is not None:
            return ()
        domains = self.exact.get(Kind.DOMAIN, {})
        out: list[Match] = []
        position = 0
        while True:
            rule = "exact" if position == 0 else "subdomain"
            out.extend(Match(hit, Kind.DOMAIN, value, host, rule)
                       for hit in domains.get(host[position:], ()))
            dot = host.find(".", position)
            if dot < 0:
                return tuple(out)
            position = dot + 1

    def _ip(self, value: str) -> tuple[Match, ...]:
        literal = normalise.ip_literal(value)
        if literal is None:
            return ()
        out = [Match(hit, Kind.IP, value, literal, "exact")
               for hit in self.exact.get(Kind.IP, {}).get(literal, ())]
        address = ipaddress.ip_address(literal)
        lengths, networks = self.networks.get(address.version, ((), {}))
        for length in lengths:
            network = ipaddress.ip_network((address, length), strict=False).compressed
            out.extend(Match(hit, Kind.IP, value, literal, "cidr")
                       for hit in networks.get(network, ()))
        return tuple(out)

    def _url(self, value: str) -> tuple[Match, ...]:
        normalised = normalise.url(value)
        hits = self.url_keys.get(normalise.url_without_trailing_slash(normalised), ())
        raw = value.strip()
        return tuple(Match(hit, Kind.URL, value, normalised,
                           "exact" if raw == hit.raw_value.strip() else "url-normalised")
                     for hit in hits)

    def _process(self, value: str, truncation: int) -> tuple[Match, ...]:
        name = normalise.process(value)
        out = [Match(hit, Kind.PROCESS, value, name, "exact")
               for hit in self.exact.get(Kind.PROCESS, {}).get(name, ())]
        if truncation and len(name) == truncation:
            prefixes = self.process_prefixes.get(truncation, {})
            out.extend(Match(hit, Kind.PROCESS, value, name, "truncated")
                       for hit in prefixes.get(name, ()))
        return tuple(out)

    def _path(self, value: str) -> tuple[Match, ...]:
        normalised = normalise.file_path(value)
        path = normalised.rstrip("/")
        out: list[Match] = []
        if path.startswith("/"):
            absolute = self.exact.get(Kind.FILE_PATH, {})
            stems = self.path_stems
            for prefix, whole in _path_prefixes(path):
                if stems is not None and prefix not in stems:
                    break  # no indicator starts with this prefix, nor with a longer one
                out.extend(Match(hit, Kind.FILE_PATH, value, normalised,
                                 "exact" if whole else "path-prefix")
                           for hit in absolute.get(prefix, ()))
        if self.relative_paths and path:
            out.extend(self._relative(value, normalised, path))
        return tuple(out)

    def _relative(self, value: str, normalised: str, path: str) -> list[Match]:
        """Relative indicators: a component-aligned suffix; directories also inside the path."""
        parts = path.strip("/").split("/")
        found: dict[str, Match] = {}
        for end in range(len(parts), 0, -1):
            for length in self.relative_lengths:
                if length > end:
                    break
                for hit in self.relative_paths.get("/".join(parts[end - length:end]), ()):
                    if end == len(parts) or hit.value.endswith("/"):
                        found.setdefault(hit.value, Match(
                            hit, Kind.FILE_PATH, value, normalised, "path-suffix"))
        return list(found.values())
