"""``flexchain plan``: record a run, load its snapshot, run the planning steps, write the plan.

Steps, in order (``STEPS``): snapshot -> classify -> forecast -> policy -> mrp -> write; the
middle four are the pure run (:func:`flexchain.planning.run.run`), the first and last go through
the plans store (:mod:`flexchain.adapters.db.plans`). The run is recorded as ``running`` first
(committed), so a run that fails or is killed is visible and never current; the plan rows and the
``complete`` status are written in one transaction at the end, and only then does the new version
become current. One run at a time, wherever it starts (the page, the API, ``flexchain plan``):
a run that finds another one going refuses itself (:func:`claim_run`). Reports on stored plans
(show, export, diff, explain) are :mod:`flexchain.services.plan_reports`;
:func:`forecast_accuracy` (``plan accuracy``) measures the forecasts complete runs stored
against the demand that followed.

Garbage-collector tuning (freezing what earlier steps built, between steps) belongs to whoever
drives the process: ``flexchain plan`` and bench/plan.py pass the hook of
:func:`flexchain.entrypoints.cli.plan.gc_frozen` as ``progress``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal, Protocol, cast, runtime_checkable

import polars as pl

from flexchain.adapters.db import plan_reads
from flexchain.adapters.db import plans as plans_store
from flexchain.adapters.db.plan_claims import ClaimingPlanStore
from flexchain.adapters.db.plan_reads import PlanRun
from flexchain.adapters.db.plans import Database
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.errors import DomainError, NotFound, ValidationError
from flexchain.planning import accuracy
from flexchain.planning import run as planning_run
from flexchain.planning.run import (
    HISTORY_WEEKS,
    ItemForecast,
    ItemPolicy,
    PlanParameters,
    PlanResult,
    PlanRunStatus,
    Progress,
    Snapshot,
    Stopwatch,
    monday,
)
from flexchain.planning.run_steps import classify_items
from flexchain.services import audit
from flexchain.services.plan_reports import (
    ItemExplanation,
    diff_runs,
    explain_item,
    export_plan,
    plan_rows,
)
from flexchain.services.plan_reports import current_run as current_run
from flexchain.services.plan_reports import previous_run as previous_run

__all__ = [
    "ACCURACY_GROUPS",
    "HISTORY_WEEKS",
    "STALE_AFTER",
    "STEPS",
    "STEP_WEIGHTS",
    "AccuracyLine",
    "AccuracyReport",
    "ItemExplanation",
    "ItemForecast",
    "ItemPolicy",
    "PlanParameters",
    "PlanRunStatus",
    "PlanStore",
    "PlanSummary",
    "RunClaims",
    "Snapshot",
    "abandon_run",
    "claim_run",
    "current_run",
    "diff_runs",
    "explain_item",
    "export_plan",
    "forecast_accuracy",
    "plan_rows",
    "previous_run",
    "run_plan",
]

STEPS = ("snapshot", *(step.name for step in planning_run.STEPS), "write")
STEP_WEIGHTS: dict[str, int] = {
    "snapshot": 2,
    **{step.name: step.weight for step in planning_run.STEPS},
    "write": 1,
}
"""Each step's share of a typical run, for progress bars."""
STALE_AFTER = timedelta(minutes=120)
"""A run ``running`` for longer is taken as dead (``FLEXCHAIN_PLAN_RUN_STALE_MINUTES``)."""


class PlanStore(Protocol):
    """What a planning run needs of the plans store (:class:`~flexchain.adapters.db.plans.
    SqlPlanStore`; tests/fakes.py has an in-memory one)."""

    def start_run(
        self, *, started_at: datetime, period_start: date, horizon: int, actor: str
    ) -> int: ...

    def load_snapshot(self, *, today: date, horizon: int, now: datetime) -> Snapshot: ...

    def write_plan(
        self,
        run_id: int,
        result: PlanResult,
        *,
        inputs: dict[int, dict[str, str]],
        stats: dict[str, Any],
        finished_at: datetime,
    ) -> None: ...

    def fail_run(self, run_id: int, *, error: str, finished_at: datetime, actor: str) -> None: ...


@runtime_checkable
class RunClaims(Protocol):
    """A plans store that can tell whether another run is going (the SQL one can; an
    in-memory store without it runs without the check)."""

    def blocking_run(self, run_id: int, *, since: datetime) -> PlanRun | None: ...


