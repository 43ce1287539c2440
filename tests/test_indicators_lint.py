"""`iocs lint`: the quirks real feeds are known to have, each found in a bundle built for it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from perito.indicators.lint import lint_file
from tests.builders.feeds import echap_yaml, plain_list
from tests.builders.stix import BundleBuilder
from tests.paths import ROOT, SHARED_IOCS

DOCS = (ROOT / "docs" / "indicator-sets.md").read_text(encoding="utf-8")


def _codes(path: Path) -> list[tuple[str, str]]:
    return sorted((f.code, f.where) for f in lint_file(path))


def test_a_clean_bundle_has_no_findings(tmp_path: Path) -> None:
    bundle = BundleBuilder("clean")
    spy = bundle.malware("ExampleSpy")
    bundle.indicator("[domain-name:value = 'c2.example.net']", indicates=spy)
    bundle.indicator("[file:hashes.sha256 = '" + "ab" * 32 + "']", indicates=spy)
    bundle.indicator("[file:path = '/private/var/tmp/exampled']", indicates=spy)
    # spellings and values real feeds use, which are not mistakes
    bundle.indicator("[file:hashes.'SHA-256' = '" + "cd" * 32 + "']", indicates=spy)
    bundle.indicator("[file:hashes.SHA256 = '" + "ef" * 32 + "']", indicates=spy)
    bundle.indicator("[url:value = 'https://dl.example.net/a.apk?id=7&x==']", indicates=spy)
    bundle.indicator("[process:name = 'ReminderIntentsUIExtension']", indicates=spy)
    bundle.indicator("[domain-name:value = 'c3.example.net'] OR "
                     "[domain-name:value = 'c4.example.net']", indicates=spy)
    assert lint_file(bundle.write(tmp_path / "clean.stix2")) == []


@pytest.mark.parametrize(("pattern", "code"), [
    ("[domain-name:value = '192.0.2.7']", "ip-as-domain"),  # NoviSpy
    ("[domain-name:value = '203.0.113.9evil.example']", "ip-glued-to-domain"),  # Paragon PR
    ("[domain-name:value = 'host.xyz/x']", "domain-with-path"),  # Coruna
    ("[domain-name:value = 'Upper.Example.NET']", "upper-case"),  # Paragon PR
    ("[app:cert.sha1 = '" + "AB" * 20 + "']", "upper-case"),  # Echap's certificates
    ("[email-addr:value = 'Someone@Example.com']", "upper-case"),
    ("[domain-name:value = 'despachosnegocios']", "invalid-domain"),  # Predator
    ("[domain-name:value = 'bad_host-.example']", "invalid-domain"),
    ("[email-addr:value = 'no-at-sign.example.com']", "invalid-email"),
    ("[file:hashes.sha256 = 'xyz']", "invalid-hash"),
    ("[file:hashes.'SHA-256' = '" + "ab" * 20 + "']", "hash-length"),
    ("[file:name = 'Library/Caches/x.plist']", "file-name-with-path"),
    ("[file:path = 'Library/Preferences/x.plist']", "relative-path"),  # Coruna
    ("[file:path = '/private//var/x']", "invalid-path"),
    ("[ipv4-addr:value = 'evil.example']", "invalid-ip"),
    ("[network-traffic:dst_port = '443']", "unsupported-key"),
    ("[process:name = 'a'] AND [process:name = 'b']", "unsupported-key"),
    ("[domain-name:value = 'unterminated]", "invalid-pattern"),
    ("[app:id = 'not a package']", "invalid-app-id"),
    ("[configuration-profile:id = 'NOT-A-UUID']", "invalid-profile-id"),
])
def test_each_value_quirk_is_found_with_its_indicator_id(tmp_path: Path, pattern: str,
                                                         code: str) -> None:
    bundle = BundleBuilder("quirk")
    spy = bundle.malware("ExampleSpy")
    indicator = bundle.indicator(pattern, indicates=spy)
    findings = lint_file(bundle.write(tmp_path / "quirk.stix2"))
    assert (code, indicator) in [(f.code, f.where) for f in findings], findings
    assert f"`{code}`" in DOCS  # every code is documented
    for finding in findings:
        assert finding.line().startswith(f"{tmp_path / 'quirk.stix2'}: {indicator}: ")


def test_structure_quirks(tmp_path: Path) -> None:
    bundle = BundleBuilder("structure")
    spy = bundle.malware("ExampleSpy")
    first = bundle.indicator("[domain-name:value = 'c2.example.net']", indicates=spy)
    twice = bundle.indicator("[domain-name:value='c2.example.net']", indicates=spy)
    alone = bundle.indicator("[domain-name:value = 'alone.example.net']")
    dangling = bundle.relationship(alone, "malware--00000000-0000-4000-8000-000000000000")
    report = bundle.report("Report", [first, "indicator--00000000-0000-4000-8000-00000000000f"])
    got = _codes(bundle.write(tmp_path / "structure.stix2"))
    assert got == sorted([("duplicate-pattern", twice), ("unattributed", alone),
                          ("dangling-relationship", dangling),
                          ("dangling-report-ref", report)])
    message = next(f.message for f in lint_file(tmp_path / "structure.stix2")
                   if f.code == "duplicate-pattern")
    assert first in message


def test_non_stix_files(tmp_path: Path) -> None:
    echap = echap_yaml(tmp_path / "ioc.yaml", [
        {"name": "A", "type": "stalkerware", "websites": ["a.example", "192.0.2.9"],
         "c2": {"domains": ["a.example", "192.0.2.1"]}, "certificates": ["ZZ" * 20, "AB" * 20]}])
    assert _codes(echap) == [("duplicate-pattern", "app A"), ("invalid-hash", "app A"),
                             ("ip-as-domain", "app A")]
    listed = plain_list(tmp_path / "domains.txt", ["ok.example", "Bad..example"])
    assert _codes(listed) == [("invalid-domain", "line 2"), ("upper-case", "line 2")]
    broken = tmp_path / "broken.stix2"
    broken.write_text("{not json", encoding="utf-8")
    assert _codes(broken) == [("not-json", "")]
    assert _codes(tmp_path / "missing.stix2") == [("unreadable", "")]


def test_folders_are_linted_file_by_file(capsys: pytest.CaptureFixture[str]) -> None:
    from perito.cli import main

    assert main(["iocs", "lint", str(SHARED_IOCS / "amnesty"), "--json"]) == 2  # NoviSpy
    report = json.loads(capsys.readouterr().out)
    assert report["errors"] == 7
    assert {Path(f["file"]).name for f in report["findings"] if f["severity"] == "error"} \
        == {"novispy.stix2"}
    # Amnesty's 2018 CSV lists some domains twice, with different IPs
    assert {f["code"] for f in report["findings"]
            if Path(f["file"]).name == "nso-2018-indicators.csv"} == {"duplicate-pattern"}
    assert main(["iocs", "lint", str(SHARED_IOCS / "amnesty" / "pegasus.stix2")]) == 0
    assert capsys.readouterr().out.strip().endswith("1 file(s): 0 errors, 0 warnings")


def test_real_feeds_show_their_known_quirks() -> None:
    novispy = lint_file(SHARED_IOCS / "amnesty" / "novispy.stix2")
    assert sum(f.code == "ip-as-domain" for f in novispy) == 7
    predator = lint_file(SHARED_IOCS / "mvt-indicators" / "predator.stix2")
    assert [f.code for f in predator] == ["invalid-domain"]
    echap = lint_file(SHARED_IOCS / "echap" / "ioc.yaml")
    assert any(f.code == "duplicate-pattern" for f in echap)
    for name in ("amnesty/pegasus.stix2", "mvt-indicators/rcs.stix2"):
        assert not [f for f in lint_file(SHARED_IOCS / name) if f.severity == "error"], name


def test_a_feed_index_is_linted_entry_by_entry(tmp_path: Path) -> None:
    from tests.builders.feeds import feed_index, github_entry

    index = feed_index(tmp_path / "indicators.yaml", [
        github_entry("Good", "o", "r", "a.stix2"), {"type": "github", "name": "Bad"},
        github_entry("Good again", "o", "r", "a.stix2")])
    assert _codes(index) == [("index-entry", "entry 2 (Bad)"),
                             ("index-entry", "entry 3 (Good again)")]
    assert "`index-entry`" in DOCS
    assert lint_file(SHARED_IOCS / "mvt-indicators" / "indicators.yaml") == []
