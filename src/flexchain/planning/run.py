"""The planning run as problem -> run -> result: a :class:`Snapshot` of plain values and frames,
the named steps of :data:`STEPS` (classify -> forecast -> policy -> mrp), a :class:`PlanResult`.

Pure: no database, no clock but a stopwatch for the step timings. The service
(:mod:`flexchain.services.planning`) loads the snapshot through the plans store, calls
:func:`run` and writes the result; ``plan explain`` runs the same steps read-only. The step
functions live in :mod:`flexchain.planning.run_steps`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

import polars as pl

from flexchain.planning.mrp import MrpResult
from flexchain.planning.run_forecast import anomaly_exceptions, forecast_buffers
from flexchain.planning.run_steps import (
    HOLDING_RATE,
    ORDER_COST,
    ItemForecast,
    ItemPolicy,
    Located,
    PlanParameters,
    classify_items,
    item_inputs,
    policy_of_buffers,
    sensed_mrp,
)
from flexchain.planning.sensing import Sensing

__all__ = [
    "HISTORY_WEEKS",
    "HOLDING_RATE",
    "ORDER_COST",
    "STEPS",
    "ItemForecast",
    "ItemPolicy",
    "PlanItem",
    "PlanParameters",
    "PlanResult",
    "PlanRunStatus",
    "Progress",
    "Snapshot",
    "Step",
    "Stopwatch",
    "monday",
    "run",
]

HISTORY_WEEKS = 260
"""Weeks of demand history the snapshot holds at most by default (five years; the forecast step
reads all of it there is): ``FLEXCHAIN_PLAN_HISTORY_YEARS`` sets another maximum, passed to the
plans store as ``history_weeks``."""

Progress = Callable[[str], None]
"""Called with a step's name just before the step starts."""


class PlanRunStatus(StrEnum):
    """A recorded run: ``running`` from its start, then ``complete`` (current) or ``failed``."""

    RUNNING = "running"
    COMPLETE = "complete"
    FAILED = "failed"


@dataclass(frozen=True)
class Step:
    """A named step of the run and its share of a typical run's time (for progress bars)."""

    name: str
    weight: int


STEPS = (Step("classify", 1), Step("forecast", 6), Step("policy", 1), Step("mrp", 3))
"""The run's steps in order, with progress weights (frePPLe's pipeline of named steps)."""


@dataclass(frozen=True, slots=True)
class PlanItem:
    """An active item as the run sees it: plain values, no database row."""

    id: int
    sku: str
    make: bool
    """Made by a supplier from components (finished products and modules), else bought."""
    custom: bool
    """A custom module: planned from firm demand only (postponement)."""
    unit_value: float
    """Standard cost, else list price, else 1: what ABC values and holding costs use."""


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass
class Snapshot:
    """Everything a run reads, as plain values: tuples, dicts and one Polars frame.

    Ids are the items' database ids; quantities are ``Decimal``; periods count weeks from
    ``period_start`` (the Monday of the run's week).
    """

    period_start: date
    horizon: int
    items: dict[int, PlanItem] = field(default_factory=dict)
    bom: list[tuple[int, int, Decimal, Decimal]] = field(default_factory=list)
    """(parent, child, quantity per unit, scrap %) per BOM line."""
    lead_days: dict[int, int] = field(default_factory=dict)
    lead_sd_days: dict[int, Decimal] = field(default_factory=dict)
    tier: dict[int, str] = field(default_factory=dict)
    """The default supplier's tier (S, A, B) per item: its agility in the policy."""
    lot: dict[int, tuple[Decimal, Decimal]] = field(default_factory=dict)
    """(MOQ, multiple) per item."""
    price_breaks: dict[int, tuple[tuple[Decimal, Decimal], ...]] = field(default_factory=dict)
    """(minimum quantity, unit price) all-units breaks of the item's chosen supplier term."""
    home: str = ""
    """The code of the home location (the first warehouse by code), for display: buffers,
    orders and exceptions name it ``""``."""
    locations: dict[int, str] = field(default_factory=dict)
    """Location id -> buffer location of every stocking location (warehouses and factories):
    ``""`` for the home location, else its code. Any other id (no location, a customer, a
    supplier site) plans at home."""
    stock: dict[int, tuple[Decimal, Decimal]] = field(default_factory=dict)
    """(on hand, reserved) per item at the home location."""
    stock_at: dict[tuple[int, str], tuple[Decimal, Decimal]] = field(default_factory=dict)
    """(on hand, reserved) per item and other stocking location (its code)."""
    receipts: list[tuple[int, int, Decimal, str]] = field(default_factory=list)
    """(item, period, quantity, source) per open production job or purchase order line due at
    the home location."""
    receipts_at: list[tuple[int, int, Decimal, str, str]] = field(default_factory=list)
    """(item, period, quantity, source, location) per open purchase order line due elsewhere."""
    firm: list[tuple[int, int, Decimal, str]] = field(default_factory=list)
    """(item, period, quantity, source) per backordered open sales order line (and open job's
    demand) at the home location."""
    firm_at: list[tuple[int, int, Decimal, str, str]] = field(default_factory=list)
    """(item, period, quantity, source, location) per backordered line of an order whose shop
    ships from another stocking location."""
    ordered: dict[int, Decimal] = field(default_factory=dict)
    """Units ordered in the run's week (by order date, orders not cancelled) per item at the
    home location: they consume the forecast
    (:func:`flexchain.planning.order_demand.consume_forecast`)."""
    ordered_at: dict[tuple[int, str], Decimal] = field(default_factory=dict)
    """The same per (item, location code) away from home: they consume that location's
    forecast."""
    history: pl.DataFrame = field(default_factory=pl.DataFrame)
    """Weekly demand of the last weeks (at most :data:`HISTORY_WEEKS` by default): ``item``
    (id), ``date`` (week), ``quantity`` (float units) and optionally ``location`` (a location
    id, mapped through :attr:`locations`; without the column everything is at home), one row per
    item, location and week with demand (rows of one buffer and week add up)."""
    past_forecasts: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(
            schema={
                "item": pl.Int64,
                "location": pl.String,
                "origin": pl.Date,
                "period": pl.Date,
                "forecast": pl.Float64,
            }
        )
    )
    """Weekly forecasts of earlier runs, long: ``item`` (id), ``location`` (buffer code, ``""``
    home), ``origin`` (the run's first forecast week), ``period`` (origin + k weeks),
    ``forecast`` (the weekly mean). Per origin week only its latest complete run, origins in the
    60 weeks before :attr:`period_start` (this week's excluded), periods before
    :attr:`period_start` only (those whose demand has happened)."""
    model_specs: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(
            schema={"item": pl.Int64, "location": pl.String, "spec": pl.String, "selected": pl.Date}
        )
    )
    """The AutoETS structures the latest earlier run fitted (``item``, ``location``, ``spec``,
    ``selected``): this run fits them again instead of searching, for a year
    (:mod:`flexchain.planning.model_specs`)."""
    past_factors: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(
            schema={
                "item": pl.Int64, "location": pl.String, "origin": pl.Date,
                "multiplier": pl.Float64, "solved_factor": pl.Float64,
                "service_level": pl.Float64,
            }
        )
    )  # fmt: skip
    """What the decisions of earlier runs measured and solved (``item``, ``location``,
    ``origin``, ``multiplier``, ``solved_factor`` and the ``service_level`` it was solved for;
    per origin week its latest complete run's): this run averages them with its own
    (:data:`flexchain.planning.safety_factors.PAST_M`, :func:`~flexchain.planning.
    safety_factors.steady_factors`)."""
    sensed: Sensing | None = None
    """Presale and demand sensing (:func:`flexchain.planning.sensing.sense`); None: no signals."""
    measured: pl.DataFrame | None = None
    """The stored forecasts of the weeks since the previous run's, measured against what
    happened (:class:`flexchain.planning.accuracy_weeks.WeekSums`'s ``sums()``), from
    :attr:`measured_from`: what the run stores for the forecast accuracy KPIs. None: not
    measured (a snapshot not read from the database)."""
    measured_from: date | None = None

    def period_of(self, day: date | None) -> int:
        if day is None:
            return 0
        return (day - self.period_start).days // 7


