"""Errors that end a run with a clear message (exit code 1), never a traceback; the exit
codes."""

from __future__ import annotations

from collections.abc import Iterable


class ExitCode:
    """Documented in the README."""

    NOTHING_FOUND = 0
    COULD_NOT_RUN = 1
    FOUND = 2
    INCOMPLETE = 3


def most_serious(codes: Iterable[int]) -> int:
    """Found (2) before incomplete (3) before nothing found (0)."""
    seen = set(codes)
    for code in (ExitCode.FOUND, ExitCode.INCOMPLETE):
        if code in seen:
            return code
    return ExitCode.NOTHING_FOUND


class InputError(Exception):
    """The input cannot be scanned at all: wrong path, not an acquisition, unreadable."""


class DamagedFile(Exception):
    """One evidence file's content is damaged or not in the expected format; the message
    says why without quoting the content (shown as the artifact's problem)."""
