"""Control tower page: Orders: the order book filtered and searched, and one order with its
picks, jobs, promise against what happened and the customer's tracking view.

Both call :mod:`flexchain.services.order_views` (the views ``GET /views/orders`` and
``GET /views/orders/{ref}`` answer) and format what it returns.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse

from flexchain.domain.errors import DomainError
from flexchain.domain.orders import OrderStatus
from flexchain.entrypoints.api.deps import AppDep, uow_for
from flexchain.entrypoints.web.tower.common import BrandUser, form_errors, page, pages, parse_date
from flexchain.services import order_views

__all__ = ["router"]

router = pages()

FILTERS = ("status", "shop", "since", "until", "late", "q")
"""The list's query parameters besides ``page`` (kept in the paging links)."""
LATE = {"": None, "yes": True, "no": False}


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
    with uow_for(app, who, write=False) as uow:
        try:
            found = order_views.order_page(
                uow, today=datetime.now(UTC).date(), status=values["status"] or None,
                shop=values["shop"] or None, since=since, until=until,
                late=LATE.get(values["late"]), text=values["q"] or None,
                page=_page_number(params.get("page", "1")),
            )  # fmt: skip
            shops = found.shops
        except DomainError as error:
            errors.update(form_errors(error))
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


@router.get("/orders/{ref}")
def order_detail(request: Request, app: AppDep, who: BrandUser, ref: str) -> HTMLResponse:
    """One order: lines, picks, jobs, the promise against what happened, the customer's view."""
    with uow_for(app, who, write=False) as uow:
        board = order_views.order_board(uow, ref, today=datetime.now(UTC).date())
    order: Any = board.order
    return page(
        request,
        "tower/order.html",
        title=f"Order {order.number or order.external_id}",
        board=board,
        order=order,
    )
