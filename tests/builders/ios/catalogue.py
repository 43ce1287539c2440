"""A realistic phone for every artifact of the catalogue, in every schema generation.

`catalogue_backup(g)` returns a `BackupBuilder` holding every iOS backup artifact perito reads,
with everyday rows and a few traces from Amnesty International's public Pegasus indicators
(`PLANTED`: in which artifact, and whether the incumbent tool reports it too). A file holds one
schema generation only, so backup `g` (0 = newest) takes each artifact's g-th newest
generation that the builders know, or its oldest (`GENERATIONS`; TCC has five).
`bench/compare_catalogue.py` checks these backups with both tools; the bundled sample
(`samples/build_sample.py`) is generation 0 with its own foundation rows.
"""

from __future__ import annotations

import datetime as dt
import plistlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.builders.ios import browser_state as bs
from tests.builders.ios import calendar as cal
from tests.builders.ios import calls as calls_b
from tests.builders.ios import chrome as ch
from tests.builders.ios import contacts as con
from tests.builders.ios import firefox as ff
from tests.builders.ios import interaction_c as ic
from tests.builders.ios import profiles as prof
from tests.builders.ios import sms as sms_b
from tests.builders.ios import tcc as tcc_b
from tests.builders.ios import webkit as wk
from tests.builders.ios import whatsapp_extra as wax
from tests.builders.ios.applications import app_entry, itunes_metadata, sample_applications
from tests.builders.ios.datausage import Process, Usage, datausage_db
from tests.builders.ios.global_preferences import RELATIVE_PATH as GLOBAL_PREFS
from tests.builders.ios.global_preferences import global_preferences_plist
from tests.builders.ios.safari import Visit, history_db
from tests.builders.ios.shortcuts import ShortcutRow, action, actions_blob, shortcuts_db
from tests.builders.ios.small_plists import (
    ADDAILY_PATH,
    DATAUSAGE_PATH,
    IDSTATUSCACHE_PATH,
    LOCATIOND_PATH,
    NUL_USER,
    idstatuscache_plist,
    locationd_clients,
    locationd_clients_plist,
)
from tests.builders.ios.whatsapp import DataItem, Media, WaMessage, chat_storage
from tests.builders.ios_backup import BackupBuilder
from tests.builders.timestamps import cocoa_s

T0 = 1_709_154_845  # 2024-02-28T21:14:05Z
DAY = 86_400

SAFARI = "AppDomain-com.apple.mobilesafari"
CHROME = "AppDomain-com.google.chrome.ios"
CHROME_DIR = "Library/Application Support/Google/Chrome/Default"
FIREFOX = "AppDomainGroup-group.org.mozilla.ios.Firefox"
WHATSAPP = "AppDomainGroup-group.net.whatsapp.WhatsApp.shared"
WEBKIT_DIR = "Library/WebKit/WebsiteData/ResourceLoadStatistics"

# Schema generations, newest first, as the builders name them.
GENERATIONS: dict[str, tuple[Any, ...]] = {
    "sms": (sms_b.IOS17, sms_b.IOS10),
    "tcc": ("ios17", "ios14", "ios12", "ios9", "ios8"),
    "browser_state": ("ios17", "ios15", "ios11"),
    "chrome_history": ("v70", "v43"),
    "chrome_favicons": ("v9", "v8"),
    "firefox": ("current", "legacy"),
    "webkit": ("ios17", "ios14"),
    "session_log_model": (15, 14),
    "interaction_c": (ic.IOS13, ic.IOS12, ic.IOS10, ic.IOS9),
    "calls": (calls_b.IOS17, calls_b.IOS10),
    "contacts": (con.IOS17, con.IOS8),
    "calendar": (cal.IOS26, cal.IOS11),
    "whatsapp_contacts": (wax.CURRENT, wax.OLDER),
    "datausage_wifi": (True, False),
}
IOS_VERSIONS = (("17.4.1", "21E236"), ("14.8.1", "18H107"), ("12.5.7", "16H81"),
                ("10.3.4", "14G61"), ("9.3.6", "13G37"))
GENERATION_COUNT = max(len(g) for g in GENERATIONS.values())


def generation(name: str, g: int) -> Any:
    gens = GENERATIONS[name]
    return gens[min(g, len(gens) - 1)]


