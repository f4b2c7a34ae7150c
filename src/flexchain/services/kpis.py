"""The control tower's KPIs against their targets, with a weekly trend and the rows behind each.

:func:`kpis` measures every KPI of :data:`flexchain.domain.kpi_specs.SPECS` over a window of
``weeks`` weeks ending on ``period_end`` (the value) and over each of those weeks (the trend);
:func:`kpi_rows` lists the rows one KPI was computed from. The facts are read once through
:class:`flexchain.adapters.db.kpis.SqlKpiStore` (:mod:`flexchain.services.kpi_world`); the
formulas are
:mod:`flexchain.domain.kpis`. Forecast accuracy measures the stored forecasts of earlier plan
runs with :func:`flexchain.planning.accuracy.forecast_errors`; supplier agility and on-time
rate add up the suppliers' scorecards (:mod:`flexchain.services.scorecards`), per month.
Read-only; ``period_end`` stands for today (orders promised after it do not count yet).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flexchain.adapters.db.kpis import SqlKpiStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.config import Settings
from flexchain.domain import kpis as f
from flexchain.domain.errors import NotFound, ValidationError
from flexchain.domain.kpi_specs import SPECS, meets, targets_of
from flexchain.domain.kpis import Measure, Span
from flexchain.services.kpi_world import EARLIEST, LATEST, MAX_WEEKS, SUPPLIER_MONTHS
from flexchain.services.kpi_world import Stock as _Stock
from flexchain.services.kpi_world import World as _World

__all__ = [
    "EARLIEST",
    "LATEST",
    "MAX_WEEKS",
    "SUPPLIER_MONTHS",
    "KpiRows",
    "KpiView",
    "TrendPoint",
    "kpi_rows",
    "kpi_with_rows",
    "kpis",
    "week_kpis",
]

_NO_DATA = {
    "perfect_order_rate": "no orders were promised in the period",
    "otif": "no orders were promised in the period",
    "custom_fulfilment": "no orders with customised lines were promised in the period",
    "order_lead_time": "no orders shipped or were delivered in the period",
    "design_to_production": "no new product (entered in the catalogue before its first job) "
    "started its first production job in the period",
    "inventory_turns": "no stock with a standard cost, or nothing left stock in 13 weeks",
    "days_of_cover": "nothing with a standard cost left stock in the last 13 weeks",
    "inventory_health": "no stock with a standard cost",
    "forecast_accuracy": "no stored forecast of a week that has happened: run a plan each week",
    "forecast_bias": "no stored forecast of a week that has happened: run a plan each week",
    "gross_margin_per_order": "no order with a standard cost of its lines shipped in the period",
    "cash_conversion_days": "needs days of cover and supplier invoices paid in the period",
    "supplier_agility": "no first piece was delivered in the period",
    "supplier_on_time": "no PO line was due in the period",
}


@dataclass(frozen=True)
class TrendPoint:
    """A KPI's value over one period of its trend (a week ending ``period``, or a month)."""

    period: str
    value: Decimal | None


@dataclass(frozen=True)
class KpiView:
    """One KPI: its value over the window (None: no data, ``note`` says why), unit, target
    (None: none set), whether the value meets it, the weekly trend (monthly for suppliers), its
    formula in plain words and where its rows are."""

    key: str
    label: str
    value: Decimal | None
    unit: str
    target: Decimal | None
    direction: str
    """Which way the target points: ``at least``, ``at most``, ``within`` (plus or minus)."""
    meets: bool | None
    trend: tuple[TrendPoint, ...]
    formula: str
    rows_link: str
    count: int = 0
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class KpiRows:
    """What one KPI was computed from over the window: ``columns`` and one dict per row."""

    key: str
    label: str
    since: date
    until: date
    columns: tuple[str, ...]
    rows: tuple[dict[str, Any], ...]
    note: str = ""
    total: int = 0
    """How many rows there are (``rows`` may hold only some of them)."""
    offset: int = 0
    """How many rows came before ``rows`` (``rows`` are those from ``offset + 1`` on)."""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _cover(world: _World, span: Span) -> Measure:
    return world.totals(span.end).cover()


def _cash(world: _World, span: Span) -> Measure:
    cover = _cover(world, span).value
    payable = f.payables_days(world.payments, span)
    return Measure(f.cash_conversion_days(cover, payable.value), payable.count)