@runtime_checkable
class StepRecords(Protocol):
    """A plans store that records the step a run is on, for other processes to show (the SQL
    one does, each in a transaction of its own)."""

    def record_step(self, run_id: int, step: str) -> None: ...


@runtime_checkable
class StaleRuns(Protocol):
    """A plans store that marks runs left ``running`` past the stale limit failed (the SQL
    one does, as a run claims)."""

    def fail_stale_runs(
        self, run_id: int, *, started_before: datetime, error: str, at: datetime, actor: str
    ) -> list[int]: ...


@dataclass(frozen=True)
class PlanSummary:
    run_id: int
    items: int
    orders: int
    exceptions: int
    seconds: dict[str, float]


def run_plan(
    db: Database | PlanStore,
    *,
    now: datetime,
    horizon: int = 26,
    actor: str = "cli",
    progress: Progress | None = None,
    fail_at: str | None = None,
    params: PlanParameters | None = None,
    clock: Callable[[], datetime] | None = None,
    history_weeks: int = HISTORY_WEEKS,
    stale_after: timedelta = STALE_AFTER,
    run_id: int | None = None,
) -> PlanSummary:
    """Run every step and write a new plan version (current once complete).

    ``db`` is a database (its :class:`~flexchain.adapters.db.plans.SqlPlanStore` is used, reading
    at most ``history_weeks`` weeks of demand history: ``FLEXCHAIN_PLAN_HISTORY_YEARS`` x 52) or
    a plans store (which has its own window). ``progress`` is called with each step's name as
    it starts; ``fail_at`` makes the named step raise (for the interrupted-run test and demos).
    ``clock`` gives the time the run completes (default: ``now``). The run first claims its
    place (:func:`claim_run`, with ``stale_after``) unless ``run_id`` is a run already claimed.

    Raises
    ------
    DomainError
        Another run is going (this one is recorded failed, saying which).
    """
    store = _store(db, history_weeks)
    today = now.date()
    if run_id is None:
        run_id = _claim(store, now=now, horizon=horizon, actor=actor, stale_after=stale_after)

    def announce(name: str) -> None:
        if isinstance(store, StepRecords):
            store.record_step(run_id, name)
        if progress is not None:
            progress(name)
        if fail_at == name:
            raise RuntimeError(f"planning stopped at step {name} (fail_at)")

    watch = Stopwatch(announce)
    try:
        with watch("snapshot"):
            snap = store.load_snapshot(today=today, horizon=horizon, now=now)
        result = planning_run.run(snap, params, progress=announce)
        watch.seconds.update(result.seconds)
        with watch("write"):
            stats = {
                "items": len(snap.items),
                "orders": len(result.mrp.planned),
                "exceptions": len(result.mrp.exceptions),
                "seconds": {k: round(v, 3) for k, v in watch.seconds.items()},
                "parameters": _recorded(params or PlanParameters()),
                "home": snap.home,
            }
            finished_at = clock() if clock is not None else now
            store.write_plan(
                run_id, result, inputs=result.inputs(), stats=stats, finished_at=finished_at
            )
    except BaseException as error:
        store.fail_run(
            run_id, error=str(error) or type(error).__name__, finished_at=now, actor=actor
        )
        raise
    return PlanSummary(
        run_id, len(snap.items), len(result.mrp.planned), len(result.mrp.exceptions), watch.seconds
    )


def _store(db: Database | PlanStore, history_weeks: int = HISTORY_WEEKS) -> PlanStore:
    if isinstance(db, Database):
        return ClaimingPlanStore(db, history_weeks=history_weeks, audit=_audit_run)
    return db


def claim_run(
    db: Database | PlanStore,
    *,
    now: datetime,
    horizon: int = 26,
    actor: str = "cli",
    stale_after: timedelta = STALE_AFTER,
) -> int:
    """Record a run of ``horizon`` weeks by ``actor`` as ``running`` (committed) and return its
    id, for :func:`run_plan` (``run_id=``) to run.

    One run at a time across processes: once recorded, if another run is still ``running``
    that started less than ``stale_after`` before ``now`` and has a lower id, this one is
    recorded failed ("another run is going: run N started at T by A") and refused. The lower
    id wins, so of two runs started at once exactly one goes. A run ``running`` for longer
    than ``stale_after`` is taken as dead (a killed process): it blocks nothing, and the claim
    records it failed ("abandoned: running longer than N minutes"), audited by ``actor``.

    Raises
    ------
    DomainError
        Another run is going.
    """
    return _claim(_store(db), now=now, horizon=horizon, actor=actor, stale_after=stale_after)


