"""A record as the dict its JSONL line holds, built by one generated function per record type.

orjson serialises a slots dataclass field by field (about 4 µs for a Safari visit with its
two times) and pays about 2 µs of set-up per call; a list of plain dicts goes through one call
at about 1 µs a record. `RecordFiles` writes records that way, a batch at a time
(`jsonl.record_lines`).

Each function is one dict display: `record_type` first, then every field in declaration
order, a `Timestamp` as the dict of its five fields, which is exactly what orjson writes for
the dataclass itself (a test compares both for every record type). Its source is built from
the dataclass's own field names, which are identifiers, never from evidence. A field whose
annotation names no `Timestamp` but holds one, or any other nested dataclass, is still right:
orjson serialises it itself.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from perito.records import Record, compiled_builders, slot_descriptor
from perito.timestamps import SLOTS, Timestamp

RecordDict = Callable[[Record], dict[str, Any]]
_MAKERS: dict[type[Record], RecordDict] = {}


def maker(cls: type[Record]) -> RecordDict:
    """The function that gives a record of type `cls` as its line's dict."""
    found = _MAKERS.get(cls)
    if found is None:
        found = _MAKERS[cls] = _generated(cls)
    return found


def dicts_of(records: list[Record]) -> list[dict[str, Any]]:
    """The line dicts of `records` (in C, where `perito._fastrecords` was built)."""
    module = compiled_builders()
    if module is not None:
        made: list[dict[str, Any]] = module.dicts(records, _MAKERS, maker)
        return made
    return [maker(type(record))(record) for record in records]


def _generated(cls: type[Record]) -> RecordDict:
    fields = dataclasses.fields(cls)
    if any(f.name == "record_type" or not f.name.isidentifier() for f in fields):
        raise ValueError(f"{cls.__name__}: a field its line cannot hold")
    module = compiled_builders()
    slots = [slot_descriptor(cls, f.name) for f in fields]
    if module is not None and None not in slots:
        # The same dict, built in C from the slots (`perito._fastrecords`).
        plan = tuple((f.name, slot, "Timestamp" in str(f.type))
                     for f, slot in zip(fields, slots, strict=True))
        compiled: RecordDict = module.dict_maker(cls.__name__, plan, Timestamp, SLOTS)
        return compiled
    return python_maker(cls)


def python_maker(cls: type[Record]) -> RecordDict:
    """The generated Python function (also where the compiled builder is not built)."""
    fields = dataclasses.fields(cls)
    lines: list[str] = []
    items = [f"'record_type': {cls.__name__!r}"]
    for number, f in enumerate(fields):
        if "Timestamp" not in str(f.type):
            items.append(f"{f.name!r}: record.{f.name}")
            continue
        stamp = f"t{number}"
        lines.append(f"    {stamp} = record.{f.name}")
        items.append(f"{f.name!r}: {{'raw': {stamp}.raw, 'encoding': {stamp}.encoding, "
                     f"'ns': {stamp}.ns, 'state': {stamp}.state, 'utc': {stamp}.utc}} "
                     f"if type({stamp}) is Timestamp else {stamp}")
    source = ("def as_dict(record):\n" + "".join(f"{line}\n" for line in lines)
              + f"    return {{{', '.join(items)}}}\n")
    scope: dict[str, Any] = {"Timestamp": Timestamp}
    exec(compile(source, f"<line dict of {cls.__name__}>", "exec"), scope)  # noqa: S102
    made: RecordDict = scope["as_dict"]
    return made
