"""Is a domain a public suffix? Rules from publicsuffixlist's bundled list, no network.

publicsuffixlist's own `is_public` costs microseconds per call (it rebuilds every candidate
suffix); a large domain feed needs one answer per indicator, so the bundled rule file is read
once into three sets and answered with at most three lookups. The answers equal the
library's (`accept_unknown=True`, private section included); a test checks that.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path

from publicsuffixlist import PSLFILE, PublicSuffixList

from perito.indicators import normalise

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SuffixRules:
    """The list's exact rules, wildcard parents (`*.ck` → `ck`) and exceptions (`!www.ck`)."""

    exact: frozenset[str]
    wildcard_parents: frozenset[str]
    exceptions: frozenset[str]

    def is_public(self, domain: str) -> bool:
        """Whether a normalised (lower-case ASCII, no trailing dot) domain is a public suffix.

        A single label is public (an unknown TLD counts as one), as in the library.
        """
        if not domain or domain in self.exceptions:
            return False
        if domain in self.exact or domain in self.wildcard_parents:
            return True
        head, dot, parent = domain.partition(".")
        if not dot:
            return True
        return bool(head) and parent in self.wildcard_parents

    def private_suffix(self, domain: str) -> str | None:
        """The registrable domain (the public suffix and one label more, lower-cased), or None
        when `domain` is a public suffix itself or has an empty label: the library's
        `privatesuffix` (a test checks it), without parsing the list a second time."""
        labels = domain.removesuffix(".").lower().split(".")
        if "" in labels:
            return None
        for start in range(len(labels)):  # the longest public suffix is the one that counts
            if self.is_public(".".join(labels[start:])):
                return ".".join(labels[start - 1:]) if start else None
        return None


def parse_rules(text: str) -> SuffixRules:
    """Rules from the text of a public_suffix_list.dat (both unicode and IDNA forms kept)."""
    exact: set[str] = set()
    wildcards: set[str] = set()
    exceptions: set[str] = set()
    for line in text.splitlines():
        rule = line.strip().split(" ", 1)[0].lower()
        if not rule or rule.startswith("//"):
            continue
        target = exact
        if rule.startswith("!"):
            target, rule = exceptions, rule[1:]
        elif rule.startswith("*."):
            target, rule = wildcards, rule[2:]
        target.update((rule, normalise.domain(rule)))
    return SuffixRules(frozenset(exact), frozenset(wildcards), frozenset(exceptions))


@functools.cache
def bundled_rules() -> SuffixRules:
    """The rules of the list that ships with publicsuffixlist, read once."""
    return parse_rules(Path(PSLFILE).read_text(encoding="utf-8"))


def library_is_public(domain: str) -> bool:
    """The library's own answer (slow); for tests and as the reference."""
    return bool(_library().is_public(domain))


def library_private_suffix(domain: str) -> str | None:
    """The library's own registrable domain (slow); for tests and as the reference."""
    found = _library().privatesuffix(domain)
    return None if found is None else str(found)


@functools.cache
def _library() -> PublicSuffixList:
    return PublicSuffixList()
