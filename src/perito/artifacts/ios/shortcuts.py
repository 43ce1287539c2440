"""Shortcuts from Shortcuts.sqlite, one record per shortcut and actions row (ios.md §5.15).

- `HomeDomain/Library/Shortcuts/Shortcuts.sqlite` is a CoreData store. `ZSHORTCUT` holds each
  shortcut's name, creation and modification dates (Cocoa seconds) and a summary of its
  actions (`ZACTIONSDESCRIPTION`); `ZSHORTCUTACTIONS.ZDATA` (→ `ZSHORTCUT.Z_PK`) is a binary
  plist array of `{WFWorkflowActionIdentifier, WFWorkflowActionParameters}`.
- A shortcut can fetch a URL, open a web page or run a script on a trigger, so every
  `http(s)://` link found anywhere in the action parameters (nested dicts and lists, every
  string) is a URL observable in `action_urls`, and the action identifiers are kept.
- `ZSHORTCUT` is LEFT JOINed to `ZSHORTCUTACTIONS`, as the incumbent does (one record per
  joined row; a shortcut has one actions row in practice). Text columns may be stored as
  BLOBs and are decoded; unreadable action data is counted in a warning.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from perito.artifacts.base import Artifact, Context, SchemaMismatch, timestamp
from perito.artifacts.sql import col, has
from perito.indicators.normalise import extract_links
from perito.records import Kind, Record, observable, register_record, timeline
from perito.sources.locations import BackupFile, FsGlob
from perito.sources.plist import PlistError, load_plist
from perito.sources.sqlite import missing_from, schema
from perito.timestamps import Encoding, Timestamp, unset

IDENTIFY: dict[str, list[str]] = {"ZSHORTCUT": ["Z_PK", "ZNAME"]}
_MAX_DEPTH = 64
_COLUMNS = (("ZNAME", "name"), ("ZWORKFLOWID", "workflow_id"),
            ("ZCREATIONDATE", "created_date"), ("ZMODIFICATIONDATE", "modified_date"),
            ("ZLASTRUNEVENTDATE", "last_run_date"), ("ZACTIONSDESCRIPTION", "description"),
            ("ZACTIONCOUNT", "action_count"), ("ZTOMBSTONED", "tombstoned"),
            ("ZHIDDENFROMLIBRARYANDSYNC", "hidden"),
            ("ZASSOCIATEDAPPBUNDLEIDENTIFIER", "associated_app"))


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class IosShortcut(Record):
    """One shortcut of `ZSHORTCUT` with the actions parsed from `ZSHORTCUTACTIONS.ZDATA`."""

    shortcut_id: int | None = None  # ZSHORTCUT.Z_PK
    name: str | None = None
    workflow_id: str | None = None
    created_date: Timestamp = field(default=unset(Encoding.COCOA_S),
                                    metadata=timeline("Shortcut created"))
    modified_date: Timestamp = field(default=unset(Encoding.COCOA_S),
                                     metadata=timeline("Shortcut modified"))
    last_run_date: Timestamp = field(default=unset(Encoding.COCOA_S),
                                     metadata=timeline("Shortcut last run"))
    description: str | None = None  # ZACTIONSDESCRIPTION
    action_count: int | None = None  # ZACTIONCOUNT as stored
    tombstoned: int | None = None
    hidden: int | None = None
    associated_app: str = field(default="", metadata=observable(Kind.APP_ID))
    actions_readable: bool = False  # ZDATA present and a readable plist array
    parsed_actions: int = 0
    action_identifiers: tuple[str, ...] = ()
    action_urls: tuple[str, ...] = field(default=(), metadata=observable(Kind.URL))

    record_name = "Shortcut"

    def describe(self) -> str:
        text = f"iOS Shortcut '{self.name or ''}'"
        if self.description:
            text += f": {self.description}"
        if self.action_urls:
            text += " - URLs in actions: " + ", ".join(self.action_urls)
        return text


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value if isinstance(value, str) else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def strings_in(value: Any, depth: int = 0) -> Iterator[str]:
    """Every string in a plist value (dict keys and values, lists, nested), depth-first."""
    if depth > _MAX_DEPTH:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str):
                yield key
            yield from strings_in(item, depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings_in(item, depth + 1)


def parse_actions(data: object) -> tuple[bool, list[str], list[str]]:
    """(readable, action identifiers, URLs in parameters) of a ZDATA blob."""
    if not isinstance(data, bytes) or not data:
        return False, [], []
    try:
        actions = load_plist(data)
    except PlistError:
        return False, [], []
    if not isinstance(actions, list):
        return False, [], []
    identifiers: list[str] = []
    urls: list[str] = []
    for action in actions:
        if not isinstance(action, dict):
            continue
        identifier = action.get("WFWorkflowActionIdentifier")
        identifiers.append(identifier if isinstance(identifier, str) else "")
        for text in strings_in(action.get("WFWorkflowActionParameters")):
            urls.extend(extract_links(text))
    return True, identifiers, list(dict.fromkeys(urls))


def _query(found: Mapping[str, set[str]]) -> str:
    columns = ", ".join(col(found, "ZSHORTCUT", name, alias, "s") for name, alias in _COLUMNS)
    if has(found, "ZSHORTCUTACTIONS", "ZSHORTCUT") and has(found, "ZSHORTCUTACTIONS", "ZDATA"):
        order = ", a.Z_PK" if has(found, "ZSHORTCUTACTIONS", "Z_PK") else ""
        return (f"SELECT s.Z_PK AS shortcut_id, {columns}, a.ZDATA AS action_data "
                "FROM ZSHORTCUT s LEFT JOIN ZSHORTCUTACTIONS a ON a.ZSHORTCUT = s.Z_PK "
                f"ORDER BY s.Z_PK{order}")
    return (f"SELECT s.Z_PK AS shortcut_id, {columns}, NULL AS action_data FROM ZSHORTCUT s "
            "ORDER BY s.Z_PK")


def extract(ctx: Context) -> Iterator[IosShortcut]:
    """Every shortcut of one Shortcuts.sqlite."""
    unreadable = 0
    with ctx.source.open_sqlite(ctx.evidence) as opened:
        if opened.wal_applied:
            ctx.warn("write-ahead log applied (read from a private copy)")
        found = schema(opened.connection)
        missing = missing_from(found, IDENTIFY)
        if missing:
            raise SchemaMismatch(missing)
        opened.connection.row_factory = sqlite3.Row
        for row in opened.connection.execute(_query(found)):
            data = row["action_data"]
            readable, identifiers, urls = parse_actions(data)
            if data is not None and not readable:
                unreadable += 1
            yield IosShortcut(
                source=ctx.evidence.address,
                shortcut_id=_int(row["shortcut_id"]),
                name=_text(row["name"]),
                workflow_id=_text(row["workflow_id"]),
                created_date=timestamp(row["created_date"], Encoding.COCOA_S),
                modified_date=timestamp(row["modified_date"], Encoding.COCOA_S),
                last_run_date=timestamp(row["last_run_date"], Encoding.COCOA_S),
                description=_text(row["description"]),
                action_count=_int(row["action_count"]),
                tombstoned=_int(row["tombstoned"]),
                hidden=_int(row["hidden"]),
                associated_app=(_text(row["associated_app"]) or "").strip(),
                actions_readable=readable,
                parsed_actions=len(identifiers),
                action_identifiers=tuple(identifiers),
                action_urls=tuple(urls),
            )
    if unreadable:
        ctx.warn(f"{unreadable} shortcuts have action data that is not a readable plist "
                 "array; their URLs are not checked")


ARTIFACT = Artifact(
    id="ios.shortcuts",
    title="Shortcuts",
    slug="shortcuts",
    plugin="Shortcuts",
    locations=(BackupFile("HomeDomain", "Library/Shortcuts/Shortcuts.sqlite"),
               FsGlob("private/var/mobile/Library/Shortcuts/Shortcuts.sqlite")),
    records=(IosShortcut,),
    extract=extract,
    doc=__doc__ or "",
)
