"""Errors that end a run with a clear message (exit code 1), never a traceback."""


class InputError(Exception):
    """The input cannot be scanned at all: wrong path, not an acquisition, unreadable."""


class FormatError(Exception):
    """An evidence file is not in the format its artifact expects (the message says how)."""
