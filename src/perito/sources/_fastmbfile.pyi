"""Stub of the optional C extension `perito.sources._fastmbfile` (_fastmbfile.c)."""

from typing import Any

def decode(blob: bytes, /) -> dict[str, Any] | None: ...
