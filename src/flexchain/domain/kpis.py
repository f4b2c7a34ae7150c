"""The control tower's KPIs: pure formulas over plain facts, each documented.

Every KPI is measured over a span of days (a week of the trend, or the whole window of the
Overview) from facts the KPI store reads: orders (:class:`OrderFact`), first production jobs of
new products (:class:`LaunchFact`), stock per item (:class:`StockFact`) and supplier payments
(:class:`PaymentFact`). A formula returns a :class:`Measure`: the value (None: nothing to
measure in the span) and how many facts it counted. Labels, targets and which way they point:
:mod:`flexchain.domain.kpi_specs`.

>>> from datetime import date
>>> span = Span(date(2026, 11, 2), date(2026, 11, 8))
>>> on_time = OrderFact("1001", date(2026, 11, 1), date(2026, 11, 4), date(2026, 11, 3))
>>> late = OrderFact("1002", date(2026, 11, 1), date(2026, 11, 5), date(2026, 11, 6))
>>> otif([on_time, late], span, today=date(2026, 11, 8)).value
Decimal('50')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Final

from flexchain.domain.errors import ValidationError

__all__ = [
    "NO_OUTFLOW",
    "BoundaryMove",
    "ForecastPoint",
    "HealthParts",
    "LaunchFact",
    "Measure",
    "OrderFact",
    "PaymentFact",
    "Span",
    "StockFact",
    "cash_conversion_days",
    "custom_fulfilment",
    "days_of_cover",
    "design_to_production",
    "forecast_accuracy",
    "forecast_bias",
    "gross_margin_per_order",
    "health_parts",
    "inventory_health",
    "inventory_turns",
    "order_lead_time",
    "orders_due",
    "otif",
    "payables_days",
    "stock_facts",
    "weeks_ending",
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
class Span:
    """Days ``start`` to ``end``, both included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        return self.end.isoformat()

    def contains(self, day: date | None) -> bool:
        return day is not None and self.start <= day <= self.end


def weeks_ending(end: date, weeks: int) -> list[Span]:
    """``weeks`` spans of seven days, oldest first, the last ending on ``end``.

    >>> [w.label for w in weeks_ending(date(2026, 12, 6), 2)]
    ['2026-11-29', '2026-12-06']
    """
    if weeks < 1:
        raise ValidationError("weeks", f"must be 1 or more, got {weeks}")
    return [
        Span(end - timedelta(days=7 * back + 6), end - timedelta(days=7 * back))
        for back in range(weeks - 1, -1, -1)
    ]


@dataclass(frozen=True)
class Measure:
    """A KPI's value over a span (None: no facts to measure) and how many facts counted."""

    value: Decimal | None
    count: int


@dataclass(frozen=True)
class OrderFact:
    """A sales order (not cancelled) as the KPIs see it: placed, promised, shipped (flexchain
    ships an order whole: shipped means complete), delivered (when someone marked it so),
    whether it has customised lines, its revenue (the subtotal: after discounts, without tax
    and shipping) and the standard cost of its lines (None: an item without a standard cost)."""

    number: str
    placed: date
    promised: date | None
    shipped: date | None
    delivered: date | None = None
    custom: bool = False
    revenue: Decimal = _ZERO
    cost: Decimal | None = None
    currency: str = "EUR"


def orders_due(orders: Iterable[OrderFact], span: Span, today: date) -> list[OrderFact]:
    """Orders whose promise date falls in ``span`` and is not after ``today``: they should
    have shipped by now."""
    return [o for o in orders if span.contains(o.promised) and o.promised is not None
            and o.promised <= today]  # fmt: skip


def on_time_in_full(order: OrderFact) -> bool:
    """Shipped (whole) on or before the promise date."""
    return (
        order.shipped is not None
        and order.promised is not None
        and (order.shipped <= order.promised)
    )


def _share(hits: int, count: int) -> Measure:
    return Measure(None if count == 0 else _HUNDRED * hits / count, count)


def otif(orders: Iterable[OrderFact], span: Span, *, today: date) -> Measure:
    """On time in full, percent: orders due in the span (:func:`orders_due`) that shipped
    whole on or before their promise date, over all orders due in the span."""
    due = orders_due(orders, span, today)
    return _share(sum(1 for o in due if on_time_in_full(o)), len(due))


def custom_fulfilment(orders: Iterable[OrderFact], span: Span, *, today: date) -> Measure:
    """Custom-demand fulfilment, percent: :func:`otif` of the orders with customised lines."""
    return otif([o for o in orders if o.custom], span, today=today)


def order_lead_time(orders: Iterable[OrderFact], span: Span) -> Measure:
    """Order-to-delivery lead time, mean days from placed to delivered (the day it shipped
    when no delivery was recorded), of the orders that reached the customer in the span.

    >>> o = OrderFact("1", date(2026, 11, 1), None, date(2026, 11, 4), date(2026, 11, 6))
    >>> order_lead_time([o], Span(date(2026, 11, 1), date(2026, 11, 7))).value
    Decimal('5')
    """
    days = [
        Decimal((reached - o.placed).days)
        for o in orders
        if (reached := o.delivered or o.shipped) is not None and span.contains(reached)
    ]
    return Measure(_mean(days), len(days))


