"""Compare what perito and MVT read and raise on backups that hold the whole iOS catalogue.

`bench/catalogue_backup.py` builds the backups (one per schema generation, with planted
Pegasus traces); both tools check each one offline, exactly as `bench/bench_check_backup.py`
runs them, against the same indicators. For each MVT module the script prints MVT's record
count (the length of its `<slug>.json` list; no file means no record) against perito's (the
lines of `records/<artifact id>.jsonl`, mapped by the artifact's `slug`), then the indicator
alerts (module, matched value) and heuristic alerts (module, level) of both tools.

Usage (from the project root, after `bash bench/setup_mvt.sh`):
    .venv/bin/python -m bench.compare_catalogue [--perito-ref HEAD] [--backups 0,1,2,3,4]
        [--json bench/.work/catalogue/comparison.json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.bench_check_backup import (
    MVT,
    PEGASUS,
    ROOT,
    WORK,
    assert_no_downloaded_indicators,
    commands,
    mvt_environment,
    network_isolation,
    perito_environment,
    perito_snapshot,
    read_alerts,
    versions,
)
from bench.catalogue_backup import BACKUPS, DEFAULT_OUT, IOCS, build_all
from tests.builders.ios.catalogue import PLANTED

from perito.artifacts.ios.catalogue import IOS_BACKUP

# MVT modules whose one result list perito splits into several artifacts (by their slugs).
SPLIT = {"whatsapp": ("whatsapp", "whatsapp_sessions", "whatsapp_lid")}
LEVELS = ("INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL")

# Where perito reads fewer records or raises fewer alerts on purpose (docs/differences.md).
DOCUMENTED = {
    "interaction_c": "one record per interaction; MVT has one row per attachment x recipient",
    "whatsapp": "one record per message; MVT has one row per message x media x data item",
    "datausage": "one record per run of missing process ids; MVT adds one placeholder per id",
    "configuration_profiles": "an unreadable profile is a warning; MVT keeps an empty record",
    "datausage|HIGH": "one finding per orphaned traffic row; MVT adds one per deleted process",
    "webkit_session_resource_log|HIGH": "MVT's second alert restating the chain of a match",
}


def artifact_slugs() -> dict[str, list[str]]:
    """MVT module slug → perito artifact ids (several artifacts may share a slug)."""
    slugs: dict[str, list[str]] = {}
    for artifact in IOS_BACKUP:
        slugs.setdefault(artifact.slug or artifact.id, []).append(artifact.id)
    for module, parts in SPLIT.items():
        slugs[module] = [i for part in parts for i in slugs.pop(part, [])]
    return slugs


def alert_summary(out: Path) -> tuple[dict[str, tuple[int, str]], dict[str, int]]:
    """{module|indicator value: (alerts, highest level)} and {module|level: alerts} of the
    alerts without an indicator (heuristics), from either tool's alerts.json."""
    matched: dict[str, tuple[int, str]] = {}
    heuristic: Counter[str] = Counter()
    for alert in read_alerts(out):
        module, level = str(alert.get("module", "")), str(alert.get("level", "")).upper()
        indicator = alert.get("matched_indicator")
        value = (indicator.get("value") if isinstance(indicator, dict) else indicator) or ""
        if not value:
            heuristic[f"{module}|{level}"] += 1
            continue
        key = f"{module}|{value}"
        count, highest = matched.get(key, (0, "INFORMATIONAL"))
        if LEVELS.index(level) > LEVELS.index(highest) if level in LEVELS else False:
            highest = level
        matched[key] = (count + 1, highest)
    return dict(sorted(matched.items())), dict(sorted(heuristic.items()))


