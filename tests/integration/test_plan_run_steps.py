"""A run records the step it is on, so a process that did not start it shows its progress; and a
run abandoned while it ran does not become the current plan (both databases)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select

from flexchain.adapters.db.tables import PlanRunRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.errors import DomainError
from flexchain.services import planning
from flexchain.services.plan_abandon import abandon_running
from flexchain.services.plan_runs import PlanRunBoard, RunProgress, watch

NOW = datetime(2026, 12, 7, 9, tzinfo=UTC)


def test_another_process_sees_the_step_a_run_is_on(engine: Engine) -> None:
    # given a run started elsewhere (its board is not ours: a fresh one stands for our process)
    seen: dict[str, RunProgress] = {}

    def look(step: str) -> None:
        if step in ("forecast", "mrp"):
            with UnitOfWork(engine, write=False) as uow:
                run_id = uow.session.scalar(select(PlanRunRow.id).order_by(PlanRunRow.id.desc()))
                assert run_id is not None
                seen[step] = watch(PlanRunBoard(), uow, run_id)

    # when it runs, and we watch it at two of its steps
    summary = planning.run_plan(engine, now=NOW, horizon=4, progress=look)
    # then each look names the step it is on, the steps before are done, the share grows
    forecast, mrp = seen["forecast"], seen["mrp"]
    assert forecast.status == mrp.status == "running"
    assert (forecast.step, mrp.step) == ("forecast", "mrp")
    states = {view.name: view.state for view in mrp.steps}
    assert states["snapshot"] == states["forecast"] == "done" and states["mrp"] == "running"
    assert states["write"] == "waiting"
    assert 0 < forecast.percent < mrp.percent < 100
    # and once complete it reads as complete, every step done
    with UnitOfWork(engine, write=False) as uow:
        done = watch(PlanRunBoard(), uow, summary.run_id)
    assert (done.status, done.percent, done.step) == ("complete", 100, None)
    assert {view.state for view in done.steps} == {"done"}


def test_a_failed_run_shows_the_step_it_failed_at(engine: Engine) -> None:
    with pytest.raises(RuntimeError):
        planning.run_plan(engine, now=NOW, horizon=4, fail_at="policy")
    with UnitOfWork(engine, write=False) as uow:
        run_id = uow.session.scalar(select(PlanRunRow.id).order_by(PlanRunRow.id.desc()))
        assert run_id is not None
        failed = watch(PlanRunBoard(), uow, run_id)
    states = {view.name: view.state for view in failed.steps}
    assert failed.status == "failed" and failed.step == "policy"
    assert states["forecast"] == "done" and states["policy"] == "failed"


def test_a_run_abandoned_while_it_ran_is_not_kept(engine: Engine) -> None:
    # given a complete plan, then a run that someone abandons while it forecasts
    first = planning.run_plan(engine, now=NOW, horizon=4).run_id

    def abandon(step: str) -> None:
        if step == "forecast":
            with UnitOfWork(engine, actor="ops@example.com") as uow:
                run_id = uow.session.scalar(select(func_max_id()))
                abandon_running(uow, run_id, reason="looked dead", now=NOW)
                uow.commit()

    # when it reaches the end, its plan is refused
    with pytest.raises(DomainError, match=r"was recorded failed.*abandoned by ops@example.com"):
        planning.run_plan(engine, now=NOW, horizon=4, progress=abandon)
    # then it stays failed and the first plan is still the current one
    with UnitOfWork(engine, write=False) as uow:
        runs = dict(uow.session.execute(select(PlanRunRow.id, PlanRunRow.status)).all())
    assert runs[first] == "complete"
    assert [status for run_id, status in runs.items() if run_id != first] == ["failed"]


def func_max_id():  # type: ignore[no-untyped-def]
    from sqlalchemy import func

    return func.max(PlanRunRow.id)
