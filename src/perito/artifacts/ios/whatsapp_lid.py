"""WhatsApp LID ↔ phone-number pairs (`ZWAPHONENUMBERLIDPAIR`), one record per pair (ios.md §5.11).

- A LID (`<digits>@lid`) is WhatsApp's privacy-preserving user id; chats, group members and
  senders can be filed under it instead of under the phone-number JID. The pair table is the
  only local mapping back to a phone number.
- The table lives in `LID.sqlite` beside `ChatStorage.sqlite` in WhatsApp's app-group
  container, and in `ChatStorage.sqlite` itself in some WhatsApp versions. Both are read, in
  every `AppDomainGroup-*` container. A ChatStorage.sqlite without the table is normal and
  yields nothing (its readability is `ios.whatsapp.messages`' concern); a LID.sqlite without it
  is an unknown schema. The incumbent reads LID.sqlite, and ChatStorage only when no
  LID.sqlite exists.
- `ZLID` and `ZPHONENUMBER` hold bare digits (`14155550100`), sometimes a JID; the PHONE
  observable is `+<digits>`. `ZTIMESTAMP` is Cocoa seconds.
- `lid_phone_map` is shared with `perito.artifacts.ios.whatsapp_sessions`, which resolves LID
  chats through the same tables.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from perito.artifacts.base import Artifact, Context, SchemaMismatch, timestamp
from perito.artifacts.sql import col, has
from perito.records import Kind, Record, observable, register_record, timeline
from perito.sources.locations import BackupFile, BackupGlob, FsGlob
from perito.sources.sqlite import NotADatabase, missing_from, schema
from perito.timestamps import Encoding, Timestamp, unset

TABLE = "ZWAPHONENUMBERLIDPAIR"
IDENTIFY: dict[str, list[str]] = {TABLE: ["ZLID", "ZPHONENUMBER"]}
SHARED_GROUP = "AppDomainGroup-group.net.whatsapp.WhatsApp.shared"
CHAT_STORAGE = "ChatStorage.sqlite"
_DIGITS = re.compile(r"\+?([0-9]{4,20})")


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class WhatsappLidPair(Record):
    """One row of `ZWAPHONENUMBERLIDPAIR` (in LID.sqlite or ChatStorage.sqlite)."""

    pk: int | None = None  # Z_PK
    lid: str | None = None  # ZLID as stored
    phone_number: str | None = None  # ZPHONENUMBER as stored
    phone: str = field(default="", metadata=observable(Kind.PHONE))
    pair_timestamp: Timestamp = field(default=unset(Encoding.COCOA_S),
                                      metadata=timeline("WhatsApp LID paired with a number"))

    record_name = "WhatsApp LID pair"

    def describe(self) -> str:
        return (f"WhatsApp associated LID {self.lid or '(none)'} with phone number "
                f"{self.phone or self.phone_number or '(none)'}")


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # a number column holding digits
    return value if isinstance(value, str) else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def lid_key(value: object) -> str:
    """The digits of a LID (`123@lid` and `123` give `123`), or ""."""
    text = _text(value)
    return text.split("@", 1)[0].strip() if text else ""


def phone_of_number(value: object) -> str:
    """`+<digits>` for a stored phone number (`14155550100`, `+1…`, `1…@s.whatsapp.net`)."""
    text = _text(value)
    if not text:
        return ""
    local, _, domain = text.strip().partition("@")
    if domain and domain.lower() != "s.whatsapp.net":
        return ""
    found = _DIGITS.fullmatch(local.split(":", 1)[0])
    return "+" + found.group(1) if found else ""


def _query(found: Mapping[str, set[str]]) -> str:
    pk = f"{TABLE}.Z_PK" if has(found, TABLE, "Z_PK") else "NULL"
    order = f" ORDER BY {TABLE}.Z_PK" if has(found, TABLE, "Z_PK") else ""
    return (f"SELECT {pk} AS pk, {TABLE}.ZLID AS lid, {TABLE}.ZPHONENUMBER AS phone_number, "
            f"{col(found, TABLE, 'ZTIMESTAMP', 'pair_timestamp')} FROM {TABLE}{order}")


def lid_phone_map(connection: sqlite3.Connection, found: Mapping[str, set[str]]
                  ) -> dict[str, str]:
    """LID digits → `+<digits>` from a database's pair table ({} when it has none)."""
    if missing_from(found, IDENTIFY):
        return {}
    pairs: dict[str, str] = {}
    for row in connection.execute(_query(found)):
        key, phone = lid_key(row[1]), phone_of_number(row[2])
        if key and phone:
            pairs.setdefault(key, phone)
    return pairs


def extract(ctx: Context) -> Iterator[WhatsappLidPair]:
    """Every pair of one LID.sqlite, or of one ChatStorage.sqlite that has the table."""
    in_chat_storage = ctx.evidence.name == CHAT_STORAGE
    with contextlib.ExitStack() as stack:
        try:
            opened = stack.enter_context(ctx.source.open_sqlite(ctx.evidence))
            found = schema(opened.connection)
        except (NotADatabase, sqlite3.DatabaseError):
            if not in_chat_storage:
                raise
            ctx.warn("not readable, so not searched for LID pairs (see WhatsApp messages)")
            return
        missing = missing_from(found, IDENTIFY)
        if missing:
            if in_chat_storage and TABLE not in found:
                return
            raise SchemaMismatch(missing)
        if opened.wal_applied:
            ctx.warn("write-ahead log applied (read from a private copy)")
        opened.connection.row_factory = sqlite3.Row
        for row in opened.connection.execute(_query(found)):
            yield WhatsappLidPair(
                source=ctx.evidence.address,
                pk=_int(row["pk"]),
                lid=_text(row["lid"]),
                phone_number=_text(row["phone_number"]),
                phone=phone_of_number(row["phone_number"]),
                pair_timestamp=timestamp(row["pair_timestamp"], Encoding.COCOA_S),
            )


ARTIFACT = Artifact(
    id="ios.whatsapp.lid",
    title="WhatsApp LID ↔ phone number pairs",
    slug="whatsapp_lid",
    plugin="Whatsapp",
    locations=(BackupFile(SHARED_GROUP, "LID.sqlite"),
               BackupGlob("LID.sqlite", "AppDomainGroup-*"),
               BackupGlob(CHAT_STORAGE, "AppDomainGroup-*"),
               FsGlob("private/var/mobile/Containers/Shared/AppGroup/*/LID.sqlite"),
               FsGlob(f"private/var/mobile/Containers/Shared/AppGroup/*/{CHAT_STORAGE}")),
    records=(WhatsappLidPair,),
    extract=extract,
    doc=__doc__ or "",
)