@dataclass(frozen=True)
class Plant:
    module: str  # the MVT module slug (= perito's artifact slug) expected to report it
    value: str  # the indicator value as in its bundle
    where: str
    expected: str  # "both", or why only perito reports it
    bundle: str = "amnesty/pegasus.stix2"  # under /work/shared/iocs


PLANTED = (
    Plant("safari_history", "weather4free.com", "a visit", "both"),
    Plant("sms", "smscentro.com", "a link in an SMS", "both"),
    Plant("sms", "bogaardlisa803@gmail.com", "the handle of an iMessage",
          "perito only: the incumbent never matches handles"),
    Plant("sms_attachments", "bogaardlisa803@gmail.com", "the handle of an attachment's message",
          "perito only: the incumbent never matches handles"),
    Plant("datausage", "fservernetd", "a process", "both"),
    Plant("os_analytics_ad_daily", "accountpfd", "a process of netUsageBaseline", "both"),
    Plant("chrome_history", "tookcheckout.com", "a visit", "both"),
    Plant("firefox_history", "oneleadingchat.com", "a visit", "both"),
    Plant("safari_browser_state", "newenvelope.net", "an open tab", "both"),
    Plant("webkit_resource_load_statistics", "select-edition.net", "an observed domain", "both"),
    Plant("webkit_session_resource_log", "productsall.net", "a redirect source", "both"),
    Plant("whatsapp", "turismo-aqui.com", "a link in a message", "both"),
    Plant("id_status_cache", "k.williams.enny74@gmail.com", "a looked-up Apple ID", "both"),
    Plant("manifest", "roleaccountd.plist", "a file name", "both"),
    Plant("manifest", "receiptpending.net", "WebKit LocalStorage and IndexedDB origin folders",
          "both"),
    Plant("shortcuts", "pine-sales.com", "a URL in an action", "both"),
    Plant("calendar", "bekkerfredi@gmail.com", "an attendee",
          "perito only: the incumbent does not match attendees"),
    Plant("interaction_c", "oskarschalcher@outlook.com", "the sender of an interaction",
          "perito only: the incumbent does not match interactions"),
    Plant("calls", "taylorjade0303@gmail.com", "a FaceTime caller",
          "perito only: the incumbent does not match calls"),
    Plant("locationd_clients", "eventstorpd", "a client executable", "both"),
    Plant("tcc", "libbmanaged", "a client path", "both"),
    Plant("profile_events", "gssdp", "the process that installed a profile", "both"),
    Plant("applications", "com.apple.rapports.events", "an app's bundle id", "both"),
    # from the other iOS bundles of mvt-indicators (compare_catalogue --other-iocs)
    Plant("os_analytics_ad_daily", "BackupAgent", "a process of netUsageBaseline", "both",
          "mvt-indicators/operation_triangulation.stix2"),
    Plant("id_status_cache", "nonbaguette@yahoo.com", "a looked-up Apple ID", "both",
          "mvt-indicators/operation_triangulation.stix2"),
    Plant("configuration_profiles", "76DAB334-7E17-475D-A5D6-0794EB5818A5", "a profile UUID",
          "both", "mvt-indicators/predator.stix2"),
    Plant("sms_attachments", "/private/var/tmp/l/", "a received attachment's path", "both",
          "mvt-indicators/predator.stix2"),
    Plant("applications", "com.xdja.safekeyservice", "an app's bundle id", "both",
          "mvt-indicators/rcs.stix2"),
    Plant("locationd_clients", "/private/var/db/com.apple.xpc.roleaccountd.staging/subridged",
          "a client executable (the builder's)", "both", "mvt-indicators/kingspawn.stix2"),
)


# -- rows -------------------------------------------------------------------------------------

def safari_visits() -> list[Visit]:
    return [
        Visit("https://www.google.com/search?q=fiscalia+peritaje", T0 - 3 * DAY, "Google"),
        Visit("https://www.jornada.com.mx/notas/2024/02/26/politica/", T0 - 3 * DAY + 40,
              "La Jornada"),
        Visit("http://periodico-regional.example.mx/nota/4471", T0 - DAY, "Nota",
              redirect_to=3),
        Visit("https://noticias.example.org/nota/4471", T0 - DAY + 0.4, None),
        Visit("https://weather4free.com/pronostico", T0 - 2 * 3600, "Clima"),
        Visit("https://r3d.mx/", T0 - 3600, "R3D"),
        Visit("https://es.wikipedia.org/wiki/Peritaje", T0 - 600, "Peritaje"),
    ]


