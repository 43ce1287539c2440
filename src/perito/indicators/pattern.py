"""STIX 2 patterns reduced to the equality comparisons that can be matched one observable at a time.

Two paths, one meaning:

- A strict fast path: one precise regular expression for the form every field feed uses,
  `[object-type:property.path = 'value']` (ASCII whitespace around the tokens, `\\'` and `\\\\`
  escapes, quoted path segments such as `hashes.'SHA-256'`, any other character in the value,
  `=`, `]`, `[` and unicode included). It exists because the OASIS ANTLR parser costs about
  half a millisecond per pattern, which alone would spend the loader's budget on a large feed.
- Everything else (OR, AND, other operators, qualifiers, comments, odd whitespace, errors) goes
  to the OASIS `stix2patterns` parser, whose tree is walked by `_ComparisonCollector`.

The fast path accepts a subset of what the grammar accepts and must give the same result on
it; a test checks both on generated patterns. An OR of equalities (inside or between
observation expressions) becomes several alternatives. Anything that cannot be reduced to
"this one observable equals this value" raises `UnsupportedPattern`; a pattern that does not
parse raises `InvalidPattern`.
"""

from __future__ import annotations

import functools
import re
from typing import Any, ClassVar, NamedTuple


class PatternError(ValueError):
    """A pattern that yields no indicator; `severity` says whether it is our limit or theirs."""

    severity: ClassVar[str] = "error"


class UnsupportedPattern(PatternError):
    """Valid STIX that cannot be matched against one observable (AND, LIKE, qualifiers…)."""

    severity: ClassVar[str] = "unsupported"


class InvalidPattern(PatternError):
    """Text that is not a STIX pattern, or a value that its key cannot hold."""

    severity: ClassVar[str] = "error"


class Comparison(NamedTuple):
    """`object_type:path = value`, with the string value unescaped.

    A NamedTuple rather than a frozen dataclass: one is built per pattern, and construction
    cost is a visible part of loading 100,000 indicators.
    """

    object_type: str
    path: tuple[str, ...]
    value: str

    @property
    def key(self) -> str:
        """The key as feeds write it: `file:hashes.'SHA-256'`, `domain-name:value`."""
        return _render_key(self.object_type, self.path)


_KEYWORDS = frozenset({
    "AND", "OR", "NOT", "FOLLOWEDBY", "LIKE", "MATCHES", "ISSUPERSET", "ISSUBSET", "EXISTS",
    "LAST", "IN", "START", "STOP", "SECONDS", "true", "false", "WITHIN", "REPEATS", "TIMES",
})
_IDENTIFIER = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_WS = r"[ \t\r\n\f\v]*"
# A quoted string, "unrolled" (no per-character alternation) because it runs on every pattern.
_STRING = r"'[^'\\]*(?:\\['\\][^'\\]*)*'"
_STEP = rf"(?:[a-zA-Z_][a-zA-Z0-9_]*|{_STRING})"
_FAST = re.compile(
    rf"{_WS}\[{_WS}(?P<type>[a-zA-Z_][a-zA-Z0-9_\-]*):(?P<path>{_STEP}(?:\.{_STEP})*)"
    rf"{_WS}={_WS}'(?P<value>[^'\\]*(?:\\['\\][^'\\]*)*)'{_WS}\]{_WS}",
)
_STEPS = re.compile(rf"\.?({_STEP})")
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


def _unescape(text: str) -> str:
    return _ESCAPE.sub(r"\1", text) if "\\" in text else text


def _unquote(literal: str) -> str:
    return _unescape(literal[1:-1])


def _quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _render_step(step: str) -> str:
    if _IDENTIFIER.fullmatch(step) and step not in _KEYWORDS:
        return step
    return _quote(step)


@functools.lru_cache(maxsize=4096)
def _render_key(object_type: str, path: tuple[str, ...]) -> str:
    return f"{object_type}:{'.'.join(_render_step(step) for step in path)}"


def _fast_parse(text: str) -> Comparison | None:
    found = _FAST.fullmatch(text)
    if found is None:
        return None
    object_type, path, value = found.groups()
    raw_steps: list[str] = _STEPS.findall(path) if "'" in path else path.split(".")
    steps = tuple(_unquote(step) if step[0] == "'" else step for step in raw_steps) \
        if "'" in path else tuple(raw_steps)
    if object_type in _KEYWORDS or not _KEYWORDS.isdisjoint(raw_steps):
        return None
    return Comparison(object_type, steps, _unescape(value) if "\\" in value else value)


