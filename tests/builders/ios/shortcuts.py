"""Shortcuts.sqlite (WorkflowKit's CoreData store): ZSHORTCUT and ZSHORTCUTACTIONS.

No public `.schema` dump of the iOS store was found. `ZSHORTCUT` and `ZSHORTCUTACTIONS` are
assembled from the columns that public readers and writers of the store use (`ZNAME`,
`ZWORKFLOWID`, `ZACTIONCOUNT`, `ZACTIONSDESCRIPTION`, `ZWORKFLOWSUBTITLE`, `ZCREATIONDATE`,
`ZMODIFICATIONDATE`, `ZLASTRUNEVENTDATE`, `ZTOMBSTONED`, `ZHIDDENFROMLIBRARYANDSYNC`,
`ZHASOUTPUTACTION`, `ZHASSHORTCUTINPUTVARIABLES`, `ZASSOCIATEDAPPBUNDLEIDENTIFIER`,
`ZINPUTCLASSESDATA`, `ZIMPORTQUESTIONSDATA`, the to-one `ZACTIONS`; `ZSHORTCUT` and `ZDATA`)
in CoreData's column order. `ZDATA` is the binary plist array of `WFWorkflowActionIdentifier`
/ `WFWorkflowActionParameters` dicts that Shortcuts writes. Dates are Cocoa seconds.
"""

from __future__ import annotations

import plistlib
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tests.builders.timestamps import cocoa_s

SCHEMA = """
CREATE TABLE ZSHORTCUT ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZACTIONCOUNT INTEGER, ZHASOUTPUTACTION INTEGER, ZHASSHORTCUTINPUTVARIABLES INTEGER, ZHIDDENFROMLIBRARYANDSYNC INTEGER, ZTOMBSTONED INTEGER, ZACTIONS INTEGER, ZCREATIONDATE TIMESTAMP, ZLASTRUNEVENTDATE TIMESTAMP, ZMODIFICATIONDATE TIMESTAMP, ZACTIONSDESCRIPTION VARCHAR, ZASSOCIATEDAPPBUNDLEIDENTIFIER VARCHAR, ZNAME VARCHAR, ZWORKFLOWID VARCHAR, ZWORKFLOWSUBTITLE VARCHAR, ZIMPORTQUESTIONSDATA BLOB, ZINPUTCLASSESDATA BLOB );
CREATE TABLE ZSHORTCUTACTIONS ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZSHORTCUT INTEGER, ZDATA BLOB );
CREATE TABLE Z_PRIMARYKEY (Z_ENT INTEGER PRIMARY KEY, Z_NAME VARCHAR, Z_SUPER INTEGER, Z_MAX INTEGER);
CREATE TABLE Z_METADATA (Z_VERSION INTEGER PRIMARY KEY, Z_UUID VARCHAR(255), Z_PLIST BLOB);
CREATE TABLE Z_MODELCACHE (Z_CONTENT BLOB);
CREATE INDEX ZSHORTCUT_ZACTIONS_INDEX ON ZSHORTCUT (ZACTIONS);
CREATE INDEX ZSHORTCUTACTIONS_ZSHORTCUT_INDEX ON ZSHORTCUTACTIONS (ZSHORTCUT);
"""

ENT = {"Shortcut": 1, "ShortcutActions": 2}


def action(identifier: str, **parameters: Any) -> dict[str, Any]:
    return {"WFWorkflowActionIdentifier": identifier, "WFWorkflowActionParameters": parameters}


def actions_blob(actions: Sequence[Any]) -> bytes:
    return plistlib.dumps(list(actions), fmt=plistlib.FMT_BINARY)


@dataclass(frozen=True)
class ShortcutRow:
    name: str | bytes  # bytes: stored as a BLOB
    created: float | None
    modified: float | None = None
    description: str | None = None
    data: bytes | None = None  # ZSHORTCUTACTIONS.ZDATA; None: no actions row
    associated_app: str | None = None
    last_run: float | None = None


def shortcuts_db(rows: Sequence[ShortcutRow]) -> Callable[[sqlite3.Connection], None]:
    """A fill function for BackupBuilder.add_sqlite; shortcut Z_PKs are list index + 1."""
    def stamp(unix: float | None) -> float | None:
        return cocoa_s(unix) if unix is not None else None

    def fill(db: sqlite3.Connection) -> None:
        db.executescript(SCHEMA)
        db.execute("INSERT INTO Z_METADATA VALUES (1, '4E5F6A7B-8C9D-4EAF-B0C1-D2E3F4A5B6C7', ?)",
                   (plistlib.dumps({"NSStoreType": "SQLite"}, fmt=plistlib.FMT_BINARY),))
        actions_pk = 0
        for pk, row in enumerate(rows, start=1):
            count = 0
            if row.data is not None:
                actions_pk += 1
                try:
                    parsed = plistlib.loads(row.data)
                    count = len(parsed) if isinstance(parsed, list) else 0
                except (plistlib.InvalidFileException, ValueError):
                    count = 0
            db.execute(
                "INSERT INTO ZSHORTCUT (Z_PK, Z_ENT, Z_OPT, ZACTIONCOUNT, ZHASOUTPUTACTION, "
                "ZHASSHORTCUTINPUTVARIABLES, ZHIDDENFROMLIBRARYANDSYNC, ZTOMBSTONED, ZACTIONS, "
                "ZCREATIONDATE, ZLASTRUNEVENTDATE, ZMODIFICATIONDATE, ZACTIONSDESCRIPTION, "
                "ZASSOCIATEDAPPBUNDLEIDENTIFIER, ZNAME, ZWORKFLOWID, ZWORKFLOWSUBTITLE) "
                "VALUES (?, ?, 3, ?, 0, 0, 0, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (pk, ENT["Shortcut"], count, actions_pk if row.data is not None else None,
                 stamp(row.created), stamp(row.last_run), stamp(row.modified),
                 row.description, row.associated_app, row.name,
                 f"9A8B7C6D-0000-4000-8000-{pk:012X}", row.description))
            if row.data is not None:
                db.execute("INSERT INTO ZSHORTCUTACTIONS VALUES (?, ?, 1, ?, ?)",
                           (actions_pk, ENT["ShortcutActions"], pk, row.data))
        db.executemany("INSERT INTO Z_PRIMARYKEY VALUES (?, ?, 0, ?)",
                       [(ENT["Shortcut"], "Shortcut", len(rows)),
                        (ENT["ShortcutActions"], "ShortcutActions", actions_pk)])
    return fill