def gross_margin_per_order(orders: Iterable[OrderFact], span: Span, currency: str) -> Measure:
    """Gross margin per order in ``currency``: (revenue - standard cost of the lines) summed
    over the orders shipped in the span with a known cost in that currency, over their count."""
    counted = [o for o in orders if span.contains(o.shipped) and o.cost is not None
               and o.currency == currency]  # fmt: skip
    margin = sum((o.revenue - (o.cost or _ZERO) for o in counted), _ZERO)
    return Measure(margin / len(counted) if counted else None, len(counted))


@dataclass(frozen=True)
class LaunchFact:
    """A product and when its first production job started (None: none yet)."""

    sku: str
    created: date
    first_job: date | None


def design_to_production(launches: Iterable[LaunchFact], span: Span) -> Measure:
    """Design-to-production time, mean days from a product entering the catalogue to its first
    production job starting, of the products whose first job started in the span."""
    days = [Decimal((x.first_job - x.created).days) for x in launches
            if x.first_job is not None and span.contains(x.first_job)]  # fmt: skip
    return Measure(_mean(days), len(days))


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
    if value <= 0:
        return Measure(None, len(costed))
    return Measure(cogs(costed, weeks) * 52 / weeks / value, len(costed))


def days_of_cover(stock: Sequence[StockFact], weeks: int = HEALTH_WEEKS) -> Measure:
    """Days of cover: the stock's value at standard cost over the cost of a day's outflow
    (the last ``weeks`` weeks' outflow / their days). None when nothing left stock."""
    costed = _costed(stock)
    daily = cogs(costed, weeks) / (7 * weeks)
    if daily <= 0:
        return Measure(None, len(costed))
    return Measure(sum((s.value for s in costed), _ZERO) / daily, len(costed))


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
    costed = [s for s in _costed(stock) if s.on_hand > 0]
    value = sum((s.value for s in costed), _ZERO)
    if value <= 0:
        return Measure(None, len(costed))
    penalty = _ZERO
    for fact in costed:
        parts = health_parts(fact)
        cost = fact.unit_cost or _ZERO
        penalty += (fact.value if parts.slow else _ZERO) + parts.aged * cost
        penalty += fact.value if parts.volatile else _ZERO
        penalty += fact.value if parts.overstock else _ZERO
    return Measure(_HUNDRED - 25 * penalty / value, len(costed))


@dataclass(frozen=True)
class PaymentFact:
    """A supplier invoice paid: its number, supplier, invoice date and the day it was paid."""

    invoice: str
    supplier: str
    invoiced: date
    paid: date


def payables_days(payments: Iterable[PaymentFact], span: Span) -> Measure:
    """Days payable outstanding: mean days from invoice date to payment, of the supplier
    invoices paid in the span."""
    days = [Decimal((p.paid - p.invoiced).days) for p in payments if span.contains(p.paid)]
    return Measure(_mean(days), len(days))


def cash_conversion_days(inventory_days: Decimal | None, payable_days: Decimal | None) -> (
    Decimal | None
):  # fmt: skip
    """Cash conversion cycle in days: days of inventory (:func:`days_of_cover`) + days sales
    outstanding - days payable outstanding (:func:`payables_days`). Days sales outstanding are
    0: storefront orders are paid at checkout. None without either part."""
    if inventory_days is None or payable_days is None:
        return None
    return inventory_days - payable_days


@dataclass(frozen=True)
class ForecastPoint:
    """One stored forecast of a week that has happened: its week, the actual and forecast."""

    period: date
    actual: Decimal
    forecast: Decimal


def forecast_accuracy(points: Iterable[ForecastPoint], span: Span) -> Measure:
    """Forecast accuracy, percent: 100 x (1 - WAPE), WAPE = sum |actual - forecast| / sum
    actual over the forecasts of the weeks in the span (None without demand).

    >>> pts = [ForecastPoint(date(2026, 1, 5), Decimal(8), Decimal(10)),
    ...        ForecastPoint(date(2026, 1, 12), Decimal(12), Decimal(10))]
    >>> forecast_accuracy(pts, Span(date(2026, 1, 5), date(2026, 1, 18))).value
    Decimal('80.0')
    """
    counted = [p for p in points if span.contains(p.period)]
    actual = sum((p.actual for p in counted), _ZERO)
    if actual <= 0:
        return Measure(None, len(counted))
    error = sum((abs(p.actual - p.forecast) for p in counted), _ZERO)
    return Measure(_HUNDRED * (1 - error / actual), len(counted))


def forecast_bias(points: Iterable[ForecastPoint], span: Span) -> Measure:
    """Forecast bias, percent: 100 x sum (forecast - actual) / sum actual over the forecasts
    of the weeks in the span; positive is over-forecasting (None without demand)."""
    counted = [p for p in points if span.contains(p.period)]
    actual = sum((p.actual for p in counted), _ZERO)
    if actual <= 0:
        return Measure(None, len(counted))
    over = sum((p.forecast - p.actual for p in counted), _ZERO)
    return Measure(_HUNDRED * over / actual, len(counted))


def _mean(values: Sequence[Decimal]) -> Decimal | None:
    return sum(values, _ZERO) / len(values) if values else None
