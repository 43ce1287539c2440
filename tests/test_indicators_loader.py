"""Loading bundles built in code: ownership, deduplication and every real-feed quirk."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perito.indicators import (
    DEFAULT_COLLECTION,
    Indicator,
    IndicatorSet,
    LoadProblem,
    load_indicators,
    load_stix_file,
    mvt_type,
    paths_from_env,
)
from perito.records import Kind
from tests.builders.stix import BundleBuilder, pattern, single_malware_bundle


def _by_value(indicator_set: IndicatorSet) -> dict[str, Indicator]:
    return {indicator.value: indicator for indicator in indicator_set.indicators}


def _problems(indicator_set: IndicatorSet, severity: str) -> list[LoadProblem]:
    return [p for p in indicator_set.problems if p.severity == severity]


# --- Ownership -----------------------------------------------------------------------------

def test_relationship_gives_the_malware_as_owner(tmp_path: Path) -> None:
    bundle = BundleBuilder("own")
    spy = bundle.malware("ExampleSpy")
    indicator_id = bundle.indicator(pattern("domain-name:value", "c2.example.net"), indicates=spy)
    path = bundle.write(tmp_path / "examplespy.stix2")

    loaded = load_indicators([path])
    (indicator,) = loaded.indicators
    assert indicator.kind is Kind.DOMAIN
    assert indicator.ids == (indicator_id,)
    (owner,) = indicator.owners
    assert (owner.name, owner.stix_id, owner.file_name) == ("ExampleSpy", spy, "examplespy.stix2")
    assert owner.file_path == str(path)
    assert len(owner.file_sha256) == 64
    (summary,) = loaded.files
    assert summary.collections == ("ExampleSpy",)
    assert summary.sha256 == owner.file_sha256
    assert loaded.problems == ()


def test_report_refs_come_before_relationships(tmp_path: Path) -> None:
    bundle = BundleBuilder("report")
    bundle.identity("Example Lab")
    bundle.threat_actor("Example Actor")
    spy = bundle.malware("ExampleSpy")
    first = bundle.indicator(pattern("url:value", "https://dl.example.net/a.apk?id=7"),
                             indicates=spy)
    second = bundle.indicator(pattern("email-addr:value", "attacker@example.com"))
    report = bundle.report("OTX pulse", [first, second])
    loaded = load_indicators([bundle.write(tmp_path / "pulse.json")])

    by_value = _by_value(loaded)
    url = by_value["https://dl.example.net/a.apk?id=7"]
    assert [o.stix_id for o in url.owners] == [report, spy]
    assert [o.name for o in by_value["attacker@example.com"].owners] == ["OTX pulse"]
    assert set(loaded.files[0].collections) == {"ExampleSpy", "OTX pulse"}


def test_unattached_indicators_go_to_the_default_collection(tmp_path: Path) -> None:
    bundle = BundleBuilder("loose")
    bundle.malware("ExampleSpy")
    bundle.indicator(pattern("process:name", "exampled"))
    loaded = load_indicators([bundle.write(tmp_path / "loose.stix2")])
    (owner,) = loaded.indicators[0].owners
    assert (owner.name, owner.stix_id) == (DEFAULT_COLLECTION, "")
    assert owner.file_name == "loose.stix2"
    assert DEFAULT_COLLECTION in loaded.files[0].collections


def test_several_owners_and_bundles_are_all_kept(tmp_path: Path) -> None:
    one = BundleBuilder("one")
    spy, other = one.malware("ExampleSpy"), one.malware("OtherSpy")
    one.indicator(pattern("domain-name:value", "c2.example.net"), indicates=[spy, other])
    two = BundleBuilder("two")
    two.indicator(pattern("domain-name:value", "C2.Example.NET"),
                  indicates=two.malware("ExampleSpy"))
    loaded = load_indicators([one.write(tmp_path / "one.stix2"), two.write(tmp_path / "two.stix2")])

    (indicator,) = loaded.indicators
    assert [(o.name, o.file_name) for o in indicator.owners] == [
        ("ExampleSpy", "one.stix2"), ("OtherSpy", "one.stix2"), ("ExampleSpy", "two.stix2")]
    assert len(indicator.ids) == 2
    assert indicator.raw_value == "c2.example.net"
    assert [f.indicator_count for f in loaded.files] == [1, 1]


# --- Quirks (reference §1.4) ---------------------------------------------------------------

def test_dangling_relationships_are_warnings(tmp_path: Path) -> None:
    bundle = BundleBuilder("dangling")
    spy = bundle.malware("ExampleSpy")
    indicator_id = bundle.indicator(pattern("domain-name:value", "c2.example.net"),
                                    indicates=spy)
    bundle.relationship("indicator--00000000-0000-4000-8000-000000000000", spy)
    bundle.relationship(indicator_id, "malware--00000000-0000-4000-8000-000000000000")
    loaded = load_indicators([bundle.write(tmp_path / "dangling.stix2")])

    assert [o.name for o in loaded.indicators[0].owners] == ["ExampleSpy"]
    warnings = _problems(loaded, "warning")
    assert len(warnings) == 2
    assert all("not in the bundle" in w.message for w in warnings)


def test_duplicate_patterns_and_relationships_merge(tmp_path: Path) -> None:
    bundle = BundleBuilder("dupes")
    spy = bundle.malware("ExampleSpy")
    first = bundle.indicator(pattern("app:id", "com.example.spy"), indicates=spy)
    second = bundle.indicator(pattern("app:id", "com.example.spy"), indicates=spy)
    bundle.relationship(first, spy)
    loaded = load_indicators([bundle.write(tmp_path / "dupes.stix2")])

    (indicator,) = loaded.indicators
    assert indicator.ids == (first, second)
    assert len(indicator.owners) == 1
    assert loaded.files[0].indicator_count == 1
    assert loaded.problems == ()


def test_ip_typed_as_domain_is_an_ip_with_a_warning(tmp_path: Path) -> None:
    path = single_malware_bundle(tmp_path / "ips.stix2", "NoviSpyLike", [
        pattern("domain-name:value", "192.0.2.44"),
        pattern("domain-name:value", "2001:DB8::7"),
        pattern("ipv4-addr:value", "192.0.2.44"),
        pattern("ipv6-addr:value", "2001:db8:0:0::8"),
        pattern("ipv4-addr:value", "198.51.100.0/24"),
    ])
    loaded = load_indicators([path])
    by_value = _by_value(loaded)
    assert set(by_value) == {"192.0.2.44", "2001:db8::7", "2001:db8::8", "198.51.100.0/24"}
    assert all(i.kind is Kind.IP for i in loaded.indicators)
    assert len(by_value["192.0.2.44"].ids) == 2
    assert by_value["192.0.2.44"].stix_key == "domain-name:value"
    assert len(_problems(loaded, "warning")) == 2
    assert mvt_type(Kind.IP) == "ips"


def test_upper_case_domains_are_lowered(tmp_path: Path) -> None:
    path = single_malware_bundle(tmp_path / "upper.stix2", "ParagonLike",
                                 [pattern("domain-name:value", "C2.EXAMPLE.NET.")])
    (indicator,) = load_indicators([path]).indicators
    assert (indicator.value, indicator.raw_value) == ("c2.example.net", "C2.EXAMPLE.NET.")


def test_ip_and_domain_run_together_are_split_with_a_warning(tmp_path: Path) -> None:
    path = single_malware_bundle(tmp_path / "joined.stix2", "ParagonLike",
                                 [pattern("domain-name:value", "203.0.113.7Evil.Example")])
    loaded = load_indicators([path])
    assert {(i.kind, i.value) for i in loaded.indicators} == {
        (Kind.IP, "203.0.113.7"), (Kind.DOMAIN, "evil.example")}
    assert all(i.raw_value == "203.0.113.7Evil.Example" for i in loaded.indicators)
    (warning,) = loaded.problems
    assert "run together" in warning.message


def test_domain_with_a_path_keeps_the_host_with_a_warning(tmp_path: Path) -> None:
    path = single_malware_bundle(tmp_path / "path.stix2", "CorunaLike", [
        pattern("domain-name:value", "host.example.xyz/x"),
        pattern("domain-name:value", "https://other.example:8443/y"),
        pattern("domain-name:value", "*.wild.example"),
    ])
    loaded = load_indicators([path])
    assert {i.value for i in loaded.indicators} == {
        "host.example.xyz", "other.example", "wild.example"}
    assert len(_problems(loaded, "warning")) == 3


def test_invalid_hostname_is_kept_and_flagged(tmp_path: Path) -> None:
    path = single_malware_bundle(tmp_path / "bad.stix2", "Bad",
                                 [pattern("domain-name:value", "bad_host-.example")])
    loaded = load_indicators([path])
    assert [i.value for i in loaded.indicators] == ["bad_host-.example"]
    assert "not a valid hostname" in loaded.problems[0].message


@pytest.mark.parametrize("key", [
    "file:hashes.sha256", "file:hashes.'SHA-256'", "file:hashes.SHA256", "file:hashes.'sha-256'",
    "file:hashes.SHA_256",
])
def test_every_hash_key_spelling_is_sha256(tmp_path: Path, key: str) -> None:
    digest = "5D2F" * 16
    path = single_malware_bundle(tmp_path / "hash.stix2", "Spy", [pattern(key, digest)])
    loaded = load_indicators([path])
    (indicator,) = loaded.indicators
    assert (indicator.kind, indicator.value) == (Kind.FILE_SHA256, digest.lower())
    assert loaded.problems == ()


def test_hash_buckets_and_length_fallback(tmp_path: Path) -> None:
    path = single_malware_bundle(tmp_path / "hashes.stix2", "Spy", [
        pattern("file:hashes.md5", "A" * 32),
        pattern("file:hashes.'SHA-1'", "b" * 40),
        pattern("file:hashes.sha256", "c" * 40),  # mislabelled: a SHA-1 by its length
        pattern("app:cert.sha1", "D" * 40),
        pattern("app:cert.sha256", "e" * 64),
        pattern("app:cert.md5", "f" * 32),
        pattern("file:hashes.'SHA-512'", "0" * 128),
    ])
    loaded = load_indicators([path])
    assert {(i.kind, i.value) for i in loaded.indicators} == {
        (Kind.FILE_MD5, "a" * 32), (Kind.FILE_SHA1, "b" * 40), (Kind.FILE_SHA1, "c" * 40),
        (Kind.CERT_SHA1, "d" * 40), (Kind.CERT_SHA256, "e" * 64), (Kind.CERT_MD5, "f" * 32)}
    assert len(_problems(loaded, "warning")) == 1
    (unsupported,) = _problems(loaded, "unsupported")
    assert "SHA-512" in unsupported.message
    assert {mvt_type(k) for k in (Kind.CERT_MD5, Kind.CERT_SHA1, Kind.CERT_SHA256)} == {
        "app_cert_hashes"}


def test_paths_relative_absolute_and_names(tmp_path: Path) -> None:
    path = single_malware_bundle(tmp_path / "paths.stix2", "CorunaLike", [
        pattern("file:path", "/var/tmp/exampled"),
        pattern("file:path", "/private/var/tmp/exampled"),
        pattern("file:path", "Library/Preferences/com.example.plist"),
        pattern("file:path", "/data/local/tmp/wd/"),
        pattern("file:name", "pl.core.lock"),
        pattern("file:name", "/private/var/db/example.plist"),
    ])
    loaded = load_indicators([path])
    assert {(i.kind, i.value) for i in loaded.indicators} == {
        (Kind.FILE_PATH, "/private/var/tmp/exampled"),
        (Kind.FILE_PATH, "Library/Preferences/com.example.plist"),
        (Kind.FILE_PATH, "/data/local/tmp/wd/"),
        (Kind.FILE_NAME, "pl.core.lock"),
        (Kind.FILE_PATH, "/private/var/db/example.plist"),
    }
    (warning,) = loaded.problems
    assert "contains '/'" in warning.message


def test_spaces_around_equals_and_equals_in_values(tmp_path: Path) -> None:
    path = single_malware_bundle(tmp_path / "otx.json", "Pulse", [
        "[url:value = 'https://x.example/a?b=c=d']",
        "[url:value='https://y.example/p?q=[1]']",
        "[ url:value  =  'https://z.example/it\\'s' ]",
    ])
    loaded = load_indicators([path])
    assert {i.raw_value for i in loaded.indicators} == {
        "https://x.example/a?b=c=d", "https://y.example/p?q=[1]", "https://z.example/it's"}
    assert loaded.problems == ()


def test_or_patterns_become_several_indicators(tmp_path: Path) -> None:
    bundle = BundleBuilder("or")
    spy = bundle.malware("Spy")
    indicator_id = bundle.indicator(
        "[domain-name:value = 'a.example' OR domain-name:value = 'b.example'] OR "
        "[process:name = 'exampled']", indicates=spy)
    loaded = load_indicators([bundle.write(tmp_path / "or.stix2")])
    assert {(i.kind, i.value) for i in loaded.indicators} == {
        (Kind.DOMAIN, "a.example"), (Kind.DOMAIN, "b.example"), (Kind.PROCESS, "exampled")}
    assert all(i.ids == (indicator_id,) for i in loaded.indicators)


def test_all_other_kinds_load(tmp_path: Path) -> None:
    path = single_malware_bundle(tmp_path / "kinds.stix2", "Spy", [
        pattern("email-addr:value", "Attacker.Account@Example.com"),
        pattern("process:name", "Exampled"),
        pattern("app:id", "Com.Example.Spy"),
        pattern("configuration-profile:id", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"),
        pattern("android-property:name", "Sys.Example.Flag"),
        pattern("url:value", "HTTPS://DL.Example.net:443/a.apk"),
        pattern("Domain-Name:value", "mixed.example"),
    ])
    loaded = load_indicators([path])
    assert {(i.kind, i.value) for i in loaded.indicators} == {
        (Kind.EMAIL, "attacker.account@example.com"),
        (Kind.PROCESS, "Exampled"),
        (Kind.APP_ID, "com.example.spy"),
        (Kind.PROFILE_ID, "0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0"),
        (Kind.ANDROID_PROPERTY, "Sys.Example.Flag"),
        (Kind.URL, "https://dl.example.net/a.apk"),
        (Kind.DOMAIN, "mixed.example"),
    }
    assert loaded.problems == ()


@pytest.mark.parametrize("pattern_text", [
    "[x509-certificate:hashes.'SHA-256' = 'ab']",
    "[network-traffic:dst_ref.value = '192.0.2.1']",
    "[mac-addr:value = '00:11:22:33:44:55']",
    "[process:command_line = 'exampled --serve']",
    "[file:name = 'a' AND file:size = 'b']",
    "[url:value LIKE 'https://%']",
])
def test_unsupported_keys_and_forms_are_reported(tmp_path: Path, pattern_text: str) -> None:
    bundle = BundleBuilder("unsupported")
    spy = bundle.malware("Spy")
    indicator_id = bundle.indicator(pattern_text, indicates=spy)
    bundle.indicator(pattern("domain-name:value", "c2.example.net"), indicates=spy)
    loaded = load_indicators([bundle.write(tmp_path / "u.stix2")])
    assert [i.value for i in loaded.indicators] == ["c2.example.net"]
    (problem,) = loaded.problems
    assert (problem.severity, problem.indicator_id) == ("unsupported", indicator_id)


def test_bad_indicators_do_not_stop_the_file(tmp_path: Path) -> None:
    bundle = BundleBuilder("bad")
    spy = bundle.malware("Spy")
    bundle.indicator("not a pattern", indicates=spy)
    bundle.indicator(pattern("ipv4-addr:value", "not-an-ip"), indicates=spy)
    bundle.indicator("[process:name = 'x']", pattern_type="yara", indicates=spy)
    no_pattern = bundle.indicator("x", indicates=spy)
    bundle.objects[-2].pop("pattern")  # the indicator object precedes its relationship
    bundle.indicator(pattern("domain-name:value", "c2.example.net"), indicates=spy)
    bundle.objects.append({"type": "indicator", "pattern": "[process:name = 'no-id']"})
    bundle.objects.append(cast(dict[str, Any], "not an object"))
    bundle.objects.append({"type": ["indicator"], "id": "indicator--odd-type"})
    bundle.objects.append({"type": "indicator", "id": 7, "pattern": "[process:name = 'x']"})
    loaded = load_indicators([bundle.write(tmp_path / "bad.stix2")])

    assert [i.value for i in loaded.indicators] == ["c2.example.net"]
    severities = sorted(p.severity for p in loaded.problems)
    assert severities == ["error", "error", "error", "unsupported", "warning", "warning",
                          "warning"]
    assert any(p.indicator_id == no_pattern for p in loaded.problems)


# --- Files and folders ---------------------------------------------------------------------

@pytest.mark.parametrize(("content", "message"), [
    (b"\x89PNG\r\n", "not a JSON file"),
    (b"{\"type\": \"bundle\"", "not a JSON file"),
    (b"[1, 2, 3]", "not a STIX 2 bundle"),
    (b"{\"type\": \"report\", \"objects\": []}", "not a STIX 2 bundle"),
    (b"{\"type\": \"bundle\", \"objects\": {}}", "not a STIX 2 bundle"),
])
def test_unreadable_files_are_errors_and_loading_continues(
        tmp_path: Path, content: bytes, message: str) -> None:
    (tmp_path / "broken.stix2").write_bytes(content)
    single_malware_bundle(tmp_path / "good.stix2", "Spy",
                          [pattern("domain-name:value", "c2.example.net")])
    loaded = load_indicators([tmp_path])
    assert [i.value for i in loaded.indicators] == ["c2.example.net"]
    assert [f.name for f in loaded.files] == ["good.stix2"]
    (problem,) = loaded.problems
    assert problem.severity == "error"
    assert message in problem.message
    assert problem.file.endswith("broken.stix2")


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    loaded = load_indicators([tmp_path / "nope.stix2"])
    assert loaded.indicators == ()
    assert [p.severity for p in loaded.problems] == ["error"]


def test_folders_are_searched_recursively_and_files_read_once(tmp_path: Path) -> None:
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    first = single_malware_bundle(nested / "one.STIX2", "One",
                                  [pattern("process:name", "one")])
    single_malware_bundle(tmp_path / "two.json", "Two", [pattern("process:name", "two")])
    (tmp_path / "feeds.yaml").write_text("indicators: []\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("[process:name = 'no']\n", encoding="utf-8")
    (tmp_path / "echap-network.csv").write_text("type,indicator,app\n", encoding="utf-8")

    loaded = load_indicators([tmp_path, first, tmp_path / "a"])
    assert sorted(i.value for i in loaded.indicators) == ["one", "two"]
    assert sorted(f.name for f in loaded.files) == ["one.STIX2", "two.json"]
    # the unknown CSV, and the feed index (notes.txt is not named for a kind: not read)
    assert sorted((Path(p.file).name, p.severity) for p in loaded.problems) == [
        ("echap-network.csv", "unsupported"), ("feeds.yaml", "unsupported")]


def test_utf8_bom_and_unicode_values(tmp_path: Path) -> None:
    bundle = BundleBuilder("bom")
    bundle.indicator(pattern("domain-name:value", "bücher.example"),
                     indicates=bundle.malware("Spy"))
    path = tmp_path / "bom.stix2"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(bundle.bundle()).encode("utf-8"))
    (indicator,) = load_indicators([path]).indicators
    assert indicator.value == "xn--bcher-kva.example"


def test_amnesty_csv_layout(tmp_path: Path) -> None:
    path = tmp_path / "nso-like.csv"
    path.write_text('domain_name,ip_address\n"a.example","192.0.2.1"\n"A.example","192.0.2.2"\n'
                    '"b.example",""\n', encoding="utf-8")
    loaded = load_indicators([path])
    assert [(i.kind, i.value) for i in loaded.indicators] == [
        (Kind.DOMAIN, "a.example"), (Kind.IP, "192.0.2.1"), (Kind.IP, "192.0.2.2"),
        (Kind.DOMAIN, "b.example")]
    assert {o.name for i in loaded.indicators for o in i.owners} == {"nso-like"}
    assert loaded.files[0].collections == ("nso-like",)


def test_yaml_that_is_not_echap_is_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "other.yaml"
    path.write_text("- title: x\n  domains: [a.example]\n", encoding="utf-8")
    loaded = load_indicators([path])
    assert loaded.indicators == ()
    assert [p.severity for p in loaded.problems] == ["unsupported"]


def test_broad_domains_are_public_suffixes(tmp_path: Path) -> None:
    path = single_malware_bundle(tmp_path / "broad.stix2", "Spy", [
        pattern("domain-name:value", "duckdns.org"),
        pattern("domain-name:value", "spy.duckdns.org"),
        pattern("domain-name:value", "co.uk"),
        pattern("domain-name:value", "example.net"),
    ])
    broad = {i.value: i.broad for i in load_indicators([path]).indicators}
    assert broad == {"duckdns.org": True, "spy.duckdns.org": False, "co.uk": True,
                     "example.net": False}


def test_load_stix_file_on_its_own(tmp_path: Path) -> None:
    path = single_malware_bundle(tmp_path / "one.stix2", "Spy", [
        pattern("domain-name:value", "a.example"), pattern("domain-name:value", "A.example")])
    loaded = load_stix_file(path)
    assert loaded.file is not None
    assert loaded.file.counts == ((Kind.DOMAIN, 1),)
    assert loaded.file.count(Kind.URL) == 0
    assert len(loaded.indicators[0].ids) == 2


def test_paths_from_env() -> None:
    environ = {"PERITO_IOCS": os.pathsep.join(["/a/one.stix2", "", "/b/folder"])}
    assert paths_from_env(environ) == [Path("/a/one.stix2"), Path("/b/folder")]
    assert paths_from_env({}) == []


def test_output_is_deterministic(tmp_path: Path) -> None:
    for name in ("b", "a"):
        single_malware_bundle(tmp_path / f"{name}.stix2", name.upper(),
                              [pattern("domain-name:value", f"{name}.example"),
                               pattern("domain-name:value", "shared.example")])
    first, second = load_indicators([tmp_path]), load_indicators([tmp_path])
    assert first == second
    assert [f.name for f in first.files] == ["a.stix2", "b.stix2"]


# --- Hostile input -------------------------------------------------------------------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=3),
    max_leaves=8)
_IDS = st.sampled_from(["indicator--1", "indicator--2", "malware--1", "report--1", 7, None])
_OBJECT = st.fixed_dictionaries(
    {"type": st.sampled_from(["indicator", "malware", "report", "relationship", "x"]) | _JSON,
     "id": _IDS},
    optional={"pattern": st.sampled_from(["[domain-name:value = 'a.example']",
                                          "[a:b = 'c'] OR [d:e = 'f']", "[x"]) | _JSON,
              "pattern_type": st.just("stix") | _JSON,
              "name": _JSON,
              "object_refs": st.lists(_IDS, max_size=3) | _JSON,
              "relationship_type": st.just("indicates") | _JSON,
              "source_ref": _IDS | _JSON, "target_ref": _IDS | _JSON})


@settings(max_examples=150, deadline=None)
@given(st.lists(_OBJECT | _JSON, max_size=8))
def test_hostile_bundles_never_raise(objects: list[Any]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "hostile.stix2"
        path.write_text(json.dumps({"type": "bundle", "id": "bundle--1", "objects": objects}),
                        encoding="utf-8")
        loaded = load_indicators([path])
    assert len(loaded.files) == 1
    assert all(p.severity in ("warning", "unsupported", "error") for p in loaded.problems)


def test_json_that_only_the_standard_library_accepts(tmp_path: Path) -> None:
    """NaN, integers beyond 64 bits and lone surrogates: orjson refuses them, the loader
    falls back to the standard library, so such a bundle still loads."""
    bundle = BundleBuilder("odd")
    bundle.indicator(pattern("domain-name:value", "c2.example.net"),
                     indicates=bundle.malware("Spy"))
    text = json.dumps(bundle.bundle())
    text = text.replace('"type": "bundle"', '"type": "bundle", "x_score": NaN, '
                        '"x_big": 123456789012345678901234567890, "x_note": "\\ud800"', 1)
    path = tmp_path / "odd.stix2"
    path.write_text(text, encoding="utf-8")
    (indicator,) = load_indicators([path]).indicators
    assert indicator.value == "c2.example.net"
