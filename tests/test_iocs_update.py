"""`perito iocs update` against a local HTTP server serving the shipped feed files."""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import replace as dataclasses_replace
from pathlib import Path

import pytest

from perito.cli import main
from perito.commands.iocs_update import FetchError, check_url, fetch
from perito.indicators.feedindex import RAW_GITHUB, default_index_bytes, local_name, parse_index
from perito.indicators.store import indicators_dir, installed, read_manifest
from tests.builders.feed_server import serve
from tests.builders.feeds import feed_index, github_entry, url_entry
from tests.builders.stix import BundleBuilder, pattern, single_malware_bundle
from tests.paths import SHARED_IOCS

PEGASUS = SHARED_IOCS / "amnesty" / "pegasus.stix2"
RCS = SHARED_IOCS / "mvt-indicators" / "rcs.stix2"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _manifest() -> dict[str, dict[str, object]]:
    sets, problems = read_manifest(indicators_dir())
    assert problems == []
    return {s.name: {"sha256": s.sha256, "previous": s.previous_sha256, "url": s.url,
                     "file": s.file_name, "sources": s.sources} for s in sets}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    folder = tmp_path / "site"
    folder.mkdir()
    shutil.copy(PEGASUS, folder / "pegasus.stix2")
    shutil.copy(RCS, folder / "rcs.stix2")
    (folder / "broken.stix2").write_text("<html>rate limited</html>", encoding="utf-8")
    return folder


def _index(tmp_path: Path, base: str) -> Path:
    return feed_index(tmp_path / "indicators.yaml", [
        url_entry("Pegasus", f"{base}/pegasus.stix2", ["Amnesty International"]),
        url_entry("RCS Lab", f"{base}/rcs.stix2", ["Google", "Lookout"]),
        url_entry("Gone", f"{base}/status/404/gone.stix2"),
        url_entry("Broken", f"{base}/broken.stix2"),
        {"type": "github", "name": "No path", "github": {"owner": "a", "repo": "b"}},
        "not a mapping",
    ])


