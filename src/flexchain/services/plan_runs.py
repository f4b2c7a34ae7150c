"""Planning runs started from the control tower: one at a time, in the background, with the
progress a page polls.

:func:`start_plan_run` claims the :class:`PlanRunBoard` (refused while a run it started is
going) and the database (:func:`flexchain.services.planning.claim_run`: refused while a run
started anywhere is going), then hands the work —
:func:`flexchain.services.planning.run_plan`, the same use case as ``flexchain plan``, with the
installation's planning settings — to ``spawn``, the caller's way of running a function in the
background. The board records each step as the run reaches it and how the run ended;
:meth:`PlanRunBoard.view` answers what a page (or ``GET /plan/runs/{ticket}``) shows.

This module holds no thread and no lock of its own (services do not own the server's
runtime): the server keeps one board per process on the app's state, built with a
``threading.Lock`` as its guard, and spawns a daemon thread per run
(:mod:`flexchain.entrypoints.api.plan_runs`, used by the page and the API). Tests pass a
plain call as ``spawn``.

The board answers quickly for runs of this process; the database's claim is what keeps one
run at a time across processes (another worker process, ``flexchain plan`` in a terminal).
Every run, wherever it started, is recorded in the database (``running``, then ``complete``
or ``failed``), and only a complete one becomes the current plan.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from flexchain.adapters.db.plans import Database
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.config import Settings
from flexchain.domain.checks import whole_number
from flexchain.domain.errors import DomainError, NotFound
from flexchain.domain.values import utc
from flexchain.services import plan_views, planning

__all__ = [
    "KEPT",
    "PlanRunBoard",
    "RunProgress",
    "RunStatus",
    "StepView",
    "start_plan_run",
    "watch",
]

RunStatus = Literal["running", "complete", "failed"]
StepState = Literal["done", "running", "waiting", "failed"]
KEPT = 20
"""How many ended runs a board remembers (the newest), so a page watching one still finds it."""
MAX_HORIZON = 104
"""The longest horizon a run started here may plan, in weeks."""


@dataclass(frozen=True)
class StepView:
    """A step of a run: its name, its share of a typical run and where the run stands on it."""

    name: str
    weight: int
    state: StepState


@dataclass(frozen=True)
class RunProgress:
    """A run started here: who started it and when, the step it is on (or failed at), the
    share done by step weights (:data:`flexchain.services.planning.STEP_WEIGHTS`), and once it
    ended, the plan version it wrote with its counts, or the error."""

    ticket: int
    """The run's number on this board (the plan version it writes is ``run_id``)."""
    status: RunStatus
    actor: str
    started_at: datetime
    horizon: int
    step: str | None
    percent: int
    steps: tuple[StepView, ...]
    finished_at: datetime | None = None
    run_id: int | None = None
    """The run as the database records it (known once claimed; current when complete)."""
    items: int | None = None
    orders: int | None = None
    exceptions: int | None = None
    error: str | None = None

    @property
    def going(self) -> bool:
        return self.status == "running"


@dataclass
class _Entry:
    ticket: int
    actor: str
    started_at: datetime
    horizon: int
    status: RunStatus = "running"
    run_id: int | None = None
    step: str | None = None
    finished_at: datetime | None = None
    summary: planning.PlanSummary | None = None
    error: str | None = None


def _steps(entry: _Entry) -> tuple[StepView, ...]:
    reached = planning.STEPS.index(entry.step) if entry.step in planning.STEPS else -1
    views = []
    for index, name in enumerate(planning.STEPS):
        state: StepState
        if entry.status == "complete" or index < reached:
            state = "done"
        elif index == reached:
            state = "failed" if entry.status == "failed" else "running"
        else:
            state = "waiting"
        views.append(StepView(name, planning.STEP_WEIGHTS[name], state))
    return tuple(views)


def _percent(steps: tuple[StepView, ...]) -> int:
    total = sum(step.weight for step in steps)
    done = sum(step.weight for step in steps if step.state == "done")
    return round(100 * done / total) if total else 0


