"""Generate a large, realistic iOS backup for the check-backup speed benchmark.

The backup is written with the project's fixture builders (BackupBuilder and the real
`CREATE TABLE` statements of each app's database); rows are inserted with `executemany` so
that a backup of 100,000+ Safari visits takes seconds to build. A few indicators from
Amnesty's Pegasus STIX file are planted, so that both tools have detections to compare; every
other host, e-mail address and process name is checked against all the STIX files in
/work/shared/iocs so that nothing matches by accident. `<backup>.composition.json` beside the
backup folder lists the counts and every planted value; `bench_check_backup.py` reads it.

Usage (from the project root):
    .venv/bin/python -m bench.make_large_backup [--visits 100000] [--sms 30000]
        [--processes 20000] [--files 20000] [--out bench/.work/backup-large]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tests.builders.ios import datausage
from tests.builders.ios.safari import HISTORY_SCHEMA
from tests.builders.ios.sms import (
    CHAT_IOS17,
    COMMON_TABLES_IOS17,
    MESSAGE_IOS17,
    attributed_body,
)
from tests.builders.ios_backup import BackupBuilder, file_id, mbfile_blob
from tests.builders.timestamps import cocoa_ns, cocoa_s

ROOT = Path(__file__).resolve().parent.parent
IOCS = Path("/work/shared/iocs")
PEGASUS = IOCS / "amnesty" / "pegasus.stix2"
DEFAULT_OUT = ROOT / "bench" / ".work" / "backup-large"

# Backup window: two years of use ending just before the backup (BackupBuilder.last_backup).
END = dt.datetime(2024, 2, 29, 23, 0, tzinfo=dt.UTC).timestamp()
START = END - 2 * 365 * 86400

# Planted Pegasus indicators (values of amnesty/pegasus.stix2). "both" = MVT and perito are
# expected to find it; "perito" = a deliberate difference (MVT does not look there).
PLANT_SAFARI_EXACT = "weather4free.com"  # https://weather4free.com/... visited directly
PLANT_SAFARI_REDIRECT = "redirectnet.net"  # http://redirectnet.net → https://www.redirectnet.net
PLANT_SAFARI_INJECTED = "newenvelope.net"  # an http page redirected to it in 180 ms
PLANT_SMS_LINK = "smscentro.com"  # an SMS link
PLANT_SMS_BODY_ONLY = "pleaseusenew.net"  # link only in attributedBody (text NULL): perito
PLANT_SMS_EMAIL = "bogaardlisa803@gmail.com"  # iMessage sender handle: perito
PLANT_MANIFEST_ORIGIN = "tookcheckout.com"  # WebKit LocalStorage folder name in Manifest
PLANT_PROCESS = "roleaccountd"  # a DataUsage ZPROCESS name
PLANT_PROCESS_TRUNCATED = "ReminderIntentsUIExtension"  # stored as its first 16 characters

_WORDS = """
alpha amber apex arbor atlas aurora autumn badger beacon birch blue bolt breeze bright brook
canyon cedar central chrono cinder citrus civic clear cloud cobalt comet coral cosmo crest
crystal daily delta desert digital drift eagle echo ember equator evening falcon fern fiesta
fjord flora forest fox frontier galaxy garden giant glacier globe golden granite green grove
harbor harvest hawk horizon hudson indigo iron island ivory jade jasmine journal jungle kite
lagoon lantern lemon liberty lime linen lotus lunar maple marble meadow mercury metro mint
mosaic mountain nectar noble north nova oak ocean olive omega onyx orbit orchid pacific palm
panda paper pearl pepper pilot pine pixel planet plaza polar prairie prism pulse quartz quest
radiant rain raven reef ridge river robin rocket ruby saffron sage salt sapphire savanna
scarlet sequoia shadow sierra silver sky slate solar sonic spark spruce star stone storm
summit sun swift tango terra thunder tiger timber topaz trail tulip tundra urban valley
velvet vista voyage walnut wave willow wind winter wolf yellow zenith zephyr
"""
WORDS = tuple(_WORDS.split())
KINDS = ("news", "shop", "blog", "tech", "travel", "food", "sport", "bank", "learn", "media",
         "health", "auto", "home", "music", "games", "jobs", "maps", "photo", "cloud", "app")
TLDS = (("com", 50), ("org", 8), ("net", 8), ("io", 4), ("co.uk", 4), ("de", 4), ("fr", 3),
        ("es", 3), ("mx", 3), ("com.mx", 3), ("com.br", 3), ("info", 2), ("news", 1),
        ("app", 1), ("co", 2), ("it", 1))
SUBDOMAINS = (("", 45), ("www.", 35), ("m.", 6), ("news.", 3), ("shop.", 3), ("blog.", 2),
              ("es.", 2), ("en.", 2), ("mobile.", 1), ("app.", 1))
POPULAR = ("www.google.com", "en.wikipedia.org", "es.wikipedia.org", "www.youtube.com",
           "m.youtube.com", "twitter.com", "x.com", "www.instagram.com", "www.facebook.com",
           "m.facebook.com", "www.reddit.com", "www.amazon.com", "www.nytimes.com",
           "elpais.com", "www.bbc.com", "www.theguardian.com", "github.com",
           "stackoverflow.com", "www.apple.com", "support.apple.com", "maps.apple.com",
           "www.linkedin.com", "news.ycombinator.com", "www.eluniversal.com.mx",
           "www.jornada.com.mx", "www.proceso.com.mx", "www.animalpolitico.com",
           "www.aristeguinoticias.com", "t.co", "bit.ly")
SHORTENERS = ("bit.ly", "t.co", "tinyurl.com")
FIRST = ("ana", "luis", "maria", "jose", "carmen", "juan", "lucia", "pedro", "sofia", "diego",
         "elena", "pablo", "laura", "jorge", "paula", "miguel", "sara", "carlos", "marta", "raul")
LAST = ("garcia", "lopez", "martinez", "hernandez", "gonzalez", "perez", "sanchez", "ramirez",
        "torres", "flores", "rivera", "gomez", "diaz", "cruz", "morales", "reyes")
MAIL_DOMAINS = ("gmail.com", "icloud.com", "outlook.com", "yahoo.com", "protonmail.com",
                "me.com")
SMS_TEMPLATES = (
    "Hola, ¿nos vemos mañana a las {h}?", "Ok", "Gracias!", "Ya llegué", "Te llamo luego",
    "¿Viste esto? {url}", "Mira: {url}", "Here is the link {url} see you later",
    "Tu código de verificación es {code}. No lo compartas.",
    "Your Uber code: {code}", "Confirmamos tu cita para el {d} a las {h}.",
    "Tu paquete está en camino, síguelo en {url}", "Reunión movida a las {h}",
    "{url}", "Lo leí en {url} — ¿qué opinas?", "Feliz cumpleaños!! 🎉",
    "Banco: compra por ${amount} aprobada. Si no la reconoces llama al 800 000 0000",
    "Llego en 10 min", "Listo ✅", "Sale, nos vemos",
)
BUNDLES = ("com.apple.mobilesafari", "com.apple.MobileSMS", "com.apple.mobilemail",
           "com.apple.Maps", "com.apple.news", "com.apple.weather", "com.apple.Music",
           "com.apple.AppStore", "com.apple.Preferences", "com.apple.podcasts",
           "net.whatsapp.WhatsApp", "com.burbn.instagram", "com.facebook.Facebook",
           "com.google.chrome.ios", "com.google.Maps", "com.spotify.client",
           "ph.telegra.Telegraph", "org.whispersystems.signal", "com.atebits.Tweetie2",
           "com.ubercab.UberClient", "com.netflix.Netflix", "com.linkedin.LinkedIn",
           "com.microsoft.Office.Outlook", "com.toyopagroup.picaboo", "com.zhiliaoapp.musically")
DAEMONS = ("mDNSResponder", "apsd", "nsurlsessiond", "itunesstored", "cloudd", "identityservicesd",
           "assistantd", "softwareupdated", "locationd", "trustd", "akd", "geod", "parsecd",
           "timed", "CommCenter", "mobileassetd", "symptomsd", "remindd", "kbd", "healthd",
           "appstored", "nehelper", "com.apple.WebKit.Networking", "com.apple.WebKit.WebContent",
           "powerd/com.apple.datausage.diagnostics", "lockdownd/com.apple.datausage.security",
           "searchpartyd", "rapportd", "sharingd", "bluetoothd", "wifid", "mediaserverd",
           "imagent", "IMTransferAgent", "MessagesBlastDoorService", "callservicesd",
           "suggestd", "photoanalysisd", "mediaanalysisd", "cloudphotod", "dasd", "atc")


@dataclass
class Composition:
    """What the generated backup holds; written to composition.json."""

    seed: int
    visits: int = 0
    history_items: int = 0
    safari_hosts: int = 0
    http_upgrades: int = 0  # http://h → https://h, same host, < 1 s
    www_redirects: int = 0  # http://h → https://www.h (same site, other host), < 1 s
    cross_site_redirects: int = 0  # http://shortener → https://other site, < 1 s
    sms_messages: int = 0
    sms_handles: int = 0
    sms_with_links: int = 0
    sms_body_only: int = 0
    sms_join_indexes: bool = False
    datausage_processes: int = 0
    datausage_live_rows: int = 0
    datausage_deleted: int = 0  # ZPROCESS rows missing from the key range
    manifest_rows: int = 0
    planted: list[dict[str, str]] = field(default_factory=list)
    seconds: float = 0.0


# -- indicators -----------------------------------------------------------------------------

_PATTERN = re.compile(r"\[([a-z0-9-]+:[A-Za-z0-9_.']+)\s*=\s*'((?:[^'\\]|\\.)*)'\]")


def indicator_values(paths: Iterable[Path]) -> dict[str, set[str]]:
    """Values per STIX pattern key (simple equality patterns only: enough to avoid them)."""
    values: dict[str, set[str]] = {}
    for path in paths:
        bundle = json.loads(path.read_text(encoding="utf-8"))
        for obj in bundle.get("objects", []):
            if obj.get("type") != "indicator":
                continue
            for key, value in _PATTERN.findall(obj.get("pattern", "")):
                values.setdefault(key, set()).add(value)
    return values


class Avoid:
    """Rejects generated names that any shared indicator would match."""

    def __init__(self, values: dict[str, set[str]]) -> None:
        self.domains = {v.lower().rstrip(".") for v in values.get("domain-name:value", set())}
        self.emails = {v.lower() for v in values.get("email-addr:value", set())}
        self.processes = set(values.get("process:name", set()))

    def host_ok(self, host: str) -> bool:
        labels = host.lower().split(".")
        return not any(".".join(labels[i:]) in self.domains for i in range(len(labels)))

    def process_ok(self, name: str) -> bool:
        base = name.split("/")[0]
        if base in self.processes:
            return False
        return not (len(base) >= 15 and any(p.startswith(base) for p in self.processes))


def check_planted(values: dict[str, set[str]]) -> None:
    domains = values.get("domain-name:value", set())
    for domain in (PLANT_SAFARI_EXACT, PLANT_SAFARI_REDIRECT, PLANT_SAFARI_INJECTED,
                   PLANT_SMS_LINK, PLANT_SMS_BODY_ONLY, PLANT_MANIFEST_ORIGIN):
        if domain not in domains:
            sys.exit(f"{domain} is not a domain indicator of {PEGASUS}")
    if PLANT_SMS_EMAIL not in values.get("email-addr:value", set()):
        sys.exit(f"{PLANT_SMS_EMAIL} is not an e-mail indicator of {PEGASUS}")
    for process in (PLANT_PROCESS, PLANT_PROCESS_TRUNCATED):
        if process not in values.get("process:name", set()):
            sys.exit(f"{process} is not a process indicator of {PEGASUS}")


# -- hosts and URLs -------------------------------------------------------------------------

@dataclass
class Host:
    name: str
    kind: str
    paths: list[str] = field(default_factory=list)


def weighted(rng: random.Random, options: Sequence[tuple[str, int]]) -> str:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def make_hosts(rng: random.Random, count: int, avoid: Avoid) -> list[Host]:
    """`count` distinct hosts, popular ones first (the list order is the popularity rank)."""
    hosts = [Host(h, "popular") for h in POPULAR]
    seen = {h.name for h in hosts}
    while len(hosts) < count:
        kind = rng.choice(KINDS)
        base = rng.choice(WORDS)
        style = rng.random()
        if style < 0.35:
            label = f"{base}{kind}"
        elif style < 0.6:
            label = f"{base}-{kind}"
        elif style < 0.8:
            label = f"{base}{rng.choice(WORDS)}"
        else:
            label = f"{base}{kind}{rng.randint(1, 999)}"
        name = f"{weighted(rng, SUBDOMAINS)}{label}.{weighted(rng, TLDS)}"
        if name in seen or not avoid.host_ok(name):
            continue
        seen.add(name)
        hosts.append(Host(name, kind))
    rng.shuffle(hosts[len(POPULAR):])
    return hosts[:count]


def slug(rng: random.Random, words: int) -> str:
    return "-".join(rng.choice(WORDS) for _ in range(words))


def new_path(rng: random.Random, host: Host) -> str:
    kind = host.kind
    if kind in ("news", "blog", "media", "sport", "popular"):
        day = dt.date(2022, 1, 1) + dt.timedelta(days=rng.randint(0, 800))
        path = f"/{day:%Y/%m/%d}/{slug(rng, rng.randint(3, 7))}"
        if rng.random() < 0.2:
            path += ".html"
    elif kind in ("shop", "auto", "home"):
        path = f"/p/{slug(rng, 2)}/{rng.randint(10000, 9999999)}"
        if rng.random() < 0.4:
            path += f"?ref=search&q={rng.choice(WORDS)}+{rng.choice(WORDS)}"
    elif kind in ("maps", "travel"):
        path = (f"/place/{rng.choice(WORDS)}?ll={rng.uniform(-90, 90):.5f},"
                f"{rng.uniform(-180, 180):.5f}&z={rng.randint(3, 18)}")
    elif kind in ("bank", "app", "cloud"):
        path = rng.choice(("/login", "/account", "/account/settings", "/signin?next=%2Fhome",
                           f"/session/{rng.getrandbits(64):016x}"))
    else:
        path = "/" + "/".join(rng.choice(WORDS) for _ in range(rng.randint(0, 3)))
    if rng.random() < 0.1:
        source = rng.choice(("twitter", "newsletter", "whatsapp"))
        path += f"{'&' if '?' in path else '?'}utm_source={source}"
    if rng.random() < 0.03:
        path += f"#{rng.choice(WORDS)}"
    return path


def pick_url(rng: random.Random, host: Host, scheme: str = "https") -> str:
    if host.paths and rng.random() < 0.55:
        path = rng.choice(host.paths[:50])
    else:
        path = new_path(rng, host)
        host.paths.append(path)
    return f"{scheme}://{host.name}{path}"


class HostPicker:
    """Zipf-like popularity over the host list."""

    def __init__(self, rng: random.Random, hosts: list[Host]) -> None:
        self.rng = rng
        self.hosts = hosts
        self.weights = [1.0 / (rank + 5) ** 1.05 for rank in range(len(hosts))]

    def pick(self, k: int) -> list[Host]:
        return self.rng.choices(self.hosts, weights=self.weights, k=k)


def site_of(host: str) -> str:
    return host.removeprefix("www.").removeprefix("m.")


# -- Safari History.db ----------------------------------------------------------------------

@dataclass
class SafariVisitRow:
    url: str
    unix: float
    title: str | None
    redirect_to: int | None = None  # index of the destination visit


def safari_visits(rng: random.Random, picker: HostPicker, count: int, comp: Composition,
                  *, upgrade_share: float, www_share: float, cross_share: float
                  ) -> list[SafariVisitRow]:
    """Visits in time order; some http visits redirect (< 1 s) to the next visit."""
    times = sorted(rng.uniform(START, END) for _ in range(count))
    visits: list[SafariVisitRow] = []
    hosts = picker.pick(count)
    i = 0
    plants = {count // 3: "exact", count // 2: "redirect", (2 * count) // 3: "injected"}
    while len(visits) < count:
        t = times[len(visits)]
        host = hosts[i]
        i += 1
        remaining = count - len(visits)
        plant = next((p for at, p in plants.items() if len(visits) >= at), None)
        if plant is not None and remaining >= 2:
            plants = {at: p for at, p in plants.items() if p != plant}
            visits.extend(planted_visits(rng, plant, t, len(visits), comp))
            continue
        roll = rng.random()
        title = f"{slug(rng, rng.randint(2, 6)).replace('-', ' ').title()}" \
            if rng.random() < 0.9 else None
        if remaining >= 2 and roll < upgrade_share:
            url = pick_url(rng, host, "https")
            visits.append(SafariVisitRow("http" + url[5:], t, None, len(visits) + 1))
            visits.append(SafariVisitRow(url, t + rng.uniform(0.03, 0.4), title))
            comp.http_upgrades += 1
        elif remaining >= 2 and roll < upgrade_share + www_share and "." in host.name:
            bare = host.name.removeprefix("www.")
            path = new_path(rng, host)
            visits.append(SafariVisitRow(f"http://{bare}{path}", t, None, len(visits) + 1))
            visits.append(SafariVisitRow(f"https://www.{bare}{path}",
                                         t + rng.uniform(0.05, 0.5), title))
            comp.www_redirects += 1
        elif remaining >= 2 and roll < upgrade_share + www_share + cross_share:
            code = "".join(rng.choices("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789",
                                       k=7))
            short = f"http://{rng.choice(SHORTENERS)}/{code}"
            visits.append(SafariVisitRow(short, t, None, len(visits) + 1))
            visits.append(SafariVisitRow(pick_url(rng, host), t + rng.uniform(0.1, 0.8), title))
            comp.cross_site_redirects += 1
        else:
            visits.append(SafariVisitRow(pick_url(rng, host), t, title))
    return visits


def planted_visits(rng: random.Random, plant: str, t: float, index: int,
                   comp: Composition) -> list[SafariVisitRow]:
    if plant == "exact":
        comp.planted.append({"where": "safari_history", "kind": "domain",
                             "value": PLANT_SAFARI_EXACT, "expected": "both"})
        return [SafariVisitRow(f"https://{PLANT_SAFARI_EXACT}/forecast?city=cdmx&d=7", t,
                               "Weather 4 Free"),
                SafariVisitRow(f"https://{PLANT_SAFARI_EXACT}/", t + 40, "Weather 4 Free")]
    if plant == "redirect":
        comp.planted.append({"where": "safari_history", "kind": "domain",
                             "value": PLANT_SAFARI_REDIRECT, "expected": "both"})
        comp.http_upgrades += 1
        return [SafariVisitRow(f"http://{PLANT_SAFARI_REDIRECT}/r/{rng.getrandbits(32):08x}",
                               t, None, index + 1),
                SafariVisitRow(f"https://www.{PLANT_SAFARI_REDIRECT}/landing", t + 0.21,
                               "Loading…")]
    comp.planted.append({"where": "safari_history", "kind": "domain",
                         "value": PLANT_SAFARI_INJECTED, "expected": "both"})
    comp.cross_site_redirects += 1
    return [SafariVisitRow("http://www.eluniversal.com.mx/nacion/politica", t, None, index + 1),
            SafariVisitRow(f"https://{PLANT_SAFARI_INJECTED}/{rng.getrandbits(48):012x}/",
                           t + 0.18, None)]


def history_fill(visits: Sequence[SafariVisitRow]) -> Callable[[sqlite3.Connection], None]:
    """Safari's real schema (tests/builders/ios/safari.py), filled in bulk."""
    def fill(db: sqlite3.Connection) -> None:
        db.executescript(HISTORY_SCHEMA)
        db.execute("INSERT INTO metadata VALUES ('version', 20)")
        items: dict[str, int] = {}
        counts: dict[str, int] = {}
        for visit in visits:
            items.setdefault(visit.url, len(items) + 1)
            counts[visit.url] = counts.get(visit.url, 0) + 1
        db.executemany(
            "INSERT INTO history_items (id, url, domain_expansion, visit_count, "
            "daily_visit_counts, should_recompute_derived_visit_counts, visit_count_score) "
            "VALUES (?, ?, ?, ?, x'', 0, ?)",
            ((item, url, url.split("//", 1)[-1].split("/", 1)[0].removeprefix("www."),
              counts[url], counts[url] * 100) for url, item in items.items()))
        sources = {v.redirect_to: n for n, v in enumerate(visits, start=1)
                   if v.redirect_to is not None}
        db.executemany(
            "INSERT INTO history_visits (id, history_item, visit_time, title, load_successful, "
            "redirect_source, redirect_destination, origin, generation, attributes, score) "
            "VALUES (?, ?, ?, ?, 1, ?, ?, 0, 1, 0, 100)",
            ((n, items[v.url], cocoa_s(v.unix), v.title, sources.get(n - 1),
              v.redirect_to + 1 if v.redirect_to is not None else None)
             for n, v in enumerate(visits, start=1)))
    return fill


