"""Loaded indicators, their provenance, and the problems met while loading them."""

from __future__ import annotations

from dataclasses import dataclass

from perito.records import Kind

DEFAULT_COLLECTION = "Default collection"


@dataclass(frozen=True, slots=True)
class Owner:
    """A collection an indicator belongs to: a malware or report object in one bundle file.

    Indicators attached to nothing belong to "Default collection" with an empty `stix_id`.
    """

    name: str
    stix_id: str
    file_name: str
    file_path: str
    file_sha256: str


@dataclass(frozen=True, slots=True)
class Indicator:
    """One observable value to look for, merged across every bundle that names it.

    `value` is normalised for its kind (see `normalise`); `broad` marks values that are public
    suffixes (e.g. a dynamic-DNS zone apex), whose subdomains belong to unrelated parties.
    """

    kind: Kind
    value: str
    raw_value: str
    stix_key: str
    ids: tuple[str, ...]
    owners: tuple[Owner, ...]
    broad: bool
    note: str = ""


_MVT_TYPES = {
    Kind.DOMAIN: "domains",
    Kind.URL: "urls",
    Kind.IP: "ips",
    Kind.EMAIL: "emails",
    Kind.PHONE: "phones",
    Kind.PROCESS: "processes",
    Kind.APP_ID: "app_ids",
    Kind.FILE_PATH: "file_paths",
    Kind.FILE_NAME: "file_names",
    Kind.PROFILE_ID: "ios_profile_ids",
    Kind.FILE_MD5: "files_md5",
    Kind.FILE_SHA1: "files_sha1",
    Kind.FILE_SHA256: "files_sha256",
    Kind.CERT_MD5: "app_cert_hashes",
    Kind.CERT_SHA1: "app_cert_hashes",
    Kind.CERT_SHA256: "app_cert_hashes",
    Kind.ANDROID_PROPERTY: "android_property_names",
}


def mvt_type(kind: Kind) -> str:
    """The incumbent's bucket name for a kind, as in its `matched_indicator.type`.

    `ips` and `phones` have no incumbent equivalent; the names follow its style.
    """
    return _MVT_TYPES[kind]


@dataclass(frozen=True, slots=True)
class IndicatorFile:
    """One loaded indicator file: identity (path, sha256) and what it contributed.

    `indicator_count` counts distinct (kind, value) pairs from this file; `counts` splits it
    by kind as (kind, count) pairs in `Kind` order, kinds with none left out.
    """

    path: str
    name: str
    sha256: str
    indicator_count: int
    counts: tuple[tuple[Kind, int], ...]
    collections: tuple[str, ...]

    def count(self, kind: Kind) -> int:
        """How many distinct indicators of this kind the file holds."""
        return dict(self.counts).get(kind, 0)


@dataclass(frozen=True, slots=True)
class LoadProblem:
    """Something in a file that was skipped or altered while loading.

    `severity` is "warning" (loaded, possibly altered), "unsupported" (valid but not
    matchable) or "error" (broken; for a whole file, `indicator_id` is "").
    """

    file: str
    indicator_id: str
    message: str
    severity: str


@dataclass(frozen=True)
class IndicatorSet:
    """Everything loaded from a set of files, deduplicated across them."""

    indicators: tuple[Indicator, ...]
    files: tuple[IndicatorFile, ...]
    problems: tuple[LoadProblem, ...]

    def of_kind(self, kind: Kind) -> tuple[Indicator, ...]:
        """The indicators of one kind, in load order."""
        return tuple(indicator for indicator in self.indicators if indicator.kind is kind)


@dataclass(frozen=True, slots=True)
class FileLoad:
    """What one file gave: its indicators (deduplicated within it), identity and problems.

    `file` is None when the file could not be read as an indicator file at all.
    """

    indicators: tuple[Indicator, ...]
    file: IndicatorFile | None
    problems: tuple[LoadProblem, ...]
