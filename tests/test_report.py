"""report.html: content, languages, redaction, escaping and `perito report` (no browser)."""

from __future__ import annotations

import itertools
import json
import random
import re
from pathlib import Path
from typing import Any

import html5lib
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from perito.artifacts.ios.sms import SmsMessage
from perito.cli import main
from perito.output.report import chart
from perito.output.report.i18n import available_languages, choose_language, translations
from perito.output.report.redact import PLACEHOLDER, Redaction
from perito.output.report.scan_texts import declared_texts
from perito.records import from_dict
from tests.builders.report import (
    DEVICE,
    HOSTILE,
    MATCHED_LINK,
    MATCHED_URL,
    MESSAGE_TEXTS,
    SECRETS,
    build_life_backup,
)
from tests.paths import ROOT, SHARED_IOCS

PEGASUS = SHARED_IOCS / "amnesty" / "pegasus.stix2"
REPORT_PACKAGE = ROOT / "src" / "perito" / "output" / "report"


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One scan of the life backup with Pegasus indicators, full and redacted reports."""
    base = tmp_path_factory.mktemp("report")
    backup = build_life_backup(base / "backup")
    out = base / "out"
    code = main(["ios", "check-backup", str(backup), "-i", str(PEGASUS), "-o", str(out),
                 "--redact", "--lang", "en"])
    assert code == 2
    return out


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _embedded(html: str) -> dict[str, Any]:
    data = re.search(r'<script type="application/json" id="perito-data">(.*?)</script>',
                     html, re.S)
    assert data is not None
    loaded: dict[str, Any] = json.loads(data[1])
    return loaded


def _visible(html: str) -> str:
    """The report without its embedded script, for checks on what is written as markup."""
    return re.sub(r"<script\b.*?</script>", "", html, flags=re.S)


def test_every_check_writes_the_report(scanned: Path) -> None:
    html = _text(scanned / "report.html")
    assert "<h1" in html and "Known spyware indicators were found." in html
    assert MATCHED_LINK in html and MATCHED_URL in html
    assert "smscentro.com" in html and "pegasus.stix2" in html
    sha = json.loads(_text(scanned / "info.json"))["ioc_files"][0]["sha256"]
    assert sha in html  # the indicator set's file hash, with the detection
    assert (scanned / "report-redacted.html").is_file()


def test_detections_come_most_severe_first(scanned: Path) -> None:
    html = _text(scanned / "report.html")
    badges = re.findall(r'<span class="badge level-(\w+)">', html)
    order = ["critical", "high", "medium", "low", "informational"]
    assert badges and badges == sorted(badges, key=order.index)


def test_report_sections_in_the_order_of_the_issue(scanned: Path) -> None:
    html = _text(scanned / "report.html")
    ids = ["verdict", "detections", "checked", "timeline", "device", "custody"]
    positions = [html.index(f'<section id="{name}"') for name in ids]
    assert positions == sorted(positions)


def test_what_was_and_was_not_checked(scanned: Path) -> None:
    html = _visible(_text(scanned / "report.html"))
    info = json.loads(_text(scanned / "info.json"))
    for artifact in info["artifacts"]:
        assert artifact["id"] in html
    assert "absent (not in the acquisition)" in html
    assert "<code>safari-fast-redirect</code>" in html  # a heuristic, with whether it ran
    ran = {h["name"]: h["ran"] for h in info["heuristics"]}
    assert ran["safari-fast-redirect"] is True and ran["calendar-quadream-event"] is False
    newest = info["ioc_files"][0]["newest"]
    assert newest.startswith("2024-01-26") and newest[:10] in html


def test_hostile_record_text_is_escaped(scanned: Path) -> None:
    html = _text(scanned / "report.html")
    assert HOSTILE not in html
    assert "<script>document.title" not in html and "<img src=x" not in html
    assert "&lt;/script&gt;&lt;script&gt;document.title" in html  # shown, as text
    # the embedded data can never close its script element
    data = re.search(r'<script type="application/json" id="perito-data">(.*?)</script>',
                     html, re.S)
    assert data is not None and "<" not in data[1]
    data = _embedded(html)
    assert data["times"]
    assert len(data["times"]) == len(data["labelOf"]) == len(data["texts"]) \
        == len(data["artifactOf"])


def test_redacted_report_hides_every_secret_but_keeps_the_evidence(scanned: Path) -> None:
    html = _text(scanned / "report-redacted.html")
    for secret in SECRETS:
        assert secret not in html, secret
        assert json.dumps(secret)[1:-1] not in html, secret  # nor in the embedded data
    for digits in ("525511223344", "525599887766", "5215544332211", "5544556677"):
        assert digits not in html
    assert "Redacted report" in html and PLACEHOLDER in html
    assert MATCHED_LINK in html and MATCHED_URL in html  # the detections' evidence stays
    assert "Known spyware indicators were found." in html
    assert f"Apple threat notification received from {PLACEHOLDER}" in html  # the heuristic
    assert DEVICE not in html and "iPhone14,2" in html  # the model is not personal
    descriptions = set(_embedded(html)["texts"])
    # shareable fields (service, direction) keep the timeline readable
    assert f"SMS received from {PLACEHOLDER} with links: {MATCHED_LINK}" in descriptions
    assert f"Safari visit to {PLACEHOLDER}" in descriptions


def test_full_report_does_show_the_records(scanned: Path) -> None:
    html = _text(scanned / "report.html")
    assert DEVICE in html
    assert "+525599887766" in html
    assert "Apple threat notification received from +525500112233" in html


def test_report_html_parses_without_errors(scanned: Path) -> None:
    for name in ("report.html", "report-redacted.html"):
        parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
        parser.parse(_text(scanned / name))  # raises on any HTML5 parse error


def test_self_contained(scanned: Path) -> None:
    html = _text(scanned / "report.html")
    tree = html5lib.parse(html, namespaceHTMLElements=False)
    tags = {element.tag for element in tree.iter()}
    assert not tags & {"link", "iframe", "object", "embed", "img", "base", "video", "audio"}
    for element in tree.iter():
        assert "src" not in element.attrib, element.tag
        assert element.attrib.get("href", "#").startswith("#"), element.attrib
    styles = " ".join(e.text or "" for e in tree.iter("style"))
    assert "@import" not in styles and "url(" not in styles
    assert "default-src 'none'" in html  # the page may make no request at all


def test_rebuild_is_the_same_code_path(scanned: Path, tmp_path: Path) -> None:
    before = _text(scanned / "report.html")
    assert main(["report", str(scanned), "--lang", "en"]) == 0
    assert _text(scanned / "report.html") == before


def test_spanish_report_and_summary(scanned: Path, capsys: pytest.CaptureFixture[str]
                                    ) -> None:
    assert main(["report", str(scanned), "--lang", "es"]) == 0
    html = _text(scanned / "report.html")
    assert '<html lang="es">' in html
    assert "Se encontraron indicadores conocidos de software espía." in html
    assert "Qué se comprobó y qué no" in html and "Cronología" in html
    assert "Historial de Safari" in html  # the artifacts' titles are translated too
    assert "Mensajes SMS e iMessage" in html
    labels = _embedded(html)["labels"]  # the timeline's event names too
    assert "Visita en Safari" in labels and "Mensaje SMS" in labels
    assert "Informe:" in capsys.readouterr().out
    main(["report", str(scanned), "--lang", "en"])


def test_cli_summary_in_spanish(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    backup = build_life_backup(tmp_path / "backup")
    monkeypatch.setenv("PERITO_LANG", "es")
    code = main(["ios", "check-backup", str(backup), "-i", str(PEGASUS),
                 "-o", str(tmp_path / "out"), "--redact"])
    assert code == 2
    out = " ".join(capsys.readouterr().out.split())
    assert "Artefactos leídos:" in out and "Se encontraron indicadores conocidos" in out
    assert "Informe: " in out and "Informe censurado, para compartir: " in out
    assert '<html lang="es">' in _text(tmp_path / "out" / "report.html")


def test_cli_summary_keeps_the_english_wording(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PERITO_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    backup = build_life_backup(tmp_path / "backup")
    assert main(["ios", "check-backup", str(backup), "-o", str(tmp_path / "all")]) == 2
    out = " ".join(capsys.readouterr().out.split())
    assert "Artifacts read: " in out and ", absent: " in out
    assert "Serious signs were found that need an expert's review, although no known " \
           "indicator matched." in out  # the threat notification, without indicators
    counts = re.search(r"Artifacts read: \d+, absent: \d+, could not be read: \d+", out)
    assert counts is not None and counts[0] in _text(tmp_path / "all" / "report.html")
    assert main(["ios", "check-backup", str(backup), "-m", "ios.safari.history",
                 "-o", str(tmp_path / "safari")]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "No known indicator was found in what was checked. This does not prove the " \
           "device is free of spyware." in out


def test_nothing_found_never_says_clean(tmp_path: Path) -> None:
    backup = build_life_backup(tmp_path / "backup")
    out = tmp_path / "out"
    assert main(["ios", "check-backup", str(backup), "-m", "ios.safari.history",
                 "-o", str(out)]) == 0
    html = _text(out / "report.html")
    verdict = re.search(r'<section id="verdict".*?</section>', html, re.S)
    assert verdict is not None
    assert "No known indicator was found in what was checked." in verdict[0]
    assert "No indicator file was loaded" in verdict[0]
    assert "clean" not in verdict[0].lower() and "limpio" not in verdict[0].lower()


@pytest.mark.parametrize(("option", "environ", "expected"), [
    ("es", {"PERITO_LANG": "en"}, "es"),
    (None, {"PERITO_LANG": "es", "LANG": "en_US.UTF-8"}, "es"),
    (None, {"LC_ALL": "es_MX.UTF-8", "LANG": "en_US.UTF-8"}, "es"),
    (None, {"LC_MESSAGES": "es_ES", "LANG": "en_GB"}, "es"),
    (None, {"LANG": "es_AR.UTF-8"}, "es"),
    (None, {"LC_ALL": "C", "LANG": "es_ES.UTF-8"}, "es"),  # C says nothing
    (None, {"LANG": "fr_FR.UTF-8"}, "en"),  # no French catalogue
    (None, {}, "en"),
])
def test_language_choice(option: str | None, environ: dict[str, str], expected: str) -> None:
    assert choose_language(option, environ) == expected


def test_every_string_has_a_spanish_translation() -> None:
    """The strings of the report and the summary, and the artifacts' titles and heuristics'
    rationales (`scan_texts`): a new one needs `make messages` and its translation."""
    method_map = [("src/perito/cli.py", "python"),
                  ("src/perito/output/report/**.py", "python"),
                  ("src/perito/output/report/templates/**.j2", "jinja2"),
                  ("src/perito/artifacts/__init__.py", "perito.output.report.scan_texts:extract")]
    options = {"src/perito/output/report/templates/**.j2":
               {"trim_blocks": "true", "lstrip_blocks": "true"}}
    found = {message[2] for message in extract_from_dir(
        str(ROOT), method_map, options, keywords={"_": None, "gettext": None,
                                                  "ngettext": (1, 2)})}
    assert len(found) > 100
    assert set(declared_texts()) <= found and "Safari history" in found
    catalogue = REPORT_PACKAGE / "locales" / "es" / "LC_MESSAGES" / "perito.po"
    with catalogue.open("rb") as handle:
        spanish = {m.id: m for m in read_po(handle) if m.id}
    for key in found:
        assert key in spanish, f"not in es/perito.po: {key!r}"
        entry = spanish[key]
        assert entry.string and not entry.fuzzy, f"untranslated: {key!r}"
    assert available_languages() == ("en", "es")
    t = translations("es")
    assert t.gettext("Verdict") == "Veredicto"


def test_report_of_a_missing_or_damaged_folder(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(tmp_path / "nowhere")]) == 1
    (tmp_path / "out").mkdir()
    assert main(["report", str(tmp_path / "out")]) == 1
    assert "not a perito output folder" in " ".join(capsys.readouterr().err.split())
    (tmp_path / "out" / "info.json").write_text("{}")
    (tmp_path / "out" / "alerts.json").write_text("[{\"level\": ")
    assert main(["report", str(tmp_path / "out")]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "damaged" in err and "Traceback" not in err


def test_damaged_record_lines_are_skipped_and_said(scanned: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("info.json", "alerts.json"):
        (copy / name).write_bytes((scanned / name).read_bytes())
    (copy / "records").mkdir()
    sms = (scanned / "records" / "ios.sms.messages.jsonl").read_bytes()
    (copy / "records" / "ios.sms.messages.jsonl").write_bytes(
        sms + b'{"record_type": "SmsMes\n' + b'{"record_type": "FutureRecord", "x": 1}\n')
    assert main(["report", str(copy)]) == 0
    html = _text(copy / "report.html")
    assert "1 damaged lines skipped" in html
    assert "1 record could not be placed on the timeline." in html


def test_older_info_without_heuristics(scanned: Path, tmp_path: Path) -> None:
    copy = tmp_path / "old"
    copy.mkdir()
    info = json.loads(_text(scanned / "info.json"))
    del info["heuristics"]
    for entry in info["ioc_files"]:
        del entry["publishers"], entry["newest"]
    (copy / "info.json").write_text(json.dumps(info))
    (copy / "alerts.json").write_bytes((scanned / "alerts.json").read_bytes())
    assert main(["report", str(copy)]) == 0
    assert "did not record which heuristics ran" in _text(copy / "report.html")


def test_redaction_of_one_record(scanned: Path) -> None:
    line = (scanned / "records" / "ios.sms.messages.jsonl").read_text().splitlines()[1]
    record = from_dict(json.loads(line))
    redacted = Redaction(frozenset({MATCHED_LINK})).record(record)
    assert isinstance(record, SmsMessage) and isinstance(redacted, SmsMessage)
    assert record.text == MESSAGE_TEXTS[1] and redacted.text == PLACEHOLDER
    assert redacted.handle_phone == PLACEHOLDER
    assert redacted.links == (MATCHED_LINK,)
    assert redacted.date == record.date  # times stay
    assert MESSAGE_TEXTS[1] not in redacted.describe()


def test_redaction_of_a_heuristic_message() -> None:
    redaction = Redaction(frozenset({MATCHED_URL}))
    text = ("Redirect from http://periodico.example.mx/nota/4471… to "
            f"{MATCHED_URL} (periodico.example.mx) took 0.4 s")
    hidden = redaction.text(text, ["http://periodico.example.mx/nota/4471"])
    assert "periodico" not in hidden and MATCHED_URL in hidden


def test_chart_bins_events_and_groups_detections() -> None:
    hour = chart.HOUR_NS
    marks = [chart.Mark(100 * hour, "CRITICAL", "one", 1),
             chart.Mark(105 * hour, "HIGH", "two", 2),
             chart.Mark(400 * hour, "LOW", "three", 3)]
    windows = chart.windows(marks, 0, 500 * hour)
    assert [len(w.marks) for w in windows] == [2, 1]
    assert windows[0].start == 94 * hour and windows[0].end == 111 * hour
    times = list(range(94 * hour, 111 * hour, hour // 1000))  # 17,000 events
    svg = chart.svg(windows[0], [("Safari <history>", times)], 1, "t", "d", "other")
    assert svg.count('class="bin"') <= chart.BINS
    assert "Safari &lt;history&gt;" in svg and 'role="img"' in svg
    assert chart.windows([], None, None) == []


@pytest.mark.parametrize("seed", range(40))
def test_chart_bins_are_the_per_event_formula(seed: int) -> None:
    rng = random.Random(seed)
    start = rng.randrange(0, 10**18)
    span = rng.choice([1, 2, 119, 120, 121, 7_919, chart.HOUR_NS, 12 * chart.HOUR_NS + 7])
    count = rng.choice([0, 1, 5, 1_000])
    times = sorted([start, start + span] * rng.randrange(2) +
                   [start + rng.randrange(span + 1) for _ in range(count)])
    expected = [0] * chart.BINS
    for ns in times:
        expected[min(chart.BINS - 1, (ns - start) * chart.BINS // span)] += 1
    assert chart._binned(times, start, span) == expected


def test_hostile_saved_results_give_a_message(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    (out / "records").mkdir(parents=True)
    (out / "info.json").write_text(json.dumps({
        "artifacts": "everything", "hashes": [1, {"file_path": 3, "size": None}],
        "ioc_files": {"a": 1}, "heuristics": [None], "started": 7, "command": "perito"}))
    (out / "alerts.json").write_text(json.dumps([
        "not an alert", {"level": "WHATEVER", "event": "text", "perito": [1],
                         "matched_indicator": {"value": None}, "message": None},
        {"level": "HIGH", "event": {"record_type": "SmsMessage", "text": 5,
                                    "date": {"ns": "x"}}, "perito": {"match": {"owners": 5}}},
    ]))
    (out / "records" / "ios.sms.messages.jsonl").write_text('[1, 2]\n{"record_type": 1}\n')
    code = main(["report", str(out), "--redact"])
    err = " ".join(capsys.readouterr().err.split())
    assert code == 0 and "Traceback" not in err
    html = _text(out / "report-redacted.html")
    assert "Known spyware indicators were found." in html  # matched_indicator is set
    assert "1 damaged lines skipped" in html  # the JSON list in the records file


def test_package_data_ships_the_templates_and_catalogues() -> None:
    """`pip install` must carry every template and `.po` file (pyproject's package-data)."""
    import tomllib

    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]["perito"]
    package = ROOT / "src" / "perito"
    shipped = {p for pattern in patterns for p in package.glob(pattern)}
    needed = [p for p in REPORT_PACKAGE.rglob("*") if p.is_file()
              and p.parent.name in ("templates", "LC_MESSAGES") and p.suffix != ".mo"]
    assert needed and set(needed) <= shipped


