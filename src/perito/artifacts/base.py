"""An artifact is a declaration: where it lives, what records it yields, how to read them."""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import sqlite3
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from perito.levels import Level
from perito.records import Record, compiled_builders, field_setter, slot_descriptor
from perito.sources.base import Source
from perito.sources.evidence import EvidenceFile
from perito.sources.locations import Location
from perito.sources.sqlite import checked_count, missing_from, schema, undecodable
from perito.sources.sqlite_salvage import SalvagingSource, is_damage
from perito.timestamps import Encoding, Timestamp, decode, decoder


class SchemaMismatch(Exception):
    """A database lacks the tables or columns that identify the artifact."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__("unknown schema: missing " + ", ".join(missing))
        self.missing = missing


@dataclass(frozen=True)
class Part:
    """Part `number` (from 0) of `of` of a file's ordered rows: `limit` rows after the first
    `offset` (limit -1: every row after them). Parts of one file, read one after another,
    give exactly the rows of the whole query, in its order (see `Artifact.split`)."""

    number: int
    of: int
    offset: int
    limit: int
    rows: int = 0  # how many rows the part should have, as counted when it was planned

    def clause(self) -> str:
        return f" LIMIT {int(self.limit)} OFFSET {int(self.offset)}"


def parts(rows: int, count: int) -> list[Part]:
    """`count` parts over `rows` rows, the last two half the size of the others (so that
    the last pieces workers take are small and they finish close together); the last takes
    what is left, so a count that grew or shrank since it was taken still reads every row
    once."""
    count = max(1, min(count, rows))
    weights = [2] * (count - 2) + [1, 1] if count >= 3 else [1] * count
    total = sum(weights)
    ends = list(itertools.accumulate(weights))
    starts = [0] + [rows * end // total for end in ends[:-1]]
    bounds = [*starts, rows]
    return [Part(k, count, bounds[k], bounds[k + 1] - bounds[k] if k < count - 1 else -1,
                 bounds[k + 1] - bounds[k]) for k in range(count)]


@dataclass
class Context:
    """What an extractor gets: the source, the file, and a way to report problems."""

    source: Source
    evidence: EvidenceFile
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # records lost (the file was damaged)
    part: Part | None = None  # only these rows of the file (a split artifact's extractor)
    tallies: dict[str, int] = field(default_factory=dict)

    def warn(self, message: str) -> None:
        """A non-fatal problem (rows skipped, WAL applied…), shown in the summary."""
        self.notes.append(message)

    def tally(self, message: str, count: int) -> None:
        """A note that counts rows (`message` holds `{count}`): the counts of every part of
        a file add up into one note, after the file's other notes."""
        if count:
            self.tallies[message] = self.tallies.get(message, 0) + count

    def tallied(self) -> list[str]:
        return [tally_note(message, count) for message, count in self.tallies.items()]


def tally_note(message: str, count: int) -> str:
    """The note a `Context.tally` message gives for a count."""
    return message.replace("{count}", str(count))


Extractor = Callable[[Context], Iterator[Record]]


def extract_salvaging(extract: Extractor, ctx: Context) -> Iterator[Record]:
    """`extract(ctx)`; when it meets a damaged database page, the file is read again from a
    salvaged copy (`perito.sources.sqlite_salvage`) and the records after those already
    yielded follow: both reads walk the same rows in the same order up to the damage."""
    yielded = 0
    try:
        for record in extract(ctx):
            yielded += 1
            yield record
        return
    except sqlite3.DatabaseError as error:
        # A part's rows are counted in the damaged file: a salvaged copy, which loses rows,
        # would shift them. Files are split only after `PRAGMA quick_check` passed.
        if not is_damage(error) or ctx.part is not None:
            raise
        damage = error
    salvaging = SalvagingSource(ctx.source)
    again = Context(salvaging, ctx.evidence)
    try:
        for position, record in enumerate(extract(again)):
            if position >= yielded:
                yield record
    except Exception as error:  # too little survived (no schema…): report the damage
        raise damage from error
    tables = sorted({t for report in salvaging.reports for t in report.damaged_tables})
    schema_damaged = any(report.schema_damaged for report in salvaging.reports)
    ctx.notes.extend(note for note in again.notes if note not in ctx.notes)
    ctx.tallies = again.tallies  # the salvaged read counted every row again
    if not tables and not schema_damaged:  # an index page: every row was still read
        ctx.warn(f"damaged database ({damage}): every row read from a salvaged copy "
                 "(the damage is in an index)")
        return
    damaged = ", ".join(tables + (["the schema"] if schema_damaged else []))
    ctx.problems.append(
        f"damaged database ({damage}): read again from a salvaged copy, rows stored on "
        f"damaged pages are lost (damaged: {damaged})")


