"""Control tower page: Plan: planned orders, release, runs watched live, diff.

* ``/app/plan``: the current plan's planned purchases, production and transfers with their
  pegging (filter by kind, search a SKU, 50 a page) and its exceptions (the first 50, or
  those of the SKUs searched), filtered, counted and paged in SQL
  (:mod:`flexchain.services.plan_views`: the rows of ``flexchain plan show``).
* ``POST /app/plan/release``: the ticked planned purchases to a draft RFQ to the suppliers named
  or a draft PO to one (buyers and admins), the ticked planned production to jobs at the
  suppliers that make them (planners and admins), once each
  (:func:`flexchain.services.plan_release.release_planned`, as ``POST /plan/release``).
* ``POST /app/plan/runs``: start a planning run (:func:`flexchain.services.plan_runs.
  start_plan_run`: the same run as ``flexchain plan``) in a daemon thread of this server
  process; the plan page then polls ``/app/plan/runs/{ticket}`` (htmx, every second) for its
  step and share done until it ends, and reloads once when it completes (the header then
  shows the new plan). One run at a time, wherever it starts (the board of this
  process, :func:`flexchain.entrypoints.api.plan_runs.board_of`, shared with ``POST
  /plan/runs``; the database's claim across processes); planners and admins.
* ``/app/plan/diff``: what changed between two plan versions and why
  (:func:`flexchain.services.plan_reports.diff_runs`, as ``flexchain plan diff``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import HTTPException, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from flexchain.bootstrap import App
from flexchain.domain.errors import DomainError, NotFound, ValidationError
from flexchain.domain.identity import Principal, Role
from flexchain.entrypoints.api.access import allow
from flexchain.entrypoints.api.deps import AppDep, uow_for
from flexchain.entrypoints.api.plan_release import may_release
from flexchain.entrypoints.api.plan_runs import PLANNERS, board_of, in_thread
from flexchain.entrypoints.web.tower.common import (
    BrandUser,
    can_act,
    done,
    form_errors,
    form_fields,
    page,
    pages,
    parse_date,
    parse_int,
)
from flexchain.services import plan_release, plan_reports, plan_views
from flexchain.services.plan_runs import PlanRunBoard, RunProgress, start_plan_run, watch

__all__ = ["BUYERS", "PLANNERS", "board_of", "router"]

router = pages()

BUYERS = (Role.ADMIN, Role.BUYER)
"""Who may release planned orders (as ``POST /rfqs`` and ``POST /purchase-orders``)."""
PlannerUser = Annotated[Principal, allow(*PLANNERS)]
ReleasingUser = Annotated[Principal, allow(Role.ADMIN, Role.BUYER, Role.PLANNER)]
"""Who may post a release: buyers (purchases), planners (production), admins; the target
decides (:func:`flexchain.entrypoints.api.plan_release.may_release`)."""
PER_PAGE = 50
KINDS = plan_views.ORDER_KINDS


def _now() -> datetime:
    return datetime.now(UTC)


# -- the plan ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Shown:
    """What the plan page shows of the current plan (``run`` None: no plan yet)."""

    run: plan_reports.PlanRun | None = None
    previous: int | None = None
    orders: plan_views.OrderPage | None = None
    exceptions: plan_views.ExceptionPage | None = None
    pages: int = 1


def _filters(request: Request) -> dict[str, str]:
    query = request.query_params
    kind = query.get("kind", "")
    page_ = query.get("page", "1")
    return {
        "kind": kind if kind in KINDS else "",
        "q": query.get("q", "").strip()[:64],
        "page": page_ if page_.isdigit() and len(page_) < 10 else "1",
    }


def _shown(app: App, who: Principal, filters: dict[str, str]) -> _Shown:
    """The current plan, the run before it, and the page of its planned orders and the first
    exceptions the filters ask for (read in SQL: only the rows shown); a page past the last
    one shows the last."""
    kind, sku = filters["kind"] or None, filters["q"] or None
    with uow_for(app, who, write=False) as uow:
        try:
            run = plan_reports.current_run(uow)
        except NotFound:
            return _Shown()
        try:
            previous: int | None = plan_reports.previous_run(uow, run.id).id
        except NotFound:
            previous = None
        number = max(int(filters["page"]), 1)
        orders = plan_views.planned_orders(
            uow, run.id, kind=kind, sku=sku, offset=(number - 1) * PER_PAGE, limit=PER_PAGE
        )
        pages_ = max(1, -(-orders.total // PER_PAGE))
        if number > pages_:
            number = pages_
            orders = plan_views.planned_orders(
                uow, run.id, kind=kind, sku=sku, offset=(number - 1) * PER_PAGE, limit=PER_PAGE
            )
        exceptions = plan_views.plan_exceptions(uow, run.id, sku=sku, limit=PER_PAGE)
    filters["page"] = str(number)
    return _Shown(run, previous, orders, exceptions, pages_)


def _plan_page(
    request: Request,
    app: App,
    who: Principal,
    *,
    status_code: int = 200,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    filters = _filters(request)
    shown = _shown(app, who, filters)
    progress = _watched(app, who, board_of(request.app), request.query_params.get("run", ""))
    return page(
        request,
        "tower/plan.html",
        status_code,
        title="Plan",
        run=shown.run,
        previous=shown.previous,
        orders=shown.orders.orders if shown.orders else [],
        count=shown.orders.total if shown.orders else 0,
        totals=shown.orders.by_kind if shown.orders else dict.fromkeys(KINDS, 0),
        exceptions=shown.exceptions.exceptions if shown.exceptions else [],
        exception_count=shown.exceptions.total if shown.exceptions else 0,
        filters=filters,
        pages=shown.pages,
        link=lambda **changed: "/app/plan?" + urlencode({**filters, **changed}),
        kinds=KINDS,
        progress=progress,
        can_run=can_act(who, PLANNERS),
        can_release=can_act(who, BUYERS),
        can_release_jobs=can_act(who, PLANNERS),
        released=_released(app, who, shown.run),
        values=values or {},
        errors=errors or {},
    )


def _watched(app: App, who: Principal, board: PlanRunBoard, ticket: str) -> RunProgress | None:
    """The run the page watches (``?run=``: this process's, or as recorded when another
    process runs it), else the one going here or the last one that ended here."""
    if ticket.isdigit() and int(ticket) <= 2**31 - 1:
        try:
            with uow_for(app, who, write=False) as uow:
                return watch(board, uow, int(ticket))
        except NotFound:
            pass
    return board.view()


@router.get("/plan")
def plan(request: Request, app: AppDep, who: BrandUser) -> HTMLResponse:
    """The current plan: planned orders with pegging, exceptions, the run going."""
    return _plan_page(request, app, who)


# -- release -----------------------------------------------------------------------------------


def _release(app: App, who: Principal, fields: dict[str, str], numbers: list[str]) -> str:
    """Release the ticked planned orders (:func:`flexchain.services.plan_release.
    release_planned`, as ``POST /plan/release``); the message of what was made."""
    if not numbers:
        raise ValidationError(
            "number", "tick at least one planned purchase or production order to release"
        )
    suppliers = [s.strip() for s in fields.get("suppliers", "").replace(";", ",").split(",")]
    to = fields.get("to", "")
    if to not in plan_release.TARGETS:
        raise ValidationError("to", "choose an RFQ, a purchase order or production jobs")
    reply_by = fields.get("reply_by", "") if to == "rfq" else ""
    with uow_for(app, who) as uow:
        made = plan_release.release_planned(
            uow,
            plan_numbers=[parse_int(n, "number") for n in numbers],
            to=to,
            suppliers=[s for s in suppliers if s],
            reply_by=parse_date(reply_by, "reply_by") if reply_by else None,
            now=_now(),
        )
        uow.commit()
    return made.message


def _released(app: App, who: Principal, run: plan_reports.PlanRun | None) -> dict[int, str]:
    """What the plan's released planned orders went into, by number (the page marks them)."""
    if run is None:
        return {}
    with uow_for(app, who, write=False) as uow:
        return plan_release.released(uow, run.id)


