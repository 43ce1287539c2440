"""Checks before a scan starts: inputs that would make its results meaningless stop the run.

A damaged artifact never stops a scan (it is reported and the rest goes on); these are the
inputs without which no result can be trusted: an indicator file named with `-i` that gives
no indicators (the scan would say "nothing found" having checked nothing), and a backup whose
Info.plist, the file that identifies the device, cannot be read.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from perito.errors import InputError
from perito.indicators.model import IndicatorSet


def refuse_unusable_indicators(paths: Sequence[Path], indicators: IndicatorSet) -> None:
    """An InputError when a named indicator file cannot be read as one, or a named folder
    holds no readable indicator file."""
    broken = {problem.file: problem.message for problem in indicators.problems
              if problem.severity == "error" and not problem.indicator_id}
    loaded = [Path(file.path).resolve() for file in indicators.files]
    for path in paths:
        if str(path) in broken:
            raise InputError(f"{path}: cannot use this indicator file: {broken[str(path)]}")
        if path.is_dir() and not any(path.resolve() in f.parents for f in loaded):
            raise InputError(f"{path}: no readable indicator file (STIX 2 .stix2/.json, or "
                             ".csv) in this folder")
