"""``GET /stock`` and ``POST /stock/receive|transfer|adjust|count``: the same views and use cases
as ``flexchain stock`` and its commands (quantities as exact decimal strings)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from flexchain.domain.identity import STAFF, Principal, Role
from flexchain.entrypoints.api.access import allow
from flexchain.entrypoints.api.deps import AppDep, uow_for
from flexchain.entrypoints.api.inputs import STORABLE_TEXT
from flexchain.entrypoints.api.responses import errors
from flexchain.entrypoints.cli.render import plain
from flexchain.services import inventory, stock_commands
from flexchain.services.stock_commands import StockChange

__all__ = ["router"]

router = APIRouter(prefix="/stock", tags=["stock"], dependencies=[STORABLE_TEXT])

Sku = Field(min_length=1, max_length=64, examples=["TEE-COTTON-BLACK-M"])
Code = Field(min_length=1, max_length=64, examples=["WH-LIS"])


class Receive(BaseModel):
    sku: str = Sku
    quantity: Decimal = Field(gt=0, examples=["12"])
    location: str = Code
    reference: str = Field(default="", max_length=200, examples=["PO-1001/2"])
    reason: str = Field(default="", max_length=200)


class Transfer(BaseModel):
    sku: str = Sku
    quantity: Decimal = Field(gt=0)
    from_location: str = Field(alias="from", min_length=1, max_length=64)
    to_location: str = Field(alias="to", min_length=1, max_length=64)
    reference: str = Field(default="", max_length=200)
    reason: str = Field(default="", max_length=200)


class Adjust(BaseModel):
    sku: str = Sku
    delta: Decimal = Field(examples=["-3"])
    location: str = Code
    reason: str = Field(min_length=1, max_length=200, examples=["damaged in the warehouse"])
    reference: str = Field(default="", max_length=200)


class Count(BaseModel):
    sku: str = Sku
    quantity: Decimal = Field(ge=0)
    location: str = Code
    reference: str = Field(default="", max_length=200)
    reason: str = Field(default="", max_length=200)


@router.get("", responses=errors(missing="No such item or location"))
def list_stock(
    app: AppDep,
    who: Annotated[Principal, allow(*STAFF)],
    item: str | None = None,
    location: str | None = None,
) -> Any:
    """Balances per item and internal location (as ``flexchain stock --json``)."""
    with uow_for(app, who, write=False) as uow:
        views = inventory.balances(uow, now=datetime.now(UTC), item=item, location=location)
    return JSONResponse(plain(views))


def _run(
    app: Any, who: Principal, use_case: Callable[[Any, datetime], StockChange]
) -> JSONResponse:
    """``use_case(uow, now)`` in one unit of work, committed; 201 with what it did."""
    with uow_for(app, who) as uow:
        change = use_case(uow, datetime.now(UTC))
        uow.commit()
    return JSONResponse(plain(change.as_dict()), status_code=201)


@router.post(
    "/receive",
    status_code=201,
    responses=errors(
        "A quantity or field out of range", missing="No such item or location", body=True
    ),
)
def receive(
    body: Receive,
    app: AppDep,
    who: Annotated[Principal, allow(Role.ADMIN, Role.PLANNER, Role.BUYER, Role.QUALITY)],
) -> Any:
    """Goods arrived at ``location`` (a receipt move; a ``reference`` naming a purchase order
    counts against its open lines of the item)."""
    return _run(
        app,
        who,
        lambda uow, now: stock_commands.receive(
            uow,
            body.sku,
            body.quantity,
            location=body.location,
            now=now,
            reference=body.reference,
            reason=body.reason,
        ),
    )


@router.post(
    "/transfer",
    status_code=201,
    responses=errors(
        "A quantity or field out of range", missing="No such item or location", body=True
    ),
)
def transfer(
    body: Transfer, app: AppDep, who: Annotated[Principal, allow(Role.ADMIN, Role.PLANNER)]
) -> Any:
    """Move stock between two internal locations (``from``, ``to``): one transfer move."""
    return _run(
        app,
        who,
        lambda uow, now: stock_commands.transfer(
            uow,
            body.sku,
            body.quantity,
            source=body.from_location,
            target=body.to_location,
            now=now,
            reference=body.reference,
            reason=body.reason,
        ),
    )


@router.post(
    "/adjust",
    status_code=201,
    responses=errors(
        "A quantity or field out of range", missing="No such item or location", body=True
    ),
)
def adjust(
    body: Adjust, app: AppDep, who: Annotated[Principal, allow(Role.ADMIN, Role.PLANNER)]
) -> Any:
    """Correct the stock at ``location`` by the signed ``delta`` (a reason is required)."""
    return _run(
        app,
        who,
        lambda uow, now: stock_commands.adjust(
            uow,
            body.sku,
            body.delta,
            location=body.location,
            reason=body.reason,
            now=now,
            reference=body.reference,
        ),
    )


@router.post(
    "/count",
    status_code=201,
    responses=errors(
        "A quantity or field out of range", missing="No such item or location", body=True
    ),
)
def count(
    body: Count, app: AppDep, who: Annotated[Principal, allow(Role.ADMIN, Role.PLANNER)]
) -> Any:
    """Set the counted ``quantity`` at ``location`` by posting the difference (none if equal)."""
    return _run(
        app,
        who,
        lambda uow, now: stock_commands.count(
            uow,
            body.sku,
            body.quantity,
            location=body.location,
            now=now,
            reference=body.reference,
            reason=body.reason,
        ),
    )