_Formula = Callable[[_World, Span], Measure]
_FORMULAS: dict[str, _Formula] = {
    "perfect_order_rate": lambda w, s: f.perfect_order_rate(w.orders, s, today=w.window.end),
    "otif": lambda w, s: f.otif(w.orders, s, today=w.window.end),
    "order_lead_time": lambda w, s: f.order_lead_time(w.orders, s),
    "custom_fulfilment": lambda w, s: f.custom_fulfilment(w.orders, s, today=w.window.end),
    "design_to_production": lambda w, s: f.design_to_production(w.launches, s),
    "inventory_turns": lambda w, s: w.totals(s.end).turns(),
    "days_of_cover": _cover,
    "inventory_health": lambda w, s: w.totals(s.end).health(),
    "forecast_accuracy": lambda w, s: f.weekly_forecast_accuracy(w.forecast_weeks, s),
    "forecast_bias": lambda w, s: f.weekly_forecast_bias(w.forecast_weeks, s),
    "gross_margin_per_order": lambda w, s: f.gross_margin_per_order(w.orders, s, w.currency),
    "cash_conversion_days": _cash,
}
_SUPPLIER_FIGURES = {"supplier_agility": "agility", "supplier_on_time": "otif"}


def _supplier_measures(world: _World, figure: str) -> tuple[Measure, list[TrendPoint]]:
    """The scorecards' figure of every supplier added up, weighted by the events each counted:
    over the months together, and per month (oldest first)."""
    sums: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for card in world.cards:
        one = card.figure(figure)
        if one.value is not None and one.events:
            sums[card.period][0] += one.value * one.events
            sums[card.period][1] += one.events
    periods = sorted({card.period for card in world.cards})
    trend = [TrendPoint(p, sums[p][0] / sums[p][1] if sums[p][1] else None) for p in periods]
    weighted = sum((sums[p][0] for p in periods), Decimal(0))
    events = sum((sums[p][1] for p in periods), Decimal(0))
    return Measure(weighted / events if events else None, int(events)), trend


def _round(value: Decimal | None, unit: str) -> Decimal | None:
    if value is None:
        return None
    return value.quantize(
        Decimal("0.01") if unit not in ("%", "days", "h", "/100") else Decimal("0.1")
    )


def _targets(settings: Settings) -> dict[str, Decimal]:
    defaults = {
        "supplier_agility": settings.agility_target_hours,
        "supplier_on_time": settings.on_time_target * 100,
    }
    return targets_of({**defaults, **settings.kpi_targets})


def _margin_note(world: _World) -> str:
    shipped = [o for o in world.orders if world.window.contains(o.shipped)]
    left = [o for o in shipped if o.cost is None or o.currency != world.currency]
    if not left:
        return ""
    return (
        f"leaves out {len(left)} of {len(shipped)} shipped orders (an item without a standard "
        f"cost, or not in {world.currency})"
    )


def _view(world: _World, key: str, target: Decimal | None) -> KpiView:
    spec = SPECS[key]
    unit = world.currency if key == "gross_margin_per_order" else spec.unit
    if key in _SUPPLIER_FIGURES:
        measure, trend = _supplier_measures(world, _SUPPLIER_FIGURES[key])
    else:
        measure = _FORMULAS[key](world, world.window)
        trend = [TrendPoint(week.label, _FORMULAS[key](world, week).value) for week in world.weeks]
    value = _round(measure.value, unit)
    note = _NO_DATA[key] if value is None else ""
    if key == "gross_margin_per_order" and value is not None:
        note = _margin_note(world)
    return KpiView(
        key=key,
        label=spec.label,
        value=value,
        unit=unit,
        target=target,
        direction=spec.direction,
        meets=meets(key, value, target),
        trend=tuple(TrendPoint(p.period, _round(p.value, unit)) for p in trend),
        formula=spec.formula,
        rows_link=f"/kpis/{key}/rows?period_end={world.window.end}&weeks={len(world.weeks)}",
        count=measure.count,
        note=note,
    )


def kpis(
    uow: UnitOfWork,
    *,
    period_end: date,
    weeks: int = 12,
    settings: Settings,
    keys: Sequence[str] | None = None,
) -> list[KpiView]:
    """Every KPI (or those of ``keys``) over the ``weeks`` weeks ending on ``period_end``, with
    its weekly trend and target (``settings.kpi_targets`` over the defaults), in the
    Overview's order.

    Raises
    ------
    ValidationError
        ``weeks`` is not 1 to 104, ``period_end`` not in 2000-2999, or a target in the
        settings is unknown or not a number.
    NotFound
        One of ``keys`` is no KPI.
    """
    targets = _targets(settings)
    world = _World(uow, period_end, weeks, settings)
    for key in keys or ():
        if key not in SPECS:
            raise NotFound(f"unknown KPI {key!r}; one of {', '.join(SPECS)}")
    return [_view(world, key, targets.get(key)) for key in SPECS if keys is None or key in keys]


