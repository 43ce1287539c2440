"""Stub of the optional C extension `perito.indicators._fastmatch` (_fastmatch.c)."""

from collections.abc import Callable
from typing import Any

def match_record(record: Any, fields: tuple[tuple[str, Any], ...], memo: dict[Any, Any],
                 platform: str, index: Any, match_value: Callable[..., Any], /) -> list[Any]: ...
