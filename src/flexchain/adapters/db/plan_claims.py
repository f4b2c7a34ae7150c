"""One planning run at a time, across processes: the claim check of the plans store.

A run claims by being recorded ``running`` and committed (:meth:`SqlPlanStore.start_run`);
then :func:`blocking_run` looks for another run still ``running``, started after the stale
limit, with a lower id. The lower id wins, so of two runs started at once exactly one goes.

For "lower id wins" to decide, every run with a lower id must be visible when a run checks.
SQLite gives that by itself (one writer at a time: a run's id is handed out and committed
before the next writer starts). PostgreSQL hands out ids from a sequence outside the
transaction, so a run with a lower id may still be committing; the check first takes
``SHARE`` on ``plan_runs``, which waits for every transaction writing to it to end.

A run left ``running`` (its process killed, its server stopped) is marked failed: by the next
claim once it is older than the stale limit (:meth:`ClaimingPlanStore.fail_stale_runs`, in a
transaction of its own before the check: updating under the ``SHARE`` lock, two claims would
deadlock), or by hand (:func:`locked_run` and :func:`mark_failed`, ``flexchain plan abandon``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, text, update

from flexchain.adapters.db.plan_reads import PlanRun, run_of
from flexchain.adapters.db.plans import SqlPlanStore
from flexchain.adapters.db.tables import PlanRunRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.planning.run import PlanRunStatus

__all__ = ["ClaimingPlanStore", "blocking_run", "locked_run", "mark_failed", "stale_runs"]


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


def locked_run(uow: UnitOfWork, run_id: int) -> PlanRun | None:
    """Run ``run_id`` with its row locked until the unit of work ends (PostgreSQL), so two
    changes of its status queue; None if there is no such run."""
    row = uow.session.scalars(
        select(PlanRunRow).where(PlanRunRow.id == run_id).with_for_update()
    ).first()
    return None if row is None else run_of(row)


def stale_runs(uow: UnitOfWork, run_id: int, *, started_before: datetime) -> list[PlanRun]:
    """The runs still ``running`` that started before ``started_before``, with a lower id than
    ``run_id``, oldest first, their rows locked (a claim racing this one waits, then finds
    them failed)."""
    rows = uow.session.scalars(
        select(PlanRunRow)
        .where(
            PlanRunRow.status == PlanRunStatus.RUNNING.value,
            PlanRunRow.id < run_id,
            PlanRunRow.started_at < started_before,
        )
        .order_by(PlanRunRow.id)
        .with_for_update()
    ).all()
    return [run_of(row) for row in rows]


def mark_failed(uow: UnitOfWork, run_id: int, *, error: str, at: datetime) -> None:
    """Record run ``run_id`` failed with ``error``, finished ``at``."""
    row = uow.session.get(PlanRunRow, run_id)
    assert row is not None
    row.status, row.error, row.finished_at = PlanRunStatus.FAILED.value, error, at
    uow.session.flush()


class ClaimingPlanStore(SqlPlanStore):
    """The plans store with the claim check (:func:`blocking_run`, in its own transaction)."""

    def blocking_run(self, run_id: int, *, since: datetime) -> PlanRun | None:
        with UnitOfWork(self.engine) as uow:
            found = blocking_run(uow, run_id, since=since)
            uow.commit()  # releases the lock
        return found

    def record_step(self, run_id: int, step: str) -> None:
        """Record the step run ``run_id`` is on (``stats["step"]`` while it is ``running``;
        its stats are replaced when it completes), committed at once so that any process can
        show it."""
        with UnitOfWork(self.engine) as uow:
            uow.session.execute(
                update(PlanRunRow)
                .where(
                    PlanRunRow.id == run_id,
                    PlanRunRow.status == PlanRunStatus.RUNNING.value,
                )
                .values(stats={"step": step})
            )
            uow.commit()

    def fail_stale_runs(
        self, run_id: int, *, started_before: datetime, error: str, at: datetime, actor: str
    ) -> list[int]:
        """Record every run still ``running`` that started before ``started_before`` (and has
        a lower id than ``run_id``) failed with ``error``, audited (``abandoned``, by
        ``actor``); their ids. One transaction of its own."""
        with UnitOfWork(self.engine, actor=actor) as uow:
            stale = stale_runs(uow, run_id, started_before=started_before)
            for run in stale:
                mark_failed(uow, run.id, error=error, at=at)
                after: dict[str, Any] = {"status": PlanRunStatus.FAILED.value, "error": error}
                if self.audit is not None:
                    self.audit(uow, actor, "abandoned", run.id, {"status": run.status.value},
                               after, at)  # fmt: skip
            uow.commit()
        return [run.id for run in stale]
