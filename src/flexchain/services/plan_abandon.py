"""``flexchain plan abandon RUN``, ``POST /plan/runs/{ticket}/abandon``: record a run left
``running`` by a process that died (a server stopped mid-run, a ``flexchain plan`` killed)
failed, so it blocks no other run before the stale limit
(:func:`flexchain.services.planning.claim_run` marks such a run failed by itself once it is
older than ``FLEXCHAIN_PLAN_RUN_STALE_MINUTES``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from flexchain.adapters.db import plan_claims
from flexchain.adapters.db.plan_reads import PlanRun
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.checks import text
from flexchain.domain.errors import DomainError, NotFound
from flexchain.domain.values import utc
from flexchain.planning.run import PlanRunStatus
from flexchain.services import audit

__all__ = ["abandon_running"]


def abandon_running(
    uow: UnitOfWork, run_id: int, *, reason: str = "", now: datetime, going_here: bool = False
) -> PlanRun:
    """Record run ``run_id``, still ``running``, failed: "abandoned by ACTOR: REASON" (the
    unit of work's actor), audited (``abandoned``, entity ``plan_run``); the run as recorded
    now. If its process was in fact alive, it still ends as it would have (complete or failed).

    Raises
    ------
    NotFound
        No run ``run_id`` is recorded.
    DomainError
        The run is not ``running`` (it ended: complete or failed), or ``going_here``: this
        server process runs it (it is alive: wait for it to end).
    """
    now = utc(now, "now")
    why = text(reason, "reason", max_length=500, required=False)
    run = plan_claims.locked_run(uow, run_id)
    if run is None:
        raise NotFound(f"no planning run {run_id} is recorded")
    if run.status is not PlanRunStatus.RUNNING:
        raise DomainError(
            f"planning run {run_id} is {run.status.value}, not running: only a run still "
            "recorded running can be abandoned"
        )
    if going_here:
        raise DomainError(
            f"planning run {run_id} is going on this server: it is alive, wait for it to end"
        )
    error = f"abandoned by {uow.actor}" + (f": {why}" if why else "")
    plan_claims.mark_failed(uow, run_id, error=error, at=now)
    audit.record_change(
        uow, "abandoned", "plan_run", str(run_id), before={"status": run.status.value},
        after={"status": PlanRunStatus.FAILED.value, "error": error}, at=now,
    )  # fmt: skip
    return replace(run, status=PlanRunStatus.FAILED, error=error, finished_at=now)
