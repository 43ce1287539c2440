"""Echap's native stalkerware files (`ioc.yaml`, `watchware.yaml`; indicators-and-outputs.md §3).

A list of apps; each app is an owner (its `name`), and its values are read as if typed in
STIX: `packages` and `ios_bundles` → `app:id`, `certificates` (SHA-1 of the signing
certificate, upper-case hex) → `app:cert.sha1`, `websites`, `distribution` and `c2.domains`
→ `domain-name:value` (in `websites` and `distribution` an IP is an IP and a link such as
`https://github.com/…/app` a URL, never its shared host), `c2.ips` (or `c2.ip`) →
`ipv4-addr:value`. `certificate_organizations` and `certificate_cname_re` are rules over
certificate subjects, which no artifact reads yet: they are counted as unsupported.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from perito.indicators import normalise
from perito.indicators.feedfile import (
    FileOutcome,
    Value,
    add_values,
    describe,
    file_error,
    read_feed,
)
from perito.indicators.merge import IndicatorPool
from perito.indicators.model import LoadProblem, Owner

_DOMAIN = ("domain-name", ("value",))
_LISTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "packages": ("app", ("id",)),
    "ios_bundles": ("app", ("id",)),
    "certificates": ("app", ("cert", "sha1")),
    "websites": _DOMAIN,
    "distribution": _DOMAIN,
}
_C2: dict[str, tuple[str, tuple[str, ...]]] = {
    "domains": _DOMAIN, "ips": ("ipv4-addr", ("value",)), "ip": ("ipv4-addr", ("value",))}
_SUBJECT_RULES = ("certificate_organizations", "certificate_cname_re")
APP_KEYS = frozenset({"name", "names", "type", *_LISTS, "c2", *_SUBJECT_RULES})


def yaml_error() -> type[Exception]:
    """`yaml.YAMLError` (the module imported only when a YAML file is read)."""
    import yaml

    error: type[Exception] = yaml.YAMLError
    return error


def load_yaml(data: bytes) -> Any:
    """A YAML document through the safe (C, when available) loader (imported when a YAML
    file is read: a check given only STIX files never loads it)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(data.decode("utf-8-sig"), Loader=loader)  # noqa: S506 (a safe loader)


def is_app_list(document: Any) -> bool:
    """Echap's shape: a list of mappings, each with a `name` and only known keys."""
    return isinstance(document, list) and bool(document) and all(
        isinstance(app, dict) and "name" in app and set(app) <= APP_KEYS for app in document)


def _items(value: Any) -> list[str]:
    if isinstance(value, str | int | float):
        return [str(value)]
    if isinstance(value, list):
        return [str(item) for item in value if isinstance(item, str | int | float)]
    return []


def app_values(app: dict[str, Any], where: str) -> Iterator[Value]:
    for key, (object_type, key_path) in _LISTS.items():
        for item in _items(app.get(key)):
            value = item.strip()
            if (object_type, key_path) == _DOMAIN and "/" in value:
                # a download link (`https://github.com/…/app`): its host is not the vendor's
                yield where, "url", ("value",), value
            elif (object_type, key_path) == _DOMAIN and normalise.ip_literal(value):
                yield where, "ipv4-addr", ("value",), value  # a host list may name an IP
            else:
                yield where, object_type, key_path, value
    c2 = app.get("c2")
    if isinstance(c2, dict):
        for key, (object_type, key_path) in _C2.items():
            for item in _items(c2.get(key)):
                yield where, object_type, key_path, item.strip()


def read_echap_into(path: Path, pool: IndicatorPool) -> FileOutcome:
    """Add an Echap `ioc.yaml`-style file's indicators to a pool."""
    read = read_feed(path)
    if isinstance(read, LoadProblem):
        return None, [read]
    data, sha256 = read
    try:
        document = load_yaml(data)
    except (UnicodeDecodeError, yaml_error(), RecursionError) as error:
        return file_error(path, f"not a readable YAML file ({type(error).__name__})")
    if isinstance(document, dict) and isinstance(document.get("indicators"), list):
        return file_error(path, "a feed index, not indicators (use it with `perito iocs update "
                                "--index`)", "unsupported")
    if not is_app_list(document):
        return file_error(path, "not an Echap indicator file (a list of apps, each with a "
                                "'name')", "unsupported")
    owners: list[str] = []
    subject_rules = 0

    def values() -> Iterator[tuple[Owner, Value]]:
        nonlocal subject_rules
        for app in document:
            name = str(app["name"])
            owners.append(name)
            owner = Owner(name, "", path.name, str(path), sha256)
            subject_rules += sum(len(_items(app.get(key))) for key in _SUBJECT_RULES)
            for value in app_values(app, f"app {name}"):
                yield owner, value

    keys, problems = add_values(path, pool, values())
    if subject_rules:
        problems.append(LoadProblem(str(path), "", f"{subject_rules} certificate-subject rules "
                                    "(organisation, CN pattern) are not matched: no artifact "
                                    "reads certificate subjects yet", "unsupported"))
    return describe(path, sha256, keys, owners), problems
