"""`perito iocs lint`: what real indicator files get wrong, one finding per problem.

Findings carry the indicator id (or the place in a non-STIX file), a severity and a stable
code. "error": the indicator will not match what its publisher meant (or matches only thanks
to perito's leniency: other tools miss it); "warning": it works, but is sloppy.

The codes are listed in docs/indicator-sets.md.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from perito.indicators import normalise
from perito.indicators.csvfeed import csv_values
from perito.indicators.echap import app_values, is_app_list, load_yaml
from perito.indicators.feedfile import read_feed
from perito.indicators.feedindex import parse_index
from perito.indicators.keys import CONCATENATED, read_comparison
from perito.indicators.model import LoadProblem
from perito.indicators.pattern import Comparison, PatternError, UnsupportedPattern, parse_pattern
from perito.indicators.plainlist import PLAIN_SUFFIXES, TYPES, kind_of
from perito.indicators.stix import YAML_SUFFIXES, indicator_files, load_stix_file

ERROR = "error"
WARNING = "warning"
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_APP_ID = re.compile(r"[A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)+")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_HASH_LENGTHS = {"md5": 32, "sha1": 40, "sha256": 64}
_CASELESS = {"domain-name", "email-addr"}


@dataclass(frozen=True, slots=True)
class Finding:
    file: str
    where: str  # indicator id, or "line 3" / "app X" in non-STIX files; "" for the file
    severity: str
    code: str
    message: str

    def line(self) -> str:
        return f"{self.file}: {self.where or '-'}: {self.severity}: {self.code}: {self.message}"

    def to_json(self) -> dict[str, str]:
        return {"file": self.file, "id": self.where, "severity": self.severity,
                "code": self.code, "message": self.message}


_Issue = tuple[str, str, str]  # severity, code, message


def _domain_issues(raw: str) -> Iterator[_Issue]:
    value = raw.strip()
    if normalise.ip_literal(value) is not None:
        yield ERROR, "ip-as-domain", f"{value!r} is an IP address typed as domain-name " \
                                     "(use ipv4-addr:value or ipv6-addr:value)"
        return
    if re.search(r"[/:@?#\\]", value):
        yield ERROR, "domain-with-path", f"{value!r} is not a bare host name"
        return
    host = normalise.domain(value.removeprefix("*."))
    glued = CONCATENATED.fullmatch(host) if host[:1].isdigit() else None
    if glued and normalise.ip_literal(glued.group(1)) is not None:
        yield ERROR, "ip-glued-to-domain", f"{value!r} is an IP address and a domain run " \
                                           "together"
    elif not normalise.is_hostname(host) or "." not in host:
        yield ERROR, "invalid-domain", f"{value!r} is not a valid domain name"


def _hash_issues(comparison: Comparison) -> Iterator[_Issue]:
    value = comparison.value.strip()
    algorithm = re.sub(r"[\s'\"_\-]", "", comparison.path[-1]).lower()
    if not normalise.is_hex(value.lower()):
        yield ERROR, "invalid-hash", f"{value!r} is not hexadecimal"
    elif algorithm in _HASH_LENGTHS and len(value) != _HASH_LENGTHS[algorithm]:
        yield ERROR, "hash-length", f"{value!r} has {len(value)} hex digits, not the " \
                                    f"{_HASH_LENGTHS[algorithm]} of {algorithm}"
    if value != value.lower():  # Echap's certificate SHA-1s are; androidqf writes lower case
        yield WARNING, "upper-case", f"{value!r} has upper-case letters"


def _value_issues(comparison: Comparison) -> Iterator[_Issue]:
    """Problems of one `key = value` (the key is known to be supported)."""
    object_type, path, value = comparison.object_type.lower(), comparison.path, comparison.value
    if value != value.strip():
        yield WARNING, "whitespace", f"{value!r} has spaces around it"
    value = value.strip()
    if object_type in _CASELESS and value != value.lower():
        yield WARNING, "upper-case", f"{value!r} has upper-case letters"
    if object_type == "domain-name":
        yield from _domain_issues(value)
    elif object_type in ("ipv4-addr", "ipv6-addr"):
        if normalise.ip_literal(value) is None and "/" not in value:
            yield ERROR, "invalid-ip", f"{value!r} is not an IP address"
    elif object_type == "email-addr":
        if not _EMAIL.fullmatch(normalise.email(value)):
            yield ERROR, "invalid-email", f"{value!r} is not an e-mail address"
    elif object_type == "url":
        if not normalise.host_of_url(value):
            yield ERROR, "invalid-url", f"{value!r} has no host"
    elif len(path) == 2 and path[0] in ("hashes", "cert"):
        yield from _hash_issues(comparison)
    elif (object_type, path) == ("file", ("name",)) and "/" in value:
        yield ERROR, "file-name-with-path", f"file:name {value!r} holds a path (use file:path)"
    elif (object_type, path) in (("file", ("path",)), ("directory", ("path",))):
        if "\x00" in value or "//" in value.replace("://", ""):
            yield ERROR, "invalid-path", f"{value!r} is not a valid path"
        elif not value.startswith("/"):
            yield WARNING, "relative-path", f"{value!r} is relative (matched as a path suffix)"
    elif (object_type, path) == ("app", ("id",)):
        if not _APP_ID.fullmatch(value):
            yield ERROR, "invalid-app-id", f"{value!r} is not a package or bundle id"
    elif object_type == "configuration-profile" and not _UUID.fullmatch(value):
        yield ERROR, "invalid-profile-id", f"{value!r} is not a UUID"


def comparison_issues(comparison: Comparison) -> list[_Issue]:
    """Everything wrong with one comparison, whatever file format it came from."""
    if not comparison.value.strip():
        return [(WARNING, "empty-value", f"empty value for {comparison.key}")]
    try:
        read_comparison(comparison)
    except UnsupportedPattern as error:
        return [(ERROR, "unsupported-key", str(error))]
    except PatternError:
        pass  # an invalid value: the checks below say which
    return list(_value_issues(comparison))


def _pattern_issues(pattern: object) -> Iterator[_Issue]:
    try:
        comparisons = parse_pattern(pattern)
    except UnsupportedPattern as error:
        yield ERROR, "unsupported-key", f"{error} in {pattern!r}"
        return
    except PatternError as error:
        yield ERROR, "invalid-pattern", f"{error} in {pattern!r}"
        return
    except Exception as error:  # noqa: BLE001 - a hostile pattern must not end the lint
        yield ERROR, "invalid-pattern", f"{pattern!r} broke the parser ({type(error).__name__})"
        return
    for comparison in comparisons:
        yield from comparison_issues(comparison)


def _pattern_key(pattern: str) -> object:
    """What makes two patterns the same: their comparisons, however they are spaced."""
    try:
        return frozenset((c.key, c.value) for c in parse_pattern(pattern))
    except Exception:  # noqa: BLE001 - reported by _pattern_issues
        return pattern


def _lint_bundle(name: str, objects: list[Any]) -> Iterator[Finding]:
    by_id: dict[str, dict[str, Any]] = {}
    for position, obj in enumerate(objects):
        object_id = obj.get("id") if isinstance(obj, dict) else None
        if not isinstance(object_id, str):
            yield Finding(name, f"object #{position}", ERROR, "invalid-object",
                          "an object without an id")
        elif object_id in by_id:
            yield Finding(name, object_id, WARNING, "duplicate-id",
                          "another object has the same id")
        else:
            by_id[object_id] = obj
    owned: set[str] = set()
    for object_id, obj in by_id.items():
        if obj.get("type") == "report":
            refs = obj.get("object_refs")
            for ref in refs if isinstance(refs, list) else []:
                if ref in by_id:
                    owned.add(ref)
                else:
                    yield Finding(name, object_id, ERROR, "dangling-report-ref",
                                  f"object_refs names {ref!r}, which is not in the bundle")
        elif obj.get("type") == "relationship":
            source, target = obj.get("source_ref"), obj.get("target_ref")
            for end, ref in (("source_ref", source), ("target_ref", target)):
                if ref not in by_id:
                    yield Finding(name, object_id, ERROR, "dangling-relationship",
                                  f"{end} {ref!r} is not in the bundle")
            if obj.get("relationship_type") == "indicates" and source in by_id \
                    and target in by_id:
                owned.add(str(source))
    first_with: dict[object, str] = {}
    for object_id, obj in by_id.items():
        if obj.get("type") != "indicator":
            continue
        pattern = obj.get("pattern")
        if obj.get("pattern_type", "stix") != "stix":
            yield Finding(name, object_id, ERROR, "unsupported-key",
                          f"pattern_type {obj.get('pattern_type')!r} is not STIX")
            continue
        for severity, code, message in _pattern_issues(pattern):
            yield Finding(name, object_id, severity, code, message)
        if isinstance(pattern, str):
            key = _pattern_key(pattern)
            if key in first_with:
                yield Finding(name, object_id, WARNING, "duplicate-pattern",
                              f"{pattern!r} is also indicator {first_with[key]}")
            else:
                first_with[key] = object_id
        if object_id not in owned:
            yield Finding(name, object_id, WARNING, "unattributed",
                          "tied to no malware or report (it goes to 'Default collection')")


def _values_issues(name: str, values: Iterable[tuple[str, Comparison]], *,
                   upper_case_certificates: bool = False) -> Iterator[Finding]:
    """Findings for the values of a non-STIX file, duplicates within the file included."""
    first: dict[tuple[str, str], str] = {}
    for where, comparison in values:
        certificate = comparison.path[:1] == ("cert",)
        for severity, code, message in comparison_issues(comparison):
            if not (upper_case_certificates and certificate and code == "upper-case"):
                yield Finding(name, where, severity, code, message)
        key = (comparison.key, comparison.value.strip().lower())
        if key in first:
            yield Finding(name, where, WARNING, "duplicate-pattern",
                          f"{comparison.key} {comparison.value!r} is also in {first[key]}")
        else:
            first.setdefault(key, where)


def _from_problems(problems: Iterable[LoadProblem]) -> Iterator[Finding]:
    for problem in problems:
        severity = WARNING if problem.severity == "warning" else ERROR
        yield Finding(problem.file, problem.indicator_id, severity, "load", problem.message)


def lint_file(path: Path, plain_type: str | None = None) -> list[Finding]:
    """Every finding for one file (STIX 2 bundle, Echap YAML, plain list or CSV)."""
    name = str(path)
    read = read_feed(path)
    if isinstance(read, LoadProblem):
        return [Finding(name, "", ERROR, "unreadable", read.message)]
    data, _sha256 = read
    suffix = path.suffix.lower()
    if suffix in YAML_SUFFIXES:
        return list(_lint_yaml(path, data))
    if suffix in PLAIN_SUFFIXES:
        return list(_lint_plain(path, data, plain_type))
    if suffix == ".csv":
        return list(_lint_csv(path, data))
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        return [Finding(name, "", ERROR, "not-json", f"not a JSON file: {error}")]
    objects = document.get("objects") if isinstance(document, dict) else None
    if not isinstance(objects, list) or document.get("type") != "bundle":
        return [Finding(name, "", ERROR, "not-a-bundle", "not a STIX 2 bundle")]
    return list(_lint_bundle(name, objects))


def _lint_yaml(path: Path, data: bytes) -> Iterator[Finding]:
    try:
        document = load_yaml(data)
    except (UnicodeDecodeError, yaml.YAMLError, RecursionError) as error:
        yield Finding(str(path), "", ERROR, "unreadable", f"not a readable YAML file "
                                                          f"({type(error).__name__})")
        return
    if isinstance(document, dict) and isinstance(document.get("indicators"), list):
        for problem in parse_index(data).problems:  # a feed index: lint its entries
            where, _sep, message = problem.partition(": ")
            yield Finding(str(path), where, ERROR, "index-entry", message)
        return
    if not is_app_list(document):
        yield from _from_problems(load_stix_file(path).problems)
        return
    # upper-case certificate SHA-1s are Echap's own convention, not a slip
    yield from _values_issues(str(path), (
        (where, Comparison(object_type, key_path, value))
        for app in document
        for where, object_type, key_path, value in app_values(app, f"app {app['name']}")),
        upper_case_certificates=True)


def _lint_csv(path: Path, data: bytes) -> Iterator[Finding]:
    try:
        found = csv_values(data)
    except (LookupError, ValueError):
        yield from _from_problems(load_stix_file(path).problems)
        return
    yield from _values_issues(str(path), (
        (where, Comparison(object_type, key_path, value))
        for where, object_type, key_path, value in found))


def _lint_plain(path: Path, data: bytes, plain_type: str | None) -> Iterator[Finding]:
    kind = kind_of(path, plain_type)
    if kind not in TYPES:
        yield from _from_problems(load_stix_file(path, plain_type).problems)
        return
    object_type, key_path = TYPES[kind]
    text = data.decode("utf-8-sig", errors="replace")
    yield from _values_issues(str(path), (
        (f"line {line}", Comparison(object_type, key_path, raw.strip()))
        for line, raw in enumerate(text.splitlines(), start=1)
        if raw.strip() and not raw.strip().startswith("#")))


def lint_files(paths: Iterable[Path], plain_type: str | None = None
               ) -> tuple[list[Path], list[Finding]]:
    """The files linted (folders give their indicator files, as scans find them) and the
    findings."""
    files = [found for path in paths
             for found in (indicator_files(path) if path.is_dir() else [path])]
    return files, [finding for path in files for finding in lint_file(path, plain_type)]
