from __future__ import annotations

import plistlib
import sqlite3
from pathlib import Path

import pytest

from perito.artifacts.base import SchemaMismatch
from perito.artifacts.ios import webkit_resource_load_statistics as rls
from perito.artifacts.ios import webkit_session_resource_log as session_log
from perito.artifacts.ios.webkit_resource_load_statistics import (
    WebkitDomainRelation,
    WebkitObservedDomain,
)
from perito.artifacts.ios.webkit_session_resource_log import WebkitSessionResourceLogEntry
from perito.detections import analyse
from perito.indicators import IndicatorIndex, load_indicators
from perito.levels import Level
from perito.pipeline import scan
from perito.records import Kind, Record, from_dict, observables, to_dict
from perito.sources.ios_backup import IosBackup
from perito.sources.plist import PlistError
from perito.timestamps import Encoding, TimeState
from tests.builders.ios.safari import Visit, history_db
from tests.builders.ios.webkit import (
    STANDARD_DOMAINS,
    STANDARD_LINKS,
    STANDARD_STATS,
    Statistic,
    observations_db,
    session_log_plist,
)
from tests.builders.ios_backup import BackupBuilder, build_sqlite
from tests.builders.stix import pattern, single_malware_bundle
from tests.helpers import extract

OBSERVATIONS = "Library/WebKit/WebsiteData/ResourceLoadStatistics/observations.db"
LOG = "Library/WebKit/WebsiteData/ResourceLoadStatistics/full_browsing_session_resourceLog.plist"
SAFARI = "AppDomain-com.apple.mobilesafari"
CHROME = "AppDomain-com.google.chrome.ios"


def _observations(tmp_path: Path, generation: str) -> list[Record]:
    builder = BackupBuilder()
    builder.add_sqlite(SAFARI, OBSERVATIONS,
                       observations_db(generation, STANDARD_DOMAINS, STANDARD_LINKS))
    records, _ = extract(builder.write(tmp_path / "backup"), rls.ARTIFACT)
    return records


def _split(records: list[Record]) -> tuple[list[WebkitObservedDomain],
                                           list[WebkitDomainRelation]]:
    domains = [r for r in records if isinstance(r, WebkitObservedDomain)]
    relations = [r for r in records if isinstance(r, WebkitDomainRelation)]
    assert len(domains) + len(relations) == len(records)
    return domains, relations


# -- observations.db ------------------------------------------------------------------------

@pytest.mark.parametrize("generation", ["ios14", "ios17"])
def test_observed_domains(tmp_path: Path, generation: str) -> None:
    domains, _ = _split(_observations(tmp_path, generation))
    assert [d.registrable_domain for d in domains] == [
        "google.com", "gstatic.com", "bit.example", "exploit.example.net", "cdn.example.org"]
    google = domains[0]
    assert google.backup_domain == SAFARI and google.domain_id == 1
    assert google.source == f"{SAFARI}/{OBSERVATIONS}"
    assert google.last_seen.encoding is Encoding.UNIX_S
    assert google.last_seen.iso() == "2024-02-28T21:14:05.000000+00:00"
    assert google.had_user_interaction is True
    assert google.most_recent_user_interaction_time.iso() == "2024-02-28T21:13:34.500000+00:00"
    gstatic = domains[1]
    assert gstatic.had_user_interaction is False
    assert gstatic.most_recent_user_interaction_time.state is TimeState.UNSET  # −1: never
    assert gstatic.most_recent_web_push_interaction_time.state is TimeState.UNSET
    assert domains[3].is_prevalent is True and domains[3].is_very_prevalent is False
    assert domains[4].last_seen.state is TimeState.UNSET  # 0, not 1970
    assert google.grandfathered is False and google.data_records_removed == 0


@pytest.mark.parametrize("generation", ["ios14", "ios17"])
def test_relations_are_resolved_to_domains(tmp_path: Path, generation: str) -> None:
    _, relations = _split(_observations(tmp_path, generation))
    assert [(r.relation, r.from_domain, r.to_domain) for r in relations] == [
        ("TopFrameUniqueRedirectsTo", "bit.example", "exploit.example.net"),
        ("TopFrameUniqueRedirectsFrom", "bit.example", "exploit.example.net"),
        ("SubframeUnderTopFrameDomains", "google.com", ""),
        ("SubresourceUnderTopFrameDomains", "exploit.example.net", "cdn.example.org"),
    ]
    dangling = relations[2]
    assert (dangling.from_domain_id, dangling.to_domain_id) == (1, 9)
    embedded = relations[3]
    if generation == "ios17":
        assert embedded.last_updated.iso() == "2024-02-28T21:14:12.000000+00:00"
    else:  # no lastUpdated column in the first database store
        assert embedded.last_updated.state is TimeState.UNSET
    assert relations[0].describe() == (
        f"WebKit: bit.example redirected to exploit.example.net in {SAFARI}")
    assert embedded.describe() == ("WebKit: exploit.example.net loaded a subresource from "
                                   f"cdn.example.org in {SAFARI}")
    assert dangling.describe() == f"WebKit: google.com embedded a frame from domain #9 in {SAFARI}"
    assert list(observables(relations[0])) == [("from_domain", Kind.DOMAIN, "bit.example"),
                                               ("to_domain", Kind.DOMAIN, "exploit.example.net")]


