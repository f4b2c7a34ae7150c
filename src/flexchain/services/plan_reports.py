"""Reports on plans: a stored run's planned orders and exceptions (show, export), what changed
between two runs and why (diff), and every number behind one item's plan (explain).

Stored runs are read through the plans store (:mod:`flexchain.adapters.db.plan_reads`);
``explain`` reads what the run recorded per item (``plan_items``), never recomputing. Every
report returns frozen dataclasses; ``flexchain plan ... --json`` prints them field by field.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from flexchain.adapters.db import plan_reads as store
from flexchain.adapters.db.plan_reads import PlanRun
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.adapters.spreadsheets import write_workbook
from flexchain.domain.errors import NotFound
from flexchain.planning.dynamic import explain_row
from flexchain.planning.plan_record import ItemRecord
from flexchain.services.plan_diff import (
    CAUSES,
    DiffPage,
    PlanChange,
    count_changes,
    diff_page,
    diff_runs,
)

__all__ = [
    "CAUSES",
    "EXCEPTION_FIELDS",
    "ORDER_FIELDS",
    "DiffPage",
    "ExplainedInputs",
    "ExplainedOrder",
    "ItemExplanation",
    "Netting",
    "NettingPeriod",
    "PlanChange",
    "PlanExceptionLine",
    "PlanOrderLine",
    "PlanRun",
    "PolicyLine",
    "ScheduledReceipt",
    "count_changes",
    "current_run",
    "diff_page",
    "diff_runs",
    "explain_item",
    "explain_locations",
    "export_plan",
    "plan_rows",
    "previous_run",
]

ORDER_FIELDS = (
    "number",
    "sku",
    "kind",
    "location",
    "from_location",
    "release_date",
    "due_date",
    "quantity",
    "pegging",
)
"""The columns of the ``orders`` sheet of an exported plan."""
EXCEPTION_FIELDS = ("sku", "location", "kind", "date", "message")
"""The columns of its ``exceptions`` sheet."""


@dataclass(frozen=True, kw_only=True)
class PlanOrderLine:
    """A planned order of a stored run."""

    type: Literal["order"] = "order"
    run: int
    number: int
    sku: str
    kind: str
    release_date: dt.date
    due_date: dt.date
    quantity: Decimal
    pegging: str
    """``source=quantity`` pairs, ``; ``-separated."""
    location: str = ""
    """Where it is due: a location code (the home warehouse's when the run knew it)."""
    from_location: str = ""
    """A ``transfer``'s source location; empty for purchases and production."""


@dataclass(frozen=True, kw_only=True)
class PlanExceptionLine:
    """An exception of a stored run."""

    type: Literal["exception"] = "exception"
    run: int
    sku: str
    kind: str
    date: dt.date
    message: str
    location: str = ""
    """The buffer's location code (the home warehouse's when the run knew it)."""


def current_run(uow: UnitOfWork, run_id: int | None = None) -> PlanRun:
    """The given complete run, or the newest complete one.

    Raises
    ------
    NotFound
        There is no such complete run (or no plan at all).
    """
    found = store.current_run(uow, run_id)
    if found is None:
        raise NotFound(
            f"no complete plan {run_id}" if run_id else "no plan yet: run flexchain plan"
        )
    return found


def previous_run(uow: UnitOfWork, run_id: int) -> PlanRun:
    """The newest complete run before ``run_id``; NotFound if there is none."""
    found = store.previous_run(uow, run_id)
    if found is None:
        raise NotFound(f"no complete plan before {run_id} to compare with")
    return found


def plan_rows(uow: UnitOfWork, run_id: int) -> list[PlanOrderLine | PlanExceptionLine]:
    """The planned orders and exceptions of one run, orders first, for show and export."""
    skus = store.skus(uow)
    home = str(current_run(uow, run_id).stats.get("home") or "")

    def named(location: str | None) -> str:
        return location or home

    orders: list[PlanOrderLine | PlanExceptionLine] = [
        PlanOrderLine(
            run=run_id,
            number=row.number,
            sku=skus[row.item_id],
            kind=row.kind,
            release_date=row.release_date,
            due_date=row.due_date,
            quantity=row.quantity,
            pegging="; ".join(f"{source}={quantity}" for source, quantity in row.pegs),
            location=named(row.location),
            from_location=named(row.from_location) if row.from_location is not None else "",
        )
        for row in store.orders_of(uow, run_id)
    ]
    exceptions = [
        PlanExceptionLine(
            run=run_id,
            sku=skus[row.item_id],
            kind=row.kind,
            date=row.period_date,
            message=row.message,
            location=named(row.location),
        )
        for row in store.exceptions_of(uow, run_id)
    ]
    return orders + exceptions


def export_plan(uow: UnitOfWork, path: Path, run_id: int | None = None) -> tuple[int, int]:
    """Write the current plan (or ``run_id``) to the workbook ``path``, sheets ``orders`` and
    ``exceptions`` (:data:`ORDER_FIELDS`, :data:`EXCEPTION_FIELDS`); returns the run's id and
    the rows written."""
    run_id = current_run(uow, run_id).id
    rows = plan_rows(uow, run_id)
    sheets = []
    for name, kind, columns in (
        ("orders", PlanOrderLine, ORDER_FIELDS),
        ("exceptions", PlanExceptionLine, EXCEPTION_FIELDS),
    ):
        records = [row for row in rows if isinstance(row, kind)]
        sheets.append(
            (name, list(columns), [[getattr(row, key) for key in columns] for row in records])
        )
    return run_id, write_workbook(path, sheets)


# --- explain -----------------------------------------------------------------------------------

NETTING_FORMULA = (
    "projected[t] = projected[t-1] + receipts[t] + planned[t] - gross[t]; "
    "order when projected would fall below safety stock, rounded up to MOQ "
    "and multiple, released lead time earlier"
)


@dataclass(frozen=True)
class PolicyLine:
    name: str
    formula: str
    value: str


@dataclass(frozen=True)
class NettingPeriod:
    period: int
    week: dt.date
    gross: Decimal
    receipts: Decimal
    planned: Decimal
    projected: Decimal


@dataclass(frozen=True)
class ScheduledReceipt:
    source: str
    period: int
    week: dt.date
    quantity: Decimal


@dataclass(frozen=True)
class Netting:
    formula: str
    periods: list[NettingPeriod]
    receipts: list[ScheduledReceipt]


@dataclass(frozen=True)
class ExplainedOrder:
    release_period: int
    due_period: int
    quantity: Decimal
    pegs: list[str]
    kind: str = ""
    from_location: str = ""
    """A ``transfer``'s source location."""


@dataclass(frozen=True)
class ExplainedInputs:
    on_hand: Decimal
    allocated: Decimal
    lead_time_days: int
    moq: Decimal
    multiple: Decimal
    history_weeks: int
    history_total: Decimal


@dataclass(frozen=True)
class ItemExplanation:
    """Every number behind one item's plan (``flexchain plan explain``)."""

    sku: str
    inputs: ExplainedInputs
    forecast: dict[str, Any]
    """``formula``, ``abc``, ``pattern``, ``model``, ``mean``, ``sigma``, ``weekly`` and, with
    backtests, the accuracy figures."""
    policy: list[PolicyLine]
    netting: Netting
    orders: list[ExplainedOrder] = field(default_factory=list)
    run: int | None = None
    """The plan version explained."""
    price_breaks: list[str] = field(default_factory=list)
    """The supplier's price breaks the policy step priced lots by (``min at price``)."""
    location: str = ""
    """The buffer's location code (the home warehouse's when the run knew it)."""
    option_shift: dict[str, Any] | None = None
    """When an option's share of add-to-carts jumped: ``extra_safety_stock`` MRP netted on top
    of the policy's safety stock, ``safety_stock`` the two together, and ``because`` (the
    alerts behind it); ``None`` otherwise."""


def explain_item(
    uow: UnitOfWork, sku: str, *, run_id: int | None = None, location: str | None = None
) -> ItemExplanation:
    """:func:`explain_locations` of one location: ``location``, else the first the item has
    (the home location when it has a record there)."""
    return explain_locations(uow, sku, run_id=run_id, location=location)[0]


def explain_locations(
    uow: UnitOfWork, sku: str, *, run_id: int | None = None, location: str | None = None
) -> list[ItemExplanation]:
    """Every number behind one item's plan in the current plan (or ``run_id``), as the run
    recorded it: its inputs, the forecast model (and, after ``plan --backtest``, its MASE, WAPE
    and bias), the policy formulas with their values, and the netting per week. Nothing is
    recomputed from live data. One explanation per location the run recorded for the item
    (home first), or only ``location`` (a location code; the home warehouse's code or ``""``
    name the home location).

    Raises
    ------
    NotFound
        There is no such plan, ``sku`` is not an item it planned, or it has no record at
        ``location``.
    """
    run = current_run(uow, run_id)
    item_id = store.item_id_of(uow, sku)
    records = store.items_of(uow, run.id, item_id) if item_id is not None else []
    if item_id is None or not records:
        raise NotFound(f"unknown item {sku!r} in plan {run.id}")
    home = str(run.stats.get("home") or "")
    if location is not None:
        wanted = "" if location == home else location
        records = [record for record in records if record.location == wanted]
        if not records:
            raise NotFound(f"item {sku!r} has no record at location {location!r} in plan {run.id}")
    orders = store.orders_of(uow, run.id, item_id)
    return [_explained(run, sku, record, orders, home) for record in records]


def _explained(
    run: PlanRun, sku: str, record: ItemRecord, orders: list[store.StoredOrder], home: str
) -> ItemExplanation:
    """One stored record as :class:`ItemExplanation`, with the orders due at its location."""
    stored = record.explanation
    inputs = stored.get("inputs", {})
    forecast = stored.get("forecast", {})
    accuracy = {
        key: str(value)
        for key, value in (
            ("default_model", record.default_model),
            ("mase", record.mase),
            ("wape", record.wape),
            ("bias", record.bias),
        )
        if value is not None
    }
    orders = [o for o in orders if o.location == record.location]
    return ItemExplanation(
        sku=sku,
        inputs=ExplainedInputs(
            on_hand=Decimal(inputs.get("on_hand", "0")),
            allocated=Decimal(inputs.get("allocated", "0")),
            lead_time_days=int(inputs.get("lead_time_days", 0)),
            moq=Decimal(inputs.get("moq", "0")),
            multiple=Decimal(inputs.get("multiple", "1")),
            history_weeks=int(inputs.get("history_weeks", 0)),
            history_total=Decimal(inputs.get("history_total", "0")),
        ),
        forecast={
            "formula": "statsforecast model chosen by demand pattern (Syntetos-Boylan), or the "
            "long-run mean where it forecast the item better (policy line 'model')",
            "abc": forecast.get("abc"),
            "pattern": forecast.get("pattern"),
            "model": record.model,
            "mean": Decimal(forecast.get("mean", "0")),
            "sigma": Decimal(forecast["sigma"]) if forecast.get("sigma") else None,
            "weekly": [Decimal(v) for v in forecast.get("weekly", [])],
            # AutoETS: the structure fitted and when it was searched for (model_specs)
            **({"structure": forecast["structure"]} if forecast.get("structure") else {}),
            **accuracy,
        },
        policy=[PolicyLine(*line) for line in explain_row(stored["policy"])]
        if stored.get("policy")
        else [],
        netting=_netting(run, stored, orders),
        orders=[
            ExplainedOrder(
                (o.release_date - run.period_start).days // 7,
                (o.due_date - run.period_start).days // 7,
                o.quantity,
                [f"{source}={quantity}" for source, quantity in o.pegs],
                o.kind,
                (o.from_location or home) if o.from_location is not None else "",
            )
            for o in orders
        ],
        run=run.id,
        price_breaks=[f"{minimum} at {price}" for minimum, price in inputs.get("price_breaks", [])],
        location=record.location or home,
        option_shift=_option_shift(stored, record),
    )


def _option_shift(stored: dict[str, Any], record: ItemRecord) -> dict[str, Any] | None:
    shift = stored.get("option_shift")
    if not shift:
        return None
    extra = Decimal(shift["extra_safety_stock"])
    return {
        "extra_safety_stock": extra,
        "safety_stock": record.safety_stock + extra,
        "because": shift.get("because", ""),
    }


def _netting(run: PlanRun, stored: dict[str, Any], orders: list[store.StoredOrder]) -> Netting:
    """The netting table from the run's recorded gross requirements, receipts and orders."""
    horizon = run.horizon
    inputs = stored.get("inputs", {})
    gross = [Decimal(v) for v in stored.get("gross", [])] or [Decimal(0)] * horizon
    receipts = [Decimal(0)] * horizon
    scheduled = []
    for source, period, week, quantity in stored.get("receipts", []):
        if period < horizon:
            receipts[period] += Decimal(quantity)
            scheduled.append(
                ScheduledReceipt(source, period, dt.date.fromisoformat(week), Decimal(quantity))
            )
    planned = [Decimal(0)] * horizon
    for order in orders:  # the orders due at the record's location
        planned[(order.due_date - run.period_start).days // 7] += order.quantity
    projected = Decimal(inputs.get("on_hand", "0")) - Decimal(inputs.get("allocated", "0"))
    rows = []
    for period in range(horizon):
        projected += receipts[period] + planned[period] - gross[period]
        week = run.period_start + timedelta(weeks=period)
        rows.append(
            NettingPeriod(period, week, gross[period], receipts[period], planned[period], projected)
        )
    return Netting(NETTING_FORMULA, rows, scheduled)
