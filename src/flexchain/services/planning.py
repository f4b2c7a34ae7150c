"""``flexchain plan``: record a run, load its snapshot, run the planning steps, write the plan.

Steps, in order (``STEPS``): snapshot -> classify -> forecast -> policy -> mrp -> write; the
middle four are the pure run (:func:`flexchain.planning.run.run`), the first and last go through
the plans store (:mod:`flexchain.adapters.db.plans`). The run is recorded as ``running`` first
(committed), so a run that fails or is killed is visible and never current; the plan rows and the
``complete`` status are written in one transaction at the end, and only then does the new version
become current. Reports on stored plans (show, export, diff, explain) are
:mod:`flexchain.services.plan_reports`.

Garbage-collector tuning (freezing what earlier steps built, between steps) belongs to whoever
drives the process: ``flexchain plan`` and bench/plan.py pass the hook of
:func:`flexchain.entrypoints.cli.plan.gc_frozen` as ``progress``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from flexchain.adapters.db.plans import Database, SqlPlanStore
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
    "HISTORY_WEEKS",
    "STEPS",
    "STEP_WEIGHTS",
    "ItemExplanation",
    "ItemForecast",
    "ItemPolicy",
    "PlanParameters",
    "PlanRunStatus",
    "PlanStore",
    "PlanSummary",
    "Snapshot",
    "current_run",
    "diff_runs",
    "explain_item",
    "export_plan",
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
) -> PlanSummary:
    """Run every step and write a new plan version (current once complete).

    ``db`` is a database (its :class:`~flexchain.adapters.db.plans.SqlPlanStore` is used) or a
    plans store. ``progress`` is called with each step's name as it starts; ``fail_at`` makes
    the named step raise (for the interrupted-run test and demos). ``clock`` gives the time the
    run completes (default: ``now``).
    """
    store: PlanStore = SqlPlanStore(db) if isinstance(db, Database) else db
    today = now.date()
    run_id = store.start_run(
        started_at=now, period_start=monday(today), horizon=horizon, actor=actor
    )

    def announce(name: str) -> None:
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


def _recorded(params: PlanParameters) -> dict[str, Any]:
    """The run's parameters as JSON values, recorded with its stats."""
    return {
        "abc_cutoffs": list(params.abc_cutoffs),
        "order_cost": params.order_cost,
        "holding_rate": params.holding_rate,
        "backtest": params.backtest,
    }
