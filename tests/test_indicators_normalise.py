"""Per-kind normalisation, shared by indicators and observations."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perito.indicators import normalise
from perito.records import Kind


@pytest.mark.parametrize(("raw", "expected"), [
    ("C2.Example.NET.", "c2.example.net"),
    ("  c2.example.net  ", "c2.example.net"),
    ("bücher.example", "xn--bcher-kva.example"),
    ("BÜCHER.example", "xn--bcher-kva.example"),
    ("xn--bcher-kva.example", "xn--bcher-kva.example"),
    ("例え。テスト", "xn--r8jz45g.xn--zckzah"),
])
def test_domain(raw: str, expected: str) -> None:
    assert normalise.domain(raw) == expected


@pytest.mark.parametrize(("host", "valid"), [
    ("c2.example.net", True), ("_dmarc.example.net", True), ("a-b.example", True),
    ("-a.example", False), ("a-.example", False), ("a..example", False), ("", False),
    ("a b.example", False), ("x" * 64 + ".example", False), ("x" * 63 + ".example", True),
])
def test_is_hostname(host: str, valid: bool) -> None:
    assert normalise.is_hostname(host) is valid


@pytest.mark.parametrize(("url", "host"), [
    ("https://trusted.example@evil.example/", "evil.example"),
    ("https://user:pass@Evil.Example:8443/path", "evil.example"),
    ("https://a@b@evil.example/", "evil.example"),
    ("evil.example/path?q=1", "evil.example"),
    ("//evil.example/x", "evil.example"),
    ("evil.example:8080", "evil.example"),
    ("HTTPS://EVIL.EXAMPLE", "evil.example"),
    ("https://evil.example./", "evil.example"),
    ("https://evil.example\\@trusted.example/", "evil.example"),
    ("https://good.example/?u=evil.example", "good.example"),
    ("https://good.example#@evil.example", "good.example"),
    ("https://[2001:DB8::1]:443/x", "2001:db8::1"),
    ("http://192.0.2.10:80/", "192.0.2.10"),
    ("http://3221225985/", "192.0.2.1"),
    ("http://0xc0.0.2.1/", "192.0.2.1"),
    ("https://%65vil.example/", "evil.example"),
    ("https://bücher.example/", "xn--bcher-kva.example"),
    ("mailto:someone@evil.example", ""),
    ("tel:+15550100", ""),
    ("", ""),
])
def test_host_of_url(url: str, host: str) -> None:
    assert normalise.host_of_url(url) == host


@pytest.mark.parametrize(("raw", "expected"), [
    ("HTTPS://Dl.Example.NET:443/a.apk?id=7", "https://dl.example.net/a.apk?id=7"),
    ("http://dl.example.net", "http://dl.example.net/"),
    ("http://dl.example.net:8080", "http://dl.example.net:8080/"),
    ("https://dl.example.net/%7Euser/%41%2f", "https://dl.example.net/~user/A%2F"),
    ("https://dl.example.net/a#fragment", "https://dl.example.net/a"),
    ("dl.example.net/a", "http://dl.example.net/a"),
    ("https://user@dl.example.net/", "https://user@dl.example.net/"),
    ("https://[2001:db8:0::1]/", "https://[2001:db8::1]/"),
    ("https://x.example/a?b=c=d", "https://x.example/a?b=c=d"),
])
def test_url(raw: str, expected: str) -> None:
    assert normalise.url(raw) == expected


def test_url_without_trailing_slash_keeps_query() -> None:
    assert normalise.url_without_trailing_slash("https://x.example/a/") == "https://x.example/a"
    assert normalise.url_without_trailing_slash("https://x.example/") == "https://x.example"
    assert normalise.url_without_trailing_slash("https://x.example/a/?q=/") == \
        "https://x.example/a?q=/"


@pytest.mark.parametrize(("raw", "expected"), [
    ("192.0.2.1", "192.0.2.1"), ("/192.0.2.1", "192.0.2.1"), ("192.0.2.1:443", "192.0.2.1"),
    ("[2001:db8::1]:443", "2001:db8::1"), ("2001:DB8:0:0::1", "2001:db8::1"),
    ("::ffff:192.0.2.1", "192.0.2.1"), ("fe80::1%eth0", "fe80::1"),
    ("192.0.2.0/24", "192.0.2.0/24"), ("192.0.2.7/32", "192.0.2.7"),
])
def test_ip(raw: str, expected: str) -> None:
    assert normalise.ip(raw) == expected


@pytest.mark.parametrize("raw", ["example.net", "1.2.3", "192.0.2.256", "", "1.2.3.4evil.com"])
def test_ip_literal_refuses_names(raw: str) -> None:
    assert normalise.ip_literal(raw) is None


@pytest.mark.parametrize(("raw", "expected"), [
    ("/var/tmp/x", "/private/var/tmp/x"),
    ("/tmp/x", "/private/var/tmp/x"),
    ("/tmp", "/private/var/tmp"),
    ("/private/var/tmp/x", "/private/var/tmp/x"),
    ("/etc/hosts", "/private/etc/hosts"),
    ("/data/local/tmp/wd/", "/data/local/tmp/wd/"),
    ("//private//var/./tmp/x", "/private/var/tmp/x"),
    ("~/Library/SMS/x", "/private/var/mobile/Library/SMS/x"),
    ("Library/Preferences/x.plist", "Library/Preferences/x.plist"),
    ("/", "/"),
    ("/Private/Var/X", "/Private/Var/X"),
])
def test_file_path(raw: str, expected: str) -> None:
    assert normalise.file_path(raw) == expected


@pytest.mark.parametrize(("kind", "raw", "expected"), [
    (Kind.EMAIL, " MAILTO:Attacker.Account@Example.COM ", "attacker.account@example.com"),
    (Kind.EMAIL, "mailto:a%40b@example.com?subject=x", "a@b@example.com"),
    (Kind.PROCESS, " Exampled ", "Exampled"),
    (Kind.FILE_NAME, "PL.core.lock", "PL.core.lock"),
    (Kind.FILE_SHA256, " 5D2F ", "5d2f"),
    (Kind.CERT_SHA1, "A1:B2:C3", "a1b2c3"),
    (Kind.APP_ID, "Com.Example.Spy", "com.example.spy"),
    (Kind.PROFILE_ID, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
     "0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0"),
    (Kind.ANDROID_PROPERTY, "Sys.Example.Flag", "Sys.Example.Flag"),
    (Kind.PHONE, "tel:+1 (555) 010-0", "+15550100"),
])
def test_normalise_by_kind(kind: Kind, raw: str, expected: str) -> None:
    assert normalise.normalise(kind, raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("https://evil.example/a.", "https://evil.example/a"),
    ("https://evil.example/a),", "https://evil.example/a"),
    ("https://en.example/wiki/Foo_(bar)", "https://en.example/wiki/Foo_(bar)"),
    ("https://evil.example/a'\"!?;:", "https://evil.example/a"),
    ("https://evil.example/", "https://evil.example/"),
])
def test_strip_trailing_punctuation(raw: str, expected: str) -> None:
    assert normalise.strip_trailing_punctuation(raw) == expected


def test_extract_links_is_permissive_and_keeps_raw() -> None:
    text = "See HTTPS://Evil.Example/p?x=1. Or (http://b.example/q), not ftp://c.example"
    assert normalise.extract_links(text) == ["HTTPS://Evil.Example/p?x=1.",
                                             "http://b.example/q),"]


@given(st.text())
def test_normalisers_are_total(text: str) -> None:
    for kind in Kind:
        normalise.normalise(kind, text)
    normalise.host_of_url(text)
    normalise.extract_links(text)
    normalise.strip_trailing_punctuation(text)


@given(st.text())
def test_normalisers_are_idempotent(text: str) -> None:
    for kind in (Kind.DOMAIN, Kind.EMAIL, Kind.FILE_PATH, Kind.APP_ID, Kind.IP, Kind.FILE_MD5):
        once = normalise.normalise(kind, text)
        assert normalise.normalise(kind, once) == once
