"""TCC.db (`Library/TCC/TCC.db`) in each generation of its `access` table.

The `CREATE TABLE` texts are tccd's: iOS < 9 and 9–11 as the Xamarin/.NET iOS test harness
records them for simulator runtimes, 12–13 with the device columns `flags` and `last_modified`
(the incumbent reads them; macOS 10.14/10.15 share this text), 14+ as Mixbox documents the
iOS 14 simulator, and the later form with `pid`, `pid_version`, `boot_uuid` and
`last_reminded` that tccd adds by ALTER TABLE (seen verbatim in macOS 14+ dumps).

Unconfirmed for iOS: the `admin` 'version' numbers (taken from macOS: 9, 15, 20, 22) and
whether `expired` exists before iOS 14. `last_modified` is unix seconds.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass

COMMON = """
CREATE TABLE admin (key TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL);
CREATE TABLE policies (id INTEGER NOT NULL PRIMARY KEY, bundle_id TEXT NOT NULL, uuid TEXT NOT NULL, display TEXT NOT NULL, UNIQUE (bundle_id, uuid));
CREATE TABLE active_policy (client TEXT NOT NULL, client_type INTEGER NOT NULL, policy_id INTEGER NOT NULL, PRIMARY KEY (client, client_type), FOREIGN KEY (policy_id) REFERENCES policies(id) ON DELETE CASCADE ON UPDATE CASCADE);
CREATE TABLE access_overrides (service TEXT NOT NULL PRIMARY KEY);
CREATE INDEX active_policy_id ON active_policy(policy_id);
"""
EXPIRED = ("CREATE TABLE expired (service TEXT NOT NULL, client TEXT NOT NULL, client_type "
           "INTEGER NOT NULL, csreq BLOB, last_modified INTEGER NOT NULL, expired_at INTEGER "
           "NOT NULL DEFAULT (CAST(strftime('%s','now') AS INTEGER)), PRIMARY KEY (service, "
           "client, client_type))")

ACCESS: dict[str, str] = {
    # iOS 8 and older: no policy column.
    "ios8": ("CREATE TABLE access (service TEXT NOT NULL, client TEXT NOT NULL, client_type "
             "INTEGER NOT NULL, allowed INTEGER NOT NULL, prompt_count INTEGER NOT NULL, "
             "csreq BLOB, CONSTRAINT key PRIMARY KEY (service, client, client_type))"),
    "ios9": ("CREATE TABLE access (service TEXT NOT NULL, client TEXT NOT NULL, client_type "
             "INTEGER NOT NULL, allowed INTEGER NOT NULL, prompt_count INTEGER NOT NULL, "
             "csreq BLOB, policy_id INTEGER, PRIMARY KEY (service, client, client_type), "
             "FOREIGN KEY (policy_id) REFERENCES policies(id) ON DELETE CASCADE ON UPDATE "
             "CASCADE)"),
    "ios12": ("CREATE TABLE access (service TEXT NOT NULL, client TEXT NOT NULL, client_type "
              "INTEGER NOT NULL, allowed INTEGER NOT NULL, prompt_count INTEGER NOT NULL, "
              "csreq BLOB, policy_id INTEGER, indirect_object_identifier_type INTEGER, "
              "indirect_object_identifier TEXT, indirect_object_code_identity BLOB, flags "
              "INTEGER, last_modified INTEGER NOT NULL DEFAULT (CAST(strftime('%s','now') AS "
              "INTEGER)), PRIMARY KEY (service, client, client_type, "
              "indirect_object_identifier), FOREIGN KEY (policy_id) REFERENCES policies(id) "
              "ON DELETE CASCADE ON UPDATE CASCADE)"),
    "ios14": ("CREATE TABLE access (service TEXT NOT NULL, client TEXT NOT NULL, client_type "
              "INTEGER NOT NULL, auth_value INTEGER NOT NULL, auth_reason INTEGER NOT NULL, "
              "auth_version INTEGER NOT NULL, csreq BLOB, policy_id INTEGER, "
              "indirect_object_identifier_type INTEGER, indirect_object_identifier TEXT NOT "
              "NULL DEFAULT 'UNUSED', indirect_object_code_identity BLOB, flags INTEGER, "
              "last_modified INTEGER NOT NULL DEFAULT (CAST(strftime('%s','now') AS INTEGER)), "
              "PRIMARY KEY (service, client, client_type, indirect_object_identifier), "
              "FOREIGN KEY (policy_id) REFERENCES policies(id) ON DELETE CASCADE ON UPDATE "
              "CASCADE)"),
    "ios17": ('CREATE TABLE "access" (service TEXT NOT NULL, client TEXT NOT NULL, '
              "client_type INTEGER NOT NULL, auth_value INTEGER NOT NULL, auth_reason INTEGER "
              "NOT NULL, auth_version INTEGER NOT NULL, csreq BLOB, policy_id INTEGER, "
              "indirect_object_identifier_type INTEGER, indirect_object_identifier TEXT NOT "
              "NULL DEFAULT 'UNUSED', indirect_object_code_identity BLOB, flags INTEGER, "
              "last_modified INTEGER NOT NULL DEFAULT (CAST(strftime('%s','now') AS INTEGER)), "
              "pid INTEGER, pid_version INTEGER, boot_uuid TEXT NOT NULL DEFAULT 'UNUSED', "
              "last_reminded INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (service, client, "
              "client_type, indirect_object_identifier), FOREIGN KEY (policy_id) REFERENCES "
              "policies(id) ON DELETE CASCADE ON UPDATE CASCADE)"),
}
ADMIN_VERSION = {"ios8": 9, "ios9": 9, "ios12": 15, "ios14": 20, "ios17": 22}
GENERATIONS = tuple(ACCESS)
NEW_GENERATIONS = ("ios14", "ios17")  # auth_value instead of allowed

# A code-signing requirement blob as tccd stores it (magic fade0c00, then the expression).
CSREQ = bytes.fromhex("fade0c000000003000000001000000060000000200000012636f6d2e6578616d"
                      "706c652e61707000000000000003")


@dataclass(frozen=True)
class Grant:
    """One access row. `value` is `allowed` (0/1) in old generations, `auth_value` (0–3) in
    new ones; `modified` is unix seconds (0 = never set, as tccd writes for system rows)."""

    service: str
    client: str
    client_type: int
    value: int
    reason: int = 2
    modified: int = 0
    prompt_count: int = 1
    indirect: str = "UNUSED"
    pid: int | None = None
    boot_uuid: str = "UNUSED"
    reminded: int = 0


def _insert(db: sqlite3.Connection, generation: str, g: Grant) -> None:
    if generation == "ios8":
        db.execute("INSERT INTO access VALUES (?, ?, ?, ?, ?, ?)",
                   (g.service, g.client, g.client_type, g.value, g.prompt_count, CSREQ))
    elif generation == "ios9":
        db.execute("INSERT INTO access VALUES (?, ?, ?, ?, ?, ?, NULL)",
                   (g.service, g.client, g.client_type, g.value, g.prompt_count, CSREQ))
    elif generation == "ios12":
        db.execute("INSERT INTO access VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, ?, NULL, 0, ?)",
                   (g.service, g.client, g.client_type, g.value, g.prompt_count, CSREQ,
                    g.indirect, g.modified))
    elif generation == "ios14":
        db.execute("INSERT INTO access VALUES (?, ?, ?, ?, ?, 1, ?, NULL, NULL, ?, NULL, 0, ?)",
                   (g.service, g.client, g.client_type, g.value, g.reason, CSREQ, g.indirect,
                    g.modified))
    else:
        db.execute("INSERT INTO access VALUES (?, ?, ?, ?, ?, 1, ?, NULL, NULL, ?, NULL, 0, ?, "
                   "?, ?, ?, ?)",
                   (g.service, g.client, g.client_type, g.value, g.reason, CSREQ, g.indirect,
                    g.modified, g.pid, None if g.pid is None else 1, g.boot_uuid, g.reminded))


def tcc_db(generation: str, grants: Sequence[Grant]) -> Callable[[sqlite3.Connection], None]:
    """A fill function for BackupBuilder.add_sqlite with the given `access` generation."""
    def fill(db: sqlite3.Connection) -> None:
        db.executescript(COMMON)
        db.execute(ACCESS[generation])
        if generation in NEW_GENERATIONS:
            db.execute(EXPIRED)
        db.execute("INSERT INTO admin VALUES ('version', ?)", (ADMIN_VERSION[generation],))
        for grant in grants:
            _insert(db, generation, grant)
    return fill


T0 = 1_709_154_845  # 2024-02-28T21:14:05Z

# iOS 14+ rows: every auth_value, a path client, NULL-ish (0) times, an unknown reason.
NEW_GRANTS = (
    Grant("kTCCServiceCamera", "net.whatsapp.WhatsApp", 0, 2, 2, T0),
    Grant("kTCCServiceMicrophone", "net.whatsapp.WhatsApp", 0, 0, 3, T0 + 60),
    Grant("kTCCServicePhotos", "com.burbn.instagram", 0, 3, 2, T0 + 120),
    Grant("kTCCServiceMicrophone", "/private/var/db/com.apple.xpc.roleaccountd.staging/bh", 1,
          2, 4, T0 + 180),
    Grant("kTCCServiceAddressBook", "com.apple.mobilemail", 0, 2, 4, 0),
    Grant("kTCCServiceUbiquity", "com.example.notes", 0, 1, 99, T0 + 240, pid=412,
          boot_uuid="8F1C0B9E-3A2D-4F5E-9B7C-6D5E4F3A2B1C", reminded=T0 + 300),
)
# Pre-14 rows: allowed is 0/1.
OLD_GRANTS = (
    Grant("kTCCServiceCamera", "net.whatsapp.WhatsApp", 0, 1, modified=T0),
    Grant("kTCCServiceMicrophone", "net.whatsapp.WhatsApp", 0, 0, modified=T0 + 60,
          prompt_count=2),
    Grant("kTCCServiceMicrophone", "/private/var/db/com.apple.xpc.roleaccountd.staging/bh", 1,
          1, modified=T0 + 180),
)
