"""Build the iOS backups of `bench/compare_catalogue.py` into bench/.work/catalogue/.

`backup-g0` … `backup-g4`: the whole catalogue (`tests/builders/ios/catalogue.py`), one per
schema generation; backup 0 also holds the odd shapes of the builders' samples that the
incumbent cannot read (an app without iTunesMetadata, a profile with an empty PayloadContent,
locationd's stand-ins). `backup-damaged`: four large databases with one garbage page each.
`composition.json` lists the generations and the planted Pegasus traces.

Usage: .venv/bin/python -m bench.catalogue_backup [--out bench/.work/catalogue]
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from tests.builders.ios import calls as calls_b
from tests.builders.ios import sms as sms_b
from tests.builders.ios.catalogue import (
    GENERATION_COUNT,
    GENERATIONS,
    PLANTED,
    T0,
    WHATSAPP,
    catalogue_backup,
    generation,
)
from tests.builders.ios.safari import Visit, history_db
from tests.builders.ios.whatsapp import WaMessage, chat_storage
from tests.builders.ios_backup import BackupBuilder, build_sqlite
from tests.builders.sqlite_damage import damage_leaf_page

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "bench" / ".work" / "catalogue"
IOCS = Path("/work/shared/iocs")
PEGASUS = IOCS / "amnesty" / "pegasus.stix2"
BACKUPS = GENERATION_COUNT


def build_damaged(dest: Path) -> Path:
    """A backup whose large databases each have one garbage page (a half-written copy):
    sms.db, Safari's History.db, ChatStorage.sqlite and CallHistory.storedata."""
    builder = BackupBuilder(device_name="iPhone de Valeria")
    messages = [sms_b.Message(f"6F1C2A10-0000-4000-9000-{i:012d}", T0 - i * 600,
                              f"Mensaje {i}: ¿nos vemos a las {i % 24}? https://r3d.mx/{i}",
                              handle=f"+5255555{i % 60:05d}", chat=f"+5255555{i % 60:05d}")
                for i in range(1500)]
    visits = [Visit(f"https://noticias.example.org/nota/{i}", T0 - i * 900, f"Nota {i}")
              for i in range(3000)]
    chat = "5215555550101@s.whatsapp.net"
    wa = [WaMessage(chat, T0 - i * 300, f"Mensaje de WhatsApp número {i}", from_jid=chat,
                    partner="Ana") for i in range(1500)]
    calls = [calls_b.Call(T0 - i * 3600, f"+5255555{i % 90:05d}", float(i % 400))
             for i in range(800)]
    for domain, path, fill, table in (
            ("HomeDomain", "Library/SMS/sms.db", sms_b.sms_db(messages), "message"),
            ("HomeDomain", "Library/Safari/History.db", history_db(visits), "history_visits"),
            (WHATSAPP, "ChatStorage.sqlite", chat_storage(wa), "ZWAMESSAGE"),
            ("HomeDomain", "Library/CallHistoryDB/CallHistory.storedata",
             calls_b.call_history(calls), "ZCALLRECORD")):
        whole, _ = build_sqlite(fill)
        builder.add_file(domain, path, damage_leaf_page(whole, table)[0])
    return builder.write(dest)


def check_planted(iocs: Path = IOCS) -> None:
    """Every planted value must be an indicator of its bundle (a typo would test nothing)."""
    missing = []
    for plant in PLANTED:
        bundle = json.loads((iocs / plant.bundle).read_text(encoding="utf-8"))
        patterns = " ".join(o.get("pattern", "") for o in bundle["objects"])
        if f"'{plant.value}'" not in patterns:
            missing.append(f"{plant.value} ({plant.bundle})")
    if missing:
        raise SystemExit(f"planted values not in their bundles: {missing}")


def build_all(out: Path = DEFAULT_OUT) -> list[Path]:
    check_planted()
    if out.exists():
        shutil.rmtree(out)
    backups = [catalogue_backup(g).write(out / f"backup-g{g}") for g in range(BACKUPS)]
    backups.append(build_damaged(out / "backup-damaged"))
    generations = {f"backup-g{g}": {name: str(generation(name, g)) for name in GENERATIONS}
                   for g in range(BACKUPS)}
    (out / "composition.json").write_text(json.dumps(
        {"generations": generations,
         "planted": [p.__dict__ for p in PLANTED]}, indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8")
    return backups


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    for path in build_all(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
