"""Generate a large androidqf acquisition for the Android benchmark (bench_check_androidqf.py).

A phone with a few hundred apps, a long file listing and a realistic bugreport: 400 packages
(Echap stalkerware planted by package name and certificate, some sideloaded), 800 processes,
200,000 `files.json` entries, a dumpstate of about 40 MB (package, appops, batterystats,
dbinfo, accessibility, adb sections and a long kernel log) and a few tombstones. Written as a
folder and as a zip without a top-level folder (the current androidqf layout).

Usage (from the project root): .venv/bin/python -m bench.make_large_androidqf [--files N]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from tests.builders.android.androidqf import (
    ACCESSIBILITY_14,
    BATTERYSTATS,
    DBINFO,
    DEVICE_POLICY,
    HOST_KEY,
    Androidqf,
    Bugreport,
    adb_key,
    adb_section,
    apk_file,
    package,
    package_block,
    protobuf_tombstone,
    ps_line,
    text_tombstone,
)
from tests.builders.echap import echap_apps

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "bench" / ".work" / "androidqf"
PERMISSIONS = ("android.permission.INTERNET", "android.permission.READ_CONTACTS",
               "android.permission.ACCESS_FINE_LOCATION", "android.permission.CAMERA",
               "android.permission.RECORD_AUDIO", "android.permission.READ_SMS")
FOLDERS = ("/sdcard/DCIM/Camera", "/sdcard/Download", "/sdcard/Android/media",
           "/system/lib64", "/system/framework", "/vendor/lib64", "/product/app",
           "/data/media/0/WhatsApp/Media", "/apex/com.android.art/lib64")


def _packages(rng: random.Random) -> tuple[list[dict[str, object]], list[str], int]:
    planted = []
    for app in echap_apps()[:20]:
        names = [str(p) for p in app.get("packages") or []]
        certs = [str(c) for c in app.get("certificates") or []]
        if names:
            files = [apk_file(names[0], cert_sha1=certs[0])] if certs else None
            planted.append(package(names[0], installer="null", files=files))
    items = list(planted)
    for number in range(400 - len(planted)):
        system = number < 180
        installer = "null" if system else rng.choice(
            ["com.android.vending"] * 20 + ["com.google.android.packageinstaller"])
        name = f"com.{'android' if system else 'vendor'}{number}.app{rng.randrange(1000)}"
        items.append(package(name, installer=installer, uid=10000 + number, system=system,
                             files=[apk_file(name, cert_sha1=f"{rng.getrandbits(160):040x}",
                                             sha256=f"{rng.getrandbits(256):064x}")]))
    names = [str(item["name"]) for item in items]
    return items, names, len(planted)


BUILD_TIME = 1_230_768_000  # 2009-01-01: AOSP builds stamp every system-image file with it
READ_ONLY = ("/system", "/vendor", "/product", "/apex")


def _files(rng: random.Random, count: int) -> list[dict[str, object]]:
    """User files have their own times; files of the read-only system images all carry the
    build's fixed time (and their atime never moves on a read-only mount)."""
    out: list[dict[str, object]] = []
    for number in range(count):
        folder = rng.choice(FOLDERS)
        when = 1_690_000_000 + rng.randrange(20_000_000)
        read_only = folder.startswith(READ_ONLY)
        modified = BUILD_TIME if read_only else when
        out.append({"path": f"{folder}/file_{number:06d}.bin", "size": rng.randrange(1 << 22),
                    "mode": "-rw-r--r--", "user_id": 1000, "user_name": "system",
                    "group_id": 1000, "group_name": "system", "changed_time": modified,
                    "modified_time": modified,
                    "access_time": modified if read_only else when + 60, "error": "",
                    "context": "u:object_r:system_file:s0", "mime_type": "",
                    "md5": "", "sha1": "", "sha256": "", "sha512": ""})
    out.append({"path": "/data/local/tmp/wd/agent", "size": 182_736, "mode": "-rwxr-xr-x",
                "user_name": "shell", "group_name": "shell", "modified_time": 1_709_280_000,
                "changed_time": 1_709_280_000, "access_time": 1_709_280_321})
    return out


def _appops(names: Sequence[str], rng: random.Random) -> str:
    lines = ["Current AppOps Service state:", "  Settings:", "    top_state_settle_time=+5s0ms",
             ""]
    for number, name in enumerate(names):
        lines += [f"  Uid u0a{number}:", "    state=cch", f"    Package {name}:"]
        for op in ("CAMERA", "READ_CLIPBOARD", "WAKE_LOCK", "COARSE_LOCATION"):
            lines += [f"      {op} (allow):",
                      f"          Access: [fg-s] 2024-02-{rng.randrange(1, 28):02d} "
                      f"{rng.randrange(24):02d}:{rng.randrange(60):02d}:00.000 (-1d)"]
    lines.append("")
    return "\n".join(lines)


def build(args: argparse.Namespace) -> dict[str, object]:
    rng = random.Random(args.seed)
    items, names, planted = _packages(rng)
    processes = [ps_line("root", 1, 0, "init"), ps_line("root", 2, 0, "[kthreadd]")]
    processes += [ps_line(f"u0_a{n % 400}", 3000 + n, 812, f"{names[n % len(names)]}"
                          + (":remote" if n % 3 else "")) for n in range(800)]
    report = Bugreport(
        sections={"accessibility": ACCESSIBILITY_14, "appops": _appops(names, rng),
                  "batterystats": BATTERYSTATS, "dbinfo": DBINFO * 50,
                  "device_policy": DEVICE_POLICY,
                  "adb": adb_section([HOST_KEY, adb_key("other", "x@y")], [])},
        extra_packages=[package_block(name, permissions=PERMISSIONS) for name in names],
        tombstones={f"tombstone_{n:02d}": text_tombstone(uid=1000 if n % 2 else 1013)
                    for n in range(5)} | {f"tombstone_{n:02d}.pb": protobuf_tombstone()
                                          for n in range(5)})
    kernel = "".join(f"<6>[{n / 1000:12.6f}] init: service 'vendor.{n % 97}' started\n"
                     for n in range(args.kernel_lines))
    built = Androidqf(packages=items, processes=processes, files=_files(rng, args.files),
                      bugreport=None)
    built.settings["secure"].update({f"setting_{n}": str(n) for n in range(300)})
    built.properties.update({f"ro.vendor.prop{n}": f"value{n}" for n in range(900)})
    dumpstate = report.dumpstate() + "------ KERNEL LOG (dmesg) ------\n" + kernel
    report.extra[report.dumpstate_name] = dumpstate.encode()
    built.bugreport = report
    if args.out.exists():
        shutil.rmtree(args.out)
    args.out.mkdir(parents=True)
    folder = built.write_folder(args.out / "folder" / "6b0d1c9e")
    archive = built.write_zip(args.out / "6b0d1c9e.zip")
    return {"folder": str(folder), "zip": str(archive), "zip_mb": round(
        archive.stat().st_size / 1e6, 1), "packages": len(items), "echap_planted": planted,
        "processes": len(processes), "files_json_entries": args.files + 1,
        "dumpstate_mb": round(len(dumpstate) / 1e6, 1)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--files", type=int, default=200_000, help="files.json entries")
    parser.add_argument("--kernel-lines", type=int, default=500_000,
                        help="kernel log lines appended to the dumpstate")
    parser.add_argument("--seed", type=int, default=20240301)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    print(json.dumps(build(args), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
