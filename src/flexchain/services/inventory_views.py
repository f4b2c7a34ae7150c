"""Inventory as the control tower shows it: one page of balances, the current plan's ABC-XYZ
matrix with counts and stock value, and one item's chart (weekly demand, the plan's forecast
with its interval, safety stock and reorder point).

Reads go through :class:`flexchain.adapters.db.inventory_views.InventoryViewsStore`; the plan's
figures are what the run stored (``plan_items``), never recomputed: the classes are the forecast
step's, the forecast its weekly means, safety stock and reorder point the policy's. The item's
explanation is :func:`flexchain.services.plan_reports.explain_locations` (``flexchain plan
explain``). ``GET /inventory/balances``, ``GET /inventory/abc-xyz`` and ``GET /items/{sku}/chart``
answer the same views as JSON.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from statistics import NormalDist

import polars as pl

from flexchain.adapters.db import plan_reads
from flexchain.adapters.db.inventory_views import BalanceFilter, BalanceLine, InventoryViewsStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.errors import NotFound, ValidationError
from flexchain.planning.order_demand import SALES_SCHEMA, history_with_sales
from flexchain.services import plan_reports

__all__ = [
    "ABC",
    "INTERVAL_LEVEL",
    "MAX_PER_PAGE",
    "XYZ",
    "BalanceLine",
    "BalancePage",
    "ClassCell",
    "ClassMatrix",
    "ForecastWeek",
    "ItemChart",
    "Week",
    "abc_xyz",
    "balance_page",
    "forecast_interval",
    "item_chart",
]

ABC = ("A", "B", "C")
XYZ = ("X", "Y", "Z")
MAX_PER_PAGE = 500
"""The most balance lines one page lists."""
INTERVAL_LEVEL = 80
"""The forecast interval drawn: mean ± z·sigma at this level (percent), clipped at zero."""
_CENTS = Decimal("0.01")
_MILLI = Decimal("0.001")


@dataclass(frozen=True)
class BalancePage:
    """``total`` balance lines match; ``lines`` are page ``page`` of ``pages`` (``per_page``
    each). ``locations`` and ``kinds`` are what one may filter by; ``run`` the plan whose
    classes ``abc``/``xyz`` filter by."""

    total: int
    page: int
    per_page: int
    pages: int
    lines: tuple[BalanceLine, ...]
    locations: tuple[str, ...]
    kinds: tuple[str, ...]
    run: int | None


@dataclass(frozen=True)
class ClassCell:
    """Items of one ABC-XYZ class in the plan, the units they hold on hand (internal
    locations) and their value at standard cost, per currency (``uncosted``: items with stock
    and no standard cost, left out of the value)."""

    abc: str
    xyz: str
    items: int
    on_hand: Decimal
    value: dict[str, Decimal]
    uncosted: int


@dataclass(frozen=True)
class ClassMatrix:
    """The plan's ABC-XYZ matrix: one cell per class (A-C by X-Z, all nine); ``unclassified``
    items the run gave no class (no forecast)."""

    run: int
    period_start: date
    cells: tuple[ClassCell, ...]
    unclassified: int
    items: int

    def cell(self, abc: str, xyz: str) -> ClassCell:
        return next(c for c in self.cells if c.abc == abc and c.xyz == xyz)


@dataclass(frozen=True)
class Week:
    week: date
    quantity: Decimal


@dataclass(frozen=True)
class ForecastWeek:
    week: date
    mean: Decimal
    low: Decimal
    high: Decimal


@dataclass(frozen=True)
class ItemChart:
    """What the item's chart draws: weekly ``history`` up to the plan's first week, then the
    plan's ``forecast`` with its :data:`INTERVAL_LEVEL` % interval, and the policy's safety
    stock and reorder point (``None`` without a plan record)."""

    sku: str
    name: str
    uom: str
    location: str
    run: int | None
    history: tuple[Week, ...]
    forecast: tuple[ForecastWeek, ...]
    level: int
    sigma: Decimal | None
    model: str | None
    abc: str | None
    xyz: str | None
    pattern: str | None
    safety_stock: Decimal | None
    reorder_point: Decimal | None


def _check_class(field: str, value: str | None, allowed: tuple[str, ...]) -> None:
    if value and value not in allowed:
        raise ValidationError(field, f"unknown class {value!r}; one of {', '.join(allowed)}")


def balance_page(
    uow: UnitOfWork,
    *,
    now: datetime,
    text: str | None = None,
    location: str | None = None,
    kind: str | None = None,
    abc: str | None = None,
    xyz: str | None = None,
    sku: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> BalancePage:
    """Balances per item and internal location, by SKU then location, filtered by ``text`` (in
    the SKU or name), ``location`` (a code), ``kind`` (the item's) and the current plan's
    classes ``abc``/``xyz``, or one item (``sku``, exactly); page ``page`` of ``per_page``.
    Raises :class:`ValidationError` naming a bad filter."""
    _check_class("abc", abc, ABC)
    _check_class("xyz", xyz, XYZ)
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise ValidationError("per_page", f"must be from 1 to {MAX_PER_PAGE}, not {per_page}")
    if page < 1:
        raise ValidationError("page", f"must be 1 or more, not {page}")
    run = plan_reads.current_run(uow) if abc or xyz else None
    store = InventoryViewsStore(uow.session)
    wanted = BalanceFilter(
        (text or "").strip() or None, location or None, kind or None, abc or None, xyz or None,
        run.id if run else None, sku or None, offset=(page - 1) * per_page, limit=per_page,
    )  # fmt: skip
    lines: list[BalanceLine] = []
    if (abc or xyz) and run is None:
        total = 0  # no plan: no item has a class
    else:
        total, lines = store.balance_page(wanted, now=now)
    return BalancePage(
        total,
        page,
        per_page,
        max(1, -(-total // per_page)),
        tuple(lines),
        tuple(store.locations()),
        tuple(store.item_kinds()),
        run.id if run else None,
    )


def abc_xyz(uow: UnitOfWork, *, run_id: int | None = None) -> ClassMatrix:
    """The current plan's (or ``run_id``'s) ABC-XYZ matrix of its items at their home location.
    Raises :class:`NotFound` when there is no such plan."""
    run = plan_reports.current_run(uow, run_id)
    store = InventoryViewsStore(uow.session)
    classes = store.run_classes(run.id, run.started_at)
    held = store.stock_by_item()
    counts: dict[tuple[str, str], int] = defaultdict(int)
    units: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    values: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(dict)
    uncosted: dict[tuple[str, str], int] = defaultdict(int)
    for item_id, key in classes.items():
        if key[0] not in ABC or key[1] not in XYZ:
            continue
        counts[key] += 1
        stock = held.get(item_id)
        if stock is None or not stock.on_hand:
            continue
        units[key] += stock.on_hand
        if stock.unit_cost is None:
            uncosted[key] += 1
            continue
        worth = values[key]
        worth[stock.currency] = worth.get(stock.currency, Decimal(0)) + (
            stock.on_hand * stock.unit_cost
        )
    planned = store.planned_items(run.id)
    classified = sum(counts.values())
    cells = tuple(
        ClassCell(
            a,
            x,
            counts[(a, x)],
            units[(a, x)],
            {cur: v.quantize(_CENTS) for cur, v in sorted(values[(a, x)].items())},
            uncosted[(a, x)],
        )
        for a in ABC
        for x in XYZ
    )
    return ClassMatrix(run.id, run.period_start, cells, planned - classified, planned)


def forecast_interval(
    weekly: list[Decimal], sigma: Decimal | None, level: int = INTERVAL_LEVEL
) -> list[tuple[Decimal, Decimal]]:
    """(low, high) of each week: ``mean ± z·sigma`` at ``level`` percent (two-sided), clipped
    at zero and rounded to the thousandth; the mean itself when there is no ``sigma``.

    >>> forecast_interval([Decimal(10)], Decimal(2))
    [(Decimal('7.437'), Decimal('12.563'))]
    """
    if not 0 < level < 100:
        raise ValidationError("level", f"must be between 0 and 100, not {level}")
    z = Decimal(repr(NormalDist().inv_cdf(0.5 + level / 200)))
    spread = (sigma or Decimal(0)) * z
    return [
        (max(mean - spread, Decimal(0)).quantize(_MILLI), (mean + spread).quantize(_MILLI))
        for mean in weekly
    ]


def item_chart(
    uow: UnitOfWork,
    sku: str,
    *,
    today: date,
    location: str | None = None,
    weeks: int = 52,
    run_id: int | None = None,
) -> ItemChart:
    """The chart of one item at ``location`` (a code; default its home location) in the current
    plan (or ``run_id``): ``weeks`` weeks of demand before the plan's first week (before this
    week without a plan), then the plan's forecast, safety stock and reorder point.

    Demand is what the plan forecasts from: imported weekly history, plus order lines in the
    weeks it does not cover (:func:`~flexchain.planning.order_demand.history_with_sales`), at
    the buffer's location (the home location takes demand anywhere else that is not a stocking
    location). Raises :class:`NotFound` for an unknown item or location."""
    if not 1 <= weeks <= 260:
        raise ValidationError("weeks", f"must be from 1 to 260, not {weeks}")
    store = InventoryViewsStore(uow.session)
    item = store.item(sku)
    if item is None:
        raise NotFound(f"unknown item {sku!r}")
    home, codes = store.buffer_codes()
    buffer = "" if location in (None, "", home) else location
    if buffer and buffer not in codes.values():
        raise NotFound(f"unknown stocking location {location!r}")
    run = plan_reads.current_run(uow, run_id)
    if run_id is not None and run is None:
        raise NotFound(f"no complete plan {run_id}")
    start = run.period_start if run else today - timedelta(days=today.weekday())
    history = _history(store, item.id, codes, buffer, start - timedelta(weeks=weeks), start)
    records = plan_reads.items_of(uow, run.id, item.id) if run else []
    record = next((r for r in records if r.location == buffer), None)
    if record is None:
        return ItemChart(
            item.sku, item.name, item.uom, buffer or home, run.id if run else None, history,
            (), INTERVAL_LEVEL, None, None, None, None, None, None, None,
        )  # fmt: skip
    stored = record.explanation.get("forecast", {})
    weekly = [Decimal(v) for v in stored.get("weekly", [])]
    sigma = Decimal(stored["sigma"]) if stored.get("sigma") else None
    bounds = forecast_interval(weekly, sigma)
    forecast = tuple(
        ForecastWeek(start + timedelta(weeks=i), mean, low, high)
        for i, (mean, (low, high)) in enumerate(zip(weekly, bounds, strict=True))
    )
    return ItemChart(
        item.sku, item.name, item.uom, buffer or home, run.id if run else None, history,
        forecast, INTERVAL_LEVEL, sigma, record.model, stored.get("abc"), stored.get("xyz"),
        stored.get("pattern"), record.safety_stock, record.reorder_point,
    )  # fmt: skip


def _history(
    store: InventoryViewsStore,
    item_id: int,
    codes: dict[int, str],
    buffer: str,
    since: date,
    before: date,
) -> tuple[Week, ...]:
    """Every week from ``since`` to before ``before`` with the item's demand at ``buffer``
    (zero where none)."""
    imported = pl.DataFrame(
        [
            (item_id, at, week, float(q))
            for at, week, q in store.imported_demand(item_id, since, before)
        ],
        schema=SALES_SCHEMA,
        orient="row",
    )
    sales = []
    for at, when, quantity in store.sales(item_id):
        day = when.date()
        week = day - timedelta(days=day.weekday())
        if since <= week < before:
            sales.append((item_id, at or 0, week, float(quantity)))
    weekly = history_with_sales(imported, pl.DataFrame(sales, schema=SALES_SCHEMA, orient="row"))
    totals: dict[date, float] = defaultdict(float)
    for _, at, week, quantity in weekly.iter_rows():
        if codes.get(at, "") == buffer:
            totals[week] += quantity
    count = (before - since).days // 7
    return tuple(
        Week(week, Decimal(repr(round(totals.get(week, 0.0), 3))).quantize(_MILLI).normalize() + 0)
        for week in (since + timedelta(weeks=i) for i in range(count))
    )
