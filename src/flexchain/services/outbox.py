"""Send what the outbox holds to the shops, with retries and backoff.

Each row has a ``kind``: ``availability`` (a product's sellable quantity: Shopify's inventory
level at the shop's location, WooCommerce's product stock, or a variation's under its parent
product) or ``fulfilment`` (an order shipped: Shopify's fulfillment-orders API with tracking
info and ``notify_customer``, WooCommerce's status ``completed`` and a customer note with the
tracking number; see :mod:`flexchain.services.shipments`). Only active shops' rows are sent.

Rows are claimed with a lease (``next_attempt_at`` moved a minute ahead) so a crashed sender
never loses one and two senders never send the same row at once. Per shop, requests are spaced to
stay under the platform's rate limit (Shopify REST: 2 per second; WooCommerce has none of its own,
its host does: 5 per second). A 429 waits the ``Retry-After`` it names; other temporary failures
back off exponentially (5 s, 10 s, 20 s ... up to an hour) and give up after
:data:`MAX_ATTEMPTS`; a permanent failure (4xx) fails at once (the rule:
:func:`flexchain.domain.outbox.settle`). Failed rows stay visible in ``flexchain outbox list``.

The server sends due rows from a background thread
(:class:`flexchain.entrypoints.api.background.outbox.Worker`); ``flexchain outbox run`` sends
them once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

import httpx

from flexchain.adapters.db.engine import Engine
from flexchain.adapters.db.outbox import (
    OutboxDispatchStore,
    OutboxEntry,
    OutboxMessage,
    OutboxRows,
    ShopEndpoint,
)
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.adapters.storefronts.pacing import Pacer
from flexchain.adapters.storefronts.shopify import ShopifyClient
from flexchain.adapters.storefronts.transport import (
    PermanentFailure,
    RateLimited,
    StorefrontApiError,
)
from flexchain.adapters.storefronts.woocommerce import WooCommerceClient
from flexchain.domain.outbox import (
    BASE_DELAY,
    MAX_ATTEMPTS,
    MAX_DELAY,
    Delivery,
    Failure,
    OutboxStatus,
    Outcome,
    backoff,
    settle,
)
from flexchain.services.availability import AVAILABILITY
from flexchain.services.shipments import FULFILMENT

__all__ = [
    "BASE_DELAY",
    "LEASE",
    "MAX_ATTEMPTS",
    "MAX_DELAY",
    "MIN_INTERVAL",
    "DispatchResult",
    "DispatchStore",
    "OutboxStatus",
    "OutboxView",
    "backoff",
    "dispatch_due",
    "list_outbox",
]

LEASE = timedelta(seconds=60)
MIN_INTERVAL = {"shopify": 0.5, "woocommerce": 0.2}
"""Seconds between two requests to the same shop."""

OutboxView = OutboxEntry
"""A row as ``flexchain outbox list`` shows it."""

T = TypeVar("T")


class DispatchStore(Protocol):
    """What :func:`dispatch_due` needs of the outbox (:class:`OutboxDispatchStore` on a
    database; each call a transaction of its own)."""

    def claim(self, now: datetime, limit: int, lease: timedelta) -> list[int]: ...

    def load(self, outbox_id: int) -> tuple[OutboxMessage, ShopEndpoint] | None: ...

    def settle(self, outbox_id: int, decide: Callable[[Delivery], tuple[Delivery, T]]) -> T: ...


@dataclass
class DispatchResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def list_outbox(
    uow: UnitOfWork, *, status: str | None = None, limit: int = 500
) -> list[OutboxView]:
    """Pending and failed pushes (``status`` picks one, ``sent`` included), oldest first."""
    statuses = (status,) if status else (OutboxStatus.PENDING, OutboxStatus.FAILED)
    return OutboxRows(uow.session).entries(statuses, limit)


class _Sender:
    """One HTTP client for a dispatch round, paced per shop."""

    def __init__(self, http: httpx.Client, pacer: Pacer) -> None:
        self.http = http
        self.pacer = pacer

    def send(self, shop: ShopEndpoint, message: OutboxMessage) -> None:
        if message.kind not in (AVAILABILITY, FULFILMENT):
            raise PermanentFailure(f"unknown outbox kind {message.kind!r}")
        self.pacer.wait(shop.id, shop.platform)
        payload = message.payload
        base = shop.push_url or shop.api_url or f"https://{shop.domain}"
        if not shop.api_token:
            raise PermanentFailure(f"shop {shop.domain} has no API token: flexchain shop add ...")
        if message.kind == FULFILMENT:
            self._fulfil(shop, base, shop.api_token, message)
        elif shop.platform == "shopify":
            if not shop.external_location_id:
                raise PermanentFailure(f"shop {shop.domain} has no --location-id for inventory")
            client = ShopifyClient(shop.domain, shop.api_token, self.http, base_url=base)
            client.set_inventory(
                str(payload["inventory_item_id"]),
                shop.external_location_id,
                int(str(payload["available"])),
                message.idempotency_key,
            )
        else:
            key, _, secret = shop.api_token.partition(":")
            woo = WooCommerceClient(base, key, secret, self.http)
            parent = payload.get("parent_id")
            woo.set_stock(
                str(payload["product_id"]),
                int(str(payload["available"])),
                parent_id=str(parent) if parent else None,
            )

    def _fulfil(self, shop: ShopEndpoint, base: str, token: str, message: OutboxMessage) -> None:
        payload = message.payload
        order_id = str(payload["order_id"])
        if shop.platform == "shopify":
            client = ShopifyClient(shop.domain, token, self.http, base_url=base)
            tracking = {
                "company": payload.get("carrier"),
                "number": payload.get("tracking_number"),
                "url": payload.get("tracking_url"),
            }
            notify = bool(payload.get("notify_customer", True))
            client.fulfill(order_id, tracking, message.idempotency_key, notify_customer=notify)
        else:
            key, _, secret = token.partition(":")
            woo = WooCommerceClient(base, key, secret, self.http)
            woo.complete_order(order_id, str(payload.get("note") or "") or None)


def dispatch_due(
    engine: Engine | None,
    *,
    now: datetime,
    limit: int = 100,
    http: httpx.Client | None = None,
    min_interval: Mapping[str, float] | None = None,
    store: DispatchStore | None = None,
    pacer: Pacer | None = None,
) -> DispatchResult:
    """Send up to ``limit`` due pushes; each outcome is committed as soon as it is known.

    ``store`` defaults to the outbox of ``engine``; ``pacer`` to one spacing requests by
    ``min_interval`` (default :data:`MIN_INTERVAL`) on the process's monotonic clock.
    """
    if store is None:
        assert engine is not None, "dispatch_due needs an engine or a store"
        store = OutboxDispatchStore(engine)
    result = DispatchResult()
    ids = store.claim(now, limit, LEASE)
    if not ids:
        return result
    own = http is None
    client = http or httpx.Client(timeout=httpx.Timeout(10.0))
    sender = _Sender(client, pacer or Pacer(MIN_INTERVAL if min_interval is None else min_interval))
    try:
        for outbox_id in ids:
            _send_one(store, sender, outbox_id, result, now)
    finally:
        if own:
            client.close()
    return result


def _failure(error: StorefrontApiError) -> Failure:
    if isinstance(error, RateLimited):
        return Failure(str(error), retry_after=error.retry_after_seconds)
    return Failure(str(error), permanent=isinstance(error, PermanentFailure))


def _send_one(
    store: DispatchStore, sender: _Sender, outbox_id: int, result: DispatchResult, now: datetime
) -> None:
    loaded = store.load(outbox_id)
    if loaded is None:
        return
    message, shop = loaded
    if message.status != OutboxStatus.PENDING:
        return
    failure: Failure | None = None
    try:
        sender.send(shop, message)
    except StorefrontApiError as error:
        failure = _failure(error)
    outcome = store.settle(
        outbox_id, lambda stored: settle(stored, message.idempotency_key, failure, now)
    )
    if outcome is Outcome.SENT:
        result.sent += 1
    elif outcome is Outcome.FAILED:
        result.failed += 1
    else:
        result.retrying += 1