class PlanRunBoard:
    """The runs started in one server process: at most one going, the last :data:`KEPT`
    ended ones remembered. ``guard`` serialises every read and change (a
    ``threading.Lock`` where a background thread reports to it; none by default)."""

    def __init__(self, guard: AbstractContextManager[Any] | None = None) -> None:
        self._guard: AbstractContextManager[Any] = guard if guard is not None else nullcontext()
        self._entries: dict[int, _Entry] = {}
        self._last = 0

    def claim(self, *, actor: str, now: datetime, horizon: int, ticket: int | None = None) -> int:
        """A ticket for a new run by ``actor`` (``ticket``: the run's id in the database, else
        the next number); DomainError while another run is going."""
        with self._guard:
            self._refuse_going()
            self._last = self._last + 1 if ticket is None else ticket
            self._entries[self._last] = _Entry(self._last, actor, now, horizon)
            for old in sorted(self._entries)[: -KEPT - 1]:
                del self._entries[old]
            return self._last

    def check_free(self) -> None:
        """DomainError, naming it, while a run started on this board is going."""
        with self._guard:
            self._refuse_going()

    def _refuse_going(self) -> None:
        going = self._going()
        if going is not None:
            raise DomainError(
                f"planning run {going.ticket} started by {going.actor} at "
                f"{going.started_at:%H:%M} UTC is still going: one run at a time, watch it "
                "or wait for it to end"
            )

    def record(self, ticket: int, run_id: int) -> None:
        """Run ``ticket`` is recorded in the database as run ``run_id``."""
        with self._guard:
            self._entry(ticket).run_id = run_id

    def drop(self, ticket: int) -> None:
        """Forget run ``ticket`` (refused before it started)."""
        with self._guard:
            self._entries.pop(ticket, None)

    def advance(self, ticket: int, step: str) -> None:
        """Run ``ticket`` starts ``step``."""
        with self._guard:
            self._entry(ticket).step = step

    def finish(self, ticket: int, summary: planning.PlanSummary, *, at: datetime) -> None:
        """Run ``ticket`` wrote plan ``summary.run_id``, now current."""
        with self._guard:
            entry = self._entry(ticket)
            entry.status, entry.summary, entry.finished_at = "complete", summary, at

    def fail(self, ticket: int, error: str, *, at: datetime) -> None:
        """Run ``ticket`` stopped with ``error`` (the run is recorded failed, never current)."""
        with self._guard:
            entry = self._entry(ticket)
            entry.status, entry.error, entry.finished_at = "failed", error, at

    def view(self, ticket: int | None = None) -> RunProgress | None:
        """Run ``ticket`` (NotFound if this board does not know it); without a ticket the run
        going, else the newest one that ended, else None."""
        with self._guard:
            if ticket is not None:
                return _view(self._entry(ticket))
            going = self._going()
            if going is not None:
                return _view(going)
            return _view(self._entries[max(self._entries)]) if self._entries else None

    def _going(self) -> _Entry | None:
        return next((e for e in self._entries.values() if e.status == "running"), None)

    def _entry(self, ticket: int) -> _Entry:
        found = self._entries.get(ticket)
        if found is None:
            raise NotFound(
                f"no planning run {ticket} started on this server (it remembers the last "
                f"{KEPT}; a restart forgets them: the plan page shows the current plan)"
            )
        return found


def _view(entry: _Entry) -> RunProgress:
    steps = _steps(entry)
    summary = entry.summary
    progress = RunProgress(
        entry.ticket,
        entry.status,
        entry.actor,
        entry.started_at,
        entry.horizon,
        entry.step,
        100 if entry.status == "complete" else _percent(steps),
        steps,
        entry.finished_at,
        run_id=entry.run_id,
        error=entry.error,
    )
    if summary is None:
        return progress
    return replace(
        progress,
        run_id=summary.run_id,
        items=summary.items,
        orders=summary.orders,
        exceptions=summary.exceptions,
    )


