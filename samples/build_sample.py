"""Build the bundled sample backup (`samples/ios-backup/`) with the fixture builders.

The phone is fictional: a journalist's iPhone with everyday traffic in every artifact perito
reads (the whole catalogue of `tests/builders/ios/catalogue.py`, newest schema generation) and
traces planted from Amnesty International's public Pegasus indicators
(`samples/iocs/pegasus.stix2`). Its own foundation rows:

- Safari: an instant cross-site redirect from a plain-HTTP news page to `tookcheckout.com`
  (network injection; domain indicator) and a visit to `cdn.smscentro.com` (a subdomain);
- SMS: a lure with a link to `smscentro.com`, and an iMessage from the Apple ID
  `bogaardlisa803@gmail.com`;
- DataUsage: the process `ReminderIntentsU` (the 16-character kernel name of the indicator
  `ReminderIntentsUIExtension`) and traffic of a deleted process record.

The catalogue adds the others (`PLANTED` there): Chrome, Firefox, Safari tabs, WebKit
statistics and session log, IDStatusCache, Shortcuts, calendar, InteractionC, calls,
locationd, OSAnalyticsADDaily, profile events, an app id, WebKit LocalStorage folders and
`roleaccountd.plist` in the file list, plus the field's heuristic triggers (an Apple threat
notification, an attachment in /var/tmp, a QuaDream-style event, NUL bytes in IDStatusCache
lookups, apps from outside the App Store, configuration profiles).

Decoys that must not match: `wweather4free.com`, an indicator inside a query string, a parent
domain of an indicator, and ordinary apps and sites.

Run `make sample` (or `python -m samples.build_sample [DEST]`) from the repository root.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from tests.builders.ios.catalogue import catalogue_backup, heuristic_messages
from tests.builders.ios.datausage import Process, Usage, datausage_db
from tests.builders.ios.safari import Visit, history_db
from tests.builders.ios.sms import Message, sms_db
from tests.builders.ios.tcc import Grant, tcc_db
from tests.builders.ios.whatsapp import DataItem, Media, WaMessage, chat_storage

T0 = 1_708_960_000  # 2024-02-26T15:06:40Z
DEFAULT_DEST = Path(__file__).resolve().parent / "ios-backup"


def _safari() -> list[Visit]:
    return [
        Visit("https://www.google.com/search?q=ayotzinapa+peritaje", T0, "ayotzinapa - Google"),
        Visit("https://www.jornada.com.mx/notas/2024/02/26/politica/", T0 + 40, "La Jornada"),
        Visit("http://periodico-regional.example.mx/nota/4471", T0 + 3600, "Nota",
              redirect_to=3),
        Visit("https://tookcheckout.com/r/8a1f0c", T0 + 3600.4, None),
        Visit("https://cdn.smscentro.com/v/33", T0 + 7200, None),
        Visit("https://wweather4free.com/", T0 + 7300, "decoy"),
        Visit("https://duckduckgo.com/?q=tookcheckout.com", T0 + 7400, "decoy in query"),
        Visit("https://com.example.org/", T0 + 7500, "decoy"),
        Visit("http://example.org/", T0 + 7600, "Example", redirect_to=9),
        Visit("https://example.org/", T0 + 7600.2, "Example (same-site upgrade)"),
        Visit("https://r3d.mx/", T0 + 9000, "R3D"),
    ]


def _sms() -> list[Message]:
    return [
        Message("6F1C2A10-0000-4000-8000-000000000001", T0 - 86400,
                "¿Nos vemos mañana en la oficina?", handle="+525555550101"),
        Message("6F1C2A10-0000-4000-8000-000000000002", T0 - 86000, "Sí, a las 10.",
                handle="+525555550101", is_from_me=True),
        Message("6F1C2A10-0000-4000-8000-000000000003", T0 + 1800,
                "Estimado usuario, su paquete no pudo ser entregado. Reprograme en "
                "https://smscentro.com/a3f9k2", handle="+525555550177", service="SMS"),
        Message("6F1C2A10-0000-4000-8000-000000000004", T0 + 2000, "Hola, ¿tienes un minuto?",
                handle="bogaardlisa803@gmail.com", body_only=True),
        Message("6F1C2A10-0000-4000-8000-000000000005", T0 + 2100,
                "Te comparto la nota https://www.jornada.com.mx/notas/2024/02/26/",
                handle="+525555550101"),
    ]


def _whatsapp() -> list[WaMessage]:
    return [
        WaMessage("5215555550101@s.whatsapp.net", T0 + 500, "Mira esto",
                  from_jid="5215555550101@s.whatsapp.net", partner="Ana",
                  data_items=(DataItem(content1="https://www.eluniversal.com.mx/nacion/",
                                       title="Nación"),)),
        WaMessage("5215555550101@s.whatsapp.net", T0 + 560, None, message_type=1,
                  from_jid="5215555550101@s.whatsapp.net", partner="Ana",
                  media=Media("https://mmg.whatsapp.net/v/t62.7118-24/1234_n.enc",
                              "Media/5215555550101@s.whatsapp.net/a/b/foto.jpg")),
        WaMessage("5215555550101@s.whatsapp.net", T0 + 600, "Gracias", is_from_me=True,
                  to_jid="5215555550101@s.whatsapp.net", partner="Ana"),
    ]


def _datausage() -> tuple[list[Process], list[Usage]]:
    processes = [
        Process(1, "mDNSResponder", None, T0 - 30 * 86400, T0),
        Process(2, "com.apple.WebKit.WebContent", "com.apple.mobilesafari", T0 - 20 * 86400, T0),
        Process(3, "WhatsApp", "net.whatsapp.WhatsApp", T0 - 20 * 86400, T0),
        Process(4, "nsurlsessiond", None, T0 - 30 * 86400, T0),
        Process(6, "ReminderIntentsU", None, T0 + 1900, T0 + 2500),
        Process(7, "Signal", "org.whispersystems.signal", T0 - 10 * 86400, T0),
    ]
    usage = [Usage(pk, process.pk, process.last_seen, 1e5, 2e4, 3e5, 4e4)
             for pk, process in enumerate(processes, start=1)]
    usage.append(Usage(7, 5, T0 + 1950, 0.0, 0.0, 81920.0, 4096.0))  # process 5 deleted
    return processes, usage


def build(dest: Path) -> Path:
    """Write the sample backup to `dest` (replacing it) and return it."""
    if dest.exists():
        shutil.rmtree(dest)
    processes, usage = _datausage()
    builder = catalogue_backup(0, odd=False, foundation={
        "safari": history_db(_safari()),
        "sms": sms_db([*_sms(), *heuristic_messages()]),
        "whatsapp": chat_storage(_whatsapp()),
        "datausage": datausage_db(processes, usage),
        "tcc": tcc_db("ios14", [
            Grant("kTCCServiceCamera", "net.whatsapp.WhatsApp", 0, 2, modified=T0 - 5 * 86400),
            Grant("kTCCServiceMicrophone", "org.whispersystems.signal", 0, 2,
                  modified=T0 - 9 * 86400),
            Grant("kTCCServicePhotos", "net.whatsapp.WhatsApp", 0, 3, modified=T0 - 5 * 86400),
        ]),
    })
    return builder.write(dest)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DEST
    print(build(target))
