"""Availability pushes and shop sync against a store API on loopback, on both databases."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from flexchain.adapters.db.uow import UnitOfWork
from flexchain.services import intake, outbox, shops, sync
from tests.receiver import Recorded, receiver
from tests.storefront_world import (
    NOW,
    SHOP,
    TEE,
    WOO,
    build_world,
    shopify_order,
    shopify_webhook,
)

NO_WAIT: dict[str, float] = {}


def _setup(make_uow: Callable[..., UnitOfWork], url: str) -> None:
    build_world(make_uow)
    with make_uow() as uow:
        shops.add_shop(
            uow,
            platform="shopify",
            domain=SHOP,
            secret="shpss_0123456789abcdef",
            push_url=url,
            api_token="shpat_x",
            location_id="655441491",
            warehouse="WH",
        )
        shops.add_shop(
            uow,
            platform="woocommerce",
            domain=WOO,
            secret="woo-secret-123456",
            push_url=url,
            api_token="ck_1:cs_2",
        )
        shops.map_sku(uow, TEE, TEE, shop=SHOP, inventory_item_id="808950810")
        shops.map_sku(uow, "WOO-TEE", TEE, shop=WOO, product_id="93")
        uow.commit()


def _order(engine: Engine, order_id: int, quantity: int) -> None:
    headers, body = shopify_webhook(shopify_order(order_id, [{"sku": TEE, "quantity": quantity}]))
    received = intake.receive_webhook(engine, "shopify", headers, body, now=NOW)
    assert intake.process(engine, received.inbox_id, now=NOW).status == "processed"


def _pending(engine: Engine) -> list[outbox.OutboxView]:
    with UnitOfWork(engine, write=False) as uow:
        return outbox.list_outbox(uow)


def test_availability_reaches_both_platforms_once_per_burst(
    engine: Engine, make_uow: Callable[..., UnitOfWork]
) -> None:
    with receiver() as store:
        _setup(make_uow, store.url)
        # given two orders in a row: one pending push per shop, holding the latest quantity
        _order(engine, 3001, 2)
        _order(engine, 3002, 3)
        rows = _pending(engine)
        assert sorted((r.shop, r.payload["available"]) for r in rows) == [(SHOP, 5), (WOO, 5)]
        # when the outbox is dispatched
        result = outbox.dispatch_due(engine, now=NOW, min_interval=NO_WAIT)
        # then each platform got its own call
        assert (result.sent, result.retrying, result.failed) == (2, 0, 0)
        calls = {(r.method, r.path): r for r in store.requests}
        shopify = calls[("POST", "/admin/api/2025-01/inventory_levels/set.json")]
        assert shopify.json() == {
            "location_id": 655441491,
            "inventory_item_id": 808950810,
            "available": 5,
        }
        assert len(shopify.headers["Idempotency-Key"]) == 32
        woo = calls[("PUT", "/wp-json/wc/v3/products/93")]
        assert woo.json() == {"manage_stock": True, "stock_quantity": 5}
        assert woo.headers["Authorization"] == "Basic " + base64.b64encode(b"ck_1:cs_2").decode()
    assert _pending(engine) == []


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [
        pytest.param(429, {"Retry-After": "7"}, "pending", id="rate-limited"),
        pytest.param(503, {}, "pending", id="temporary"),
        pytest.param(404, {}, "failed", id="permanent"),
    ],
)
def test_failed_pushes_wait_back_off_or_fail(
    engine: Engine,
    make_uow: Callable[..., UnitOfWork],
    status: int,
    headers: dict[str, str],
    expected: str,
) -> None:
    def answer(_request: Recorded) -> tuple[int, dict[str, str], bytes]:
        return status, headers, b'{"errors": "no"}'

    with receiver(answer) as store:
        _setup(make_uow, store.url)
        _order(engine, 3003, 1)
        outbox.dispatch_due(engine, now=NOW, min_interval=NO_WAIT)
    rows = {r.shop: r for r in _pending(engine)}
    row = rows[SHOP]
    assert row.status == expected and row.attempts == 1
    assert f"HTTP {status}" in (row.last_error or "")
    if status == 429:
        assert row.next_attempt_at == NOW + timedelta(seconds=7)
    if status == 503:
        assert NOW + timedelta(seconds=4) <= row.next_attempt_at <= NOW + timedelta(seconds=6)


def test_a_push_that_keeps_failing_gives_up_after_the_last_attempt(
    engine: Engine, make_uow: Callable[..., UnitOfWork]
) -> None:
    with receiver(lambda _r: (500, {}, b"down")) as store:
        _setup(make_uow, store.url)
        _order(engine, 3004, 1)
        later = NOW
        for _ in range(outbox.MAX_ATTEMPTS):
            outbox.dispatch_due(engine, now=later, min_interval=NO_WAIT)
            later += timedelta(hours=2)
    statuses = {r.shop: (r.status, r.attempts) for r in _pending(engine)}
    assert statuses[SHOP] == ("failed", outbox.MAX_ATTEMPTS)


def test_shop_sync_applies_missed_orders_once(
    engine: Engine, make_uow: Callable[..., UnitOfWork]
) -> None:
    missed = shopify_order(4001, [{"sku": TEE, "quantity": 2}])
    received = shopify_order(4002, [{"sku": TEE, "quantity": 1}])

    def api(request: Recorded) -> tuple[int, dict[str, str], bytes]:
        assert request.headers["X-Shopify-Access-Token"] == "shpat_x"
        assert "updated_at_min=" in request.path and "status=any" in request.path
        return 200, {}, json.dumps({"orders": [missed, received]}).encode()

    with receiver(api) as store:
        _setup(make_uow, store.url)
        with make_uow() as uow:  # WooCommerce has no token here: only Shopify is synced
            shops.add_shop(uow, platform="woocommerce", domain=WOO, secret="woo-secret-123456")
            uow.commit()
        _order(engine, 4002, 1)  # this one came by webhook
        (first,) = sync.sync_shops(engine, now=NOW)
        (second,) = sync.sync_shops(engine, now=NOW + timedelta(minutes=5))
    assert (first.fetched, first.applied, first.duplicates, first.failed) == (2, 1, 1, 0)
    assert (second.applied, second.duplicates) == (0, 2)
    with UnitOfWork(engine, write=False) as uow:
        from flexchain.services import orders

        assert sorted(o.external_id for o in orders.list_orders(uow)) == ["4001", "4002"]
