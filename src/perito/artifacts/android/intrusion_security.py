"""Security events from Android 16 intrusion logs (`security_event`, android.md §5).

`{"security_event": {"event_id", "event_time" (**unix ns**, UTC), <subtype>: {…}}}`: the
AOSP SecurityLog events (tags 210001–210046: adb shell and sync, app process starts with the
APK's SHA-256, keyguard, key and certificate operations, package installs, Wi-Fi and
Bluetooth connections…). The subtype is the first key other than `event_id`, `event_time`,
`event_type`, `timestamp`. The raw SecurityLog shape `{"tag": 210005, "data": […]}` is mapped
to the same names and fields. Unknown event types and subtypes are kept as records, with a
warning: the format is still moving.

Observables: app ids (`package_name`, every `:`-part of `process` as the incumbent checks
them, package names in an `adb_shell_cmd` command), process names, file paths (adb sync
paths, paths in commands), the APK SHA-256 of `app_process_start`, links in commands.
`success` is a JSON boolean in exports and 0/1 in raw SecurityLog: both are read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from perito.artifacts.android import intrusion
from perito.artifacts.base import Artifact, Context
from perito.indicators.normalise import extract_links
from perito.records import Kind, Record, observable, register_record, timeline
from perito.sources.locations import LogFile
from perito.timestamps import Encoding, Timestamp, unset

SUBTYPES = (
    "adb_shell_interactive", "adb_shell_cmd", "adb_sync_recv_file", "adb_sync_send_file",
    "app_process_start", "keyguard_dismissed", "keyguard_dismiss_auth_attempt",
    "keyguard_secured", "os_startup", "os_shutdown", "logging_started", "logging_stopped",
    "media_mount", "media_unmount", "log_buffer_size_critical", "password_expiration_set",
    "password_complexity_set", "password_history_length_set", "max_screen_lock_timeout_set",
    "max_password_attempts_set", "keyguard_disabled_features_set", "remote_lock",
    "wipe_failure", "key_generated", "key_import", "key_destruction", "user_restriction_added",
    "user_restriction_removed", "cert_authority_installed", "cert_authority_removed",
    "crypto_self_test_completed", "key_integrity_violation", "cert_validation_failure",
    "camera_policy_set", "password_complexity_required", "password_changed", "wifi_connection",
    "wifi_disconnection", "bluetooth_connection", "bluetooth_disconnection",
    "package_installed", "package_updated", "package_uninstalled", "backup_service_toggled",
    "nfc_enabled", "nfc_disabled",
)
TAGS = {210001 + position: name for position, name in enumerate(SUBTYPES)}
_NOT_SUBTYPES = frozenset({"event_id", "event_time", "event_type", "timestamp", "tag", "data"})
# The positional `data[]` of the raw SecurityLog form, for the subtypes perito analyses.
_DATA_FIELDS: dict[str, tuple[str, ...]] = {
    "adb_shell_cmd": ("command",),
    "adb_sync_recv_file": ("path",),
    "adb_sync_send_file": ("path",),
    "app_process_start": ("process", "start_time", "uid", "pid", "seinfo", "sha256"),
    "keyguard_dismiss_auth_attempt": ("success", "method_strength"),
    "media_mount": ("mount_point", "volume_label"),
    "key_generated": ("success", "key_id", "uid"),
    "key_import": ("success", "key_id", "uid"),
    "key_destruction": ("success", "key_id", "uid"),
    "key_integrity_violation": ("key_id", "uid"),
    "cert_authority_installed": ("success", "subject", "user_id"),
    "cert_authority_removed": ("success", "subject", "user_id"),
    "crypto_self_test_completed": ("success",),
    "cert_validation_failure": ("reason",),
    "package_installed": ("package_name", "version_code", "user_id"),
    "package_updated": ("package_name", "version_code", "user_id"),
    "package_uninstalled": ("package_name", "version_code", "user_id"),
}
_PACKAGE = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)+")
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class IntrusionSecurityEvent(Record):
    """One security event (or an event of a type perito does not know)."""

    event_type: str = "security_event"
    event_id: int | None = None
    event_time: Timestamp = field(default=unset(Encoding.UNIX_NS),
                                  metadata=timeline("Security event"))
    subtype: str = ""
    tag: int | None = None
    payload: str = ""  # the subtype's object as canonical JSON
    success: bool | None = None  # for subtypes that report one
    app_ids: tuple[str, ...] = field(default=(), metadata=observable(Kind.APP_ID))
    process: str = field(default="", metadata=observable(Kind.PROCESS))
    uid: int | None = None
    sha256: str = field(default="", metadata=observable(Kind.FILE_SHA256))
    command: str = ""  # adb_shell_cmd
    paths: tuple[str, ...] = field(default=(), metadata=observable(Kind.FILE_PATH))
    links: tuple[str, ...] = field(default=(), metadata=observable(Kind.URL))
    key_id: str = ""
    subject: str = ""  # cert_authority_* subject
    reason: str = ""  # cert_validation_failure

    record_name = "security event"

    def describe(self) -> str:
        what = self.subtype or self.event_type
        detail = self.process or ", ".join(self.app_ids) or self.subject or self.key_id
        outcome = "" if self.success is None else " (success)" if self.success else " (failed)"
        return f"Security event {what}" + (f": {detail}" if detail else "") + outcome


def _subtype(event: dict[str, Any]) -> tuple[str, dict[str, Any], int | None]:
    """(subtype, its payload, SecurityLog tag) of a security event."""
    tag = intrusion.integer(event.get("tag"))
    if tag is not None:
        name = TAGS.get(tag, f"tag_{tag}")
        return name, _positional(name, event.get("data")), tag
    for key, value in event.items():
        if key not in _NOT_SUBTYPES:
            return key, value if isinstance(value, dict) else _positional(key, value), None
    return "", {}, None


def _positional(name: str, data: object) -> dict[str, Any]:
    """The fields of a subtype given as a value or list (`"crypto_self_test_completed": 1`)."""
    values = data if isinstance(data, list) else [data]
    names = _DATA_FIELDS.get(name, ())
    payload: dict[str, Any] = dict(zip(names, values, strict=False))
    if len(values) > len(names):
        payload["data"] = values[len(names):]
    return payload


def _success(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    number = intrusion.integer(value)
    return None if number is None else number != 0


def _command_observables(command: str) -> tuple[list[str], list[str]]:
    """(package names, absolute paths) named in an adb shell command."""
    packages: list[str] = []
    paths: list[str] = []
    for token in command.split():
        token = token.strip("'\";&|()<>")
        if token.startswith("/"):
            paths.append(token)
            continue
        head = token.split("/", 1)[0]  # am start -n com.example/.Main
        if _PACKAGE.fullmatch(head) and "://" not in token:
            packages.append(head)
    return packages, paths


def _record(ctx: Context, kind: str, event: dict[str, Any]) -> IntrusionSecurityEvent:
    subtype, payload, tag = _subtype(event) if kind == "security_event" else ("", event, None)
    packages: list[str] = []
    paths: list[str] = []
    process = intrusion.string(payload.get("process"))
    if process:  # `package:service`; the incumbent checks every part as an app id
        packages.extend(process.split(":"))
    if payload.get("package_name"):
        packages.append(intrusion.string(payload.get("package_name")))
    command = intrusion.string(payload.get("command")) if subtype == "adb_shell_cmd" else ""
    if command:
        found_packages, found_paths = _command_observables(command)
        packages.extend(found_packages)
        paths.extend(found_paths)
    if subtype.startswith("adb_sync_") and payload.get("path"):
        paths.append(intrusion.string(payload.get("path")))
    sha256 = intrusion.string(payload.get("sha256"))
    return IntrusionSecurityEvent(
        source=ctx.evidence.address,
        event_type=kind,
        event_id=intrusion.integer(event.get("event_id")),
        event_time=intrusion.event_time(event.get("event_time"), Encoding.UNIX_NS),
        subtype=subtype,
        tag=tag,
        payload=json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str),
        success=_success(payload.get("success")) if "success" in payload else None,
        app_ids=tuple(dict.fromkeys(p for p in packages if p)),
        process=process,
        uid=intrusion.integer(payload.get("uid")),
        sha256=sha256.lower() if _SHA256.fullmatch(sha256) else "",
        command=command,
        paths=tuple(dict.fromkeys(paths)),
        links=tuple(dict.fromkeys(extract_links(command))) if command else (),
        key_id=intrusion.string(payload.get("key_id")),
        subject=intrusion.string(payload.get("subject")),
        reason=intrusion.string(payload.get("reason")),
    )


def extract(ctx: Context) -> Iterator[IntrusionSecurityEvent]:
    unknown: set[str] = set()
    for kind, event in intrusion.events(ctx, ("security_event",)):
        record = _record(ctx, kind, event)
        if kind != "security_event":
            unknown.add(f"event type {kind}")
        elif record.subtype not in SUBTYPES:
            unknown.add(f"subtype {record.subtype or '(none)'}")
        yield record
    if unknown:
        ctx.warn("kept as raw records, not analysed: " + ", ".join(sorted(unknown)))


ARTIFACT = Artifact(
    id="android.intrusion.security",
    title="Security events (intrusion logs)",
    slug="intrusion_security",
    plugin="IntrusionLogs",
    locations=(LogFile("*"),),
    records=(IntrusionSecurityEvent,),
    extract=extract,
    doc=__doc__ or "",
)
