"""The end of a check: the report is built in a forked process while the timeline files are
written; it is the page `perito report` builds, and its failure ends nothing else."""

from __future__ import annotations

import json
import os
import re
import signal
from pathlib import Path

import pytest

from perito.cli import main
from perito.output import report
from perito.output.report import content as report_content
from perito.output.timeline import Event, Timeline
from tests.paths import ROOT

SAMPLE = ROOT / "samples" / "ios-backup"
SAMPLE_IOCS = ROOT / "samples" / "iocs"
FOUND = 2  # the sample holds a known indicator


def _check(out: Path, *options: str) -> int:
    return main(["ios", "check-backup", str(SAMPLE), "-i", str(SAMPLE_IOCS), "-o", str(out),
                 *options])


def _embedded(html: str) -> object:
    data = re.search(r'<script type="application/json" id="perito-data">(.*?)</script>',
                     html, re.S)
    assert data is not None and "<" not in data[1]
    return json.loads(data[1])


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_check_report_is_the_rebuilt_report(tmp_path: Path, jobs: str) -> None:
    """In memory (-j 1) or merged from the workers' spill files (-j 2), the report built from
    the check's own events is the page `perito report` builds from timeline.jsonl."""
    out = tmp_path / "out"
    assert _check(out, "-j", jobs) == FOUND
    built = (out / "report.html").read_bytes()
    events = _embedded(built.decode("utf-8"))
    assert isinstance(events, dict) and events["times"]
    assert main(["report", str(out)]) == 0
    assert (out / "report.html").read_bytes() == built
    lines = (out / "timeline.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(events["times"]) == len(events["texts"]) == len(lines)
    assert len((out / "timeline.csv").read_text(encoding="utf-8").splitlines()) > len(lines)


def test_a_report_failure_is_logged_and_changes_nothing_else(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert _check(tmp_path / "good") == FOUND

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the report broke")

    monkeypatch.setattr(report_content, "build_content", broken)
    out = tmp_path / "out"
    assert _check(out) == FOUND
    assert "The report could not be written" in capsys.readouterr().out
    assert not (out / "report.html").exists()
    log = (out / "command.log").read_text(encoding="utf-8")
    assert "the report could not be written" in log and "the report broke" in log
    for name in ("alerts.json", "timeline.csv", "timeline.jsonl"):
        assert (out / name).read_bytes() == (tmp_path / "good" / name).read_bytes()


def test_a_report_process_that_dies_is_logged(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    def killed(*_args: object, **_kwargs: object) -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(report_content, "build_content", killed)
    out = tmp_path / "out"
    assert _check(out) == FOUND
    assert not (out / "report.html").exists()
    assert (out / "timeline.jsonl").stat().st_size
    assert "its process ended with code -9" in (out / "command.log").read_text("utf-8")


def test_without_fork_the_report_is_written_after_the_timeline(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    forked = tmp_path / "forked"
    assert _check(forked) == FOUND
    monkeypatch.delattr(os, "fork")
    out = tmp_path / "out"
    assert _check(out, "-j", "1") == FOUND  # scan workers are forked too
    for name in ("alerts.json", "timeline.csv", "timeline.jsonl"):
        assert (out / name).read_bytes() == (forked / name).read_bytes()
    assert _embedded((out / "report.html").read_text("utf-8")) \
        == _embedded((forked / "report.html").read_text("utf-8"))


def test_finished_is_when_the_results_were_complete(tmp_path: Path) -> None:
    """info.json is written before the timeline files and the report (the report shows its
    hash), so `finished` is not after them."""
    out = tmp_path / "out"
    assert _check(out) == FOUND
    info = json.loads((out / "info.json").read_text(encoding="utf-8"))
    assert info["started"] <= info["finished"]
    assert (out / "info.json").stat().st_mtime_ns <= (out / "report.html").stat().st_mtime_ns


def test_when_fork_fails_the_report_comes_after_the_timeline(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refused() -> int:
        raise BlockingIOError("no more processes")

    monkeypatch.setattr(os, "fork", refused)
    out = tmp_path / "out"
    assert _check(out, "-j", "1") == FOUND
    assert _embedded((out / "report.html").read_text("utf-8"))
    assert "no second process: no more processes" in (out / "command.log").read_text("utf-8")


def test_hostile_events_give_the_same_safe_page_from_memory_and_from_the_file(
        tmp_path: Path) -> None:
    """A lone surrogate (from a hostile plist) and a script end tag in an event: the page from
    the events and the page from timeline.jsonl are the same, and the data stay in their
    script element."""
    out = tmp_path / "out"
    assert _check(out, "-j", "1") == FOUND
    hostile = ("</script><script>alert(1)</script> \ud83d <!-- ' & \u2028",
               "name \ud83d\ude00 ok")
    timeline = Timeline()
    timeline.events.extend(
        Event(1_700_000_000_000_123_456 + n, "Plist", "created", text, "x.plist", "ios.x",
              "2023-11-14T22:13:20.000123+00:00") for n, text in enumerate(hostile))
    timeline.write(out)
    from_memory = report.write_report(out, "en", timeline=timeline).read_bytes()
    from_file = report.write_report(out, "en").read_bytes()
    assert from_memory == from_file
    data = _embedded(from_file.decode("utf-8"))
    assert isinstance(data, dict)
    # (as JSON reads them: two halves of a pair written apart make one character)
    assert sorted(data["texts"]) \
        == sorted(json.loads(json.dumps(text)) for text in hostile)
    assert b"<script>alert(1)" not in from_file


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_report_is_prepared_while_workers_scan(tmp_path: Path, jobs: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """With workers, the parent prepares the report (imports, template) beside them; a
    failure to prepare changes nothing (the report is written all the same)."""
    asked: list[str] = []

    def failing(language: str) -> None:
        asked.append(language)
        raise RuntimeError("cannot prepare")

    monkeypatch.setattr(report, "prepare", failing)
    out = tmp_path / "out"
    assert _check(out, "-j", jobs, "--lang", "es") == FOUND
    assert asked == (["es"] if jobs == "2" else [])
    assert '<html lang="es">' in (out / "report.html").read_text("utf-8")