@functools.cache
def _collector_type() -> Any:
    """The listener class over the OASIS parser's tree (the parser, some 20 ms of imports,
    is loaded when a pattern first needs it: feeds of plain comparisons never do)."""
    from stix2patterns.v21.grammars.STIXPatternListener import STIXPatternListener

    class _ComparisonCollector(STIXPatternListener):  # type: ignore[misc]
        """Collects the equality comparisons of a parse tree and the first reason it cannot."""

        def __init__(self) -> None:
            self.comparisons: list[Comparison] = []
            self.unsupported = ""
            self._type = ""
            self._path: list[str] = []

        def _refuse(self, reason: str) -> None:
            if not self.unsupported:
                self.unsupported = reason

        def exitObservationExpressions(self, ctx: Any) -> None:
            if ctx.FOLLOWEDBY():
                self._refuse("FOLLOWEDBY needs a sequence of observations")

        def exitObservationExpressionAnd(self, ctx: Any) -> None:
            if ctx.AND():
                self._refuse("AND of observations cannot be matched against one observable")

        def exitComparisonExpressionAnd(self, ctx: Any) -> None:
            if ctx.AND():
                self._refuse("AND of comparisons cannot be matched against one observable")

        def exitStartStopQualifier(self, ctx: Any) -> None:
            self._refuse("START/STOP qualifier")

        def exitWithinQualifier(self, ctx: Any) -> None:
            self._refuse("WITHIN qualifier")

        def exitRepeatedQualifier(self, ctx: Any) -> None:
            self._refuse("REPEATS qualifier")

        def exitObjectType(self, ctx: Any) -> None:
            self._type = ctx.getText()

        def exitFirstPathComponent(self, ctx: Any) -> None:
            literal = ctx.StringLiteral()
            self._path = [_unquote(literal.getText()) if literal else ctx.getText()]

        def exitKeyPathStep(self, ctx: Any) -> None:
            literal = ctx.StringLiteral()
            self._path.append(
                _unquote(literal.getText()) if literal else ctx.IdentifierWithoutHyphen().getText()
            )

        def exitIndexPathStep(self, ctx: Any) -> None:
            self._refuse(f"list index in property path ({ctx.getText()})")

        def exitPropTestEqual(self, ctx: Any) -> None:
            literal = ctx.primitiveLiteral()
            if ctx.NOT() or ctx.NEQ():
                self._refuse("operator != / NOT =")
            elif literal.BoolLiteral() or literal.orderableLiteral().StringLiteral() is None:
                self._refuse(f"non-string value {literal.getText()}")
            else:
                text = literal.orderableLiteral().StringLiteral().getText()
                self.comparisons.append(Comparison(self._type, tuple(self._path), _unquote(text)))

        def exitPropTestOrder(self, ctx: Any) -> None:
            self._refuse("ordering operator (<, <=, >, >=)")

        def exitPropTestSet(self, ctx: Any) -> None:
            self._refuse("operator IN")

        def exitPropTestLike(self, ctx: Any) -> None:
            self._refuse("operator LIKE")

        def exitPropTestRegex(self, ctx: Any) -> None:
            self._refuse("operator MATCHES")

        def exitPropTestIsSubset(self, ctx: Any) -> None:
            self._refuse("operator ISSUBSET")

        def exitPropTestIsSuperset(self, ctx: Any) -> None:
            self._refuse("operator ISSUPERSET")

        def exitPropTestExists(self, ctx: Any) -> None:
            self._refuse("operator EXISTS")

    return _ComparisonCollector


def parse_with_library(text: str) -> list[Comparison]:
    """Alternatives of a pattern through the OASIS parser only (slow; see module docstring)."""
    from stix2patterns.exceptions import ParseException
    from stix2patterns.v21.pattern import Pattern

    try:
        tree = Pattern(text)
        collector = _collector_type()()
        tree.walk(collector)
    except ParseException as error:
        raise InvalidPattern(f"not a STIX pattern: {error}") from None
    except RecursionError:
        raise UnsupportedPattern("pattern too deeply nested for the parser") from None
    if collector.unsupported:
        raise UnsupportedPattern(collector.unsupported)
    comparisons: list[Comparison] = collector.comparisons
    return comparisons


def parse_pattern(text: object) -> list[Comparison]:
    """The alternatives of a pattern: it matches when any one of these comparisons holds.

    Takes any object because bundles are untrusted JSON. Raises `UnsupportedPattern` or
    `InvalidPattern` (both `PatternError`).
    """
    if not isinstance(text, str):
        raise InvalidPattern("missing pattern")
    fast = _fast_parse(text)
    if fast is not None:
        return [fast]
    if not text.strip():
        raise InvalidPattern("empty pattern")
    return parse_with_library(text)
