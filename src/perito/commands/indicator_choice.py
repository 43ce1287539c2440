"""Which indicators a scan or a re-check uses: `-i`, `PERITO_IOCS`, the installed sets (unless
`--no-installed`), and the allowlist; and how that is described in info.json and on screen.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from perito.errors import InputError
from perito.indicators.allowlist import Allowlist, load_allowlist
from perito.indicators.stix import paths_from_env
from perito.indicators.store import InstalledState, installed

STALE_DAYS = 30  # sets older than this get a reminder to update


@dataclass(frozen=True)
class IndicatorChoice:
    paths: tuple[Path, ...]
    installed: InstalledState
    allowlist: Allowlist | None
    plain_type: str | None
    checked_at: dt.datetime

    def info(self) -> dict[str, object]:
        """What info.json records about the choice (installed sets with their age)."""
        allowed: dict[str, object] | None = None
        if self.allowlist is not None:
            allowed = {"path": self.allowlist.path, "sha256": self.allowlist.sha256,
                       "entries": self.allowlist.entries}
        return {"installed_indicator_sets": self.installed.describe(self.checked_at),
                "installed_indicator_problems": list(self.installed.problems),
                "allowlist": allowed}

    def age_line(self) -> str:
        """One line for the summary: how old the installed sets are."""
        sets = self.installed.sets
        if not sets and not self.installed.problems:
            return ("No installed indicator sets (`perito iocs update` installs the public "
                    "feeds).")
        oldest = self.installed.oldest_days(self.checked_at)
        line = f"Installed indicator sets: {len(sets)}"
        if oldest is not None:
            line += f", the oldest downloaded {oldest} days ago"
        if oldest is not None and oldest > STALE_DAYS:
            line += " — run `perito iocs update` for newer indicators"
        if self.installed.problems:
            line += (f"; {len(self.installed.problems)} installed file(s) left out (see "
                     "installed_indicator_problems in info.json)")
        return line


def choose(given: Sequence[Path], *, use_installed: bool, allowlist: Path | None,
           plain_type: str | None = None, environ: Mapping[str, str] | None = None
           ) -> IndicatorChoice:
    """Check the named paths exist and gather everything; InputError for a bad one."""
    source = os.environ if environ is None else environ
    paths = [*given, *paths_from_env(source)]
    for path in paths:
        if not path.exists():
            raise InputError(f"{path}: indicator file or folder not found")
    state = installed(source) if use_installed else InstalledState((), (), ())
    chosen = load_allowlist(allowlist) if allowlist is not None else None
    return IndicatorChoice((*paths, *state.paths), state, chosen, plain_type,
                           dt.datetime.now(dt.UTC))