def week_kpis(
    uow: UnitOfWork, *, week_ends: Sequence[date], settings: Settings
) -> list[list[KpiView]]:
    """Every KPI over each one-week window ending on a day of ``week_ends`` (the weekly report:
    its week and the week before): for each, what ``kpis(uow, period_end=day, weeks=1, ...)``
    answers, with the stock ledger read once for them all.

    Raises
    ------
    ValidationError
        As :func:`kpis`.
    """
    targets = _targets(settings)
    shared = _Stock(SqlKpiStore(uow), week_ends)
    worlds = [_World(uow, end, 1, settings, shared) for end in week_ends]
    return [[_view(world, key, targets.get(key)) for key in SPECS] for world in worlds]


def _order_rows(world: _World, custom_only: bool) -> list[dict[str, Any]]:
    due = f.orders_due(world.orders, world.window, world.window.end)
    return [
        {"order": o.number, "placed": o.placed, "promised": o.promised, "shipped": o.shipped,
         "custom": o.custom, "on_time_in_full": f.on_time_in_full(o)}
        for o in due
        if o.custom or not custom_only
    ]  # fmt: skip


def _perfect_rows(world: _World) -> list[dict[str, Any]]:
    due = f.orders_due(world.orders, world.window, world.window.end)
    return [
        {"order": o.number, "promised": o.promised, "shipped": o.shipped,
         "on_time_in_full": f.on_time_in_full(o), "issues": ", ".join(o.issues),
         "perfect": f.perfect(o)}
        for o in due
    ]  # fmt: skip


def _lead_rows(world: _World) -> list[dict[str, Any]]:
    rows = []
    for o in world.orders:
        reached = o.delivered or o.shipped
        if reached is not None and world.window.contains(reached):
            rows.append({"order": o.number, "placed": o.placed, "shipped": o.shipped,
                         "delivered": o.delivered, "days": (reached - o.placed).days})  # fmt: skip
    return rows


def _margin_rows(world: _World) -> list[dict[str, Any]]:
    return [
        {"order": o.number, "shipped": o.shipped, "currency": o.currency, "revenue": o.revenue,
         "cost": o.cost, "margin": None if o.cost is None else o.revenue - o.cost,
         "counted": o.cost is not None and o.currency == world.currency}
        for o in world.orders
        if world.window.contains(o.shipped)
    ]  # fmt: skip


def _stock_rows(
    world: _World, limit: int | None, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """Each item's stock figures, largest stock value first (then by SKU; items without a
    standard cost last); only the ``limit`` after the first ``offset`` are worked out (all:
    None)."""
    ledger, end = world.ledger, world.window.end
    first = None if limit is None else offset + limit
    try:
        top, total = world.shared.arrays.largest_first(ledger.skus, end, first)
        top = top[offset:]
        wanted = set(top)
        on_hand = ledger.on_hand_of(wanted)
        found = f.stock_facts(on_hand, ledger.moves_of(wanted), ledger.skus, ledger.costs, end)
        by_sku = {fact.sku: fact for fact in found}
        facts = [by_sku[ledger.skus.get(item, str(item))] for item in top]
    except OverflowError:  # beyond 64-bit integers: item by item
        facts, total = f.largest_first(ledger.on_hand, ledger.moves, ledger.skus, ledger.costs,
                                       end, first)  # fmt: skip
        facts = facts[offset:]
    rows = []
    for fact in facts:
        parts = f.health_parts(fact)
        out = sum(fact.weekly_out, Decimal(0))
        recent = sum(fact.weekly_out[-f.RECENT_WEEKS :], Decimal(0)) / f.RECENT_WEEKS
        # days of cover as the headline counts them (13 weeks' outflow); weeks of cover at the
        # last 4 weeks' rate is the overstock test's figure
        days = None if out == 0 else _round(fact.on_hand * 7 * f.HEALTH_WEEKS / out, "days")
        rows.append({
            "sku": fact.sku, "on_hand": fact.on_hand, "unit_cost": fact.unit_cost,
            "value": None if fact.unit_cost is None else fact.value, "outflow_13w": out,
            "days_of_cover": days,
            "weeks_of_cover": None if recent == 0 else _round(fact.on_hand / recent, "days"),
            "slow": parts.slow, "aged": parts.aged, "volatile": parts.volatile,
            "overstock": parts.overstock,
        })  # fmt: skip
    return rows, total


def _forecast_rows(world: _World) -> list[dict[str, Any]]:
    sums: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 3)
    for sku, location, point in world.forecasts:
        if world.window.contains(point.period):
            line = sums[(sku, location)]
            line[0] += point.actual
            line[1] += point.forecast
            line[2] += abs(point.actual - point.forecast)
    ranked = sorted(sums.items(), key=lambda kv: (-kv[1][2], kv[0]))
    return [
        {"sku": sku, "location": location, "actual": a, "forecast": fc, "abs_error": e}
        for (sku, location), (a, fc, e) in ranked
    ]


