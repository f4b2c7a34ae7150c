"""The stock KPIs' formulas: inventory turns, days of cover and the inventory health index,
over each item's stock at the end of a day (:class:`StockFact`, rebuilt from the ledger by
:func:`stock_facts`) or over their sums (:class:`StockTotals`;
:mod:`flexchain.planning.stock_kpis` gives the same sums for many days at once, vectorised).
Re-exported by :mod:`flexchain.domain.kpis`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Final

from flexchain.domain.kpi_measure import Measure, weeks_ending

__all__ = [
    "AGED_DAYS",
    "HEALTH_WEEKS",
    "NO_OUTFLOW",
    "OVERSTOCK_WEEKS",
    "RECENT_WEEKS",
    "VOLATILE_CV",
    "BoundaryMove",
    "HealthParts",
    "StockFact",
    "StockTotals",
    "cogs",
    "cover_of",
    "days_of_cover",
    "health_of",
    "health_parts",
    "inventory_health",
    "inventory_turns",
    "largest_first",
    "stock_facts",
    "totals_of",
    "turns_of",
]

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)
HEALTH_WEEKS: Final = 13
"""Weeks of outflow the inventory health index looks back over (a quarter)."""
AGED_DAYS: Final = 90
"""Stock beyond what arrived in this many days counts as aged."""
VOLATILE_CV: Final = Decimal(1)
"""A coefficient of variation of weekly outflow above this makes an item's stock volatile."""
RECENT_WEEKS: Final = 4
"""The recent demand trend: the outflow of the last 4 weeks."""
OVERSTOCK_WEEKS: Final = 13
"""Stock covering more weeks than this at the recent rate does not match the demand trend."""
NO_OUTFLOW: Final = (_ZERO,) * HEALTH_WEEKS
"""The weekly outflow of an item nothing left stock of (shared: most items of a catalogue)."""


@dataclass(frozen=True)
class StockFact:
    """An item's stock at the brand's locations at the end of a span (``on_hand``), its unit
    cost (None: no standard cost), what left stock to customers and production in each of the
    :data:`HEALTH_WEEKS` weeks ending then (oldest first) and what arrived in the last
    :data:`AGED_DAYS` days."""

    sku: str
    on_hand: Decimal
    unit_cost: Decimal | None
    weekly_out: tuple[Decimal, ...]
    received_recent: Decimal = _ZERO

    @property
    def value(self) -> Decimal:
        return self.on_hand * (self.unit_cost or _ZERO)


@dataclass(frozen=True)
class BoundaryMove:
    """A move into (``delta`` > 0) or out of (< 0) the brand's locations; ``outflow``: out to
    a customer or to production; ``arrival``: in from outside (a supplier, production)."""

    item_id: int
    day: date
    delta: Decimal
    outflow: bool
    arrival: bool


def stock_facts(
    on_hand_now: Mapping[int, Decimal],
    moves: Sequence[BoundaryMove],
    skus: Mapping[int, str],
    costs: Mapping[int, Decimal | None],
    end: date,
) -> list[StockFact]:
    """Each item's :class:`StockFact` at the end of ``end``: on hand now less what crossed
    into the brand's locations after it; outflow per week of the :data:`HEALTH_WEEKS` ending
    then; arrivals in the :data:`AGED_DAYS` ending then. ``moves`` must reach back that far.

    >>> out = BoundaryMove(1, date(2026, 11, 30), Decimal(-3), True, False)
    >>> fact = stock_facts({1: Decimal(7)}, [out], {1: "A"}, {1: None}, date(2026, 11, 29))[0]
    >>> fact.on_hand, fact.weekly_out[-1]
    (Decimal('10'), Decimal('0'))
    """
    weeks = weeks_ending(end, HEALTH_WEEKS)
    first, aged_from = weeks[0].start, end - timedelta(days=AGED_DAYS - 1)
    on_hand = {item: quantity for item, quantity in on_hand_now.items()}
    out: dict[int, list[Decimal]] = {}
    arrived: dict[int, Decimal] = {}
    for move in moves:
        if move.day > end:
            on_hand[move.item_id] = on_hand.get(move.item_id, _ZERO) - move.delta
        elif move.outflow and move.day >= first:
            week = (move.day - first).days // 7
            out.setdefault(move.item_id, [_ZERO] * HEALTH_WEEKS)[week] -= move.delta
        elif move.arrival and move.day >= aged_from:
            arrived[move.item_id] = arrived.get(move.item_id, _ZERO) + move.delta
    # an item without stock or outflow counts in no figure: left out
    items = sorted({i for i, q in on_hand.items() if q} | set(out), key=lambda i: skus.get(i, ""))
    return [
        StockFact(skus.get(item, str(item)), on_hand.get(item, _ZERO), costs.get(item),
                  tuple(out[item]) if item in out else NO_OUTFLOW, arrived.get(item, _ZERO))
        for item in items
    ]  # fmt: skip