@dataclass(frozen=True)
class Artifact:
    """The declaration of one artifact (see DESIGN.md)."""

    id: str  # platform.app.thing
    title: str
    slug: str  # the incumbent's result-file slug, for interoperability
    plugin: str  # the incumbent's module class name (timeline "Plugin" column)
    locations: tuple[Location, ...]
    records: tuple[type[Record], ...]
    extract: Extractor
    match_level: Level = Level.CRITICAL
    doc: str = ""
    # Set when a large file may be read in parts by several workers: the number of rows of
    # the file's ordered query (None: do not split this file). The extractor must then read
    # with one query in a total order (ORDER BY a unique key) that honours `ctx.part`, keep
    # no state across rows, and count with `ctx.tally`, not `ctx.warn`.
    split: Callable[[Context], int | None] | None = None


# -- the generic SQLite engine ---------------------------------------------------------------

QueryFor = str | Callable[[Mapping[str, set[str]]], str]


def sqlite_rows(ctx: Context, identify: Mapping[str, list[str]], query: QueryFor
                ) -> Iterator[sqlite3.Row]:
    """Open the evidence database, check it is the artifact, and stream the query's rows."""
    with _executed(ctx, identify, query, sqlite3.Row) as cursor:
        yield from cursor


@contextlib.contextmanager
def _executed(ctx: Context, identify: Mapping[str, list[str]], query: QueryFor,
              row_factory: Any) -> Iterator[sqlite3.Cursor]:
    """The query's cursor over the checked evidence database (rows as `row_factory` makes
    them; None: plain tuples)."""
    with ctx.source.open_sqlite(ctx.evidence) as opened:
        if opened.wal_applied:
            ctx.warn("write-ahead log applied (read from a private copy)")
        found = schema(opened.connection)
        missing = missing_from(found, identify)
        if missing:
            raise SchemaMismatch(missing)
        text = query if isinstance(query, str) else query(found)
        if ctx.part is not None:
            text += ctx.part.clause()
        opened.connection.row_factory = row_factory
        try:  # also raised into here while the caller iterates the cursor
            yield opened.connection.execute(text)
        except UnicodeDecodeError as error:
            raise undecodable(error) from None


_Plan = tuple[tuple[str, Encoding | None, bool], ...]
_PLANS: dict[tuple[type[Record], tuple[str, ...], tuple[tuple[str, Encoding], ...]], _Plan] = {}


def _plan(cls: type[Record], keys: tuple[str, ...], encodings: Mapping[str, Encoding]) -> _Plan:
    """(field, encoding, decode bytes as text) for the row columns that name fields."""
    cache_key = (cls, keys, tuple(sorted(encodings.items())))
    plan = _PLANS.get(cache_key)
    if plan is None:
        present = set(keys)
        hints = typing.get_type_hints(cls)
        plan = tuple(
            (f.name, encodings.get(f.name),
             hints.get(f.name) is str or str in typing.get_args(hints.get(f.name)))
            for f in dataclasses.fields(cls) if f.name in present)
        _PLANS[cache_key] = plan
    return plan


def build_record(cls: type[Record], row: Mapping[str, Any] | sqlite3.Row,
                 encodings: Mapping[str, Encoding], source: str,
                 extra: Mapping[str, Any] | None = None) -> Record:
    """Map same-named row columns to record fields; Timestamp fields use `encodings`."""
    values: dict[str, Any] = {"source": source}
    for name, encoding, text in _plan(cls, tuple(row.keys()), encodings):
        raw = row[name]
        if encoding is not None:
            raw = decode(_plain(raw), encoding)
        elif text and isinstance(raw, bytes):
            raw = raw.decode("utf-8", errors="replace")
        values[name] = raw
    if extra:
        values.update(extra)
    return cls(**values)


RowMapper = Callable[[tuple[Any, ...]], Record]


def _ascii_lower(name: str) -> str:
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in name)


