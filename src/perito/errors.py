"""Errors that end a run with a clear message (exit code 1), never a traceback."""


class InputError(Exception):
    """The input cannot be scanned at all: wrong path, not an acquisition, unreadable."""


class DamagedFile(Exception):
    """One evidence file's content is damaged or not in the expected format; the message
    says why without quoting the content (shown as the artifact's problem)."""
