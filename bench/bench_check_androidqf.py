"""Time `perito android check-androidqf` against `mvt-android check-androidqf` on one acquisition.

The acquisition is bench/make_large_androidqf.py's. perito reads the zip without a top-level
folder (the current androidqf layout); MVT gets the extracted folder, because its androidqf
modules find nothing in such a zip (they need a directory component). Both run offline as in
bench_check_backup.py (new network namespace, MVT with an empty private data folder), with
the same indicator files: Echap's stalkerware set (as STIX, from ../shared/iocs/echap/ioc.yaml)
and Amnesty's 2023 Android campaign. Wall time around the process, CPU and peak RSS from
`/usr/bin/time -v`, peak PSS of the process tree sampled every 0.1 s. Detections are compared
by level and as (module, indicator value) pairs.

Usage (from the project root, after `bash bench/setup_mvt.sh` and
`.venv/bin/python -m bench.make_large_androidqf`):
    .venv/bin/python -m bench.bench_check_androidqf [--runs 3] [--tools perito,perito-j1,mvt]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from bench.bench_check_backup import (
    MVT_VENV,
    PERITO,
    WORK,
    detections,
    machine,
    mvt_environment,
    network_isolation,
    perito_environment,
    run_once,
)
from bench.make_large_androidqf import DEFAULT_OUT
from tests.builders.echap import echap_bundle

MVT_ANDROID = MVT_VENV / "bin" / "mvt-android"
CAMPAIGN = Path("/work/shared/iocs/amnesty/android-campaign-2023.stix2")


def commands(tool: str, acquisition: Path, iocs: Sequence[Path], out: Path) -> list[str]:
    if tool.startswith("perito"):
        ioc_args = [a for path in iocs for a in ("-i", str(path))]
        jobs = ["-j", tool.removeprefix("perito-j")] if tool.startswith("perito-j") else []
        return [str(PERITO), "android", "check-androidqf", str(acquisition / "6b0d1c9e.zip"),
                *ioc_args, "-o", str(out), *jobs]
    ioc_args = [a for path in iocs for a in ("--iocs", str(path))]
    target = acquisition / "6b0d1c9e.zip" if tool == "mvt-zip" else (
        acquisition / "folder" / "6b0d1c9e")
    return [str(MVT_ANDROID), "--disable-update-check", "--disable-indicator-update-check",
            "check-androidqf", *ioc_args, "--output", str(out), str(target)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tools", default="perito,perito-j1,mvt,mvt-zip")
    parser.add_argument("--acquisition", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if not (args.acquisition / "6b0d1c9e.zip").is_file():
        sys.exit("run `.venv/bin/python -m bench.make_large_androidqf` first")
    WORK.mkdir(parents=True, exist_ok=True)
    iocs = [echap_bundle(WORK / "echap.stix2"), CAMPAIGN]
    isolation = network_isolation()
    logs = WORK / "logs-android"
    logs.mkdir(parents=True, exist_ok=True)
    tools = [t for t in args.tools.split(",") if t]
    results: dict[str, object] = {"machine": machine(), "runs": [], "detections": {}}
    runs: list[dict[str, object]] = []
    for repetition in range(args.runs):
        for tool in tools:
            if tool.startswith("mvt") and not MVT_ANDROID.exists():
                continue
            out = WORK / f"out-android-{tool}"
            env = mvt_environment(WORK / "mvt-home") if tool.startswith("mvt") else (
                perito_environment())
            run = run_once(tool, repetition, commands(tool, args.acquisition, iocs, out), env,
                           isolation, out, logs)
            runs.append(asdict(run))
            found = detections(out)
            results["detections"][tool] = {  # type: ignore[index]
                "levels": dict(found.levels), "indicator_pairs": len(found.pairs),
                "indicator_values": sorted({value for _m, value in found.pairs})}
            print(f"{tool} #{repetition}: {run.seconds:.1f} s wall, {run.cpu_seconds} s CPU, "
                  f"{run.peak_rss_mb} MB RSS, {run.peak_pss_mb:.0f} MB PSS, "
                  f"levels {dict(found.levels)}, load {run.load_before:.1f}", flush=True)
    results["runs"] = runs
    summary = {}
    for tool in tools:
        mine = [r for r in runs if r["tool"] == tool]
        if mine:
            summary[tool] = {
                "wall_median_s": statistics.median(float(str(r["seconds"])) for r in mine),
                "cpu_median_s": statistics.median(float(str(r["cpu_seconds"] or 0))
                                                  for r in mine),
                "peak_rss_mb": max(float(str(r["peak_rss_mb"] or 0)) for r in mine)}
    results["summary"] = summary
    target = WORK / "bench_check_androidqf.json"
    target.write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    print(json.dumps(summary, indent=1))
    print(f"results in {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