def sms_messages() -> list[sms_b.Message]:
    attachment = sms_b.Attachment("~/Library/SMS/Attachments/0a/10/AT_0_9B1E/IMG_0001.jpeg",
                                  "image/jpeg", "IMG_0001.jpeg", 482_113)
    return [
        sms_b.Message("6F1C2A10-0000-4000-8000-000000000001", T0 - 4 * DAY,
                      "¿Nos vemos mañana?", handle="+525555550101", chat="+525555550101"),
        sms_b.Message("6F1C2A10-0000-4000-8000-000000000002", T0 - 4 * DAY + 60,
                      "Sí, a las 10.", handle="+525555550101", is_from_me=True,
                      chat="+525555550101", read_time=T0 - 4 * DAY + 90),
        sms_b.Message("6F1C2A10-0000-4000-8000-000000000003", T0 - 2 * DAY,
                      "Su paquete no pudo ser entregado: https://smscentro.com/a3f9k2",
                      handle="+525555550177", service="SMS", chat="+525555550177"),
        sms_b.Message("6F1C2A10-0000-4000-8000-000000000004", T0 - DAY, "Hola, ¿un minuto?",
                      handle="bogaardlisa803@gmail.com", chat="bogaardlisa803@gmail.com",
                      attachment=sms_b.Attachment(
                          "~/Library/SMS/Attachments/3c/12/AT_0_7F2A/contrato.pdf",
                          "application/pdf", "contrato.pdf", 91_544)),
        sms_b.Message("6F1C2A10-0000-4000-8000-000000000005", T0 - 3600,
                      "La nota: https://www.jornada.com.mx/notas/2024/02/26/",
                      handle="+525555550101", chat="+525555550101"),
        sms_b.Message("6F1C2A10-0000-4000-8000-000000000006", T0 - 1800, None,
                      handle="+525555550101", chat="+525555550101", attachment=attachment),
        sms_b.Message("6F1C2A10-0000-4000-8000-000000000007", T0 - 60, "Nota de voz enviada",
                      handle="+525555550202", is_from_me=True, chat="+525555550202",
                      delivered_time=T0 - 50),
        *heuristic_messages(),
    ]


def heuristic_messages() -> list[sms_b.Message]:
    """An Apple threat notification and received attachments in /var/tmp ending in -1."""
    return [
        sms_b.Message("6F1C2A10-0000-4000-8000-000000000010", T0 - 6 * DAY, None,
                      handle="+525555550177", chat="+525555550177",
                      attachment=sms_b.Attachment("/private/var/tmp/l/2F0A.pdf-1",
                                                  "application/pdf", "factura.pdf", 40_960)),
        sms_b.Message("6F1C2A10-0000-4000-8000-000000000008", T0 - 3 * DAY,
                      "ALERT: Apple detected a targeted mercenary spyware attack against your "
                      "iPhone. You are being targeted by a mercenary spyware attack.",
                      handle="threatnotifications@apple.com",
                      chat="threatnotifications@apple.com"),
        sms_b.Message("6F1C2A10-0000-4000-8000-000000000009", T0 - 5 * DAY, None,
                      handle="+525555550177", chat="+525555550177",
                      attachment=sms_b.Attachment(
                          "/var/tmp/com.apple.messages/com.apple.MobileSMS/8B1D.gif-1",
                          "image/gif", "IMG_5821.HEIC", 31_337)),
    ]


def datausage(wifi: bool) -> Any:
    processes = [
        Process(1, "mDNSResponder", None, T0 - 30 * DAY, T0),
        Process(2, "com.apple.WebKit.WebContent", "com.apple.mobilesafari", T0 - 20 * DAY, T0),
        Process(3, "WhatsApp", "net.whatsapp.WhatsApp", T0 - 20 * DAY, T0 - 3600),
        Process(4, "nsurlsessiond", None, T0 - 30 * DAY, T0),
        Process(5, "fservernetd", None, T0 - 2 * DAY, T0 - 2 * DAY + 400),
        Process(6, "Signal", "org.whispersystems.signal", T0 - 10 * DAY, T0),
        # 7-9 deleted (a run of missing keys); 8 left a traffic row behind
        Process(10, "CommCenter", None, T0 - 30 * DAY, T0),
        Process(11, "apsd", None, T0 - 30 * DAY, T0 - 60),
    ]
    usage = [Usage(pk, p.pk, p.last_seen, 1e5 * pk, 2e4, 3e5, 4e4)
             for pk, p in enumerate(processes, start=1)]
    usage.append(Usage(len(usage) + 1, 3, T0 - 2 * 3600, 5e3, 1e3, 0.0, 0.0))  # a 2nd row
    usage.append(Usage(len(usage) + 1, 8, T0 - 2 * DAY + 200, 0.0, 0.0, 81_920.0, 4_096.0))
    return datausage_db(processes, usage, wifi=wifi)


