"""Alert levels, with the names and numbers the field's tools use."""

from __future__ import annotations

import enum
import gettext
from collections.abc import Mapping


class Level(enum.IntEnum):
    INFORMATIONAL = 0
    LOW = 10
    MEDIUM = 20
    HIGH = 30
    CRITICAL = 40

    @property
    def serious(self) -> bool:
        """HIGH and CRITICAL findings change the exit code and the verdict."""
        return self >= Level.HIGH


def level_counts(levels: Mapping[str, int], t: gettext.NullTranslations) -> str:
    """"HIGH 2, LOW 1", most serious first, or "none"."""
    return ", ".join(f"{n} {levels[n]}" for n in (lv.name for lv in sorted(Level, reverse=True))
                     if levels.get(n)) or t.gettext("none")
