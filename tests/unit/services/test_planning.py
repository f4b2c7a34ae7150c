"""The planning run's use case against the in-memory plans store (tests/fakes.py): no database.

A tiny snapshot: a fabric bought with a week's lead time, no stock and no history, and a firm
order for 10 m due in week 1; MRP must buy exactly those 10 m, released in week 0.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from flexchain.planning.run import PlanItem, PlanRunStatus, Snapshot
from flexchain.services import planning
from tests.fakes import FakePlanStore

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)  # a Monday
FABRIC = 7


def tiny_snapshot() -> Snapshot:
    snap = Snapshot(period_start=NOW.date(), horizon=4)
    snap.items = {FABRIC: PlanItem(FABRIC, "FABRIC", make=False, custom=False, unit_value=4.2)}
    snap.lead_days = {FABRIC: 7}
    snap.lead_sd_days = {FABRIC: Decimal(0)}
    snap.lot = {FABRIC: (Decimal(0), Decimal(1))}
    snap.firm = [(FABRIC, 1, Decimal(10), "order:1001")]
    return snap


def test_a_run_is_recorded_first_writes_its_planned_orders_and_is_current_once_complete() -> None:
    # given a plans store holding the tiny snapshot
    store = FakePlanStore(tiny_snapshot())

    # when the plan runs
    summary = planning.run_plan(store, now=NOW, horizon=4, clock=lambda: NOW + timedelta(1))

    # then the run was recorded as running before anything was read, and is complete now
    assert store.seen_at_load == [{summary.run_id: PlanRunStatus.RUNNING}]
    run = store.runs[summary.run_id]
    assert run.status is PlanRunStatus.COMPLETE and store.current_run() == summary.run_id
    assert run.period_start == date(2026, 11, 23) and run.finished_at == NOW + timedelta(1)
    assert run.stats["orders"] == summary.orders == 1
    # and it bought the 10 m for the order, a week ahead
    (order,) = store.orders[summary.run_id]
    assert (order.item, order.kind, order.release_period, order.due_period, order.quantity) == (
        "FABRIC",
        "purchase",
        0,
        1,
        Decimal(10),
    )
    assert order.pegs == (("order:1001", Decimal(10)),)
    assert store.inputs[summary.run_id][FABRIC]["orders"] == "10"
    assert list(summary.seconds) == list(planning.STEPS)


def test_a_failed_run_is_recorded_failed_writes_nothing_and_the_previous_plan_stays_current() -> (
    None
):
    # given a complete plan
    store = FakePlanStore(tiny_snapshot())
    first = planning.run_plan(store, now=NOW, horizon=4)

    # when the next run stops at its MRP step
    with pytest.raises(RuntimeError, match="stopped at step mrp"):
        planning.run_plan(store, now=NOW, horizon=4, fail_at="mrp")

    # then it is failed with its error, wrote no plan, and the first run is still current
    failed = store.runs[2]
    assert failed.status is PlanRunStatus.FAILED and "stopped at step mrp" in (failed.error or "")
    assert 2 not in store.orders and store.current_run() == first.run_id


def test_progress_names_every_step_in_order() -> None:
    store = FakePlanStore(tiny_snapshot())
    seen: list[str] = []

    planning.run_plan(store, now=NOW, horizon=4, progress=seen.append)

    assert seen == list(planning.STEPS)
    assert seen == ["snapshot", "classify", "forecast", "policy", "mrp", "write"]