def abandon_run(
    db: Database | PlanStore, run_id: int, *, error: str, now: datetime, actor: str
) -> None:
    """Record claimed run ``run_id`` failed with ``error`` before it ran (it could not be
    started), so it blocks no other run."""
    _store(db).fail_run(run_id, error=error, finished_at=now, actor=actor)


def _claim(
    store: PlanStore, *, now: datetime, horizon: int, actor: str, stale_after: timedelta
) -> int:
    run_id = store.start_run(
        started_at=now, period_start=monday(now.date()), horizon=horizon, actor=actor
    )
    if not isinstance(store, RunClaims):
        return run_id
    minutes = round(stale_after.total_seconds() / 60)
    try:
        if isinstance(store, StaleRuns):
            store.fail_stale_runs(
                run_id, started_before=now - stale_after, at=now, actor=actor,
                error=f"abandoned: running longer than {minutes} minutes",
            )  # fmt: skip
        going = store.blocking_run(run_id, since=now - stale_after)
    except BaseException as error:
        store.fail_run(
            run_id, error=str(error) or type(error).__name__, finished_at=now, actor=actor
        )
        raise
    if going is None:
        return run_id
    reason = (
        f"another run is going: run {going.id} started at {going.started_at:%Y-%m-%d %H:%M} "
        f"UTC by {going.actor}"
    )
    store.fail_run(run_id, error=reason, finished_at=now, actor=actor)
    raise DomainError(
        f"planning run {run_id} refused: {reason}; one run at a time: wait for it to end "
        f"(a run going for more than {minutes} minutes is taken as dead), or if its process "
        f"is gone, abandon it (flexchain plan abandon {going.id})"
    )


def _audit_run(
    uow: UnitOfWork,
    actor: str,
    action: str,
    run_id: int,
    before: dict[str, Any],
    after: dict[str, Any],
    at: datetime,
) -> None:
    """A run started, completed or failed: its audit entry, by whoever started it."""
    audit.record_change(
        uow, action, "plan_run", str(run_id), before=before, after=after, at=at, actor=actor
    )


def _recorded(params: PlanParameters) -> dict[str, Any]:
    """The run's parameters as JSON values, recorded with its stats."""
    return {
        "abc_cutoffs": list(params.abc_cutoffs),
        "order_cost": params.order_cost,
        "holding_rate": params.holding_rate,
        "backtest": params.backtest,
    }


# --- forecast accuracy -------------------------------------------------------------------------

AccuracyGroup = Literal["item", "class", "pattern"]
ACCURACY_GROUPS: tuple[AccuracyGroup, ...] = ("item", "class", "pattern")


@dataclass(frozen=True)
class AccuracyLine:
    """The accuracy of the stored forecasts of one buffer, ABC-XYZ class or pattern, over their
    periods that have happened (:mod:`flexchain.planning.accuracy`): sums of actual, forecast
    and absolute error, WAPE and bias as fractions (0.125 = 12.5 %; None without demand),
    over every lag and at lag 1 (the week each forecast was made in)."""

    group: str
    """The SKU, the class (``AX``) or the pattern; ``all`` for the overall line."""
    location: str
    """An item's buffer location (the home location's code for home); ``""`` for groups."""
    abc_xyz: str
    """An item's ABC-XYZ class (``""`` when it has none now, and for groups)."""
    pattern: str
    """An item's demand pattern (``""`` when it has none now, and for groups)."""
    buffers: int
    periods: int
    actual: Decimal
    forecast: Decimal
    abs_error: Decimal
    wape: Decimal | None
    bias: Decimal | None
    periods_lag1: int
    actual_lag1: Decimal
    forecast_lag1: Decimal
    abs_error_lag1: Decimal
    wape_lag1: Decimal | None
    bias_lag1: Decimal | None


