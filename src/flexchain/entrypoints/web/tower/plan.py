"""Control tower page: Plan: planned orders, release, runs watched live, diff.

* ``/app/plan``: the current plan's planned purchases, production and transfers with their
  pegging (filter by kind, search a SKU, 100 a page) and its exceptions (the first 100, or
  those of the SKUs searched)
  (:func:`flexchain.services.plan_reports.plan_rows`, as ``flexchain plan show``).
* ``POST /app/plan/release``: the ticked planned purchases to a draft RFQ to the suppliers named
  (:func:`flexchain.services.rfqs.create_rfq` with ``plan_numbers``) or a draft PO to one
  (:func:`flexchain.services.purchase_orders.create_po_from_plan`), as ``POST /rfqs`` and
  ``POST /purchase-orders`` do: buyers and admins.
* ``POST /app/plan/runs``: start a planning run (:func:`flexchain.services.plan_runs.
  start_plan_run`: the same run as ``flexchain plan``) in a daemon thread of this server
  process; the plan page then polls ``/app/plan/runs/{ticket}`` (htmx, every second) for its
  step and share done until it ends. One run at a time per server process (the board lives on
  the app's state); planners and admins.
* ``/app/plan/diff``: what changed between two plan versions and why
  (:func:`flexchain.services.plan_reports.diff_runs`, as ``flexchain plan diff``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from flexchain.bootstrap import App
from flexchain.domain.errors import DomainError, NotFound, ValidationError
from flexchain.domain.identity import Principal, Role
from flexchain.domain.today import MAX_SNOOZE_DAYS, Kind
from flexchain.entrypoints.api.access import allow
from flexchain.entrypoints.api.deps import AppDep, uow_for
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
from flexchain.services import plan_reports, purchase_orders, rfqs, today
from flexchain.services.plan_reports import PlanExceptionLine, PlanOrderLine
from flexchain.services.plan_runs import PlanRunBoard, RunProgress, start_plan_run

__all__ = ["BUYERS", "PLANNERS", "board_of", "router"]

router = pages()

PLANNERS = (Role.ADMIN, Role.PLANNER)
"""Who may start a planning run from the page."""
BUYERS = (Role.ADMIN, Role.BUYER)
"""Who may release planned orders (as ``POST /rfqs`` and ``POST /purchase-orders``)."""
PlannerUser = Annotated[Principal, allow(*PLANNERS)]
BuyerUser = Annotated[Principal, allow(*BUYERS)]
PER_PAGE = 100
KINDS = ("purchase", "production", "transfer")
_BOARD_LOCK = threading.Lock()


def _now() -> datetime:
    return datetime.now(UTC)


def board_of(app: Any) -> PlanRunBoard:
    """The app's board of planning runs (one per server process), made on first use."""
    with _BOARD_LOCK:
        board = getattr(app.state, "tower_plan_runs", None)
        if board is None:
            board = PlanRunBoard(threading.Lock())
            app.state.tower_plan_runs = board
        return board


def _in_thread(work: Callable[[], None]) -> None:
    """Run ``work`` in a daemon thread: a server stopped mid-run leaves the run recorded as
    running, never current (as a killed ``flexchain plan`` does)."""
    threading.Thread(target=work, name="flexchain-plan-run", daemon=True).start()


# -- the plan ----------------------------------------------------------------------------------


def _plan(app: App, who: Principal) -> tuple[plan_reports.PlanRun | None, list[Any], int | None]:
    """The current run, its rows, and the run before it (None: none)."""
    with uow_for(app, who, write=False) as uow:
        try:
            run = plan_reports.current_run(uow)
        except NotFound:
            return None, [], None
        rows = plan_reports.plan_rows(uow, run.id)
        try:
            previous: int | None = plan_reports.previous_run(uow, run.id).id
        except NotFound:
            previous = None
    return run, rows, previous


def _filters(request: Request) -> dict[str, str]:
    query = request.query_params
    kind = query.get("kind", "")
    return {
        "kind": kind if kind in KINDS else "",
        "q": query.get("q", "").strip()[:64],
        "page": query.get("page", "1") if query.get("page", "1").isdigit() else "1",
    }