def tcc_grants() -> list[tcc_b.Grant]:
    new = list(tcc_b.NEW_GRANTS)
    new.append(tcc_b.Grant("kTCCServiceLocation", "/private/var/db/libbmanaged", 1, 2, 4,
                           T0 - 2 * DAY))
    return new


def tcc_old_grants() -> list[tcc_b.Grant]:
    return [*tcc_b.OLD_GRANTS,
            tcc_b.Grant("kTCCServiceLocation", "/private/var/db/libbmanaged", 1, 1,
                        modified=T0 - 2 * DAY)]


def tabs() -> list[bs.Tab]:
    return [
        bs.Tab("3A1F0C52-8E9D-4B21-A7C4-5D6E7F809A11", "https://www.eluniversal.com.mx/",
               "El Universal", unix_time=T0 - 7200,
               entries=(bs.Entry("https://www.google.com/", "Google"),
                        bs.Entry("https://www.eluniversal.com.mx/", "El Universal"))),
        bs.Tab("3A1F0C52-8E9D-4B21-A7C4-5D6E7F809A12", "https://newenvelope.net/l/77a",
               None, unix_time=T0 - DAY,
               entries=(bs.Entry("https://newenvelope.net/l/77a", ""),)),
        bs.Tab("3A1F0C52-8E9D-4B21-A7C4-5D6E7F809A13", "https://duckduckgo.com/?q=amparo",
               "amparo at DuckDuckGo", unix_time=T0 - 300, private=True,
               entries=(bs.Entry("https://duckduckgo.com/?q=amparo", "amparo"),)),
    ]


def chrome_visits() -> list[ch.ChromeVisitRow]:
    return [
        ch.ChromeVisitRow("https://www.google.com/", T0 - 5 * DAY, "Google",
                          transition=ch.TYPED_FROM_ADDRESS_BAR, duration_s=12.5),
        ch.ChromeVisitRow("https://www.animalpolitico.com/", T0 - 5 * DAY + 30,
                          "Animal Político", from_visit=1),
        ch.ChromeVisitRow("http://tookcheckout.com/c/81", T0 - 3 * DAY, ""),
        ch.ChromeVisitRow("https://tookcheckout.com/c/81", T0 - 3 * DAY + 0.3, "",
                          from_visit=3, transition=ch.SERVER_REDIRECT_END),
        ch.ChromeVisitRow("https://www.proceso.com.mx/", T0 - DAY, "Proceso",
                          external_referrer_url="https://t.co/"),
    ]


def chrome_icons() -> tuple[list[ch.Icon], list[ch.IconMapping]]:
    icons = [ch.Icon("https://www.google.com/favicon.ico"),
             ch.Icon("https://www.animalpolitico.com/apple-touch-icon.png", icon_type=2,
                     bitmaps=((180, T0 - 5 * DAY, T0 - DAY),)),
             ch.Icon("https://www.proceso.com.mx/favicon.ico",
                     bitmaps=((16, T0 - DAY, None), (32, T0 - DAY, None)))]
    mappings = [ch.IconMapping("https://www.google.com/", 1),
                ch.IconMapping("https://www.animalpolitico.com/", 2),
                ch.IconMapping("https://www.proceso.com.mx/", 3)]
    return icons, mappings