def _supplier_rows(world: _World, figure: str) -> list[dict[str, Any]]:
    rows = []
    for card in world.cards:
        one = card.figure(figure)
        rows.append({"supplier": card.supplier, "name": card.name, "period": card.period,
                     "value": one.value, "events": one.events, "detail": one.detail})  # fmt: skip
    return rows


_STOCK_ROWS = frozenset({"inventory_turns", "days_of_cover", "inventory_health"})
_ROWS: dict[str, Callable[[_World], list[dict[str, Any]]]] = {
    "perfect_order_rate": _perfect_rows,
    "otif": lambda w: _order_rows(w, False),
    "custom_fulfilment": lambda w: _order_rows(w, True),
    "order_lead_time": _lead_rows,
    "design_to_production": lambda w: [  # the new products (the ones counted) first
        {
            "sku": x.sku,
            "created": x.created,
            "first_job": x.first_job,
            "days": None if x.first_job is None else (x.first_job - x.created).days,
            "new": x.new,
        }
        for x in sorted(w.launches, key=lambda x: not x.new)
    ],
    "forecast_accuracy": _forecast_rows,
    "forecast_bias": _forecast_rows,
    "gross_margin_per_order": _margin_rows,
    "cash_conversion_days": lambda w: [
        {
            "invoice": p.invoice,
            "supplier": p.supplier,
            "invoiced": p.invoiced,
            "paid": p.paid,
            "days": (p.paid - p.invoiced).days,
        }
        for p in w.payments
    ],
    "supplier_agility": lambda w: _supplier_rows(w, "agility"),
    "supplier_on_time": lambda w: _supplier_rows(w, "otif"),
}


def kpi_rows(
    uow: UnitOfWork,
    key: str,
    *,
    period_end: date,
    weeks: int = 12,
    settings: Settings,
    limit: int | None = None,
    offset: int = 0,
) -> KpiRows:
    """The rows KPI ``key`` was computed from over the ``weeks`` weeks ending on ``period_end``
    (the suppliers': their scorecards of the months); ``limit`` of them (all: None) after the
    first ``offset``, ``total`` saying how many there are. The stock KPIs' rows come largest
    stock value first, and only those asked for are worked out.

    Raises
    ------
    NotFound
        ``key`` is no KPI.
    ValidationError
        ``limit`` is below 1, or ``offset`` below 0.
    """
    _check(key, limit, offset)
    return _rows_of(_World(uow, period_end, weeks, settings), key, limit, offset)


def kpi_with_rows(
    uow: UnitOfWork,
    key: str,
    *,
    period_end: date,
    weeks: int = 12,
    settings: Settings,
    limit: int | None = None,
) -> tuple[KpiView, KpiRows]:
    """One KPI (as :func:`kpis` with ``keys=[key]``) and its rows (as :func:`kpi_rows`), from
    one read of the facts: what a KPI's page shows.

    Raises
    ------
    NotFound, ValidationError
        As :func:`kpi_rows`, or a target in the settings is unknown or not a number.
    """
    _check(key, limit)
    targets = _targets(settings)
    world = _World(uow, period_end, weeks, settings)
    return _view(world, key, targets.get(key)), _rows_of(world, key, limit)


def _check(key: str, limit: int | None, offset: int = 0) -> None:
    if key not in SPECS:
        raise NotFound(f"unknown KPI {key!r}; one of {', '.join(SPECS)}")
    if limit is not None and limit < 1:
        raise ValidationError("limit", f"must be 1 or more, got {limit}")
    if offset < 0:
        raise ValidationError("offset", f"must be 0 or more, got {offset}")


def _rows_of(world: _World, key: str, limit: int | None, offset: int = 0) -> KpiRows:
    if key in _STOCK_ROWS:
        rows, total = _stock_rows(world, limit, offset)
    else:
        rows = _ROWS[key](world)
        total = len(rows)
        rows = rows[offset:] if limit is None else rows[offset : offset + limit]
    columns: Sequence[str] = tuple(rows[0]) if rows else ()
    note = "" if total else _NO_DATA[key]
    return KpiRows(key, SPECS[key].label, world.window.start, world.window.end,
                   tuple(columns), tuple(rows), note, total, offset)  # fmt: skip
