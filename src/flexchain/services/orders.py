"""Sales orders after intake: list, show, move along the lifecycle, cancel, track.

Shipping an order posts its picks as ledger moves from the warehouse to the customer, consuming
its reservations; cancelling releases them and cancels the jobs not yet started. Both queue
availability pushes. Every transition goes through :func:`flexchain.domain.orders.transition`, so
an illegal one is refused with a message that says what is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select

from flexchain.adapters.db.tables import (
    ItemRow,
    LocationRow,
    OrderEventRow,
    PickRow,
    ProductionJobRow,
    ReservationRow,
    SalesOrderLineRow,
    SalesOrderRow,
    ShopRow,
    SupplierRow,
)
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.errors import NotFound
from flexchain.domain.orders import OrderStatus, transition
from flexchain.domain.stock import MoveKind, StockMove
from flexchain.services import availability, fulfilment, inventory

__all__ = [
    "CUSTOMER_LOCATION",
    "STAGES",
    "OrderSummary",
    "cancel",
    "find_order",
    "list_orders",
    "set_status",
    "show_order",
    "track",
]

CUSTOMER_LOCATION = "CUSTOMER"
"""Where shipped goods go in the ledger (created on first shipment if missing)."""
STAGES = ("received", "in_production", "ready", "shipped", "delivered")
"""The stages a customer sees, in order."""


@dataclass(frozen=True)
class OrderSummary:
    id: int
    shop: str | None
    external_id: str
    number: str
    status: str
    speed_tier: str
    currency: str
    total: Decimal
    lines: int
    promise_date: date | None
    created_at: datetime


def find_order(uow: UnitOfWork, ref: str | int) -> SalesOrderRow:
    """An order by our id, the store's order id, or its number (``#1001`` or ``1001``)."""
    text = str(ref).strip()
    conditions = [SalesOrderRow.external_id == text, SalesOrderRow.number == text]
    conditions.append(SalesOrderRow.number == f"#{text.lstrip('#')}")
    if text.isdigit() and len(text) < 10:
        conditions.append(SalesOrderRow.id == int(text))
    rows = list(uow.session.scalars(select(SalesOrderRow).where(or_(*conditions))))
    exact = [row for row in rows if text.isdigit() and row.id == int(text)] if len(rows) > 1 else []
    if len(exact) == 1:
        return exact[0]
    if len(rows) != 1:
        if not rows:
            raise NotFound(f"no order {text!r}")
        raise NotFound(f"{len(rows)} orders match {text!r}; use the id from flexchain orders list")
    return rows[0]


def list_orders(
    uow: UnitOfWork, *, status: str | None = None, limit: int = 500
) -> list[OrderSummary]:
    session = uow.session
    query = (
        select(SalesOrderRow, ShopRow.domain)
        .outerjoin(ShopRow, ShopRow.id == SalesOrderRow.shop_id)
        .order_by(SalesOrderRow.id.desc())
        .limit(limit)
    )
    if status:
        query = query.where(SalesOrderRow.status == status)
    found = session.execute(query).all()
    counts: dict[int, int] = {}
    ids = [row.id for row, _ in found]
    if ids:
        for order_id in session.scalars(
            select(SalesOrderLineRow.order_id).where(
                SalesOrderLineRow.order_id.in_(ids), SalesOrderLineRow.quantity > 0
            )
        ):
            counts[order_id] = counts.get(order_id, 0) + 1
    return [
        OrderSummary(
            row.id,
            domain,
            row.external_id,
            row.number,
            row.status,
            row.speed_tier,
            row.currency,
            row.total,
            counts.get(row.id, 0),
            row.promise_date,
            row.created_at,
        )
        for row, domain in found
    ]


def show_order(uow: UnitOfWork, ref: str | int) -> dict[str, Any]:
    """The whole order: header, lines, reservations, picks, jobs, stages."""
    session = uow.session
    order = find_order(uow, ref)
    skus = dict(session.execute(select(ItemRow.id, ItemRow.sku)).all())
    locations = dict(session.execute(select(LocationRow.id, LocationRow.code)).all())
    suppliers = dict(session.execute(select(SupplierRow.id, SupplierRow.code)).all())
    shop = session.get(ShopRow, order.shop_id) if order.shop_id else None
    lines = list(
        session.scalars(
            select(SalesOrderLineRow)
            .where(SalesOrderLineRow.order_id == order.id)
            .order_by(SalesOrderLineRow.id)
        )
    )
    prefix = f"so:{order.shop_id or 0}:{order.external_id}:"
    reservations = session.scalars(
        select(ReservationRow)
        .where(ReservationRow.owner_ref.startswith(prefix, autoescape=True))
        .order_by(ReservationRow.id)
    )
    picks = session.scalars(
        select(PickRow).where(PickRow.order_id == order.id).order_by(PickRow.id)
    )
    jobs = session.scalars(
        select(ProductionJobRow)
        .where(ProductionJobRow.order_id == order.id)
        .order_by(ProductionJobRow.id)
    )
    return {
        "id": order.id,
        "shop": shop.domain if shop else None,
        "external_id": order.external_id,
        "number": order.number,
        "status": order.status,
        "speed_tier": order.speed_tier,
        "currency": order.currency,
        "subtotal": order.subtotal,
        "total_tax": order.total_tax,
        "total_discounts": order.total_discounts,
        "shipping": order.shipping,
        "total": order.total,
        "customer_email": order.customer_email,
        "shipping_address": order.shipping_address,
        "promise_date": order.promise_date,
        "tracking_token": order.tracking_token,
        "updated_at": order.external_updated_at,
        "lines": [
            {
                "line_id": line.external_line_id,
                "sku": skus.get(line.item_id),
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "options": [
                    {k: v for k, v in option.items() if k != "lead_time_delta_days"}
                    for option in line.options
                ],
                "properties": line.properties,
                "reserved": line.reserved,
                "backordered": line.backordered,
            }
            for line in lines
        ],
        "reservations": [
            {
                "sku": skus.get(row.item_id),
                "location": locations.get(row.location_id),
                "quantity": row.quantity,
                "status": row.status,
                "owner": row.owner_ref,
            }
            for row in reservations
        ],
        "picks": [
            {
                "location": locations.get(row.location_id),
                "sku": skus.get(row.item_id),
                "quantity": row.quantity,
                "status": row.status,
            }
            for row in picks
        ],
        "jobs": [
            {
                "id": row.id,
                "sku": skus.get(row.item_id),
                "option": row.option_code,
                "value": row.option_value,
                "supplier": suppliers.get(row.supplier_id) if row.supplier_id else None,
                "process": row.process,
                "quantity": row.quantity,
                "reason": row.reason,
                "status": row.status,
                "planned_start": row.planned_start,
                "planned_finish": row.planned_finish,
            }
            for row in jobs
        ],
        "stages": _stages(uow, order),
    }


