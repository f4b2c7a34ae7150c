"""What arrived wrong on a shipped order: the same use cases as ``flexchain orders issue|issues|
withdraw-issue``.

``POST /orders/{ref}/issues`` (report), ``GET /orders/{ref}/issues`` (an order's, oldest first),
``GET /order-issues`` (all, newest first, filtered by kind and days, paged with
``X-Total-Count``) and ``POST /order-issues/{id}/withdraw``. Reporting is for the staff who talk
to customers and handle what comes back: admin, planner, buyer, quality; every staff role reads.
Quantities are exact decimal strings.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from flexchain.domain.identity import STAFF, Principal, Role
from flexchain.entrypoints.api.access import allow
from flexchain.entrypoints.api.deps import AppDep, uow_for
from flexchain.entrypoints.api.inputs import STORABLE_TEXT
from flexchain.entrypoints.api.responses import errors
from flexchain.entrypoints.cli.render import plain
from flexchain.services import order_issues

__all__ = ["REPORTERS", "router"]

router = APIRouter(tags=["order issues"], dependencies=[STORABLE_TEXT])

REPORTERS = (Role.ADMIN, Role.PLANNER, Role.BUYER, Role.QUALITY)
"""Who records an issue or withdraws one: the staff who hear from customers and handle what
comes back (a viewer reads; finance and suppliers do not take part)."""
IssueId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Limit = Annotated[int, Query(ge=1, le=order_issues.MAX_PAGE, description="At most this many.")]
Offset = Annotated[int, Query(ge=0, le=10**9, description="Skip this many first.")]


class IssueCreate(BaseModel):
    """What went wrong: its kind, on which line (by SKU; none: the whole order), how many units
    and what the customer said."""

    kind: str = Field(examples=["damaged"], description="damaged, wrong_customisation, "
                      "incomplete or other")  # fmt: skip
    sku: str | None = Field(default=None, examples=["TEE-COTTON-BLACK-M"])
    quantity: str | None = Field(default=None, examples=["1"])
    note: str = Field(default="", examples=["seam torn on arrival"])


class IssueWithdrawal(BaseModel):
    reason: str = Field(examples=["reported on the wrong order"])


@router.post(
    "/orders/{ref}/issues",
    status_code=201,
    responses=errors(
        "The order has not shipped, the SKU is not on it, or a field is out of bounds",
        missing="No such order",
        body=True,
    ),
)
def report_issue(
    ref: str, body: IssueCreate, app: AppDep, who: Annotated[Principal, allow(*REPORTERS)]
) -> Any:
    """Report what arrived wrong on a shipped or delivered order; answers the issue."""
    with uow_for(app, who) as uow:
        view = order_issues.report_issue(
            uow, ref, kind=body.kind, line_sku=body.sku, quantity=body.quantity,
            note=body.note, now=datetime.now(UTC),
        )  # fmt: skip
        uow.commit()
    return JSONResponse(plain(view.as_dict()), status_code=201)


@router.get("/orders/{ref}/issues", responses=errors(missing="No such order"))
def issues_of(ref: str, app: AppDep, who: Annotated[Principal, allow(*STAFF)]) -> Any:
    """The issues of one order (id, store id or number), oldest first."""
    with uow_for(app, who, write=False) as uow:
        found = order_issues.issues_of(uow, ref)
    return JSONResponse(plain([view.as_dict() for view in found]))


@router.get("/order-issues", responses=errors("An unknown kind, or since after until"))
def list_issues(
    app: AppDep,
    who: Annotated[Principal, allow(*STAFF)],
    kind: str | None = None,
    since: date | None = None,
    until: date | None = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> Any:
    """Issues newest first, reported from ``since`` to ``until`` (days, both included, UTC),
    of ``kind``; the header ``X-Total-Count`` says how many match."""
    with uow_for(app, who, write=False) as uow:
        found = order_issues.list_issues(
            uow, since=since, until=until, kind=kind, offset=offset, limit=limit
        )
    rows = [view.as_dict() for view in found.issues]
    return JSONResponse(plain(rows), headers={"X-Total-Count": str(found.total)})


@router.post(
    "/order-issues/{issue_id}/withdraw",
    responses=errors("The reason is empty or too long", missing="No such issue", body=True),
)
def withdraw_issue(
    issue_id: IssueId,
    body: IssueWithdrawal,
    app: AppDep,
    who: Annotated[Principal, allow(*REPORTERS)],
) -> Any:
    """Take back an issue reported in error; the audit trail keeps it. Answers it as it was."""
    with uow_for(app, who) as uow:
        view = order_issues.withdraw_issue(uow, issue_id, reason=body.reason, now=datetime.now(UTC))
        uow.commit()
    return JSONResponse(plain(view.as_dict()))
