"""Packages, activities and receivers from the `dumpsys package` section (android.md §2.3).

Under `Packages:` each `  Package [name] (hash):` block holds `key=value` lines (userId,
versionCode — whose value runs to the end of the line —, versionName, first install and last
update times as device-local text, installerPackageName and, since Android 11,
installInitiatingPackageName (`com.android.shell` for `adb install`), pkgFlags with the
`SYSTEM` token),
then `requested permissions:`, `install permissions:` and, per `User N:`, `runtime
permissions:` blocks (`perm: granted=true`). The `Activity Resolver Table:` and `Receiver
Resolver Table:` map intents (a single token ending in `:`) to `hash package/component`
lines. Records of packages share the packages.json type.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from perito.artifacts.android.common import dumpsys_sections, local_time
from perito.artifacts.android.packages import AndroidPackage
from perito.artifacts.base import Artifact, Context
from perito.records import Kind, Record, observable, register_record
from perito.sources.locations import Dumpstate

_PACKAGE = re.compile(r"^  Package \[([^\]]+)\] \([0-9a-fA-F]+\):")
_KEY = re.compile(r"^\s+([A-Za-z][\w.]*)=(.*)$")
_PERMISSION = re.compile(r"^\s+([\w.]+)(?:: granted=(true|false))?")
_HANDLER = re.compile(r"^\s+[0-9a-fA-F]+ ([\w.]+)/(\S+)")
_INTENT = re.compile(r"^\s{4,}(\S+):\s*$")
SENSITIVE_INTENTS = frozenset({
    "android.provider.Telephony.SMS_RECEIVED", "android.provider.Telephony.NEW_OUTGOING_SMS",
    "android.intent.action.DATA_SMS_RECEIVED", "android.intent.action.PHONE_STATE",
    "android.intent.action.NEW_OUTGOING_CALL"})
_TABLES = {"Activity Resolver Table:": "activity", "Receiver Resolver Table:": "receiver"}


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class IntentHandler(Record):
    """An activity or receiver that a package registers for an intent."""

    kind: str  # "activity" or "receiver"
    intent: str
    package_name: str = field(metadata=observable(Kind.APP_ID))
    component: str = ""

    record_name = "Intent handler"

    def describe(self) -> str:
        return f"{self.kind} {self.package_name}/{self.component} handles {self.intent}"


def _top_block(lines: list[str], title: str) -> Iterator[str]:
    """The lines after a column-0 `title` line, up to the next column-0 line."""
    inside = False
    for line in lines:
        if not inside:
            inside = line.rstrip() == title
            continue
        if line and not line[0].isspace():
            return
        yield line


def _named(value: str) -> str:
    """A package-name value, "" for dumpsys' `null`."""
    return "" if value == "null" else value


def _package(ctx: Context, name: str, body: list[str]) -> AndroidPackage:
    values: dict[str, str] = {}
    requested: list[str] = []
    granted: list[str] = []
    block = ""
    for line in body:
        stripped = line.strip()
        depth = len(line) - len(line.lstrip(" "))
        if stripped.endswith("permissions:") and " " in stripped:
            block = stripped
            continue
        if depth <= 4:
            block = "user" if stripped.startswith("User ") else ""
        if block == "requested permissions:":
            found = _PERMISSION.match(line)
            if found:
                requested.append(found.group(1))
            continue
        if block in ("install permissions:", "runtime permissions:"):
            found = _PERMISSION.match(line)
            if found and found.group(2) == "true":
                granted.append(found.group(1))
            continue
        key = _KEY.match(line)
        if key and key.group(1) not in values:  # the package's value wins over a user's
            values[key.group(1)] = key.group(2).strip()
    flags = tuple(values.get("pkgFlags", "").strip("[] ").split())
    installer = values.get("installerPackageName")
    return AndroidPackage(
        source=ctx.evidence.address, package_name=name, installer=installer,
        install_initiator=_named(values.get("installInitiatingPackageName", "")),
        install_originator=_named(values.get("installOriginatingPackageName", "")),
        uid=int(values["userId"]) if values.get("userId", "").isdigit() else None,
        system="SYSTEM" in flags, flags=flags,
        apk_paths=(values["codePath"],) if values.get("codePath") else (),
        version_code=values.get("versionCode", "").split(" ", 1)[0],
        version_name=values.get("versionName", ""),
        requested_permissions=tuple(requested), granted_permissions=tuple(dict.fromkeys(granted)),
        first_install_time=local_time(ctx, values.get("firstInstallTime", "")),
        last_update_time=local_time(ctx, values.get("lastUpdateTime", "")))


def packages(ctx: Context, lines: list[str]) -> Iterator[AndroidPackage]:
    name: str | None = None
    body: list[str] = []
    for line in _top_block(lines, "Packages:"):
        found = _PACKAGE.match(line)
        if found:
            if name is not None:
                yield _package(ctx, name, body)
            name, body = found.group(1), []
        elif name is not None:
            body.append(line)
    if name is not None:
        yield _package(ctx, name, body)


def handlers(ctx: Context, lines: list[str]) -> Iterator[IntentHandler]:
    for title, kind in _TABLES.items():
        intent = ""
        for line in _top_block(lines, title):
            handler = _HANDLER.match(line)
            if handler and intent:
                yield IntentHandler(source=ctx.evidence.address, kind=kind, intent=intent,
                                    package_name=handler.group(1), component=handler.group(2))
                continue
            found = _INTENT.match(line)
            if found and " " not in line.strip():
                intent = found.group(1)


def extract(ctx: Context) -> Iterator[Record]:
    for _body, lines in dumpsys_sections(ctx, "package"):
        yield from packages(ctx, lines)
        yield from handlers(ctx, lines)


ARTIFACT = Artifact(
    id="android.dumpsys.package",
    title="Packages, activities and receivers (dumpsys package)",
    slug="dumpsys_packages",
    plugin="DumpsysPackages",
    locations=(Dumpstate(),),
    records=(AndroidPackage, IntentHandler),
    extract=extract,
    doc=__doc__ or "",
)
