"""Sales orders after intake: list, show, move along the lifecycle, cancel, track.

Shipping an order posts its picks as ledger moves from the warehouse to the customer, consuming
its reservations; cancelling releases them and cancels the jobs not yet started. Both queue
availability pushes. Every transition goes through :func:`flexchain.domain.orders.transition`, so
an illegal one is refused with a message that says what is allowed.

Reads go through :class:`flexchain.adapters.db.orders.views.OrderViews`; the views returned here
are frozen dataclasses whose :meth:`~OrderDetail.as_dict` is the JSON shape of the API and CLI.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

from flexchain.adapters.db.orders.views import (
    OpenPick,
    OrderContents,
    OrderViews,
    StageDates,
    StoredOrder,
)
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.errors import NotFound
from flexchain.domain.orders import JobStatus, OrderStatus, order_exceptions, transition
from flexchain.domain.shipping import Shipment, shipment
from flexchain.domain.stock import MoveKind, StockMove
from flexchain.services import audit, availability, fulfilment, inventory, shipments

__all__ = [
    "CUSTOMER_LOCATION",
    "STAGES",
    "JobView",
    "OrderDetail",
    "OrderLineView",
    "OrderReader",
    "OrderStage",
    "OrderSummary",
    "PickView",
    "ReservationView",
    "StageView",
    "StatusChange",
    "TrackedItem",
    "TrackingView",
    "cancel",
    "find_order",
    "list_orders",
    "set_status",
    "ship",
    "show_order",
    "track",
]

CUSTOMER_LOCATION = "CUSTOMER"
"""Where shipped goods go in the ledger (created on first shipment if missing)."""


class OrderStage(StrEnum):
    """A stage the customer sees (the order events' ``stage``)."""

    RECEIVED = "received"
    IN_PRODUCTION = "in_production"
    READY = "ready"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


STAGES = (
    OrderStage.RECEIVED,
    OrderStage.IN_PRODUCTION,
    OrderStage.READY,
    OrderStage.SHIPPED,
    OrderStage.DELIVERED,
)
"""The stages a customer sees, in order."""


class OrderReader(Protocol):
    """What these use cases read (:class:`OrderViews` on a database)."""

    def matching(self, text: str) -> list[StoredOrder]: ...
    def by_token(self, token: str) -> StoredOrder | None: ...
    def contents(self, order: StoredOrder) -> OrderContents: ...
    def stages(self, order_id: int) -> dict[str, StageDates]: ...
    def item_names(self) -> dict[int, str]: ...
    def bought_lines(self, order_id: int) -> list[Any]: ...


def _as_dict(value: Any) -> Any:
    """Dataclasses -> dicts and tuples -> lists, recursively; anything else as it is."""
    if is_dataclass(value) and not isinstance(value, type):
        return {field.name: _as_dict(getattr(value, field.name)) for field in fields(value)}
    if isinstance(value, tuple):
        return [_as_dict(item) for item in value]
    return value


class _View:
    """A view that reads like the dict it is shown as: ``view.as_dict()``, ``view["lines"]``."""

    def as_dict(self) -> dict[str, Any]:
        """The view as plain dicts and lists, keys in the order of the JSON shape."""
        shown: dict[str, Any] = _as_dict(self)
        return shown

    def __getitem__(self, key: str) -> Any:
        return self.as_dict()[key]


@dataclass(frozen=True)
class OrderSummary:
    id: int
    shop: str | None
    external_id: str
    number: str
    status: OrderStatus
    speed_tier: str
    currency: str
    total: Decimal
    lines: int
    promise_date: date | None
    created_at: datetime


@dataclass(frozen=True)
class OrderLineView:
    line_id: str
    sku: str | None
    quantity: Decimal
    unit_price: Decimal
    options: tuple[dict[str, Any], ...]
    properties: dict[str, Any]
    reserved: Decimal
    backordered: Decimal


@dataclass(frozen=True)
class ReservationView:
    sku: str | None
    location: str | None
    quantity: Decimal
    status: str
    owner: str


@dataclass(frozen=True)
class PickView:
    location: str | None
    sku: str | None
    quantity: Decimal
    status: str


@dataclass(frozen=True)
class JobView:
    id: int
    sku: str | None
    option: str | None
    value: str | None
    supplier: str | None
    process: str | None
    quantity: Decimal
    reason: str
    status: str
    planned_start: date | None
    planned_finish: date | None


@dataclass(frozen=True)
class StageView:
    stage: OrderStage
    planned: date | None
    actual: datetime | None


@dataclass(frozen=True)
class OrderDetail(_View):
    """The whole order as ``orders show`` and ``GET /orders/{ref}`` show it."""

    id: int
    shop: str | None
    external_id: str
    number: str
    status: OrderStatus
    speed_tier: str
    currency: str
    subtotal: Decimal
    total_tax: Decimal
    total_discounts: Decimal
    shipping: Decimal
    total: Decimal
    customer_email: str
    shipping_address: dict[str, Any]
    promise_date: date | None
    tracking_token: str | None
    updated_at: datetime | None
    lines: tuple[OrderLineView, ...]
    reservations: tuple[ReservationView, ...]
    picks: tuple[PickView, ...]
    jobs: tuple[JobView, ...]
    stages: tuple[StageView, ...]
    shipment: Shipment | None = None
    exceptions: tuple[str, ...] = ()  # why it has no promise: jobs no supplier can take


@dataclass(frozen=True)
class TrackedItem:
    name: str
    quantity: Decimal
    choices: dict[str, Any]


@dataclass(frozen=True)
class TrackingView(_View):
    """The customer's view of their order: what they bought and its stages."""

    order: str
    status: OrderStatus
    promise_date: date | None
    items: tuple[TrackedItem, ...]
    stages: tuple[StageView, ...]


@dataclass(frozen=True)
class StatusChange:
    """An order after a change of status."""

    id: int
    number: str
    external_id: str
    status: OrderStatus


def _reader(uow: UnitOfWork, views: OrderReader | None) -> OrderReader:
    return views if views is not None else OrderViews(uow.session)


def find_order(uow: UnitOfWork, ref: str | int, *, views: OrderReader | None = None) -> StoredOrder:
    """An order by our id, the store's order id, or its number (``#1001`` or ``1001``)."""
    text = str(ref).strip()
    rows = _reader(uow, views).matching(text)
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
    return [
        OrderSummary(
            row.id,
            domain,
            row.external_id,
            row.number,
            OrderStatus(row.status),
            row.speed_tier,
            row.currency,
            row.total,
            lines,
            row.promise_date,
            row.created_at,
        )
        for row, domain, lines in OrderViews(uow.session).newest(status=status, limit=limit)
    ]


def show_order(uow: UnitOfWork, ref: str | int, *, views: OrderReader | None = None) -> OrderDetail:
    """The whole order: header, lines, reservations, picks, jobs, stages."""
    reader = _reader(uow, views)
    order = find_order(uow, ref, views=reader)
    contents = reader.contents(order)
    jobs = _jobs(contents)
    return OrderDetail(
        id=order.id,
        shop=contents.shop,
        external_id=order.external_id,
        number=order.number,
        status=OrderStatus(order.status),
        speed_tier=order.speed_tier,
        currency=order.currency,
        subtotal=order.subtotal,
        total_tax=order.total_tax,
        total_discounts=order.total_discounts,
        shipping=order.shipping,
        total=order.total,
        customer_email=order.customer_email,
        shipping_address=order.shipping_address,
        promise_date=order.promise_date,
        tracking_token=order.tracking_token,
        updated_at=order.external_updated_at,
        lines=_lines(contents),
        reservations=_reservations(contents),
        picks=_picks(contents),
        jobs=jobs,
        stages=_stages(reader, order.id),
        shipment=shipments.view_of(order),
        exceptions=order_exceptions(
            ((j.sku, j.process) for j in jobs if not j.supplier and JobStatus(j.status).is_open),
            contents.unsourced,
        ),
    )


def _lines(contents: OrderContents) -> tuple[OrderLineView, ...]:
    return tuple(
        OrderLineView(
            line_id=line.external_line_id,
            sku=contents.skus.get(line.item_id),
            quantity=line.quantity,
            unit_price=line.unit_price,
            options=tuple(
                {k: v for k, v in option.items() if k != "lead_time_delta_days"}
                for option in line.options
            ),
            properties=line.properties,
            reserved=line.reserved,
            backordered=line.backordered,
        )
        for line in contents.lines
    )


def _reservations(contents: OrderContents) -> tuple[ReservationView, ...]:
    return tuple(
        ReservationView(
            sku=contents.skus.get(row.item_id),
            location=contents.locations.get(row.location_id),
            quantity=row.quantity,
            status=row.status,
            owner=row.owner_ref,
        )
        for row in contents.reservations
    )


def _picks(contents: OrderContents) -> tuple[PickView, ...]:
    return tuple(
        PickView(
            location=contents.locations.get(row.location_id),
            sku=contents.skus.get(row.item_id),
            quantity=row.quantity,
            status=row.status,
        )
        for row in contents.picks
    )


def _jobs(contents: OrderContents) -> tuple[JobView, ...]:
    return tuple(
        JobView(
            id=row.id,
            sku=contents.skus.get(row.item_id),
            option=row.option_code,
            value=row.option_value,
            supplier=contents.suppliers.get(row.supplier_id) if row.supplier_id else None,
            process=row.process,
            quantity=row.quantity,
            reason=row.reason,
            status=row.status,
            planned_start=row.planned_start,
            planned_finish=row.planned_finish,
        )
        for row in contents.jobs
    )


def _stages(reader: OrderReader, order_id: int) -> tuple[StageView, ...]:
    """The customer's stages: in production only if the order went there, cancelled if it was."""
    events = reader.stages(order_id)
    names = [*STAGES, OrderStage.CANCELLED] if OrderStage.CANCELLED in events else list(STAGES)
    return tuple(
        StageView(
            name,
            events[name].planned if name in events else None,
            events[name].actual if name in events else None,
        )
        for name in names
        if name != OrderStage.IN_PRODUCTION or name in events
    )


def _change(order: StoredOrder) -> StatusChange:
    return StatusChange(order.id, order.number, order.external_id, OrderStatus(order.status))


def set_status(
    uow: UnitOfWork,
    ref: str | int,
    target: str,
    *,
    now: datetime,
    views: OrderReader | None = None,
    shipment: Shipment | None = None,
) -> StatusChange:
    """Move an order to ``target`` (ready, shipped, delivered, in_production, cancelled)."""
    order = find_order(uow, ref, views=views)
    if target == OrderStatus.CANCELLED.value:
        return cancel(uow, order.id, now=now, views=views)
    before = order.status
    order.status = transition(order.status, target).value
    if target == OrderStatus.SHIPPED.value:
        _ship(uow, order, now=now)
    if target in STAGES:
        fulfilment.mark_stage(uow, order, OrderStage(target).value, now)
    audit.order_change(uow, order, before, now, shipment)
    return _change(order)


def ship(
    uow: UnitOfWork,
    ref: str | int,
    *,
    carrier: str,
    tracking: str,
    now: datetime,
    tracking_url: str | None = None,
) -> StatusChange:
    """Ship a ready order: record carrier and tracking, post its picks, tell its store."""
    sent = shipment(carrier, tracking, now, tracking_url=tracking_url)
    order = find_order(uow, ref)
    transition(order.status, OrderStatus.SHIPPED)  # refuse before writing anything
    shipments.record(uow, order.id, sent)
    return set_status(uow, order.id, OrderStatus.SHIPPED.value, now=now, shipment=sent)


def cancel(
    uow: UnitOfWork, ref: str | int, *, now: datetime, views: OrderReader | None = None
) -> StatusChange:
    """Cancel an open order: release its stock, cancel its unstarted jobs, push availability."""
    order = find_order(uow, ref, views=views)
    before = order.status
    order.status = transition(order.status, OrderStatus.CANCELLED).value
    touched = fulfilment.release_order(uow, order, now=now)
    fulfilment.mark_stage(uow, order, OrderStage.CANCELLED.value, now)
    availability.queue_pushes(uow, touched, now=now)
    audit.order_change(uow, order, before, now, action="cancelled")
    return _change(order)


def _ship(uow: UnitOfWork, order: StoredOrder, *, now: datetime) -> None:
    """Post the open picks as shipments to the customer, consuming the reservations; tell
    the store."""
    shipments.shipped(uow, order.id, now=now)
    views = OrderViews(uow.session)
    customer = views.customer_location(CUSTOMER_LOCATION)
    touched = set()
    for pick in views.open_picks(order.id):
        inventory.post_move(uow, _shipment(order, pick, customer, now))
        views.mark_picked([pick])
        touched.add(pick.item_id)
    availability.queue_pushes(uow, touched, now=now)


def _shipment(order: StoredOrder, pick: OpenPick, customer: str, now: datetime) -> StockMove:
    return StockMove(
        item_sku=pick.sku,
        from_location=pick.location,
        to_location=customer,
        quantity=pick.quantity,
        kind=MoveKind.SHIPMENT,
        reference=f"order {order.number or order.external_id}",
        at=now,
        reservation_owner=fulfilment.owner_ref(order, pick.line),
    )


def track(uow: UnitOfWork, token: str, *, views: OrderReader | None = None) -> TrackingView:
    """The customer's view of their order: what they bought, its stages, nothing internal."""
    reader = _reader(uow, views)
    order = reader.by_token(token)
    if order is None or len(token) < 16:
        raise NotFound("no order with this tracking link")
    names = reader.item_names()
    items = tuple(
        TrackedItem(
            name=names.get(line.item_id, ""),
            quantity=line.quantity,
            choices={k: v for k, v in line.properties.items() if not k.startswith("_")},
        )
        for line in reader.bought_lines(order.id)
    )
    return TrackingView(
        order=order.number or order.external_id,
        status=OrderStatus(order.status),
        promise_date=order.promise_date,
        items=items,
        stages=_stages(reader, order.id),
    )
