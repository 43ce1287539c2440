"""The apps in an Android backup, from each `apps/<package>/_manifest` (android.md §3).

`_manifest` is text lines written by the backup manager: manifest version (`1`), package
name, version code, the platform's SDK level, the installer package (empty when none),
`1`/`0` for "the APK is included", the number of signatures, then each signing
certificate as hex (`Signature.toCharsString()`: the DER bytes). perito hashes each
certificate (MD5, SHA-1, SHA-256) for `app:cert.*` indicators, and the package name is an
app id. The incumbent does not read it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from perito.artifacts.base import Artifact, Context
from perito.errors import DamagedFile
from perito.records import Kind, Record, observable, register_record
from perito.sources.locations import BackupMember


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class BackupPackage(Record):
    """One app whose data is in the backup."""

    package: str = field(default="", metadata=observable(Kind.APP_ID))
    manifest_version: str = ""
    version_code: str = ""
    sdk: str = ""  # the platform's SDK level when the backup was made
    installer: str = field(default="", metadata=observable(Kind.APP_ID))
    has_apk: bool = False
    cert_md5: tuple[str, ...] = field(default=(), metadata=observable(Kind.CERT_MD5))
    cert_sha1: tuple[str, ...] = field(default=(), metadata=observable(Kind.CERT_SHA1))
    cert_sha256: tuple[str, ...] = field(default=(), metadata=observable(Kind.CERT_SHA256))

    record_name = "backed-up app"

    def describe(self) -> str:
        installer = f", installed by {self.installer}" if self.installer else ""
        return f"App {self.package} (version {self.version_code}{installer}) in the backup"


def extract(ctx: Context) -> Iterator[BackupPackage]:
    if ctx.evidence.address.count("/") != 2:  # an app's own file named _manifest
        return
    data = ctx.source.read_bytes(ctx.evidence)
    lines = data.decode("utf-8", errors="replace").split("\n")
    if len(lines) < 7 or not lines[1] or not lines[6].strip().isdigit():
        raise DamagedFile("not a backup _manifest (too few lines or no signature count)")
    count = int(lines[6].strip())
    certificates: list[bytes] = []
    for text in lines[7:7 + count]:
        try:
            certificates.append(bytes.fromhex(text.strip()))
        except ValueError:
            ctx.warn("a signature is not hex and was skipped")
    if len(lines) < 7 + count:
        ctx.warn(f"the manifest announces {count} signatures but holds fewer")
    yield BackupPackage(
        source=ctx.evidence.address,
        package=lines[1].strip(),
        manifest_version=lines[0].strip(),
        version_code=lines[2].strip(),
        sdk=lines[3].strip(),
        installer=lines[4].strip(),
        has_apk=lines[5].strip() == "1",
        cert_md5=tuple(hashlib.md5(c, usedforsecurity=False).hexdigest() for c in certificates),
        cert_sha1=tuple(hashlib.sha1(c, usedforsecurity=False).hexdigest()
                        for c in certificates),
        cert_sha256=tuple(hashlib.sha256(c).hexdigest() for c in certificates),
    )


ARTIFACT = Artifact(
    id="android.backup.packages",
    title="Apps in the Android backup",
    slug="backup_packages",
    plugin="BackupPackages",
    locations=(BackupMember("apps/*/_manifest"),),
    records=(BackupPackage,),
    extract=extract,
    doc=__doc__ or "",
)