def start_plan_run(
    board: PlanRunBoard,
    db: Database | planning.PlanStore,
    *,
    settings: Settings,
    actor: str,
    now: datetime,
    clock: Callable[[], datetime],
    spawn: Callable[[Callable[[], None]], object],
    horizon: int = 26,
) -> RunProgress:
    """Start a planning run of ``horizon`` weeks by ``actor`` through ``spawn`` and return its
    progress (``running``, no step yet when ``spawn`` runs it later).

    The run is :func:`flexchain.services.planning.run_plan` with the parameters and history
    window the settings give (as ``flexchain plan`` runs it); ``clock`` stamps when steps and
    the run end. The board records each step, then the plan written or the error.

    Raises
    ------
    ValidationError
        ``horizon`` is not a whole number of weeks from 1 to :data:`MAX_HORIZON`.
    DomainError
        A run started on this board, or anywhere (recorded ``running`` in the database for
        less than ``settings.plan_run_stale_minutes``), is still going.
    """
    now = utc(now, "now")
    horizon = whole_number(horizon, "horizon", minimum=1, maximum=MAX_HORIZON)
    board.check_free()  # refused here, a click on a busy server records nothing
    run_id = planning.claim_run(
        db,
        now=now,
        horizon=horizon,
        actor=actor,
        stale_after=timedelta(minutes=settings.plan_run_stale_minutes),
    )
    try:  # the ticket is the run's id: any process serving the database can watch it
        ticket = board.claim(actor=actor, now=now, horizon=horizon, ticket=run_id)
    except DomainError as error:
        planning.abandon_run(db, run_id, error=str(error), now=now, actor=actor)
        raise
    board.record(ticket, run_id)

    def work() -> None:
        try:
            summary = planning.run_plan(
                db,
                now=now,
                horizon=horizon,
                actor=actor,
                progress=lambda step: board.advance(ticket, step),
                params=planning.PlanParameters.from_settings(settings),
                clock=clock,
                history_weeks=52 * settings.plan_history_years,
                run_id=run_id,
            )
        except BaseException as error:
            board.fail(ticket, str(error) or type(error).__name__, at=clock())
            if not isinstance(error, Exception):
                raise
            return
        board.finish(ticket, summary, at=clock())

    try:
        spawn(work)
    except Exception as error:
        message = f"the run could not be started: {error}"
        board.fail(ticket, message, at=now)
        planning.abandon_run(db, run_id, error=message, now=now, actor=actor)
        raise
    found = board.view(ticket)
    assert found is not None
    return found


def watch(board: PlanRunBoard, uow: UnitOfWork, ticket: int) -> RunProgress:
    """Run ``ticket``'s progress: from ``board`` when this process runs it, else as the
    database records it (a run another server process or ``flexchain plan`` started: its
    status, who, when, the step it reached — each run records its steps as it goes — and its
    counts or error once it ended).

    Raises
    ------
    NotFound
        No run ``ticket`` is recorded.
    """
    try:
        found = board.view(ticket)
    except NotFound:
        found = None
    if found is not None:
        return found
    record = plan_views.recorded_run(uow, ticket)
    if record is None:
        raise NotFound(f"no planning run {ticket}")
    status: RunStatus = "running"
    if record.status == "complete":
        status = "complete"
    elif record.status == "failed":
        status = "failed"
    entry = _Entry(
        ticket, record.actor, record.started_at, record.horizon, status=status,
        run_id=record.id, step=record.step, finished_at=record.finished_at, error=record.error,
    )  # fmt: skip
    steps = _steps(entry)
    return RunProgress(
        ticket,
        status,
        record.actor,
        record.started_at,
        record.horizon,
        record.step,
        100 if status == "complete" else _percent(steps),
        steps,
        record.finished_at,
        run_id=record.id,
        items=record.items,
        orders=record.orders,
        exceptions=record.exceptions,
        error=record.error or None,
    )