@router.post("/plan/release")
async def release(request: Request, app: AppDep, who: ReleasingUser) -> Response:
    """Release the ticked planned orders: purchases to a draft RFQ or PO (buyers, admins),
    production to jobs (planners, admins)."""
    form = await request.form()
    numbers = [str(n) for n in form.getlist("number")]
    values: dict[str, Any] = {"numbers": set(numbers)}
    try:
        fields = await form_fields(request)
        values |= fields
        to = fields.get("to", "")
        if to in plan_release.TARGETS and not may_release(who, to):
            raise HTTPException(403, f"releasing into a {to} is not for the {who.role} role")
        message = await run_in_threadpool(_release, app, who, fields, numbers)
    except DomainError as error:
        errors = form_errors(error)
        return await run_in_threadpool(
            _plan_page, request, app, who, status_code=422, values=values, errors=errors
        )
    return done("/app/plan" if fields.get("to") == "job" else "/app/procurement", message)


# -- planning runs -----------------------------------------------------------------------------


@router.post("/plan/runs")
async def start_run(request: Request, app: AppDep, who: PlannerUser) -> Response:
    """Start a planning run in the background; the plan page then watches it."""
    try:
        fields = await form_fields(request)
        if not fields.get("horizon"):
            raise ValidationError("horizon", "required: the weeks to plan, 1 to 104")
        horizon = parse_int(fields["horizon"], "horizon")
        started = await run_in_threadpool(  # records and checks the claim in the database
            partial(
                start_plan_run,
                board_of(request.app),
                app.engine,
                settings=app.settings,
                actor=who.actor,
                now=_now(),
                clock=_now,
                spawn=in_thread,
                horizon=horizon,
            )
        )
    except DomainError as error:
        errors = form_errors(error)
        values = {"horizon": str((await request.form()).get("horizon", ""))}
        return await run_in_threadpool(
            _plan_page, request, app, who, status_code=422, values=values, errors=errors
        )
    return RedirectResponse(f"/app/plan?run={started.ticket}#plan-run", status_code=303)