def largest_first(
    on_hand_now: Mapping[int, Decimal],
    moves: Sequence[BoundaryMove],
    skus: Mapping[int, str],
    costs: Mapping[int, Decimal | None],
    end: date,
    limit: int | None = None,
) -> tuple[list[StockFact], int]:
    """The facts of :func:`stock_facts` largest stock value first (then by SKU; items without
    a standard cost last), only the first ``limit`` built (all: None), and how many there are.

    >>> facts, total = largest_first({1: Decimal(2), 2: Decimal(5), 3: Decimal(1)}, [],
    ...     {1: "A", 2: "B", 3: "C"}, {1: Decimal(9), 2: Decimal(1), 3: None},
    ...     date(2026, 11, 29), limit=2)
    >>> [f.sku for f in facts], total
    (['A', 'B'], 3)
    """
    first = weeks_ending(end, HEALTH_WEEKS)[0].start
    on_hand = dict(on_hand_now)
    selling: set[int] = set()
    for move in moves:
        if move.day > end:
            on_hand[move.item_id] = on_hand.get(move.item_id, _ZERO) - move.delta
        elif move.outflow and move.day >= first:
            selling.add(move.item_id)
    # the items stock_facts keeps: with stock or outflow
    items = {i for i, q in on_hand.items() if q} | selling

    def rank(item: int) -> tuple[bool, Decimal, str]:
        cost = costs.get(item)
        return cost is None, -(on_hand.get(item, _ZERO) * (cost or _ZERO)), skus.get(item, "")

    top = sorted(items, key=rank)[:limit] if limit is not None else sorted(items, key=rank)
    wanted = set(top)
    facts = stock_facts(
        {i: q for i, q in on_hand_now.items() if i in wanted},
        [m for m in moves if m.item_id in wanted],
        skus,
        costs,
        end,
    )
    by_sku = {fact.sku: fact for fact in facts}
    return [by_sku[skus.get(i, str(i))] for i in top], len(items)


def _costed(stock: Iterable[StockFact]) -> list[StockFact]:
    return [s for s in stock if s.unit_cost is not None]


def cogs(stock: Iterable[StockFact], weeks: int) -> Decimal:
    """Cost of what left stock in the last ``weeks`` weeks, at standard cost."""
    return sum((sum(s.weekly_out[-weeks:], _ZERO) * (s.unit_cost or _ZERO)
                for s in _costed(stock) if s.weekly_out is not NO_OUTFLOW), _ZERO)  # fmt: skip


def inventory_turns(stock: Sequence[StockFact], weeks: int = HEALTH_WEEKS) -> Measure:
    """Inventory turns a year: the cost of what left stock in the last ``weeks`` weeks, made
    yearly (x 52 / weeks), over the stock's value at standard cost now."""
    costed = _costed(stock)
    value = sum((s.value for s in costed), _ZERO)
    return turns_of(cogs(costed, weeks), value, len(costed), weeks)


def turns_of(cost_out: Decimal, value: Decimal, count: int, weeks: int = HEALTH_WEEKS) -> Measure:
    """:func:`inventory_turns` from its sums: ``cost_out`` left stock in ``weeks`` weeks,
    ``value`` in stock, over ``count`` costed items (None: no stock value)."""
    if value <= 0:
        return Measure(None, count)
    return Measure(cost_out * 52 / weeks / value, count)


def days_of_cover(stock: Sequence[StockFact], weeks: int = HEALTH_WEEKS) -> Measure:
    """Days of cover: the stock's value at standard cost over the cost of a day's outflow
    (the last ``weeks`` weeks' outflow / their days). None when nothing left stock."""
    costed = _costed(stock)
    value = sum((s.value for s in costed), _ZERO)
    return cover_of(cogs(costed, weeks), value, len(costed), weeks)


def cover_of(cost_out: Decimal, value: Decimal, count: int, weeks: int = HEALTH_WEEKS) -> Measure:
    """:func:`days_of_cover` from its sums (as :func:`turns_of`)."""
    daily = cost_out / (7 * weeks)
    if daily <= 0:
        return Measure(None, count)
    return Measure(value / daily, count)


