"""Errors that end a run with a clear message (exit code 1), never a traceback."""


class InputError(Exception):
    """The input cannot be scanned at all: wrong path, not an acquisition, unreadable."""