def firefox_rows() -> tuple[list[ff.Page], list[ff.FirefoxVisitRow], list[ff.Favicon]]:
    pages = [ff.Page("https://www.mozilla.org/es-MX/firefox/", "Firefox"),
             ff.Page("https://oneleadingchat.com/j/5521", ""),
             ff.Page("https://www.bbc.com/mundo", "BBC Mundo")]
    visits = [ff.FirefoxVisitRow(1, T0 - 6 * DAY), ff.FirefoxVisitRow(2, T0 - 2 * DAY),
              ff.FirefoxVisitRow(3, T0 - DAY), ff.FirefoxVisitRow(3, T0 - 600, type=2)]
    icons = [ff.Favicon("https://www.mozilla.org/media/img/favicons/firefox/favicon.ico",
                        T0 - 6 * DAY, pages=(1,)),
             ff.Favicon("https://static.files.bbci.co.uk/ws/simorgh-assets/favicon.png",
                        T0 - DAY, pages=(3,))]
    return pages, visits, icons


def observed() -> tuple[list[wk.Observed], list[wk.Link]]:
    domains = [wk.Observed("google.com", T0 - DAY, interaction=T0 - DAY),
               wk.Observed("gstatic.com", T0 - DAY),
               wk.Observed("select-edition.net", T0 - 2 * DAY, prevalent=True),
               wk.Observed("jornada.com.mx", T0 - 3600, interaction=T0 - 3600)]
    links = [wk.Link("SubresourceUnderTopFrameDomains", 2, 1, T0 - DAY),
             wk.Link("TopFrameUniqueRedirectsTo", 4, 3, T0 - 2 * DAY)]
    return domains, links


def session_stats() -> list[wk.Statistic]:
    return [wk.Statistic("jornada.com.mx", interaction=True, last_interaction=T0 - 3600,
                         last_seen=T0 - 3600, subresource_under=("google.com",)),
            wk.Statistic("noticias.example.org", redirects_from=("productsall.net",),
                         last_seen=T0 - DAY)]


def whatsapp_messages() -> list[WaMessage]:
    ana = "5215555550101@s.whatsapp.net"
    group = "5215555550101-1700000000@g.us"
    return [
        WaMessage(ana, T0 - 2 * DAY, "Mira esto", from_jid=ana, partner="Ana",
                  data_items=(DataItem(content1="https://www.eluniversal.com.mx/nacion/",
                                       title="Nación"),)),
        WaMessage(ana, T0 - 2 * DAY + 60, None, message_type=1, from_jid=ana, partner="Ana",
                  media=Media("https://mmg.whatsapp.net/v/t62.7118-24/1234_n.enc",
                              "Media/5215555550101@s.whatsapp.net/a/b/foto.jpg")),
        WaMessage(ana, T0 - 2 * DAY + 120, "Gracias", is_from_me=True, to_jid=ana,
                  partner="Ana"),
        WaMessage(group, T0 - DAY, "Revisen: https://turismo-aqui.com/v/9912", from_jid=group,
                  member="5215555550177@s.whatsapp.net", partner="Colectivo"),
        WaMessage(group, T0 - DAY + 30, "¿Qué es?", is_from_me=True, to_jid=group,
                  partner="Colectivo"),
    ]


def whatsapp_contacts() -> list[wax.Contact]:
    return [wax.Contact("5215555550101@s.whatsapp.net", "+52 1 55 5555 0101", "Ana",
                        about_text="Disponible", about_time=T0 - 30 * DAY, updated=T0 - DAY),
            wax.Contact("5215555550177@s.whatsapp.net", "+52 1 55 5555 0177", "Luis",
                        disappearing=604_800, disappearing_time=T0 - 5 * DAY)]


def lid_pairs() -> list[wax.LidPair]:
    return [wax.LidPair("98765432101234@lid", "5215555550177", T0 - 10 * DAY)]


def call_rows() -> list[calls_b.Call]:
    return [
        calls_b.Call(T0 - 3 * DAY, "+525555550101", 312.0, name="Ana"),
        calls_b.Call(T0 - 2 * DAY, "+525555550177", 0.0, answered=False),
        calls_b.Call(T0 - DAY, "taylorjade0303@gmail.com", 45.0,
                     call_type=calls_b.FACETIME_VIDEO, provider=calls_b.FACETIME),
        calls_b.Call(T0 - 3600, "+525555550202", 75.0, originated=True),
    ]


