"""``GET /orders`` and ``GET /orders/{ref}``: the same views as ``flexchain orders list|show``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from flexchain.entrypoints.api.deps import AppDep
from flexchain.entrypoints.cli.render import plain
from flexchain.services import orders

router = APIRouter(prefix="/orders", tags=["orders"])


@router.get("")
def list_orders(app: AppDep, status: str | None = None, limit: int = 500) -> Any:
    """Newest first; money and quantities as exact decimal strings."""
    with app.uow(write=False) as uow:
        return JSONResponse(plain(orders.list_orders(uow, status=status, limit=limit)))


@router.get("/{ref}")
def show_order(ref: str, app: AppDep) -> Any:
    """One order by id, store order id or number: lines, reservations, picks, jobs, stages."""
    with app.uow(write=False) as uow:
        return JSONResponse(plain(orders.show_order(uow, ref).as_dict()))
