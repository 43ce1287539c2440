"""Time `perito android check-intrusion-logs` and MVT's `mvt-android check-intrusion-logs`.

The input is androidqf's `intrusion_logs/` folder as a week of Advanced Protection exports
would leave it, written with the fixture builders (`tests/builders/android/intrusion.py`):
`--days` daily `<Device>_<date>.zip` files, each holding that day's NDJSON and the previous
day's again (daily exports overlap), with `--events` events a day (70 % DNS lookups, 25 %
connections, 5 % security events) from 60 apps to generated hosts and addresses (checked
against every shared STIX file). One app resolves and connects to a Pegasus domain on the
last day.

Both tools run offline through `/usr/bin/time` (helpers of `bench/bench_check_backup.py`);
their indicator detections are compared.

Usage (from the project root, after `bash bench/setup_mvt.sh`):
    .venv/bin/python -m bench.bench_intrusion_logs [--runs 3] [--days 7] [--events 50000]
        [--perito-ref HEAD] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.bench_android_backup import _indicator_values, _pegasus_domains
from bench.bench_check_backup import (
    PEGASUS,
    PERITO,
    ROOT,
    WORK,
    detections,
    machine,
    median,
    mvt_environment,
    network_isolation,
    perito_environment,
    perito_snapshot,
    run_once,
)
from tests.builders.android import intrusion as il

MVT_ANDROID = ROOT / "bench" / ".mvt-venv" / "bin" / "mvt-android"
DAY_MS = 86_400_000


def _day(rng: random.Random, day: int, count: int, hosts: list[str],
         apps: list[str]) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    start = il.T0_MS + day * DAY_MS
    for n in range(count):
        ms = start + n * (DAY_MS // count)
        app = rng.choice(apps)
        ip = f"203.0.{rng.randrange(113, 114)}.{rng.randrange(1, 255)}"
        roll = rng.random()
        event_id = day * 10_000_000 + n
        if roll < 0.70:
            events.append(il.dns(event_id, ms, app, rng.choice(hosts), ip))
        elif roll < 0.95:
            events.append(il.connect(event_id, ms, app, ip, rng.choice((443, 80, 5228))))
        else:
            events.append(il.security(event_id, ms * 1_000_000, "app_process_start",
                                      process=app, uid=10_000 + apps.index(app), pid=n,
                                      seinfo="default:targetSdkVersion=35",
                                      sha256=f"{rng.getrandbits(256):064x}"))
    return events


def build(folder: Path, days: int, per_day: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    known = _indicator_values()
    hosts = [h for h in (f"api{rng.randrange(10**5)}.svc-{rng.randrange(500)}.example.net"
                         for _ in range(3000)) if h not in known]
    apps = [f"com.example.app{n}" for n in range(60)]
    planted = _pegasus_domains(1)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    previous = b""
    for day in range(days):
        events = _day(rng, day, per_day, hosts, apps)
        if day == days - 1 and planted:
            events.append(il.dns(999, il.T0_MS + day * DAY_MS + 5, "com.example.app7",
                                 planted[0], "198.51.100.23"))
        today = il.ndjson(events)
        (folder / f"Pixel 9_{20260101 + day}.zip").write_bytes(il.zip_of({
            f"Pixel 9_{20260101 + day}/intrusion_log_0.txt": previous + today}))
        previous = today
    size = sum(p.stat().st_size for p in folder.iterdir())
    return {"days": days, "events_per_day": per_day, "planted": planted,
            "zip_mb": round(size / 2**20, 1)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--perito-ref", default=None)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    if not MVT_ANDROID.exists():
        sys.exit("run `bash bench/setup_mvt.sh` first")
    work = WORK / "intrusion-logs"
    logs_in = work / "intrusion_logs"
    composition = build(logs_in, args.days, args.events, args.seed)
    print("input:", composition)
    src = perito_snapshot(args.perito_ref) if args.perito_ref else None
    isolation = network_isolation()
    logs = work / "logs"
    logs.mkdir(exist_ok=True)
    runs = []
    for repetition in range(args.runs):
        for tool in ("perito", "mvt") if repetition % 2 == 0 else ("mvt", "perito"):
            out = work / f"out-{tool}"
            if tool == "perito":
                env = perito_environment(src)
                command = [str(PERITO), "android", "check-intrusion-logs", str(logs_in),
                           "-i", str(PEGASUS), "-o", str(out)]
            else:
                env = mvt_environment(work / "mvt-home")
                command = [str(MVT_ANDROID), "--disable-update-check",
                           "--disable-indicator-update-check", "check-intrusion-logs",
                           "--iocs", str(PEGASUS), "--output", str(out), str(logs_in)]
            run = run_once(tool, repetition, command, env, isolation, out, logs)
            print(f"{tool:7} run {repetition}: {run.seconds:.1f} s, CPU {run.cpu_seconds} s, "
                  f"RSS {run.peak_rss_mb} MB, exit {run.exit_code}, "
                  f"load {run.load_before:.2f}")
            runs.append(run)
    found = {tool: detections(work / f"out-{tool}") for tool in ("perito", "mvt")}
    summary: dict[str, Any] = {
        "machine": machine(), "input": composition, "load_average": os.getloadavg(),
        "indicator_pairs": {tool: sorted(f"{m} {v}" for (m, v) in d.pairs)
                            for tool, d in found.items()},
        "tools": {}}
    for tool in ("perito", "mvt"):
        mine = [r for r in runs if r.tool == tool]
        summary["tools"][tool] = {
            "median_seconds": round(median([r.seconds for r in mine]), 2),
            "median_cpu_seconds": round(median([r.cpu_seconds or 0 for r in mine]), 2),
            "peak_rss_mb": max((r.peak_rss_mb or 0) for r in mine),
            "runs": [asdict(r) for r in mine]}
    (work / "results.json").write_text(json.dumps(summary, indent=2, default=str))
    print(json.dumps(summary["indicator_pairs"], indent=1))
    for tool, row in summary["tools"].items():
        print(tool, {k: v for k, v in row.items() if k != "runs"})
    if not args.keep:
        shutil.rmtree(logs_in)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
