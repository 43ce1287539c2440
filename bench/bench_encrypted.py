"""Time perito on an encrypted backup with and without several GB of media, and the incumbent's
decrypt-then-scan on the same backups.

1. A plain backup with the usual databases (`bench.make_large_backup`, default size) is
   encrypted as a device does it (ITER 10,000 PBKDF2-SHA1 and DPIC 10,000,000 PBKDF2-SHA256
   rounds, per-file keys, encrypted Manifest.db) with the test fixture's encryptor
   (`tests/builders/ios_encrypted.py`, which the tests check against an independent
   implementation): `enc-nomedia`.
2. The same backup plus `--media-gb` of camera-roll photos and videos (encrypted, with their
   Manifest rows): `enc-media`. The stored files of (1) are hard-linked, not copied.
3. Each repetition runs, in alternating order: perito on both (password in
   PERITO_BACKUP_PASSWORD, so key derivation is included), `perito ios extract-key` (the key
   derivation alone), and MVT's `decrypt-backup` followed by `check-backup` on the decrypted
   copy, for both. MVT runs offline as in `bench/bench_check_backup.py` (whose helpers are
   reused: `unshare -n`, empty private MVT data folder, /usr/bin/time for CPU time and
   peak memory).
4. Detections are compared; everything generated is deleted at the end unless `--keep`.

Usage (from the project root, after `bash bench/setup_mvt.sh`):
    .venv/bin/python -m bench.bench_encrypted [--runs 3] [--media-gb 2.5] [--keep]
        [--perito-ref HEAD | --src DIR]
(`--perito-ref`/`--src`: the `src/` that perito imports, so that edits to the work tree during
the run do not change what is measured.)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench import make_large_backup
from bench.bench_check_backup import (
    MVT,
    PEGASUS,
    PERITO,
    compare,
    detections,
    machine,
    median,
    mvt_environment,
    network_isolation,
    perito_environment,
    perito_snapshot,
    run_once,
)
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.keywrap import aes_key_wrap
from tests.builders.ios_backup import file_id, mbfile_blob
from tests.builders.ios_encrypted import (
    EncryptedFixture,
    Encryption,
    encrypt_backup,
    mbfile_with_key,
)

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work" / "encrypted"
PASSWORD = "bench-encrypted-backup-2024"  # a throwaway benchmark password
DEVICE_ITER = 10_000
DEVICE_DPIC = 10_000_000
MEDIA_CLASS = 3  # CompleteUntilFirstUserAuthentication
T_MEDIA = 1_706_000_000


def build_backups(media_gb: float, seed: int) -> tuple[Path, Path, Path, dict[str, Any]]:
    """(plain base, encrypted without media, encrypted with media, facts)."""
    plain = WORK / "plain"
    if not (plain / "Manifest.db").exists():
        started = time.perf_counter()
        make_large_backup.main(["--out", str(plain)])
        print(f"base backup built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    nomedia, media = WORK / "enc-nomedia", WORK / "enc-media"
    for folder in (nomedia, media):
        if folder.exists():
            shutil.rmtree(folder)
    started = time.perf_counter()
    fixture = encrypt_backup(plain, nomedia, Encryption(
        password=PASSWORD, iterations=DEVICE_ITER, dp_iterations=DEVICE_DPIC, seed=seed))
    encrypt_seconds = time.perf_counter() - started
    _link_copy(nomedia, media)
    started = time.perf_counter()
    files, total = add_media(fixture, media, media_gb, random.Random(seed))
    facts = {"encrypt_seconds": round(encrypt_seconds, 1),
             "media_seconds": round(time.perf_counter() - started, 1),
             "media_files": files, "media_bytes": total,
             "nomedia_bytes": _size(nomedia), "media_backup_bytes": _size(media),
             "iter": DEVICE_ITER, "dpic": DEVICE_DPIC}
    return plain, nomedia, media, facts


def _link_copy(source: Path, target: Path) -> None:
    """Root files copied (Manifest.db is rewritten), stored files hard-linked."""
    target.mkdir(parents=True)
    for path in source.iterdir():
        if path.is_file():
            shutil.copyfile(path, target / path.name)
        else:
            (target / path.name).mkdir()
            for stored in path.iterdir():
                os.link(stored, target / path.name / stored.name)


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _media_sizes(rng: random.Random, total: int) -> list[tuple[str, int]]:
    """Photos of 1.5-4.5 MB and videos of 40-250 MB, about 40/60 by volume."""
    sizes: list[tuple[str, int]] = []
    used = 0
    index = 1
    while used < total:
        if rng.random() < 0.92:
            name, size = f"IMG_{index:04d}.HEIC", rng.randint(1_500_000, 4_500_000)
        else:
            name, size = f"IMG_{index:04d}.MOV", rng.randint(40_000_000, 250_000_000)
        sizes.append((name, size))
        used += size
        index += 1
    return sizes


def _encrypt_synthetic(key: bytes, size: int, pattern: bytes, target: Path) -> None:
    """AES-256-CBC (IV 0, PKCS#7) of `size` bytes of a repeated pattern, streamed."""
    encryptor = Cipher(algorithms.AES(key), modes.CBC(bytes(16))).encryptor()
    padder = padding.PKCS7(128).padder()
    target.unlink(missing_ok=True)  # never write through a hard link into the other backup
    with target.open("xb") as out:
        left = size
        while left > 0:
            piece = pattern[: min(len(pattern), left)]
            out.write(encryptor.update(padder.update(piece)))
            left -= len(piece)
        out.write(encryptor.update(padder.finalize()) + encryptor.finalize())


def add_media(fixture: EncryptedFixture, root: Path, media_gb: float, rng: random.Random
              ) -> tuple[int, int]:
    """Camera-roll files, encrypted, with their Manifest rows (folder rows included)."""
    pattern = rng.randbytes(1 << 20)
    rows: list[tuple[str, str, str, int, bytes]] = []
    domain = "CameraRollDomain"
    # 900APPLE: make_large_backup's small camera-roll stand-ins live in 100APPLE-110APPLE
    for folder in ("Media", "Media/DCIM", "Media/DCIM/900APPLE"):
        blob = mbfile_blob(folder, size=0, mode=0o40755, birth=T_MEDIA, modified=T_MEDIA,
                           status_changed=T_MEDIA, inode=900_000)
        rows.append((file_id(domain, folder), domain, folder, 2, blob))
    total = 0
    media = _media_sizes(rng, int(media_gb * 1024 ** 3))
    for inode, (name, size) in enumerate(media, start=900_001):
        relative = f"Media/DCIM/900APPLE/{name}"
        fid = file_id(domain, relative)
        key = rng.randbytes(32)
        stored = root / fid[:2] / fid
        stored.parent.mkdir(exist_ok=True)
        _encrypt_synthetic(key, size, pattern, stored)
        wrapped = MEDIA_CLASS.to_bytes(4, "little") + aes_key_wrap(
            fixture.class_keys[MEDIA_CLASS], key)
        t = T_MEDIA + inode * 60
        blob = mbfile_blob(relative, size=size, mode=0o100644, birth=t, modified=t,
                           status_changed=t, inode=inode)
        rows.append((fid, domain, relative, 1, mbfile_with_key(blob, wrapped, MEDIA_CLASS)))
        total += size

    def insert(db: sqlite3.Connection) -> None:
        db.executemany("INSERT OR REPLACE INTO Files VALUES (?, ?, ?, ?, ?)", rows)

    moved = EncryptedFixture(root, fixture.password, fixture.backup_key, fixture.class_keys,
                             fixture.file_keys, fixture.keybag, fixture.manifest_key)
    moved.rewrite_manifest_db(insert)
    return len(media), total


# -- runs -----------------------------------------------------------------------------------

def perito_command(backup: Path, out: Path) -> list[str]:
    return [str(PERITO), "ios", "check-backup", str(backup), "-i", str(PEGASUS), "-o", str(out)]


def mvt_decrypt_command(backup: Path, dest: Path) -> list[str]:
    return [str(MVT), "--disable-update-check", "--disable-indicator-update-check",
            "decrypt-backup", "-d", str(dest), str(backup)]


def mvt_check_command(backup: Path, out: Path) -> list[str]:
    return [str(MVT), "--disable-update-check", "--disable-indicator-update-check",
            "check-backup", "--iocs", str(PEGASUS), "--output", str(out), str(backup)]


def versions(src: Path | None) -> dict[str, str]:
    def output(argv: list[str], env: dict[str, str] | None = None) -> str:
        done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
        return done.stdout.strip()

    mvt_python = str(MVT.parent / "python")
    return {
        "perito": output([str(PERITO), "--version"], perito_environment(src)),
        "perito_src": str(src) if src else "work tree",
        "perito_commit": output(["git", "-C", str(ROOT), "describe", "--always", "--dirty"]),
        "mvt": output([mvt_python, "-c",
                       "from mvt.common.version import MVT_VERSION; print(MVT_VERSION)"]),
        "mvt_python": output([mvt_python, "--version"]),
    }


def run_repetitions(backups: dict[str, Path], runs: int, tools: Sequence[str],
                    isolation: list[str], src: Path | None, journal: Path
                    ) -> list[dict[str, Any]]:
    runs_dir = WORK / "runs"
    logs = runs_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    perito_env = perito_environment(src) | {"PERITO_BACKUP_PASSWORD": PASSWORD}
    mvt_home = WORK / "mvt-home"
    results: list[dict[str, Any]] = []
    plan = [(tool, label) for tool in tools for label in backups]
    for repetition in range(1, runs + 1):
        order = plan if repetition % 2 else list(reversed(plan))
        for tool, label in order:
            backup = backups[label]
            if tool == "perito":
                out = runs_dir / f"perito-{label}-{repetition}"
                run = run_once("perito", repetition, perito_command(backup, out), perito_env,
                               isolation, out, logs)
                results.append({"tool": "perito", "backup": label, "run": asdict(run),
                                "seconds": run.seconds})
            elif tool == "perito-key":
                out = runs_dir / f"key-{label}-{repetition}.hex"
                out.unlink(missing_ok=True)
                argv = [str(PERITO), "ios", "extract-key", str(backup), "-k", str(out)]
                run = run_once("perito", repetition, argv, perito_env, isolation,
                               runs_dir / "unused", logs)
                results.append({"tool": "perito extract-key", "backup": label,
                                "run": asdict(run), "seconds": run.seconds})
            else:
                env = mvt_environment(mvt_home) | {"MVT_IOS_BACKUP_PASSWORD": PASSWORD}
                dest = runs_dir / f"mvt-decrypted-{label}"
                decrypt = run_once("mvt-decrypt", repetition, mvt_decrypt_command(backup, dest),
                                   env, isolation, dest, logs)
                out = runs_dir / f"mvt-{label}-{repetition}"
                check = run_once("mvt", repetition, mvt_check_command(dest, out), env,
                                 isolation, out, logs)
                copy_bytes = _size(dest)
                shutil.rmtree(dest)  # a full plaintext copy: never keep it
                results.append({"tool": "mvt", "backup": label, "decrypt": asdict(decrypt),
                                "check": asdict(check), "copy_bytes": copy_bytes,
                                "seconds": decrypt.seconds + check.seconds})
            journal.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
            last = results[-1]
            print(f"run {repetition}: {last['tool']:<19} {label:<8} {last['seconds']:7.2f} s",
                  file=sys.stderr)
    return results


def summarise(results: list[dict[str, Any]]) -> dict[str, Any]:
    table: dict[str, Any] = {}
    for row in results:
        key = f"{row['tool']} / {row['backup']}"
        entry = table.setdefault(key, {"seconds": [], "cpu": [], "pss_mb": []})
        entry["seconds"].append(row["seconds"])
        runs = [row["run"]] if "run" in row else [row["decrypt"], row["check"]]
        entry["cpu"].append(sum(r.get("cpu_seconds") or 0 for r in runs))
        entry["pss_mb"].append(max(r.get("peak_pss_mb") or r.get("peak_rss_mb") or 0
                                   for r in runs))
        if "decrypt" in row:
            entry.setdefault("decrypt_s", []).append(row["decrypt"]["seconds"])
            entry.setdefault("check_s", []).append(row["check"]["seconds"])
            entry["copy_bytes"] = row["copy_bytes"]
    for entry in table.values():
        entry["median_s"] = round(median(entry["seconds"]), 2)
        entry["min_s"] = round(min(entry["seconds"]), 2)
        entry["max_s"] = round(max(entry["seconds"]), 2)
        entry["cpu_s"] = round(median(entry["cpu"]), 2)
        entry["peak_pss_mb"] = round(max(entry["pss_mb"]))
        for part in ("decrypt_s", "check_s"):
            if part in entry:
                entry[part] = round(median(entry[part]), 2)
    return table


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="repetitions")
    parser.add_argument("--media-gb", type=float, default=2.5, help="GiB of media to add")
    parser.add_argument("--tools", default="perito,perito-key,mvt", help="comma-separated")
    parser.add_argument("--seed", type=int, default=20240301)
    parser.add_argument("--keep", action="store_true", help="keep the generated backups")
    parser.add_argument("--results", type=Path, default=WORK.parent / "results-encrypted.json")
    parser.add_argument("--src", type=Path, default=None,
                        help="a copy of src/ for perito to import (the work tree may change "
                        "during a long run)")
    parser.add_argument("--perito-ref", default=None, metavar="REF",
                        help="export src/ of this commit and run it (as bench_check_backup)")
    args = parser.parse_args(argv)
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    if args.perito_ref:
        args.src = perito_snapshot(args.perito_ref)
    if "mvt" in tools and not MVT.exists():
        sys.exit(f"{MVT} missing: run bash bench/setup_mvt.sh")
    if not PERITO.exists():
        sys.exit(f"{PERITO} missing: run make install")
    free = shutil.disk_usage(ROOT).free
    needed = int(args.media_gb * 2.2 * 1024 ** 3) + (1 << 30)
    if free < needed:
        sys.exit(f"not enough disk: {free >> 30} GiB free, about {needed >> 30} GiB needed")
    isolation = network_isolation()
    try:
        plain, nomedia, media, facts = build_backups(args.media_gb, args.seed)
        print(f"backups ready: {json.dumps(facts)}", file=sys.stderr)
        journal = args.results.with_suffix(".runs.json")
        results = run_repetitions({"nomedia": nomedia, "media": media}, args.runs, tools,
                                  isolation, args.src, journal)
        table = summarise(results)
        runs_dir = WORK / "runs"
        last = {label: runs_dir / f"perito-{label}-{args.runs}" for label in ("nomedia", "media")}
        summary: dict[str, Any] = {
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "machine": machine(), "versions": versions(args.src), "backups": facts,
            "isolation": " ".join(isolation) or "none", "runs": args.runs,
            "commands": {
                "perito": " ".join(perito_command(Path("BACKUP"), Path("OUT"))),
                "mvt": " ".join(mvt_decrypt_command(Path("BACKUP"), Path("DEST"))) + " && "
                + " ".join(mvt_check_command(Path("DEST"), Path("OUT")))},
            "table": table, "results": results,
        }
        if "perito" in tools:
            perito_media = table["perito / media"]["median_s"]
            perito_plain = table["perito / nomedia"]["median_s"]
            summary["perito_media_over_nomedia"] = round(perito_media / perito_plain, 3)
            same = (sorted(p.name for p in (last["media"] / "records").glob("*.jsonl"))
                    == sorted(p.name for p in (last["nomedia"] / "records").glob("*.jsonl")))
            summary["perito_same_detections"] = (
                detections(last["media"]).pairs == detections(last["nomedia"]).pairs and same)
            info = json.loads((last["media"] / "info.json").read_text(encoding="utf-8"))
            summary["perito_files_hashed"] = len(info["hashes"])
            summary["perito_encrypted_flag"] = info.get("encrypted")
        if "mvt" in tools and "perito" in tools:
            mvt_media = table["mvt / media"]["median_s"]
            summary["mvt_over_perito_media"] = round(
                mvt_media / table["perito / media"]["median_s"], 2)
            mvt_out = runs_dir / f"mvt-media-{args.runs}"
            plants = json.loads((plain.parent / f"{plain.name}.composition.json").read_text(
                encoding="utf-8")).get("planted", [])
            summary["comparison"] = compare(detections(mvt_out), detections(last["media"]),
                                            plants)
        args.results.parent.mkdir(parents=True, exist_ok=True)
        args.results.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n",
                                encoding="utf-8")
        report(summary)
        print(f"\nfull results: {args.results}")
    except BaseException:
        # keep the run logs for the post-mortem, never the generated backups
        for name in ("plain", "enc-nomedia", "enc-media"):
            if not args.keep:
                shutil.rmtree(WORK / name, ignore_errors=True)
        raise
    if not args.keep:
        shutil.rmtree(WORK)
    return 0


