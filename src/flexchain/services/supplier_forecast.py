"""The rolling forecast the brand shares with a supplier: for the next weeks (12 by default, from
the ISO week of ``now``), per item the supplier is shown, the demand forecast and the purchases
and production the current plan places at the supplier.

What "shared" means: a supplier sees an item when it has terms for it (an item-supplier term or
a contract price) or the plan places the item's orders at it. The plan places an item where a
planning run takes its lead time from (:func:`flexchain.planning.supply.supply_terms`): a made
item (finished product, module) at its default supplier; a bought item at the supplier of its
chosen term — the default supplier's, else the first recorded — else at its default supplier.
Only that supplier sees the item's planned orders; every supplier shown the item sees its
forecast.

Load (one read each: the supplier in the unit of work's scope, its items, the current plan's
forecasts and planned orders of them), decide (the pure functions below), return a
:class:`SupplierForecast`. Weeks run Monday to Sunday; a planned order counts in the week of its
due date, one due before the first week in ``overdue``; a forecast (the weekly means a run
stored from its origin week on, summed over the item's locations) is ``None`` in a week the
run did not forecast.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flexchain.adapters.db import plan_reads
from flexchain.adapters.db.supplier_forecast import (
    ForecastRecord,
    ItemRecord,
    PlannedRecord,
    SqlSupplierForecastStore,
)
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.checks import optional_code
from flexchain.domain.errors import ValidationError
from flexchain.domain.values import utc
from flexchain.planning.supply import MADE_KINDS

__all__ = [
    "FORECAST_WEEKS",
    "ForecastLine",
    "ForecastWeek",
    "SupplierForecast",
    "planning_supplier",
    "supplier_forecast",
    "weeks_from",
]

FORECAST_WEEKS = 12
"""Weeks the portal shows: the trade's rolling quarter."""
MAX_WEEKS = 52
PLANNED_KINDS = ("purchase", "production")
_ZERO = Decimal(0)


@dataclass(frozen=True)
class ForecastWeek:
    monday: date
    iso: str
    """``2026-W49``."""


@dataclass(frozen=True)
class ForecastLine:
    """One item: its forecast and the orders planned at the supplier, per week."""

    sku: str
    name: str
    uom: str
    planned_here: bool
    """The plan places this item's orders at the supplier (else only its forecast is shown)."""
    forecast: tuple[Decimal | None, ...]
    purchases: tuple[Decimal, ...]
    production: tuple[Decimal, ...]
    overdue: Decimal
    """Planned at the supplier and due before the first week (still to deliver)."""

    @property
    def planned_total(self) -> Decimal:
        return sum(self.purchases, _ZERO) + sum(self.production, _ZERO) + self.overdue

    @property
    def forecast_total(self) -> Decimal | None:
        known = [value for value in self.forecast if value is not None]
        return sum(known, _ZERO) if known else None


@dataclass(frozen=True)
class SupplierForecast:
    supplier: str
    name: str
    run_id: int | None
    """The current plan (``None``: no planning run has completed yet)."""
    planned_at: datetime | None
    weeks: tuple[ForecastWeek, ...]
    lines: tuple[ForecastLine, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "supplier": self.supplier,
            "name": self.name,
            "run_id": self.run_id,
            "planned_at": self.planned_at,
            "weeks": [week.iso for week in self.weeks],
            "lines": [
                {
                    **asdict(line),
                    "forecast_total": line.forecast_total,
                    "planned_total": line.planned_total,
                }
                for line in self.lines
            ],
        }


def weeks_from(day: date, count: int = FORECAST_WEEKS) -> tuple[ForecastWeek, ...]:
    """``count`` ISO weeks from the one holding ``day``.

    >>> [w.iso for w in weeks_from(date(2026, 12, 30), 2)]
    ['2026-W53', '2027-W01']
    """
    monday = day - timedelta(days=day.weekday())
    weeks = []
    for k in range(count):
        start = monday + timedelta(weeks=k)
        year, week, _ = start.isocalendar()
        weeks.append(ForecastWeek(start, f"{year}-W{week:02d}"))
    return tuple(weeks)


