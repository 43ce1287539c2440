"""The record model: typed, frozen values whose fields declare what they hold.

A field declares an observable (`observable(Kind.URL)`) so that the matcher finds it without
per-artifact code, or a timeline event (`timeline("Safari visit")`) so that the timeline and
its writers need no per-artifact code either.
"""

from __future__ import annotations

import base64
import dataclasses
import enum
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from perito.timestamps import Timestamp, TimeState

_fastrecords: types.ModuleType | None
try:  # the slot-setting builders compiled (optional: see setup.py)
    from perito import _fastrecords
except ImportError:  # a build without a C compiler: the Python builders below
    _fastrecords = None


class Kind(enum.StrEnum):
    """Kinds of observable that indicators can name."""

    URL = "url"
    DOMAIN = "domain"
    IP = "ip"
    EMAIL = "email"
    PHONE = "phone"
    PROCESS = "process"
    APP_ID = "app_id"
    FILE_PATH = "file_path"
    FILE_NAME = "file_name"
    PROFILE_ID = "profile_id"
    FILE_MD5 = "file_md5"
    FILE_SHA1 = "file_sha1"
    FILE_SHA256 = "file_sha256"
    CERT_MD5 = "cert_md5"
    CERT_SHA1 = "cert_sha1"
    CERT_SHA256 = "cert_sha256"
    ANDROID_PROPERTY = "android_property"


OBSERVABLE_KEY = "perito.observable"
TIMELINE_KEY = "perito.timeline"
SHAREABLE_KEY = "perito.shareable"


def observable(kind: Kind) -> dict[str, Kind]:
    """Field metadata: the field holds a value (or a tuple of values) of this kind."""
    return {OBSERVABLE_KEY: kind}


def timeline(label: str) -> dict[str, str]:
    """Field metadata: this Timestamp field is a timeline event with this description."""
    return {TIMELINE_KEY: label}


def shareable() -> dict[str, bool]:
    """Field metadata: the text says nothing about people (a service name, a direction, a
    model), so a redacted report may show it (`perito.output.report.redact`)."""
    return {SHAREABLE_KEY: True}


@dataclass(frozen=True, slots=True, kw_only=True)
class Record:
    """Base of every extracted record: where it came from."""

    source: str = ""  # evidence address, e.g. "HomeDomain/Library/Safari/History.db"

    record_name: ClassVar[str] = "record"

    def describe(self) -> str:
        """One line a person can read, used by the timeline."""
        return self.record_name

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle (scan workers send records to the parent) as the field values in order:
        several times cheaper than the slots dataclass default, which looks the fields up
        for every record."""
        cls = type(self)
        return _revive_record, (cls, tuple(map(self.__getattribute__, _names(cls))))


_SETTERS: dict[type[Record], tuple[Any, ...]] = {}
R = typing.TypeVar("R", bound=Record)


def field_setter(cls: type[Record], name: str) -> Any:
    """The field's slot setter; a plain attribute setter for a record type without slots."""
    found = slot_descriptor(cls, name)
    if found is not None:
        return found.__set__

    def assign(record: Record, value: Any) -> None:
        object.__setattr__(record, name, value)

    return assign


def slot_descriptor(cls: type[Record], name: str) -> Any | None:
    """The field's slot (member descriptor), or None for a record type without slots."""
    found = getattr(cls, name, None)
    return found if isinstance(found, types.MemberDescriptorType) else None


def compiled_builders() -> types.ModuleType | None:
    """`perito._fastrecords` where it was built: what `assembler` and `row_mapper` use."""
    return _fastrecords


def _setters(cls: type[Record]) -> tuple[Any, ...]:
    """The slot setters of every field of `cls`, in declaration order."""
    setters = _SETTERS.get(cls)
    if setters is None:
        setters = _SETTERS[cls] = tuple(field_setter(cls, name) for name in _names(cls))
    return setters


def _revive_record(cls: type[Record], values: tuple[Any, ...]) -> Record:
    """A pickled record back, its fields set through their slots as the frozen dataclass's
    own unpickling sets them (no `__init__`: the values were checked when first built)."""
    record = object.__new__(cls)
    for setter, value in zip(_setters(cls), values, strict=True):
        setter(record, value)
    return record


def assembler(cls: type[R], names: tuple[str, ...]) -> Callable[[tuple[Any, ...]], R]:
    """`cls(**dict(zip(names, values)))` as a function of `values`, set through the slots:
    several times cheaper for a type of many fields. `names` must be every field in
    declaration order (`dataclasses.fields`), so that a field added later fails here, at
    import, rather than shifting values. A type with a `__post_init__` is built by its
    `__init__`."""
    if names != _names(cls):
        raise TypeError(f"{cls.__name__} has the fields {_names(cls)}, not {names}")
    if hasattr(cls, "__post_init__"):
        return lambda values: cls(**dict(zip(names, values, strict=True)))
    slots = tuple(slot_descriptor(cls, name) for name in names)
    if _fastrecords is not None and None not in slots:
        compiled: Callable[[tuple[Any, ...]], R] = _fastrecords.assembler(cls, slots)
        return compiled  # the same, in C
    setters = _setters(cls)
    new = object.__new__

    def assemble(values: tuple[Any, ...]) -> R:
        record: R = new(cls)
        for setter, value in zip(setters, values, strict=True):
            setter(record, value)
        return record

    return assemble


