"""What the stock store reads without locking: the balances listing, the ledger's sum of moves."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from flexchain.adapters.db.stock.locks import ACTIVE
from flexchain.adapters.db.tables import (
    ItemRow,
    LocationRow,
    ReservationRow,
    StockBalanceRow,
    StockMoveRow,
)
from flexchain.domain.stock import INTERNAL_KINDS, BalanceView

__all__ = ["balances", "moves_total"]

_INTERNAL = sorted(kind.value for kind in INTERNAL_KINDS)


def balances(
    session: Session,
    *,
    now: datetime,
    item: str | None = None,
    location: str | None = None,
    include_empty: bool = False,
) -> list[BalanceView]:
    """Balances per item and internal location; reservations past ``now`` are not counted."""
    expired = (
        select(
            ReservationRow.item_id,
            ReservationRow.location_id,
            func.sum(ReservationRow.quantity).label("quantity"),
        )
        .where(
            ReservationRow.status == ACTIVE,
            ReservationRow.expires_at.is_not(None),
            ReservationRow.expires_at <= now,
        )
        .group_by(ReservationRow.item_id, ReservationRow.location_id)
        .subquery()
    )
    query = (
        select(StockBalanceRow, ItemRow.sku, ItemRow.name, ItemRow.uom, LocationRow.code, expired)
        .join(ItemRow, ItemRow.id == StockBalanceRow.item_id)
        .join(LocationRow, LocationRow.id == StockBalanceRow.location_id)
        .outerjoin(
            expired,
            and_(
                expired.c.item_id == StockBalanceRow.item_id,
                expired.c.location_id == StockBalanceRow.location_id,
            ),
        )
        .where(LocationRow.kind.in_(_INTERNAL))
        .order_by(ItemRow.sku, LocationRow.code)
    )
    if item:
        query = query.where(ItemRow.sku == item)
    if location:
        query = query.where(LocationRow.code == location)
    if not include_empty:
        query = query.where(
            or_(
                StockBalanceRow.on_hand != 0,
                StockBalanceRow.reserved != 0,
                StockBalanceRow.in_transit != 0,
                StockBalanceRow.on_order != 0,
            )
        )
    views = []
    for row in session.execute(query):
        balance: StockBalanceRow = row[0]
        stale = row.quantity or Decimal(0)  # sum() keeps the Qty type: already a Decimal
        reserved = balance.reserved - stale
        views.append(
            BalanceView(
                sku=row.sku,
                item_name=row.name,
                location=row.code,
                on_hand=balance.on_hand,
                reserved=reserved,
                available=balance.on_hand - reserved,
                in_transit=balance.in_transit,
                on_order=balance.on_order,
                uom=row.uom,
            )
        )
    return views


def moves_total(session: Session, item_id: int, location_id: int) -> Decimal:
    """On-hand recomputed from the ledger (sum in minus sum out): the balance must equal it."""

    def total(column: Any) -> Decimal:
        value = session.scalar(
            select(func.coalesce(func.sum(StockMoveRow.quantity), 0)).where(
                StockMoveRow.item_id == item_id, column == location_id
            )
        )
        return Decimal(value or 0)  # sum() keeps the Qty type: already a Decimal

    return total(StockMoveRow.to_location_id) - total(StockMoveRow.from_location_id)
