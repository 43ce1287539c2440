"""Peak memory and time of `perito ios check-sysdiagnose` on a 1 GB sysdiagnose archive.

The archive is generated once (cached under `bench/.work/`) with the fixture builders' file
formats (`tests/builders/sysdiagnose.py`): the real layout, a shutdown.log with a few hundred
reboots, ps.txt and ps_thread.txt with 600 processes, 400 crash and jetsam reports, 3,000 text
logs, and a `system_logs.logarchive` of `.tracev3` and uuidtext stand-ins made of random bytes,
which give a real sysdiagnose its size and do not compress. One Pegasus process name is planted
in ps.txt, so the run ends with exit code 2. The target is a peak below 300 MB for the whole
process tree (summed PSS, workers included), which the run checks.

Usage (from the project root):
    .venv/bin/python -m bench.bench_sysdiagnose [--size-mb 1024] [--runs 3] [--perito-ref HEAD]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import statistics
import sys
import tarfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.bench_check_backup import (
    PEGASUS,
    PERITO,
    WORK,
    machine,
    network_isolation,
    perito_environment,
    perito_snapshot,
    run_once,
)
from tests.builders.sysdiagnose import (
    NAME,
    T0,
    Proc,
    Reboot,
    crash_ips,
    jetsam_ips,
    ps_thread_txt,
    ps_txt,
    shutdown_log,
)

TARGET_MB = 300
PLANTED_PROCESS = "/private/var/db/com.apple.xpc.roleaccountd.staging/fservernetd"


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(f"{NAME}/{name}")
    info.size, info.mtime, info.mode = len(data), T0, 0o644
    archive.addfile(info, io.BytesIO(data))


def build(path: Path, size_mb: int, seed: int) -> dict[str, Any]:
    """Write the archive; returns its composition."""
    rng = random.Random(seed)
    daemons = [f"/usr/libexec/{name}d" for name in (
        "location", "media", "backboard", "springboard", "wifi", "bluetooth", "apsd",
        "identityservices", "imagent", "nsurlsession", "cloud", "trust", "mds", "power")]
    processes = [Proc(1, "/sbin/launchd", ppid=0)] + [
        Proc(100 + i, rng.choice(daemons) + (f" -n{i}" if i % 3 else ""), threads=1 + i % 9)
        for i in range(598)] + [Proc(9000, PLANTED_PROCESS)]
    reboots = [Reboot(T0 - 86400 * (300 - n), [(200 + n, rng.choice(daemons))],
                      [(1.0 + n % 3, [200 + n])]) for n in range(300)]
    budget = size_mb << 20
    written = 0
    counts = {"tracev3": 0, "uuidtext": 0, "logs": 0, "ips": 0}
    with tarfile.open(path, "w:gz", compresslevel=1) as archive:
        _add(archive, "sysdiagnose.log", f"sysdiagnose {NAME}\n".encode())
        _add(archive, "ps.txt", ps_txt(processes).encode())
        _add(archive, "ps_thread.txt", ps_thread_txt(processes).encode())
        _add(archive, "system_logs.logarchive/Extra/shutdown.log",
             shutdown_log(reboots).encode())
        for n in range(400):
            text = (jetsam_ips([(d.rsplit("/", 1)[1], 100 + k, "") for k, d in
                                enumerate(daemons)]) if n % 4 == 0 else
                    crash_ips(f"app{n}", f"/private/var/containers/Bundle/Application/"
                              f"{n:08X}-0000-4000-8000-000000000000/App{n}.app/App{n}"))
            _add(archive, f"crashes_and_spins/report-{n}.ips", text.encode())
            counts["ips"] += 1
        for n in range(3000):
            line = f"{dt.datetime.fromtimestamp(T0 + n, dt.UTC).isoformat()} event {n}\n"
            _add(archive, f"logs/subsystem{n % 40}/log-{n}.txt", (line * 20).encode())
            counts["logs"] += 1
        while written < budget:
            if counts["uuidtext"] < 20_000:
                size = rng.randint(2_000, 20_000)
                name = (f"system_logs.logarchive/{rng.randrange(256):02X}/"
                        f"{rng.getrandbits(120):030X}")
                counts["uuidtext"] += 1
            else:
                size = 10 << 20
                name = f"system_logs.logarchive/Persist/{counts['tracev3']:016x}.tracev3"
                counts["tracev3"] += 1
            _add(archive, name, os.urandom(min(size, budget - written) or 1))
            written += size
    return {"archive_bytes": path.stat().st_size, "processes": len(processes),
            "reboots": len(reboots), **counts, "planted": PLANTED_PROCESS}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20240501)
    parser.add_argument("--jobs", default="default,1", help="perito -j values, 'default' = none")
    parser.add_argument("--perito-ref", default=None)
    args = parser.parse_args(argv)
    WORK.mkdir(parents=True, exist_ok=True)
    archive = WORK / f"{NAME}-{args.size_mb}mb.tar.gz"
    composition_file = archive.with_suffix(".composition.json")
    if not archive.exists() or not composition_file.exists():
        print(f"writing {archive} …", flush=True)
        composition_file.write_text(json.dumps(build(archive, args.size_mb, args.seed)))
    composition = json.loads(composition_file.read_text())
    src = perito_snapshot(args.perito_ref) if args.perito_ref else None
    env = perito_environment(src)
    isolation = network_isolation()
    logs = WORK / "logs-sysdiagnose"
    logs.mkdir(exist_ok=True)
    results: dict[str, list[dict[str, Any]]] = {}
    for jobs in args.jobs.split(","):
        tool = "perito" if jobs == "default" else f"perito-j{jobs}"
        argv_jobs = [] if jobs == "default" else ["-j", jobs]
        for repetition in range(args.runs):
            out = WORK / f"out-sysdiagnose-{tool}"
            command = [str(PERITO), "ios", "check-sysdiagnose", str(archive), "-i",
                       str(PEGASUS), "-o", str(out), *argv_jobs]
            run = run_once(tool, repetition, command, env, isolation, out, logs)
            if run.exit_code != 2:
                sys.exit(f"{tool}: the planted process was not found (exit {run.exit_code})")
            results.setdefault(tool, []).append(vars(run))
            print(f"{tool} #{repetition}: {run.seconds:.1f} s, peak PSS "
                  f"{run.peak_pss_mb:.0f} MB, max RSS {run.peak_rss_mb or 0:.0f} MB", flush=True)
    summary = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(), "composition": composition, "target_mb": TARGET_MB,
        "median": {tool: {"seconds": statistics.median(r["seconds"] for r in runs),
                          "peak_pss_mb": statistics.median(r["peak_pss_mb"] for r in runs),
                          "max_peak_pss_mb": max(r["peak_pss_mb"] for r in runs),
                          "peak_rss_mb": statistics.median(r["peak_rss_mb"] or 0
                                                           for r in runs)}
                   for tool, runs in results.items()},
        "runs": results,
    }
    (WORK / "bench-sysdiagnose.json").write_text(json.dumps(summary, indent=1))
    print(json.dumps(summary["median"], indent=1))
    worst = max(v["max_peak_pss_mb"] for v in summary["median"].values())
    if worst >= TARGET_MB:
        print(f"peak memory {worst:.0f} MB is above the {TARGET_MB} MB target")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
