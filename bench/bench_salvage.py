"""What reading a damaged database costs: the large backup's sms.db, intact and with one bad page.

Both backups hold only sms.db (30,000 messages, 22.6 MiB, from `bench/make_large_backup.py`);
the damaged one has one leaf page of `message` overwritten (`tests/builders/sqlite_damage.py`),
so perito meets the damage half-way, salvages a private copy and reads it again. Each run is
`perito ios check-backup -m ios.sms.messages -j 1` into a fresh folder; wall time, CPU time
(user + system) and peak RSS come from `/usr/bin/time -v`.

Usage (after `.venv/bin/python -m bench.make_large_backup`):
    .venv/bin/python -m bench.bench_salvage [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from bench.bench_check_backup import _CPU, _RSS, PERITO, TIME, WORK
from tests.builders.ios_backup import BackupBuilder, file_id
from tests.builders.sqlite_damage import damage_leaf_page, rows_on_page

SMS = ("HomeDomain", "Library/SMS/sms.db")


def backups(source: Path) -> dict[str, Path]:
    fid = file_id(*SMS)
    data = (source / fid[:2] / fid).read_bytes()
    damaged, page = damage_leaf_page(data, "message")
    print(f"sms.db {len(data) / 2**20:.1f} MiB; page {page} damaged "
          f"({rows_on_page(data, 'message', page)} messages on it)", file=sys.stderr)
    found = {}
    for name, content in (("intact", data), ("damaged", damaged)):
        folder = WORK / f"salvage-{name}"
        if folder.exists():
            shutil.rmtree(folder)
        builder = BackupBuilder()
        builder.add_file(*SMS, content)
        found[name] = builder.write(folder)
    return found


def run(backup: Path, out: Path) -> tuple[float, float, float, int]:
    if out.exists():
        shutil.rmtree(out)
    argv = [str(TIME), "-v", str(PERITO), "ios", "check-backup", str(backup),
            "-m", "ios.sms.messages", "-j", "1", "-o", str(out)]
    load = os.getloadavg()[0]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 3):
        sys.exit(f"perito failed ({done.returncode}): {done.stderr[-400:]}")
    clock = next(line.rsplit(" ", 1)[1] for line in done.stderr.splitlines()
                 if "Elapsed (wall clock)" in line)  # h:mm:ss or m:ss.cc
    wall = sum(float(part) * 60 ** i for i, part in enumerate(reversed(clock.split(":"))))
    cpu = sum(float(v) for v in _CPU.findall(done.stderr))
    rss = int(matched.group(1)) if (matched := _RSS.search(done.stderr)) else 0
    lines = sum(1 for _ in (out / "records" / "ios.sms.messages.jsonl").open())
    print(f"  {backup.name}: {wall:.2f} s wall, {cpu:.2f} s CPU, {rss / 1024:.0f} MB, "
          f"{lines} messages, load before {load:.1f}", file=sys.stderr)
    return wall, cpu, rss / 1024, lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--source", type=Path, default=WORK / "backup-large")
    args = parser.parse_args()
    if not (args.source / "Manifest.db").exists():
        sys.exit(f"{args.source}: run .venv/bin/python -m bench.make_large_backup first")
    found = backups(args.source)
    results: dict[str, list[tuple[float, float, float, int]]] = {n: [] for n in found}
    for _ in range(args.runs):
        for name, backup in found.items():
            results[name].append(run(backup, WORK / f"salvage-out-{name}"))
    print(f"{'backup':<8} {'wall s':>7} {'CPU s':>6} {'RSS MB':>7} {'messages':>9}  (medians)")
    for name, rows in results.items():
        wall, cpu, rss = (statistics.median(r[i] for r in rows) for i in range(3))
        print(f"{name:<8} {wall:>7.2f} {cpu:>6.2f} {rss:>7.0f} {rows[0][3]:>9}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