@dataclass(frozen=True, slots=True)
class FieldInfo:
    name: str
    kind: Kind | None
    timeline: str | None
    shareable: bool = False


_FIELDS: dict[type[Record], tuple[FieldInfo, ...]] = {}
RECORD_TYPES: dict[str, type[Record]] = {}


def register_record(cls: type[Record]) -> type[Record]:
    """Make a record type known to readers of saved records (by its class name)."""
    RECORD_TYPES[cls.__name__] = cls
    return cls


def field_infos(cls: type[Record]) -> tuple[FieldInfo, ...]:
    cached = _FIELDS.get(cls)
    if cached is None:
        cached = tuple(
            FieldInfo(f.name, f.metadata.get(OBSERVABLE_KEY), f.metadata.get(TIMELINE_KEY),
                      bool(f.metadata.get(SHAREABLE_KEY)))
            for f in dataclasses.fields(cls)
        )
        _FIELDS[cls] = cached
    return cached


_OBSERVED: dict[type[Record], tuple[tuple[str, Kind], ...]] = {}
_TIMED: dict[type[Record], tuple[tuple[str, str], ...]] = {}


def _group(cls: type[Record]) -> None:
    infos = field_infos(cls)
    _OBSERVED[cls] = tuple((i.name, i.kind) for i in infos if i.kind is not None)
    _TIMED[cls] = tuple((i.name, i.timeline) for i in infos if i.timeline is not None)


def observable_fields(cls: type[Record]) -> tuple[tuple[str, Kind], ...]:
    """(field name, kind) of the observable fields of a record type, in field order."""
    if cls not in _OBSERVED:
        _group(cls)
    return _OBSERVED[cls]


def timeline_fields(cls: type[Record]) -> tuple[tuple[str, str], ...]:
    """(field name, label) of the timeline fields of a record type, in field order."""
    if cls not in _TIMED:
        _group(cls)
    return _TIMED[cls]


def observables(record: Record) -> Iterator[tuple[str, Kind, str]]:
    """(field name, kind, value) for every non-empty observable value of a record."""
    for name, kind in observable_fields(type(record)):
        value = getattr(record, name)
        if isinstance(value, str):
            if value:
                yield name, kind, value
        elif isinstance(value, tuple):
            for item in value:
                if isinstance(item, str) and item:
                    yield name, kind, item


def events(record: Record) -> Iterator[tuple[str, str, Timestamp]]:
    """(field name, label, timestamp) for every set timeline field of a record."""
    for name, label in timeline_fields(type(record)):
        value = getattr(record, name)
        if isinstance(value, Timestamp) and value.state is TimeState.OK:
            yield name, label, value


def first_time(record: Record) -> Timestamp | None:
    for _name, _label, stamp in events(record):
        return stamp
    return None


_PLAIN = frozenset({str, int, float, bool, type(None)})


def _jsonable(value: object) -> object:
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is Timestamp:
        return value.to_json()  # type: ignore[attr-defined]
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes):
        return {"base64": base64.b64encode(value).decode("ascii")}
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


_NAMES: dict[type[Record], tuple[str, ...]] = {}


def _names(cls: type[Record]) -> tuple[str, ...]:
    names = _NAMES.get(cls)
    if names is None:
        names = _NAMES[cls] = tuple(info.name for info in field_infos(cls))
    return names


def to_dict(record: Record) -> dict[str, object]:
    """A JSON-ready dict of the record, with its type name."""
    cls = type(record)
    names = _names(cls)
    out: dict[str, object] = {"record_type": cls.__name__}
    for name in names:
        value = getattr(record, name)
        out[name] = value if type(value) in _PLAIN else _jsonable(value)
    return out


def _revive(value: object, hint: object) -> object:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None:
            return None
        for arg in args:
            if arg is not type(None):
                return _revive(value, arg)
    if hint is Timestamp and isinstance(value, dict):
        return Timestamp.from_json(value)
    if hint is bytes and isinstance(value, dict) and "base64" in value:
        return base64.b64decode(str(value["base64"]))
    if origin is tuple and isinstance(value, list):
        inner = args[0] if args else Any
        return tuple(_revive(v, inner) for v in value)
    return value


_HINTS: dict[type[Record], tuple[tuple[str, object], ...]] = {}


def from_dict(data: Mapping[str, Any]) -> Record:
    """Rebuild a record saved by `to_dict`; unknown keys are ignored."""
    cls = RECORD_TYPES.get(str(data.get("record_type")))
    if cls is None:
        raise KeyError(f"unknown record type {data.get('record_type')!r}")
    fields = _HINTS.get(cls)
    if fields is None:  # get_type_hints is slow: once per type, not per record
        hints = typing.get_type_hints(cls)
        fields = _HINTS[cls] = tuple((f.name, hints[f.name]) for f in dataclasses.fields(cls))
    values: dict[str, Any] = {}
    for name, hint in fields:
        if name in data:
            value = data[name]
            # only JSON objects (times, bytes) and lists (tuples) change on the way back
            values[name] = _revive(value, hint) if type(value) in (dict, list) else value
    return cls(**values)


__all__ = ["Kind", "Record", "field", "observable", "shareable", "timeline"]
