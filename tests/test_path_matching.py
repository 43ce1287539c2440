"""A file path's matches, its directory's components looked up once per directory, are the
matches of looking every derived form up one by one (the definition in docs/matching.md)."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from perito.indicators import IndicatorIndex, Match, match_value, normalise
from perito.records import Kind
from tests.test_indicators_match import build

INDEX = build("[file:path = '/private/var/tmp']",
              "[file:path = '/tmp/hooker']",
              "[file:path = '/private/var/mobile/Library/x/']",
              "[file:path = 'Library/Preferences/com.example.plist']",
              "[file:path = 'Caches/com.example.spy/']",
              "[file:name = 'pl.core.lock']",
              "[file:name = 'exampled']",
              "[process:name = 'exampled']",
              "[process:name = 'Library']",
              "[process:name = 'com.example.longdaemon']",  # truncated at 16: never a component
              "[process:name = ' spaced ']")

PARTS = st.sampled_from(["", ".", "..", "~", "var", "tmp", "etc", "private", "mobile",
                         "Library", "Preferences", "com.example.plist", "Caches",
                         "com.example.spy", "x", "hooker", "pl.core.lock", "exampled",
                         "com.example.long", " spaced ", "spaced", "a b", "é", "Libraryx"])


@st.composite
def paths(draw: st.DrawFn) -> str:
    text = "/".join(draw(st.lists(PARTS, max_size=7)))
    return draw(st.sampled_from(["", "/", "~/", " ", "//"])) + text + draw(
        st.sampled_from(["", "/", "/.", " ", "//"]))


def one_by_one(index: IndicatorIndex, value: str) -> list[Match]:
    """The path itself, its basename, then each component of its normalised form as a
    process name (exact matches only): first rule wins per indicator."""
    asked = [(Kind.FILE_PATH, value, ""), (Kind.FILE_NAME, normalise.basename(value), "")]
    asked += [(Kind.PROCESS, part, "path-component")
              for part in normalise.file_path(value).split("/") if part]
    found: dict[tuple[Kind, str], Match] = {}
    for kind, derived, forced in asked:
        for match in index.lookup(kind, derived):
            key = (match.indicator.kind, match.indicator.value)
            if (not forced or match.rule == "exact") and key not in found:
                found[key] = dataclasses.replace(match, observed=value,
                                                 rule=forced or match.rule)
    return list(found.values())


@settings(max_examples=500)
@given(st.lists(paths(), min_size=1, max_size=8))
def test_same_matches_as_one_lookup_per_form(values: list[str]) -> None:
    for value in values:  # one index throughout: folders are remembered across paths
        assert match_value(INDEX, Kind.FILE_PATH, value) == one_by_one(INDEX, value)
        assert match_value(INDEX, Kind.FILE_PATH, value, field="device_path") == [
            dataclasses.replace(match, field="device_path")
            for match in one_by_one(INDEX, value)]


def test_a_folder_and_its_files() -> None:
    folder = "/private/var/mobile/Library/exampled"
    for value in (folder, folder + "/", folder + "/a", folder + "/exampled", folder + "//b/."):
        assert match_value(INDEX, Kind.FILE_PATH, value) == one_by_one(INDEX, value)
    rules = [(m.indicator.kind, m.indicator.value, m.rule)
             for m in match_value(INDEX, Kind.FILE_PATH, folder + "/exampled")]
    assert rules == [(Kind.FILE_NAME, "exampled", "exact"),
                     (Kind.PROCESS, "Library", "path-component"),
                     (Kind.PROCESS, "exampled", "path-component")]