def _stages(uow: UnitOfWork, order: SalesOrderRow) -> list[dict[str, Any]]:
    rows = {
        row.stage: row
        for row in uow.session.scalars(
            select(OrderEventRow).where(OrderEventRow.order_id == order.id)
        )
    }
    names = [*STAGES, "cancelled"] if "cancelled" in rows else list(STAGES)
    return [
        {
            "stage": name,
            "planned": rows[name].planned_at if name in rows else None,
            "actual": rows[name].actual_at if name in rows else None,
        }
        for name in names
        if name != "in_production" or name in rows
    ]


def set_status(uow: UnitOfWork, ref: str | int, target: str, *, now: datetime) -> SalesOrderRow:
    """Move an order to ``target`` (ready, shipped, delivered, in_production, cancelled)."""
    order = find_order(uow, ref)
    if target == OrderStatus.CANCELLED.value:
        return cancel(uow, order.id, now=now)
    order.status = transition(order.status, target).value
    if target == OrderStatus.SHIPPED.value:
        _ship(uow, order, now=now)
    if target in STAGES:
        fulfilment.mark_stage(uow, order, target, now)
    return order


def cancel(uow: UnitOfWork, ref: str | int, *, now: datetime) -> SalesOrderRow:
    """Cancel an open order: release its stock, cancel its unstarted jobs, push availability."""
    order = find_order(uow, ref)
    order.status = transition(order.status, OrderStatus.CANCELLED).value
    touched = fulfilment.release_order(uow, order, now=now)
    fulfilment.mark_stage(uow, order, "cancelled", now)
    availability.queue_pushes(uow, touched, now=now)
    return order


def _customer_location(uow: UnitOfWork) -> str:
    session = uow.session
    code = session.scalar(select(LocationRow.code).where(LocationRow.kind == "customer").limit(1))
    if code is None:
        session.add(LocationRow(code=CUSTOMER_LOCATION, name="Customers", kind="customer"))
        session.flush()
        code = CUSTOMER_LOCATION
    return code


def _ship(uow: UnitOfWork, order: SalesOrderRow, *, now: datetime) -> None:
    """Post the open picks as shipments to the customer, consuming the reservations."""
    session = uow.session
    customer = _customer_location(uow)
    lines = {
        row.id: row
        for row in session.scalars(
            select(SalesOrderLineRow).where(SalesOrderLineRow.order_id == order.id)
        )
    }
    touched = set()
    picks = session.execute(
        select(PickRow, ItemRow.sku, LocationRow.code)
        .join(ItemRow, ItemRow.id == PickRow.item_id)
        .join(LocationRow, LocationRow.id == PickRow.location_id)
        .where(PickRow.order_id == order.id, PickRow.status == "open")
        .order_by(PickRow.item_id, PickRow.location_id)
    ).all()
    for pick, sku, location in picks:
        line = lines[pick.order_line_id]
        inventory.post_move(
            uow,
            StockMove(
                item_sku=sku,
                from_location=location,
                to_location=customer,
                quantity=pick.quantity,
                kind=MoveKind.SHIPMENT,
                reference=f"order {order.number or order.external_id}",
                at=now,
                reservation_owner=fulfilment.owner_ref(order, line),
            ),
        )
        pick.status = "done"
        touched.add(pick.item_id)
    availability.queue_pushes(uow, touched, now=now)


def track(uow: UnitOfWork, token: str) -> dict[str, Any]:
    """The customer's view of their order: what they bought, its stages, nothing internal."""
    order = uow.session.scalars(
        select(SalesOrderRow).where(SalesOrderRow.tracking_token == token)
    ).one_or_none()
    if order is None or len(token) < 16:
        raise NotFound("no order with this tracking link")
    names = dict(uow.session.execute(select(ItemRow.id, ItemRow.name)).all())
    lines = uow.session.scalars(
        select(SalesOrderLineRow)
        .where(SalesOrderLineRow.order_id == order.id, SalesOrderLineRow.quantity > 0)
        .order_by(SalesOrderLineRow.id)
    )
    return {
        "order": order.number or order.external_id,
        "status": order.status,
        "promise_date": order.promise_date,
        "items": [
            {
                "name": names.get(line.item_id, ""),
                "quantity": line.quantity,
                "choices": {k: v for k, v in line.properties.items() if not k.startswith("_")},
            }
            for line in lines
        ],
        "stages": _stages(uow, order),
    }
