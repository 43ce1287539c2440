"""Time `perito ios check-backup` against the incumbent `mvt-ios check-backup` on one backup.

Both tools get the same backup and the same indicator files, run offline: inside a new network
namespace (`unshare -n`, so nothing can reach the network) and, for MVT, with its settings
pointed at an empty private folder (no downloaded indicators, no update checks, no short-URL
expansion). Each repetition starts from an empty output folder. Wall time is measured around
the process; peak RSS comes from `/usr/bin/time -v`; the summed PSS of all processes from one
more run per tool, not timed (sampling it every 0.1 s costs the machine CPU and stalls the
measured processes, which would count against a tool that uses every core). Detections are
compared as sets of (module, matched indicator value) pairs read from each tool's alerts.json.

Usage (from the project root, after `bash bench/setup_mvt.sh` and
`.venv/bin/python -m bench.make_large_backup`):
    .venv/bin/python -m bench.bench_check_backup [--runs 3] [--all-iocs] [--backup DIR]
        [--tools perito,perito-j1,mvt] [--perito-ref HEAD]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
PERITO = ROOT / ".venv" / "bin" / "perito"
MVT_VENV = ROOT / "bench" / ".mvt-venv"
MVT = MVT_VENV / "bin" / "mvt-ios"
IOCS = Path("/work/shared/iocs")
PEGASUS = IOCS / "amnesty" / "pegasus.stix2"
TIME = Path("/usr/bin/time")


@dataclass
class Run:
    tool: str
    repetition: int
    seconds: float
    cpu_seconds: float | None  # user + system, from /usr/bin/time: less sensitive to load
    peak_rss_mb: float | None  # /usr/bin/time: the largest single process
    peak_pss_mb: float  # sampled every 0.1 s: all processes of the run together
    exit_code: int
    output: str
    load_before: float  # 1-minute load average: other work on the machine skews a run


@dataclass
class Detections:
    pairs: Counter[tuple[str, str]] = field(default_factory=Counter)  # indicator matches
    heuristics: Counter[tuple[str, str]] = field(default_factory=Counter)  # (module, level)
    levels: Counter[str] = field(default_factory=Counter)


# -- environment ----------------------------------------------------------------------------

def network_isolation() -> list[str]:
    """`unshare -n` (root) or `unshare -rn` (user namespaces), whichever works here."""
    for prefix in (["unshare", "-n"], ["unshare", "-rn"]):
        try:
            done = subprocess.run([*prefix, "true"], capture_output=True, check=False)
        except FileNotFoundError:
            return []
        if done.returncode == 0:
            return prefix
    return []


def mvt_environment(home: Path) -> dict[str, str]:
    """MVT offline, with an empty private data folder (no downloaded indicators)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("MVT_") and k != "PERITO_IOCS"}
    data = home / "data"
    if data.exists():
        shutil.rmtree(data)
    data.mkdir(parents=True)
    (home / "config").mkdir(parents=True, exist_ok=True)
    env |= {"MVT_CONFIG_FOLDER": str(home / "config"), "MVT_DATA_FOLDER": str(data),
            "MVT_NETWORK_ACCESS_ALLOWED": "false"}
    return env


def perito_environment(src: Path | None = None) -> dict[str, str]:
    """perito's environment; with `src`, that source tree is imported instead of the work
    tree's (the `perito` script of .venv imports `perito` through sys.path)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PERITO_IOCS", "PYTHONPATH")}
    # no installed indicator sets (`perito iocs update`): only the files the run names
    env["PERITO_DATA_DIR"] = str(ROOT / "bench" / ".work" / "perito-data")
    if src is not None:
        env["PYTHONPATH"] = str(src)
    return env


def assert_no_downloaded_indicators(home: Path) -> None:
    folder = home / "data" / "indicators"
    found = sorted(folder.glob("*.stix2")) if folder.is_dir() else []
    if found:
        sys.exit(f"MVT downloaded indicators are present in {folder}: {found}")


def perito_snapshot(ref: str) -> Path:
    """`src/` of a commit, exported under bench/.work/perito-<sha> (the tree may be mid-edit)."""
    sha = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", ref],
                         capture_output=True, text=True, check=True).stdout.strip()
    folder = WORK / f"perito-{sha}"
    if not (folder / "src" / "perito").is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", sha, "src"],
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    build_extensions(folder / "src")
    # Byte-compiled as pip compiles an installed package (and MVT's virtualenv): otherwise,
    # where PYTHONDONTWRITEBYTECODE is set, every timed run would compile ~150 modules.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(folder / "src")], check=True)
    return folder / "src"


# setup.py's optional extensions, built in place as `pip install -e .` builds them in src/.
_BUILD_EXTENSIONS = """
import sys
from setuptools import Distribution, Extension
from setuptools.command.build_ext import build_ext
src, temp, modules = sys.argv[1], sys.argv[2], sys.argv[3:]
extensions = [Extension(m, [src + "/" + m.replace(".", "/") + ".c"]) for m in modules]
dist = Distribution({"ext_modules": extensions, "package_dir": {"": src},
                     "script_args": ["-q"]})