# -- sms.db ---------------------------------------------------------------------------------

@dataclass
class SmsRow:
    guid: str
    unix: float
    text: str
    handle: int  # handle ROWID, 0 = none
    service: str
    from_me: bool
    body_only: bool = False


def sms_rows(rng: random.Random, picker: HostPicker, count: int, comp: Composition,
             avoid: Avoid) -> tuple[list[tuple[str, str]], list[SmsRow]]:
    """(handles as (id, service), messages in time order)."""
    handles: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    contacts = max(20, count // 60)
    while len(handles) < contacts:
        if rng.random() < 0.7:
            handle = (f"+52{rng.choice('235689')}{rng.randint(10**8, 10**9 - 1)}",
                      rng.choice(("SMS", "iMessage", "iMessage")))
        else:
            mail = (f"{rng.choice(FIRST)}.{rng.choice(LAST)}{rng.randint(1, 99)}@"
                    f"{rng.choice(MAIL_DOMAINS)}")
            if mail in avoid.emails:
                continue
            handle = (mail, "iMessage")
        if handle not in seen:
            seen.add(handle)
            handles.append(handle)
    for short_code in ("28273", "89000", "CFE", "BBVA", "Uber"):
        handles.append((short_code, "SMS"))
    handles.append((PLANT_SMS_EMAIL, "iMessage"))
    email_handle = len(handles)
    imessage_handle = next(n for n, (_, s) in enumerate(handles, start=1) if s == "iMessage")
    weights = [1.0 / (r + 2) for r in range(len(handles) - 1)] + [0.0]
    times = sorted(rng.uniform(START, END) for _ in range(count))
    picked = rng.choices(range(1, len(handles) + 1), weights=weights, k=count)
    messages: list[SmsRow] = []
    plants = {count // 4: "link", count // 2: "email", (3 * count) // 4: "body_only"}
    for n, t in enumerate(times):
        guid = f"{rng.getrandbits(32):08X}-{rng.getrandbits(16):04X}-{rng.getrandbits(16):04X}-" \
               f"{rng.getrandbits(16):04X}-{rng.getrandbits(48):012X}"
        plant = plants.get(n)
        if plant == "link":
            comp.planted.append({"where": "sms", "kind": "domain", "value": PLANT_SMS_LINK,
                                 "expected": "both"})
            messages.append(SmsRow(guid, t, "Estimado cliente, su envío tiene un cargo "
                                   f"pendiente: https://{PLANT_SMS_LINK}/c/8Hq2x", 2,
                                   handles[1][1], False))
            continue
        if plant == "email":
            comp.planted.append({"where": "sms", "kind": "email", "value": PLANT_SMS_EMAIL,
                                 "expected": "perito (MVT never matches SMS handles)"})
            messages.append(SmsRow(guid, t, "Hola! Soy Lisa, ¿te acuerdas de mí?",
                                   email_handle, "iMessage", False))
            continue
        if plant == "body_only":
            comp.planted.append({"where": "sms", "kind": "domain", "value": PLANT_SMS_BODY_ONLY,
                                 "expected": "perito (text NULL; MVT reads only `text`)"})
            messages.append(SmsRow(guid, t, f"Mira esta nota https://{PLANT_SMS_BODY_ONLY}/n/"
                                   "a81f", imessage_handle, "iMessage", False, body_only=True))
            comp.sms_body_only += 1
            continue
        template = rng.choice(SMS_TEMPLATES)
        url = ""
        if "{url}" in template:
            url = pick_url(rng, picker.pick(1)[0])
            if rng.random() < 0.05:
                url = f"https://{rng.choice(SHORTENERS)}/{rng.getrandbits(30):x}"
        text = template.format(url=url, h=f"{rng.randint(7, 22)}:{rng.choice(('00', '30'))}",
                               code=rng.randint(100000, 999999), d=rng.randint(1, 28),
                               amount=f"{rng.randint(50, 9000)}.{rng.randint(0, 99):02d}")
        handle = picked[n]
        service = handles[handle - 1][1]
        body_only = service == "iMessage" and rng.random() < 0.03
        comp.sms_body_only += body_only
        messages.append(SmsRow(guid, t, text, handle, service, rng.random() < 0.45, body_only))
    comp.sms_messages = len(messages)
    comp.sms_handles = len(handles)
    comp.sms_with_links = sum("http" in m.text for m in messages)
    return handles, messages


# Join-table indexes that Messages creates (public `.schema` dumps of chat.db/sms.db list them)
# but tests/builders/ios/sms.py does not: without them any per-message lookup in
# chat_message_join is a full scan. --sms-bare-schema leaves them out.
SMS_JOIN_INDEXES = """
CREATE INDEX chat_message_join_idx_message_id_only ON chat_message_join(message_id);
CREATE INDEX chat_message_join_idx_chat_id ON chat_message_join(chat_id);
CREATE INDEX chat_message_join_idx_message_date_id_chat_id
    ON chat_message_join(chat_id, message_date, message_id);
CREATE INDEX chat_handle_join_idx_handle_id ON chat_handle_join(handle_id);
CREATE INDEX message_attachment_join_idx_message_id ON message_attachment_join(message_id);
CREATE INDEX message_attachment_join_idx_attachment_id ON message_attachment_join(attachment_id);
"""


def sms_fill(handles: Sequence[tuple[str, str]], messages: Sequence[SmsRow], *,
             join_indexes: bool = True) -> Callable[[sqlite3.Connection], None]:
    """The iOS 17 sms.db schema (tests/builders/ios/sms.py), filled in bulk."""
    def fill(db: sqlite3.Connection) -> None:
        db.executescript(COMMON_TABLES_IOS17 + MESSAGE_IOS17 + CHAT_IOS17)
        if join_indexes:
            db.executescript(SMS_JOIN_INDEXES)
        db.execute("INSERT INTO _SqliteDatabaseProperties VALUES ('_ClientVersion', '17006')")
        db.executemany(
            "INSERT INTO handle (ROWID, id, country, service, uncanonicalized_id, "
            "person_centric_id) VALUES (?, ?, ?, ?, NULL, NULL)",
            ((n, h, None if "@" in h else "mx", service)
             for n, (h, service) in enumerate(handles, start=1)))
        db.executemany(
            "INSERT INTO chat (ROWID, guid, style, state, account_id, chat_identifier, "
            "service_name, account_login) VALUES (?, ?, 45, 3, ?, ?, ?, 'E:persona@example.org')",
            ((n, f"{service};-;{h}", "6E1B8F0A-0C55-4D7A-9D3E-3C2B5A1F0E11", h, service)
             for n, (h, service) in enumerate(handles, start=1)))
        db.executemany("INSERT INTO chat_handle_join VALUES (?, ?)",
                       ((n, n) for n in range(1, len(handles) + 1)))

        def rows() -> Iterable[tuple[Any, ...]]:
            for n, m in enumerate(messages, start=1):
                date = cocoa_ns(m.unix)
                read = cocoa_ns(m.unix + 120) if not m.from_me and n % 5 else 0
                yield (n, m.guid, None if m.body_only else m.text, m.handle,
                       attributed_body(m.text), m.service,
                       "e:persona@example.org" if m.service == "iMessage" else
                       "p:+525555550100", date, read, date + 900_000_000 if m.from_me else 0,
                       int(m.from_me), int(bool(read)), int(m.from_me), n)
        db.executemany(
            "INSERT INTO message (ROWID, guid, text, handle_id, attributedBody, service, "
            "account, account_guid, date, date_read, date_delivered, is_delivered, "
            "is_finished, is_from_me, is_read, is_sent, sort_id) VALUES "
            "(?, ?, ?, ?, ?, ?, ?, '6E1B8F0A-0C55-4D7A-9D3E-3C2B5A1F0E11', ?, ?, ?, 1, 1, "
            "?, ?, ?, ?)", rows())
        db.executemany("INSERT INTO chat_message_join VALUES (?, ?, ?)",
                       ((m.handle, n, cocoa_ns(m.unix))
                        for n, m in enumerate(messages, start=1)))
    return fill


# -- Manifest filler ------------------------------------------------------------------------

def manifest_rows(rng: random.Random, hosts: Sequence[Host], count: int, comp: Composition
                  ) -> list[tuple[str, str, int]]:
    """(domain, relativePath, flags) of ordinary backup content: photos, app files, WebKit."""
    rows: list[tuple[str, str, int]] = [
        ("CameraRollDomain", "Media/DCIM/100APPLE", 2),
        ("HomeDomain", "Library/WebKit/WebsiteData/LocalStorage", 2)]
    rows.append(("HomeDomain", "Library/WebKit/WebsiteData/LocalStorage/"
                 f"https_{PLANT_MANIFEST_ORIGIN}_0.localstorage", 1))
    comp.planted.append({"where": "manifest", "kind": "domain", "value": PLANT_MANIFEST_ORIGIN,
                         "expected": "both"})
    photo = 1
    seen: set[tuple[str, str]] = {(d, p) for d, p, _ in rows}
    while len(rows) < count:
        roll = rng.random()
        if roll < 0.5:
            folder = 100 + photo // 1000
            ext = rng.choice(("HEIC", "HEIC", "JPG", "MOV", "PNG"))
            row = ("CameraRollDomain", f"Media/DCIM/{folder}APPLE/IMG_{photo % 10000:04d}.{ext}",
                   1)
            photo += 1
        elif roll < 0.8:
            bundle = rng.choice(BUNDLES)
            sub = rng.choice(("Documents", "Library/Caches", "Library/Application Support",
                              "Library/Preferences"))
            name = rng.choice((f"{bundle}.plist", f"{rng.choice(WORDS)}_{rng.randint(1, 9999)}"
                               ".db", f"{rng.choice(WORDS)}.json", f"{rng.getrandbits(40):010x}"))
            row = (f"AppDomain-{bundle}", f"{sub}/{name}", 1)
        else:
            host = rng.choice(hosts[:1500]).name
            kind = rng.choice(("LocalStorage", "IndexedDB/v1"))
            suffix = ".localstorage" if kind == "LocalStorage" else ""
            row = ("HomeDomain", f"Library/WebKit/WebsiteData/{kind}/https_{host}_0{suffix}", 1)
        if (row[0], row[1]) not in seen:
            seen.add((row[0], row[1]))
            rows.append(row)
    return rows


def add_manifest_rows(root: Path, rows: Sequence[tuple[str, str, int]], rng: random.Random
                      ) -> None:
    """Insert rows into the written Manifest.db (BackupBuilder's own MBFile encoding) and store
    a small file for each file row, as a complete backup would."""
    base = 1_650_000_000
    db = sqlite3.connect(root / "Manifest.db")
    values = []
    for inode, (domain, path, flags) in enumerate(rows, start=500_000):
        fid = file_id(domain, path)
        data = rng.randbytes(rng.randint(16, 256)) if flags == 1 else b""
        when = base + rng.randint(0, 60_000_000)
        blob = mbfile_blob(path, size=len(data), mode=0o100644 if flags == 1 else 0o40755,
                           birth=when, modified=when, status_changed=when, inode=inode)
        values.append((fid, domain, path, flags, blob))
        if flags == 1:
            target = root / fid[:2] / fid
            target.parent.mkdir(exist_ok=True)
            target.write_bytes(data)
    db.executemany("INSERT OR REPLACE INTO Files VALUES (?, ?, ?, ?, ?)", values)
    db.commit()
    db.close()


# -- DataUsage.sqlite -----------------------------------------------------------------------

def datausage_fill(rng: random.Random, count: int, comp: Composition, avoid: Avoid
                   ) -> Callable[[sqlite3.Connection], None]:
    """DataUsage.sqlite through the DataUsage builder (real CoreData schema, bulk insert).

    `count` ZPROCESS rows: daemons and apps seen again and again over two years, each with
    one to three ZLIVEUSAGE rows; about 0.5 % of the process rows were deleted by CoreData's
    housekeeping (key gaps), and one traffic row lost its process (the Pegasus clean-up trace).
    """
    names = [(d, None) for d in DAEMONS if avoid.process_ok(d)]
    names += [(b.rsplit(".", 1)[-1], b) for b in BUNDLES]
    plants = {count // 3: (PLANT_PROCESS, None),
              (2 * count) // 3: (PLANT_PROCESS_TRUNCATED[:16], None)}
    comp.planted += [
        {"where": "datausage", "kind": "process", "value": PLANT_PROCESS, "expected": "both"},
        {"where": "datausage", "kind": "process", "value": PLANT_PROCESS_TRUNCATED,
         "expected": "both (stored truncated to 16 characters)"}]
    processes: list[datausage.Process] = []
    usage: list[datausage.Usage] = []
    weights = [1.0 / (rank + 3) for rank in range(len(names))]
    picked = rng.choices(names, weights=weights, k=count)
    orphan = count // 2
    for pk in range(1, count + 1):
        first = START + (END - START) * (pk - 1) / count + rng.uniform(0, 600)
        last = min(END, first + rng.uniform(60, 30 * 86400))
        name, bundle = plants.get(pk, picked[pk - 1])
        deleted = pk == orphan or (pk not in plants and rng.random() < 0.005)
        if not deleted:
            processes.append(datausage.Process(pk, name, bundle, first, last))
        if deleted and pk != orphan:
            continue
        for _ in range(rng.choice((1, 1, 2, 3))):
            usage.append(datausage.Usage(len(usage) + 1, pk, rng.uniform(first, last),
                                         wwan_in=float(rng.randint(0, 50_000_000)),
                                         wwan_out=float(rng.randint(0, 5_000_000))))
    comp.datausage_processes = len(processes)
    comp.datausage_live_rows = len(usage)
    comp.datausage_deleted = count - len(processes)
    return datausage.datausage_db(processes, usage, wifi=False, process_max=count)


# -- main -----------------------------------------------------------------------------------

def build(args: argparse.Namespace) -> Composition:
    started = time.perf_counter()
    rng = random.Random(args.seed)
    stix = sorted(IOCS.rglob("*.stix2"))
    values = indicator_values(stix)
    check_planted(indicator_values([PEGASUS]))
    avoid = Avoid(values)
    comp = Composition(seed=args.seed)
    hosts = make_hosts(rng, args.hosts, avoid)
    picker = HostPicker(rng, hosts)

    builder = BackupBuilder()
    visits = safari_visits(rng, picker, args.visits, comp, upgrade_share=args.upgrades,
                           www_share=args.www_redirects, cross_share=args.cross_redirects)
    comp.visits = len(visits)
    comp.history_items = len({v.url for v in visits})
    comp.safari_hosts = len({v.url.split("/")[2] for v in visits})
    builder.add_sqlite("HomeDomain", "Library/Safari/History.db", history_fill(visits))
    print(f"safari: {comp.visits} visits, {comp.history_items} URLs, {comp.safari_hosts} hosts",
          file=sys.stderr)

    if args.sms:
        handles, messages = sms_rows(rng, picker, args.sms, comp, avoid)
        builder.add_sqlite("HomeDomain", "Library/SMS/sms.db",
                           sms_fill(handles, messages, join_indexes=not args.sms_bare_schema))
        comp.sms_join_indexes = not args.sms_bare_schema
        print(f"sms: {comp.sms_messages} messages, {comp.sms_handles} handles", file=sys.stderr)

    if args.processes:
        builder.add_sqlite("WirelessDomain", "Library/Databases/DataUsage.sqlite",
                           datausage_fill(rng, args.processes, comp, avoid))
        print(f"datausage: {comp.datausage_processes} processes, {comp.datausage_live_rows} "
              "traffic rows", file=sys.stderr)

    out: Path = args.out
    if out.exists():
        shutil.rmtree(out)
    builder.write(out)
    extra = manifest_rows(rng, hosts, args.files, comp) if args.files else []
    add_manifest_rows(out, extra, rng)
    with sqlite3.connect(out / "Manifest.db") as db:
        comp.manifest_rows = db.execute("SELECT count(*) FROM Files").fetchone()[0]
    db.close()
    comp.seconds = round(time.perf_counter() - started, 1)
    (out.parent / f"{out.name}.composition.json").write_text(
        json.dumps(asdict(comp), indent=2) + "\n", encoding="utf-8")
    return comp


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visits", type=int, default=100_000, help="Safari visits")
    parser.add_argument("--hosts", type=int, default=3_000, help="distinct web hosts")
    parser.add_argument("--upgrades", type=float, default=0.015,
                        help="share of visits that are an http→https same-host redirect")
    parser.add_argument("--www-redirects", type=float, default=0.003,
                        help="share of http://host → https://www.host redirects")
    parser.add_argument("--cross-redirects", type=float, default=0.0005,
                        help="share of http://shortener → other-site redirects")
    parser.add_argument("--sms", type=int, default=30_000, help="sms.db messages (0: none)")
    parser.add_argument("--sms-bare-schema", action="store_true",
                        help="sms.db without the join-table indexes (as the fixture builder)")
    parser.add_argument("--processes", type=int, default=20_000,
                        help="DataUsage ZPROCESS rows (0: no DataUsage.sqlite)")
    parser.add_argument("--files", type=int, default=20_000,
                        help="extra Manifest rows: photos, app files, WebKit origin folders")
    parser.add_argument("--seed", type=int, default=20240301)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="backup folder")
    args = parser.parse_args(argv)
    comp = build(args)
    print(json.dumps(asdict(comp), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
