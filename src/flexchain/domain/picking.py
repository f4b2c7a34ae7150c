"""Stock counted down as an allocation's lines pick from it (:mod:`flexchain.domain.allocation`)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

__all__ = ["Pick", "StockLeft"]

_ZERO = Decimal(0)


class Pick(NamedTuple):
    """``quantity`` units of ``sku`` taken from stock at ``location`` for ``line``."""

    line: Hashable
    sku: str
    location: Hashable
    quantity: Decimal


@dataclass
class _Left:
    """What is left of one SKU at one location as the lines take from it."""

    location: Hashable
    available: Decimal


class StockLeft:
    """The stock given, counted down as the lines take from it (copied when first taken)."""

    def __init__(self, stock: Mapping[str, Sequence[tuple[Hashable, Decimal]]]) -> None:
        self._stock = stock
        self._left: dict[str, list[_Left]] = {}

    def take(self, line: Hashable, sku: str, wanted: Decimal) -> tuple[Decimal, list[Pick]]:
        """Pick up to ``wanted`` units of ``sku`` from its locations in order."""
        found = self._left.get(sku)
        if found is None:
            found = self._left[sku] = [_Left(*entry) for entry in self._stock.get(sku, ())]
        if not found:
            return _ZERO, []
        if len(found) == 1:  # one location (a quote): no loop
            entry = found[0]
            amount = min(wanted, entry.available)
            if amount <= 0:
                return _ZERO, []
            entry.available -= amount
            return amount, [Pick(line, sku, entry.location, amount)]
        picks: list[Pick] = []
        got = _ZERO
        for entry in found:
            if got >= wanted:
                break
            amount = min(wanted - got, max(entry.available, _ZERO))
            if amount > 0:
                entry.available -= amount
                got += amount
                picks.append(Pick(line, sku, entry.location, amount))
        return got, picks
