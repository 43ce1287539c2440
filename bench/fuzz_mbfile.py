"""Damage MBFile blobs at random and check that the compiled reader only ever steps aside or
agrees with the Python reader (`perito.sources._fastmbfile` against `perito.sources.mbfile`).

Run it on a build of the extension with AddressSanitizer to find memory errors too (see
docs/benchmarks.md, "Checking the C extensions"). Usage (from the project root):
    .venv/bin/python -m bench.fuzz_mbfile [--manifest bench/.work/backup-large/Manifest.db]
        [--seconds 60] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from tests.builders.ios_backup import mbfile_blob

from perito.sources import _fastmbfile
from perito.sources.mbfile import _decode

ROOT = Path(__file__).resolve().parent.parent


def seeds(manifest: Path) -> list[bytes]:
    found: list[bytes] = []
    if manifest.is_file():
        db = sqlite3.connect(f"file:{manifest}?mode=ro&immutable=1", uri=True)
        found = [row[0] for row in db.execute("SELECT file FROM Files LIMIT 3000") if row[0]]
        db.close()
    found += [mbfile_blob("dé/ü" * k, size=k, mode=0o100644, birth=1, modified=2,
                          status_changed=3, inode=k, target="t" * k) for k in range(40)]
    return found


def damaged(rng: random.Random, blob: bytes) -> bytes:
    out = bytearray(blob)
    for _ in range(rng.randint(1, 8)):
        pick = rng.random()
        if pick < 0.6 and out:
            out[rng.randrange(len(out))] = rng.randrange(256)
        elif pick < 0.75 and out:
            del out[rng.randrange(len(out)):][:rng.randint(1, 20)]
        elif pick < 0.9:
            out[rng.randrange(len(out) + 1):0] = rng.randbytes(rng.randint(1, 8))
        else:  # the trailer: sizes and offsets
            at = len(out) - 32 + rng.randrange(32)
            if 0 <= at < len(out):
                out[at] = rng.choice([0, 1, 2, 4, 8, 255, rng.randrange(256)])
    return bytes(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--manifest", type=Path,
                        default=ROOT / "bench" / ".work" / "backup-large" / "Manifest.db")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    pool, rng = seeds(args.manifest), random.Random(args.seed)
    deadline, tried, read = time.monotonic() + args.seconds, 0, 0
    while time.monotonic() < deadline:
        blob = damaged(rng, rng.choice(pool))
        got = _fastmbfile.decode(blob)
        tried += 1
        if got is None:
            continue
        read += 1
        try:
            expected: object = _decode(blob)
        except Exception as error:  # noqa: BLE001  (the Python reader's refusal)
            expected = error
        if got != expected:
            print(f"disagreement on {blob.hex()}: {got!r} != {expected!r}")
            return 1
    print(f"{tried} damaged blobs, {read} read by the compiled reader, all as the Python one")
    return 0


if __name__ == "__main__":
    sys.exit(main())
