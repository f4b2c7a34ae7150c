"""End to end through HTTP: webhook -> order -> picks and jobs -> tracking page -> availability
pushed to a store API on loopback, with the real server in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from flexchain.adapters.db.uow import UnitOfWork
from flexchain.services import shops
from tests.auth import bearer
from tests.pgserver import free_port
from tests.receiver import Receiver, receiver
from tests.storefront_world import (
    BAG,
    SHOP,
    TEE,
    WOO,
    build_world,
    shopify_order,
    shopify_webhook,
    sign,
)

ADMIN: dict[str, str] = {}
"""A staff token's header for the routes behind the login (set by ``server``)."""


@pytest.fixture
def store() -> Iterator[Receiver]:
    with receiver() as running:
        yield running


@pytest.fixture(params=[0, 2], ids=["intake-thread", "2-intake-processes"])
def server(
    database_url: str,
    engine: Engine,
    make_uow: Callable[..., UnitOfWork],
    store: Receiver,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> Iterator[str]:
    """``flexchain serve`` in a subprocess, applying webhooks in its intake thread, or in two
    child processes (``--intake-processes 2``); yields its base URL."""
    build_world(make_uow)
    with make_uow() as uow:
        shops.add_shop(
            uow,
            platform="shopify",
            domain=SHOP,
            secret="shpss_0123456789abcdef",
            push_url=store.url,
            api_token="shpat_test",
            location_id="655441491",
            warehouse="WH",
        )
        shops.map_sku(uow, TEE, TEE, shop=SHOP, inventory_item_id="808950810")
        uow.commit()
    ADMIN.clear()
    ADMIN.update(bearer(engine, "viewer"))
    engine.dispose()
    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "FLEXCHAIN_OUTBOX_INTERVAL_SECONDS": "0.1"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flexchain.entrypoints.cli.main",
            "--db",
            database_url,
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--intake-processes",
            str(request.param),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90  # a busy 2-core machine starts slowly
        while True:
            try:
                httpx.get(f"{base}/health", timeout=2)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"server did not start:\n{(tmp_path / 'serve.log').read_text()}")
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()


def test_webhook_to_order_to_tracking_to_availability_push(server: str, store: Receiver) -> None:
    # given a Shopify order for 3 tees and an engraved, dyed bag
    bag = {"sku": BAG, "quantity": 1, "properties": {"Colour": "Indigo", "Engraving": "Ana"}}
    order = shopify_order(5_820_982_911_946_154_508, [{"sku": TEE, "quantity": 3}, bag])
    headers, body = shopify_webhook(order)
    # when the store posts the webhook (twice: Shopify delivers at least once)
    first = httpx.post(f"{server}/webhooks/shopify", content=body, headers=headers)
    again = httpx.post(f"{server}/webhooks/shopify", content=body, headers=headers)
    # then it is applied once
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "processed"
    assert again.json()["duplicate"] is True
    shown = httpx.get(f"{server}/orders/5820982911946154508", headers=ADMIN).json()
    assert shown["external_id"] == "5820982911946154508"
    assert shown["status"] == "in_production"
    assert {(p["sku"], p["quantity"]) for p in shown["picks"]} == {
        (TEE, "3"),
        ("M-BAG-BODY", "1"),
        ("M-STRAP", "2"),
    }
    assert {(j["sku"], j["supplier"]) for j in shown["jobs"]} == {
        ("M-DYE", "DYE-PT"),
        ("M-ENGRAVING", "ENGR-ES"),
    }
    # and the customer follows it with an unguessable link, JSON or HTML, nothing internal
    token = shown["tracking_token"]
    assert len(token) >= 32
    tracked = httpx.get(f"{server}/track/{token}").json()
    assert tracked["promise_date"] == shown["promise_date"]
    assert [s["stage"] for s in tracked["stages"]][:2] == ["received", "in_production"]
    assert "supplier" not in str(tracked) and "DYE-PT" not in str(tracked)
    page = httpx.get(f"{server}/track/{token}", headers={"Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html")
    assert "Ships by" in page.text and "Canvas bag" in page.text
    assert httpx.get(f"{server}/track/not-a-real-token-at-all").status_code == 404
    # and the tee's new availability reaches the store's inventory API
    (push, *_) = store.wait_for(1)
    assert push.method == "POST"
    assert push.path == "/admin/api/2025-01/inventory_levels/set.json"
    assert push.headers["X-Shopify-Access-Token"] == "shpat_test"
    assert push.headers["Idempotency-Key"]
    assert push.json() == {"location_id": 655441491, "inventory_item_id": 808950810, "available": 7}


def test_signatures_and_malformed_bodies_over_http(server: str) -> None:
    headers, body = shopify_webhook(shopify_order(42, [{"sku": TEE}]))
    tampered = body.replace(b'"quantity": 1', b'"quantity": 9')
    assert (
        httpx.post(f"{server}/webhooks/shopify", content=tampered, headers=headers).status_code
        == 401
    )
    lower = {k.lower(): v for k, v in headers.items()}  # header names are case-insensitive
    assert httpx.post(f"{server}/webhooks/shopify", content=body, headers=lower).status_code == 200
    junk = b"{not json"
    bad = {**headers, "X-Shopify-Hmac-Sha256": sign("shpss_0123456789abcdef", junk)}
    response = httpx.post(f"{server}/webhooks/shopify", content=junk, headers=bad)
    assert response.status_code == 400
    assert response.json()["detail"]


def test_the_woocommerce_ping_gets_200_and_changes_nothing(server: str) -> None:
    response = httpx.post(
        f"{server}/webhooks/woocommerce",
        content=b"webhook_id=17",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-WC-Webhook-Source": f"https://{WOO}/",
        },
    )
    assert response.status_code == 200
    assert response.json()["status"] == "ping"
    assert httpx.get(f"{server}/orders", headers=ADMIN).json() == []