def people() -> list[con.Person]:
    return [
        con.Person("Ana", "Martínez", None,
                   (con.Value(con.PHONE, "_$!<Mobile>!$_", "+52 55 5555 0101"),
                    con.Value(con.EMAIL, "_$!<Home>!$_", "ana.martinez@example.org")),
                   created=T0 - 400 * DAY, modified=T0 - 30 * DAY),
        con.Person("Luis", None, "Colectivo",
                   (con.Value(con.PHONE, "_$!<Work>!$_", "+52 55 5555 0177"),),
                   created=T0 - 200 * DAY, modified=T0 - 200 * DAY),
    ]


def events() -> list[cal.Event]:
    return [
        cal.Event("Audiencia", T0 + DAY, T0 + DAY + 7200, "Juzgado 3",
                  created=T0 - 10 * DAY, modified=T0 - 2 * DAY,
                  organizer=cal.Person("ana.martinez@example.org"),
                  attendees=(cal.Person("bekkerfredi@gmail.com"),
                             cal.Person("luis@example.org", "+525555550177")),
                  uuid="9B1D5E7A-2C3F-4A6B-8D9E-0F1A2B3C4D5E"),
        cal.Event("Meeting", T0 - 40 * DAY, T0 - 40 * DAY + 3600, "Notes",
                  created=T0 - 2 * DAY, modified=T0 - 2 * DAY,
                  organizer=cal.Person("invite.organizer@example.net"),
                  uuid="9B1D5E7A-2C3F-4A6B-8D9E-0F1A2B3C4D60"),
        cal.Event("Cumpleaños de Ana", T0 + 5 * DAY, T0 + 6 * DAY, all_day=True,
                  created=T0 - 300 * DAY, modified=T0 - 300 * DAY,
                  uuid="9B1D5E7A-2C3F-4A6B-8D9E-0F1A2B3C4D5F"),
    ]


def interactions() -> list[ic.Interaction]:
    me = ic.Person("+525555550100", "Yo")
    return [
        ic.Interaction("com.apple.MobileSMS", T0 - 2 * DAY, T0 - 2 * DAY + 5,
                       sender=ic.Person("+525555550101", "Ana"), recipients=(me,),
                       account="E:valeria@example.org", mechanism=4),
        ic.Interaction("net.whatsapp.WhatsApp", T0 - DAY, T0 - DAY + 3,
                       sender=ic.Person("oskarschalcher@outlook.com", "Oskar"),
                       recipients=(me,), target_bundle_id="net.whatsapp.WhatsApp.Share",
                       attachments=(ic.Attachment("public.jpeg", size=120_331),)),
        ic.Interaction("com.apple.mobilemail", T0 - 3600, T0 - 3590, direction=1,
                       sender=me, recipients=(ic.Person("luis@example.org", "Luis"),
                                              ic.Person("ana.martinez@example.org", "Ana"))),
    ]


def shortcut_rows() -> list[ShortcutRow]:
    upload = actions_blob([
        action("is.workflow.actions.getclipboard"),
        action("is.workflow.actions.downloadurl", WFURL="https://pine-sales.com/up",
               WFHTTPMethod="POST"),
    ])
    return [
        ShortcutRow("Camino a casa", T0 - 90 * DAY, T0 - 60 * DAY, "Get Directions",
                    actions_blob([action("is.workflow.actions.getdirections")])),
        ShortcutRow("Respaldo", T0 - 2 * DAY, T0 - 2 * DAY, "Get Clipboard, Get Contents",
                    upload, last_run=T0 - DAY),
    ]


def addaily() -> bytes:
    return plistlib.dumps({"netUsageBaseline": {
        "com.apple.WebKit.WebContent": [_utc(T0 - 60), 48_211_954, 2_114_870, 3_551_220,
                                        301_442],
        "nsurlsessiond": [_utc(T0 - DAY), 912_004_331, 14_220_981, 120_551_019, 4_002_113],
        "accountpfd": [_utc(T0 - 2 * DAY), 0, 0, 4_112_000, 310_020],
        "BackupAgent": [_utc(T0 - 3 * DAY), 0, 0, 1_048_576, 65_536],
    }}, fmt=plistlib.FMT_BINARY)