command = build_ext(dist)
command.inplace, command.build_temp = True, temp
command.ensure_finalized()
command.run()
"""


def build_extensions(src: Path) -> None:
    """Compile a snapshot's C extensions (`perito/**/_fast*.c`: commits from
    `perito._fasttime` on have them), so that it runs as an installed perito does; a
    snapshot without them runs as it is."""
    modules = [".".join(c.relative_to(src).with_suffix("").parts)
               for c in sorted((src / "perito").rglob("_fast*.c"))
               if not any(c.parent.glob(f"{c.stem}*.so"))]
    if modules:
        subprocess.run([sys.executable, "-c", _BUILD_EXTENSIONS, str(src),
                        str(src.parent / "build"), *modules], check=True, capture_output=True)


def commands(tool: str, backup: Path, iocs: Sequence[Path], out: Path) -> list[str]:
    """`perito` (its default worker count), `perito-jN` (`-j N`) or `mvt`."""
    if tool.startswith("perito"):
        ioc_args = [a for path in iocs for a in ("-i", str(path))]
        jobs = ["-j", tool.removeprefix("perito-j")] if tool.startswith("perito-j") else []
        return [str(PERITO), "ios", "check-backup", str(backup), *ioc_args, "-o", str(out),
                *jobs]
    ioc_args = [a for path in iocs for a in ("--iocs", str(path))]
    return [str(MVT), "--disable-update-check", "--disable-indicator-update-check",
            "check-backup", *ioc_args, "--output", str(out), str(backup)]


# -- one run --------------------------------------------------------------------------------

def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            tasks = Path(f"/proc/{current}/task").iterdir()
            for task in tasks:
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreeMemory(threading.Thread):
    """Samples the summed PSS of a process and all its descendants (workers included)."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_kb = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            total = sum(_pss_kb(p) for p in _descendants(self.pid))
            self.peak_kb = max(self.peak_kb, total)
            self.done.wait(self.interval)


_RSS = re.compile(r"Maximum resident set size \(kbytes\): (\d+)")
_CPU = re.compile(r"(?:User|System) time \(seconds\): ([\d.]+)")


