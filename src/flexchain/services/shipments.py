"""Telling the store an order shipped: record the shipment, queue its fulfilment push.

``flexchain orders ship ID --carrier C --tracking N`` (and ``POST /orders/{ref}/ship``) records
the carrier and tracking number on the order (:func:`flexchain.services.orders.ship`); shipping
an order, by that command or by ``orders status ID shipped``, queues one ``fulfilment`` row in
the outbox for the order's shop. The outbox sends it like an availability push, with the same
retries (:mod:`flexchain.services.outbox`): to Shopify as a fulfillment with tracking info and
``notify_customer``, to WooCommerce as status ``completed`` plus a customer note with the
tracking number. An order of a removed shop, or of no shop, queues nothing; a disabled shop's
row waits in the outbox until the shop is enabled again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flexchain.adapters.db.outbox import OutboxRows
from flexchain.adapters.db.shipments import ShipmentStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.shipping import Shipment, shipment

__all__ = ["FULFILMENT", "queue_fulfilment", "record", "shipment_of", "shipped", "view_of"]

FULFILMENT = "fulfilment"
"""The outbox kind of a shipment reported to the store."""


def record(uow: UnitOfWork, order_id: int, shipment: Shipment) -> None:
    """Write ``shipment`` on the order."""
    ShipmentStore(uow.session).record(order_id, shipment)


def shipment_of(uow: UnitOfWork, order_id: int) -> Shipment | None:
    """The order's shipment, ``None`` before it ships."""
    return ShipmentStore(uow.session).shipment(order_id)


def view_of(order: Any) -> Shipment | None:
    """The shipment written on a loaded order (an order row, or a test's stand-in)."""
    shipped_at = getattr(order, "shipped_at", None)
    if shipped_at is None:
        return None
    return Shipment(order.carrier, order.tracking_number, order.tracking_url, shipped_at)


def shipped(uow: UnitOfWork, order_id: int, *, now: datetime) -> bool:
    """An order just shipped: make sure it has a shipment (``orders status ID shipped`` gives
    no carrier) and queue its fulfilment push; see :func:`queue_fulfilment`."""
    if shipment_of(uow, order_id) is None:
        record(uow, order_id, shipment(None, None, now, required=False))
    return queue_fulfilment(uow, order_id, now=now)


def queue_fulfilment(uow: UnitOfWork, order_id: int, *, now: datetime) -> bool:
    """Queue the fulfilment push of a shipped order; ``False`` when there is no shop to tell
    (an order of no shop, or of a removed one)."""
    store = ShipmentStore(uow.session)
    target = store.target(order_id)
    if target is None or target.removed_at is not None:
        return False
    shipment = store.shipment(order_id)
    payload: dict[str, object] = {
        "order_id": target.external_id,
        "number": target.number,
        "carrier": shipment.carrier if shipment else None,
        "tracking_number": shipment.tracking_number if shipment else None,
        "tracking_url": shipment.tracking_url if shipment else None,
        "note": shipment.note() if shipment else "Shipped",
        "notify_customer": True,
    }
    outbox = OutboxRows(uow.session)
    outbox.enqueue(target.shop_id, FULFILMENT, f"order:{target.external_id}", payload, now)
    outbox.flush()
    return True