@dataclass(frozen=True)
class AccuracyReport:
    """``plan accuracy``: the forecasts of earlier runs measured against the weeks before
    ``week``; ``lines`` per item (largest absolute error first), class or pattern."""

    week: date
    """The Monday of the report's week: actuals are the complete weeks before it."""
    by: AccuracyGroup
    origins: list[date]
    """The weeks whose forecasts were measured (each one's latest complete run)."""
    overall: AccuracyLine
    lines: list[AccuracyLine]


def forecast_accuracy(
    uow: UnitOfWork,
    *,
    today: date,
    by: str = "item",
    item: str | None = None,
    params: PlanParameters | None = None,
    history_weeks: int = HISTORY_WEEKS,
) -> AccuracyReport:
    """How wrong the forecasts of the complete runs of the last 60 weeks were, per item and
    location, ABC-XYZ class or pattern (``by``) and overall, for one SKU (``item``) or all.

    The actuals are the weekly demand a run on ``today`` would read (imported history plus
    sales, per buffer), classes and patterns those it would give (``params.abc_cutoffs``).

    Raises
    ------
    ValidationError
        ``by`` is not item, class or pattern.
    NotFound
        ``item`` is no active item.
    """
    if by not in ACCURACY_GROUPS:
        raise ValidationError("by", f"{by!r} is not one of {', '.join(ACCURACY_GROUPS)}")
    group = cast(AccuracyGroup, by)
    snap = plans_store.load_demand(uow, today=today, history_weeks=history_weeks)
    skus = plan_reads.skus(uow)
    past = snap.past_forecasts
    if item is not None:
        ids = [i for i, sku in skus.items() if sku == item]
        if not ids:
            raise NotFound(f"unknown item {item!r}")
        past = past.filter(pl.col("item") == ids[0])
    classified = classify_items(snap, params or PlanParameters())
    if classified is None:  # no history: nothing has happened to measure against
        empty = {"item": pl.Int64, "location": pl.String, "period": pl.Date}
        figures = accuracy.forecast_accuracy(
            past, pl.DataFrame(schema={**empty, "quantity": pl.Float64})
        )
    else:
        figures = accuracy.forecast_accuracy(past, classified.panel, classified.classes)
    if group == "item":
        ranked = figures.buffers.sort(
            "abs_error", "item", "location", descending=[True, False, False]
        )
        lines = [_item_line(row, skus, snap.home) for row in ranked.iter_rows(named=True)]
    else:
        grouped = figures.by_class if group == "class" else figures.by_pattern
        lines = [_line(row, str(row[group] or "none")) for row in grouped.iter_rows(named=True)]
    origins = sorted(past["origin"].unique().to_list())
    overall = _line(figures.overall.row(0, named=True), "all")
    return AccuracyReport(snap.period_start, group, origins, overall, lines)


def _quantity(value: float | None) -> Decimal:
    return Decimal(str(round(value or 0.0, 3)))


def _ratio(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(round(value, 4)))


def _line(row: dict[str, Any], group: str, **labels: str) -> AccuracyLine:
    return AccuracyLine(
        group=group,
        location=labels.get("location", ""),
        abc_xyz=labels.get("abc_xyz", ""),
        pattern=labels.get("pattern", ""),
        buffers=int(row.get("buffers", 1)),
        periods=int(row["periods"] or 0),
        actual=_quantity(row["actual"]),
        forecast=_quantity(row["forecast"]),
        abs_error=_quantity(row["abs_error"]),
        wape=_ratio(row["wape"]),
        bias=_ratio(row["bias"]),
        periods_lag1=int(row["periods_lag1"] or 0),
        actual_lag1=_quantity(row["actual_lag1"]),
        forecast_lag1=_quantity(row["forecast_lag1"]),
        abs_error_lag1=_quantity(row["abs_error_lag1"]),
        wape_lag1=_ratio(row["wape_lag1"]),
        bias_lag1=_ratio(row["bias_lag1"]),
    )


def _item_line(row: dict[str, Any], skus: dict[int, str], home: str) -> AccuracyLine:
    return _line(
        row,
        skus.get(row["item"], str(row["item"])),
        location=row["location"] or home,
        abc_xyz=row.get("class") or "",
        pattern=row.get("pattern") or "",
    )
