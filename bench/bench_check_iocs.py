"""Time `perito check-iocs` re-checking saved results: a perito folder and the incumbent's.

Run: .venv/bin/python bench/bench_check_iocs.py [VISITS]. Writes, in a temporary folder, a
perito result folder whose `records/ios.safari.history.jsonl` holds VISITS Safari visits (and
the incumbent's `safari_history.json` with the same visits), 1 in 1,000 on a Pegasus domain,
then re-checks both against Amnesty's Pegasus indicators (../shared/iocs) in one process,
with no installed sets.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

from perito.artifacts.ios.safari_history import SafariVisit
from perito.commands.check_iocs import load, recheck
from perito.commands.indicator_choice import choose
from perito.output.jsonl import RecordFiles
from perito.timestamps import Encoding, decode

PEGASUS = Path(__file__).resolve().parents[2] / "shared" / "iocs" / "amnesty" / "pegasus.stix2"
COCOA_EPOCH = 978_307_200


def _url(number: int) -> str:
    if number % 1000 == 0:
        return f"https://www.weather4free.com/p/{number}"
    return f"https://news{number % 3000}.example-{number % 17}.org/a/{number}?ref=x"


def write_folders(root: Path, visits: int) -> tuple[Path, Path]:
    perito, incumbent = root / "perito", root / "incumbent"
    files = RecordFiles(perito / "records")
    saved = []
    for number in range(visits):
        cocoa = 730_000_000 + number * 37
        files.write("ios.safari.history", SafariVisit(
            source="HomeDomain/Library/Safari/History.db", id=number, visit_id=number,
            url=_url(number), visit_time=decode(cocoa, Encoding.COCOA_S)))
        saved.append({"id": number, "url": _url(number), "visit_id": number,
                      "timestamp": cocoa, "isodate": "", "redirect_source": None,
                      "redirect_destination": None, "safari_history_db": "1a/1a0e"})
    files.close()
    (perito / "info.json").write_text(json.dumps({"perito_version": "bench",
                                                  "acquisition_kind": "ios-backup"}))
    incumbent.mkdir()
    (incumbent / "safari_history.json").write_text(json.dumps(saved, indent=4))
    return perito, incumbent


def main(visits: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        os.environ["PERITO_DATA_DIR"] = str(root / "data")
        perito, incumbent = write_folders(root, visits)
        choice = choose([PEGASUS], use_installed=False, allowlist=None, environ={})
        started = time.perf_counter()
        loaded = load(choice)
        print(f"indicators: {time.perf_counter() - started:.2f} s")
        for name, saved in (("perito", perito), ("incumbent", incumbent)):
            size = sum(p.stat().st_size for p in saved.rglob("*") if p.is_file())
            started, cpu = time.perf_counter(), time.process_time()
            done = recheck(saved, choice, loaded, root / f"out-{name}", ["bench"])
            wall, used = time.perf_counter() - started, time.process_time() - cpu
            matches = sum(d.is_indicator_match for d in done.outcome.result.detections)
            print(f"{name}: {visits} visits ({size / 1e6:.1f} MB saved), {matches} matches: "
                  f"{wall:.2f} s wall, {used:.2f} s CPU ({visits / wall:,.0f} records/s)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
