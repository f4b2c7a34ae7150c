"""Control tower page: Orders: the order book filtered and searched, and one order with its
picks, jobs, promise against what happened, the customer's tracking view and the issues
reported on it (damaged, wrong customisation, incomplete, other).

Both call :mod:`flexchain.services.order_views` (the views ``GET /views/orders`` and
``GET /views/orders/{ref}`` answer) and format what it returns; the issues are
:mod:`flexchain.services.order_issues`' (as ``GET /orders/{ref}/issues``), and the form that
reports one posts to the same use case as ``POST /orders/{ref}/issues``, for the same roles.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from flexchain.bootstrap import App
from flexchain.domain.errors import DomainError, NotFound, ValidationError
from flexchain.domain.identity import Principal
from flexchain.domain.order_issues import REPORTABLE, IssueKind
from flexchain.domain.orders import OrderStatus
from flexchain.entrypoints.api.access import allow
from flexchain.entrypoints.api.deps import AppDep, uow_for
from flexchain.entrypoints.api.order_issues import REPORTERS
from flexchain.entrypoints.api.tracking import PROBLEMS
from flexchain.entrypoints.web.tower.common import (
    BrandUser,
    can_act,
    done,
    form_errors,
    form_fields,
    page,
    pages,
    parse_date,
    placed,
)
from flexchain.services import order_issues, order_views

__all__ = ["router"]

router = pages()

FILTERS = ("status", "shop", "since", "until", "late", "issues", "q")
"""The list's query parameters besides ``page`` (kept in the paging links)."""
LATE = {"": None, "yes": True, "no": False}
"""The ``late`` and ``issues`` filters' choices: any, only, none."""
ReporterUser = Annotated[Principal, allow(*REPORTERS)]
"""Who reports an issue from the page (as ``POST /orders/{ref}/issues``)."""
KINDS = {
    IssueKind.DAMAGED: "Damaged",
    IssueKind.WRONG_CUSTOMISATION: "Wrong customisation",
    IssueKind.INCOMPLETE: "Incomplete (something missing)",
    IssueKind.OTHER: "Other (say what in the note)",
}
ISSUE_FIELDS = ("kind", "sku", "quantity", "note")
IssueId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _day(values: dict[str, str], name: str, errors: dict[str, str]) -> date | None:
    if not values.get(name):
        return None
    try:
        return parse_date(values[name], name)
    except DomainError as error:
        errors.update(form_errors(error))
        return None


def _page_number(text: str) -> int:
    return int(text) if text.isdigit() and 0 < int(text) < 1_000_000 else 1


@router.get("/orders")
def order_list(request: Request, app: AppDep, who: BrandUser) -> HTMLResponse:
    """The order book: filters and search in a GET form, newest first, 50 a page."""
    params = request.query_params
    values = {name: params.get(name, "").strip()[:200] for name in FILTERS}
    errors: dict[str, str] = {}
    since, until = _day(values, "since", errors), _day(values, "until", errors)
    found: order_views.OrderPage | None = None
    shops: tuple[str, ...] = ()
    status: str | None = values["status"] or None
    with uow_for(app, who, write=False) as uow:
        while found is None:
            try:
                found = order_views.order_page(
                    uow, today=datetime.now(UTC).date(), status=status,
                    shop=values["shop"] or None, since=since, until=until,
                    late=LATE.get(values["late"]), text=values["q"] or None,
                    page=_page_number(params.get("page", "1")), issues=LATE.get(values["issues"]),
                )  # fmt: skip
                shops = found.shops
            except DomainError as error:
                errors.update(form_errors(error))
                # a filter that cannot be used is left out, as the alert says: the rest apply
                field = error.field if isinstance(error, ValidationError) else ""
                if field == "status" and status is not None:
                    status = None
                elif field == "since" and since is not None:
                    since = None
                else:
                    break
    kept = {name: value for name, value in values.items() if value}
    return page(
        request,
        "tower/orders.html",
        title="Orders",
        found=found,
        shops=shops,
        statuses=[s.value for s in OrderStatus],
        values=values,
        errors=errors,
        filtered=bool(kept),
        link=lambda number: f"/app/orders?{urlencode({**kept, 'page': number})}",
    )


def _detail(
    request: Request,
    app: App,
    who: Principal,
    ref: str,
    *,
    status_code: int = 200,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    with uow_for(app, who, write=False) as uow:
        board = order_views.order_board(uow, ref, today=datetime.now(UTC).date())
        issues = order_issues.issues_of(uow, board.order.id)
    order: Any = board.order
    return page(
        request,
        "tower/order.html",
        status_code,
        title=f"Order {order.number or order.external_id}",
        board=board,
        order=order,
        issues=issues,
        kinds=KINDS,
        problems=PROBLEMS,
        reportable=order.status in REPORTABLE,
        can_report=can_act(who, REPORTERS),
        values=values or {},
        errors=placed(errors or {}, ISSUE_FIELDS),
    )


@router.get("/orders/{ref}")
def order_detail(request: Request, app: AppDep, who: BrandUser, ref: str) -> HTMLResponse:
    """One order: lines, picks, jobs, the promise against what happened, the customer's view,
    the issues reported on it."""
    return _detail(request, app, who, ref)


def _report(app: App, who: Principal, ref: str, fields: dict[str, str]) -> tuple[int, str]:
    with uow_for(app, who) as uow:
        view = order_issues.report_issue(
            uow, ref, kind=fields.get("kind", ""), line_sku=fields.get("sku") or None,
            quantity=fields.get("quantity") or None, note=fields.get("note", ""),
            now=datetime.now(UTC),
        )  # fmt: skip
        uow.commit()
    where = f"line {view.sku}" if view.sku else "the whole order"
    return view.order_id, f"Issue {view.id} recorded: {KINDS[view.kind].lower()} on {where}"


@router.post("/orders/{ref}/issues")
async def report_issue(request: Request, app: AppDep, who: ReporterUser, ref: str) -> Response:
    """Report what arrived wrong on a shipped order (audited); the page again on a refusal,
    with what was typed and why."""
    fields: dict[str, str] = {}
    try:
        fields = await form_fields(request)
        order_id, message = await run_in_threadpool(_report, app, who, ref, fields)
    except NotFound:
        raise
    except DomainError as error:
        return await run_in_threadpool(
            _detail, request, app, who, ref, status_code=422, values=fields,
            errors=form_errors(error),
        )  # fmt: skip
    return done(f"/app/orders/{quote(str(order_id))}", message)


def _withdraw(app: App, who: Principal, issue_id: int, reason: str) -> tuple[int, str]:
    with uow_for(app, who) as uow:
        view = order_issues.withdraw_issue(uow, issue_id, reason=reason, now=datetime.now(UTC))
        uow.commit()
    return view.order_id, f"Issue {view.id} withdrawn: {reason}"


@router.post("/orders/{ref}/issues/{issue_id}/withdraw")
async def withdraw_issue(
    request: Request, app: AppDep, who: ReporterUser, ref: str, issue_id: IssueId
) -> Response:
    """Take back an issue reported in error, with a reason (audited)."""
    fields: dict[str, str] = {}
    try:
        fields = await form_fields(request)
        reason = fields.get("reason", "")
        order_id, message = await run_in_threadpool(_withdraw, app, who, issue_id, reason)
    except NotFound:
        raise
    except DomainError as error:
        errors = {"": f"issue {issue_id} was not withdrawn: {error}"}
        return await run_in_threadpool(
            _detail, request, app, who, ref, status_code=422, errors=errors
        )
    return done(f"/app/orders/{quote(str(order_id))}", message)
