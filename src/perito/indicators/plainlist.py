"""Plain lists: one value per line, of one kind (`--type domain`, or a file named for its
kind, as the text files next to each feed of mvt-indicators are: `domains.txt`,
`processes.txt`, `file_paths.txt`…).

Blank lines and lines starting with `#` are skipped. The owner is the file's stem, or its
folder's name when the stem only names the kind (`2023-04-11_quadream/domains.txt`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

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

# --type name → the STIX key it stands for
TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "domain": ("domain-name", ("value",)),
    "ip": ("ipv4-addr", ("value",)),
    "url": ("url", ("value",)),
    "email": ("email-addr", ("value",)),
    "process": ("process", ("name",)),
    "file_name": ("file", ("name",)),
    "file_path": ("file", ("path",)),
    "app_id": ("app", ("id",)),
    "profile_id": ("configuration-profile", ("id",)),
    "android_property": ("android-property", ("name",)),
    "file_md5": ("file", ("hashes", "md5")),
    "file_sha1": ("file", ("hashes", "sha1")),
    "file_sha256": ("file", ("hashes", "sha256")),
    "cert_md5": ("app", ("cert", "md5")),
    "cert_sha1": ("app", ("cert", "sha1")),
    "cert_sha256": ("app", ("cert", "sha256")),
}
# file stems that name their kind (mvt-indicators' text files, and the type names' plurals)
STEMS = {
    "domains": "domain", "ips": "ip", "urls": "url", "emails": "email",
    "processes": "process", "file_names": "file_name", "file_paths": "file_path",
    "app_ids": "app_id", "ios_profile_ids": "profile_id", "profile_ids": "profile_id",
    "android_property_names": "android_property", "android_properties": "android_property",
    "files_md5": "file_md5", "files_sha1": "file_sha1", "files_sha256": "file_sha256",
    "app_cert_hashes": "cert_sha256", **{name: name for name in TYPES},
}
PLAIN_SUFFIXES = frozenset({".txt", ".list"})


def kind_of(path: Path, given: str | None) -> str | None:
    """The --type given, else the kind the file's stem names (None when neither says)."""
    return given or STEMS.get(path.stem.lower())


def read_plain_into(path: Path, pool: IndicatorPool, given: str | None = None) -> FileOutcome:
    """Add a one-value-per-line file's indicators to a pool."""
    kind = kind_of(path, given)
    if kind is None:
        return file_error(path, "a plain list of values needs --type (one of "
                                f"{', '.join(TYPES)}) or a file name such as domains.txt",
                          "unsupported")
    if kind not in TYPES:
        return file_error(path, f"unknown --type {kind!r}")
    read = read_feed(path)
    if isinstance(read, LoadProblem):
        return None, [read]
    data, sha256 = read
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return file_error(path, f"not a UTF-8 text file: {error}")
    name = path.parent.name if path.stem.lower() in STEMS and path.parent.name else path.stem
    owner = Owner(name, "", path.name, str(path), sha256)

    def values() -> Iterator[tuple[Owner, Value]]:
        for line, raw in enumerate(text.splitlines(), start=1):
            value = raw.strip()
            if value and not value.startswith("#"):
                yield owner, (f"line {line}", *TYPES[kind], value)

    keys, problems = add_values(path, pool, values())
    return describe(path, sha256, keys, [name]), problems