@dataclass(frozen=True)
class HealthParts:
    """Per item, which of the inventory health index's four shares its stock falls in."""

    slow: bool
    aged: Decimal
    """Units older than :data:`AGED_DAYS` (beyond what arrived in them)."""
    volatile: bool
    overstock: bool


def health_parts(fact: StockFact) -> HealthParts:
    """Slow-moving: nothing left stock in :data:`HEALTH_WEEKS` weeks. Aged: the units beyond
    what arrived in the last :data:`AGED_DAYS` days (first in, first out). Volatile: the
    weekly outflow's coefficient of variation (population standard deviation over mean) is
    above :data:`VOLATILE_CV`. Overstock (against the demand trend): the stock covers more
    than :data:`OVERSTOCK_WEEKS` weeks at the last :data:`RECENT_WEEKS` weeks' rate."""
    out = fact.weekly_out
    aged = max(_ZERO, fact.on_hand - fact.received_recent)
    if out is NO_OUTFLOW:  # most items of a large catalogue: decided without arithmetic
        return HealthParts(True, aged, False, fact.on_hand > 0)
    total = sum(out, _ZERO)
    mean = total / len(out) if out else _ZERO
    volatile = False
    if mean > 0:  # standard deviation / mean > CV, squared (no square root needed)
        variance = sum(((w - mean) ** 2 for w in out), _ZERO) / len(out)
        volatile = variance > (VOLATILE_CV * mean) ** 2
    recent = sum(out[-RECENT_WEEKS:], _ZERO) / RECENT_WEEKS
    overstock = fact.on_hand > 0 and (recent == 0 or fact.on_hand / recent > OVERSTOCK_WEEKS)
    return HealthParts(total == 0, aged, volatile, overstock)


def inventory_health(stock: Sequence[StockFact]) -> Measure:
    """Inventory health index, 0-100: 100 - 25 x (slow-moving share + aged share + volatile
    share + overstock share), each a share of the stock's value at standard cost
    (:func:`health_parts`). 100: every unit moves, is fresh, steady and matched to demand.

    >>> fresh = StockFact("A", Decimal(10), Decimal(2), (Decimal(5),) * 13, Decimal(10))
    >>> inventory_health([fresh]).value
    Decimal('100')
    """
    return totals_of(stock).health()


def health_of(penalty: Decimal, value: Decimal, count: int) -> Measure:
    """:func:`inventory_health` from its sums: the value failing each test added up
    (``penalty``) over the value of the ``count`` costed items in stock."""
    if value <= 0:
        return Measure(None, count)
    return Measure(_HUNDRED - 25 * penalty / value, count)


@dataclass(frozen=True)
class StockTotals:
    """The sums the stock KPIs divide, at the end of one day: the stock's value at standard
    cost (``value``, over ``count`` costed items with stock or outflow), the cost of what left
    in the :data:`HEALTH_WEEKS` weeks ending then (``cost_out``), and for the health index the
    value of the items in stock (``health_value``, ``health_count`` items) and of what fails
    its tests (``penalty``)."""

    value: Decimal
    cost_out: Decimal
    count: int
    health_value: Decimal
    penalty: Decimal
    health_count: int

    def turns(self) -> Measure:
        return turns_of(self.cost_out, self.value, self.count)

    def cover(self) -> Measure:
        return cover_of(self.cost_out, self.value, self.count)

    def health(self) -> Measure:
        return health_of(self.penalty, self.health_value, self.health_count)


def totals_of(stock: Sequence[StockFact]) -> StockTotals:
    """The :class:`StockTotals` of the facts of one day, item by item (what
    :func:`inventory_turns`, :func:`days_of_cover` and :func:`inventory_health` add up)."""
    costed = _costed(stock)
    stocked = [s for s in costed if s.on_hand > 0]
    penalty = _ZERO
    for fact in stocked:
        parts = health_parts(fact)
        cost = fact.unit_cost or _ZERO
        penalty += (fact.value if parts.slow else _ZERO) + parts.aged * cost
        penalty += fact.value if parts.volatile else _ZERO
        penalty += fact.value if parts.overstock else _ZERO
    return StockTotals(
        value=sum((s.value for s in costed), _ZERO),
        cost_out=cogs(costed, HEALTH_WEEKS),
        count=len(costed),
        health_value=sum((s.value for s in stocked), _ZERO),
        penalty=penalty,
        health_count=len(stocked),
    )
