"""The garbage collector paused while a scan makes millions of short-lived containers.

Records, times, timeline events and rendered lines form no reference cycles, yet each
allocation counts towards a collection, and collections walk every object the scan holds.
A scan worker never collects (it is short-lived and ends with `os._exit`); one process pauses
the collector for the scan and renders, and resumes it after.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No automatic garbage collection inside the block (nested blocks are fine)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
