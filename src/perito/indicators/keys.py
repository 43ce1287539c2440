"""From a pattern comparison (`key = value`) to indexable entries, surviving real-feed quirks.

The quirks handled here are listed in the reference (indicators-and-outputs.md §1.4): IPs typed
as `domain-name`, `<ip><domain>` run together, a domain carrying a path, `file:name` holding a
path, every spelling of hash keys, hash values in the wrong bucket.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from perito.indicators import normalise
from perito.indicators.pattern import Comparison, InvalidPattern, UnsupportedPattern
from perito.records import Kind


class Entry(NamedTuple):
    """One (kind, normalised value) that a comparison contributes, before merging.

    A NamedTuple for construction speed (one per pattern), like `Comparison`.
    """

    kind: Kind
    value: str
    raw_value: str
    stix_key: str
    note: str = ""


class Reading(NamedTuple):
    """What one comparison yields: entries, and warnings about how it was read."""

    entries: tuple[Entry, ...]
    warnings: tuple[str, ...] = ()


_HASH_KINDS = {"md5": Kind.FILE_MD5, "sha1": Kind.FILE_SHA1, "sha256": Kind.FILE_SHA256}
_CERT_KINDS = {"md5": Kind.CERT_MD5, "sha1": Kind.CERT_SHA1, "sha256": Kind.CERT_SHA256}
_HASH_LENGTHS = {32: "md5", 40: "sha1", 64: "sha256"}
CONCATENATED = re.compile(r"((?:\d{1,3}\.){3}\d{1,3})([a-z_][a-z0-9_\-.]*\.[a-z0-9\-]+)")
_URLISH = re.compile(r"[/:@?#\\]")
_UUID = re.compile(r"[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}")
_ALGORITHM_NOISE = re.compile(r"[\s'\"_\-]")


def _entry(kind: Kind, value: str, comparison: Comparison, note: str = "") -> Entry:
    return Entry(kind, value, comparison.value, comparison.key, note)


def _one(kind: Kind, value: str, comparison: Comparison, *warnings: str) -> Reading:
    return Reading((_entry(kind, value, comparison),), warnings)


def _read_domain(comparison: Comparison) -> Reading:
    raw = comparison.value.strip()
    if normalise.is_hostname(raw) and not raw[0].isdigit() and not raw[-1].isdigit():
        # Already normalised and neither an IP nor IP-and-name: the common case, kept short.
        return Reading((Entry(Kind.DOMAIN, raw, comparison.value, comparison.key),))
    literal = normalise.ip_literal(raw)
    if literal is not None:
        note = "IP address typed as domain-name"
        return Reading((_entry(Kind.IP, literal, comparison, note),), (f"{note}: {raw!r}",))
    warnings: list[str] = []
    host, note = raw, ""
    if _URLISH.search(raw):
        host, note = normalise.host_of_url(raw), f"host taken from {raw!r}"
        warnings.append(f"domain-name value {raw!r} is not a bare host; indexed as {host!r}")
        literal = normalise.ip_literal(host)
        if literal is not None:
            return Reading((_entry(Kind.IP, literal, comparison, note),), tuple(warnings))
    if host.startswith("*."):
        host = host[2:]
        warnings.append(f"wildcard {raw!r} read as {host!r} (subdomains always match)")
    domain = normalise.domain(host)
    if not domain:
        return Reading((), (*warnings, f"empty domain-name value {raw!r}; skipped"))
    joined = CONCATENATED.fullmatch(domain) if domain[0].isdigit() else None
    if joined and normalise.ip_literal(joined.group(1)) is not None:
        address, name = joined.group(1), joined.group(2)
        note = f"split from {raw!r}"
        warnings.append(f"{raw!r} looks like an IP and a domain run together; "
                        f"indexed as {address!r} and {name!r}")
        return Reading((_entry(Kind.IP, normalise.ip(address), comparison, note),
                        _entry(Kind.DOMAIN, name, comparison, note)), tuple(warnings))
    if not normalise.is_hostname(domain):
        warnings.append(f"{raw!r} is not a valid hostname; indexed as written")
    return Reading((_entry(Kind.DOMAIN, domain, comparison, note),), tuple(warnings))


def _read_ip(comparison: Comparison) -> Reading:
    value = normalise.ip(comparison.value)
    if normalise.ip_literal(value) is None and "/" not in value:
        raise InvalidPattern(f"{comparison.value!r} is not an IP address or network")
    return _one(Kind.IP, value, comparison)


def _read_url(comparison: Comparison) -> Reading:
    value = normalise.url(comparison.value)
    if normalise.host_of_url(comparison.value):
        return _one(Kind.URL, value, comparison)
    return _one(Kind.URL, value, comparison, f"URL {comparison.value!r} has no host")


def _read_email(comparison: Comparison) -> Reading:
    value = normalise.email(comparison.value)
    if "@" in value:
        return _one(Kind.EMAIL, value, comparison)
    return _one(Kind.EMAIL, value, comparison, f"{comparison.value!r} is not an email address")


def _read_file_name(comparison: Comparison) -> Reading:
    value = normalise.file_name(comparison.value)
    if "/" not in value:
        return _one(Kind.FILE_NAME, value, comparison)
    note = "file:name holding a path"
    return Reading((_entry(Kind.FILE_PATH, normalise.file_path(value), comparison, note),),
                   (f"file:name {value!r} contains '/'; matched as a file path",))


def _read_digest(comparison: Comparison, kinds: dict[str, Kind]) -> Reading:
    algorithm = _ALGORITHM_NOISE.sub("", comparison.path[-1]).lower()
    if algorithm not in kinds:
        raise UnsupportedPattern(f"hash algorithm {comparison.path[-1]!r} is not supported")
    value = normalise.hex_digest(comparison.value)
    warnings = []
    if not normalise.is_hex(value):
        warnings.append(f"{comparison.value!r} is not hexadecimal")
    by_length = _HASH_LENGTHS.get(len(value))
    if by_length is not None and by_length != algorithm:
        warnings.append(f"{comparison.key} value has the length of a {by_length} digest; "
                        f"filed as {by_length}")
        algorithm = by_length
    return _one(kinds[algorithm], value, comparison, *warnings)


def _read_profile(comparison: Comparison) -> Reading:
    value = normalise.profile_id(comparison.value)
    if _UUID.fullmatch(value):
        return _one(Kind.PROFILE_ID, value, comparison)
    return _one(Kind.PROFILE_ID, value, comparison, f"{comparison.value!r} is not a UUID")


def _read_directory(comparison: Comparison) -> Reading:
    return _one(Kind.FILE_PATH, normalise.file_path(comparison.value.rstrip("/") + "/"),
                comparison)


def _simple(kind: Kind) -> Callable[[Comparison], Reading]:
    def read(comparison: Comparison) -> Reading:
        return _one(kind, normalise.normalise(kind, comparison.value), comparison)

    return read


_READERS: dict[tuple[str, tuple[str, ...]], Callable[[Comparison], Reading]] = {
    ("domain-name", ("value",)): _read_domain,
    ("ipv4-addr", ("value",)): _read_ip,
    ("ipv6-addr", ("value",)): _read_ip,
    ("url", ("value",)): _read_url,
    ("email-addr", ("value",)): _read_email,
    ("process", ("name",)): _simple(Kind.PROCESS),
    ("file", ("name",)): _read_file_name,
    ("file", ("path",)): _simple(Kind.FILE_PATH),
    ("directory", ("path",)): _read_directory,
    ("app", ("id",)): _simple(Kind.APP_ID),
    ("configuration-profile", ("id",)): _read_profile,
    ("android-property", ("name",)): _simple(Kind.ANDROID_PROPERTY),
}


def read_comparison(comparison: Comparison) -> Reading:
    """The entries one comparison yields.

    Raises `UnsupportedPattern` for keys we cannot match, `InvalidPattern` for a value that
    cannot be what its key says (an IP key holding a name). Object types compare
    case-insensitively, a leniency towards hand-written files; property paths do not.
    """
    object_type = comparison.object_type.lower()
    path = comparison.path
    if not comparison.value.strip():
        return Reading((), (f"empty value for {comparison.key}; skipped",))
    if object_type == "file" and len(path) == 2 and path[0] == "hashes":
        return _read_digest(comparison, _HASH_KINDS)
    if object_type == "app" and len(path) == 2 and path[0] == "cert":
        return _read_digest(comparison, _CERT_KINDS)
    reader = _READERS.get((object_type, path))
    if reader is None:
        raise UnsupportedPattern(f"key {comparison.key} is not supported")
    return reader(comparison)
