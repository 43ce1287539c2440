"""Time `perito android check-backup` and MVT's `mvt-android check-backup` on one large `.ab`.

The backup is written with the test fixture builders (`tests/builders/android/`, checked in
the tests against an independent implementation, hoardy-adb): `--sms` SMS in files of 1000 (as
`TelephonyBackupAgent` writes them), `--mms` MMS, and `--app-mb` MiB of app data in
`apps/<package>/{f,db,a}/` members (half random bytes, half text), version 5, compressed and
AES-256 encrypted with Android's 10,000 PBKDF2 rounds. A few SMS carry links to domains of
`amnesty/pegasus.stix2`; every other generated host is checked against all shared STIX files.

Each repetition runs both tools offline (network namespace, MVT with an empty private data
folder) through `/usr/bin/time`, with the password given to each (perito:
`PERITO_ANDROID_BACKUP_PASSWORD`; MVT: `-p`), and compares their SMS indicator detections.

Usage (from the project root, after `bash bench/setup_mvt.sh`):
    .venv/bin/python -m bench.bench_android_backup [--runs 3] [--sms 100000] [--app-mb 512]
        [--perito-ref HEAD] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

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
from tests.builders.android import ab
from tests.builders.android import telephony as tel

MVT_ANDROID = ROOT / "bench" / ".mvt-venv" / "bin" / "mvt-android"
PASSWORD = "correct horse battery staple"
T0_MS = 1_704_067_200_000  # 2024-01-01
TLDS = ("com", "net", "org", "io", "es", "mx", "co", "info")


def _pegasus_domains(count: int) -> list[str]:
    bundle = json.loads(PEGASUS.read_text(encoding="utf-8"))
    found = []
    for item in bundle.get("objects", []):
        pattern = str(item.get("pattern", "")).replace(" ", "")
        if pattern.startswith("[domain-name:value='") and pattern.count("'") == 2:
            found.append(pattern.split("'")[1])
    return found[:count]


def _indicator_values() -> set[str]:
    values: set[str] = set()
    for path in Path("/work/shared/iocs").rglob("*.stix2"):
        text = path.read_text(encoding="utf-8", errors="replace")
        for part in text.split("'")[1::2]:
            values.add(part.lower())
    return values


def build(path: Path, sms_count: int, mms_count: int, app_mb: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    known = _indicator_values()
    hosts = []
    while len(hosts) < 400:
        host = f"{rng.choice(('news', 'shop', 'mail', 'maps', 'bank', 'blog'))}" \
               f"{rng.randrange(10_000)}.example-{rng.randrange(100)}.{rng.choice(TLDS)}"
        if host not in known:
            hosts.append(host)
    planted = _pegasus_domains(5)
    members: list[ab.Member] = [ab.Member("apps/com.android.providers.telephony/_manifest",
                                          ab.manifest("com.android.providers.telephony"))]
    base = "apps/com.android.providers.telephony/d_f"
    for chunk, start in enumerate(range(0, sms_count, 1000)):
        batch = []
        for i in range(start, min(start + 1000, sms_count)):
            body = f"Message {i} about the meeting"
            if i % 4 == 0:
                body += f" https://{rng.choice(hosts)}/p/{rng.randrange(10**6)}"
            if planted and i % (sms_count // len(planted)) == 7:
                body += f" https://{planted[(i // (sms_count // len(planted))) % len(planted)]}/x"
            batch.append(tel.sms(f"+1555{rng.randrange(10**6):06d}", body, T0_MS + i * 60_000,
                                 kind=rng.choice((1, 1, 2))))
        members.append(ab.Member(f"{base}/{chunk:06d}_sms_backup", tel.backup_file(batch)))
    mms = [tel.mms(f"+1555{rng.randrange(10**6):06d}", ("+15550199",), f"MMS {i}",
                   T0_MS // 1000 + i * 3600) for i in range(mms_count)]
    members.append(ab.Member(f"{base}/000000_mms_backup", tel.backup_file(mms)))
    remaining = app_mb << 20
    number = 0
    while remaining > 0:
        size = min(remaining, rng.choice((64 << 10, 1 << 20, 8 << 20)))
        data = rng.randbytes(size) if number % 2 else \
            (b"lorem ipsum dolor sit amet %d\n" % number) * (size // 28 + 1)
        package = f"com.example.app{number % 40}"
        domain = ("f", "db", "a")[number % 3]
        members.append(ab.Member(f"apps/{package}/{domain}/file{number}", data[:size]))
        remaining -= size
        number += 1
    # Android's real rounds, so that key derivation is part of what is measured
    path.write_bytes(ab.ab_bytes(ab.tar_bytes(members), version=5, compressed=True,
                                 password=PASSWORD, rounds=10_000, seed=seed))
    return {"sms": sms_count, "mms": mms_count, "app_members": number, "app_mb": app_mb,
            "planted_domains": planted, "size_mb": round(path.stat().st_size / 2**20, 1)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sms", type=int, default=100_000)
    parser.add_argument("--mms", type=int, default=2_000)
    parser.add_argument("--app-mb", type=int, default=512)
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--perito-ref", default=None)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    if not MVT_ANDROID.exists():
        sys.exit("run `bash bench/setup_mvt.sh` first")
    work = WORK / "android-backup"
    work.mkdir(parents=True, exist_ok=True)
    backup = work / "large.ab"
    composition = build(backup, args.sms, args.mms, args.app_mb, args.seed)
    print("backup:", composition)
    src = perito_snapshot(args.perito_ref) if args.perito_ref else None
    isolation = network_isolation()
    logs = work / "logs"
    logs.mkdir(exist_ok=True)
    runs = []
    for repetition in range(args.runs):
        for tool in ("perito", "mvt") if repetition % 2 == 0 else ("mvt", "perito"):
            out = work / f"out-{tool}"
            if tool == "perito":
                env = perito_environment(src) | {"PERITO_ANDROID_BACKUP_PASSWORD": PASSWORD}
                command = [str(PERITO), "android", "check-backup", str(backup),
                           "-i", str(PEGASUS), "-o", str(out)]
            else:
                env = mvt_environment(work / "mvt-home")
                command = [str(MVT_ANDROID), "--disable-update-check",
                           "--disable-indicator-update-check", "check-backup", "-n",
                           "-p", PASSWORD, "--iocs", str(PEGASUS), "--output", str(out),
                           str(backup)]
            run = run_once(tool, repetition, command, env, isolation, out, logs)
            print(f"{tool:7} run {repetition}: {run.seconds:.1f} s, CPU {run.cpu_seconds} s, "
                  f"RSS {run.peak_rss_mb} MB, PSS {run.peak_pss_mb:.0f} MB, "
                  f"exit {run.exit_code}, load {run.load_before:.2f}")
            runs.append(run)
    found = {tool: detections(work / f"out-{tool}") for tool in ("perito", "mvt")}
    sms_pairs = {tool: sorted(v for (module, v) in d.pairs if module == "sms")
                 for tool, d in found.items()}
    summary: dict[str, Any] = {"machine": machine(), "backup": composition,
                               "load_average": os.getloadavg(), "tools": {},
                               "sms_indicator_values": sms_pairs}
    for tool in ("perito", "mvt"):
        mine = [r for r in runs if r.tool == tool]
        summary["tools"][tool] = {
            "median_seconds": round(median([r.seconds for r in mine]), 2),
            "median_cpu_seconds": round(median([r.cpu_seconds or 0 for r in mine]), 2),
            "peak_rss_mb": max((r.peak_rss_mb or 0) for r in mine),
            "peak_pss_mb": round(max(r.peak_pss_mb for r in mine)),
            "runs": [asdict(r) for r in mine]}
    (work / "results.json").write_text(json.dumps(summary, indent=2, default=str))
    print(json.dumps({k: v for k, v in summary.items() if k != "tools"}, indent=1, default=str))
    for tool, row in summary["tools"].items():
        print(tool, {k: v for k, v in row.items() if k != "runs"})
    if not args.keep:
        backup.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