def row_mapper(cls: type[Record], columns: Sequence[str], encodings: Mapping[str, Encoding],
               source: str) -> RowMapper:
    """`build_record` for plain tuple rows whose column names are `columns`, planned once.

    The record is the one `build_record(cls, row, encodings, source)` makes from the same
    row as an `sqlite3.Row` (a field takes the first column whose name matches it,
    ignoring ASCII case, as `sqlite3.Row` does); `tests/test_fast_paths.py` checks it.
    """
    folded = [_ascii_lower(name) for name in columns]
    steps: list[tuple[str, int, Callable[[Any], Any] | None]] = []
    for name, encoding, text in _plan(cls, tuple(columns), encodings):
        convert: Callable[[Any], Any] | None = None
        if encoding is not None:
            convert = _column_decoder(encoding)
        elif text:
            convert = _text_of
        steps.append((name, folded.index(_ascii_lower(name)), convert))
    plan = tuple(steps)
    defaults = _defaults(cls, {name for name, _position, _convert in plan} | {"source"})
    if defaults is None:
        def make(row: tuple[Any, ...]) -> Record:
            values: dict[str, Any] = {"source": source}
            for name, position, convert in plan:
                values[name] = row[position] if convert is None else convert(row[position])
            return cls(**values)

        return make
    # What the dataclass `__init__` does, without its keyword parsing and frozen setattr.
    compiled = _compiled_builder(cls, source, plan, defaults)
    if compiled is not None:
        return compiled
    preset = tuple((field_setter(cls, name), value)
                   for name, value in (("source", source), *defaults))
    setting = tuple((field_setter(cls, name), position, convert)
                    for name, position, convert in plan)
    new = object.__new__

    def build(row: tuple[Any, ...]) -> Record:
        record = new(cls)
        for setter, value in preset:
            setter(record, value)
        for setter, position, convert in setting:
            setter(record, row[position] if convert is None else convert(row[position]))
        return record

    return build


def _compiled_builder(cls: type[Record], source: str,
                      plan: tuple[tuple[str, int, Callable[[Any], Any] | None], ...],
                      defaults: tuple[tuple[str, Any], ...]) -> RowMapper | None:
    """`row_mapper`'s `build` in C (`perito._fastrecords`), where it was built and every
    field is a slot; else None."""
    module = compiled_builders()
    if module is None:
        return None
    presets = [(slot_descriptor(cls, name), value) for name, value in (("source", source),
                                                                       *defaults)]
    # `str` stands for `_text_of`, which the compiled builder does itself.
    steps = tuple((slot_descriptor(cls, name), position, str if convert is _text_of else convert)
                  for name, position, convert in plan)
    if any(slot is None for slot, _value in presets) or any(s[0] is None for s in steps):
        return None
    built: RowMapper = module.row_builder(cls, tuple(presets), steps)
    return built


def _defaults(cls: type[Record], given: set[str]) -> tuple[tuple[str, Any], ...] | None:
    """(name, default) of the fields a row does not give, when setting the fields is
    all `cls(**values)` would do; None when it does more (a `__post_init__`, a default
    factory, a required field, a field outside `__init__`)."""
    if hasattr(cls, "__post_init__"):
        return None
    found: list[tuple[str, Any]] = []
    for item in dataclasses.fields(cls):
        if not item.init:
            return None
        if item.name not in given:
            if item.default is dataclasses.MISSING:
                return None
            found.append((item.name, item.default))
    return tuple(found)


def _text_of(value: Any) -> Any:
    """A text field's column value: bytes read as UTF-8 (what `build_record` does)."""
    return value.decode("utf-8", "replace") if type(value) is bytes else value


_DECODERS: dict[Encoding, Callable[[Any], Timestamp]] = {}


def _column_decoder(encoding: Encoding) -> Callable[[Any], Timestamp]:
    """`decode(_plain(value), encoding)`, one function per encoding."""
    found = _DECODERS.get(encoding)
    if found is None:
        found = _DECODERS[encoding] = decoder(
            encoding, lambda value: decode(_plain(value), encoding))
    return found


def _plain(value: Any) -> int | float | str | None:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value if isinstance(value, int | float | str) or value is None else str(value)


def sqlite_artifact(*, identify: Mapping[str, list[str]], query: QueryFor,
                    record: type[Record], encodings: Mapping[str, Encoding] | None = None,
                    derive: Callable[[sqlite3.Row], Mapping[str, Any]] | None = None
                    ) -> Extractor:
    """An extractor for the common case: one query, one record per row."""
    enc = dict(encodings or {})

    def extract(ctx: Context) -> Iterator[Record]:
        if derive is not None:
            for row in sqlite_rows(ctx, identify, query):
                yield build_record(record, row, enc, ctx.evidence.address, derive(row))
            return
        with _executed(ctx, identify, query, None) as cursor:
            columns = [column[0] for column in cursor.description or ()]
            yield from map(row_mapper(record, columns, enc, ctx.evidence.address), cursor)

    return extract


def table_rows(table: str) -> Callable[[Context], int | None]:
    """`Artifact.split` for an extractor whose query yields about one row per row of
    `table`: its row count, or None when the database fails `PRAGMA quick_check` (a damaged
    file is read whole, through the salvage) or cannot be counted."""

    def count(ctx: Context) -> int | None:
        with ctx.source.open_sqlite(ctx.evidence) as opened:
            return checked_count(opened.connection, table)

    return count


def timestamp(value: Any, encoding: Encoding) -> Timestamp:
    kind = type(value)
    if kind is float or kind is int or value is None:
        return decode(value, encoding)
    return decode(_plain(value), encoding)
