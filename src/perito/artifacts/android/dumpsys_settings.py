"""Settings from the `dumpsys settings` section of a bugreport.

SettingsProvider prints `GLOBAL SETTINGS (user 0)`, then `SECURE SETTINGS (user N)` and
`SYSTEM SETTINGS (user N)` per user, each a `version:` line and one
`_id:N name:KEY [pkg:PACKAGE] value:VALUE [default:… defaultSystemSet:…] [tag:…]` line per
setting (`{null}` for no value), then its historical operations. The records share the type
of androidqf's `settings_*.txt`, so the same heuristics apply to bugreports.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from perito.artifacts.android.common import dumpsys_sections
from perito.artifacts.android.settings import AndroidSetting
from perito.artifacts.base import Artifact, Context
from perito.records import Record
from perito.sources.locations import Dumpstate

_TABLE = re.compile(r"^(GLOBAL|SECURE|SYSTEM|CONFIG) SETTINGS \(user (\d+)\)\s*$")
_SETTING = re.compile(r"^_id:\S+ name:(\S+)(?: pkg:\S*)? value:(.*?)"
                      r"(?: default:.*?)?(?: defaultSystemSet:\w+)?(?: tag:.*)?$")


def settings(lines: list[str], source: str) -> Iterator[AndroidSetting]:
    namespace = ""
    for line in lines:
        table = _TABLE.match(line)
        if table:
            kind, user = table.group(1).lower(), table.group(2)
            namespace = "" if kind == "config" else (kind if user == "0" else
                                                     f"{kind} (user {user})")
            continue
        if not namespace or not line.startswith("_id:"):
            continue
        found = _SETTING.match(line.rstrip())
        if found:
            value = found.group(2)
            yield AndroidSetting(source=source, namespace=namespace, key=found.group(1),
                                 value="" if value == "{null}" else value)


def extract(ctx: Context) -> Iterator[Record]:
    for _body, lines in dumpsys_sections(ctx, "settings"):
        yield from settings(lines, ctx.evidence.address)


ARTIFACT = Artifact(
    id="android.dumpsys.settings",
    title="Settings (dumpsys settings)",
    slug="dumpsys_settings",
    plugin="DumpsysSettings",
    locations=(Dumpstate(),),
    records=(AndroidSetting,),
    extract=extract,
    doc=__doc__ or "",
)
