"""One planning run at a time, across processes: the claim check of the plans store.

A run claims by being recorded ``running`` and committed (:meth:`SqlPlanStore.start_run`);
then :func:`blocking_run` looks for another run still ``running``, started after the stale
limit, with a lower id. The lower id wins, so of two runs started at once exactly one goes.

For "lower id wins" to decide, every run with a lower id must be visible when a run checks.
SQLite gives that by itself (one writer at a time: a run's id is handed out and committed
before the next writer starts). PostgreSQL hands out ids from a sequence outside the
transaction, so a run with a lower id may still be committing; the check first takes
``SHARE`` on ``plan_runs``, which waits for every transaction writing to it to end.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, text

from flexchain.adapters.db.plan_reads import PlanRun, run_of
from flexchain.adapters.db.plans import SqlPlanStore
from flexchain.adapters.db.tables import PlanRunRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.planning.run import PlanRunStatus

__all__ = ["ClaimingPlanStore", "blocking_run"]


def blocking_run(uow: UnitOfWork, run_id: int, *, since: datetime) -> PlanRun | None:
    """The oldest other run still ``running`` that started at or after ``since`` and has a
    lower id than ``run_id`` (None: ``run_id`` may go). Needs a writing unit of work (on
    PostgreSQL it waits for the runs being recorded; see the module's docstring)."""
    session = uow.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE plan_runs IN SHARE MODE"))
    row = session.scalars(
        select(PlanRunRow)
        .where(
            PlanRunRow.status == PlanRunStatus.RUNNING.value,
            PlanRunRow.id < run_id,
            PlanRunRow.started_at >= since,
        )
        .order_by(PlanRunRow.id)
        .limit(1)
    ).first()
    return None if row is None else run_of(row)


class ClaimingPlanStore(SqlPlanStore):
    """The plans store with the claim check (:func:`blocking_run`, in its own transaction)."""

    def blocking_run(self, run_id: int, *, since: datetime) -> PlanRun | None:
        with UnitOfWork(self.engine) as uow:
            found = blocking_run(uow, run_id, since=since)
            uow.commit()  # releases the lock
        return found
