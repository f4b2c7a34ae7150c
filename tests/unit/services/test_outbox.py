"""The outbox dispatcher's decisions, on the in-memory outbox (tests/fakes.py) and a fake shop
(httpx.MockTransport): no database, no network, no waiting."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from flexchain.adapters.db.outbox import ShopEndpoint
from flexchain.domain.outbox import MAX_ATTEMPTS, Delivery, Failure, Outcome, settle
from flexchain.services import outbox
from flexchain.services.outbox import OutboxStatus
from tests.fakes import FakeOutboxDispatch, FakeOutboxRow

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SHOP = ShopEndpoint(1, "brand.myshopify.com", "shopify", None, None, "shpat_x", "655441491")
NO_WAIT = {"shopify": 0.0, "woocommerce": 0.0}
PAYLOAD = {"sku": "TEE", "available": 7, "inventory_item_id": "808950810", "product_id": None}


def _row(attempts: int = 0, key: str = "k1") -> FakeOutboxRow:
    delivery = Delivery(OutboxStatus.PENDING, attempts, NOW, None, None, key)
    return FakeOutboxRow(1, SHOP, dict(PAYLOAD), delivery)


def _shop_answering(
    status: int, headers: dict[str, str] | None = None, seen: Callable[[], None] | None = None
) -> httpx.Client:
    def answer(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen()
        return httpx.Response(status, headers=headers, json={})

    return httpx.Client(transport=httpx.MockTransport(answer))


def _dispatch(store: FakeOutboxDispatch, http: httpx.Client) -> outbox.DispatchResult:
    return outbox.dispatch_due(None, now=NOW, http=http, min_interval=NO_WAIT, store=store)


def test_a_push_the_shop_accepts_is_sent() -> None:
    store = FakeOutboxDispatch([_row()])
    result = _dispatch(store, _shop_answering(200))
    delivery = store.rows[1].delivery
    assert (result.sent, result.retrying, result.failed) == (1, 0, 0)
    assert (delivery.status, delivery.attempts, delivery.sent_at) == ("sent", 1, NOW)


def test_dispatch_due_backs_off_a_failed_push() -> None:
    # given a due push and a shop answering 503
    store = FakeOutboxDispatch([_row()])
    # when it is dispatched
    result = _dispatch(store, _shop_answering(503))
    # then it stays pending, counts the attempt, keeps the error and waits 5 s +-20 %
    delivery = store.rows[1].delivery
    assert (result.sent, result.retrying, result.failed) == (0, 1, 0)
    assert delivery.status is OutboxStatus.PENDING and delivery.attempts == 1
    assert "HTTP 503" in (delivery.last_error or "")
    assert NOW + timedelta(seconds=4) <= delivery.next_attempt_at <= NOW + timedelta(seconds=6)
    # and a second dispatch at the same time finds nothing due
    assert _dispatch(store, _shop_answering(200)).sent == 0


def test_a_rate_limited_push_waits_the_retry_after_it_was_given() -> None:
    store = FakeOutboxDispatch([_row()])
    _dispatch(store, _shop_answering(429, {"Retry-After": "30"}))
    assert store.rows[1].delivery.next_attempt_at == NOW + timedelta(seconds=30)


def test_a_permanent_failure_fails_at_once() -> None:
    store = FakeOutboxDispatch([_row()])
    result = _dispatch(store, _shop_answering(404))
    assert result.failed == 1 and store.rows[1].delivery.status is OutboxStatus.FAILED


def test_the_last_allowed_attempt_fails_the_push() -> None:
    store = FakeOutboxDispatch([_row(attempts=MAX_ATTEMPTS - 1)])
    result = _dispatch(store, _shop_answering(503))
    delivery = store.rows[1].delivery
    assert result.failed == 1 and (delivery.status, delivery.attempts) == ("failed", MAX_ATTEMPTS)


def test_a_payload_changed_while_it_was_sent_is_sent_again_at_once() -> None:
    # given a push whose body is replaced (a new key) while the request is in flight
    store = FakeOutboxDispatch([_row()])

    def replaced() -> None:
        old = store.rows[1].delivery
        store.rows[1].delivery = Delivery(**{**old.__dict__, "idempotency_key": "k2"})

    result = _dispatch(store, _shop_answering(200, seen=replaced))
    # then it is due again now, not counted as sent, and its attempts are unchanged
    delivery = store.rows[1].delivery
    assert result.retrying == 1 and delivery.status is OutboxStatus.PENDING
    assert (delivery.next_attempt_at, delivery.attempts) == (NOW, 0)


@pytest.mark.parametrize("attempts", range(1, 12))
def test_backoff_doubles_from_five_seconds_up_to_an_hour(attempts: int) -> None:
    expected = min(5.0 * 2 ** (attempts - 1), 3600.0)
    waited = outbox.backoff(attempts, random.Random(attempts))
    assert 0.8 * expected <= waited <= 1.2 * expected


def test_settle_keeps_the_lease_of_a_row_that_failed_for_good() -> None:
    leased = Delivery(OutboxStatus.PENDING, 0, NOW + outbox.LEASE, None, None, "k")
    after, outcome = settle(leased, "k", Failure("HTTP 401", permanent=True), NOW)
    assert outcome is Outcome.FAILED and after.next_attempt_at == NOW + outbox.LEASE
