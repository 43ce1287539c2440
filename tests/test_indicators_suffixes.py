"""Our set-based public-suffix check gives the library's answers."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from publicsuffixlist import PSLFILE

from perito.indicators import normalise
from perito.indicators.suffixes import (
    bundled_rules,
    library_is_public,
    library_private_suffix,
    parse_rules,
)
from perito.sites import site_of_host


def _candidates() -> set[str]:
    """Every rule, its parents, and children of it: the places where the answers change."""
    found: set[str] = set()
    for line in Path(PSLFILE).read_text(encoding="utf-8").splitlines():
        rule = line.strip().split(" ", 1)[0].lower()
        if not rule or rule.startswith("//"):
            continue
        labels = normalise.domain(rule.lstrip("!").removeprefix("*.")).split(".")
        for start in range(len(labels)):
            found.add(".".join(labels[start:]))
        found.update(f"{child}.{'.'.join(labels)}" for child in ("x", "www", "a.b"))
    return found


def test_agrees_with_the_library_on_every_rule_and_its_neighbours() -> None:
    rules = bundled_rules()
    disagreements = [d for d in sorted(_candidates()) if rules.is_public(d) != library_is_public(d)]
    assert disagreements == []


@given(st.lists(st.sampled_from(["com", "uk", "co", "ck", "www", "duckdns", "org", "example",
                                 "jp", "kobe", "city", "x", "github", "io"]),
                min_size=1, max_size=4))
def test_agrees_with_the_library_on_generated_domains(labels: list[str]) -> None:
    domain = ".".join(labels)
    assert bundled_rules().is_public(domain) == library_is_public(domain)


def test_registrable_domains_are_the_library_s_on_every_rule_and_its_neighbours() -> None:
    rules = bundled_rules()
    hosts = sorted(_candidates())
    hosts += [host.upper() for host in hosts[::50]] + [f"{host}." for host in hosts[::50]]
    hosts += ["", ".", "a..b.com", ".example.com", "example.com..", "WWW.Example.CO.UK",
              "a.b.c.d.e.f.example.github.io", "city.kobe.jp", "x.city.kobe.jp", "www.ck",
              "a.www.ck", "b.a.ck", "bücher.example.de", "xn--bcher-kva.example.de"]
    disagreements = [host for host in hosts
                     if rules.private_suffix(host) != library_private_suffix(host)]
    assert disagreements == []


@given(st.lists(st.sampled_from(["com", "uk", "co", "ck", "www", "duckdns", "org", "example",
                                 "jp", "kobe", "city", "x", "github", "io", "Com", ""]),
                min_size=1, max_size=5))
def test_registrable_domains_of_generated_hosts(labels: list[str]) -> None:
    host = ".".join(labels)
    assert bundled_rules().private_suffix(host) == library_private_suffix(host)
    assert site_of_host(host) == (library_private_suffix(host) or host)


def test_wildcards_and_exceptions() -> None:
    rules = parse_rules("ck\n*.ck\n!www.ck\n// comment\nexample.test\n")
    assert rules.is_public("ck")
    assert rules.is_public("anything.ck")
    assert not rules.is_public("www.ck")
    assert not rules.is_public("a.anything.ck")
    assert rules.is_public("example.test")
    assert rules.is_public("unknowntld")
    assert not rules.is_public("")
