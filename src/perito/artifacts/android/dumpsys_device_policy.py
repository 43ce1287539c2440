"""Active device administrators from the `dumpsys device_policy` section.

Under `Enabled Device Admins (User N, provisioningState: …):` each admin is a
`    package/receiver:` line followed by `uid=` and a `policies:` list. Stalkerware makes itself a
device admin so that it cannot be uninstalled.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from perito.artifacts.android.common import dumpsys_sections
from perito.artifacts.base import Artifact, Context
from perito.records import Kind, Record, observable, register_record
from perito.sources.locations import Dumpstate

_ADMINS = re.compile(r"^\s*Enabled Device Admins \(User (\d+)")
_ADMIN = re.compile(r"^(\s+)([\w.]+)/([\w.$]+):\s*$")


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceAdmin(Record):
    """An active device administrator."""

    package_name: str = field(metadata=observable(Kind.APP_ID))
    receiver: str = ""
    user: int | None = None
    policies: tuple[str, ...] = ()

    record_name = "Device admin"

    def describe(self) -> str:
        return f"device admin {self.package_name}/{self.receiver} (user {self.user})"


def admins(lines: list[str], source: str) -> Iterator[DeviceAdmin]:
    user: int | None = None
    base = 0
    admin: DeviceAdmin | None = None
    policies: list[str] = []
    policy_depth: int | None = None
    for line in [*lines, "end"]:
        stripped = line.strip()
        if not stripped:
            continue
        depth = len(line) - len(line.lstrip(" "))
        header = _ADMINS.match(line)
        found = _ADMIN.match(line) if user is not None and depth > base else None
        if admin is not None and (header or found or depth <= base):
            yield dataclasses.replace(admin, policies=tuple(policies))
            admin, policies, policy_depth = None, [], None
        if header:
            user, base = int(header.group(1)), depth
        elif user is not None and depth <= base:
            user = None
        elif found:
            admin = DeviceAdmin(source=source, package_name=found.group(2),
                                receiver=found.group(3), user=user)
        elif admin is not None:
            if stripped == "policies:":
                policy_depth = depth
            elif policy_depth is not None and depth > policy_depth:
                policies.append(stripped)
            else:
                policy_depth = None


def extract(ctx: Context) -> Iterator[Record]:
    for _body, lines in dumpsys_sections(ctx, "device_policy"):
        yield from admins(lines, ctx.evidence.address)


ARTIFACT = Artifact(
    id="android.dumpsys.device_policy",
    title="Device administrators (dumpsys device_policy)",
    slug="dumpsys_device_policy",
    plugin="DumpsysDevicePolicy",
    locations=(Dumpstate(),),
    records=(DeviceAdmin,),
    extract=extract,
    doc=__doc__ or "",
)
