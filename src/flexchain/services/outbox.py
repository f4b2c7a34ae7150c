"""Send what the outbox holds to the shops: availability, with retries and backoff.

Rows are claimed with a lease (``next_attempt_at`` moved a minute ahead) so a crashed sender
never loses one and two senders never send the same row at once. Per shop, requests are spaced to
stay under the platform's rate limit (Shopify REST: 2 per second; WooCommerce has none of its own,
its host does: 5 per second). A 429 waits the ``Retry-After`` it names; other temporary failures
back off exponentially (5 s, 10 s, 20 s ... up to an hour) and give up after
:data:`MAX_ATTEMPTS`; a permanent failure (4xx) fails at once. Failed rows stay visible in
``flexchain outbox list``.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import Engine, select

from flexchain.adapters.db.tables import OutboxRow, ShopRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.adapters.storefronts.shopify import ShopifyClient
from flexchain.adapters.storefronts.transport import (
    PermanentFailure,
    RateLimited,
    StorefrontApiError,
)
from flexchain.adapters.storefronts.woocommerce import WooCommerceClient
from flexchain.services.availability import AVAILABILITY

__all__ = [
    "MAX_ATTEMPTS",
    "MIN_INTERVAL",
    "DispatchResult",
    "OutboxView",
    "backoff",
    "dispatch_due",
    "list_outbox",
]

MAX_ATTEMPTS = 8
LEASE = timedelta(seconds=60)
BASE_DELAY = 5.0
MAX_DELAY = 3600.0
MIN_INTERVAL = {"shopify": 0.5, "woocommerce": 0.2}
"""Seconds between two requests to the same shop."""


@dataclass(frozen=True)
class OutboxView:
    id: int
    shop: str
    kind: str
    key: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    payload: dict[str, object]
    sent_at: datetime | None


@dataclass
class DispatchResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def backoff(attempts: int, rng: random.Random | None = None) -> float:
    """Seconds to wait after the ``attempts``-th failure: 5, 10, 20 ... capped, +-20 % jitter."""
    delay = min(BASE_DELAY * 2 ** max(attempts - 1, 0), MAX_DELAY)
    return delay * (0.8 + 0.4 * (rng or random).random())


def list_outbox(
    uow: UnitOfWork, *, status: str | None = None, limit: int = 500
) -> list[OutboxView]:
    """Pending and failed pushes (``status`` picks one, ``sent`` included), oldest first."""
    query = (
        select(OutboxRow, ShopRow.domain)
        .join(ShopRow, ShopRow.id == OutboxRow.shop_id)
        .order_by(OutboxRow.id)
        .limit(limit)
    )
    query = query.where(
        OutboxRow.status == status if status else OutboxRow.status.in_(("pending", "failed"))
    )
    return [
        OutboxView(
            row.id,
            domain,
            row.kind,
            row.key,
            row.status,
            row.attempts,
            row.next_attempt_at,
            row.last_error,
            row.payload,
            row.sent_at,
        )
        for row, domain in uow.session.execute(query).all()
    ]


def _claim(engine: Engine, now: datetime, limit: int) -> list[int]:
    with UnitOfWork(engine, actor="outbox") as uow:
        rows = list(
            uow.session.scalars(
                select(OutboxRow)
                .where(OutboxRow.status == "pending", OutboxRow.next_attempt_at <= now)
                .order_by(OutboxRow.next_attempt_at, OutboxRow.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        for row in rows:
            row.next_attempt_at = now + LEASE
        uow.commit()
        return [row.id for row in rows]


class _Sender:
    """One HTTP client for a dispatch round, and the time of the last request per shop."""

    def __init__(self, http: httpx.Client, min_interval: dict[str, float]) -> None:
        self.http = http
        self.min_interval = min_interval
        self.last: dict[int, float] = {}

    def send(self, shop: ShopRow, row: OutboxRow) -> None:
        if row.kind != AVAILABILITY:
            raise PermanentFailure(f"unknown outbox kind {row.kind!r}")
        wait = self.last.get(shop.id, 0.0) + self.min_interval.get(shop.platform, 0.5)
        pause = wait - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        self.last[shop.id] = time.monotonic()
        payload = row.payload
        base = shop.push_url or shop.api_url or f"https://{shop.domain}"
        if not shop.api_token:
            raise PermanentFailure(f"shop {shop.domain} has no API token: flexchain shop add ...")
        if shop.platform == "shopify":
            if not shop.external_location_id:
                raise PermanentFailure(f"shop {shop.domain} has no --location-id for inventory")
            client = ShopifyClient(shop.domain, shop.api_token, self.http, base_url=base)
            client.set_inventory(
                str(payload["inventory_item_id"]),
                shop.external_location_id,
                int(str(payload["available"])),
                row.idempotency_key,
            )
        else:
            key, _, secret = shop.api_token.partition(":")
            woo = WooCommerceClient(base, key, secret, self.http)
            woo.set_stock(str(payload["product_id"]), int(str(payload["available"])))


def dispatch_due(
    engine: Engine,
    *,
    now: datetime,
    limit: int = 100,
    http: httpx.Client | None = None,
    min_interval: dict[str, float] | None = None,
) -> DispatchResult:
    """Send up to ``limit`` due pushes; each outcome is committed as soon as it is known."""
    result = DispatchResult()
    ids = _claim(engine, now, limit)
    if not ids:
        return result
    own = http is None
    client = http or httpx.Client(timeout=httpx.Timeout(10.0))
    sender = _Sender(client, MIN_INTERVAL if min_interval is None else min_interval)
    try:
        for outbox_id in ids:
            _send_one(engine, sender, outbox_id, result, now)
    finally:
        if own:
            client.close()
    return result


def _send_one(
    engine: Engine, sender: _Sender, outbox_id: int, result: DispatchResult, now: datetime
) -> None:
    with UnitOfWork(engine, write=False) as reader:
        row = reader.session.get(OutboxRow, outbox_id)
        shop = reader.session.get(ShopRow, row.shop_id) if row else None
        reader.session.expunge_all()  # keep the loaded values after the read ends
    if row is None or shop is None or row.status != "pending":
        return
    error: StorefrontApiError | None = None
    try:
        sender.send(shop, row)
    except StorefrontApiError as failure:
        error = failure
    with UnitOfWork(engine, actor="outbox") as uow:
        stored = uow.session.get(OutboxRow, outbox_id, with_for_update=True)
        assert stored is not None
        done = now
        if stored.idempotency_key != row.idempotency_key and error is None:
            # the payload changed while it was being sent: send the new one next round
            stored.next_attempt_at = done
            result.retrying += 1
        elif error is None:
            stored.status = "sent"
            stored.sent_at = done
            stored.last_error = None
            stored.attempts += 1
            result.sent += 1
        else:
            stored.attempts += 1
            stored.last_error = str(error)
            if isinstance(error, RateLimited):
                stored.next_attempt_at = done + timedelta(seconds=error.retry_after_seconds)
                result.retrying += 1
            elif isinstance(error, PermanentFailure) or stored.attempts >= MAX_ATTEMPTS:
                stored.status = "failed"
                result.failed += 1
            else:
                stored.next_attempt_at = done + timedelta(seconds=backoff(stored.attempts))
                result.retrying += 1
        uow.commit()


class Worker:
    """The API server's background thread: every ``interval`` seconds it applies webhooks left
    pending by a stopped server (:func:`flexchain.services.intake.process_pending`) and sends
    the pushes that are due (:func:`dispatch_due`)."""

    def __init__(self, engine: Engine, interval: float = 0.5) -> None:
        self.engine = engine
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="flexchain-outbox", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=15)

    def _run(self) -> None:
        from datetime import UTC

        from flexchain.services import intake

        while not self._stop.is_set():
            try:
                intake.process_pending(self.engine, now=datetime.now(UTC))
                dispatch_due(self.engine, now=datetime.now(UTC))
            except Exception:  # keep the worker alive; the row keeps its error
                import logging

                logging.getLogger(__name__).exception("outbox dispatch failed")
            self._stop.wait(self.interval)
