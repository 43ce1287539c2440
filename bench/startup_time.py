"""How long perito takes to start: `perito --version`, and a check up to its first artifact.

The second figure is the wall time from launching the process to the first `files_of` call
of the scan (the start of the first artifact's extraction; in a forked worker with `-j` > 1),
and the modules imported by then. Nothing in the scan is changed.

Usage: .venv/bin/python -m bench.startup_time [--runs 5] [--modules FILE] [-- CHECK ARGS…]
(default check: `ios check-backup samples/ios-backup -i samples/iocs -j 1`)
"""

from __future__ import annotations

import argparse
import os
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
    now = time.time()
    if not os.path.exists(mark):
        with open(modules, "w") as handle:
            handle.write("\\n".join(sorted(sys.modules)))
        with open(mark, "w") as handle:
            handle.write(repr(now))
    return original(source, artifact)
pipeline.files_of = files_of
sys.exit(main(sys.argv[3:]))
"""


def _version_seconds() -> float:
    started = time.time()
    subprocess.run([sys.executable, "-m", "perito", "--version"], check=True,
                   capture_output=True, cwd=ROOT)
    return time.time() - started


def _check_seconds(check: list[str], modules: Path) -> tuple[float, float]:
    """(seconds to the first artifact, seconds in all)."""
    with tempfile.TemporaryDirectory(prefix="perito-startup-") as work:
        mark = Path(work) / "first"
        command = [sys.executable, "-c", _CHILD, str(mark), str(modules), *check,
                   "-o", str(Path(work) / "out")]
        started = time.time()
        subprocess.run(command, capture_output=True, cwd=ROOT, check=False,
                       env={**os.environ, "PERITO_LANG": "en"})
        finished = time.time()
        return float(mark.read_text()) - started, finished - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--modules", type=Path, default=Path("/tmp/perito-startup-modules.txt"),
                        help="where to write the modules loaded at the first artifact")
    parser.add_argument("check", nargs="*", default=DEFAULT_CHECK)
    args = parser.parse_args()
    versions = [_version_seconds() for _ in range(args.runs)]
    checks = [_check_seconds(args.check, args.modules) for _ in range(args.runs)]
    first = [c[0] for c in checks]
    loaded = args.modules.read_text().split()
    print(f"perito --version: median {statistics.median(versions):.3f} s "
          f"(min {min(versions):.3f})")
    print(f"to the first artifact: median {statistics.median(first):.3f} s "
          f"(min {min(first):.3f}); whole check median "
          f"{statistics.median(c[1] for c in checks):.3f} s")
    print(f"modules loaded at the first artifact: {len(loaded)} "
          f"({sum(m.startswith('perito.') for m in loaded)} of perito; list in {args.modules})")


if __name__ == "__main__":
    main()