def run_once(tool: str, repetition: int, argv: list[str], env: dict[str, str],
             isolation: list[str], out: Path, logs: Path, *, sample: bool = False) -> Run:
    """One run; with `sample`, the summed PSS of the process tree is sampled every 0.1 s
    (which costs the machine CPU and stalls the measured processes' memory mappings, so
    timed runs are not sampled)."""
    if out.exists():
        shutil.rmtree(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    timed = [str(TIME), "-v", *isolation, *argv] if TIME.exists() else [*isolation, *argv]
    load = os.getloadavg()[0]
    stdout = logs / f"{tool}-{repetition}.stdout"
    stderr = logs / f"{tool}-{repetition}.stderr"
    with stdout.open("wb") as so, stderr.open("wb") as se:
        started = time.perf_counter()
        process = subprocess.Popen(timed, stdout=so, stderr=se, env=env, cwd=ROOT)
        sampler = TreeMemory(process.pid)
        if sample:
            sampler.start()
        returncode = process.wait()
        seconds = time.perf_counter() - started
        if sample:
            sampler.done.set()
            sampler.join()
    report = stderr.read_text(encoding="utf-8", errors="replace")
    matched = _RSS.search(report)
    rss = int(matched.group(1)) / 1024 if matched else None
    cpu_parts = _CPU.findall(report)
    cpu = sum(float(part) for part in cpu_parts) if cpu_parts else None
    ok = {0, 2} if tool.startswith("perito") else {0}
    if returncode not in ok:
        sys.exit(f"{tool} failed with exit code {returncode}; see {stderr}")
    return Run(tool, repetition, seconds, cpu, rss, sampler.peak_kb / 1024, returncode,
               str(out), load)


# -- detections -----------------------------------------------------------------------------

def read_alerts(out: Path) -> list[dict[str, Any]]:
    """alerts.json (both tools); MVT writes none when nothing matched."""
    path = out / "alerts.json"
    if not path.exists():
        return []
    alerts = json.loads(path.read_text(encoding="utf-8"))
    return alerts if isinstance(alerts, list) else []


def detections(out: Path) -> Detections:
    found = Detections()
    for alert in read_alerts(out):
        module = str(alert.get("module", ""))
        found.levels[str(alert.get("level"))] += 1
        indicator = alert.get("matched_indicator")
        if isinstance(indicator, dict) and indicator.get("value"):
            found.pairs[(module, str(indicator["value"]))] += 1
        elif isinstance(indicator, str) and indicator:
            found.pairs[(module, indicator)] += 1
        else:
            found.heuristics[(module, str(alert.get("level")))] += 1
    return found


def planted(backup: Path) -> list[dict[str, str]]:
    path = backup.parent / f"{backup.name}.composition.json"
    if not path.exists():
        return []
    return list(json.loads(path.read_text(encoding="utf-8")).get("planted", []))


def compare(mvt: Detections, perito: Detections, plants: list[dict[str, str]]
            ) -> dict[str, Any]:
    deliberate = {p["value"]: p["expected"] for p in plants if p["expected"] != "both"}
    mvt_only = sorted(set(mvt.pairs) - set(perito.pairs))
    perito_only = sorted(set(perito.pairs) - set(mvt.pairs))
    common = sorted(set(mvt.pairs) & set(perito.pairs))
    return {
        "common": [{"module": m, "value": v, "mvt_alerts": mvt.pairs[(m, v)],
                    "perito_alerts": perito.pairs[(m, v)]} for m, v in common],
        "missing_in_perito": [{"module": m, "value": v, "mvt_alerts": mvt.pairs[(m, v)]}
                              for m, v in mvt_only],
        "perito_only": [{"module": m, "value": v, "perito_alerts": perito.pairs[(m, v)],
                         "why": deliberate.get(v, "not planted: check")}
                        for m, v in perito_only],
        "expected_both_but_absent": [
            {**p, "absent_from": [name for name, found in (("mvt", mvt), ("perito", perito))
                                  if not any(v == p["value"] for _, v in found.pairs)]}
            for p in plants if p["expected"] == "both"
            and not all(any(v == p["value"] for _, v in found.pairs)
                        for found in (mvt, perito))],
        "heuristics": {"mvt": {f"{m}/{lv}": n for (m, lv), n in sorted(mvt.heuristics.items())},
                       "perito": {f"{m}/{lv}": n
                                  for (m, lv), n in sorted(perito.heuristics.items())}},
        "levels": {"mvt": dict(mvt.levels), "perito": dict(perito.levels)},
    }


# -- per-module times (from the last run's own logs) ----------------------------------------

_MVT_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) - [\w.]+ - \w+ - "
                       r"Running module (\w+)\.\.\.")


def mvt_module_seconds(out: Path) -> dict[str, float]:
    """Seconds between consecutive "Running module" lines of MVT's command.log."""
    log = out / "command.log"
    if not log.exists():
        return {}
    starts: list[tuple[dt.datetime, str]] = []
    last: dt.datetime | None = None
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        stamp = line[:23]
        try:
            last = dt.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f")
        except ValueError:
            continue
        matched = _MVT_LINE.match(line)
        if matched:
            starts.append((last, matched.group(2)))
    seconds: dict[str, float] = {}
    for (begin, name), (end, _) in zip(starts, [*starts[1:], (last, "")], strict=True):
        if end is not None:
            seconds[name] = round((end - begin).total_seconds(), 2)
    return {k: v for k, v in seconds.items() if v >= 0.05}


def perito_artifact_seconds(out: Path) -> dict[str, float]:
    info = out / "info.json"
    if not info.exists():
        return {}
    document = json.loads(info.read_text(encoding="utf-8"))
    return {a["id"]: a["seconds"] for a in document.get("artifacts", [])
            if a.get("seconds", 0) >= 0.05}


# -- facts about the machine and versions ---------------------------------------------------

def machine() -> dict[str, Any]:
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            mem_kb = int(line.split()[1])
    return {"cpu": cpu, "nproc": os.cpu_count(), "ram_gib": round(mem_kb / 1024 ** 2, 1),
            "kernel": platform.release(), "python": platform.python_version()}


