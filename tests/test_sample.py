"""The bundled sample backup: what `make demo` scans must find exactly what was planted."""

from __future__ import annotations

import json
from pathlib import Path

from samples.build_sample import DEFAULT_DEST, build

from perito.cli import main
from tests.paths import ROOT

SAMPLE_IOCS = ROOT / "samples" / "iocs"

EXPECTED_MATCHES = [
    ("CRITICAL", "datausage", "processes", "ReminderIntentsUIExtension", "truncated"),
    ("CRITICAL", "safari_history", "domains", "smscentro.com", "subdomain"),
    ("CRITICAL", "safari_history", "domains", "tookcheckout.com", "exact"),
    ("CRITICAL", "sms", "domains", "smscentro.com", "exact"),
    ("CRITICAL", "sms", "emails", "bogaardlisa803@gmail.com", "exact"),
    ("HIGH", "manifest", "file_names", "roleaccountd.plist", "exact"),
]
EXPECTED_FINDINGS = [
    ("HIGH", "datausage-process-record-deleted"),
    ("LOW", "datausage-missing-process"),
    ("MEDIUM", "safari-fast-redirect"),
]


def _scan(backup: Path, out: Path) -> list[dict[str, object]]:
    assert main(["ios", "check-backup", str(backup), "-i", str(SAMPLE_IOCS),
                 "-o", str(out)]) == 2
    alerts: list[dict[str, object]] = json.loads((out / "alerts.json").read_text())
    return alerts


def test_bundled_sample_finds_what_was_planted(tmp_path: Path) -> None:
    alerts = _scan(DEFAULT_DEST, tmp_path / "out")
    matches = sorted(
        (a["level"], a["module"], a["matched_indicator"]["type"],  # type: ignore[index]
         a["matched_indicator"]["value"], a["perito"]["match"]["rule"])  # type: ignore[index]
        for a in alerts if a["matched_indicator"])
    findings = sorted((a["level"], a["perito"]["finding"])  # type: ignore[index]
                      for a in alerts if not a["matched_indicator"])
    assert matches == EXPECTED_MATCHES
    assert findings == EXPECTED_FINDINGS


def test_bundled_sample_is_what_the_builders_make(tmp_path: Path) -> None:
    fresh = build(tmp_path / "fresh")
    _scan(DEFAULT_DEST, tmp_path / "bundled-out")
    _scan(fresh, tmp_path / "fresh-out")
    for name in sorted(p.name for p in (tmp_path / "bundled-out" / "records").iterdir()):
        bundled = (tmp_path / "bundled-out" / "records" / name).read_text()
        rebuilt = (tmp_path / "fresh-out" / "records" / name).read_text()
        assert bundled == rebuilt, name
