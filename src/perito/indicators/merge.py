"""Deduplication of indicators by (kind, value), keeping every id, owner and note."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from perito.indicators.keys import Entry
from perito.indicators.model import Indicator, Owner
from perito.indicators.suffixes import bundled_rules
from perito.records import Kind

IndicatorKey = tuple[Kind, str]
_T = TypeVar("_T")


class _Slot:
    """Everything gathered for one (kind, value); lists, deduplicated once at `freeze`."""

    __slots__ = ("entry", "ids", "notes", "owners")

    def __init__(self, entry: Entry, ids: list[str], owners: list[Owner]) -> None:
        self.entry = entry
        self.ids = ids
        self.owners = owners
        self.notes: list[str] = [entry.note] if entry.note else []


def _unique(items: list[_T]) -> tuple[_T, ...]:
    return tuple(items) if len(items) < 2 else tuple(dict.fromkeys(items))


class IndicatorPool:
    """Indicators being gathered; the first occurrence fixes raw value and key, later ones add.

    Order is first-seen order, so output is deterministic for the same files in the same order.
    """

    def __init__(self) -> None:
        self._slots: dict[IndicatorKey, _Slot] = {}

    def add_entry(self, entry: Entry, ids: Iterable[str], owners: Iterable[Owner]) -> IndicatorKey:
        """Add one entry read from a pattern, with the indicator ids and owners behind it."""
        key = (entry.kind, entry.value)
        slot = self._slots.get(key)
        if slot is None:
            self._slots[key] = _Slot(entry, list(ids), list(owners))
        else:
            slot.ids.extend(ids)
            slot.owners.extend(owners)
            if entry.note:
                slot.notes.append(entry.note)
        return key

    def __len__(self) -> int:
        return len(self._slots)

    def freeze(self) -> list[Indicator]:
        """The merged indicators, in first-seen order.

        A domain is broad when it is a public suffix; the list's private section counts, since
        dynamic-DNS and shared-hosting apexes are exactly the domains whose subdomains belong
        to strangers.
        """
        rules = bundled_rules()
        return [
            Indicator(slot.entry.kind, slot.entry.value, slot.entry.raw_value,
                      slot.entry.stix_key, _unique(slot.ids), _unique(slot.owners),
                      slot.entry.kind is Kind.DOMAIN and rules.is_public(slot.entry.value),
                      "; ".join(_unique(slot.notes)))
            for slot in self._slots.values()
        ]