def test_every_app_store_is_read_with_its_domain(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_sqlite(SAFARI, OBSERVATIONS, observations_db("ios17", STANDARD_DOMAINS[:1]))
    builder.add_sqlite(CHROME, OBSERVATIONS, observations_db("ios14", STANDARD_DOMAINS[3:4]))
    records, _ = extract(builder.write(tmp_path / "backup"), rls.ARTIFACT)
    domains, _ = _split(records)
    assert sorted((d.backup_domain, d.registrable_domain) for d in domains) == [
        (SAFARI, "google.com"), (CHROME, "exploit.example.net")]
    chrome = next(d for d in domains if d.backup_domain == CHROME)
    assert chrome.describe() == f"WebKit loaded exploit.example.net in {CHROME}"


def test_minimal_schema_and_empty_tables(tmp_path: Path) -> None:
    def fill(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE ObservedDomains (domainID INTEGER PRIMARY KEY, "
                   "registrableDomain TEXT NOT NULL, lastSeen REAL NOT NULL)")
        db.execute("INSERT INTO ObservedDomains VALUES (1, 'example.com', 1634560250.0)")
        db.execute("CREATE TABLE TopFrameUniqueRedirectsTo (sourceDomainID INTEGER NOT NULL, "
                   "toDomainID INTEGER NOT NULL)")

    builder = BackupBuilder()
    builder.add_sqlite("HomeDomain", OBSERVATIONS, fill)
    records, _ = extract(builder.write(tmp_path / "backup"), rls.ARTIFACT)
    (only,) = records
    assert isinstance(only, WebkitObservedDomain)
    assert only.had_user_interaction is None and only.is_prevalent is None
    assert only.last_seen.iso() == "2021-10-18T12:30:50.000000+00:00"


def test_observations_round_trip(tmp_path: Path) -> None:
    for record in _observations(tmp_path, "ios17"):
        assert from_dict(to_dict(record)) == record


def test_observations_foreign_database(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_sqlite(SAFARI, OBSERVATIONS, history_db([Visit("https://a.example/", 1.7e9)]))
    with pytest.raises(SchemaMismatch) as raised:
        extract(builder.write(tmp_path / "backup"), rls.ARTIFACT)
    assert raised.value.missing == ["ObservedDomains"]


def test_observations_corrupt_database(tmp_path: Path) -> None:
    main, _ = build_sqlite(observations_db("ios17", STANDARD_DOMAINS, STANDARD_LINKS))
    builder = BackupBuilder()
    builder.add_file(SAFARI, OBSERVATIONS, main[:100] + b"\xa5" * (len(main) - 100))
    with pytest.raises(sqlite3.DatabaseError):
        extract(builder.write(tmp_path / "backup"), rls.ARTIFACT)


# -- session resource log -------------------------------------------------------------------

def _log(tmp_path: Path, data: bytes) -> tuple[list[WebkitSessionResourceLogEntry], list[str]]:
    builder = BackupBuilder()
    builder.add_file(SAFARI, LOG, data)
    records, notes = extract(builder.write(tmp_path / "backup"), session_log.ARTIFACT)
    entries = [r for r in records if isinstance(r, WebkitSessionResourceLogEntry)]
    assert len(entries) == len(records)
    return entries, notes


@pytest.mark.parametrize(("model", "dates"), [(14, False), (15, False), (14, True)])
def test_session_log_entries(tmp_path: Path, model: int, dates: bool) -> None:
    entries, notes = _log(tmp_path, session_log_plist(STANDARD_STATS, model=model,
                                                      dates=dates))
    assert notes == []
    assert [e.origin for e in entries] == ["exploit.example.net", "google.com", "gstatic.com"]
    chain = entries[0]
    assert chain.backup_domain == SAFARI and chain.entry_index == 0
    assert chain.redirect_sources == ("bit.example",)
    assert chain.redirect_destinations == ("stage2.example.net", "news.example.org")
    assert chain.subresource_under_origins == ("news.example.org",)
    assert chain.last_seen.iso() == "2024-02-28T21:14:11.000000+00:00"
    assert chain.last_seen.encoding is (Encoding.PLIST_DATE if dates else Encoding.UNIX_S)
    assert chain.had_user_interaction is False
    assert chain.most_recent_user_interaction.state is TimeState.UNSET
    google = entries[1]
    assert google.subframe_under_origins == ("youtube.com",)
    assert google.had_user_interaction is True
    assert google.most_recent_user_interaction.iso() == "2024-02-28T21:13:34.500000+00:00"
    assert entries[2].last_seen.state is TimeState.UNSET


def test_session_log_describe_shows_the_chain(tmp_path: Path) -> None:
    entries, _ = _log(tmp_path, session_log_plist(STANDARD_STATS))
    assert entries[0].describe() == (
        "WebKit redirect chain bit.example → exploit.example.net → stage2.example.net, "
        f"news.example.org in {SAFARI}")
    assert entries[2].describe() == f"WebKit session log: gstatic.com in {SAFARI}"


def test_session_log_observables_cover_every_hop(tmp_path: Path) -> None:
    stats = (Statistic("a.example", redirects_from=("https://b.example",),
                       subresource_redirects_to=("c.example",)),)
    (entry,), _ = _log(tmp_path, session_log_plist(stats))
    assert list(observables(entry)) == [
        ("origin", Kind.DOMAIN, "a.example"),
        ("redirect_sources", Kind.DOMAIN, "https://b.example"),
        ("subresource_redirect_destinations", Kind.DOMAIN, "c.example")]


def test_session_log_is_critical_and_has_no_heuristic(tmp_path: Path) -> None:
    # CRITICAL, as the incumbent's indicator alert (its extra HIGH alert restates the chain)
    assert session_log.ARTIFACT.match_level is Level.CRITICAL
    entries, _ = _log(tmp_path, session_log_plist(STANDARD_STATS))
    assert list(analyse(entries[0], session_log.ARTIFACT.id, session_log.ARTIFACT.slug)) == []


def test_session_log_odd_entries(tmp_path: Path) -> None:
    document = {"browsingStatistics": [
        "not a dictionary",
        {"PrevalentResourceOrigin": "odd.example", "lastSeen": "yesterday",
         "mostRecentUserInteraction": float("nan"),
         "topFrameUniqueRedirectsTo": [{"origin": "x.example"}, {"count": 2}, 7, "y.example",
                                       {"origin": "x.example"}],
         "hadUserInteraction": 1},
    ]}
    entries, notes = _log(tmp_path, plistlib.dumps(document, fmt=plistlib.FMT_XML))
    (odd,) = entries
    assert odd.entry_index == 1
    assert odd.redirect_destinations == ("x.example", "y.example")
    assert odd.last_seen.state is TimeState.UNSET
    assert odd.most_recent_user_interaction.state is TimeState.INVALID
    assert odd.had_user_interaction is True
    assert notes == ["1 browsingStatistics entries are not dictionaries and were skipped"]


def test_session_log_round_trip(tmp_path: Path) -> None:
    for dates in (False, True):
        entries, _ = _log(tmp_path / str(dates), session_log_plist(STANDARD_STATS, dates=dates))
        for entry in entries:
            assert from_dict(to_dict(entry)) == entry


def test_session_log_without_statistics_is_a_schema_mismatch(tmp_path: Path) -> None:
    with pytest.raises(SchemaMismatch) as raised:
        _log(tmp_path / "a", plistlib.dumps({"version": 14}))
    assert raised.value.missing == ["browsingStatistics"]
    with pytest.raises(SchemaMismatch):
        _log(tmp_path / "b", plistlib.dumps(["browsingStatistics"]))


def test_session_log_corrupt(tmp_path: Path) -> None:
    data = session_log_plist(STANDARD_STATS)
    with pytest.raises(PlistError):
        _log(tmp_path, data[:30] + b"\xff" * 20)


def test_a_matching_hop_is_a_high_alert_showing_the_chain(tmp_path: Path) -> None:
    builder = BackupBuilder()
    builder.add_file(SAFARI, LOG, session_log_plist(STANDARD_STATS))
    builder.add_sqlite(SAFARI, OBSERVATIONS,
                       observations_db("ios17", STANDARD_DOMAINS, STANDARD_LINKS))
    root = builder.write(tmp_path / "backup")
    bundle = single_malware_bundle(tmp_path / "iocs.stix2", "Pegasus",
                                   [pattern("domain-name:value", "bit.example")])
    index = IndicatorIndex.build(load_indicators([bundle]))
    with IosBackup(root) as backup:
        result = scan(backup, [session_log.ARTIFACT, rls.ARTIFACT], index, None)
    by_artifact = {(d.artifact, type(d.record).__name__, d.level) for d in result.detections}
    assert by_artifact == {
        (session_log.ARTIFACT.id, "WebkitSessionResourceLogEntry", Level.CRITICAL),
        (rls.ARTIFACT.id, "WebkitObservedDomain", Level.CRITICAL),
        (rls.ARTIFACT.id, "WebkitDomainRelation", Level.CRITICAL)}
    (chain,) = [d for d in result.detections if d.artifact == session_log.ARTIFACT.id]
    assert chain.record.describe().startswith(
        "WebKit redirect chain bit.example → exploit.example.net → ")
    assert chain.event_time is not None
    assert chain.event_time.iso() == "2024-02-28T21:14:11.000000+00:00"
