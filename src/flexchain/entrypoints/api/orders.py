"""``GET /orders``, ``GET /orders/{ref}`` and ``POST /orders/{ref}/ship``: the same views and
use cases as ``flexchain orders list|show|ship`` (an order with the issues reported on it)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from flexchain.domain.identity import STAFF, Principal, Role
from flexchain.entrypoints.api.access import allow
from flexchain.entrypoints.api.deps import AppDep, uow_for
from flexchain.entrypoints.api.inputs import STORABLE_TEXT
from flexchain.entrypoints.api.responses import errors
from flexchain.entrypoints.cli.render import plain
from flexchain.services import order_views, orders

router = APIRouter(prefix="/orders", tags=["orders"], dependencies=[STORABLE_TEXT])

MAX_ORDERS = 10_000
"""The most orders one ``GET /orders`` lists."""


class ShipmentCreate(BaseModel):
    """How a ready order leaves: the carrier and its tracking number (and link)."""

    carrier: str = Field(examples=["DHL"])
    tracking: str = Field(examples=["00340434161094042557"])
    tracking_url: str | None = Field(default=None, examples=["https://www.dhl.com/track"])


@router.get("", responses=errors("A limit out of range"))
def list_orders(
    app: AppDep,
    who: Annotated[Principal, allow(*STAFF)],
    status: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_ORDERS)] = 500,
) -> Any:
    """Newest first; money and quantities as exact decimal strings."""
    with uow_for(app, who, write=False) as uow:
        return JSONResponse(plain(orders.list_orders(uow, status=status, limit=limit)))


@router.get("/{ref}", responses=errors(missing="No such order"))
def show_order(ref: str, app: AppDep, who: Annotated[Principal, allow(*STAFF)]) -> Any:
    """One order by id, store order id or number: lines, reservations, picks, jobs, stages,
    and the issues reported on it (``issues``, oldest first, as ``GET /orders/{ref}/issues``)."""
    with uow_for(app, who, write=False) as uow:
        return JSONResponse(plain(order_views.order_with_issues(uow, ref).as_dict()))


@router.post(
    "/{ref}/ship",
    responses=errors(
        "The order is not ready, or a field is empty", missing="No such order", body=True
    ),
)
def ship_order(
    ref: str,
    shipment: ShipmentCreate,
    app: AppDep,
    who: Annotated[Principal, allow(Role.ADMIN, Role.PLANNER)],
) -> Any:
    """Ship a ready order: record carrier and tracking, post its picks, queue the fulfilment
    to its store; answers the order as ``GET /orders/{ref}`` shows it. 422 if the order is
    not ready or a field is empty, 404 if there is no such order."""
    with uow_for(app, who) as uow:
        changed = orders.ship(
            uow,
            ref,
            carrier=shipment.carrier,
            tracking=shipment.tracking,
            tracking_url=shipment.tracking_url,
            now=datetime.now(UTC),
        )
        view = order_views.order_with_issues(uow, changed.id).as_dict()
        uow.commit()
    return JSONResponse(plain(view))