def versions(ref: str | None) -> dict[str, str]:
    src = perito_snapshot(ref) if ref else None
    perito = subprocess.run([str(PERITO), "--version"], capture_output=True, text=True,
                            env=perito_environment(src), check=False).stdout.strip()
    mvt = subprocess.run([str(MVT_VENV / "bin" / "python"), "-c",
                          "from mvt.common.version import MVT_VERSION; print(MVT_VERSION)"],
                         capture_output=True, text=True, check=False).stdout.strip()
    mvt_python = subprocess.run([str(MVT_VENV / "bin" / "python"), "--version"],
                                capture_output=True, text=True, check=False).stdout.strip()
    describe = ["rev-parse", "--short", ref] if ref else ["describe", "--always", "--dirty"]
    commit = subprocess.run(["git", "-C", str(ROOT), *describe],
                            capture_output=True, text=True, check=False).stdout.strip()
    return {"perito": perito, "perito_commit": commit, "mvt": mvt, "mvt_python": mvt_python}


# -- main -----------------------------------------------------------------------------------

def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backup", type=Path, default=WORK / "backup-large")
    parser.add_argument("--iocs", type=Path, action="append", default=[],
                        help=f"indicator file (repeatable; default {PEGASUS})")
    parser.add_argument("--all-iocs", action="store_true",
                        help=f"every *.stix2 under {IOCS}")
    parser.add_argument("--runs", type=int, default=3, help="repetitions per tool")
    parser.add_argument("--tools", default="perito,mvt", help="comma-separated")
    parser.add_argument("--perito-ref", default=None, metavar="COMMIT",
                        help="run perito from this commit's src/ (e.g. HEAD) instead of the "
                        "work tree, which other developers may be editing")
    parser.add_argument("--results", type=Path, default=None,
                        help="JSON summary (default bench/.work/results-<backup>.json)")
    args = parser.parse_args(argv)

    backup: Path = args.backup.resolve()
    if not (backup / "Manifest.db").exists():
        sys.exit(f"{backup}: no backup (run: .venv/bin/python -m bench.make_large_backup)")
    iocs = [p.resolve() for p in args.iocs] or [PEGASUS]
    if args.all_iocs:
        iocs = sorted(IOCS.rglob("*.stix2"))
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    if "mvt" in tools and not MVT.exists():
        sys.exit(f"{MVT} missing: run bash bench/setup_mvt.sh")
    isolation = network_isolation()
    if not isolation:
        print("warning: unshare does not work here; relying on MVT's offline settings only",
              file=sys.stderr)
    label = backup.name + ("-all-iocs" if args.all_iocs else "")
    runs_dir = WORK / "runs" / label
    logs = runs_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    mvt_home = WORK / "mvt-home"
    src = perito_snapshot(args.perito_ref) if args.perito_ref else None
    envs = {t: mvt_environment(mvt_home) if t == "mvt" else perito_environment(src)
            for t in tools}

    runs: list[Run] = []
    for repetition in range(1, args.runs + 1):
        order = tools if repetition % 2 else list(reversed(tools))  # alternate who goes first
        for tool in order:
            if tool == "mvt":
                assert_no_downloaded_indicators(mvt_home)
            out = runs_dir / f"{tool}-{repetition}"
            argv_ = commands(tool, backup, iocs, out)
            run = run_once(tool, repetition, argv_, envs[tool], isolation, out, logs)
            runs.append(run)
            print(f"{tool} run {repetition}: {run.seconds:.2f} s (CPU {run.cpu_seconds} s), "
                  f"peak RSS {run.peak_rss_mb or float('nan'):.0f} MB, "
                  f"exit {run.exit_code}, "
                  f"load before {run.load_before:.2f}",
                  file=sys.stderr)

    sampled: dict[str, Run] = {}
    for tool in tools:  # one more run each, untimed, for the summed PSS of all processes
        out = runs_dir / f"{tool}-memory"
        sampled[tool] = run_once(tool, 0, commands(tool, backup, iocs, out), envs[tool],
                                 isolation, out, logs, sample=True)
        print(f"{tool} memory run: peak PSS {sampled[tool].peak_pss_mb:.0f} MB "
              f"({sampled[tool].seconds:.2f} s, not counted)", file=sys.stderr)

    last = {t: Path([r for r in runs if r.tool == t][-1].output) for t in tools}
    found = {t: detections(last[t]) for t in tools}
    summary: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(), "versions": versions(args.perito_ref), "backup": str(backup),
        "iocs": [str(p) for p in iocs], "isolation": " ".join(isolation) or "none",
        "perito_src": str(src) if src else "work tree",
        "commands": {t: " ".join([*isolation, *commands(t, backup, iocs, Path(f"OUT-{t}"))])
                     for t in tools},
        "runs": [asdict(r) for r in runs], "tools": {},
    }
    for tool in tools:
        times = [r.seconds for r in runs if r.tool == tool]
        rss = [r.peak_rss_mb for r in runs if r.tool == tool and r.peak_rss_mb is not None]
        cpu = [r.cpu_seconds for r in runs if r.tool == tool and r.cpu_seconds is not None]
        pss = [sampled[tool].peak_pss_mb]
        summary["tools"][tool] = {
            "median_s": round(median(times), 2), "min_s": round(min(times), 2),
            "max_s": round(max(times), 2), "median_cpu_s": round(median(cpu), 2) if cpu else None,
            "peak_rss_mb": round(max(rss), 0) if rss else None,
            "peak_pss_mb": round(max(pss), 0) if pss else None,
            "indicator_pairs": len(found[tool].pairs),
            "indicator_alerts": sum(found[tool].pairs.values()),
            "heuristic_alerts": sum(found[tool].heuristics.values()),
            "module_seconds": (mvt_module_seconds(last[tool]) if tool == "mvt"
                               else perito_artifact_seconds(last[tool])),
        }
    perito_tools = [t for t in tools if t.startswith("perito")]
    if "mvt" in tools and perito_tools:
        mvt_row = summary["tools"]["mvt"]
        summary["ratios"] = {}
        for tool in perito_tools:
            row = summary["tools"][tool]
            cpu_ratio = (round(mvt_row["median_cpu_s"] / row["median_cpu_s"], 2)
                         if mvt_row["median_cpu_s"] and row["median_cpu_s"] else None)
            summary["ratios"][tool] = {"wall": round(mvt_row["median_s"] / row["median_s"], 2),
                                       "cpu": cpu_ratio}
        summary["comparison"] = compare(found["mvt"], found[perito_tools[0]], planted(backup))
        summary["comparison"]["perito_tool"] = perito_tools[0]

    results = args.results or WORK / f"results-{label}.json"
    results.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n",
                       encoding="utf-8")
    print_report(summary)
    print(f"\nfull results: {results}")
    return 0


