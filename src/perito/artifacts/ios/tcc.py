"""TCC.db: the privacy permissions (camera, microphone, photos…) granted to each client.

`HomeDomain/Library/TCC/TCC.db`, table `access`, one row per (service, client, client_type,
indirect object). `client_type` 0 names the client by bundle id, 1 by absolute path. The
table has three generations (ios.md §5.15; simulator and macOS schemas of the same tccd):

- iOS ≤ 11: `allowed` (0 denied / 1 allowed), `prompt_count`, `csreq`, `policy_id`; no time.
- iOS 12–13: adds `indirect_object_identifier[_type]`, `indirect_object_code_identity`,
  `flags` and `last_modified` (unix seconds). Simulator runtimes of iOS 12 lack the last two;
  the incumbent's reader expects them on devices, and macOS 10.14–10.15 have them.
- iOS 14+: `allowed`/`prompt_count` give way to `auth_value` (0 denied, 1 unknown, 2 allowed,
  3 limited), `auth_reason` and `auth_version`; later releases add `pid`, `pid_version`,
  `boot_uuid` and `last_reminded`.

`auth_value` here is the normalised text for both generations. A spyware client would show up
as an unexpected client holding camera or microphone access; the incumbent checks `client`
against process indicators, so `client_process` carries the bundle id or the path's last
component for that, while the bundle id and the path also get their own kinds.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from perito.artifacts.base import Artifact, Context, SchemaMismatch, sqlite_rows, timestamp
from perito.artifacts.sql import col, has
from perito.records import Kind, Record, observable, register_record, shareable, timeline
from perito.sources.locations import BackupFile, FsGlob
from perito.timestamps import Encoding, Timestamp, unset

IDENTIFY: dict[str, list[str]] = {"access": ["service", "client", "client_type"]}

CLIENT_BUNDLE_ID = 0
CLIENT_PATH = 1

AUTH_VALUES: dict[int, str] = {0: "denied", 1: "unknown", 2: "allowed", 3: "limited"}
ALLOWED_VALUES: dict[int, str] = {0: "denied", 1: "allowed"}  # before iOS 14
AUTH_REASONS: dict[int, str] = {
    1: "error", 2: "user_consent", 3: "user_set", 4: "system_set", 5: "service_policy",
    6: "mdm_policy", 7: "override_policy", 8: "missing_usage_string", 9: "prompt_timeout",
    10: "preflight_unknown", 11: "entitled", 12: "app_type_policy",
}
SERVICE_PREFIX = "kTCCService"


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class TccAccess(Record):
    """One row of TCC.db `access`: a client's decision for one service."""

    service: str = field(default="", metadata=shareable())  # e.g. kTCCServiceMicrophone
    client: str = ""  # as stored: a bundle id or an absolute path
    client_type: int | None = None  # 0 bundle id, 1 absolute path
    client_bundle_id: str = field(default="", metadata=observable(Kind.APP_ID))
    client_path: str = field(default="", metadata=observable(Kind.FILE_PATH))
    client_process: str = field(default="", metadata=observable(Kind.PROCESS))
    auth_value: str = field(default="", metadata=shareable())  # denied/unknown/allowed/limited
    auth_value_raw: int | None = None  # iOS 14+ auth_value
    allowed: int | None = None  # before iOS 14
    prompt_count: int | None = None  # before iOS 14
    auth_reason: int | None = None
    auth_reason_desc: str = field(default="", metadata=shareable())
    auth_version: int | None = None
    indirect_object_identifier: str | None = None
    flags: int | None = None
    last_modified: Timestamp = field(default=unset(Encoding.UNIX_S),
                                     metadata=timeline("TCC permission changed"))
    last_reminded: Timestamp = field(default=unset(Encoding.UNIX_S))
    pid: int | None = None
    pid_version: int | None = None
    boot_uuid: str | None = None

    record_name = "TCC permission"

    def describe(self) -> str:
        who = self.client or "(no client)"
        what = self.service.removeprefix(SERVICE_PREFIX) or "(no service)"
        if self.auth_value == "allowed":
            return f"{who} allowed to use {what}"
        if self.auth_value == "limited":
            return f"{who} allowed limited use of {what}"
        if self.auth_value == "denied":
            return f"{who} denied use of {what}"
        state = self.auth_value or "unknown"
        return f"{who}: permission for {what} is {state}"


_OPTIONAL = ("allowed", "prompt_count", "auth_value", "auth_reason", "auth_version",
             "indirect_object_identifier", "flags", "last_modified", "last_reminded", "pid",
             "pid_version", "boot_uuid")


def query(found: Mapping[str, set[str]]) -> str:
    """The access rows with whichever columns this generation has (NULL for the others)."""
    if not (has(found, "access", "auth_value") or has(found, "access", "allowed")):
        raise SchemaMismatch(["access.auth_value or access.allowed"])
    columns = ", ".join(col(found, "access", name) for name in _OPTIONAL)
    return (f"SELECT access.service AS service, access.client AS client, "
            f"access.client_type AS client_type, {columns} FROM access "
            "ORDER BY access.service, access.client, access.client_type")


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def _optional_text(value: Any) -> str | None:
    return None if value is None else _text(value)


def _decision(auth_value: int | None, allowed: int | None) -> str:
    if auth_value is not None:
        return AUTH_VALUES.get(auth_value, f"unknown ({auth_value})")
    if allowed is not None:
        return ALLOWED_VALUES.get(allowed, f"unknown ({allowed})")
    return ""


def _basename(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


def record_from(row: sqlite3.Row | Mapping[str, Any], source: str) -> TccAccess:
    client, client_type = _text(row["client"]), _int(row["client_type"])
    auth_value, allowed = _int(row["auth_value"]), _int(row["allowed"])
    reason = _int(row["auth_reason"])
    return TccAccess(
        source=source, service=_text(row["service"]), client=client, client_type=client_type,
        client_bundle_id=client if client_type == CLIENT_BUNDLE_ID else "",
        client_path=client if client_type == CLIENT_PATH else "",
        client_process=_basename(client) if client_type == CLIENT_PATH else client,
        auth_value=_decision(auth_value, allowed), auth_value_raw=auth_value,
        allowed=allowed, prompt_count=_int(row["prompt_count"]),
        auth_reason=reason,
        auth_reason_desc="" if reason is None else AUTH_REASONS.get(reason, "unknown"),
        auth_version=_int(row["auth_version"]),
        indirect_object_identifier=_optional_text(row["indirect_object_identifier"]),
        flags=_int(row["flags"]),
        last_modified=timestamp(row["last_modified"], Encoding.UNIX_S),
        last_reminded=timestamp(row["last_reminded"], Encoding.UNIX_S),
        pid=_int(row["pid"]), pid_version=_int(row["pid_version"]),
        boot_uuid=_optional_text(row["boot_uuid"]),
    )


def extract(ctx: Context) -> Iterator[Record]:
    for row in sqlite_rows(ctx, IDENTIFY, query):
        yield record_from(row, ctx.evidence.address)


ARTIFACT = Artifact(
    id="ios.tcc.access",
    title="Privacy permissions (TCC)",
    slug="tcc",
    plugin="TCC",
    locations=(BackupFile("HomeDomain", "Library/TCC/TCC.db"),
               FsGlob("private/var/mobile/Library/TCC/TCC.db")),
    records=(TccAccess,),
    extract=extract,
    doc=__doc__ or "",
)