def _shown(rows: list[Any], filters: dict[str, str]) -> tuple[list[PlanOrderLine], int, int]:
    """The planned orders on this page of the filtered list, the count, the pages."""
    wanted = filters["q"].upper()
    orders = [
        row
        for row in rows
        if isinstance(row, PlanOrderLine)
        and (not filters["kind"] or row.kind == filters["kind"])
        and (not wanted or wanted in row.sku.upper())
    ]
    pages_ = max(1, -(-len(orders) // PER_PAGE))
    number = min(max(int(filters["page"]), 1), pages_)
    filters["page"] = str(number)
    return orders[(number - 1) * PER_PAGE : number * PER_PAGE], len(orders), pages_


def _plan_page(
    request: Request,
    app: App,
    who: Principal,
    *,
    status_code: int = 200,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    run, rows, previous = _plan(app, who)
    filters = _filters(request)
    orders, count, pages_ = _shown(rows, filters)
    wanted = filters["q"].upper()
    exceptions = [
        row
        for row in rows
        if isinstance(row, PlanExceptionLine) and (not wanted or wanted in row.sku.upper())
    ]
    progress = _watched(board_of(request.app), request.query_params.get("run", ""))
    return page(
        request,
        "tower/plan.html",
        status_code,
        title="Plan",
        run=run,
        previous=previous,
        orders=orders,
        count=count,
        totals={
            kind: sum(1 for r in rows if r.type == "order" and r.kind == kind) for kind in KINDS
        },
        exceptions=exceptions[:PER_PAGE],
        exception_count=len(exceptions),
        filters=filters,
        pages=pages_,
        link=lambda **changed: "/app/plan?" + urlencode({**filters, **changed}),
        kinds=KINDS,
        progress=progress,
        can_run=can_act(who, PLANNERS),
        can_release=can_act(who, BUYERS),
        values=values or {},
        errors=errors or {},
    )


def _watched(board: PlanRunBoard, ticket: str) -> RunProgress | None:
    """The run the page watches (``?run=``), else the one going or the last one that ended."""
    if ticket.isdigit():
        try:
            return board.view(int(ticket))
        except NotFound:
            pass
    return board.view()


@router.get("/plan")
def plan(request: Request, app: AppDep, who: BrandUser) -> HTMLResponse:
    """The current plan: planned orders with pegging, exceptions, the run going."""
    return _plan_page(request, app, who)


# -- release -----------------------------------------------------------------------------------


def _release(app: App, who: Principal, fields: dict[str, str], numbers: list[str]) -> str:
    """Release the ticked planned purchases; the message of what was created."""
    if not numbers:
        raise ValidationError("number", "tick at least one planned purchase to release")
    suppliers = [s.strip() for s in fields.get("suppliers", "").replace(";", ",").split(",")]
    suppliers = [s for s in suppliers if s]
    to = fields.get("to", "")
    plan_numbers = [parse_int(n, "number") for n in numbers]
    with uow_for(app, who) as uow:
        if to == "rfq":
            reply_by = fields.get("reply_by", "")
            view = rfqs.create_rfq(
                uow,
                suppliers=suppliers,
                plan_numbers=plan_numbers,
                reply_by=parse_date(reply_by, "reply_by") if reply_by else None,
                now=_now(),
            )
            into = view.number
            message = (
                f"RFQ {view.number} drafted for {len(view.lines)} planned purchase"
                f"{'s' if len(view.lines) != 1 else ''} to {', '.join(view.suppliers)}: "
                "send it from Procurement"
            )
        elif to == "po":
            if len(suppliers) != 1:
                raise ValidationError(
                    "suppliers", "a purchase order goes to one supplier: name one"
                )
            po = purchase_orders.create_po_from_plan(
                uow,
                supplier=suppliers[0],
                plan_numbers=plan_numbers,
                now=_now(),
            )
            into = po.number
            message = (
                f"Purchase order {po.number} drafted to {po.supplier} for {len(po.lines)} "
                f"line{'s' if len(po.lines) != 1 else ''}: issue it from Procurement"
            )
        else:
            raise ValidationError("to", "choose RFQ or purchase order")
        _settle_inbox(uow, plan_numbers, into)
        uow.commit()
    return message


def _settle_inbox(uow: Any, numbers: list[int], into: str) -> None:
    """The released planned orders leave Today's inbox until the next plan nets what was
    drafted (as releasing from Today does: the plan keeps them until it runs again)."""
    run_id = plan_reports.current_run(uow).id
    now = _now()
    for number in numbers:
        today.snooze(
            uow,
            f"{Kind.PLANNED_ORDER}:{run_id}:{number}",
            until=now.date() + timedelta(days=MAX_SNOOZE_DAYS - 1),
            reason=f"released into {into}",
            now=now,
        )


@router.post("/plan/release")
async def release(request: Request, app: AppDep, who: BuyerUser) -> Response:
    """Release the ticked planned purchases to a draft RFQ or a draft PO."""
    form = await request.form()
    numbers = [str(n) for n in form.getlist("number")]
    values: dict[str, Any] = {"numbers": set(numbers)}
    try:
        fields = await form_fields(request)
        values |= fields
        message = await run_in_threadpool(_release, app, who, fields, numbers)
    except DomainError as error:
        errors = form_errors(error)
        return await run_in_threadpool(
            _plan_page, request, app, who, status_code=422, values=values, errors=errors
        )
    return done("/app/procurement", message)


# -- planning runs -----------------------------------------------------------------------------


@router.post("/plan/runs")
async def start_run(request: Request, app: AppDep, who: PlannerUser) -> Response:
    """Start a planning run in the background; the plan page then watches it."""
    try:
        fields = await form_fields(request)
        if not fields.get("horizon"):
            raise ValidationError("horizon", "required: the weeks to plan, 1 to 104")
        horizon = parse_int(fields["horizon"], "horizon")
        started = start_plan_run(
            board_of(request.app),
            app.engine,
            settings=app.settings,
            actor=who.actor,
            now=_now(),
            clock=_now,
            spawn=_in_thread,
            horizon=horizon,
        )
    except DomainError as error:
        errors = form_errors(error)
        values = {"horizon": str((await request.form()).get("horizon", ""))}
        return await run_in_threadpool(
            _plan_page, request, app, who, status_code=422, values=values, errors=errors
        )
    return RedirectResponse(f"/app/plan?run={started.ticket}#plan-run", status_code=303)


@router.get("/plan/runs/{ticket}")
def run_progress(ticket: int, request: Request, who: BrandUser) -> Response:
    """A run's progress as the part of the plan page that polls it (htmx); a browser asking
    for the page itself is sent to the plan page watching it."""
    if request.headers.get("HX-Request") != "true":
        return RedirectResponse(f"/app/plan?run={ticket}#plan-run", status_code=303)
    form: dict[str, Any] = {"can_run": can_act(who, PLANNERS), "values": {}, "errors": {}}
    try:
        progress = board_of(request.app).view(ticket)
    except NotFound as error:
        return page(request, "tower/plan_run.html", progress=None, gone=str(error), **form)
    return page(request, "tower/plan_run.html", progress=progress, **form)


# -- diff --------------------------------------------------------------------------------------


@router.get("/plan/diff")
def plan_diff(
    request: Request,
    app: AppDep,
    who: BrandUser,
    old: Annotated[int | None, Query(ge=1)] = None,
    new: Annotated[int | None, Query(ge=1)] = None,
) -> HTMLResponse:
    """What changed between two plan versions (default: the previous and the current one),
    per item, and which input change caused it."""
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
        changes = plan_reports.diff_runs(uow, older.id, newer.id) if newer and older else []
    return page(
        request,
        "tower/plan_diff.html",
        title="What changed in the plan",
        newer=newer,
        older=older,
        changes=changes,
    )