def test_thousands_of_detections_stay_readable(scanned: Path, tmp_path: Path) -> None:
    """A broad indicator can match thousands of records: 100 in full, the rest as rows."""
    copy = tmp_path / "many"
    copy.mkdir()
    (copy / "info.json").write_bytes((scanned / "info.json").read_bytes())
    alerts = json.loads(_text(scanned / "alerts.json"))
    many = [alerts[i % len(alerts)] for i in range(2_000)]
    (copy / "alerts.json").write_text(json.dumps(many))
    assert main(["report", str(copy)]) == 0
    html = _text(copy / "report.html")
    assert html.count('<article class="detection') == 100
    assert "1900 more detections" in html
    more = re.search(r'<h3 id="more-detections-h">.*?</table>', html, re.S)
    assert more is not None and more[0].count("<tr>") == 1_900 + 1  # and the header
    for svg in re.findall(r"<svg.*?</svg>", html, re.S):
        assert svg.count('class="mark"') <= chart.MAX_MARKS
        assert svg.count('class="mark-number"') <= chart.NUMBERED


def test_unreadable_artifacts_come_first_with_their_reason(scanned: Path,
                                                           tmp_path: Path) -> None:
    copy = tmp_path / "failed"
    copy.mkdir()
    info = json.loads(_text(scanned / "info.json"))
    last = info["artifacts"][-1]
    last.update(state="failed", problems=[f"{last['id']}.db: damaged or unreadable database "
                                          "(file is not a database)"])
    (copy / "info.json").write_text(json.dumps(info))
    (copy / "alerts.json").write_bytes((scanned / "alerts.json").read_bytes())
    assert main(["report", str(copy)]) == 0
    html = _text(copy / "report.html")
    checked = re.search(r'<section id="checked".*?</table>', html, re.S)
    assert checked is not None
    first_row = re.search(r'<tr class="state-(\w+)"><th scope="row">.*?<code class="small">'
                          r'([^<]+)</code>', checked[0], re.S)
    assert first_row is not None and first_row.groups() == ("failed", last["id"])
    assert "damaged or unreadable database" in checked[0]
    verdict = re.search(r'<section id="verdict".*?</section>', html, re.S)
    assert verdict is not None and "could not be read completely" in verdict[0]


