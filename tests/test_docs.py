"""The project's own docs stay true to the code."""

from __future__ import annotations

from perito.artifacts import registry
from perito.detections import HEURISTICS
from tests.paths import ROOT


def test_every_artifact_and_heuristic_is_documented() -> None:
    text = (ROOT / "docs" / "artifacts.md").read_text()
    for artifact_id in registry():
        assert f"`{artifact_id}`" in text, artifact_id
    for rules in HEURISTICS.values():
        for rule in rules:
            assert f"`{rule.name}` ({rule.level.name})" in text, rule.name


def test_readme_has_the_two_quick_start_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make demo" in readme and "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_readme_lists_the_indicator_commands_and_their_options() -> None:
    readme = (ROOT / "README.md").read_text()
    guide = (ROOT / "docs" / "indicator-sets.md").read_text()
    for command in ("perito iocs update", "perito iocs list", "perito iocs lint",
                    "perito check-iocs"):
        assert command in readme and command in guide, command
    for option in ("--index", "--mirror", "--offline", "--allowlist", "--no-installed",
                   "--type"):
        assert option in readme and option in guide, option
    assert "pyyaml" in readme and "platformdirs" in readme


def test_readme_documents_the_report_options() -> None:
    """Every option of `perito report` and the report options of the checks."""
    from perito.cli import _parser

    readme = (ROOT / "README.md").read_text()
    outputs = (ROOT / "docs" / "outputs.md").read_text()
    assert "perito report OUTPUT_DIR [--lang en|es] [--redact]" in readme
    report = _parser()._subparsers._group_actions[0].choices["report"]
    for action in report._actions:
        for flag in action.option_strings:
            assert flag in ("-h", "--help") or f"`{flag}" in readme, flag
    for name in ("report.html", "report-redacted.html", "`heuristics`", "`publishers`"):
        assert name in readme or name in outputs, name