@router.get("/plan/runs/{ticket}")
def run_progress(
    ticket: Annotated[int, Path(ge=1, le=2**31 - 1)],
    request: Request,
    app: AppDep,
    who: BrandUser,
    watching: bool = False,
) -> Response:
    """A run's progress as the part of the plan page that polls it (htmx); a browser asking
    for the page itself is sent to the plan page watching it. ``watching``: the poll of a page
    that saw the run going; the answer that finds it complete reloads that page
    (``HX-Refresh``) so its header and diff link show the new plan; the reloaded page sees the
    run ended and does not poll, so it reloads once."""
    if request.headers.get("HX-Request") != "true":
        return RedirectResponse(f"/app/plan?run={ticket}#plan-run", status_code=303)
    form: dict[str, Any] = {"can_run": can_act(who, PLANNERS), "values": {}, "errors": {}}
    try:
        with uow_for(app, who, write=False) as uow:
            progress = watch(board_of(request.app), uow, ticket)
    except NotFound as error:
        return page(request, "tower/plan_run.html", progress=None, gone=str(error), **form)
    shown = page(request, "tower/plan_run.html", progress=progress, **form)
    if watching and progress.status == "complete":
        shown.headers["HX-Refresh"] = "true"
    return shown


# -- diff --------------------------------------------------------------------------------------


@router.get("/plan/diff")
def plan_diff(
    request: Request,
    app: AppDep,
    who: BrandUser,
    old: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    new: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    page_number: Annotated[int, Query(alias="page", ge=1, le=10**6)] = 1,
) -> HTMLResponse:
    """What changed between two plan versions (default: the previous and the current one),
    per item, and which input change caused it: 50 items a page, by SKU."""
    with uow_for(app, who, write=False) as uow:
        try:
            newer = plan_reports.current_run(uow, new)
        except NotFound:
            if new is not None:
                raise
            newer = None
        older = None
        if newer is not None:
            try:
                older = (
                    plan_reports.current_run(uow, old)
                    if old is not None
                    else plan_reports.previous_run(uow, newer.id)
                )
            except NotFound:
                if old is not None:
                    raise
        changes, total, pages_ = [], 0, 1
        if newer and older:
            found = plan_reports.diff_page(
                uow, older.id, newer.id, offset=(page_number - 1) * PER_PAGE, limit=PER_PAGE
            )
            total = found.total
            pages_ = max(1, -(-total // PER_PAGE))
            if page_number > pages_:  # past the last page: the last
                page_number = pages_
                found = plan_reports.diff_page(
                    uow, older.id, newer.id, offset=(pages_ - 1) * PER_PAGE, limit=PER_PAGE
                )
            changes = found.changes
    query = {"old": older.id, "new": newer.id} if newer and older else {}
    return page(
        request,
        "tower/plan_diff.html",
        title="What changed in the plan",
        newer=newer,
        older=older,
        changes=changes,
        total=total,
        page_number=page_number,
        pages=pages_,
        link=lambda number: "/app/plan/diff?" + urlencode({**query, "page": number}),
    )
