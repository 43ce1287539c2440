"""How long perito takes to start: `perito --version`, and a check up to its first artifact.

The second figure is the time from launching the process to the first `files_of` call of the
scan (the start of the first artifact's extraction; in a forked worker with `-j` > 1): wall
time, and the CPU time of the process by then (steadier on a shared machine); and the modules
imported by then. Nothing in the scan is changed.

perito's own modules are compiled on every run when PYTHONDONTWRITEBYTECODE is set (as in this
project's shells) and `src/` has no `__pycache__`: run with `env -u PYTHONDONTWRITEBYTECODE
PYTHONPYCACHEPREFIX=/tmp/perito-pyc` to measure an installed perito (cached bytecode).

Usage: .venv/bin/python -m bench.startup_time [--runs 5] [--modules FILE] [-- CHECK ARGS…]
(default check: `ios check-backup samples/ios-backup -i samples/iocs -j 1`)
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CHECK = ["ios", "check-backup", "samples/ios-backup", "-i", "samples/iocs", "-j", "1"]

# Runs in the child: note the time and the loaded modules at the first `files_of`, then check.
_CHILD = """
import os, sys, time
import perito.pipeline as pipeline
from perito.cli import main
mark, modules = sys.argv[1], sys.argv[2]
original = pipeline.files_of
def files_of(source, artifact):
    pipeline.files_of = original
    now, cpu = time.time(), time.process_time()
    if not os.path.exists(mark):
        with open(modules, "w") as handle:
            handle.write("\\n".join(sorted(sys.modules)))
        with open(mark, "w") as handle:
            handle.write(f"{now!r} {cpu!r}")
    return original(source, artifact)
pipeline.files_of = files_of
sys.exit(main(sys.argv[3:]))
"""


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _version_seconds() -> tuple[float, float]:
    """(wall, CPU) seconds of `perito --version`."""
    started, cpu = time.time(), _children_cpu()
    subprocess.run([sys.executable, "-m", "perito", "--version"], check=True,
                   capture_output=True, cwd=ROOT)
    return time.time() - started, _children_cpu() - cpu


def _check_seconds(check: list[str], modules: Path) -> tuple[float, float, float]:
    """(wall seconds to the first artifact, its process's CPU seconds by then, wall seconds
    in all)."""
    with tempfile.TemporaryDirectory(prefix="perito-startup-") as work:
        mark = Path(work) / "first"
        command = [sys.executable, "-c", _CHILD, str(mark), str(modules), *check,
                   "-o", str(Path(work) / "out")]
        started = time.time()
        subprocess.run(command, capture_output=True, cwd=ROOT, check=False,
                       env={**os.environ, "PERITO_LANG": "en"})
        finished = time.time()
        wall, cpu = (float(value) for value in mark.read_text().split())
        return wall - started, cpu, finished - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--modules", type=Path, default=Path("/tmp/perito-startup-modules.txt"),
                        help="where to write the modules loaded at the first artifact")
    parser.add_argument("check", nargs="*", default=DEFAULT_CHECK)
    args = parser.parse_args()
    versions = [_version_seconds() for _ in range(args.runs)]
    checks = [_check_seconds(args.check, args.modules) for _ in range(args.runs)]
    loaded = args.modules.read_text().split()
    print(f"perito --version: {_figures([v[0] for v in versions])} wall, "
          f"{_figures([v[1] for v in versions])} CPU")
    print(f"to the first artifact: {_figures([c[0] for c in checks])} wall, "
          f"{_figures([c[1] for c in checks])} CPU; whole check median "
          f"{statistics.median(c[2] for c in checks):.3f} s wall")
    print(f"modules loaded at the first artifact: {len(loaded)} "
          f"({sum(m.startswith('perito.') for m in loaded)} of perito; list in {args.modules})")


def _figures(values: list[float]) -> str:
    return f"median {statistics.median(values):.3f} s (min {min(values):.3f})"


if __name__ == "__main__":
    main()
