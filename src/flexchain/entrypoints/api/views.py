"""API: the read models the control tower draws (issue 17), the same views its Orders and
Inventory pages show: a page of orders filtered and searched, one order with its promise check
and its customer's tracking view, a page of balances, the plan's ABC-XYZ matrix, one item's
chart and its plan explanation (as ``flexchain plan explain --json`` gives each location)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from flexchain.domain.identity import STAFF, Principal
from flexchain.entrypoints.api.access import allow
from flexchain.entrypoints.api.deps import AppDep, uow_for
from flexchain.entrypoints.api.inputs import STORABLE_TEXT
from flexchain.entrypoints.api.responses import errors
from flexchain.entrypoints.cli.render import plain
from flexchain.services import inventory_views, order_views, plan_reports

__all__ = ["router"]

RunId = Annotated[
    int | None, Query(ge=1, le=2**31 - 1, description="A plan run (default: the current plan)")
]

router = APIRouter(tags=["views"], dependencies=[STORABLE_TEXT])

Staff = Annotated[Principal, allow(*STAFF)]
Text = Annotated[str | None, Query(max_length=200)]
Page = Annotated[int, Query(ge=1, le=1_000_000)]


@router.get("/views/orders", responses=errors("A filter out of range, or an unknown status"))
def order_page(
    app: AppDep,
    who: Staff,
    status: Text = None,
    shop: Text = None,
    since: date | None = None,
    until: date | None = None,
    late: bool | None = None,
    issues: bool | None = None,
    q: Text = None,
    page: Page = 1,
    per_page: Annotated[int, Query(ge=1, le=order_views.MAX_PER_PAGE)] = 50,
) -> Any:
    """Orders newest first, filtered (status, shop domain, order days ``since``..``until``,
    ``late``, ``issues``: with or without an issue reported) and searched (``q`` in the order
    number, store id, customer e-mail or a SKU): ``total`` matching, ``pages``, and this page's
    ``orders`` with their ``late`` flag and count of ``issues``."""
    with uow_for(app, who, write=False) as uow:
        found = order_views.order_page(
            uow, today=datetime.now(UTC).date(), status=status, shop=shop, since=since,
            until=until, late=late, issues=issues, text=q, page=page, per_page=per_page,
        )  # fmt: skip
    return JSONResponse(plain(found))


@router.get("/views/orders/{ref}", responses=errors(missing="No such order"))
def order_board(ref: str, app: AppDep, who: Staff) -> Any:
    """One order by id, store order id or number: the order (as ``GET /orders/{ref}``), its
    promise against what happened, and what its customer sees behind the tracking link."""
    with uow_for(app, who, write=False) as uow:
        board = order_views.order_board(uow, ref, today=datetime.now(UTC).date())
    return JSONResponse(plain(board))


@router.get("/inventory/balances", responses=errors("A filter out of range, or a class unknown"))
def balance_page(
    app: AppDep,
    who: Staff,
    q: Text = None,
    location: Text = None,
    kind: Text = None,
    abc: Annotated[str | None, Query(max_length=1)] = None,
    xyz: Annotated[str | None, Query(max_length=1)] = None,
    sku: Text = None,
    page: Page = 1,
    per_page: Annotated[int, Query(ge=1, le=inventory_views.MAX_PER_PAGE)] = 50,
) -> Any:
    """Balances per item and internal location by SKU (as ``GET /stock``), paged, filtered by
    ``q`` (SKU or name), ``location``, the item's ``kind``, the current plan's ``abc``/``xyz``
    class, or one item (``sku``)."""
    with uow_for(app, who, write=False) as uow:
        found = inventory_views.balance_page(
            uow, now=datetime.now(UTC), text=q, location=location, kind=kind, abc=abc, xyz=xyz,
            sku=sku, page=page, per_page=per_page,
        )  # fmt: skip
    return JSONResponse(plain(found))


@router.get("/inventory/abc-xyz", responses=errors(missing="No plan yet, or no such plan"))
def abc_xyz(app: AppDep, who: Staff, run: RunId = None) -> Any:
    """The current plan's (or ``run``'s) ABC-XYZ matrix: per class, the items, their units on
    hand and its value at standard cost per currency."""
    with uow_for(app, who, write=False) as uow:
        matrix = inventory_views.abc_xyz(uow, run_id=run)
    return JSONResponse(plain(matrix))


@router.get("/items/{sku}/chart", responses=errors("Weeks out of range", missing="No such item"))
def item_chart(
    sku: str,
    app: AppDep,
    who: Staff,
    location: Text = None,
    weeks: Annotated[int, Query(ge=1, le=260)] = 52,
    run: RunId = None,
) -> Any:
    """What the item's chart draws: weekly demand, the plan's forecast with its 80 % interval,
    safety stock and reorder point (at ``location``, default the home location)."""
    with uow_for(app, who, write=False) as uow:
        chart = inventory_views.item_chart(
            uow, sku, today=datetime.now(UTC).date(), location=location, weeks=weeks, run_id=run
        )
    return JSONResponse(plain(chart))


@router.get("/items/{sku}/explain", responses=errors(missing="No plan, or no such item in it"))
def item_explain(
    sku: str,
    app: AppDep,
    who: Staff,
    location: Text = None,
    run: RunId = None,
) -> Any:
    """Every number behind the item's plan, one object per location (home first), as
    ``flexchain plan explain ITEM`` shows them."""
    with uow_for(app, who, write=False) as uow:
        explained = plan_reports.explain_locations(uow, sku, run_id=run, location=location)
    return JSONResponse(plain(explained))