def run(argv: list[str], env: dict[str, str], isolation: list[str], out: Path,
        log: Path) -> int:
    if out.exists():
        shutil.rmtree(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as handle:
        done = subprocess.run([*isolation, *argv], stdout=handle, stderr=subprocess.STDOUT,
                              env=env, cwd=ROOT, check=False)
    return done.returncode


def mvt_counts(out: Path) -> tuple[dict[str, int], dict[str, Counter[str]]]:
    """Records per MVT module (the length of each `<slug>.json`), and per `record_type`
    within the modules that mix several kinds of records in one list."""
    counts: dict[str, int] = {}
    types: dict[str, Counter[str]] = {}
    for path in sorted(out.glob("*.json")):
        name = path.stem
        if name.endswith("_detected") or name in ("alerts", "info", "urls"):
            continue  # urls.json: every URL MVT collected for expansion, not a module
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        if isinstance(value, dict) and value and all(isinstance(v, list)
                                                     for v in value.values()):
            counts[name] = sum(len(v) for v in value.values())  # {file: [records]}
        elif isinstance(value, list):
            counts[name] = len(value)
            kinds = Counter(str(v.get("record_type", "message")) for v in value
                            if isinstance(v, dict))
            if len(kinds) > 1:
                types[name] = kinds
        else:
            counts[name] = 1  # one record (backup_info: Info.plist's keys)
    return counts, types


def mvt_module_errors(out: Path) -> dict[str, str]:
    """Modules whose run MVT logged as failed (an exception or an error line)."""
    log = out / "command.log"
    errors: dict[str, str] = {}
    if not log.exists():
        return errors
    current = ""
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if "Running module" in line:
            current = line.rsplit("Running module", 1)[1].strip(" .")
        elif ((" - ERROR - " in line or " - CRITICAL - " in line) and current
              and any(word in line for word in ("rror", "xception", "nable to", "ailed"))):
            # MVT logs its alerts at ERROR/CRITICAL too: keep the lines about failures
            errors.setdefault(current, line.split(" - ", 3)[-1][:160])
    return errors


def perito_counts(out: Path) -> tuple[dict[str, int], dict[str, Counter[str]]]:
    """Records per artifact id, and per record type within each."""
    totals: dict[str, int] = {}
    types: dict[str, Counter[str]] = {}
    for path in sorted((out / "records").glob("*.jsonl")):
        kinds: Counter[str] = Counter()
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    kinds[json.loads(line).get("record_type", "?")] += 1
        totals[path.stem] = sum(kinds.values())
        types[path.stem] = kinds
    return totals, types


def perito_states(out: Path) -> dict[str, str]:
    info = json.loads((out / "info.json").read_text(encoding="utf-8"))
    return {a["id"]: a.get("state", "?") for a in info.get("artifacts", [])}


def compare_backup(name: str, mvt_out: Path, perito_out: Path) -> dict[str, Any]:
    slugs = artifact_slugs()
    m_counts, m_types = mvt_counts(mvt_out)
    p_totals, p_types = perito_counts(perito_out)
    states = perito_states(perito_out)
    errors = mvt_module_errors(mvt_out)
    rows = []
    for slug in sorted(set(slugs) | set(m_counts)):
        ids = slugs.get(slug, [])
        rows.append({
            "module": slug, "artifacts": ids, "mvt": m_counts.get(slug, 0),
            "mvt_types": dict(m_types.get(slug, {})),
            "perito": sum(p_totals.get(i, 0) for i in ids),
            "perito_types": dict(sum((p_types.get(i, Counter()) for i in ids), Counter())),
            "perito_state": ",".join(states.get(i, "-") for i in ids) or "-",
        })
    mvt_alerts, mvt_heuristics = alert_summary(mvt_out)
    perito_alerts, perito_heuristics = alert_summary(perito_out)
    return {
        "backup": name, "rows": rows, "mvt_errors": errors,
        "alerts": {"mvt": mvt_alerts, "perito": perito_alerts},
        "heuristics": {"mvt": mvt_heuristics, "perito": perito_heuristics},
    }


def print_backup(result: dict[str, Any]) -> None:
    print(f"\n== {result['backup']}")
    print(f"{'module':<34} {'MVT':>5} {'perito':>6}  perito state / record types")
    for row in result["rows"]:
        flag = "  <-- fewer" if row["perito"] < row["mvt"] else ""
        types = ", ".join(f"{k} {v}" for k, v in sorted(row["perito_types"].items()))
        if row["mvt_types"]:
            types += "; MVT: " + ", ".join(f"{k} {v}" for k, v in sorted(row["mvt_types"].items()))
        err = _mvt_error(row["module"], result["mvt_errors"])
        print(f"{row['module']:<34} {row['mvt']:>5} {row['perito']:>6}  "
              f"{row['perito_state']}{' (' + types + ')' if len(row['perito_types']) > 1 else ''}"
              f"{flag}{'  [MVT error: ' + err + ']' if err else ''}")
    mvt, perito = result["alerts"]["mvt"], result["alerts"]["perito"]
    print("indicator alerts: (module|value)  MVT count level / perito count level")
    for key in sorted(set(mvt) | set(perito)):
        (m_n, m_level), (p_n, p_level) = mvt.get(key, (0, "-")), perito.get(key, (0, "-"))
        mark = ("  <-- MISSING in perito" if p_n < m_n else
                "  <-- lower level in perito" if p_n and m_n and _rank(p_level) < _rank(m_level)
                else "")
        print(f"  {key:<58} {m_n:>3} {m_level:<8} / {p_n:>2} {p_level}{mark}")
    mvt_h, perito_h = result["heuristics"]["mvt"], result["heuristics"]["perito"]
    print("alerts without an indicator: (module|level)  MVT / perito")
    for key in sorted(set(mvt_h) | set(perito_h)):
        mark = "  <-- MISSING in perito" if perito_h.get(key, 0) < mvt_h.get(key, 0) else ""
        print(f"  {key:<58} {mvt_h.get(key, 0):>3} / {perito_h.get(key, 0)}{mark}")
    if result["mvt_errors"]:
        print("MVT module errors:")
        for module, line in sorted(result["mvt_errors"].items()):
            print(f"  {module}: {line}")


def _rank(level: str) -> int:
    return LEVELS.index(level) if level in LEVELS else -1


def _mvt_error(slug: str, errors: dict[str, str]) -> str:
    """The error MVT logged for the module of this slug (its class name, any case)."""
    wanted = slug.replace("_", "").lower()
    return next((line for name, line in errors.items() if name.lower() == wanted), "")


def markdown(summary: dict[str, Any]) -> str:
    """The comparison as Markdown tables, for docs/catalogue-comparison.md."""
    backups = summary["backups"]
    names = [b["backup"].removeprefix("backup-") for b in backups]
    rows = {row["module"]: {} for b in backups for row in b["rows"]}
    for b in backups:
        for row in b["rows"]:
            rows[row["module"]][b["backup"]] = row
    lines = ["| MVT module | " + " | ".join(names) + " | perito artifacts |",
             "|---|" + "---:|" * len(names) + "---|"]
    for module, by_backup in sorted(rows.items()):
        cells = []
        for b in backups:
            row = by_backup.get(b["backup"])
            if row is None or (row["mvt"] == 0 and row["perito"] == 0):
                cells.append("–")
                continue
            mark = " **<**" if row["perito"] < row["mvt"] else ""
            crashed = " (MVT error)" if _mvt_error(module, b["mvt_errors"]) else ""
            cells.append(f"{row['mvt']} / {row['perito']}{mark}{crashed}")
        ids = next(iter(by_backup.values()))["artifacts"]
        lines.append(f"| `{module}` | " + " | ".join(cells) + " | "
                     + ", ".join(f"`{i}`" for i in ids) + " |")
    lines += ["", "| Alert (module, indicator value or level) | "
              + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    keys: dict[str, None] = {}
    for b in backups:
        for kind in ("alerts", "heuristics"):
            for key in (*b[kind]["mvt"], *b[kind]["perito"]):
                keys.setdefault(f"{kind}:{key}")
    for full in sorted(keys, key=lambda k: (not k.startswith("alerts"), k)):
        kind, key = full.split(":", 1)
        cells = []
        for b in backups:
            mvt, perito = b[kind]["mvt"].get(key), b[kind]["perito"].get(key)
            if mvt is None and perito is None:
                cells.append("–")
                continue
            if kind == "alerts":
                (m_n, m_level), (p_n, p_level) = mvt or (0, ""), perito or (0, "")
                cells.append(f"{m_n}{m_level[:1]} / {p_n}{p_level[:1]}")
            else:
                cells.append(f"{mvt or 0} / {perito or 0}")
        module, what = key.split("|", 1)
        lines.append(f"| `{module}` {what} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--perito-ref", default=None, metavar="COMMIT",
                        help="run perito from this commit's src/ (e.g. HEAD)")
    parser.add_argument("--backup", type=Path, action="append", default=[],
                        help="compare on this backup folder instead of the catalogue "
                        "backups (repeatable; e.g. a real backup, decrypted for MVT)")
    parser.add_argument("--backups", default=",".join(str(g) for g in range(BACKUPS + 1)),
                        help=f"which backups (0-{BACKUPS - 1}: generations, "
                        f"{BACKUPS}: damaged databases)")
    parser.add_argument("--iocs", type=Path, action="append", default=[],
                        help=f"indicator file (repeatable; default {PEGASUS})")
    parser.add_argument("--other-iocs", action="store_true",
                        help="also the bundles of the other plants (PLANTED[].bundle)")
    parser.add_argument("--json", type=Path, default=DEFAULT_OUT / "comparison.json")
    parser.add_argument("--markdown", type=Path, default=None,
                        help="also write the tables as Markdown to this file")
    args = parser.parse_args(argv)
    if not MVT.exists():
        sys.exit(f"{MVT} missing: run bash bench/setup_mvt.sh")
    iocs = [p.resolve() for p in args.iocs] or [PEGASUS]
    if args.other_iocs:
        iocs += sorted({IOCS / p.bundle for p in PLANTED} - set(iocs))
    if args.backup:
        backups = [b.resolve() for b in args.backup]
        chosen = list(range(len(backups)))
    else:
        backups = build_all(DEFAULT_OUT)
        chosen = [int(g) for g in args.backups.split(",") if g.strip()]
    isolation = network_isolation()
    if not isolation:
        print("warning: unshare does not work here; relying on MVT's offline settings only",
              file=sys.stderr)
    mvt_home = WORK / "mvt-home"
    src = perito_snapshot(args.perito_ref) if args.perito_ref else None
    runs = DEFAULT_OUT / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    results = []
    for g in chosen:
        backup = backups[g]
        outs = {}
        for tool in ("mvt", "perito"):
            out = runs / f"{backup.name}-{tool}"
            env = mvt_environment(mvt_home) if tool == "mvt" else perito_environment(src)
            if tool == "mvt":
                assert_no_downloaded_indicators(mvt_home)
            code = run(commands(tool, backup, iocs, out), env, isolation, out,
                       runs / f"{backup.name}-{tool}.log")
            if code not in ((0,) if tool == "mvt" else (0, 2, 3)):
                sys.exit(f"{tool} failed on {backup} (exit {code}); see "
                         f"{runs / f'{backup.name}-{tool}.log'}")
            outs[tool] = out
        result = compare_backup(backup.name, outs["mvt"], outs["perito"])
        results.append(result)
        print_backup(result)
    summary = {"date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
               "versions": versions(args.perito_ref), "iocs": [str(p) for p in iocs],
               "composition": (None if args.backup else
                               json.loads((DEFAULT_OUT / "composition.json").read_text())),
               "backups": results}
    args.json.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n",
                         encoding="utf-8")
    if args.markdown:
        args.markdown.write_text(markdown(summary), encoding="utf-8")
    fewer = [(r["backup"], row["module"]) for r in results for row in r["rows"]
             if row["perito"] < row["mvt"]]
    missing = [(r["backup"], key) for r in results
               for key, (n, _level) in r["alerts"]["mvt"].items()
               if r["alerts"]["perito"].get(key, (0, ""))[0] < n]
    missing += [(r["backup"], key) for r in results
                for key, n in r["heuristics"]["mvt"].items()
                if r["heuristics"]["perito"].get(key, 0) < n]
    print(f"\nversions: {summary['versions']}")
    for title, found in (("modules where perito reads fewer records", fewer),
                         ("alerts MVT raises more often than perito", missing)):
        print(f"{title}:" + ("" if found else " none"))
        for backup, key in found:
            print(f"  {backup} {key}: {DOCUMENTED.get(key, 'NOT DOCUMENTED: check')}")
    print(f"full results: {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
