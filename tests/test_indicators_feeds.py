"""The real public feeds in ../shared/iocs load completely, with the counts their README gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from perito.indicators import IndicatorIndex, load_indicators, load_stix_file
from perito.indicators.match import match_value
from perito.records import Kind

IOCS = Path(__file__).parents[1].parent / "shared" / "iocs"


def _feed(relative: str) -> Path:
    path = IOCS / relative
    assert path.is_file(), f"missing shared feed {path} (the repo must sit beside shared/)"
    return path


def _feed_files() -> list[Path]:
    assert IOCS.is_dir(), f"missing shared feed folder {IOCS}"
    return sorted(p for p in IOCS.rglob("*") if p.suffix in (".stix2", ".json", ".csv"))


def test_shared_folder_holds_the_expected_feeds() -> None:
    names = {path.name for path in _feed_files()}
    assert {"pegasus.stix2", "nso-2018-indicators.csv", "cytrox.stix2", "novispy.stix2",
            "android-campaign-2023.stix2", "predator.stix2", "kingspawn.stix2", "rcs.stix2",
            "operation_triangulation.stix2"} <= names


@pytest.mark.parametrize("path", _feed_files(), ids=lambda path: path.name)
def test_every_feed_file_loads_without_error(path: Path) -> None:
    loaded = load_stix_file(path)
    assert loaded.file is not None
    assert [p for p in loaded.problems if p.severity != "warning"] == []
    assert loaded.indicators
    assert loaded.file.indicator_count == len(loaded.indicators)
    assert len(loaded.file.sha256) == 64


def _pattern_ids(path: Path) -> set[str]:
    document = json.loads(path.read_text(encoding="utf-8"))
    return {o["id"] for o in document["objects"] if o["type"] == "indicator"}


# (file, {kind: distinct indicators}) from ../shared/iocs/README.md.
EXPECTED = [
    ("amnesty/pegasus.stix2",
     {Kind.DOMAIN: 1438, Kind.PROCESS: 81, Kind.EMAIL: 29, Kind.FILE_NAME: 1}),
    ("amnesty/cytrox.stix2", {Kind.DOMAIN: 336, Kind.FILE_PATH: 6, Kind.PROFILE_ID: 1}),
    ("amnesty/android-campaign-2023.stix2",
     {Kind.DOMAIN: 2183, Kind.ANDROID_PROPERTY: 3, Kind.FILE_PATH: 1}),
    ("amnesty/novispy.stix2",
     {Kind.IP: 7, Kind.APP_ID: 4, Kind.FILE_SHA256: 4, Kind.CERT_SHA256: 3}),
    ("mvt-indicators/kingspawn.stix2", {Kind.DOMAIN: 164, Kind.FILE_PATH: 2, Kind.PROCESS: 1}),
    ("mvt-indicators/rcs.stix2", {Kind.DOMAIN: 26, Kind.FILE_SHA256: 9, Kind.APP_ID: 5}),
    ("mvt-indicators/operation_triangulation.stix2",
     {Kind.DOMAIN: 75, Kind.EMAIL: 36, Kind.PROCESS: 1}),
    # 15 file:path patterns, but /tmp/x and /private/var/tmp/x are one path on iOS: 12.
    ("mvt-indicators/predator.stix2", {Kind.DOMAIN: 569, Kind.FILE_PATH: 12, Kind.PROFILE_ID: 1}),
]


@pytest.mark.parametrize(("relative", "counts"), EXPECTED, ids=[e[0] for e in EXPECTED])
def test_feed_counts_match_the_readme(relative: str, counts: dict[Kind, int]) -> None:
    path = _feed(relative)
    loaded = load_stix_file(path)
    assert loaded.file is not None
    assert dict(loaded.file.counts) == counts
    # Every STIX indicator object ended up in some indicator's ids.
    assert {i for indicator in loaded.indicators for i in indicator.ids} == _pattern_ids(path)


def test_predator_tmp_paths_merge_with_their_private_var_twins() -> None:
    loaded = load_stix_file(_feed("mvt-indicators/predator.stix2"))
    paths = {i.value: i for i in loaded.indicators if i.kind is Kind.FILE_PATH}
    assert "/private/var/tmp/l/" in paths
    assert len(paths["/private/var/tmp/kusama.txt"].ids) == 2
    assert sum(len(i.ids) for i in paths.values()) == 15


def test_novispy_ips_typed_as_domains_are_ips_with_a_warning() -> None:
    loaded = load_stix_file(_feed("amnesty/novispy.stix2"))
    ips = [i for i in loaded.indicators if i.kind is Kind.IP]
    assert len(ips) == 7
    assert all(i.stix_key == "domain-name:value" and "typed as domain-name" in i.note for i in ips)
    assert sum("typed as domain-name" in p.message for p in loaded.problems) == 7


def test_amnesty_csv_gives_domains_and_ips_owned_by_the_file() -> None:
    loaded = load_stix_file(_feed("amnesty/nso-2018-indicators.csv"))
    assert loaded.file is not None
    assert loaded.file.count(Kind.DOMAIN) == 595
    assert loaded.file.count(Kind.IP) == 596
    assert {o.name for i in loaded.indicators for o in i.owners} == {"nso-2018-indicators"}
    assert loaded.problems == ()


def test_whole_shared_folder_merges_owners_across_bundles() -> None:
    indicator_set = load_indicators([IOCS])
    assert not [p for p in indicator_set.problems if p.severity == "error"]
    names = {f.name for f in indicator_set.files}
    assert "pegasus.stix2" in names
    assert {"ioc.yaml", "watchware.yaml"} <= names  # Echap's native files
    assert "indicators.yaml" not in names  # the feed index is not a feed
    # cytrox.stix2 is a subset of predator.stix2: shared domains carry both files as owners.
    shared = [i for i in indicator_set.indicators
              if {o.file_name for o in i.owners} >= {"cytrox.stix2", "predator.stix2"}]
    assert len(shared) > 300
    values = [(i.kind, i.value) for i in indicator_set.indicators]
    assert len(values) == len(set(values))


def test_pegasus_matches_through_the_index() -> None:
    indicator_set = load_indicators([_feed("amnesty/pegasus.stix2")])
    index = IndicatorIndex.build(indicator_set)
    domain = next(i.value for i in indicator_set.indicators if i.kind is Kind.DOMAIN)
    matches = match_value(index, Kind.URL, f"https://www.{domain}/x?y=1", platform="ios")
    assert [(m.indicator.value, m.rule) for m in matches] == [(domain, "subdomain")]
    assert matches[0].indicator.owners[0].name == "Pegasus"
    assert match_value(index, Kind.PROCESS, "roleaccountd", platform="ios")
