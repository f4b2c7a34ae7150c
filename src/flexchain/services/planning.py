"""``flexchain plan``: snapshot the database, run the planning steps, write a new plan version.

Steps, in order (``STEPS``): snapshot -> forecast -> policy -> mrp -> write. The run is recorded
as ``running`` first (committed), so a run that fails or is killed is visible and never current;
the plan rows and the ``complete`` status are written in one transaction at the end, and only
then does the new version become current. ``plan diff`` compares two versions item by item and
names the input that changed (new order, stock change, forecast change, supplier term) from the
inputs every run records per item.
"""

from __future__ import annotations

import gc
import math
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import polars as pl
from sqlalchemy import Engine, func, insert, select

from flexchain.adapters.db.tables import (
    BomLineRow,
    CapabilityRow,
    DemandHistoryRow,
    ItemRow,
    ItemSupplierRow,
    LocationRow,
    PlanExceptionRow,
    PlanInputRow,
    PlanOrderRow,
    PlanRunRow,
    ProductionJobRow,
    PurchaseOrderLineRow,
    SalesOrderLineRow,
    SalesOrderRow,
    StockBalanceRow,
    SupplierRow,
)
from flexchain.adapters.db.types import QTY_SCALE
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.config import Settings
from flexchain.domain.bom import BomLine
from flexchain.domain.errors import NotFound
from flexchain.domain.purchasing import POStatus
from flexchain.planning.demand import classify, weekly_buckets
from flexchain.planning.dynamic import DEFAULT_MATRIX, PolicyMatrix, dynamic_policy, explain_row
from flexchain.planning.forecast import backtest, choose_models
from flexchain.planning.forecast import forecast as forecast_panel
from flexchain.planning.mrp import Demand, MrpException, MrpItem, MrpResult, Receipt, mrp
from flexchain.services.signals import Sensing, sensing

__all__ = [
    "HISTORY_WEEKS",
    "STEPS",
    "PlanParameters",
    "PlanSummary",
    "current_run",
    "diff_runs",
    "run_plan",
]

STEPS = ("snapshot", "forecast", "policy", "mrp", "write")
HISTORY_WEEKS = 104
"""Weeks of demand history the forecast step reads."""

OPEN_ORDER = ("received", "reserved", "in_production", "ready")
STOCK_KINDS = ("warehouse", "factory")

Progress = Callable[[str], None]


@dataclass
class Snapshot:
    period_start: date
    horizon: int
    items: dict[int, ItemRow] = field(default_factory=dict)
    bom: list[tuple[int, int, Decimal, Decimal]] = field(default_factory=list)
    lead_days: dict[int, int] = field(default_factory=dict)
    lead_sd_days: dict[int, Decimal] = field(default_factory=dict)
    tier: dict[int, str] = field(default_factory=dict)
    """The default supplier's tier (S, A, B) per item: its agility in the policy."""
    lot: dict[int, tuple[Decimal, Decimal]] = field(default_factory=dict)
    stock: dict[int, tuple[Decimal, Decimal]] = field(default_factory=dict)
    receipts: list[tuple[int, int, Decimal, str]] = field(default_factory=list)
    firm: list[tuple[int, int, Decimal, str]] = field(default_factory=list)
    history: pl.DataFrame = field(default_factory=pl.DataFrame)
    """Weekly demand of the last :data:`HISTORY_WEEKS` weeks: ``item`` (id), ``date`` (week),
    ``quantity`` (float units), one row per item, location and week with demand (rows of one
    item and week add up)."""

    def period_of(self, day: date | None) -> int:
        if day is None:
            return 0
        return (day - self.period_start).days // 7


