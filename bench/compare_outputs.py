"""Compare two perito output folders file by file, ignoring what changes between runs.

Every file must be byte-identical except `info.json`, compared as JSON without its run times
(`started`, `finished`, `timings`, each artifact's `seconds`) and the command line (which names
the output folder and options such as `-j`); the report pages, compared with those values and
the info.json digest they show masked; and `command.log`, which holds times and paths and is
left out. Exit status 0 when the folders match, 1 otherwise (each difference is printed).

Usage: .venv/bin/python -m bench.compare_outputs OLD_DIR NEW_DIR
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

SKIPPED = frozenset({"command.log"})
RUN_KEYS = ("started", "finished", "timings", "command")


def comparable_info(path: Path) -> Any:
    """info.json without run times and the command line."""
    data = json.loads(path.read_text(encoding="utf-8"))
    for key in RUN_KEYS:
        data.pop(key, None)
    for artifact in data.get("artifacts", []):
        artifact.pop("seconds", None)
    return data


def run_values(folder: Path) -> list[bytes]:
    """What a report shows of one run: its times, command line and info.json digest."""
    raw = (folder / "info.json").read_bytes()
    info = json.loads(raw)
    values = [hashlib.sha256(raw).hexdigest(), " ".join(map(str, info.get("command") or []))]
    for key in ("started", "finished"):
        moment = str(info.get(key) or "")
        values += [moment, f"{moment[:10]} {moment[11:19]} UTC"]
    return [value.encode() for value in values if value]


def masked(data: bytes, values: list[bytes]) -> bytes:
    for value in sorted(values, key=len, reverse=True):
        data = data.replace(value, b"<run>")
    return data


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")
            if p.is_file() and p.name not in SKIPPED}


def _first_difference(old: bytes, new: bytes) -> str:
    for number, (a, b) in enumerate(zip(old.splitlines(), new.splitlines(), strict=False), 1):
        if a != b:
            return f"line {number}:\n  - {a[:300]!r}\n  + {b[:300]!r}"
    return f"lengths differ ({len(old)} and {len(new)} bytes)"


def differences(old: Path, new: Path) -> list[str]:
    """One line (or a few) per difference between two output folders."""
    found: list[str] = []
    old_files, new_files = _files(old), _files(new)
    found.extend(f"only in {old}: {name}" for name in sorted(old_files - new_files))
    found.extend(f"only in {new}: {name}" for name in sorted(new_files - old_files))
    for name in sorted(old_files & new_files):
        if name == "info.json":
            if comparable_info(old / name) != comparable_info(new / name):
                found.append("info.json differs (apart from run times)")
            continue
        a, b = (old / name).read_bytes(), (new / name).read_bytes()
        if name.endswith(".html") and (old / "info.json").is_file() \
                and (new / "info.json").is_file():
            a, b = masked(a, run_values(old)), masked(b, run_values(new))
        if a != b:
            found.append(f"{name} differs at {_first_difference(a, b)}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    args = parser.parse_args(argv)
    found = differences(args.old, args.new)
    for line in found:
        print(line)
    if not found:
        print(f"identical: {len(_files(args.old))} files (info.json without run times)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
