"""How long report.html of a large scan takes to build and to open in a browser.

The scan is `perito ios check-backup` of the benchmark backup (`bench/make_large_backup.py`,
default options: about 170,000 records) with Amnesty's Pegasus indicators, which writes
report.html as every check does. Then, `--runs` times: `perito report OUT` rebuilds it (wall
time of the process), and Debian's Chromium (headless, offline, every request aborted, a new
browser context per run) opens it. From the page's own Performance API: the load event, the
first contentful paint, and the `perito-table` mark that the page's script sets once the first
page of the timeline table is in the document.

Usage (from the project root):
    .venv/bin/python -m bench.bench_report [--runs 5] [--backup DIR] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.browser import CHROMIUM, chromium, open_page, table_ready

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
PERITO = ROOT / ".venv" / "bin" / "perito"
PEGASUS = Path("/work/shared/iocs/amnesty/pegasus.stix2")

TIMINGS = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const paint = performance.getEntriesByName("first-contentful-paint")[0];
  const table = performance.getEntriesByName("perito-table")[0];
  return {load_ms: nav.loadEventEnd, dom_ms: nav.domContentLoadedEventEnd,
          fcp_ms: paint ? paint.startTime : null, table_ms: table ? table.startTime : null,
          rows: document.querySelectorAll("#events-body tr").length};
}"""


def _timed(command: Sequence[str]) -> float:
    """Wall seconds of a perito command; exit codes 0, 2 (found) and 3 are results."""
    started = time.perf_counter()
    code = subprocess.run(command, check=False, stdout=subprocess.DEVNULL).returncode
    if code not in (0, 2, 3):
        raise SystemExit(f"{command[1]} failed with exit code {code}")
    return time.perf_counter() - started


def _records(out: Path) -> int:
    with (out / "info.json").open() as handle:
        info = json.load(handle)
    return sum(int(a["records"]) for a in info["artifacts"])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--backup", type=Path, default=WORK / "backup-large")
    parser.add_argument("--out", type=Path, default=WORK / "report-out")
    args = parser.parse_args(argv)
    if not (args.backup / "Manifest.db").exists():
        subprocess.run([sys.executable, "-m", "bench.make_large_backup", "--out",
                        str(args.backup)], check=True, cwd=ROOT)
    if args.out.exists():
        subprocess.run(["rm", "-rf", str(args.out)], check=True)
    check_seconds = _timed([str(PERITO), "ios", "check-backup", str(args.backup), "-i",
                            str(PEGASUS), "-o", str(args.out), "--lang", "en"])
    report = args.out / "report.html"
    builds: list[float] = []
    opens: list[dict[str, Any]] = []
    with chromium() as browser:
        for _run in range(args.runs):
            builds.append(_timed([str(PERITO), "report", str(args.out), "--lang", "en"]))
            with open_page(browser, report) as visit:
                table_ready(visit.page)
                timing = visit.page.evaluate(TIMINGS)
                timing["console_errors"] = len(visit.console_errors)
                timing["requests"] = len(visit.requests)
                opens.append(timing)
    result = {
        "records": _records(args.out),
        "timeline_events": sum(1 for _line in (args.out / "timeline.jsonl").open("rb")),
        "report_bytes": report.stat().st_size,
        "check_seconds_with_report": round(check_seconds, 2),
        "report_build_seconds": [round(s, 2) for s in builds],
        "report_build_median": round(statistics.median(builds), 2),
        "open": opens,
        "load_ms_median": round(statistics.median(o["load_ms"] for o in opens)),
        "table_ms_median": round(statistics.median(o["table_ms"] for o in opens)),
        "fcp_ms_median": round(statistics.median(o["fcp_ms"] or 0 for o in opens)),
        "browser": str(CHROMIUM), "cpus": os.cpu_count(), "load_average": os.getloadavg(),
        "python": platform.python_version(),
    }
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "report-bench.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
