"""How `perito ios check-fs` scales with the number of files in a dump.

Writes (once, cached under `bench/.work/`) tar.gz dumps of N and 4·N entries: folders of
small files shaped like a device (app containers named by UUID, caches, the OS image), with
a DataUsage.sqlite of 5,000 processes without bundle ids, so that the missing-binary check
looks up every one of them in the listing. The time per entry should stay flat from N to 4·N
(no quadratic work), and the peak memory is reported for the whole process tree.

Usage (from the project root):
    .venv/bin/python -m bench.bench_fs_dump [--entries 100000] [--runs 2] [--perito-ref HEAD]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import random
import statistics
import sys
import tarfile
import tempfile
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
from tests.builders.ios.datausage import Process, datausage_db
from tests.builders.ios_backup import build_sqlite

PROCESSES = 5_000


def _file(archive: tarfile.TarFile, name: str, data: bytes, mtime: int) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), mtime, 0o644
    archive.addfile(info, io.BytesIO(data))


def _folder(archive: tarfile.TarFile, name: str, mtime: int) -> None:
    info = tarfile.TarInfo(name)
    info.type, info.mtime, info.mode = tarfile.DIRTYPE, mtime, 0o755
    archive.addfile(info)


def build(path: Path, entries: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    names = [f"proc{n:05d}d" for n in range(PROCESSES)]
    processes = [Process(n + 1, name, None, 7e8, 7e8 + n) for n, name in enumerate(names)]
    datausage, _wal = build_sqlite(datausage_db(processes, []))
    written = 0
    with tarfile.open(path, "w:gz", compresslevel=1) as archive:
        _folder(archive, "private", 1_700_000_000)
        _file(archive, "private/var/wireless/Library/Databases/DataUsage.sqlite", datausage,
              1_700_000_000)
        for name in names[: PROCESSES // 2]:  # half the processes have a binary
            _file(archive, f"usr/libexec/{name}", b"\xcf\xfa\xed\xfe", 1_700_000_000)
        written += PROCESSES // 2 + 2
        while written < entries:
            uuid = f"{rng.getrandbits(128):032X}"
            container = f"private/var/mobile/Containers/Data/Application/{uuid}"
            _folder(archive, container, 1_700_000_000)
            for n in range(min(200, entries - written - 1)):
                _file(archive, f"{container}/Library/Caches/file{n}.dat",
                      rng.randbytes(rng.randint(0, 64)), 1_700_000_000 + n)
            written += 201
    return {"entries": written, "archive_bytes": path.stat().st_size, "processes": PROCESSES}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=20240502)
    parser.add_argument("--perito-ref", default=None)
    args = parser.parse_args(argv)
    WORK.mkdir(parents=True, exist_ok=True)
    src = perito_snapshot(args.perito_ref) if args.perito_ref else None
    env = perito_environment(src)
    isolation = network_isolation()
    logs = Path(tempfile.mkdtemp(prefix="bench-fs-", dir=WORK))
    results: dict[str, Any] = {}
    for entries in (args.entries, 4 * args.entries):
        dump = WORK / f"fs-dump-{entries}.tar.gz"
        composition_file = dump.with_suffix(".composition.json")
        if not dump.exists() or not composition_file.exists():
            print(f"writing {dump} …", flush=True)
            composition_file.write_text(json.dumps(build(dump, entries, args.seed)))
        composition = json.loads(composition_file.read_text())
        runs = []
        for repetition in range(args.runs):
            out = WORK / f"out-fs-{entries}"
            command = [str(PERITO), "ios", "check-fs", str(dump), "-i", str(PEGASUS), "-o",
                       str(out)]
            run = run_once(f"perito-{entries}", repetition, command, env, isolation, out, logs)
            runs.append(vars(run))
            print(f"{entries} entries #{repetition}: {run.seconds:.1f} s, peak PSS "
                  f"{run.peak_pss_mb:.0f} MB", flush=True)
        seconds = statistics.median(r["seconds"] for r in runs)
        results[str(entries)] = {
            "composition": composition, "seconds": seconds,
            "microseconds_per_entry": seconds / composition["entries"] * 1e6,
            "peak_pss_mb": max(r["peak_pss_mb"] for r in runs), "runs": runs}
    summary = {"date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
               "machine": machine(), "results": results}
    (WORK / "bench-fs-dump.json").write_text(json.dumps(summary, indent=1))
    print(json.dumps({k: {x: v[x] for x in ("seconds", "microseconds_per_entry",
                                             "peak_pss_mb")} for k, v in results.items()},
                     indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
