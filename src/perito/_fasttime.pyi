"""Stub of the optional C extension `perito._fasttime` (src/perito/_fasttime.c)."""

from collections.abc import Callable
from typing import Any

def iso_text(ns: int, /) -> str: ...
def decoder(floats: dict[float, Any], ints: dict[int, Any], limit: int, unit: int, offset: int,
            auto: bool, nothing: Any, rest: Callable[[Any], Any], stamp: type, encoding: Any,
            ok: Any, slots: tuple[Any, ...], /) -> Callable[[Any], Any]: ...