def planning_supplier(item: ItemRecord) -> int | None:
    """The supplier the plan places ``item``'s orders at (see the module's docstring)."""
    if item.kind in MADE_KINDS:
        return item.default_supplier_id
    if item.default_supplier_id in item.term_suppliers:
        return item.default_supplier_id
    if item.term_suppliers:
        return item.term_suppliers[0]
    return item.default_supplier_id


def _weekly(record: ForecastRecord, weeks: Sequence[ForecastWeek]) -> list[Decimal | None]:
    """The record's means in ``weeks`` (``None`` outside what it forecast)."""
    try:
        means = [Decimal(value) for value in record.weekly.split(",") if value.strip()]
    except InvalidOperation:
        means = []  # a damaged row forecasts nothing rather than failing the page
    origin = record.origin - timedelta(days=record.origin.weekday())
    values: list[Decimal | None] = []
    for week in weeks:
        k = (week.monday - origin).days // 7
        values.append(means[k] if 0 <= k < len(means) else None)
    return values


def _add(total: list[Decimal | None], more: Iterable[Decimal | None]) -> list[Decimal | None]:
    return [a if b is None else b if a is None else a + b for a, b in zip(total, more, strict=True)]


def _line(
    item: ItemRecord,
    here: bool,
    forecasts: Sequence[ForecastRecord],
    planned: Sequence[PlannedRecord],
    weeks: Sequence[ForecastWeek],
) -> ForecastLine:
    forecast: list[Decimal | None] = [None] * len(weeks)
    for record in forecasts:
        forecast = _add(forecast, _weekly(record, weeks))
    index = {week.monday: k for k, week in enumerate(weeks)}
    buckets = {kind: [_ZERO] * len(weeks) for kind in PLANNED_KINDS}
    overdue = _ZERO
    for order in planned if here else ():
        k = index.get(order.due_date - timedelta(days=order.due_date.weekday()))
        if k is not None:
            buckets[order.kind][k] += order.quantity
        elif order.due_date < weeks[0].monday:
            overdue += order.quantity
    return ForecastLine(
        item.sku,
        item.name,
        item.uom,
        here,
        tuple(forecast),
        tuple(buckets["purchase"]),
        tuple(buckets["production"]),
        overdue,
    )


def supplier_forecast(
    uow: UnitOfWork,
    *,
    supplier: str | None = None,
    now: datetime,
    weeks: int = FORECAST_WEEKS,
) -> SupplierForecast:
    """The forecast shared with ``supplier`` (a supplier's user: its own) for ``weeks`` weeks
    from the week of ``now``, from the current plan."""
    now = utc(now, "now")
    if isinstance(weeks, bool) or not isinstance(weeks, int) or not 1 <= weeks <= MAX_WEEKS:
        raise ValidationError("weeks", f"a whole number of weeks from 1 to {MAX_WEEKS}")
    store = SqlSupplierForecastStore(uow)
    found = store.supplier(optional_code(supplier, "supplier"))
    calendar = weeks_from(now.date(), weeks)
    run = plan_reads.current_run(uow)
    items = store.items(found.id)
    here = {item.id for item in items if planning_supplier(item) == found.id}
    shown = [item for item in items if item.id in here or found.id in item.term_suppliers
             or item.contract]  # fmt: skip
    ids = [item.id for item in shown]
    forecasts = store.forecasts(run.id, ids) if run else []
    planned = store.planned(run.id, here, PLANNED_KINDS) if run else []
    by_item_f: dict[int, list[ForecastRecord]] = {}
    for record in forecasts:
        by_item_f.setdefault(record.item_id, []).append(record)
    by_item_p: dict[int, list[PlannedRecord]] = {}
    for order in planned:
        by_item_p.setdefault(order.item_id, []).append(order)
    lines = tuple(
        _line(
            item, item.id in here, by_item_f.get(item.id, ()), by_item_p.get(item.id, ()), calendar
        )
        for item in shown
    )
    return SupplierForecast(
        found.code,
        found.name,
        run.id if run else None,
        run.finished_at if run else None,
        calendar,
        lines,
    )