@dataclass(frozen=True)
class PlanSummary:
    run_id: int
    items: int
    orders: int
    exceptions: int
    seconds: dict[str, float]


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _snapshot(uow: UnitOfWork, *, today: date, horizon: int) -> Snapshot:
    session = uow.session
    snap = Snapshot(period_start=_monday(today), horizon=horizon)
    snap.items = {row.id: row for row in session.scalars(select(ItemRow).where(ItemRow.active))}
    snap.bom = [  # plain rows, not ORM objects: a big catalog has hundreds of thousands
        (parent, child, quantity, scrap)
        for parent, child, quantity, scrap in session.execute(
            select(
                BomLineRow.parent_id,
                BomLineRow.child_id,
                BomLineRow.quantity,
                BomLineRow.scrap_pct,
            )
        )
    ]
    first_capability: dict[int, tuple[Decimal, Decimal]] = {}
    for supplier_id, lead, lead_sd in session.execute(
        select(
            CapabilityRow.supplier_id,
            CapabilityRow.lead_time_mean_days,
            CapabilityRow.lead_time_sd_days,
        ).order_by(CapabilityRow.id)
    ).all():
        first_capability.setdefault(supplier_id, (lead, lead_sd))
    tiers = dict(session.execute(select(SupplierRow.id, SupplierRow.tier)).all())
    terms: dict[int, ItemSupplierRow] = {}
    for row in session.scalars(select(ItemSupplierRow).order_by(ItemSupplierRow.id)):
        item = snap.items.get(row.item_id)
        if item is not None and (
            row.item_id not in terms or row.supplier_id == item.default_supplier_id
        ):
            terms[row.item_id] = row
    for item in snap.items.values():
        term = terms.get(item.id)
        if _makes(item):
            lead, lead_sd = first_capability.get(
                item.default_supplier_id or -1, (Decimal(0), Decimal(0))
            )
            snap.lead_days[item.id] = math.ceil(lead) + item.production_cycle_days
            snap.lead_sd_days[item.id] = lead_sd
        else:
            snap.lead_days[item.id] = term.lead_time_days if term else 0
            snap.lead_sd_days[item.id] = Decimal(0)
        supplier = term.supplier_id if term else item.default_supplier_id
        if supplier is not None and supplier in tiers:
            snap.tier[item.id] = tiers[supplier]
        moq = max(item.moq, term.moq if term else Decimal(0))
        multiple = max(item.order_multiple, term.order_multiple if term else Decimal(0))
        snap.lot[item.id] = (moq, multiple or Decimal(1))
    for item_id, on_hand, reserved in session.execute(
        select(
            StockBalanceRow.item_id,
            func.sum(StockBalanceRow.on_hand),
            func.sum(StockBalanceRow.reserved),
        )
        .join(LocationRow, LocationRow.id == StockBalanceRow.location_id)
        .where(LocationRow.kind.in_(STOCK_KINDS))
        .group_by(StockBalanceRow.item_id)
    ).all():
        snap.stock[item_id] = (Decimal(on_hand or 0), Decimal(reserved or 0))
    for job in session.scalars(
        select(ProductionJobRow).where(ProductionJobRow.status.in_(("planned", "started")))
    ):
        period = max(snap.period_of(job.planned_finish), 0)
        snap.receipts.append((job.item_id, period, job.quantity, f"job:{job.id}"))
    po = PurchaseOrderLineRow
    open_lines = (
        select(po.item_id, po.po_number, po.line_no, po.quantity, po.received_quantity, po.due_date)
        .where(po.status == POStatus.OPEN.value, po.received_quantity < po.quantity)
        .order_by(po.po_number, po.line_no)
    )
    for item_id, number, line_no, ordered, received, due in session.execute(open_lines).all():
        period = max(snap.period_of(due), 0)  # past due: still expected, so this week
        snap.receipts.append((item_id, period, ordered - received, f"po:{number}/{line_no}"))
    for line, number, promise in session.execute(
        select(SalesOrderLineRow, SalesOrderRow.number, SalesOrderRow.promise_date)
        .join(SalesOrderRow, SalesOrderRow.id == SalesOrderLineRow.order_id)
        .where(SalesOrderRow.status.in_(OPEN_ORDER), SalesOrderLineRow.backordered > 0)
    ).all():
        snap.firm.append(
            (line.item_id, max(snap.period_of(promise), 0), line.backordered, f"order:{number}")
        )
    since = snap.period_start - timedelta(weeks=HISTORY_WEEKS)
    # read straight from the cursor into a frame: at 100,000 items this is 10 million rows
    # (one row per item, location and date: the forecast step's bucketing adds locations up,
    # which costs far less than SQLite's GROUP BY sorting 10 million rows first)
    query = select(
        DemandHistoryRow.item_id.label("item"),
        DemandHistoryRow.period_start.label("date"),
        DemandHistoryRow.quantity,
    ).where(
        DemandHistoryRow.period_start >= since,
        DemandHistoryRow.period_start < snap.period_start,
    )
    compiled = query.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    cursor = session.connection().exec_driver_sql(str(compiled)).cursor
    rows = cursor.fetchall() if cursor is not None else []
    frame = pl.DataFrame(rows, schema=["item", "date", "quantity"], orient="row")
    if frame.schema["date"] == pl.String:  # SQLite hands dates back as text
        frame = frame.with_columns(pl.col("date").str.slice(0, 10).str.to_date())
    snap.history = frame.with_columns(
        pl.col("item").cast(pl.Int64),
        pl.col("date").cast(pl.Date),
        # Qty is stored in thousandths
        (pl.col("quantity").cast(pl.Float64) / QTY_SCALE).alias("quantity"),
    )
    session.expunge_all()  # plain values from here on: the snapshot outlives the transaction
    return snap


