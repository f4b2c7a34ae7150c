"""``/plan/runs``, ``/plan/orders``, ``/plan/exceptions``, ``/plan/diff``: planning runs started
and watched through the API, and the current plan's rows and changes, as the Plan page and
``flexchain plan``/``plan show``/``plan diff`` have them.

* ``POST /plan/runs`` (planners, admins): start a run in the background, the same run as the
  page's (:func:`flexchain.services.plan_runs.start_plan_run` on this process's board); 202
  with the run's progress and ``Location: /plan/runs/{ticket}``. Refused (422) while a run
  goes, here or anywhere (:func:`flexchain.services.planning.claim_run`).
* ``GET /plan/runs/{ticket}``: that run's progress (steps, share done, status, the plan
  version it writes, the error when it failed) while this server process remembers it.
* ``GET /plan/runs``: the runs recorded in the database, wherever they started.
* ``POST /plan/runs/{ticket}/abandon`` (planners, admins): record a run left ``running`` by a
  process that died failed, with ``reason`` (:func:`flexchain.services.plan_abandon.
  abandon_running`, as ``flexchain plan abandon``); 422 for a run that is not running, or
  that this server process runs.
* ``GET /plan/orders``, ``GET /plan/exceptions``: a page of the current plan's (or ``run``'s)
  planned orders with pegging, or exceptions, filtered by ``kind`` and a part of a ``sku``;
  ``X-Total-Count`` says how many match (:mod:`flexchain.services.plan_views`).
* ``GET /plan/diff``: what changed between two plans and why
  (:func:`flexchain.services.plan_reports.diff_runs`; default: the previous complete plan
  against the current one).

Every staff role reads; a supplier's user gets 403. :func:`board_of` is the process's board
of runs, which the Plan page uses too.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from flexchain.domain.errors import NotFound
from flexchain.domain.identity import STAFF, Principal, Role
from flexchain.entrypoints.api.access import allow
from flexchain.entrypoints.api.deps import AppDep, uow_for
from flexchain.entrypoints.api.inputs import STORABLE_TEXT
from flexchain.entrypoints.api.responses import errors
from flexchain.entrypoints.cli.render import plain
from flexchain.services import plan_abandon, plan_reports, plan_views
from flexchain.services.plan_runs import MAX_HORIZON, PlanRunBoard, start_plan_run, watch

__all__ = ["PLANNERS", "board_of", "in_thread", "router"]

router = APIRouter(prefix="/plan", tags=["plan"], dependencies=[STORABLE_TEXT])

PLANNERS = (Role.ADMIN, Role.PLANNER)
"""Who may start a planning run (the API and the Plan page)."""
Reader = Annotated[Principal, allow(*STAFF)]
Planner = Annotated[Principal, allow(*PLANNERS)]
RunNumber = Annotated[int, Query(ge=1, le=2**31 - 1, description="A complete plan version.")]
Ticket = Annotated[int, Path(ge=1, le=2**31 - 1, description="The run's ticket on this server.")]
Limit = Annotated[int, Query(ge=1, le=plan_views.MAX_LIMIT, description="At most this many.")]
Offset = Annotated[int, Query(ge=0, le=10**9, description="Skip this many rows first.")]
Search = Annotated[str | None, Query(max_length=64, description="Part of a SKU (any case).")]
NO_PLAN = "No plan yet, or no such complete plan"
_BOARD_LOCK = threading.Lock()


def board_of(app: Any) -> PlanRunBoard:
    """The board of planning runs of this server process (on the app's state), made on first
    use; the Plan page and the API share it."""
    with _BOARD_LOCK:
        board = getattr(app.state, "plan_runs", None)
        if board is None:
            board = PlanRunBoard(threading.Lock())
            app.state.plan_runs = board
        return board


def in_thread(work: Callable[[], None]) -> None:
    """Run ``work`` in a daemon thread: a server stopped mid-run leaves the run recorded as
    running, never current (as a killed ``flexchain plan`` does)."""
    threading.Thread(target=work, name="flexchain-plan-run", daemon=True).start()


def _now() -> datetime:
    return datetime.now(UTC)


class PlanRunIn(BaseModel):
    horizon: int = Field(default=26, ge=1, le=MAX_HORIZON, description="Weeks to plan.")


@router.post(
    "/runs",
    status_code=202,
    responses=errors("A run is going (here or anywhere), or a bad horizon", body=True),
)
def start_run(
    request: Request, app: AppDep, who: Planner, body: PlanRunIn | None = None
) -> JSONResponse:
    """Start a planning run of ``horizon`` weeks (default 26) in the background: the same run
    as ``flexchain plan`` and the Plan page's. Answers 202 with its progress and ``Location``
    (``GET /plan/runs/{ticket}``). One run at a time: refused (422, naming the run going and
    who started it) while another goes, started here or anywhere."""
    started = start_plan_run(
        board_of(request.app),
        app.engine,
        settings=app.settings,
        actor=who.actor,
        now=_now(),
        clock=_now,
        spawn=in_thread,
        horizon=(body or PlanRunIn()).horizon,
    )
    return JSONResponse(
        plain(started),
        status_code=202,
        headers={"Location": f"/plan/runs/{started.ticket}"},
    )


@router.get("/runs/{ticket}", responses=errors(missing="No such run"))
def run_progress(ticket: Ticket, request: Request, app: AppDep, who: Reader) -> JSONResponse:
    """A run's progress (the ticket is the run's id): status (running, complete, failed), the
    step going, each step's state, the share done, the plan version (``run_id``) with its
    counts when complete, the error when failed. Step by step from the server process that
    runs it; from any other process (or for a run ``flexchain plan`` started) as the database
    records it: status, who, when, counts or error, no step detail."""
    with uow_for(app, who, write=False) as uow:
        progress = watch(board_of(request.app), uow, ticket)
    return JSONResponse(plain(progress))


class AbandonIn(BaseModel):
    reason: str = Field(default="", max_length=500, description="Why (recorded with the run).")


@router.post(
    "/runs/{ticket}/abandon",
    responses=errors(
        "The run is not running, or this server runs it", body=True, missing="No such run"
    ),
)
def abandon_run(
    ticket: Ticket, request: Request, app: AppDep, who: Planner, body: AbandonIn | None = None
) -> JSONResponse:
    """Record run ``ticket`` (its id), left ``running`` by a process that died (a server
    stopped mid-run, a ``flexchain plan`` killed), failed: "abandoned by WHO: REASON",
    audited, so a new run may start before the stale limit. Refused (422) for a run that is not
    running, or that this server process runs. Answers the run as recorded now."""
    with uow_for(app, who) as uow:
        run = plan_abandon.abandon_running(
            uow, ticket, reason=(body or AbandonIn()).reason, now=_now(),
            going_here=_going_here(board_of(request.app), ticket),
        )  # fmt: skip
        uow.commit()
    return JSONResponse(plain(run))


def _going_here(board: PlanRunBoard, ticket: int) -> bool:
    try:
        found = board.view(ticket)
    except NotFound:
        return False
    return found is not None and found.going


@router.get("/runs", responses=errors())
def recorded_runs(app: AppDep, who: Reader, limit: Limit = 20, offset: Offset = 0) -> JSONResponse:
    """The planning runs recorded in the database, newest first, wherever they started (the
    page, the API, ``flexchain plan``): id, status, started, finished, actor, horizon, counts,
    error. ``X-Total-Count``: how many runs there are."""
    with uow_for(app, who, write=False) as uow:
        runs, total = plan_views.recorded_runs(uow, offset=offset, limit=limit)
    return JSONResponse(plain(runs), headers={"X-Total-Count": str(total)})


@router.get("/orders", responses=errors("Unknown kind", missing=NO_PLAN))
def planned_orders(
    app: AppDep,
    who: Reader,
    run: RunNumber | None = None,
    kind: str | None = None,
    sku: Search = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> JSONResponse:
    """The planned orders of the current plan (or complete plan ``run``) by number, with their
    pegging (``source=quantity; ...``): of one ``kind`` (purchase, production, transfer), of
    the SKUs containing ``sku``; ``limit`` from ``offset``. ``X-Total-Count``: how many
    match."""
    with uow_for(app, who, write=False) as uow:
        found = plan_views.planned_orders(uow, run, kind=kind, sku=sku, offset=offset, limit=limit)
    return JSONResponse(plain(found.orders), headers={"X-Total-Count": str(found.total)})


@router.get("/exceptions", responses=errors(missing=NO_PLAN))
def plan_exceptions(
    app: AppDep,
    who: Reader,
    run: RunNumber | None = None,
    kind: Annotated[str | None, Query(max_length=32)] = None,
    sku: Search = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> JSONResponse:
    """The exceptions of the current plan (or complete plan ``run``) as the run wrote them: of
    one ``kind`` (late, short, excess, below_moq, ...), of the SKUs containing ``sku``;
    ``limit`` from ``offset``. ``X-Total-Count``: how many match."""
    with uow_for(app, who, write=False) as uow:
        found = plan_views.plan_exceptions(uow, run, kind=kind, sku=sku, offset=offset, limit=limit)
    return JSONResponse(plain(found.exceptions), headers={"X-Total-Count": str(found.total)})


@router.get("/diff", responses=errors(missing="No such complete plan, or none to compare"))
def plan_diff(
    app: AppDep,
    who: Reader,
    old: RunNumber | None = None,
    new: RunNumber | None = None,
    limit: Limit = 1000,
    offset: Offset = 0,
) -> JSONResponse:
    """Per item whose planned orders changed between plan ``old`` (default: the complete plan
    before ``new``) and ``new`` (default: the current plan), by SKU: the quantity and orders
    before and after, and the input changes that caused it (``flexchain plan diff``);
    ``limit`` items from ``offset``. ``X-Total-Count`` (and ``total``): how many changed."""
    with uow_for(app, who, write=False) as uow:
        newer = plan_reports.current_run(uow, new)
        older = (
            plan_reports.current_run(uow, old)
            if old is not None
            else plan_reports.previous_run(uow, newer.id)
        )
        found = plan_reports.diff_page(uow, older.id, newer.id, offset=offset, limit=limit)
    return JSONResponse(
        {"old": older.id, "new": newer.id, "total": found.total, "changes": plain(found.changes)},
        headers={"X-Total-Count": str(found.total)},
    )
