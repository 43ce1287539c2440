"""A backup of someone's everyday life with a few planted traces, for the report tests.

SMS, WhatsApp, contacts and calls hold texts, names and numbers that a redacted report must
never show; one SMS carries a Pegasus link (a detection whose evidence must stay) and a hostile
`</script>` text that the report must escape, another is an Apple threat notification (a
heuristic finding whose message names its sender). `SECRETS` lists every such value as built.
"""

from __future__ import annotations

from pathlib import Path

from tests.builders.ios.calls import Call, call_history
from tests.builders.ios.contacts import EMAIL, PHONE, Person, Value, address_book
from tests.builders.ios.safari import Visit, history_db
from tests.builders.ios.sms import Message, sms_db
from tests.builders.ios.whatsapp import WaMessage, chat_storage
from tests.builders.ios_backup import BackupBuilder

T0 = 1_709_154_845  # 2024-02-28T21:14:05Z
HOSTILE = '</script><script>document.title="pwned"</script><img src=x onerror=alert(1)>'
MATCHED_LINK = "https://smscentro.com/a3f9k2"
MATCHED_URL = "https://tookcheckout.com/r/8a1f0c"
DEVICE = "iPhone de Xochitl Quetzal"

MESSAGE_TEXTS = [
    "La reunión con la fuente es el jueves en el café de Coyoacán",
    f"Su paquete está retenido, pague aquí {MATCHED_LINK} " + HOSTILE,
    "Te paso el borrador del reportaje: https://docs.example.org/d/reportaje-borrador",
    "ALERT: Apple detected a targeted mercenary spyware attack against your iPhone. "
    "Código de caso 7781-Xochitl",
]
WHATSAPP_TEXTS = ["Nos vemos en la plaza a las 6", "Mándame la grabación de la entrevista"]
NAMES = ["Xiomara", "Bautista", "Periodistas Unidos", "Tlacaelel", DEVICE]
NUMBERS = ["+525511223344", "+525599887766", "5215544332211", "+52 (55) 4455-6677",
           "+525566778899", "+525500112233"]
EMAILS = ["xiomara.bautista@example.org", "fuente.confidencial@example.net"]
UNMATCHED_URLS = ["https://docs.example.org/d/reportaje-borrador",
                  "https://www.banco-ejemplo.mx/cuenta/123456"]
SECRETS = [*MESSAGE_TEXTS, HOSTILE, *WHATSAPP_TEXTS, *NAMES, *NUMBERS, *EMAILS,
           *UNMATCHED_URLS]


def build_life_backup(dest: Path) -> Path:
    builder = BackupBuilder(device_name=DEVICE)
    builder.add_sqlite("HomeDomain", "Library/SMS/sms.db", sms_db([
        Message("A1B2C3D4-0000-4000-8000-000000000001", T0, MESSAGE_TEXTS[0],
                handle="+525511223344"),
        Message("A1B2C3D4-0000-4000-8000-000000000002", T0 + 600, MESSAGE_TEXTS[1],
                handle="+525599887766", service="SMS"),
        Message("A1B2C3D4-0000-4000-8000-000000000003", T0 + 900, MESSAGE_TEXTS[2],
                handle="fuente.confidencial@example.net", is_from_me=True),
        # a heuristic finding (HIGH) whose message names the sender
        Message("A1B2C3D4-0000-4000-8000-000000000004", T0 + 1200, MESSAGE_TEXTS[3],
                handle="+525500112233"),
    ]))
    jid = "5215544332211@s.whatsapp.net"
    builder.add_sqlite("AppDomainGroup-group.net.whatsapp.WhatsApp.shared",
                       "ChatStorage.sqlite", chat_storage([
                           WaMessage(jid, T0 + 300, WHATSAPP_TEXTS[0], from_jid=jid,
                                     partner="Tlacaelel"),
                           WaMessage(jid, T0 + 360, WHATSAPP_TEXTS[1], is_from_me=True,
                                     to_jid=jid, partner="Tlacaelel"),
                       ]))
    builder.add_sqlite("HomeDomain", "Library/AddressBook/AddressBook.sqlitedb", address_book([
        Person("Xiomara", "Bautista", values=(
            Value(PHONE, "_$!<Mobile>!$_", "+52 (55) 4455-6677"),
            Value(EMAIL, "_$!<Home>!$_", "xiomara.bautista@example.org"),
        ), created=T0 - 86400, modified=T0 - 3600),
        Person(None, organization="Periodistas Unidos", values=(
            Value(PHONE, None, "+525566778899"),)),
    ]))
    builder.add_sqlite("HomeDomain", "Library/CallHistoryDB/CallHistory.storedata",
                       call_history([
                           Call(T0 + 120, "+525511223344", 95.0, name="Xiomara"),
                           Call(T0 + 700, "+525599887766", 0.0, answered=False),
                       ]))
    builder.add_sqlite("HomeDomain", "Library/Safari/History.db", history_db([
        Visit(UNMATCHED_URLS[1], T0 + 400, "Banca en línea"),
        Visit(MATCHED_URL, T0 + 650, None),
    ]))
    return builder.write(dest)
