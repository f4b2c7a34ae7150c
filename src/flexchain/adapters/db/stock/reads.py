"""What the stock store reads without locking: the balances listing, the ledger's sum of moves.

``on_order`` is not a stored figure: the listing derives it from the open purchase order lines
(what each still brings), shown at each line's location, or at the receiving warehouse
(:func:`receiving_warehouse`) for a line that names none, so it follows every import, receipt
and closing of a line. The ``stock_balances.on_order`` column is
not read.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from flexchain.adapters.db.stock.locks import ACTIVE
from flexchain.adapters.db.tables import (
    ItemRow,
    LocationRow,
    PurchaseOrderLineRow,
    ReservationRow,
    StockBalanceRow,
    StockMoveRow,
)
from flexchain.adapters.db.types import Qty
from flexchain.domain.purchasing import POStatus
from flexchain.domain.stock import INTERNAL_KINDS, BalanceView, LocationKind

__all__ = ["balances", "moves_total", "on_order", "receiving_warehouse"]

_INTERNAL = sorted(kind.value for kind in INTERNAL_KINDS)
_ZERO = Decimal(0)


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
    ordered = on_order(session, item)
    if location:
        ordered = {key: units for key, units in ordered.items() if key[1] == location}
    expected: dict[str, list[str]] = {}  # location code -> SKUs on order there
    for sku, code in ordered:
        expected.setdefault(code, []).append(sku)
    if not include_empty:
        query = query.where(
            or_(
                StockBalanceRow.on_hand != 0,
                StockBalanceRow.reserved != 0,
                StockBalanceRow.in_transit != 0,
                *(
                    and_(ItemRow.sku.in_(skus), LocationRow.code == code)
                    for code, skus in expected.items()
                ),
            )
        )
    views = {}
    for row in session.execute(query):
        balance: StockBalanceRow = row[0]
        stale = row.quantity or Decimal(0)  # sum() keeps the Qty type: already a Decimal
        reserved = balance.reserved - stale
        views[(row.sku, row.code)] = BalanceView(
            sku=row.sku,
            item_name=row.name,
            location=row.code,
            on_hand=balance.on_hand,
            reserved=reserved,
            available=balance.on_hand - reserved,
            in_transit=balance.in_transit,
            on_order=ordered.get((row.sku, row.code), _ZERO),
            uom=row.uom,
        )
    _add_only_on_order(session, ordered, views)
    return [views[key] for key in sorted(views)]


def receiving_warehouse(session: Session) -> str | None:
    """Where open purchase order lines that name no location are expected: the first
    warehouse by code, the one order picking also tries first when no other is named."""
    return session.scalar(
        select(LocationRow.code)
        .where(LocationRow.kind == LocationKind.WAREHOUSE.value)
        .order_by(LocationRow.code)
        .limit(1)
    )


def _add_only_on_order(
    session: Session,
    ordered: dict[tuple[str, str], Decimal],
    views: dict[tuple[str, str], BalanceView],
) -> None:
    """A line in ``views`` for each item only on order at a location (no balance row there)."""
    missing = {sku for sku, code in ordered if (sku, code) not in views}
    if not missing:
        return
    for sku, name, uom in session.execute(
        select(ItemRow.sku, ItemRow.name, ItemRow.uom).where(ItemRow.sku.in_(missing))
    ):
        for (wanted, code), units in ordered.items():
            if wanted == sku and (sku, code) not in views:
                views[(sku, code)] = BalanceView(
                    sku, name, code, _ZERO, _ZERO, _ZERO, _ZERO, units, uom
                )


def on_order(session: Session, item: str | None = None) -> dict[tuple[str, str], Decimal]:
    """What open purchase order lines still bring, by SKU and location code: ``quantity -
    received_quantity`` of every ``open`` line (as planning nets them), at the line's location,
    or the receiving warehouse (:func:`receiving_warehouse`) for a line that names none."""
    line = PurchaseOrderLineRow
    query = (
        select(
            ItemRow.sku,
            LocationRow.code,
            type_coerce(func.sum(line.quantity - line.received_quantity), Qty()),
        )
        .join(ItemRow, ItemRow.id == line.item_id)
        .outerjoin(LocationRow, LocationRow.id == line.location_id)
        .where(line.status == POStatus.OPEN.value, line.received_quantity < line.quantity)
        .group_by(ItemRow.sku, LocationRow.code)
    )
    if item:
        query = query.where(ItemRow.sku == item)
    receiving = None
    ordered: dict[tuple[str, str], Decimal] = {}
    for sku, code, total in session.execute(query):
        if not total:
            continue
        if code is None:
            receiving = receiving or receiving_warehouse(session)
            if receiving is None:
                continue
            code = receiving
        ordered[(sku, code)] = ordered.get((sku, code), _ZERO) + Decimal(total)
    return ordered


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
