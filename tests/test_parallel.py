"""Worker processes change nothing in the outputs."""

from __future__ import annotations

import json
from pathlib import Path

from samples.build_sample import DEFAULT_DEST

from perito.cli import main
from perito.parallel import Unit, unit_order
from tests.paths import ROOT

IOCS = ROOT / "samples" / "iocs"


def _outputs(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.name not in ("info.json", "command.log", "report.html")}


def test_one_or_several_workers_same_outputs(tmp_path: Path) -> None:
    results = []
    for jobs in ("1", "2", "3"):
        out = tmp_path / f"jobs{jobs}"
        assert main(["ios", "check-backup", str(DEFAULT_DEST), "-i", str(IOCS), "-o", str(out),
                     "-j", jobs]) == 2
        results.append(_outputs(out))
        info = json.loads((out / "info.json").read_text())
        assert {h["file_path"] for h in info["hashes"]} >= {
            "Manifest.db", "Info.plist", "HomeDomain/Library/Safari/History.db",
            "HomeDomain/Library/SMS/sms.db"}
    assert results[0] == results[1] == results[2]
    assert b"tookcheckout.com" in results[0]["alerts.json"]


def test_workers_take_splittable_files_then_the_heaviest_units_first() -> None:
    def unit(size: int, splittable: bool = False) -> Unit:
        return Unit(0, 0, ("a",), size, splittable)

    assert unit_order([unit(100), unit(1), unit(1), unit(60), unit(50)]) == [0, 3, 4, 1, 2]
    assert unit_order([unit(100), unit(20, True), unit(30, True)]) == [2, 1, 0]
    assert unit_order([unit(5), unit(5), unit(5)]) == [0, 1, 2]
    assert unit_order([]) == []


def test_a_worker_that_cannot_open_the_source_fails_its_artifacts(tmp_path: Path) -> None:
    from perito.artifacts.ios.catalogue import IOS_BACKUP
    from perito.parallel import scan_parallel
    from perito.pipeline import ArtifactState
    from perito.sources.ios_backup import IosBackup

    def broken() -> IosBackup:
        raise OSError("disk went away")

    with IosBackup(DEFAULT_DEST) as parent:
        result = scan_parallel(parent, broken, IOS_BACKUP, None, tmp_path / "records",
                               tmp_path, None, jobs=2)
    assert result.statuses and all(s.state == ArtifactState.FAILED for s in result.statuses)
    assert "disk went away" in result.statuses[0].problems[0]
