"""The storefront commands of the CLI, on both databases: shop, sku, inbox, orders, outbox."""

from __future__ import annotations

import json
from collections.abc import Callable

from sqlalchemy import Engine

from flexchain.adapters.db.uow import UnitOfWork
from flexchain.services import intake
from tests.integration.test_cli import flexchain_cli
from tests.storefront_world import NOW, SHOP, TEE, build_world, shopify_order, shopify_webhook


def _deliver(engine: Engine, order: dict) -> intake.InboxView:
    headers, body = shopify_webhook(order)
    received = intake.receive_webhook(engine, "shopify", headers, body, now=NOW)
    return intake.process(engine, received.inbox_id, now=NOW)


def test_shop_add_and_list(database_url: str, engine: Engine) -> None:
    code, out, _ = flexchain_cli(
        database_url,
        "shop",
        "add",
        "--platform",
        "shopify",
        "--domain",
        "https://A.myshopify.com/",
        "--secret",
        "s3cret-s3cret",
        "--push-url",
        "http://127.0.0.1:9",
    )
    assert code == 0 and "shop a.myshopify.com (shopify) added" in out
    code, out, _ = flexchain_cli(database_url, "shop", "list", "--json")
    (shop,) = json.loads(out)
    assert shop["domain"] == "a.myshopify.com" and "secret" not in json.dumps(shop)
    code, _, err = flexchain_cli(
        database_url,
        "shop",
        "add",
        "--platform",
        "magento",
        "--domain",
        "x",
        "--secret",
        "12345678",
    )
    assert code == 1 and err.strip() == "Error: platform: 'magento': use shopify or woocommerce"


def test_a_failed_webhook_is_listed_mapped_and_retried(
    database_url: str, engine: Engine, make_uow: Callable[..., UnitOfWork]
) -> None:
    # given the brand and a webhook whose line the system cannot map
    build_world(make_uow)
    failed = _deliver(engine, shopify_order(2001, [{"sku": "OLD-TEE", "quantity": 2}]))
    code, out, _ = flexchain_cli(database_url, "inbox", "list", "--status", "failed", "--json")
    (row,) = json.loads(out)
    assert row["id"] == failed.id and "unknown SKU OLD-TEE" in row["error"]
    # when the user maps the SKU and retries
    code, out, _ = flexchain_cli(database_url, "sku", "map", "OLD-TEE", TEE, "--shop", SHOP)
    assert code == 0 and f"OLD-TEE -> {TEE} for {SHOP} (added)" in out
    code, out, _ = flexchain_cli(database_url, "inbox", "retry", str(failed.id))
    assert code == 0 and "processed" in out
    # then the order is there, with its reservation and pick
    code, out, _ = flexchain_cli(database_url, "orders", "list", "--json")
    (order,) = json.loads(out)
    assert (order["external_id"], order["status"], order["lines"]) == ("2001", "reserved", 1)
    code, out, _ = flexchain_cli(database_url, "orders", "show", "2001", "--json")
    shown = json.loads(out)
    assert shown["reservations"][0]["quantity"] == "2"
    assert shown["picks"] == [{"location": "WH", "sku": TEE, "quantity": "2", "status": "open"}]
    code, out, _ = flexchain_cli(database_url, "orders", "show", "2001")
    assert code == 0 and "Picks" in out


def test_order_status_moves_and_refuses_illegal_ones(
    database_url: str, engine: Engine, make_uow: Callable[..., UnitOfWork]
) -> None:
    build_world(make_uow)
    _deliver(engine, shopify_order(2002, [{"sku": TEE, "quantity": 1}]))
    code, _, err = flexchain_cli(database_url, "orders", "status", "2002", "delivered")
    assert code == 1
    assert err.strip() == (
        "Error: cannot go from reserved to delivered; allowed: in_production, ready, cancelled"
    )
    assert flexchain_cli(database_url, "orders", "status", "2002", "ready")[0] == 0
    assert flexchain_cli(database_url, "orders", "cancel", "2002")[0] == 0
    code, out, _ = flexchain_cli(database_url, "orders", "list", "--status", "cancelled", "--json")
    assert [o["external_id"] for o in json.loads(out)] == ["2002"]
    code, out, _ = flexchain_cli(database_url, "outbox", "list", "--json")
    assert json.loads(out) == []  # no mapping says where to push: nothing queued
