"""Call history from CallHistory.storedata, one record per call (ios.md §5.12).

- `HomeDomain/Library/CallHistoryDB/CallHistory.storedata` is a CoreData store; `ZCALLRECORD`
  holds cellular calls, FaceTime and the calls of third-party VoIP apps that use CallKit
  (`ZSERVICE_PROVIDER`: `com.apple.Telephony`, `com.apple.FaceTime` or the app's bundle id).
- `ZADDRESS` is a BLOB on older iOS and text on recent versions; it holds a number, or an
  email address for FaceTime. Both become observables (the incumbent matches neither).
- `ZCALLTYPE`: 0 third-party app, 1 phone, 8 FaceTime video, 16 FaceTime audio.
  `ZORIGINATED` 1 is an outgoing call; an incoming call with `ZANSWERED` 0 was missed.
  `ZDATE` is Cocoa seconds, `ZDURATION` seconds.
- Group calls (recent iOS) list the other participants in `ZHANDLE` through the
  `Z_<n>REMOTEPARTICIPANTHANDLES` join table, found by name; they are folded into the call's
  record as `participant_handles`.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from perito.artifacts.base import Artifact, Context, SchemaMismatch, timestamp
from perito.artifacts.ios.sms import classify_handle
from perito.artifacts.sql import col
from perito.records import Kind, Record, observable, register_record, shareable, timeline
from perito.sources.locations import BackupFile, FsGlob
from perito.sources.sqlite import missing_from, schema
from perito.timestamps import Encoding, Timestamp, unset

IDENTIFY: dict[str, list[str]] = {"ZCALLRECORD": ["Z_PK", "ZDATE", "ZADDRESS"]}
CALL_TYPES = {0: "third-party app", 1: "phone", 8: "FaceTime video", 16: "FaceTime audio"}
_COLUMNS = (("ZUNIQUE_ID", "unique_id"), ("ZDATE", "date"), ("ZDURATION", "duration"),
            ("ZADDRESS", "address"), ("ZNAME", "name"), ("ZLOCATION", "location"),
            ("ZSERVICE_PROVIDER", "service_provider"), ("ZORIGINATED", "originated"),
            ("ZANSWERED", "answered"), ("ZCALLTYPE", "call_type"),
            ("ZCALL_CATEGORY", "call_category"), ("ZHANDLE_TYPE", "handle_type"),
            ("ZDISCONNECTED_CAUSE", "disconnected_cause"),
            ("ZISO_COUNTRY_CODE", "iso_country_code"), ("ZREAD", "read"),
            ("ZJUNKCONFIDENCE", "junk_confidence"), ("ZWASEMERGENCYCALL", "was_emergency_call"))
_JOIN_TABLE = re.compile(r"Z_[0-9]+REMOTEPARTICIPANTHANDLES")


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class CallRecord(Record):
    """One row of `ZCALLRECORD`, with the handles of a group call's other participants."""

    pk: int | None = None  # Z_PK
    unique_id: str | None = None
    date: Timestamp = field(default=unset(Encoding.COCOA_S), metadata=timeline("Call"))
    duration: float | None = None  # seconds
    address: str | None = None  # decoded ZADDRESS
    address_phone: str = field(default="", metadata=observable(Kind.PHONE))
    address_email: str = field(default="", metadata=observable(Kind.EMAIL))
    name: str | None = None
    location: str | None = None
    service_provider: str = field(default="", metadata=observable(Kind.APP_ID))
    originated: int | None = None
    direction: str = field(default="", metadata=shareable())  # "outgoing"/"incoming"
    answered: int | None = None
    call_type: int | None = None
    call_category: int | None = None
    handle_type: int | None = None
    disconnected_cause: int | None = None
    iso_country_code: str | None = None
    read: int | None = None
    junk_confidence: int | None = None
    was_emergency_call: int | None = None
    participant_handles: tuple[str, ...] = ()
    participant_phones: tuple[str, ...] = field(default=(), metadata=observable(Kind.PHONE))
    participant_emails: tuple[str, ...] = field(default=(), metadata=observable(Kind.EMAIL))

    record_name = "Call"

    def describe(self) -> str:
        kind = CALL_TYPES.get(self.call_type, "") if self.call_type is not None else ""
        kind = f"{kind} call" if kind else "call"
        counterpart = self.address or (", ".join(self.participant_handles) or "unknown")
        if self.direction == "outgoing":
            text = f"Outgoing {kind} to {counterpart}"
        elif self.direction == "incoming" and self.answered == 0:
            text = f"Missed {kind} from {counterpart}"
        elif self.direction == "incoming":
            text = f"Incoming {kind} from {counterpart}"
        else:
            text = f"{kind.capitalize()} with {counterpart}"
        if self.duration is not None:
            text += f", {self.duration:g} s"
        if self.service_provider:
            text += f" ({self.service_provider})"
        return text


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value if isinstance(value, str) else None


