"""Stub of the optional C extension `perito._fastrecords` (src/perito/_fastrecords.c)."""

from collections.abc import Callable
from typing import Any

def assembler(cls: type, slots: tuple[Any, ...], /) -> Callable[[tuple[Any, ...]], Any]: ...
def row_builder(cls: type, presets: tuple[tuple[Any, Any], ...],
                steps: tuple[tuple[Any, int, Callable[[Any], Any] | None], ...], /
                ) -> Callable[[tuple[Any, ...]], Any]: ...
