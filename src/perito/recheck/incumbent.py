"""The incumbent's (MVT's) result files: which fields of each module's JSON carry which kind
of observable (indicators-and-outputs.md §5.7), and the record that carries them.

Field paths: `a` a key, `a[]` every item of a list, `a.b` a nested key, `a[].b` a key of every
item. A value that is not text is ignored, but a mapping where text was expected gives its
`origin`, `domain` or `url` (the WebKit redirect lists hold either). Phone-or-e-mail fields
(`phone_number`, `user`) are read as e-mails when they hold an `@`; message texts give the
links cut out of them, as the incumbent does when `links` is empty. The incumbent's
placeholder DataUsage rows (`MISSING [follows …]`, `MANIPULATED […]`) name no process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from perito.artifacts.ios import (
    applications,
    configuration_profiles,
    locationd_clients,
    manifest,
    sms_attachments,
)
from perito.indicators.normalise import extract_links
from perito.levels import Level
from perito.records import Kind, Record, observable, observables, register_record, timeline
from perito.sources.ios_backup import device_path
from perito.timestamps import Encoding, Timestamp, decode, unset

EMAIL_OR_PHONE = "email-or-phone"  # a pseudo-kind: EMAIL when it holds "@", else PHONE
LINKS_IN_TEXT = "links-in-text"  # a pseudo-kind: the http(s) links cut out of free text
_U, _D, _IP, _P, _A = Kind.URL, Kind.DOMAIN, Kind.IP, Kind.PROCESS, Kind.APP_ID
_F = Kind.FILE_PATH

_FileHashes = (("files[].sha256", Kind.FILE_SHA256), ("files[].sha1", Kind.FILE_SHA1),
               ("files[].md5", Kind.FILE_MD5))
_NETWORK = (("hostname", _D), ("ip_addresses[]", _IP), ("ip_address", _IP),
            ("package_name", _A))

FIELDS: dict[str, tuple[tuple[str, Kind | str], ...]] = {
    # iOS
    "safari_history": (("url", _U),),
    "safari_browser_state": (("tab_url", _U), ("tab_visible_url", _U),
                             ("session_data[].entry_url", _U),
                             ("session_data[].entry_title", _U)),
    "safari_favicon": (("url", _U), ("icon_url", _U)),
    "chrome_history": (("url", _U),),
    "chrome_favicon": (("url", _U), ("icon_url", _U)),
    "firefox_history": (("url", _U),),
    "firefox_favicon": (("url", _U), ("history_url", _U)),
    "webkit_resource_load_statistics": (("registrable_domain", _D),),
    "webkit_session_resource_log": (("origin", _D), ("redirect_source[]", _D),
                                    ("redirect_destination[]", _D),
                                    ("subframe_under_origin[]", _D),
                                    ("subresource_under_origin[]", _D)),
    "webkit_indexeddb": (("url", _U),),
    "webkit_local_storage": (("url", _U),),
    "webkit_safari_view_service": (("url", _U),),
    "cache_files": (("url", _U),),
    "sms": (("links[]", _U), ("text", LINKS_IN_TEXT), ("body", LINKS_IN_TEXT),
            ("phone_number", EMAIL_OR_PHONE), ("address", EMAIL_OR_PHONE)),
    "sms_attachments": (("transfer_name", Kind.FILE_NAME),
                        ("phone_number", EMAIL_OR_PHONE)),
    "whatsapp": (("links[]", _U), ("ZMEDIAURL", _U), ("ZTEXT", LINKS_IN_TEXT)),
    "calendar": (("participant_email", Kind.EMAIL), ("participant_phone", Kind.PHONE),
                 ("url", _U), ("description", LINKS_IN_TEXT)),
    "id_status_cache": (("user", EMAIL_OR_PHONE),),
    "tcc": (("client", _P),),  # and, as perito reads it, a bundle id or a path
    "datausage": (("proc_name", _P), ("bundle_id", _A)),
    "netusage": (("proc_name", _P), ("bundle_id", _A)),
    "os_analytics_ad_daily": (("package", _P),),
    "locationd_clients": (("BundleId", _A), ("BundlePath", _F),
                          ("Executable", _F), ("Registered", _F)),
    "profile_events": (("profile_id", Kind.PROFILE_ID), ("process", _P)),
    "configuration_profiles": (("plist.PayloadUUID", Kind.PROFILE_ID),
                               ("plist.PayloadContent[].PayloadUUID", Kind.PROFILE_ID)),
    "applications": (("softwareVersionBundleId", _A), ("sourceApp", _A), ("name", _A)),
    "shortcuts": (("action_urls[]", _U),),
    "manifest": (),  # device path and origins from domain + relative_path, see DERIVED
    "filesystem": (("path", _F),),
    "shutdown_log": (("client", _F),),
    # Android
    "aqf_packages": (("name", _A), ("installer", _A), *_FileHashes,
                     ("files[].certificate.Md5", Kind.CERT_MD5),
                     ("files[].certificate.Sha1", Kind.CERT_SHA1),
                     ("files[].certificate.Sha256", Kind.CERT_SHA256)),
    "aqf_processes": (("proc_name", _P),),
    "aqf_get_prop": (("name", Kind.ANDROID_PROPERTY),),
    "dumpsys_get_prop": (("name", Kind.ANDROID_PROPERTY),),
    "aqf_files": (("path", _F), ("sha256", Kind.FILE_SHA256), ("sha1", Kind.FILE_SHA1),
                  ("md5", Kind.FILE_MD5)),
    "aqf_log_timestamps": (("path", _F),),
    "bugreport_timestamps": (("path", _F),),
    "root_binaries": (("path", _F),),
    "dumpsys_accessibility": (("package_name", _A),),
    "dumpsys_activities": (("package_name", _A),),
    "dumpsys_receivers": (("package_name", _A),),
    "dumpsys_appops": (("package_name", _A),),
    "dumpsys_battery_daily": (("package_name", _A),),
    "dumpsys_battery_history": (("package_name", _A),),
    "dbinfo": (("path", _F),),
    "dumpsys_packages": (("package_name", _A), ("installer", _A)),
    "dumpsys_platform_compat": (("package_name", _A),),
    "tombstones": (("process_name", _P), ("binary_path", _F)),
    "dns_event": _NETWORK,
    "connect_event": _NETWORK,
    "security_event": _NETWORK,
}
# Slugs of older incumbent versions (before the `aqf_` prefix), read the same way.
FIELDS |= {
    "packages": (*FIELDS["aqf_packages"], *FIELDS["dumpsys_packages"]),
    "processes": FIELDS["aqf_processes"],
    "getprop": FIELDS["aqf_get_prop"],
    "files": FIELDS["aqf_files"],
    "logfile_timestamps": FIELDS["aqf_log_timestamps"],
}
ANDROID_ONLY = frozenset(slug for slug in FIELDS if slug.startswith(("aqf_", "dumpsys_"))) \
    | {"tombstones", "dbinfo", "bugreport_timestamps", "root_binaries", "dns_event",
       "connect_event", "security_event", "packages", "processes", "getprop", "files",
       "logfile_timestamps"}
# The incumbent reports path and name matches of these modules at HIGH (§4.8).
HIGH_MODULES = frozenset({"manifest", "filesystem", "locationd_clients", "sms_attachments"})
TIME_KEYS = ("isodate", "timestamp", "last_seen_isodate", "first_isodate", "start_date",
             "creation_date", "install_date", "last_seen", "event_time", "modified")
_PLACEHOLDERS = ("MISSING [", "MANIPULATED [")
_LEAF_KEYS = ("origin", "domain", "url")


def match_level(slug: str) -> Level:
    return Level.HIGH if slug in HIGH_MODULES else Level.CRITICAL


def _values_at(data: Any, steps: list[str]) -> Iterator[str]:
    if not steps:
        if isinstance(data, str) and data:
            yield data
        elif isinstance(data, Mapping):
            for key in _LEAF_KEYS:
                value = data.get(key)
                if isinstance(value, str) and value:
                    yield value
        return
    step, rest = steps[0], steps[1:]
    if not isinstance(data, Mapping):
        return
    if step.endswith("[]"):
        items = data.get(step[:-2])
        for item in items if isinstance(items, list) else []:
            yield from _values_at(item, rest)
    else:
        yield from _values_at(data.get(step), rest)


def observed(slug: str, entry: Mapping[str, Any]) -> Iterator[tuple[str, Kind, str]]:
    """(field path, kind, value) for every observable of one saved entry."""
    for path, kind in FIELDS.get(slug, ()):
        for value in _values_at(entry, path.split(".")):
            if kind == EMAIL_OR_PHONE:
                yield path, Kind.EMAIL if "@" in value else Kind.PHONE, value
            elif kind == LINKS_IN_TEXT:
                for link in extract_links(value):
                    yield path, Kind.URL, link
            elif not value.startswith(_PLACEHOLDERS):
                yield path, Kind(kind), value
    derive = DERIVED.get(slug)
    if derive is not None:
        yield from derive(entry)


def _text(entry: Mapping[str, Any], key: str) -> str:
    value = entry.get(key)
    return value if isinstance(value, str) else ""


# Observables built the way perito's own artifact builds them from the same values.
Derived = Iterator[tuple[str, Kind, str]]


def _manifest(entry: Mapping[str, Any]) -> Derived:
    domain, relative = _text(entry, "domain"), _text(entry, "relative_path")
    if not relative:
        return
    absolute = device_path(domain, relative)
    if absolute:
        yield "relative_path", Kind.FILE_PATH, absolute
    yield "relative_path", Kind.FILE_NAME, relative.rsplit("/", 1)[-1]
    for url in manifest.origin_urls(relative):
        yield "relative_path", Kind.URL, url


def _filesystem(entry: Mapping[str, Any]) -> Derived:
    listed = _text(entry, "path")
    if listed and not listed.startswith("/"):  # the incumbent drops the leading "/"
        yield "path", Kind.FILE_PATH, "/" + listed


def _sms_attachments(entry: Mapping[str, Any]) -> Derived:
    path = sms_attachments.device_path(_text(entry, "filename"))
    if path:
        yield "filename", Kind.FILE_PATH, path


def _tcc(entry: Mapping[str, Any]) -> Derived:
    client = _text(entry, "client")
    if client.startswith("/"):
        yield "client", Kind.FILE_PATH, client
        yield "client", Kind.PROCESS, client.rstrip("/").rsplit("/", 1)[-1]
    elif client:
        yield "client", Kind.APP_ID, client


def _locationd(entry: Mapping[str, Any]) -> Derived:
    key = _text(entry, "package")
    if key:
        yield "package", Kind.PROCESS, locationd_clients.process_name(key)
    bundle = _text(entry, "BundleId")
    if bundle:
        yield "BundleId", Kind.PROCESS, bundle


def _record_observables(path: str, record: Record) -> Derived:
    for _name, kind, value in observables(record):
        yield path, kind, value


def _configuration_profile(entry: Mapping[str, Any]) -> Derived:
    plist = entry.get("plist")
    if isinstance(plist, dict):
        yield from _record_observables("plist", configuration_profiles.profile_record(plist, ""))


def _application(entry: Mapping[str, Any]) -> Derived:
    yield from _record_observables("", applications.application_record("", dict(entry), ""))


DERIVED: dict[str, Callable[[Mapping[str, Any]], Derived]] = {
    "manifest": _manifest, "filesystem": _filesystem, "sms_attachments": _sms_attachments,
    "tcc": _tcc, "locationd_clients": _locationd,
    "configuration_profiles": _configuration_profile, "applications": _application,
}


def event_time(entry: Mapping[str, Any]) -> Timestamp:
    for key in TIME_KEYS:
        value = entry.get(key)
        if isinstance(value, str) and value[:4].isdigit():
            stamp = decode(value, Encoding.UTC_TEXT)
            if stamp.ok:
                return stamp
    return unset(Encoding.UTC_TEXT)


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class IncumbentEntry(Record):
    """One entry of an incumbent result file, its observables sorted out by kind.

    `fields` names, for each value, the field path it came from (`kind:path=value`), and
    `entry` is the saved entry as it was, so that an alert shows what the incumbent saved.
    """

    module: str = ""
    urls: tuple[str, ...] = field(default=(), metadata=observable(Kind.URL))
    domains: tuple[str, ...] = field(default=(), metadata=observable(Kind.DOMAIN))
    ips: tuple[str, ...] = field(default=(), metadata=observable(Kind.IP))
    emails: tuple[str, ...] = field(default=(), metadata=observable(Kind.EMAIL))
    phones: tuple[str, ...] = field(default=(), metadata=observable(Kind.PHONE))
    processes: tuple[str, ...] = field(default=(), metadata=observable(Kind.PROCESS))
    app_ids: tuple[str, ...] = field(default=(), metadata=observable(Kind.APP_ID))
    file_paths: tuple[str, ...] = field(default=(), metadata=observable(Kind.FILE_PATH))
    file_names: tuple[str, ...] = field(default=(), metadata=observable(Kind.FILE_NAME))
    profile_ids: tuple[str, ...] = field(default=(), metadata=observable(Kind.PROFILE_ID))
    file_md5: tuple[str, ...] = field(default=(), metadata=observable(Kind.FILE_MD5))
    file_sha1: tuple[str, ...] = field(default=(), metadata=observable(Kind.FILE_SHA1))
    file_sha256: tuple[str, ...] = field(default=(), metadata=observable(Kind.FILE_SHA256))
    cert_md5: tuple[str, ...] = field(default=(), metadata=observable(Kind.CERT_MD5))
    cert_sha1: tuple[str, ...] = field(default=(), metadata=observable(Kind.CERT_SHA1))
    cert_sha256: tuple[str, ...] = field(default=(), metadata=observable(Kind.CERT_SHA256))
    android_properties: tuple[str, ...] = field(default=(),
                                                metadata=observable(Kind.ANDROID_PROPERTY))
    fields: tuple[str, ...] = ()
    time: Timestamp = field(default=unset(Encoding.UTC_TEXT),
                            metadata=timeline("Saved result entry"))
    entry: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    record_name = "Saved result entry"

    def describe(self) -> str:
        return f"{self.module} entry: " + ", ".join(self.fields[:3])


_ATTRIBUTE = {Kind.URL: "urls", Kind.DOMAIN: "domains", Kind.IP: "ips", Kind.EMAIL: "emails",
              Kind.PHONE: "phones", Kind.PROCESS: "processes", Kind.APP_ID: "app_ids",
              Kind.FILE_PATH: "file_paths", Kind.FILE_NAME: "file_names",
              Kind.PROFILE_ID: "profile_ids", Kind.FILE_MD5: "file_md5",
              Kind.FILE_SHA1: "file_sha1", Kind.FILE_SHA256: "file_sha256",
              Kind.CERT_MD5: "cert_md5", Kind.CERT_SHA1: "cert_sha1",
              Kind.CERT_SHA256: "cert_sha256", Kind.ANDROID_PROPERTY: "android_properties"}


def entry_record(slug: str, entry: Mapping[str, Any], source: str) -> IncumbentEntry:
    by_kind: dict[str, list[str]] = {}
    labels: list[str] = []
    for path, kind, value in observed(slug, entry):
        bucket = by_kind.setdefault(_ATTRIBUTE[kind], [])
        if value not in bucket:
            bucket.append(value)
            labels.append(f"{path}={value}")
    values = {name: tuple(items) for name, items in by_kind.items()}
    return IncumbentEntry(source=source, module=slug, fields=tuple(labels),
                          time=event_time(entry), entry=entry, **values)


def entries(slug: str, document: Any) -> Iterator[Mapping[str, Any]]:
    """The entries of one result file: a list, or a dict of lists (or one dict) for the few
    modules that save a mapping (webkit_session_resource_log, cache_files, receivers…)."""
    if isinstance(document, list):
        yield from (item for item in document if isinstance(item, Mapping))
    elif isinstance(document, Mapping):
        lists = [value for value in document.values() if isinstance(value, list)]
        if lists:
            for items in lists:
                yield from (item for item in items if isinstance(item, Mapping))
        else:
            yield document