def print_report(summary: dict[str, Any]) -> None:
    print(f"\nbackup: {summary['backup']}\niocs: {', '.join(summary['iocs'])}")
    print(f"{'tool':<10} {'median s':>9} {'min s':>7} {'max s':>7} {'CPU s':>7} "
          f"{'RSS MB':>7} {'PSS MB':>7} {'ind. pairs':>10} {'ind. alerts':>11} "
          f"{'heur. alerts':>12}")
    for tool, row in summary["tools"].items():
        rss = f"{row['peak_rss_mb']:.0f}" if row["peak_rss_mb"] is not None else "-"
        pss = f"{row['peak_pss_mb']:.0f}" if row["peak_pss_mb"] is not None else "-"
        cpu = f"{row['median_cpu_s']:.1f}" if row["median_cpu_s"] is not None else "-"
        print(f"{tool:<10} {row['median_s']:>9.2f} {row['min_s']:>7.2f} {row['max_s']:>7.2f} "
              f"{cpu:>7} {rss:>7} {pss:>7} {row['indicator_pairs']:>10} "
              f"{row['indicator_alerts']:>11} {row['heuristic_alerts']:>12}")
    for tool, ratio in summary.get("ratios", {}).items():
        cpu = f"{ratio['cpu']:.1f}x" if ratio["cpu"] else "-"
        print(f"speed ratio MVT / {tool} (medians): {ratio['wall']:.1f}x wall time, "
              f"{cpu} CPU time")
    if "comparison" in summary:
        comparison = summary["comparison"]
        print("\ndetections (module, indicator value): MVT alerts / perito alerts")
        for row in comparison["common"]:
            print(f"  both    {row['module']:<16} {row['value']:<34} "
                  f"{row['mvt_alerts']:>3} / {row['perito_alerts']}")
        for row in comparison["missing_in_perito"]:
            print(f"  MISSING {row['module']:<16} {row['value']:<34} "
                  f"{row['mvt_alerts']:>3} / 0   <- MVT found it, perito did not")
        for row in comparison["perito_only"]:
            print(f"  perito  {row['module']:<16} {row['value']:<34}   0 / "
                  f"{row['perito_alerts']}   ({row['why']})")
        for plant in comparison["expected_both_but_absent"]:
            print(f"  ABSENT  {plant['where']:<16} {plant['value']:<34} (planted for both; "
                  f"not found by {', '.join(plant['absent_from'])})")
        print(f"heuristic alerts: MVT {comparison['heuristics']['mvt']}, "
              f"perito {comparison['heuristics']['perito']}")
    for tool, row in summary["tools"].items():
        slow = sorted(row["module_seconds"].items(), key=lambda kv: -kv[1])[:8]
        print(f"{tool} time by module (last run): "
              + ", ".join(f"{name} {sec:.1f}s" for name, sec in slow))


if __name__ == "__main__":
    raise SystemExit(main())
