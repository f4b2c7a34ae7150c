"""The stock KPIs' sums at many days at once, vectorised (NumPy) and exact.

:func:`flexchain.domain.kpis.stock_facts` rebuilds every item's stock at one day and
:func:`~flexchain.domain.kpis.inventory_health` walks the items one by one: right, but at 20,000
items and a trend of 12 weeks that is a quarter of a million items walked in Python. This module
gives the same sums (:class:`~flexchain.domain.kpis.StockTotals`) for every day asked, from one
pass of array arithmetic per day:

* quantities are integers in thousandths (as the database stores them) and standard costs
  integers scaled by a power of ten, so every product and sum is exact; each sum is added up in
  Python integers, then turned back into a Decimal: the figures are those of the item-by-item
  formulas, digit for digit (the unit tests compare both on random ledgers);
* the health tests are the domain's, restated in integers: *volatile* (population variance of
  the 13 weekly outflows above the mean squared) is ``13 x sum w^2 > 2 x (sum w)^2``; *overstock*
  (more than 13 weeks at the last 4 weeks' rate) is ``4 x on hand > 13 x last 4 weeks``; an item
  exactly on the volatility boundary is decided by :func:`~flexchain.domain.kpis.health_parts`
  itself (its Decimal mean is rounded).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from flexchain.domain.kpis import (
    AGED_DAYS,
    HEALTH_WEEKS,
    RECENT_WEEKS,
    BoundaryMove,
    StockFact,
    StockTotals,
    health_parts,
)

__all__ = ["LedgerArrays", "StockArrays", "largest_first", "ledger_arrays", "stock_totals"]

_QTY_PLACES = 3
"""Quantities are whole thousandths."""
_SAFE = 2**62
Ints = npt.NDArray[np.int64]


def _places(costs: Iterable[Decimal]) -> int:
    exponents = [c.as_tuple().exponent for c in costs]
    return max([0, *(-e for e in exponents if isinstance(e, int))])


def _scaled(value: Decimal, places: int) -> int:
    return int(value.scaleb(places))


def _total(products: Ints, mask: npt.NDArray[np.bool_]) -> int:
    """The exact sum (in Python integers: 20,000 products may overflow 64 bits)."""
    return sum(products[mask].tolist())


@dataclass(frozen=True)
class LedgerArrays:
    """The stock ledger as plain integers: on hand now per item id, and the moves across the
    brand's locations' boundary as columns (item id, day as ``date.toordinal()``, quantity in,
    negative out, whether out to a customer or production, whether in from outside).
    Quantities are whole thousandths (as the database stores them)."""

    on_hand: Mapping[int, int]
    item: Sequence[int]
    day: Sequence[int]
    delta: Sequence[int]
    outflow: Sequence[bool]
    arrival: Sequence[bool]


def ledger_arrays(
    on_hand_now: Mapping[int, Decimal], moves: Sequence[BoundaryMove]
) -> LedgerArrays:
    """:class:`LedgerArrays` of Decimal quantities and :class:`BoundaryMove` records."""
    return LedgerArrays(
        {item: _scaled(q, _QTY_PLACES) for item, q in on_hand_now.items()},
        [m.item_id for m in moves],
        [m.day.toordinal() for m in moves],
        [_scaled(m.delta, _QTY_PLACES) for m in moves],
        [m.outflow for m in moves],
        [m.arrival for m in moves],
    )


class StockArrays:
    """The ledger as NumPy arrays over item indexes, with each item's scaled cost: built once,
    then asked for the sums at many days (:meth:`totals`) and the ranking of a day
    (:meth:`largest_first`).

    Raises
    ------
    OverflowError
        A quantity times a cost does not fit 64 bits (use the domain's item-by-item sums).
    """

    def __init__(self, raw: LedgerArrays, costs: Mapping[int, Decimal | None]) -> None:
        ids = sorted(set(raw.on_hand) | set(raw.item))
        self.ids = ids
        known = {c for c in costs.values() if c is not None}
        self.places = _places(known)
        scaled = {c: _scaled(c, self.places) for c in known}
        self.costed = np.array([costs.get(i) is not None for i in ids], dtype=bool)
        cost = [0 if (c := costs.get(i)) is None else scaled[c] for i in ids]
        now = [raw.on_hand.get(i, 0) for i in ids]
        most = max(map(abs, now), default=0) + sum(map(abs, raw.delta))
        dearest = max(map(abs, cost), default=0)
        # products of a quantity (at most 4 shares of it) and a cost must fit in 64 bits
        if 4 * most * max(dearest, 1) >= _SAFE:
            raise OverflowError("stock quantities or costs too large for 64-bit arithmetic")
        self.cost = np.array(cost, dtype=np.int64)
        self.now = np.array(now, dtype=np.int64)
        self.item = np.searchsorted(
            np.array(ids, dtype=np.int64), np.array(raw.item, dtype=np.int64)
        )
        self.day = np.array(raw.day, dtype=np.int64)
        self.delta = np.array(raw.delta, dtype=np.int64)
        self.outflow = np.array(raw.outflow, dtype=bool)
        self.arrival = np.array(raw.arrival, dtype=bool)

    def decimal(self, total: int, places: int) -> Decimal:
        return Decimal(total).scaleb(-places)

    def totals(self, ends: Sequence[date]) -> dict[date, StockTotals]:
        """The sums at the end of each day of ``ends`` (see :func:`stock_totals`)."""
        return {end: _totals_at(self, end) for end in dict.fromkeys(ends)}

    def largest_first(
        self, skus: Mapping[int, str], end: date, limit: int | None = None
    ) -> tuple[list[int], int]:
        """The ranking at ``end`` (see :func:`largest_first`)."""
        return _largest_first(self, skus, end, limit)


def _weekly_out(ledger: StockArrays, end: int) -> tuple[Ints, Ints]:
    """The items with outflow in the :data:`HEALTH_WEEKS` weeks ending on day ``end``, and
    their outflow per week (oldest first), in thousandths."""
    first = end - (7 * HEALTH_WEEKS - 1)
    take = ledger.outflow & (ledger.day >= first) & (ledger.day <= end)
    items = np.unique(ledger.item[take])
    weeks = np.zeros((len(items), HEALTH_WEEKS), dtype=np.int64)
    rows = np.searchsorted(items, ledger.item[take])
    np.add.at(weeks, (rows, (ledger.day[take] - first) // 7), -ledger.delta[take])
    return items, weeks


_SQUARE_SAFE = 10**8
"""Weekly outflows (thousandths) below this square and add up within 64 bits."""


def _volatile(
    ledger: StockArrays, items: Ints, weeks: Ints, on_hand: Ints, arrived: Ints
) -> npt.NDArray[np.bool_]:
    """Which items' weekly outflow varies more than its mean (the domain's test, exactly)."""
    small = weeks.size == 0 or int(weeks.max()) < _SQUARE_SAFE
    exact = weeks if small else weeks.astype(object)  # else Python integers: no overflow
    total = exact.sum(axis=1)
    left, right = HEALTH_WEEKS * (exact * exact).sum(axis=1), 2 * total * total
    selling = np.asarray(total > 0, dtype=bool)
    volatile = selling & np.asarray(left > right, dtype=bool)
    for row in np.flatnonzero(selling & np.asarray(left == right, dtype=bool)):
        item = int(items[row])  # on the boundary: as health_parts decides it
        fact = StockFact(
            str(ledger.ids[item]),
            ledger.decimal(int(on_hand[item]), _QTY_PLACES),
            Decimal(1),
            tuple(ledger.decimal(int(w), _QTY_PLACES) for w in weeks[row]),
            ledger.decimal(int(arrived[item]), _QTY_PLACES),
        )
        volatile[row] = health_parts(fact).volatile
    return volatile


def _totals_at(ledger: StockArrays, end: date) -> StockTotals:
    day = end.toordinal()
    on_hand = ledger.now.copy()
    after = ledger.day > day
    np.subtract.at(on_hand, ledger.item[after], ledger.delta[after])
    arrived = np.zeros_like(on_hand)
    recent = ledger.arrival & ~after & (ledger.day > day - AGED_DAYS)
    np.add.at(arrived, ledger.item[recent], ledger.delta[recent])
    items, weeks = _weekly_out(ledger, day)
    out = weeks.sum(axis=1)
    last = weeks[:, -RECENT_WEEKS:].sum(axis=1)
    has_out = np.zeros(len(on_hand), dtype=bool)
    has_out[items] = True
    costed = ledger.costed & ((on_hand != 0) | has_out)
    stocked = costed & (on_hand > 0)
    # the health tests, per item: an item without outflow is slow and (in stock) overstock
    slow = np.ones(len(on_hand), dtype=np.int64)
    slow[items] = out == 0
    volatile = np.zeros(len(on_hand), dtype=np.int64)
    volatile[items] = _volatile(ledger, items, weeks, on_hand, arrived)
    overstock = (on_hand > 0).astype(np.int64)
    mine = on_hand[items]
    overstock[items] = (mine > 0) & ((last == 0) | (RECENT_WEEKS * mine > 13 * last))
    aged = np.maximum(on_hand - arrived, 0)
    value = on_hand * ledger.cost
    failing = (on_hand * (slow + volatile + overstock) + aged) * ledger.cost
    money = _QTY_PLACES + ledger.places
    return StockTotals(
        value=ledger.decimal(_total(value, costed), money),
        cost_out=ledger.decimal(_total(out * ledger.cost[items], costed[items]), money),
        count=int(costed.sum()),
        health_value=ledger.decimal(_total(value, stocked), money),
        penalty=ledger.decimal(_total(failing, stocked), money),
        health_count=int(stocked.sum()),
    )


def stock_totals(
    ledger: LedgerArrays, costs: Mapping[int, Decimal | None], ends: Sequence[date]
) -> dict[date, StockTotals]:
    """The stock KPIs' sums at the end of each day of ``ends``: as
    ``totals_of(stock_facts(...))`` (:mod:`flexchain.domain.kpis`) at that day, from the
    ledger (its moves reaching back :data:`HEALTH_WEEKS` weeks and :data:`AGED_DAYS` days
    before the earliest day) and the items' standard costs (None: left out).

    Raises
    ------
    OverflowError
        A quantity times a cost does not fit 64 bits (use the domain's item-by-item sums).
    """
    return StockArrays(ledger, costs).totals(ends)


def largest_first(
    ledger: LedgerArrays,
    costs: Mapping[int, Decimal | None],
    skus: Mapping[int, str],
    end: date,
    limit: int | None = None,
) -> tuple[list[int], int]:
    """The ids of the items :func:`flexchain.domain.kpis.stock_facts` keeps at ``end`` (with
    stock or outflow), largest stock value first, then by SKU, items without a standard cost
    last (as :func:`flexchain.domain.kpis.largest_first` ranks them): the first ``limit`` (all:
    None), and how many there are.

    Raises
    ------
    OverflowError
        As :func:`stock_totals`.
    """
    return StockArrays(ledger, costs).largest_first(skus, end, limit)


def _largest_first(
    arrays: StockArrays, skus: Mapping[int, str], end: date, limit: int | None
) -> tuple[list[int], int]:
    day = end.toordinal()
    on_hand = arrays.now.copy()
    after = arrays.day > day
    np.subtract.at(on_hand, arrays.item[after], arrays.delta[after])
    first = day - (7 * HEALTH_WEEKS - 1)
    selling = np.zeros(len(on_hand), dtype=bool)
    selling[arrays.item[arrays.outflow & ~after & (arrays.day >= first)]] = True
    kept = np.flatnonzero((on_hand != 0) | selling)
    names = np.array([skus.get(arrays.ids[i], "") for i in kept], dtype=str)
    value = (on_hand * arrays.cost)[kept]
    order = kept[np.lexsort((names, -value, ~arrays.costed[kept]))]
    top = order if limit is None else order[:limit]
    return [arrays.ids[i] for i in top.tolist()], len(kept)
