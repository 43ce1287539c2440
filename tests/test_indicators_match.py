"""Matching semantics (reference §4), decoys included, and the index's properties."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from perito.indicators import IndicatorIndex, Match, match_record, match_value
from perito.indicators.keys import read_comparison
from perito.indicators.merge import IndicatorPool
from perito.indicators.model import Owner
from perito.indicators.pattern import parse_pattern
from perito.records import Kind, Record, observable

OWNER = Owner("ExampleSpy", "malware--1", "example.stix2", "/feeds/example.stix2", "0" * 64)


def build(*patterns: str) -> IndicatorIndex:
    """An index over `[key = 'value']` patterns, read exactly as the loader reads them."""
    pool = IndicatorPool()
    for number, text in enumerate(patterns):
        for comparison in parse_pattern(text):
            for entry in read_comparison(comparison).entries:
                pool.add_entry(entry, (f"indicator--{number}",), (OWNER,))
    return IndicatorIndex.build(pool.freeze())


def hits(index: IndicatorIndex, kind: Kind, value: str, platform: str = "ios") -> set[tuple[str, str]]:
    """(indicator value, rule) of every match."""
    return {(m.indicator.value, m.rule) for m in match_value(index, kind, value, platform=platform)}


# --- Domains -------------------------------------------------------------------------------

DOMAINS = build("[domain-name:value = 'malicious.example']",
                "[domain-name:value = 'a.b.example.net']")


@pytest.mark.parametrize(("observed", "expected"), [
    ("malicious.example", {("malicious.example", "exact")}),
    ("MALICIOUS.Example.", {("malicious.example", "exact")}),
    ("www.malicious.example", {("malicious.example", "subdomain")}),
    ("x.y.malicious.example", {("malicious.example", "subdomain")}),
    ("x.a.b.example.net", {("a.b.example.net", "subdomain")}),  # not only registrable domains
    ("wmalicious.example", set()),            # the incumbent's lstrip("www.") trap
    ("wwwmalicious.example", set()),
    ("notmalicious.example", set()),          # never a substring
    ("malicious.example.attacker.test", set()),
    ("example", set()),                       # a parent never matches its child
    ("b.example.net", set()),
    ("example.net", set()),
    ("malicious.example:443", {("malicious.example", "exact")}),
])
def test_domain_rules(observed: str, expected: set[tuple[str, str]]) -> None:
    assert hits(DOMAINS, Kind.DOMAIN, observed) == expected


@pytest.mark.parametrize(("url", "expected"), [
    ("https://malicious.example/x", {("malicious.example", "exact")}),
    ("https://www.malicious.example:8443/x?y=1", {("malicious.example", "subdomain")}),
    ("malicious.example/landing", {("malicious.example", "exact")}),
    ("https://good.example/?u=malicious.example", set()),     # host is good.example
    ("https://good.example/malicious.example/", set()),
    ("https://good.example#malicious.example", set()),
    ("https://malicious.example@good.example/", set()),       # userinfo, host is good.example
    ("https://good.example@malicious.example/", {("malicious.example", "exact")}),
    ("https://malicious.example\\@good.example/", {("malicious.example", "exact")}),
    ("HTTPS://WWW.MALICIOUS.EXAMPLE./", {("malicious.example", "subdomain")}),
    ("https://%6Dalicious.example/", {("malicious.example", "exact")}),
])
def test_urls_are_checked_by_their_host(url: str, expected: set[tuple[str, str]]) -> None:
    assert hits(DOMAINS, Kind.URL, url) == expected


def test_links_from_prose_match_without_their_trailing_punctuation() -> None:
    index = build("[url:value = 'https://dl.example.net/a']",
                  "[domain-name:value = 'malicious.example']")
    (match,) = match_value(index, Kind.URL, "https://dl.example.net/a).", platform="ios")
    assert (match.indicator.value, match.rule) == ("https://dl.example.net/a", "exact")
    assert (match.observed, match.normalised) == ("https://dl.example.net/a).",
                                                  "https://dl.example.net/a")
    assert hits(index, Kind.URL, "https://malicious.example),") == {
        ("malicious.example", "exact")}


def test_idna_on_both_sides() -> None:
    index = build("[domain-name:value = 'bücher.example']")
    assert hits(index, Kind.DOMAIN, "www.xn--bcher-kva.example") == {
        ("xn--bcher-kva.example", "subdomain")}
    assert hits(index, Kind.URL, "https://BÜCHER.example/") == {
        ("xn--bcher-kva.example", "exact")}


@given(st.lists(st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True),
                min_size=1, max_size=4))
def test_any_subdomain_of_an_indicator_matches(labels: list[str]) -> None:
    host = ".".join([*labels, "malicious.example"])
    assert hits(DOMAINS, Kind.DOMAIN, host) == {("malicious.example", "subdomain")}
    assert hits(DOMAINS, Kind.URL, f"https://{host}/p") == {("malicious.example", "subdomain")}


_HOSTISH = st.text(alphabet="abcdeilmosuxw.-", min_size=1, max_size=40)


@given(_HOSTISH | _HOSTISH.map(lambda h: h + "malicious.example") |
       _HOSTISH.map(lambda h: "malicious.example" + h))
def test_a_host_matches_only_if_it_is_the_indicator_or_ends_with_dot_indicator(host: str) -> None:
    normalised = host.rstrip(".")
    related = normalised == "malicious.example" or normalised.endswith(".malicious.example")
    assert bool(hits(DOMAINS, Kind.DOMAIN, host) & {("malicious.example", "exact"),
                                                    ("malicious.example", "subdomain")}) \
        is related


# --- IPs -----------------------------------------------------------------------------------

IPS = build("[ipv4-addr:value = '192.0.2.1']", "[domain-name:value = '198.51.100.7']",
            "[ipv6-addr:value = '2001:db8::1']", "[ipv4-addr:value = '203.0.113.0/28']")


@pytest.mark.parametrize(("kind", "observed", "expected"), [
    (Kind.IP, "192.0.2.1", {("192.0.2.1", "exact")}),
    (Kind.IP, "/192.0.2.1", {("192.0.2.1", "exact")}),
    (Kind.IP, "192.0.2.10", set()),                       # extends the indicator: no
    (Kind.IP, "192.0.2.", set()),
    (Kind.IP, "92.0.2.1", set()),
    (Kind.URL, "https://192.0.2.1:8443/x", {("192.0.2.1", "exact")}),
    (Kind.URL, "https://192.0.2.10/", set()),
    (Kind.URL, "http://3221225985/", {("192.0.2.1", "exact")}),
    (Kind.DOMAIN, "192.0.2.1", {("192.0.2.1", "exact")}),
    (Kind.IP, "198.51.100.7", {("198.51.100.7", "exact")}),   # typed as domain in the feed
    (Kind.URL, "http://198.51.100.7/a", {("198.51.100.7", "exact")}),
    (Kind.IP, "2001:0DB8:0::1", {("2001:db8::1", "exact")}),
    (Kind.URL, "https://[2001:db8::1]:443/", {("2001:db8::1", "exact")}),
    (Kind.IP, "2001:db8::10", set()),
    (Kind.IP, "::ffff:192.0.2.1", {("192.0.2.1", "exact")}),
    (Kind.IP, "203.0.113.9", {("203.0.113.0/28", "cidr")}),
    (Kind.IP, "203.0.113.16", set()),
])
def test_ip_rules(kind: Kind, observed: str, expected: set[tuple[str, str]]) -> None:
    assert hits(IPS, kind, observed) == expected


@given(st.ip_addresses(), st.ip_addresses())
def test_an_ip_never_matches_a_different_ip(indicator: ipaddress.IPv4Address | ipaddress.IPv6Address,
                                            observed: ipaddress.IPv4Address | ipaddress.IPv6Address
                                            ) -> None:
    assume(indicator != observed)
    assume(getattr(indicator, "ipv4_mapped", None) is None)
    assume(getattr(observed, "ipv4_mapped", None) is None)
    key = "ipv4-addr" if indicator.version == 4 else "ipv6-addr"
    index = build(f"[{key}:value = '{indicator}']")
    assert hits(index, Kind.IP, str(observed)) == set()
    assert hits(index, Kind.IP, str(indicator)) == {(indicator.compressed, "exact")}


# --- URLs ----------------------------------------------------------------------------------

URLS = build("[url:value = 'https://dl.example.net/a.apk?id=7']",
             "[url:value = 'https://short.example/x/']")


@pytest.mark.parametrize(("observed", "expected"), [
    ("https://dl.example.net/a.apk?id=7", {("https://dl.example.net/a.apk?id=7", "exact")}),
    ("HTTPS://DL.Example.NET:443/a.apk?id=7",
     {("https://dl.example.net/a.apk?id=7", "url-normalised")}),
    ("https://dl.example.net/%61.apk?id=7",
     {("https://dl.example.net/a.apk?id=7", "url-normalised")}),
    ("https://dl.example.net/a.apk?id=8", set()),
    ("https://dl.example.net/A.apk?id=7", set()),     # paths keep their case
    ("https://short.example/x", {("https://short.example/x/", "url-normalised")}),
    ("https://short.example/x/", {("https://short.example/x/", "exact")}),
    ("https://short.example/x/y", set()),
])
def test_url_rules(observed: str, expected: set[tuple[str, str]]) -> None:
    assert hits(URLS, Kind.URL, observed) == expected


def test_url_indicators_do_not_make_their_host_an_indicator() -> None:
    assert hits(URLS, Kind.DOMAIN, "dl.example.net") == set()


def test_mailto_is_checked_as_email_and_its_domain() -> None:
    index = build("[email-addr:value = 'Attacker.Account@example.com']",
                  "[domain-name:value = 'evil.example']")
    assert hits(index, Kind.URL, "mailto:ATTACKER.account@Example.com?subject=hi") == {
        ("attacker.account@example.com", "exact")}
    assert hits(index, Kind.URL, "mailto:someone@mail.evil.example") == {
        ("evil.example", "subdomain")}
    assert hits(index, Kind.EMAIL, " attacker.account@EXAMPLE.com ") == {
        ("attacker.account@example.com", "exact")}
    assert hits(index, Kind.EMAIL, "mailto:attacker.account@example.com") == {
        ("attacker.account@example.com", "exact")}
    assert hits(index, Kind.EMAIL, "attacker.account@example.co") == set()


# --- Processes -----------------------------------------------------------------------------

PROCESSES = build("[process:name = 'com.apple.Mappit.SnapshotService']",
                  "[process:name = 'exampled']",
                  "[process:name = 'androidservicesd']",     # 16 characters
                  "[app:id = 'com.example.spy']")


@pytest.mark.parametrize(("observed", "platform", "expected"), [
    ("exampled", "ios", {("exampled", "exact")}),
    ("Exampled", "ios", set()),                              # case-sensitive
    ("exampled2", "ios", set()),
    ("/usr/libexec/exampled", "ios", {("exampled", "exact")}),
    ("exampled/com.apple.xyz", "ios", {("exampled", "exact")}),
    ("com.apple.Mappit.", "ios", set()),                      # 17 chars: no truncation rule
    ("com.apple.Mappit", "ios", {("com.apple.Mappit.SnapshotService", "truncated")}),
    ("com.apple.Mappi", "ios", set()),                        # 15 chars on iOS: no
    ("com.apple.Mappi", "android", {("com.apple.Mappit.SnapshotService", "truncated")}),
    ("com.apple.Mappit", "android", set()),                   # 16 chars on Android: no
    ("androidservicesd", "ios", {("androidservicesd", "exact")}),
    ("androidservices", "android", {("androidservicesd", "truncated")}),
    ("com.example.spy:remote", "android", {("com.example.spy", "exact")}),
    ("com.example.spy:remote", "ios", set()),
])
def test_process_rules(observed: str, platform: str, expected: set[tuple[str, str]]) -> None:
    assert hits(PROCESSES, Kind.PROCESS, observed, platform) == expected


def test_truncated_match_reports_the_indicator_kind() -> None:
    (match,) = match_value(PROCESSES, Kind.PROCESS, "com.apple.Mappit", platform="ios")
    assert (match.kind, match.observed, match.normalised) == (
        Kind.PROCESS, "com.apple.Mappit", "com.apple.Mappit")


# --- Files ---------------------------------------------------------------------------------

FILES = build("[file:path = '/private/var/tmp']",
              "[file:path = '/tmp/hooker']",
              "[file:path = '/data/local/tmp/wd/']",
              "[file:path = '/data/local/tmp/x']",
              "[file:path = 'Library/Preferences/com.example.plist']",
              "[file:path = 'Caches/com.example.spy/']",
              "[file:name = 'pl.core.lock']",
              "[process:name = 'exampled']")


@pytest.mark.parametrize(("observed", "expected"), [
    ("/private/var/tmp", {("/private/var/tmp", "exact")}),
    ("/private/var/tmp/anything", {("/private/var/tmp", "path-prefix")}),
    ("/var/tmp/anything", {("/private/var/tmp", "path-prefix")}),
    ("/private/var/tmpfoo", set()),                     # the incumbent's startswith trap
    ("/private/var", set()),
    ("/tmp/hooker", {("/private/var/tmp", "path-prefix"), ("/private/var/tmp/hooker", "exact")}),
    ("/data/local/tmp/wd", {("/data/local/tmp/wd/", "exact")}),
    ("/data/local/tmp/wd/fs.db", {("/data/local/tmp/wd/", "path-prefix")}),
    ("/data/local/tmp/xyz", set()),
    ("/data/local/tmp/x/E7A5C1D0-8F0B-4C8E-9C39-0A1B2C3D4E5F",
     {("/data/local/tmp/x", "path-prefix")}),           # iOS 26 shutdown.log UUID suffix
    ("/private/var/mobile/Library/Preferences/com.example.plist",
     {("Library/Preferences/com.example.plist", "path-suffix")}),
    ("Library/Preferences/com.example.plist",
     {("Library/Preferences/com.example.plist", "path-suffix")}),
    ("/private/var/mobile/XLibrary/Preferences/com.example.plist", set()),
    ("/private/var/mobile/Library/Preferences/com.example.plist.bak", set()),
    ("/var/mobile/Library/Caches/com.example.spy/data.db",
     {("Caches/com.example.spy/", "path-suffix")}),
    ("/private/var/mobile/pl.core.lock", {("pl.core.lock", "exact")}),
    ("/private/var/mobile/PL.core.lock", set()),
    ("/private/var/db/exampled/state", {("exampled", "path-component")}),
])
def test_path_rules(observed: str, expected: set[tuple[str, str]]) -> None:
    assert hits(FILES, Kind.FILE_PATH, observed) == expected


def test_file_names() -> None:
    assert hits(FILES, Kind.FILE_NAME, "pl.core.lock") == {("pl.core.lock", "exact")}
    assert hits(FILES, Kind.FILE_NAME, "Pl.core.lock") == set()
    assert hits(FILES, Kind.FILE_NAME, "~/Library/Preferences/com.example.plist") == {
        ("Library/Preferences/com.example.plist", "path-suffix")}


# --- Exact kinds ---------------------------------------------------------------------------

EXACT = build("[app:id = 'com.android.services']",
              "[configuration-profile:id = '76DAB334-7E17-475D-A5D6-0794EB5818A5']",
              "[file:hashes.sha256 = '" + "AB" * 32 + "']",
              "[app:cert.sha1 = '" + "CD" * 20 + "']",
              "[android-property:name = 'sys.brand.note']")


@pytest.mark.parametrize(("kind", "observed", "matches"), [
    (Kind.APP_ID, "COM.Android.Services", True),
    (Kind.APP_ID, "com.android.services/.Receiver", True),
    (Kind.APP_ID, "com.android.phone/com.android.services.telephony", False),
    (Kind.APP_ID, "com.android.service", False),
    (Kind.PROFILE_ID, "76dab334-7e17-475d-a5d6-0794eb5818a5", True),
    (Kind.PROFILE_ID, "76DAB334", False),                 # never the reversed containment
    (Kind.FILE_SHA256, "ab" * 32, True),
    (Kind.FILE_SHA1, "ab" * 32, False),
    (Kind.CERT_SHA1, "cd" * 20, True),
    (Kind.CERT_SHA256, "cd" * 20, False),                 # separate certificate buckets
    (Kind.FILE_SHA1, "cd" * 20, False),
    (Kind.ANDROID_PROPERTY, "sys.brand.note", True),
    (Kind.ANDROID_PROPERTY, "SYS.brand.note", False),
    (Kind.PHONE, "+15550100", False),
])
def test_exact_kinds(kind: Kind, observed: str, matches: bool) -> None:
    assert bool(match_value(EXACT, kind, observed, platform="android")) is matches


def test_empty_index_matches_nothing_and_never_fails() -> None:
    index = IndicatorIndex.build([])
    for kind in Kind:
        assert match_value(index, kind, "https://x.example/", platform="ios") == []
    assert len(index) == 0


# --- Records -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True, kw_only=True)
class Visit(Record):
    url: str = field(default="", metadata=observable(Kind.URL))
    redirect: str = field(default="", metadata=observable(Kind.URL))
    links: tuple[str, ...] = field(default=(), metadata=observable(Kind.URL))
    client: str = field(default="", metadata=observable(Kind.PROCESS))
    note: str = ""


def test_match_record_names_fields_and_deduplicates() -> None:
    index = build("[domain-name:value = 'malicious.example']", "[process:name = 'exampled']")
    record = Visit(url="https://www.malicious.example/a", redirect="https://www.malicious.example/a",
                   links=("https://good.example/", "http://malicious.example"),
                   client="exampled", note="malicious.example")
    matches = match_record(index, record, platform="ios")
    assert [(m.field, m.observed, m.rule) for m in matches] == [
        ("url", "https://www.malicious.example/a", "subdomain"),
        ("links", "http://malicious.example", "exact"),
        ("client", "exampled", "exact"),
    ]
    assert all(isinstance(m, Match) for m in matches)
    assert matches[0].kind is Kind.DOMAIN
    assert matches[0].normalised == "www.malicious.example"
    assert matches[0].indicator.owners == (OWNER,)


def test_broad_indicators_are_marked() -> None:
    index = build("[domain-name:value = 'duckdns.org']")
    (match,) = match_value(index, Kind.URL, "https://spy.duckdns.org/", platform="ios")
    assert match.indicator.broad
    assert match.rule == "subdomain"


def test_lookup_does_not_depend_on_other_indicators() -> None:
    many = build(*(f"[domain-name:value = 'n{i}.example.net']" for i in range(5000)),
                 "[domain-name:value = 'malicious.example']")
    assert hits(many, Kind.URL, "https://www.malicious.example/") == {
        ("malicious.example", "subdomain")}
    assert hits(many, Kind.DOMAIN, "example.net") == set()
    assert len(many) == 5001


EVERYTHING = build("[domain-name:value = 'malicious.example']", "[ipv4-addr:value = '192.0.2.0/24']",
                   "[url:value = 'https://dl.example.net/a']", "[process:name = 'exampled']",
                   "[file:path = 'Library/x/']", "[file:path = '/private/var/tmp/x']",
                   "[email-addr:value = 'a@example.com']")


@given(st.sampled_from(list(Kind)), st.text(max_size=80), st.sampled_from(["ios", "android", "x"]))
def test_matching_never_raises(kind: Kind, value: str, platform: str) -> None:
    for match in match_value(EVERYTHING, kind, value, platform=platform):
        assert match.observed == value
