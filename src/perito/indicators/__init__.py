"""Indicators of compromise: loading (STIX 2, Amnesty CSV), indexing and matching.

Typical use::

    indicator_set = load_indicators(paths_from_env() + [Path("pegasus.stix2")])
    index = IndicatorIndex.build(indicator_set)
    for match in match_record(index, record, platform="ios"): ...
"""

from perito.indicators.index import TRUNCATION, IndicatorIndex
from perito.indicators.match import Match, match_record, match_value
from perito.indicators.model import (
    DEFAULT_COLLECTION,
    FileLoad,
    Indicator,
    IndicatorFile,
    IndicatorSet,
    LoadProblem,
    Owner,
    mvt_type,
)
from perito.indicators.stix import load_indicators, load_stix_file, paths_from_env

__all__ = [
    "DEFAULT_COLLECTION",
    "TRUNCATION",
    "FileLoad",
    "Indicator",
    "IndicatorFile",
    "IndicatorIndex",
    "IndicatorSet",
    "LoadProblem",
    "Match",
    "Owner",
    "load_indicators",
    "load_stix_file",
    "match_record",
    "match_value",
    "mvt_type",
    "paths_from_env",
]
