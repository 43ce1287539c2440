"""Deduplication of indicators by (kind, value), keeping every id, owner and note."""

from __future__ import annotations

import functools
from collections.abc import Iterable

from publicsuffixlist import PublicSuffixList

from perito.indicators.keys import Entry
from perito.indicators.model import Indicator, Owner
from perito.records import Kind


@functools.cache
def _suffix_list() -> PublicSuffixList:
    # The list bundled with the package: no network. Private suffixes (dynamic DNS, shared
    # hosting) are included on purpose; they are what makes an indicator broad.
    return PublicSuffixList()


def is_broad(kind: Kind, value: str) -> bool:
    """Whether a domain indicator is a public suffix, so its subdomains are unrelated parties."""
    return kind is Kind.DOMAIN and bool(value) and bool(_suffix_list().is_public(value))


class _Slot:
    __slots__ = ("ids", "kind", "notes", "owners", "raw_value", "stix_key", "value")

    def __init__(self, kind: Kind, value: str, raw_value: str, stix_key: str) -> None:
        self.kind = kind
        self.value = value
        self.raw_value = raw_value
        self.stix_key = stix_key
        self.ids: dict[str, None] = {}
        self.owners: dict[Owner, None] = {}
        self.notes: dict[str, None] = {}


class IndicatorPool:
    """Indicators being gathered; the first occurrence fixes raw value and key, later ones add.

    Order is first-seen order, so output is deterministic for the same files in the same order.
    """

    def __init__(self) -> None:
        self._slots: dict[tuple[Kind, str], _Slot] = {}
        self._broad: dict[tuple[Kind, str], bool] = {}

    def _slot(self, kind: Kind, value: str, raw_value: str, stix_key: str) -> _Slot:
        slot = self._slots.get((kind, value))
        if slot is None:
            slot = self._slots[(kind, value)] = _Slot(kind, value, raw_value, stix_key)
        return slot

    def add_entry(self, entry: Entry, ids: Iterable[str], owners: Iterable[Owner]) -> None:
        """Add one entry read from a pattern, with the indicator ids and owners behind it."""
        slot = self._slot(entry.kind, entry.value, entry.raw_value, entry.stix_key)
        slot.ids.update(dict.fromkeys(ids))
        slot.owners.update(dict.fromkeys(owners))
        if entry.note:
            slot.notes[entry.note] = None

    def add_indicator(self, indicator: Indicator) -> None:
        """Merge an already-built indicator (from another file) into the pool."""
        slot = self._slot(indicator.kind, indicator.value, indicator.raw_value, indicator.stix_key)
        slot.ids.update(dict.fromkeys(indicator.ids))
        slot.owners.update(dict.fromkeys(indicator.owners))
        if indicator.note:
            slot.notes.update(dict.fromkeys(indicator.note.split("; ")))
        self._broad[(indicator.kind, indicator.value)] = indicator.broad

    def __len__(self) -> int:
        return len(self._slots)

    def freeze(self) -> list[Indicator]:
        """The merged indicators, in first-seen order."""
        out = []
        for key, slot in self._slots.items():
            broad = self._broad.get(key)
            if broad is None:
                broad = is_broad(slot.kind, slot.value)
            out.append(Indicator(
                kind=slot.kind,
                value=slot.value,
                raw_value=slot.raw_value,
                stix_key=slot.stix_key,
                ids=tuple(slot.ids),
                owners=tuple(slot.owners),
                broad=broad,
                note="; ".join(slot.notes),
            ))
        return out
