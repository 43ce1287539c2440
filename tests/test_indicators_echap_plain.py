"""Echap's native YAML and plain one-value-per-line lists."""

from __future__ import annotations

from pathlib import Path

from perito.indicators import IndicatorIndex, load_indicators, load_stix_file, match_value
from perito.records import Kind
from tests.builders.feeds import echap_yaml, plain_list
from tests.paths import SHARED_IOCS

CERT = "31A6ECECD97CF39BC4126B8745CD94A7C30BF81C"


def _app(**fields: object) -> dict[str, object]:
    return {"name": "ExampleSpy", "type": "stalkerware", **fields}


def test_echap_app_values_become_typed_indicators(tmp_path: Path) -> None:
    path = echap_yaml(tmp_path / "ioc.yaml", [
        _app(names=["ExSpy"], packages=["com.example.spy"], certificates=[CERT],
             websites=["exspy.example", "www.exspy.example"],
             distribution=["dl.exspy.example", "https://github.com/someone/exspy"],
             c2={"domains": ["c2.exspy.example"], "ips": ["192.0.2.10"]},
             certificate_organizations=["ExampleCorp"]),
        {"name": "Other", "type": "watchware", "ios_bundles": ["com.example.Watch"],
         "c2": {"ip": ["198.51.100.7"]}},
    ])
    loaded = load_stix_file(path)
    got = {(i.kind, i.value): {o.name for o in i.owners} for i in loaded.indicators}
    assert got == {
        (Kind.APP_ID, "com.example.spy"): {"ExampleSpy"},
        (Kind.CERT_SHA1, CERT.lower()): {"ExampleSpy"},
        (Kind.DOMAIN, "exspy.example"): {"ExampleSpy"},
        (Kind.DOMAIN, "www.exspy.example"): {"ExampleSpy"},
        (Kind.DOMAIN, "dl.exspy.example"): {"ExampleSpy"},
        (Kind.URL, "https://github.com/someone/exspy"): {"ExampleSpy"},  # never github.com
        (Kind.DOMAIN, "c2.exspy.example"): {"ExampleSpy"},
        (Kind.IP, "192.0.2.10"): {"ExampleSpy"},
        (Kind.APP_ID, "com.example.watch"): {"Other"},
        (Kind.IP, "198.51.100.7"): {"Other"},
    }
    assert loaded.file is not None and loaded.file.collections == ("ExampleSpy", "Other")
    assert [p.severity for p in loaded.problems] == ["unsupported"]  # the organisation rule
    index = IndicatorIndex.build(loaded.indicators)
    assert match_value(index, Kind.CERT_SHA1, CERT.lower())
    assert not match_value(index, Kind.URL, "https://github.com/")


def test_real_echap_files_load_with_their_apps_as_owners() -> None:
    loaded = load_stix_file(SHARED_IOCS / "echap" / "ioc.yaml")
    assert loaded.file is not None and len(loaded.file.collections) == 147
    assert not [p for p in loaded.problems if p.severity == "error"]
    thetruth = [i for i in loaded.indicators if i.value == "com.thetruth"]
    assert [o.name for o in thetruth[0].owners] == ["TheTruthSpy"]
    assert loaded.file.count(Kind.CERT_SHA1) > 400
    watch = load_stix_file(SHARED_IOCS / "echap" / "watchware.yaml")
    assert watch.file is not None and len(watch.file.collections) == 27
    assert any(i.value == "com.wheremychildren.ios" for i in watch.indicators)


def test_plain_list_by_type_and_by_name(tmp_path: Path) -> None:
    listed = plain_list(tmp_path / "spy-list", ["exampled", "", "  otherd  "], "processes")
    loaded = load_indicators([listed], plain_type="process")
    assert loaded.files == ()  # no suffix this loader knows
    listed = listed.rename(tmp_path / "spy.txt")
    loaded = load_indicators([listed], plain_type="process")
    assert [(i.kind, i.value) for i in loaded.indicators] == [
        (Kind.PROCESS, "exampled"), (Kind.PROCESS, "otherd")]
    assert loaded.indicators[0].owners[0].name == "spy"
    feed = tmp_path / "2026-01-01_examplespy"
    feed.mkdir()
    plain_list(feed / "domains.txt", ["C2.Example.NET", "192.0.2.1"])
    plain_list(feed / "README.txt", ["not indicators"])
    loaded = load_indicators([tmp_path / "2026-01-01_examplespy"])
    assert [(i.kind, i.value) for i in loaded.indicators] == [
        (Kind.DOMAIN, "c2.example.net"), (Kind.IP, "192.0.2.1")]
    assert loaded.indicators[0].owners[0].name == "2026-01-01_examplespy"


def test_plain_list_without_a_type_is_unsupported(tmp_path: Path) -> None:
    loaded = load_indicators([plain_list(tmp_path / "values.txt", ["a.example"])])
    assert loaded.indicators == ()
    assert [p.severity for p in loaded.problems] == ["unsupported"]
    assert "--type" in loaded.problems[0].message


def test_hostile_yaml_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "ioc.yaml"
    path.write_text("- name: x\n  packages: !!python/object/apply:os.system ['true']\n",
                    encoding="utf-8")
    loaded = load_indicators([path])
    assert loaded.indicators == ()
    assert [(p.severity, p.message[:25]) for p in loaded.problems] == [
        ("error", "not a readable YAML file ")]
    (tmp_path / "deep.yaml").write_text("[" * 5000 + "]" * 5000, encoding="utf-8")
    assert [p.severity for p in load_indicators([tmp_path / "deep.yaml"]).problems] == [
        "unsupported"]  # read, and not a list of apps