def idstatus() -> bytes:
    return idstatuscache_plist({
        "com.apple.madrid": {
            "mailto:ana.martinez@example.org": {"LookupDate": cocoa_s(T0 - 5_000),
                                                "IDStatus": 1},
            "tel:+525555550101": {"LookupDate": cocoa_s(T0 - 4_000), "IDStatus": 1},
            "mailto:k.williams.enny74@gmail.com": {"LookupDate": cocoa_s(T0 - 3_000),
                                                   "IDStatus": 1},
            "mailto:nonbaguette@yahoo.com": {"LookupDate": cocoa_s(T0 - 2_500), "IDStatus": 2},
        },
        "com.apple.ess": {"tel:+525555550101": {"LookupDate": cocoa_s(T0 - 900),
                                                "IDStatus": 1},
                          NUL_USER: {"LookupDate": cocoa_s(T0 - 600), "IDStatus": 2},
                          # the NULs as escaped text, the form the incumbent looks for
                          "mailto:\\x00\\x00lookup@example.net": {
                              "LookupDate": cocoa_s(T0 - 500), "IDStatus": 2}},
    })


def locationd(*, odd: bool) -> bytes:
    """The builder's clients; without `odd`, its stand-ins (a plist date among the Cocoa
    times, a migration marker that is not a dictionary) are left out."""
    clients = locationd_clients()
    if not odd:
        clients = {k: v for k, v in clients.items() if isinstance(v, dict)}
        clients["net.whatsapp.WhatsApp"] = {
            k: v for k, v in clients["net.whatsapp.WhatsApp"].items()
            if k != "ConsumptionPeriodBegin"}
    clients["com.apple.locationd.executable-/private/var/db/eventstorpd"] = {
        "Executable": "/private/var/db/eventstorpd", "BundlePath": "", "Registered": "",
        "Authorization": 2, "LocationTimeStopped": cocoa_s(T0 - 2 * DAY)}
    return locationd_clients_plist(clients)


def _utc(unix: float) -> dt.datetime:
    """A naive UTC datetime, as plistlib writes plist dates."""
    return dt.datetime.fromtimestamp(unix, tz=dt.UTC).replace(tzinfo=None)


# -- the backup -------------------------------------------------------------------------------

Fill = Callable[[Any], None]


