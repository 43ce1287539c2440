"""Stub of the optional C extension `perito.output._fasttimeline` (_fasttimeline.c)."""

from collections.abc import Callable, Sequence
from typing import Any

def add(events: list[Any], record: Any, fields: tuple[tuple[str, str], ...], artifact: str,
        plugin: str, stamp: type, ok: Any, local_text: Any,
        local_label: Callable[[str, Any], str], /) -> None: ...
def jsonl_objects(events: Sequence[tuple[Any, ...]], /) -> list[dict[str, Any]]: ...
