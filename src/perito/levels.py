"""Alert levels, with the names and numbers the field's tools use."""

from __future__ import annotations

import enum


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