class Stopwatch:
    """Times named steps: ``with watch("forecast"): ...`` calls ``progress("forecast")`` first,
    then records the step's seconds in ``watch.seconds``."""

    def __init__(self, progress: Progress | None = None) -> None:
        self.progress = progress
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        if self.progress is not None:
            self.progress(name)
        began = time.perf_counter()
        yield
        self.seconds[name] = time.perf_counter() - began


@dataclass(frozen=True)
class PlanResult:
    """A run's outcome: the planned orders and exceptions (``mrp``) and what led to them."""

    snapshot: Snapshot
    forecasts: dict[int, ItemForecast]
    policies: dict[int, ItemPolicy]
    mrp: MrpResult
    ids: dict[str, int]
    """SKU -> item id, for every item in the snapshot."""
    seconds: dict[str, float]
    """Seconds per step of :data:`STEPS`."""
    located: Located = field(default_factory=Located)
    """Forecasts and policies of the buffers away from the home location (``forecasts`` and
    ``policies`` are the home location's, by item)."""

    def inputs(self) -> dict[int, dict[str, str]]:
        """Per item, the inputs ``plan diff`` compares between runs (as text)."""
        return item_inputs(self.snapshot, self.forecasts, self.policies)

    def summary(self) -> str:
        """One line: items, planned orders, exceptions and each step's time."""
        timings = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in self.seconds.items())
        return (
            f"{len(self.snapshot.items)} items, {len(self.mrp.planned)} planned orders, "
            f"{len(self.mrp.exceptions)} exceptions ({timings})"
        )


def run(
    snapshot: Snapshot,
    params: PlanParameters | None = None,
    *,
    progress: Progress | None = None,
) -> PlanResult:
    """Classify, forecast, set each item's policy and run MRP on ``snapshot``.

    ``progress`` is called with each step's name (:data:`STEPS`) as it starts; an exception it
    raises stops the run there.
    """
    params = params or PlanParameters()
    watch = Stopwatch(progress)
    with watch("classify"):
        classified = classify_items(snapshot, params)
    with watch("forecast"):
        buffers = forecast_buffers(snapshot, classified, params)
    with watch("policy"):
        decided = policy_of_buffers(snapshot, buffers, params)
    forecasts = {item: forecast for (item, at), forecast in buffers.items() if not at}
    policies = {item: policy for (item, at), policy in decided.items() if not at}
    located = Located(
        {key: forecast for key, forecast in buffers.items() if key[1]},
        {key: policy for key, policy in decided.items() if key[1]},
    )
    with watch("mrp"):
        result, ids = sensed_mrp(snapshot, forecasts, policies, snapshot.sensed, located)
        skus = {item_id: item.sku for item_id, item in snapshot.items.items()}
        result.exceptions.extend(anomaly_exceptions(buffers, skus))
    return PlanResult(snapshot, forecasts, policies, result, ids, watch.seconds, located)