def _makes(item: ItemRow) -> bool:
    return item.kind in ("finished", "module")


@dataclass(frozen=True)
class ItemForecast:
    """One item's forecast: weekly means over the horizon, their spread, how it was made."""

    weekly: list[Decimal]
    sigma: Decimal
    model: str
    pattern: str
    abc: str
    xyz: str
    accuracy: dict[str, str] = field(default_factory=dict)
    """With backtests: the kept model's ``mase``, ``wape`` and ``bias`` and the default model."""

    @property
    def mean(self) -> Decimal:
        return sum(self.weekly, Decimal(0)) / len(self.weekly) if self.weekly else Decimal(0)


def _forecast(snap: Snapshot, params: PlanParameters) -> dict[int, ItemForecast]:
    """Classify every item with history (ABC, XYZ, Syntetos-Boylan) and forecast it with the
    statsforecast model of its pattern (:mod:`flexchain.planning.forecast`). Items are planned
    over all locations together, so the panel has one location, ``ALL``."""
    if snap.history.is_empty():
        return {}
    history = snap.history.with_columns(pl.lit("ALL").alias("location"))
    # the panel starts at the first week anything sold, not HISTORY_WEEKS back: a young
    # catalog is not a run of zeros (an item newer than the others still is, for now)
    start = history["date"].min()
    assert isinstance(start, date)
    panel = weekly_buckets(history, start=start, end=snap.period_start - timedelta(days=1))
    unit_values = {
        item_id: float(row.standard_cost or row.list_price or 1)
        for item_id, row in snap.items.items()
    }
    values = pl.DataFrame({"item": list(unit_values), "unit_value": list(unit_values.values())})
    known = values.filter(pl.col("item").is_in(panel["item"].unique().implode()))
    classes = classify(panel, known, abc_cutoffs=params.abc_cutoffs)
    choice = None
    periods = panel["period"].n_unique()
    horizon = min(13, snap.horizon, (periods - 2) // 3)  # 3 windows of it, 2 periods to fit
    if params.backtest and horizon >= 1:
        # rolling origins over the last weeks: keep a better model only where it pays
        scores = backtest(panel, classes, horizon=horizon, windows=3)
        choice = choose_models(scores)
    frame = forecast_panel(panel, classes, horizon=snap.horizon, choice=choice)
    accuracy: dict[int, dict[str, str]] = {}
    if choice is not None:
        for row in choice.iter_rows(named=True):
            accuracy[int(row["item"])] = {
                "model": str(row["model"]),
                "default_model": str(row["default_model"]),
                **{k: f"{row[k]:.3f}" for k in ("mase", "wape", "bias") if row[k] is not None},
            }
    labels = {row["item"]: row for row in classes.iter_rows(named=True)}
    per_item = (
        frame.sort("period")
        .group_by("item", maintain_order=True)
        .agg(
            pl.col("mean").round(3),
            # the one-step-ahead spread is the per-week demand uncertainty the policy wants (it
            # widens it over lead time and review itself); later periods' intervals compound
            # model uncertainty and, for multiplicative ETS, can grow without bound
            pl.col("sigma").first().fill_null(0.0).fill_nan(0.0),
            pl.col("model").first(),
        )
    )
    result: dict[int, ItemForecast] = {}
    for item_id, means, sigma, model in per_item.iter_rows():
        label = labels[item_id]
        result[int(item_id)] = ItemForecast(
            [Decimal(repr(value)) for value in means],
            Decimal(str(round(sigma, 3))),
            str(model),
            str(label["pattern"]),
            str(label["abc"]),
            str(label["xyz"]),
            accuracy.get(int(item_id), {}),
        )
    return result


ORDER_COST = 25.0
"""Cost of placing one order (or releasing one job), in the items' currency: the EOQ's K."""
HOLDING_RATE = 0.25
"""Yearly holding cost as a share of the unit cost: the EOQ's h = rate x cost / 52 per week."""


@dataclass(frozen=True)
class PlanParameters:
    """What a planner tunes (``FLEXCHAIN_PLAN_*`` settings): ABC cut-offs on cumulative value,
    the ABC-XYZ matrix of service levels and review weeks, ordering cost and holding rate."""

    abc_cutoffs: tuple[float, float] = (0.8, 0.95)
    matrix: PolicyMatrix = DEFAULT_MATRIX
    order_cost: float = ORDER_COST
    holding_rate: float = HOLDING_RATE
    backtest: bool = False
    """Backtest every series (3 rolling origins) and keep a better model where it pays."""

    @classmethod
    def from_settings(cls, settings: Settings) -> PlanParameters:
        return cls(
            abc_cutoffs=settings.plan_abc_cutoffs,
            matrix=PolicyMatrix.from_mapping(settings.plan_policy_matrix, base=DEFAULT_MATRIX),
            order_cost=settings.plan_order_cost,
            holding_rate=settings.plan_holding_rate,
        )


@dataclass(frozen=True)
class ItemPolicy:
    safety_stock: Decimal
    reorder_point: Decimal
    order_quantity: Decimal
    days_of_cover: Decimal | None
    row: dict[str, Any]
    """Every input and intermediate number (``dynamic_policy``'s row), for ``plan explain``."""


def _whole(value: float | None) -> Decimal:
    """A policy quantity in whole units, rounded up (never below zero)."""
    return Decimal(math.ceil(max(float(value or 0), 0.0)))


def _policy(
    snap: Snapshot, forecasts: dict[int, ItemForecast], params: PlanParameters
) -> dict[int, ItemPolicy]:
    """Per forecast item, :func:`flexchain.planning.dynamic.dynamic_policy` (docs/policy.md):
    service level and review period from the ABC-XYZ matrix, safety stock with lead-time
    variability, reorder point, EOQ adjusted for uncertainty and the supplier's agility (tier),
    rounded to MOQ and multiple, days of cover."""
    ids = [item_id for item_id, f in forecasts.items() if item_id in snap.items]
    if not ids:
        return {}
    cost = {i: float(snap.items[i].standard_cost or snap.items[i].list_price or 1) for i in ids}
    frame = pl.DataFrame(
        {
            "item": ids,
            "location": ["ALL"] * len(ids),
            "abc": [forecasts[i].abc for i in ids],
            "xyz": [forecasts[i].xyz for i in ids],
            "demand_mean": [float(forecasts[i].mean) for i in ids],
            "demand_sd": [float(forecasts[i].sigma) for i in ids],
            "lead_time_mean": [snap.lead_days[i] / 7 for i in ids],
            "lead_time_sd": [float(snap.lead_sd_days.get(i, 0)) / 7 for i in ids],
            "fixed_cost": [params.order_cost] * len(ids),
            "holding_cost": [max(cost[i] * params.holding_rate / 52, 1e-6) for i in ids],
            "agility": [snap.tier.get(i) for i in ids],
            "moq": [float(snap.lot[i][0]) for i in ids],
            "multiple": [float(snap.lot[i][1]) for i in ids],
            "unit_cost": [cost[i] for i in ids],
        },
        schema_overrides={"agility": pl.String},
    )
    result = {}
    for row in dynamic_policy(frame, matrix=params.matrix).iter_rows(named=True):
        cover = row["days_of_cover"]
        result[int(row["item"])] = ItemPolicy(
            _whole(row["safety_stock"]),
            _whole(row["reorder_point"]),
            _whole(row["order_quantity"]),
            Decimal(str(round(cover, 1))) if cover is not None else None,
            row,
        )
    return result


def _mrp(
    snap: Snapshot,
    forecasts: dict[int, ItemForecast],
    policies: dict[int, ItemPolicy],
    extra_demand: list[Demand] | None = None,
    extra_safety: dict[str, Decimal] | None = None,
) -> tuple[MrpResult, dict[str, int]]:
    skus = {item_id: row.sku for item_id, row in snap.items.items()}
    ids = {sku: item_id for item_id, sku in skus.items()}
    items = []
    for item_id, row in snap.items.items():
        moq, multiple = snap.lot[item_id]
        on_hand, reserved = snap.stock.get(item_id, (Decimal(0), Decimal(0)))
        items.append(
            MrpItem(
                row.sku,
                lead_time=math.ceil(snap.lead_days[item_id] / 7),
                moq=moq,
                multiple=multiple,
                make=_makes(row),
                custom=row.module_type == "custom",
                safety_stock=(policies[item_id].safety_stock if item_id in policies else 0)
                + (extra_safety or {}).get(row.sku, 0),
                min_lot=policies[item_id].order_quantity if item_id in policies else 0,
                on_hand=on_hand,
                allocated=reserved,
            )
        )
    bom = [  # read back from the database, where only valid lines are written
        BomLine.trusted(skus[parent], skus[child], quantity, scrap)
        for parent, child, quantity, scrap in snap.bom
        if parent in skus and child in skus
    ]
    demand = [Demand(skus[i], p, q, source) for i, p, q, source in snap.firm if i in skus]
    demand += extra_demand or []
    weekly = {skus[i]: f.weekly for i, f in forecasts.items() if i in skus}
    receipts = [Receipt(skus[i], p, q, s) for i, p, q, s in snap.receipts if i in skus]
    return mrp(items, bom, demand, receipts, horizon=snap.horizon, forecast=weekly), ids


def _sensed_mrp(
    snap: Snapshot,
    forecasts: dict[int, ItemForecast],
    policies: dict[int, ItemPolicy],
    sensed: Sensing,
) -> tuple[MrpResult, dict[str, int]]:
    """MRP with presale and demand sensing (docs/planning.md):

    - a product with presale signals and no history gets its first batch (the upper end of the
      conversion model's range, ``high``) as demand in week 0, pegged ``presale``;
    - when an option's share of add-to-carts jumps, the materials behind it get a safety stock
      of ``(multiplier - 1) x`` their average weekly gross requirement over their lead time
      (at least a week) on top of their own, and an ``option_shift`` exception says why.
    """
    skus = {row.sku for row in snap.items.values()}
    presale = [
        Demand(str(row["item"]), 0, Decimal(math.ceil(row["high"])), "presale")
        for row in sensed.first_batches.iter_rows(named=True)
        if row["item"] in skus and row["high"] > 0
    ]
    result, ids = _mrp(snap, forecasts, policies, presale)
    extra: dict[str, Decimal] = {}
    for sku, factor in sensed.multipliers.items():
        gross = result.gross.get(sku)
        if sku not in ids or not gross:
            continue
        weekly = sum(gross, Decimal(0)) / len(gross)
        lead_weeks = max(Decimal(snap.lead_days[ids[sku]]) / 7, Decimal(1))
        extra[sku] = Decimal(math.ceil(Decimal(str(factor - 1)) * weekly * lead_weeks))
    if extra:
        result, ids = _mrp(snap, forecasts, policies, presale, extra)
    for row in sensed.alerts.iter_rows(named=True):
        result.exceptions.append(
            MrpException(
                str(row["module"]),
                0,
                "option_shift",
                f"option {row['option']} reached {row['window_share']:.0%} of add-to-carts "
                f"(was {row['baseline_share']:.0%}): safety stock of the materials behind it "
                f"raised ({', '.join(f'{k} +{v}' for k, v in sorted(extra.items())) or 'none'})",
            )
        )
    return result, ids


def _inputs(
    snap: Snapshot, forecasts: dict[int, ItemForecast], policies: dict[int, ItemPolicy]
) -> dict[int, dict[str, str]]:
    firm: dict[int, Decimal] = defaultdict(Decimal)
    for item_id, _period, quantity, _source in snap.firm:
        firm[item_id] += quantity
    receipts: dict[int, Decimal] = defaultdict(Decimal)
    for item_id, _period, quantity, _source in snap.receipts:
        receipts[item_id] += quantity
    result = {}
    for item_id in snap.items:
        on_hand, reserved = snap.stock.get(item_id, (Decimal(0), Decimal(0)))
        moq, multiple = snap.lot[item_id]
        result[item_id] = {
            "orders": str(firm.get(item_id, 0)),
            "stock": f"{on_hand}/{reserved}",
            "receipts": str(receipts.get(item_id, 0)),
            "forecast": str(sum(forecasts[item_id].weekly, Decimal(0)))
            if item_id in forecasts
            else "0",
            "safety_stock": str(policies[item_id].safety_stock) if item_id in policies else "0",
            **(
                {f"forecast_{k}": v for k, v in forecasts[item_id].accuracy.items()}
                if item_id in forecasts
                else {}
            ),
            "supplier_terms": f"lead {snap.lead_days[item_id]}d moq {moq} x {multiple}",
        }
    return result


def run_plan(
    engine: Engine,
    *,
    now: datetime,
    horizon: int = 26,
    actor: str = "cli",
    progress: Progress | None = None,
    fail_at: str | None = None,
    params: PlanParameters | None = None,
) -> PlanSummary:
    """Run every step and write a new plan version (current once complete).

    ``fail_at`` makes the named step raise (for the interrupted-run test and demos).
    """
    seconds: dict[str, float] = {}
    params = params or PlanParameters()
    today = now.date()
    with UnitOfWork(engine, actor=actor) as uow:
        run = PlanRunRow(
            status="running",
            started_at=now,
            period_start=_monday(today),
            period_days=7,
            horizon=horizon,
            actor=actor,
        )
        uow.session.add(run)
        uow.session.flush()
        run_id = run.id
        uow.commit()

    def step(name: str) -> float:
        if progress is not None:
            progress(name)
        if fail_at == name:
            raise RuntimeError(f"planning stopped at step {name} (fail_at)")
        # What earlier steps built (snapshot, forecasts) lives until the run ends: keep the
        # cyclic collector from scanning those millions of objects again at every collection
        # (a third of MRP's time at 20,000 items). They are freed by reference counting as
        # usual; the run unfreezes them when it ends.
        gc.freeze()
        return time.perf_counter()

    try:
        began = step("snapshot")
        with UnitOfWork(engine, write=False) as reader:
            sensed = sensing(reader, now=now)
            snap = _snapshot(reader, today=today, horizon=horizon)
        seconds["snapshot"] = time.perf_counter() - began
        began = step("forecast")
        forecasts = _forecast(snap, params)
        seconds["forecast"] = time.perf_counter() - began
        began = step("policy")
        policies = _policy(snap, forecasts, params)
        seconds["policy"] = time.perf_counter() - began
        began = step("mrp")
        result, ids = _sensed_mrp(snap, forecasts, policies, sensed)
        seconds["mrp"] = time.perf_counter() - began
        began = step("write")
        _write(engine, run_id, snap, result, ids, _inputs(snap, forecasts, policies), seconds)
        seconds["write"] = time.perf_counter() - began
    except BaseException as error:
        gc.unfreeze()
        with UnitOfWork(engine, actor=actor) as uow:
            row = uow.session.get(PlanRunRow, run_id)
            assert row is not None
            row.status = "failed"
            row.error = str(error) or type(error).__name__
            row.finished_at = now
            uow.commit()
        raise
    gc.unfreeze()
    return PlanSummary(
        run_id, len(snap.items), len(result.planned), len(result.exceptions), seconds
    )


def _write(
    engine: Engine,
    run_id: int,
    snap: Snapshot,
    result: MrpResult,
    ids: dict[str, int],
    inputs: dict[int, dict[str, str]],
    seconds: dict[str, float],
) -> None:
    def day(period: int) -> date:
        return snap.period_start + timedelta(weeks=period)

    with UnitOfWork(engine) as uow:
        session = uow.session
        order_rows = [
            {
                "run_id": run_id,
                "number": order.id,
                "item_id": ids[order.item],
                "kind": order.kind,
                "release_date": day(order.release_period),
                "due_date": day(order.due_period),
                "quantity": order.quantity,
                "pegs": [[source, str(quantity)] for source, quantity in order.pegs],
            }
            for order in result.planned
        ]
        exception_rows = [
            {
                "run_id": run_id,
                "item_id": ids[e.item],
                "kind": e.kind,
                "period_date": day(e.period),
                "message": e.message,
            }
            for e in result.exceptions
        ]
        input_rows = [{"run_id": run_id, "item_id": i, "values": v} for i, v in inputs.items()]
        for table, rows in (
            (PlanOrderRow, order_rows),
            (PlanExceptionRow, exception_rows),
            (PlanInputRow, input_rows),
        ):
            if rows:
                session.execute(insert(table), rows)
        run = session.get(PlanRunRow, run_id)
        assert run is not None
        run.status = "complete"
        run.finished_at = datetime.now(run.started_at.tzinfo)
        run.stats = {
            "items": len(snap.items),
            "orders": len(result.planned),
            "exceptions": len(result.exceptions),
            "seconds": {k: round(v, 3) for k, v in seconds.items()},
        }
        uow.commit()


def current_run(uow: UnitOfWork, run_id: int | None = None) -> PlanRunRow:
    """The given complete run, or the newest complete one."""
    query = select(PlanRunRow).where(PlanRunRow.status == "complete")
    if run_id is not None:
        query = query.where(PlanRunRow.id == run_id)
    row = uow.session.scalars(query.order_by(PlanRunRow.id.desc()).limit(1)).first()
    if row is None:
        raise NotFound(
            f"no complete plan {run_id}" if run_id else "no plan yet: run flexchain plan"
        )
    return row


def plan_rows(uow: UnitOfWork, run_id: int) -> list[dict[str, Any]]:
    """The planned orders and exceptions of one run, orders first, for show and export."""
    skus = dict(uow.session.execute(select(ItemRow.id, ItemRow.sku)).all())
    orders = [
        {
            "type": "order",
            "run": run_id,
            "number": row.number,
            "sku": skus[row.item_id],
            "kind": row.kind,
            "release_date": row.release_date,
            "due_date": row.due_date,
            "quantity": row.quantity,
            "pegging": "; ".join(f"{source}={quantity}" for source, quantity in row.pegs),
        }
        for row in uow.session.scalars(
            select(PlanOrderRow).where(PlanOrderRow.run_id == run_id).order_by(PlanOrderRow.number)
        )
    ]
    exceptions = [
        {
            "type": "exception",
            "run": run_id,
            "sku": skus[row.item_id],
            "kind": row.kind,
            "date": row.period_date,
            "message": row.message,
        }
        for row in uow.session.scalars(
            select(PlanExceptionRow)
            .where(PlanExceptionRow.run_id == run_id)
            .order_by(PlanExceptionRow.id)
        )
    ]
    return orders + exceptions


def diff_runs(uow: UnitOfWork, old_id: int, new_id: int) -> list[dict[str, Any]]:
    """Per item whose planned orders changed: the old and new totals and orders, and the inputs
    that changed between the runs (or, if none of its own did, its parents')."""
    session = uow.session
    skus = dict(session.execute(select(ItemRow.id, ItemRow.sku)).all())

    def orders(run_id: int) -> dict[int, list[tuple[date, Decimal]]]:
        found: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
        for row in session.scalars(select(PlanOrderRow).where(PlanOrderRow.run_id == run_id)):
            found[row.item_id].append((row.due_date, row.quantity))
        return found

    def inputs(run_id: int) -> dict[int, dict[str, str]]:
        return {
            row.item_id: row.values
            for row in session.scalars(select(PlanInputRow).where(PlanInputRow.run_id == run_id))
        }

    before, after = orders(old_id), orders(new_id)
    old_inputs, new_inputs = inputs(old_id), inputs(new_id)
    parents: dict[int, set[int]] = defaultdict(set)
    for parent, child in session.execute(select(BomLineRow.parent_id, BomLineRow.child_id)).all():
        parents[child].add(parent)
    labels = {
        "orders": "new order",
        "stock": "stock change",
        "receipts": "open job or PO change",
        "forecast": "forecast change",
        "safety_stock": "safety stock change",
        "supplier_terms": "supplier term",
    }

    def causes(item_id: int, seen: set[int]) -> list[str]:
        old, new = old_inputs.get(item_id, {}), new_inputs.get(item_id, {})
        own = [
            f"{labels[k]}: {old.get(k, '-')} -> {new.get(k, '-')}"
            for k in labels
            if old.get(k) != new.get(k)
        ]
        if own:
            return own
        for parent in sorted(parents.get(item_id, ())):
            if parent not in seen:
                found = causes(parent, seen | {parent})
                if found:
                    return [f"via {skus.get(parent)}: {cause}" for cause in found]
        return []

    changes = []
    for item_id in sorted(set(before) | set(after), key=lambda i: skus.get(i, "")):
        old, new = sorted(before.get(item_id, [])), sorted(after.get(item_id, []))
        if old == new:
            continue
        changes.append(
            {
                "sku": skus.get(item_id),
                "before": sum((q for _, q in old), Decimal(0)),
                "after": sum((q for _, q in new), Decimal(0)),
                "orders_before": len(old),
                "orders_after": len(new),
                "caused_by": "; ".join(causes(item_id, {item_id}))
                or "no input of this item or its parents changed (netting order)",
            }
        )
    return changes


def previous_run(uow: UnitOfWork, run_id: int) -> PlanRunRow:
    row = uow.session.scalars(
        select(PlanRunRow)
        .where(PlanRunRow.status == "complete", PlanRunRow.id < run_id)
        .order_by(PlanRunRow.id.desc())
        .limit(1)
    ).first()
    if row is None:
        raise NotFound(f"no complete plan before {run_id} to compare with")
    return row


def explain_item(
    engine: Engine,
    sku: str,
    *,
    now: datetime,
    horizon: int = 26,
    params: PlanParameters | None = None,
) -> dict[str, Any]:
    """Every number behind one item's plan, recomputed read-only from the current data:
    its inputs, the safety-stock formula with its values, and the MRP netting per period."""
    with UnitOfWork(engine, write=False) as uow:
        snap = _snapshot(uow, today=now.date(), horizon=horizon)
    item_id = next((i for i, row in snap.items.items() if row.sku == sku), None)
    if item_id is None:
        raise NotFound(f"unknown item {sku!r}")
    params = params or PlanParameters()
    forecasts = _forecast(snap, params)
    with UnitOfWork(engine, write=False) as uow:
        sensed = sensing(uow, now=now)
    policies = _policy(snap, forecasts, params)
    result, _ids = _sensed_mrp(snap, forecasts, policies, sensed)
    weeks = sorted(
        (week, Decimal(str(quantity)))
        for week, quantity in snap.history.filter(pl.col("item") == item_id)
        .group_by("date")
        .agg(pl.col("quantity").sum())
        .iter_rows()
    )
    mine = forecasts.get(item_id)
    on_hand, reserved = snap.stock.get(item_id, (Decimal(0), Decimal(0)))
    moq, multiple = snap.lot[item_id]
    receipts = [Decimal(0)] * horizon
    scheduled = []
    for rid, period, quantity, source in snap.receipts:
        if rid == item_id and period < horizon:
            receipts[period] += quantity
            week = snap.period_start + timedelta(weeks=period)
            scheduled.append(
                {"source": source, "period": period, "week": week, "quantity": quantity}
            )
    planned = [Decimal(0)] * horizon
    orders = [o for o in result.planned if o.item == sku]
    for order in orders:
        planned[order.due_period] += order.quantity
    gross = result.gross.get(sku, [Decimal(0)] * horizon)
    projected, rows = on_hand - reserved, []
    for period in range(horizon):
        projected += receipts[period] + planned[period] - gross[period]
        rows.append(
            {
                "period": period,
                "week": snap.period_start + timedelta(weeks=period),
                "gross": gross[period],
                "receipts": receipts[period],
                "planned": planned[period],
                "projected": projected,
            }
        )
    return {
        "sku": sku,
        "inputs": {
            "on_hand": on_hand,
            "allocated": reserved,
            "lead_time_days": snap.lead_days[item_id],
            "moq": moq,
            "multiple": multiple,
            "history_weeks": len(weeks),
            "history_total": sum((q for _, q in weeks), Decimal(0)),
        },
        "forecast": {
            "formula": "statsforecast model chosen by demand pattern (Syntetos-Boylan)",
            "abc": mine.abc if mine else None,
            "pattern": mine.pattern if mine else None,
            "model": mine.model if mine else None,
            "mean": mine.mean if mine else Decimal(0),
            "sigma": mine.sigma if mine else None,
            "weekly": mine.weekly if mine else [],
            **(mine.accuracy if mine else {}),
        },
        "policy": [
            {"name": name, "formula": formula, "value": value}
            for name, formula, value in (
                explain_row(policies[item_id].row) if item_id in policies else []
            )
        ],
        "netting": {
            "formula": "projected[t] = projected[t-1] + receipts[t] + planned[t] - gross[t]; "
            "order when projected would fall below safety stock, rounded up to MOQ "
            "and multiple, released lead time earlier",
            "periods": rows,
            "receipts": sorted(scheduled, key=lambda r: (r["period"], r["source"])),
        },
        "orders": [
            {
                "release_period": o.release_period,
                "due_period": o.due_period,
                "quantity": o.quantity,
                "pegs": [f"{s}={q}" for s, q in o.pegs],
            }
            for o in orders
        ],
    }
