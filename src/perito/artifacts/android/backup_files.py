"""Every member of an Android backup's tar, with its hashes (android.md §3).

One record per member, in archive order: its name, the device path it came from
(`apps/<package>/<domain>/…`: `a` APK, `f` files, `db` databases, `sp` shared prefs, `r` the
data folder, `ef` external files, `d_*` device-protected storage, `shared/` shared storage),
size, mode, owner and modification time, and the SHA-256 of its content (MD5 and SHA-1 too
for APKs, code-like files and files up to 1 MiB: `android_ab.wants_all_digests`), which the
matcher checks against file-hash indicators (APKs in `a/`, dropped files).
Members perito refused to read (absolute or `..` names, links, devices, oversized) are
listed with the reason and a warning; a truncated or corrupt payload is reported as a
problem of this artifact, after the members read before the damage. The incumbent reads
only the SMS files and hashes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from perito.artifacts.base import Artifact, Context, timestamp
from perito.errors import DamagedFile
from perito.levels import Level
from perito.records import Kind, Record, observable, register_record, timeline
from perito.sources.android_ab import AndroidBackup, device_path
from perito.sources.locations import BackupMember
from perito.timestamps import Encoding, Timestamp, unset


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class BackupEntry(Record):
    """One member of the backup's tar."""

    name: str = ""
    package: str = ""
    domain: str = ""  # the backup domain token (`f`, `db`, `a`, …)
    device_path: str = field(default="", metadata=observable(Kind.FILE_PATH))
    kind: str = ""  # file, directory, refused
    size: int = 0
    mode: str = ""  # octal permission bits
    uid: int | None = None
    gid: int | None = None
    modified: Timestamp = field(default=unset(Encoding.UNIX_S),
                                metadata=timeline("File modified"))
    md5: str = field(default="", metadata=observable(Kind.FILE_MD5))
    sha1: str = field(default="", metadata=observable(Kind.FILE_SHA1))
    sha256: str = field(default="", metadata=observable(Kind.FILE_SHA256))
    refused: str = ""  # why perito did not read it

    record_name = "backup file"

    def describe(self) -> str:
        what = "refused " + self.kind if self.refused else self.kind
        return f"Backup {what} {self.device_path or self.name} ({self.size} bytes)"


def _split(name: str) -> tuple[str, str]:
    parts = name.split("/", 3)
    if parts[0] == "apps" and len(parts) >= 3:
        return parts[1], parts[2]
    return "", ""


def extract(ctx: Context) -> Iterator[BackupEntry]:
    """The listing of the backup (the source's single pass already read it)."""
    backup = ctx.source
    if not isinstance(backup, AndroidBackup):
        return
    refused = 0
    for member in backup.members:
        package, domain = _split(member.name)
        if member.kind == "refused":
            refused += 1
        yield BackupEntry(
            source=ctx.evidence.address,
            name=member.name,
            package=package,
            domain=domain,
            device_path=device_path(member.name),
            kind={"directory": "directory", "refused": "entry"}.get(member.kind, "file"),
            size=member.size,
            mode=f"{member.mode & 0o7777:04o}",
            uid=member.uid,
            gid=member.gid,
            modified=timestamp(member.mtime, Encoding.UNIX_S),
            md5=member.md5,
            sha1=member.sha1,
            sha256=member.sha256,
            refused=member.reason if member.kind == "refused" else "",
        )
    if refused:
        ctx.warn(f"{refused} tar members were refused (unsafe names, links, devices or too "
                 "large); see the records")
    if backup.problems:
        raise DamagedFile("; ".join(backup.problems))


ARTIFACT = Artifact(
    id="android.backup.files",
    title="Files in the Android backup",
    slug="backup_files",
    plugin="BackupFiles",
    locations=(BackupMember(""),),
    records=(BackupEntry,),
    extract=extract,
    match_level=Level.HIGH,
    doc=__doc__ or "",
)