def test_update_installs_records_and_survives_bad_feeds(tmp_path: Path, site: Path,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    with serve(site) as base:
        index = _index(tmp_path, base)
        assert main(["iocs", "update", "--index", str(index)]) == 3  # some feeds failed
        out = capsys.readouterr().out
        assert "entry 5 (No path): 'github' needs owner, repo and path; skipped" in out
        assert "entry 6: not a mapping; skipped" in out
        assert "the server answered 404" in out
        assert "not an indicator file" in out
        first = _manifest()
        assert set(first) == {"Pegasus", "RCS Lab"}
        assert first["Pegasus"]["sha256"] == _sha(PEGASUS)
        assert first["Pegasus"]["sources"] == ("Amnesty International",)
        assert first["Pegasus"]["url"] == f"{base}/pegasus.stix2"
        stored = indicators_dir() / str(first["Pegasus"]["file"])
        assert stored.read_bytes() == PEGASUS.read_bytes()
        assert not (indicators_dir() / local_name(f"{base}/broken.stix2")).exists()
        manifest = json.loads((indicators_dir() / "manifest.json").read_text())
        assert manifest["index"] == {"source": str(index), "sha256": _sha(index)}

        # The RCS feed changes upstream; Pegasus does not.
        changed = _sha(single_malware_bundle(site / "rcs.stix2", "Hermit",
                                             [pattern("app:id", "it.example.hermit")]))
        main(["iocs", "update", "--index", str(index)])
        second = _manifest()
        out = capsys.readouterr().out
        assert "unchanged" in out
        assert "RCS Lab: 40 → 1 indicators" in out
        assert second["RCS Lab"]["sha256"] == changed
        assert second["RCS Lab"]["previous"] == _sha(RCS)
        assert second["Pegasus"] == first["Pegasus"]

        # A feed that breaks later keeps its last good copy.
        (site / "rcs.stix2").write_text("{\"type\": \"bundle\"", encoding="utf-8")
        main(["iocs", "update", "--index", str(index)])
        assert _manifest()["RCS Lab"]["sha256"] == changed
        assert [p.name for p in installed().paths] == sorted(
            p.name for p in installed().paths)  # loadable, in manifest order
        assert {_sha(p) for p in installed().paths} == {_sha(PEGASUS), changed}


def test_index_can_be_a_url_and_list_shows_the_sets(tmp_path: Path, site: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    with serve(site) as base:
        feed_index(site / "index.yaml", [url_entry("Pegasus", f"{base}/pegasus.stix2",
                                                   ["Amnesty International"])])
        assert main(["iocs", "update", "--index", f"{base}/index.yaml"]) == 0
    capsys.readouterr()
    assert main(["iocs", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    (entry,) = listed["sets"]
    assert entry["name"] == "Pegasus"
    assert entry["publishers"] == ["Amnesty International"]
    assert entry["collections"] == ["Pegasus"]
    assert entry["counts"] == {"domains": 1438, "emails": 29, "processes": 81, "file_names": 1}
    assert entry["sha256"] == _sha(PEGASUS)
    assert entry["age_days"] == 0.0
    assert main(["iocs", "list"]) == 0
    assert "Amnesty International" in capsys.readouterr().out


def test_a_changed_installed_file_is_not_loaded(tmp_path: Path, site: Path) -> None:
    with serve(site) as base:
        index = feed_index(tmp_path / "i.yaml", [url_entry("RCS", f"{base}/rcs.stix2")])
        main(["iocs", "update", "--index", str(index)])
    (path,) = installed().paths
    path.write_bytes(path.read_bytes() + b" ")
    state = installed()
    assert state.paths == ()
    assert "changed since it was installed" in state.problems[0]


def test_only_https_or_loopback_http(tmp_path: Path) -> None:
    check_url("https://raw.githubusercontent.com/a/b/main/c.stix2")
    check_url("http://127.0.0.1:8000/x.stix2")
    check_url("http://[::1]:8000/x.stix2")
    for url in ("http://example.org/x.stix2", "file:///etc/passwd", "ftp://example.org/x",
                "http://127.0.0.1.example.org/x"):
        with pytest.raises(FetchError):
            check_url(url)
    index = feed_index(tmp_path / "i.yaml", [url_entry("Plain", "http://example.org/x.stix2")])
    assert main(["iocs", "update", "--index", str(index)]) == 3
    assert _manifest() == {}


def test_http_errors_and_redirects_to_plain_http(tmp_path: Path) -> None:
    with serve(tmp_path) as base:
        with pytest.raises(FetchError, match="404"):
            fetch(f"{base}/status/404/x")
        with pytest.raises(FetchError, match="only https"):
            fetch(f"{base}/redirect-away/feed.stix2")


def test_offline_install_from_a_folder(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    carried = tmp_path / "usb"
    carried.mkdir()
    shutil.copy(SHARED_IOCS / "mvt-indicators" / "predator.stix2", carried)
    shutil.copy(SHARED_IOCS / "echap" / "ioc.yaml", carried)
    shutil.copy(SHARED_IOCS / "mvt-indicators" / "indicators.yaml", carried)
    assert main(["iocs", "update", "--offline", str(carried)]) == 0
    sets = _manifest()
    # predator.stix2 is in the bundled index: it takes the feed's name and publishers
    assert sets["Predator Spyware Indicators of Compromise"]["file"] == local_name(
        f"{RAW_GITHUB}/mvt-project/mvt-indicators/main/intellexa_predator/predator.stix2")
    assert "Amnesty International" in sets["Predator Spyware Indicators of Compromise"][
        "sources"]
    assert sets["ioc"]["url"] == (carried / "ioc.yaml").resolve().as_uri()
    assert len(sets) == 2  # the index itself is not a feed
    assert main(["iocs", "update", "--offline", str(tmp_path / "nothing")]) == 1


def test_the_bundled_index_names_the_fifteen_public_feeds() -> None:
    index = parse_index(default_index_bytes())
    assert index.problems == ()
    assert len(index.feeds) == 15
    pegasus = index.feeds[0]
    assert pegasus.url == (f"{RAW_GITHUB}/AmnestyTech/investigations/master/"
                           "2021-07-18_nso/pegasus.stix2")
    assert pegasus.file_name == ("raw.githubusercontent.com_AmnestyTech_investigations_master_"
                                 "2021-07-18_nso_pegasus.stix2")
    assert all(feed.url.startswith("https://") for feed in index.feeds)


def test_github_branch_defaults_to_main(tmp_path: Path) -> None:
    index = parse_index(feed_index(tmp_path / "i.yaml", [
        github_entry("A", "owner", "repo", "x/a.stix2"),
        github_entry("A again", "owner", "repo", "x/a.stix2", branch="main")]).read_bytes())
    assert [f.url for f in index.feeds] == [f"{RAW_GITHUB}/owner/repo/main/x/a.stix2"]
    assert index.problems == ("entry 2 (A again): "
                              f"{RAW_GITHUB}/owner/repo/main/x/a.stix2 is listed twice; the "
                              "first entry is kept",)


@pytest.mark.parametrize("text", ["indicators: 3\n", "- a\n", ":\n  - [unclosed\n", "\xff"])
def test_an_unreadable_index_is_a_clear_error(tmp_path: Path, text: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    index = tmp_path / "bad.yaml"
    index.write_bytes(text.encode("latin-1"))
    assert main(["iocs", "update", "--index", str(index)]) == 1
    assert "bad.yaml" in capsys.readouterr().err


def test_bundles_built_in_code_install_too(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    bundle = BundleBuilder("local")
    bundle.indicator(pattern("domain-name:value", "c2.example.net"), indicates=bundle.malware("Spy"))
    bundle.write(site / "local.stix2")
    with serve(site) as base:
        index = feed_index(tmp_path / "i.yaml", [url_entry("Local", f"{base}/local.stix2")])
        assert main(["iocs", "update", "--index", str(index)]) == 0
    assert installed().sets[0].name == "Local"


def test_scans_load_the_installed_sets_unless_told_not_to(tmp_path: Path, site: Path) -> None:
    from tests.builders.ios.safari import Visit, history_db
    from tests.builders.ios_backup import BackupBuilder

    builder = BackupBuilder()
    builder.add_sqlite("HomeDomain", "Library/Safari/History.db", history_db([
        Visit("https://weather4free.com/f", 1_709_154_845.0)]))
    backup = builder.write(tmp_path / "backup")
    with serve(site) as base:
        index = feed_index(tmp_path / "i.yaml", [url_entry("Pegasus", f"{base}/pegasus.stix2")])
        main(["iocs", "update", "--index", str(index)])
    out = tmp_path / "out"
    assert main(["ios", "check-backup", str(backup), "-o", str(out), "-j", "1"]) == 2
    info = json.loads((out / "info.json").read_text())
    (installed_set,) = info["installed_indicator_sets"]
    assert installed_set["name"] == "Pegasus" and installed_set["age_days"] == 0.0
    assert installed_set["sha256"] == _sha(PEGASUS)
    assert [f["sha256"] for f in info["ioc_files"]] == [_sha(PEGASUS)]
    alone = tmp_path / "alone"
    assert main(["ios", "check-backup", str(backup), "-o", str(alone), "-j", "1",
                 "--no-installed"]) == 0
    info = json.loads((alone / "info.json").read_text())
    assert info["installed_indicator_sets"] == [] and info["ioc_files"] == []


def test_the_age_line_of_the_summary() -> None:
    import datetime as dt

    from perito.commands.indicator_choice import IndicatorChoice
    from perito.indicators.store import InstalledSet, InstalledState

    now = dt.datetime(2026, 12, 2, tzinfo=dt.UTC)
    old = InstalledSet("a.stix2", "A", (), "https://example.org/a.stix2",
                       "2026-10-01T00:00:00+00:00", "0" * 64, 10)
    fresh = dataclasses_replace(old, file_name="b.stix2", downloaded="2026-12-01T12:00:00+00:00")

    def line(*sets: InstalledSet, problems: tuple[str, ...] = ()) -> str:
        state = InstalledState(tuple(Path(s.file_name) for s in sets), sets, problems)
        return IndicatorChoice((), state, None, None, now).age_line()

    assert line(fresh) == "Installed indicator sets: 1, the oldest downloaded 0.5 days ago"
    assert line(fresh, old).endswith("62.0 days ago — run `perito iocs update` for newer "
                                     "indicators")
    assert line(problems=("x",)) == ("Installed indicator sets: 0; 1 installed file(s) left "
                                     "out (see installed_indicator_problems in info.json)")
    assert line().startswith("No installed indicator sets")


def test_the_bundled_index_through_a_local_mirror(tmp_path: Path) -> None:
    """The real index, its GitHub files served by a mirror with raw.githubusercontent.com's
    layout: the shared copies install, the feeds the mirror lacks fail, nothing else moves."""
    mirror = tmp_path / "mirror"
    for owner_repo_branch, path, source in [
            ("AmnestyTech/investigations/master", "2021-07-18_nso/pegasus.stix2",
             "amnesty/pegasus.stix2"),
            ("mvt-project/mvt-indicators/main", "intellexa_predator/predator.stix2",
             "mvt-indicators/predator.stix2"),
            ("mvt-project/mvt-indicators/main", "2022-06-23_rcs_lab/rcs.stix2",
             "mvt-indicators/rcs.stix2"),
            ("mvt-project/mvt-indicators/main", "2023-04-11_quadream/kingspawn.stix2",
             "mvt-indicators/kingspawn.stix2"),
            ("AmnestyTech/investigations/master", "2024-12-16_serbia_novispy/novispy.stix2",
             "amnesty/novispy.stix2")]:
        target = mirror / owner_repo_branch / path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SHARED_IOCS / source, target)
    with serve(mirror) as base:
        assert main(["iocs", "update", "--mirror", base]) == 3  # 10 of 15 are not mirrored
    sets = {s.file_name: s for s in installed().sets}
    assert len(sets) == 5
    pegasus = sets["raw.githubusercontent.com_AmnestyTech_investigations_master_"
                   "2021-07-18_nso_pegasus.stix2"]
    assert pegasus.name == "NSO Group Pegasus Indicators of Compromise"
    assert pegasus.url == f"{base}/AmnestyTech/investigations/master/2021-07-18_nso/pegasus.stix2"
    assert pegasus.sha256 == _sha(PEGASUS)


def test_oversized_and_empty_feeds_are_refused(tmp_path: Path, site: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import perito.commands.iocs_update as iocs_update

    (site / "empty.stix2").write_text('{"type": "bundle", "id": "bundle--1", "objects": []}',
                                      encoding="utf-8")
    monkeypatch.setattr(iocs_update, "MAX_FEED_BYTES", 100_000)
    with serve(site) as base:
        index = feed_index(tmp_path / "i.yaml", [url_entry("Big", f"{base}/pegasus.stix2"),
                                                 url_entry("Empty", f"{base}/empty.stix2"),
                                                 url_entry("Small", f"{base}/rcs.stix2")])
        report = iocs_update.update(*iocs_update.read_index(str(index)), indicators_dir())
    states = {o.name: o.state for o in report.outcomes}
    assert states == {"Big": "failed", "Empty": "failed", "Small": "new"}
    messages = {o.name: o.message for o in report.outcomes}
    assert messages["Big"].startswith(f"{base}/pegasus.stix2: larger than 100,000 bytes")
    assert messages["Empty"].startswith("an indicator file without any indicator")


def test_scans_and_rechecks_make_no_network_request(tmp_path: Path, site: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    from tests.builders.ios.safari import Visit, history_db
    from tests.builders.ios_backup import BackupBuilder

    with serve(site) as base:
        index = feed_index(tmp_path / "i.yaml", [url_entry("Pegasus", f"{base}/pegasus.stix2")])
        main(["iocs", "update", "--index", str(index)])
    builder = BackupBuilder()
    builder.add_sqlite("HomeDomain", "Library/Safari/History.db", history_db([
        Visit("https://bit.ly/x", 1_709_154_845.0), Visit("https://weather4free.com/f", 1e9)]))
    backup = builder.write(tmp_path / "backup")

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a network connection was attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    out = tmp_path / "out"
    assert main(["ios", "check-backup", str(backup), "-o", str(out), "-j", "1"]) == 2
    assert main(["check-iocs", str(out), "-o", str(tmp_path / "again")]) == 2
    assert main(["iocs", "list"]) == 0


def test_an_unwritable_data_directory_is_a_clear_error(tmp_path: Path, site: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("PERITO_DATA_DIR", str(blocker))
    with serve(site) as base:
        index = feed_index(tmp_path / "i.yaml", [url_entry("RCS", f"{base}/rcs.stix2")])
        assert main(["iocs", "update", "--index", str(index)]) == 1
    assert "cannot write the indicator sets" in " ".join(capsys.readouterr().err.split())
    assert blocker.read_text(encoding="utf-8") == "x"