def _int(value: object) -> int | None:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _float(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _participants(connection: sqlite3.Connection, found: Mapping[str, set[str]]
                  ) -> dict[int, list[str]]:
    """Call Z_PK → handle values of its remote participants, when the store has them."""
    handles = found.get("ZHANDLE", set())
    if not {"Z_PK", "ZVALUE"} <= handles:
        return {}
    for table, columns in found.items():
        if not _JOIN_TABLE.fullmatch(table):
            continue
        call = next((c for c in columns if c.endswith("REMOTEPARTICIPANTCALLS")), None)
        handle = next((c for c in columns if c.endswith("REMOTEPARTICIPANTHANDLES")), None)
        if call is None or handle is None:
            continue
        found_values: dict[int, list[str]] = {}
        query = (f'SELECT j."{call}", h.ZVALUE FROM "{table}" j JOIN ZHANDLE h '
                 f'ON h.Z_PK = j."{handle}" ORDER BY j."{call}", h.Z_PK')
        for call_pk, value in connection.execute(query):
            text = _text(value)
            if isinstance(call_pk, int) and text:
                found_values.setdefault(call_pk, []).append(text)
        return found_values
    return {}


def extract(ctx: Context) -> Iterator[CallRecord]:
    """Every call of one CallHistory.storedata."""
    with ctx.source.open_sqlite(ctx.evidence) as opened:
        if opened.wal_applied:
            ctx.warn("write-ahead log applied (read from a private copy)")
        found = schema(opened.connection)
        missing = missing_from(found, IDENTIFY)
        if missing:
            raise SchemaMismatch(missing)
        participants = _participants(opened.connection, found)
        columns = ", ".join(col(found, "ZCALLRECORD", name, alias) for name, alias in _COLUMNS)
        opened.connection.row_factory = sqlite3.Row
        query = f"SELECT Z_PK AS pk, {columns} FROM ZCALLRECORD ORDER BY Z_PK"
        for row in opened.connection.execute(query):
            pk = _int(row["pk"])
            address = _text(row["address"])
            email, phone = classify_handle(address)
            others = participants.get(pk, []) if pk is not None else []
            classified = [classify_handle(value) for value in others]
            originated = _int(row["originated"])
            yield CallRecord(
                source=ctx.evidence.address,
                pk=pk,
                unique_id=_text(row["unique_id"]),
                date=timestamp(row["date"], Encoding.COCOA_S),
                duration=_float(row["duration"]),
                address=address,
                address_phone=phone,
                address_email=email,
                name=_text(row["name"]),
                location=_text(row["location"]),
                service_provider=(_text(row["service_provider"]) or "").strip(),
                originated=originated,
                direction=("outgoing" if originated == 1 else "incoming" if originated == 0
                           else ""),
                answered=_int(row["answered"]),
                call_type=_int(row["call_type"]),
                call_category=_int(row["call_category"]),
                handle_type=_int(row["handle_type"]),
                disconnected_cause=_int(row["disconnected_cause"]),
                iso_country_code=_text(row["iso_country_code"]),
                read=_int(row["read"]),
                junk_confidence=_int(row["junk_confidence"]),
                was_emergency_call=_int(row["was_emergency_call"]),
                participant_handles=tuple(others),
                participant_phones=tuple(p for _e, p in classified if p),
                participant_emails=tuple(e for e, _p in classified if e),
            )


ARTIFACT = Artifact(
    id="ios.calls",
    title="Call history",
    slug="calls",
    plugin="Calls",
    locations=(BackupFile("HomeDomain", "Library/CallHistoryDB/CallHistory.storedata"),
               FsGlob("private/var/mobile/Library/CallHistoryDB/CallHistory.storedata")),
    records=(CallRecord,),
    extract=extract,
    doc=__doc__ or "",
)