def test_table_of_a_huge_scan_keeps_the_events_around_detections(
        scanned: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Millions of events cannot all go into a page: those near a detection come first."""
    from perito.output.report import content

    copy = tmp_path / "huge"
    copy.mkdir()
    for name in ("info.json", "alerts.json", "timeline.jsonl"):
        (copy / name).write_bytes((scanned / name).read_bytes())
    total = len((scanned / "timeline.jsonl").read_text().splitlines())
    monkeypatch.setattr(content, "TABLE_LIMIT", 5)
    assert main(["report", str(copy)]) == 0
    html = _text(copy / "report.html")
    data = _embedded(html)
    assert len(data["times"]) == len(data["texts"]) == 5
    assert f"The table holds 5 of the {total} events" in html
    times = data["times"]
    assert times == sorted(times)
    assert set(data["near"]) <= set(times)  # the detections' own events are kept


@pytest.mark.parametrize("value", [
    {"b": [1, "é", "</script><!--"], "a": {"z": None, "y": 2.5}},
    {"events": [[1, 0, "lone \ud800 surrogate", 0]]},  # orjson refuses: the standard library
    {"big": 2 ** 70},
])
def test_embedded_json_is_what_tojson_gives(value: dict[str, object]) -> None:
    """The page's data go through orjson, falling back to the standard library; either way
    they read back as Jinja's own `tojson` gives them, keys sorted as it sorts them, and the
    bytes are safe in a <script> element (no `<` at all) and UTF-8."""
    from perito.output.report import _environment, script_json

    data = script_json(value)
    text = data.decode("utf-8")
    jinja = _environment().from_string("{{ v | tojson }}").render(v=value)
    assert json.loads(text) == json.loads(jinja) == value
    assert list(json.loads(text)) == sorted(value)
    assert "<" not in text


@pytest.mark.parametrize("count", [0, 1, 3])
def test_chart_lanes_are_each_artifacts_times_in_timeline_order(count: int) -> None:
    """The lanes come from one stable sort by artifact: each must be exactly the times of
    its artifact, in the order of the timeline, as grouping event by event gives them."""
    import random

    from perito.output.report.content import _lanes

    rng = random.Random(count)
    times = sorted(rng.randrange(10**15) for _ in range(500 if count else 0))
    times[10:14] = [times[10]] * 4 if count else []  # equal times across artifacts
    artifact_of = [rng.randrange(count) for _ in times] if count else []
    expected: list[list[int]] = [[] for _ in range(count)]
    for ns, artifact in zip(times, artifact_of, strict=True):
        expected[artifact].append(ns)
    assert _lanes(times, artifact_of, count) == expected


@pytest.mark.parametrize("seed", range(60))
def test_kept_runs_are_the_kept_positions(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The table's events as runs of positions (a check's timeline, in order) are the
    positions the list route keeps."""
    from perito.output.report import content

    rng = random.Random(seed)
    monkeypatch.setattr(content, "TABLE_LIMIT", rng.choice([1, 5, 50, 200]))
    hour = chart.HOUR_NS
    times = sorted(rng.randrange(0, 2_000 * hour) for _ in range(rng.choice([300, 1_000])))
    if rng.random() < 0.3:  # equal times
        times = sorted(times[: len(times) // 2] * 2)
    marks = [chart.Mark(rng.choice(times) + rng.randrange(-hour, hour), "HIGH", "m", n + 1)
             for n in range(rng.randrange(0, 12))]
    ranges = content._kept_ranges(times, marks)
    expected = content._kept_list(times, marks)
    if ranges is None:  # more events near detections than the table holds
        assert sum(1 for t in times if any(w.start <= t <= w.end
                                           for w in chart.windows(marks, None, None))) \
            > content.TABLE_LIMIT
        return
    assert content._pick(list(range(len(times))), ranges) == expected
    assert all(a[1] < b[0] for a, b in itertools.pairwise(ranges.spans))
