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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flexchain.domain.kpi_measure import Measure, Span, weeks_ending
from flexchain.domain.kpi_stock import (
    AGED_DAYS,
    HEALTH_WEEKS,
    NO_OUTFLOW,
    OVERSTOCK_WEEKS,
    RECENT_WEEKS,
    VOLATILE_CV,
    BoundaryMove,
    HealthParts,
    StockFact,
    StockTotals,
    cogs,
    cover_of,
    days_of_cover,
    health_of,
    health_parts,
    inventory_health,
    inventory_turns,
    largest_first,
    stock_facts,
    totals_of,
    turns_of,
)

__all__ = [
    "AGED_DAYS",
    "HEALTH_WEEKS",
    "NO_OUTFLOW",
    "OVERSTOCK_WEEKS",
    "RECENT_WEEKS",
    "VOLATILE_CV",
    "BoundaryMove",
    "ForecastPoint",
    "ForecastWeek",
    "HealthParts",
    "LaunchFact",
    "Measure",
    "OrderFact",
    "PaymentFact",
    "Span",
    "StockFact",
    "StockTotals",
    "cash_conversion_days",
    "cogs",
    "cover_of",
    "custom_fulfilment",
    "days_of_cover",
    "design_to_production",
    "forecast_accuracy",
    "forecast_bias",
    "gross_margin_per_order",
    "health_of",
    "health_parts",
    "inventory_health",
    "inventory_turns",
    "largest_first",
    "order_lead_time",
    "orders_due",
    "otif",
    "payables_days",
    "perfect",
    "perfect_order_rate",
    "stock_facts",
    "totals_of",
    "turns_of",
    "weekly_forecast_accuracy",
    "weekly_forecast_bias",
    "weeks_ending",
]

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)


@dataclass(frozen=True)
class OrderFact:
    """A sales order (not cancelled) as the KPIs see it: placed, promised, shipped (flexchain
    ships an order whole: shipped means complete), delivered (when someone marked it so),
    whether it has customised lines, its revenue (the subtotal: after discounts, without tax
    and shipping), the standard cost of its lines (None: an item without a standard cost) and
    the issues reported on it."""

    number: str
    placed: date
    promised: date | None
    shipped: date | None
    delivered: date | None = None
    custom: bool = False
    revenue: Decimal = _ZERO
    cost: Decimal | None = None
    currency: str = "EUR"
    issues: tuple[str, ...] = ()
    """The kinds of issue reported on it (damaged, wrong_customisation, incomplete, other)."""


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


def perfect(order: OrderFact) -> bool:
    """On time in full (:func:`on_time_in_full`) and no issue reported on it: nothing arrived
    damaged, with the wrong customisation, incomplete or otherwise wrong."""
    return on_time_in_full(order) and not order.issues


def perfect_order_rate(orders: Iterable[OrderFact], span: Span, *, today: date) -> Measure:
    """Perfect order rate, percent: of the orders due in the span (:func:`orders_due`, OTIF's
    orders), those :func:`perfect`, over all of them.

    >>> span = Span(date(2026, 11, 2), date(2026, 11, 8))
    >>> good = OrderFact("1", date(2026, 11, 1), date(2026, 11, 4), date(2026, 11, 3))
    >>> torn = OrderFact("2", date(2026, 11, 1), date(2026, 11, 4), date(2026, 11, 3),
    ...                  issues=("damaged",))
    >>> perfect_order_rate([good, torn], span, today=date(2026, 11, 8)).value
    Decimal('50')
    """
    due = orders_due(orders, span, today)
    return _share(sum(1 for o in due if perfect(o)), len(due))


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
    """A product, when it entered the catalogue and when its first production job started
    (None: none yet)."""

    sku: str
    created: date
    first_job: date | None

    @property
    def new(self) -> bool:
        """Entered the catalogue before its first job: its design-to-production time is
        known. A product whose job started before its catalogue entry (a catalogue imported
        once production had begun, as the demo's) has no design start flexchain knows of."""
        return self.first_job is None or self.created <= self.first_job


def design_to_production(launches: Iterable[LaunchFact], span: Span) -> Measure:
    """Design-to-production time, mean days from a new product (:attr:`LaunchFact.new`)
    entering the catalogue to its first production job starting, of the new products whose
    first job started in the span."""
    days = [Decimal((x.first_job - x.created).days) for x in launches
            if x.first_job is not None and x.new and span.contains(x.first_job)]  # fmt: skip
    return Measure(_mean(days), len(days))


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


@dataclass(frozen=True)
class ForecastWeek:
    """The stored forecasts of one week that has happened, added up: how many, the sum of
    actuals, of absolute errors and of forecast minus actual."""

    period: date
    count: int
    actual: Decimal
    error: Decimal
    over: Decimal


def _summed(weeks: Iterable[ForecastWeek], span: Span) -> tuple[int, Decimal, Decimal, Decimal]:
    counted = [w for w in weeks if span.contains(w.period)]
    return (
        sum(w.count for w in counted),
        sum((w.actual for w in counted), _ZERO),
        sum((w.error for w in counted), _ZERO),
        sum((w.over for w in counted), _ZERO),
    )


def weekly_forecast_accuracy(weeks: Iterable[ForecastWeek], span: Span) -> Measure:
    """:func:`forecast_accuracy` from the weeks' sums (the same figure, added up per week)."""
    count, actual, error, _ = _summed(weeks, span)
    if actual <= 0:
        return Measure(None, count)
    return Measure(_HUNDRED * (1 - error / actual), count)


def weekly_forecast_bias(weeks: Iterable[ForecastWeek], span: Span) -> Measure:
    """:func:`forecast_bias` from the weeks' sums."""
    count, actual, _, over = _summed(weeks, span)
    if actual <= 0:
        return Measure(None, count)
    return Measure(_HUNDRED * over / actual, count)


def _mean(values: Sequence[Decimal]) -> Decimal | None:
    return sum(values, _ZERO) / len(values) if values else None