def report(summary: dict[str, Any]) -> None:
    facts = summary["backups"]
    print(f"\nbackups: without media {facts['nomedia_bytes'] / 1e9:.2f} GB, with media "
          f"{facts['media_backup_bytes'] / 1e9:.2f} GB ({facts['media_files']} media files); "
          f"ITER {facts['iter']}, DPIC {facts['dpic']}")
    print(f"{'tool / backup':<32} {'median s':>9} {'min s':>7} {'max s':>7} {'CPU s':>7} "
          f"{'PSS MB':>7}")
    for key, row in summary["table"].items():
        extra = ""
        if "decrypt_s" in row:
            extra = (f"   (decrypt {row['decrypt_s']:.1f} s + check {row['check_s']:.1f} s, "
                     f"plaintext copy {row['copy_bytes'] / 1e9:.2f} GB)")
        print(f"{key:<32} {row['median_s']:>9.2f} {row['min_s']:>7.2f} {row['max_s']:>7.2f} "
              f"{row['cpu_s']:>7.1f} {row['peak_pss_mb']:>7}{extra}")
    if "perito_media_over_nomedia" in summary:
        print(f"perito with media / without: {summary['perito_media_over_nomedia']:.3f}x "
              f"(limit 1.5x); same detections: {summary['perito_same_detections']}")
    if "mvt_over_perito_media" in summary:
        print(f"MVT decrypt+check / perito, with media: {summary['mvt_over_perito_media']:.1f}x")
        comparison = summary["comparison"]
        print(f"detections in common: {len(comparison['common'])}, missing in perito: "
              f"{len(comparison['missing_in_perito'])}, perito only: "
              f"{len(comparison['perito_only'])}")


if __name__ == "__main__":
    raise SystemExit(main())

