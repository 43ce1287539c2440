"""Installed packages from androidqf's `packages.json` (android.md §1.4).

One element per package: name, installer (the literal `"null"` means none was recorded, `""`
that the Android version could not say), uid, the system / third-party / disabled lists, and
per APK file its path, hashes and signing certificate (keys `Md5`, `Sha1`, `Sha256`,
capitalised). The record type is shared with `dumpsys package` (dumpsys_package.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from perito.artifacts.android.common import flag, integer, json_list, text
from perito.artifacts.base import Artifact, Context
from perito.records import Kind, Record, observable, register_record, timeline
from perito.sources.locations import AndroidFile
from perito.timestamps import Encoding, Timestamp, unset


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class AndroidPackage(Record):
    """One installed package, from packages.json or dumpsys package."""

    package_name: str = field(metadata=observable(Kind.APP_ID))
    installer: str | None = None  # as recorded: "null" = no installer, "" = unknown
    install_initiator: str = ""  # dumpsys, Android 11+: the package that started the install
    install_originator: str = ""  # dumpsys, Android 11+: where the APK came from (a browser…)
    uid: int | None = None
    system: bool | None = None
    third_party: bool | None = None
    disabled: bool | None = None
    apk_paths: tuple[str, ...] = field(default=(), metadata=observable(Kind.FILE_PATH))
    apk_md5: tuple[str, ...] = field(default=(), metadata=observable(Kind.FILE_MD5))
    apk_sha1: tuple[str, ...] = field(default=(), metadata=observable(Kind.FILE_SHA1))
    apk_sha256: tuple[str, ...] = field(default=(), metadata=observable(Kind.FILE_SHA256))
    apk_sha512: tuple[str, ...] = ()
    cert_md5: tuple[str, ...] = field(default=(), metadata=observable(Kind.CERT_MD5))
    cert_sha1: tuple[str, ...] = field(default=(), metadata=observable(Kind.CERT_SHA1))
    cert_sha256: tuple[str, ...] = field(default=(), metadata=observable(Kind.CERT_SHA256))
    cert_subjects: tuple[str, ...] = ()
    cert_issuers: tuple[str, ...] = ()
    trusted_certificate: bool | None = None
    version_code: str = ""
    version_name: str = ""
    flags: tuple[str, ...] = ()
    requested_permissions: tuple[str, ...] = ()
    granted_permissions: tuple[str, ...] = ()
    first_install_time: Timestamp = field(default=unset(Encoding.LOCAL_TEXT),
                                          metadata=timeline("Package installed"))
    last_update_time: Timestamp = field(default=unset(Encoding.LOCAL_TEXT),
                                        metadata=timeline("Package updated"))

    record_name = "Android package"

    def describe(self) -> str:
        installer = self.installer if self.installer not in (None, "") else "unknown"
        kind = "system" if self.system else "third-party" if self.third_party else "package"
        return f"{kind} {self.package_name} (installer {installer})"


def _certificate(entry: dict[str, Any], key: str) -> str:
    certificate = entry.get("certificate")
    if not isinstance(certificate, dict):
        return ""
    value = certificate.get(key)
    if value is None:  # tolerate a lower-case spelling
        value = certificate.get(key.lower())
    return text(value).strip()


def _all(files: list[dict[str, Any]], pick: Any) -> tuple[str, ...]:
    values: list[str] = []
    for entry in files:
        value = pick(entry)
        if value and value not in values:
            values.append(value)
    return tuple(values)


def package_record(item: dict[str, Any], source: str) -> AndroidPackage | None:
    name = text(item.get("name")).strip()
    if not name:
        return None
    raw_files = item.get("files")
    files = [f for f in raw_files if isinstance(f, dict)] if isinstance(raw_files, list) else []
    trusted = [flag(f.get("trusted_certificate")) for f in files]
    installer = item.get("installer")
    return AndroidPackage(
        source=source, package_name=name,
        installer=None if installer is None else text(installer),
        uid=integer(item.get("uid")), system=flag(item.get("system")),
        third_party=flag(item.get("third_party")), disabled=flag(item.get("disabled")),
        apk_paths=_all(files, lambda f: text(f.get("path"))),
        apk_md5=_all(files, lambda f: text(f.get("md5")).lower()),
        apk_sha1=_all(files, lambda f: text(f.get("sha1")).lower()),
        apk_sha256=_all(files, lambda f: text(f.get("sha256")).lower()),
        apk_sha512=_all(files, lambda f: text(f.get("sha512")).lower()),
        cert_md5=_all(files, lambda f: _certificate(f, "Md5").lower()),
        cert_sha1=_all(files, lambda f: _certificate(f, "Sha1").lower()),
        cert_sha256=_all(files, lambda f: _certificate(f, "Sha256").lower()),
        cert_subjects=_all(files, lambda f: _certificate(f, "Subject")),
        cert_issuers=_all(files, lambda f: _certificate(f, "Issuer")),
        trusted_certificate=None if not trusted or None in trusted else all(trusted),
    )


def extract(ctx: Context) -> Iterator[Record]:
    skipped = 0
    for item in json_list(ctx):
        record = package_record(item, ctx.evidence.address) if isinstance(item, dict) else None
        if record is None:
            skipped += 1
            continue
        yield record
    if skipped:
        ctx.warn(f"{skipped} entries without a package name were skipped")


ARTIFACT = Artifact(
    id="android.androidqf.packages",
    title="Installed packages (packages.json)",
    slug="packages",
    plugin="Packages",
    locations=(AndroidFile("packages.json"),),
    records=(AndroidPackage,),
    extract=extract,
    doc=__doc__ or "",
)