def catalogue_backup(g: int = 0, *, odd: bool | None = None,
                     device_name: str = "iPhone de Valeria",
                     foundation: dict[str, Fill] | None = None) -> BackupBuilder:
    """Backup number `g`: every artifact, in its g-th newest generation (or its oldest).

    `foundation` replaces the fill of some databases by name ("safari", "sms", "whatsapp",
    "datausage", "tcc"), as the bundled sample does with its own rows.

    Backup 0 also holds the odd shapes of the builders' samples that the incumbent cannot
    read (an app without iTunesMetadata, a profile with an empty PayloadContent, locationd's
    stand-ins); the others leave them out, so that its counts can be compared."""
    odd = g == 0 if odd is None else odd
    own = foundation or {}
    version, build = IOS_VERSIONS[g]
    builder = BackupBuilder(device_name=device_name, product_version=version,
                            build_version=build)
    builder.applications = {k: v for k, v in sample_applications().items()
                            if odd or "iTunesMetadata" in v}
    builder.applications["com.xdja.safekeyservice"] = app_entry(itunes_metadata(
        "com.xdja.safekeyservice", "SafeKey", "Example Labs", "3.0", "300", 6471000010,
        "Utilities"), seed="safekey")
    builder.applications["com.apple.rapports.events"] = app_entry(itunes_metadata(
        "com.apple.rapports.events", "Rapports", "Example Apps", "1.2", "12", 6471000009,
        "Utilities", source_app="com.apple.AppStore"), seed="rapports")
    home = "HomeDomain"
    builder.add_sqlite(home, "Library/Safari/History.db",
                       own.get("safari", history_db(safari_visits())))
    builder.add_sqlite(home, "Library/Safari/BrowserState.db",
                       bs.browser_state_db(generation("browser_state", g), tabs()))
    builder.add_sqlite(home, "Library/SMS/sms.db",
                       own.get("sms", sms_b.sms_db(sms_messages(), generation("sms", g))))
    grants = tcc_grants() if generation("tcc", g) in tcc_b.NEW_GENERATIONS else tcc_old_grants()
    builder.add_sqlite(home, "Library/TCC/TCC.db",
                       own.get("tcc", tcc_b.tcc_db(generation("tcc", g), grants)))
    builder.add_sqlite("WirelessDomain", DATAUSAGE_PATH,
                       own.get("datausage", datausage(generation("datausage_wifi", g))))
    builder.add_sqlite(CHROME, f"{CHROME_DIR}/History",
                       ch.history_db(generation("chrome_history", g), chrome_visits()))
    builder.add_sqlite(CHROME, f"{CHROME_DIR}/Favicons",
                       ch.favicons_db(generation("chrome_favicons", g), *chrome_icons()))
    builder.add_sqlite(FIREFOX, "profile.profile/browser.db",
                       ff.browser_db(generation("firefox", g), *firefox_rows()))
    builder.add_sqlite(SAFARI, f"{WEBKIT_DIR}/observations.db",
                       wk.observations_db(generation("webkit", g), *observed()))
    builder.add_file(SAFARI, f"{WEBKIT_DIR}/full_browsing_session_resourceLog.plist",
                     wk.session_log_plist(session_stats(),
                                          model=generation("session_log_model", g)))
    builder.add_sqlite(WHATSAPP, "ChatStorage.sqlite",
                       own.get("whatsapp", chat_storage(whatsapp_messages())))
    builder.add_sqlite(WHATSAPP, "LID.sqlite", wax.lid_db(lid_pairs()))
    builder.add_sqlite(WHATSAPP, "ContactsV2.sqlite",
                       wax.contacts_v2(whatsapp_contacts(), generation("whatsapp_contacts", g)))
    builder.add_sqlite(home, "Library/CallHistoryDB/CallHistory.storedata",
                       calls_b.call_history(call_rows(), generation("calls", g)))
    builder.add_sqlite(home, "Library/AddressBook/AddressBook.sqlitedb",
                       con.address_book(people(), generation("contacts", g)))
    builder.add_sqlite(home, "Library/Calendar/Calendar.sqlitedb",
                       cal.calendar_db(events(), generation("calendar", g)))
    builder.add_sqlite(home, "Library/CoreDuet/People/interactionC.db",
                       ic.interaction_c(interactions(), generation("interaction_c", g)))
    builder.add_sqlite(home, "Library/Shortcuts/Shortcuts.sqlite", shortcuts_db(shortcut_rows()))
    builder.add_file(home, GLOBAL_PREFS, global_preferences_plist(True))
    builder.add_file(home, ADDAILY_PATH, addaily())
    builder.add_file(home, IDSTATUSCACHE_PATH, idstatus())
    builder.add_file("RootDomain", LOCATIOND_PATH, locationd(odd=odd))
    implant = {**prof.vpn_profile(), "PayloadUUID": "76DAB334-7E17-475D-A5D6-0794EB5818A5",
               "PayloadIdentifier": "com.apple.system.update.profile",
               "PayloadDisplayName": "iOS update"}
    builder.add_file(prof.DOMAIN, prof.stub_path(implant["PayloadIdentifier"]),
                     prof.profile_plist(implant))
    for relative_path, data in prof.sample_profiles().items():
        if odd or relative_path != prof.stub_path(prof.empty_profile()["PayloadIdentifier"]):
            builder.add_file(prof.DOMAIN, relative_path, data)
    history = [*prof.sample_events(),
               ("com.example.vpn.helper", {"timestamp": _utc(T0 - 2 * DAY),
                                          "operation": "install", "process": "gssdp"})]
    builder.add_file(prof.DOMAIN, prof.EVENTS_PATH, prof.profile_events_plist(history))
    builder.add_file("RootDomain", "Library/Preferences/roleaccountd.plist",
                     plistlib.dumps({"Version": 2}, fmt=plistlib.FMT_BINARY),
                     times=(T0 - 2 * DAY, T0 - 2 * DAY, T0 - 2 * DAY))
    storage = "Library/WebKit/WebsiteData"
    for name in ("https_receiptpending.net_0.localstorage",
                 "https_receiptpending.net_0.localstorage-shm",
                 "https_receiptpending.net_0.localstorage-wal",
                 "https_www.jornada.com.mx_0.localstorage"):
        builder.add_file(SAFARI, f"{storage}/LocalStorage/{name}", bytes(64))
    builder.add_file(SAFARI, f"{storage}/IndexedDB/v1/https_receiptpending.net_0/"
                     "IndexedDB.sqlite3", bytes(64))
    builder.add_file("MediaDomain", "Library/SMS/Attachments/0a/10/AT_0_9B1E/IMG_0001.jpeg",
                     b"\xff\xd8\xff\xe0" + bytes(128))
    return builder
