"""Back to the store (issue 12): shipments reported through the outbox, WooCommerce variations'
stock, shops disabled and removed. Against a local store that checks every request
(tests/receiver.py StoreApi), on both databases."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from flexchain.adapters.db import tables as t
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.bootstrap import App
from flexchain.config import Settings
from flexchain.domain.errors import IllegalTransition, ValidationError
from flexchain.entrypoints.api import errors as api_errors
from flexchain.entrypoints.api.orders import router as orders_router
from flexchain.services import intake, orders, outbox, shops, sync
from tests.auth import bearer
from tests.integration.storefront.test_intake import _woo
from tests.integration.test_cli import flexchain_cli
from tests.receiver import Recorded, StoreApi, receiver
from tests.storefront_world import (
    NOW,
    SECRET,
    SHOP,
    TEE,
    WOO,
    WOO_SECRET,
    build_world,
    shopify_order,
    shopify_webhook,
)

NO_WAIT: dict[str, float] = {}
LATER = NOW + timedelta(hours=1)


def _setup(make_uow: Callable[..., UnitOfWork], url: str) -> None:
    build_world(make_uow)
    with make_uow() as uow:
        shops.add_shop(
            uow,
            platform="shopify",
            domain=SHOP,
            secret=SECRET,
            push_url=url,
            api_token="shpat_x",
            location_id="655441491",
            warehouse="WH",
        )
        shops.add_shop(
            uow,
            platform="woocommerce",
            domain=WOO,
            secret=WOO_SECRET,
            push_url=url,
            api_token="ck_1:cs_2",
        )
        shops.map_sku(uow, TEE, TEE, shop=SHOP, inventory_item_id="808950810")
        uow.commit()


def _shopify(engine: Engine, order_id: int, quantity: int = 2) -> None:
    headers, body = shopify_webhook(shopify_order(order_id, [{"sku": TEE, "quantity": quantity}]))
    received = intake.receive_webhook(engine, "shopify", headers, body, now=NOW)
    assert intake.process(engine, received.inbox_id, now=NOW).status == "processed"


def _woocommerce(engine: Engine, order_id: int) -> None:
    order = {
        "id": order_id, "number": str(order_id), "status": "processing", "currency": "EUR",
        "date_created_gmt": "2026-11-23T08:55:00", "date_modified_gmt": "2026-11-23T08:55:00",
        "total": "20.00", "billing": {"email": "bo@example.com"},
        "line_items": [{"id": 1, "sku": TEE, "quantity": 1, "subtotal": "20.00",
                        "total": "20.00", "product_id": 93, "variation_id": 0}],
    }  # fmt: skip
    headers, body = _woo(order, "order.created", f"d-{order_id}")
    received = intake.receive_webhook(engine, "woocommerce", headers, body, now=NOW)
    assert intake.process(engine, received.inbox_id, now=NOW).status == "processed"


def _ready(make_uow: Callable[..., UnitOfWork], ref: str) -> None:
    with make_uow() as uow:
        if orders.find_order(uow, ref).status == "received":
            orders.set_status(uow, ref, "reserved", now=NOW)
        orders.set_status(uow, ref, "ready", now=NOW)
        uow.commit()


def _ship(make_uow: Callable[..., UnitOfWork], ref: str, **given: Any) -> orders.OrderDetail:
    with make_uow() as uow:
        orders.ship(uow, ref, now=NOW, **{"carrier": "DHL", "tracking": "00340434", **given})
        uow.commit()
    with make_uow(write=False) as uow:
        return orders.show_order(uow, ref)


def _outbox(engine: Engine, status: str | None = None) -> list[outbox.OutboxView]:
    with UnitOfWork(engine, write=False) as uow:
        return outbox.list_outbox(uow, status=status)


def _fulfilments(engine: Engine, status: str | None = None) -> list[outbox.OutboxView]:
    return [row for row in _outbox(engine, status) if row.kind == "fulfilment"]


def test_a_shipped_shopify_order_is_fulfilled_with_tracking_and_a_customer_email(
    engine: Engine, make_uow: Callable[..., UnitOfWork]
) -> None:
    store = StoreApi(shopify_orders={5001})
    with receiver(store) as api:
        _setup(make_uow, api.url)
        _shopify(engine, 5001)
        _ready(make_uow, "5001")
        # when the order ships with a carrier, a tracking number and a link
        shown = _ship(make_uow, "5001", tracking_url="https://www.dhl.com/track?n=00340434")
        # then the shipment is on the order and one fulfilment push waits beside availability
        assert shown.status == "shipped" and shown.shipment is not None
        assert (shown.shipment.carrier, shown.shipment.tracking_number) == ("DHL", "00340434")
        assert shown.shipment.shipped_at == NOW
        (row,) = _fulfilments(engine)
        assert (row.shop, row.key, row.status) == (SHOP, "order:5001", "pending")
        assert row.payload["carrier"] == "DHL" and row.payload["notify_customer"] is True
        outbox.dispatch_due(engine, now=NOW, min_interval=NO_WAIT)
    # and the store was asked for the order's fulfillment orders, then fulfilled the open one
    calls = [(r.method, r.path) for r in api.requests if "fulfill" in r.path]
    assert calls == [
        ("GET", "/admin/api/2025-01/orders/5001/fulfillment_orders.json"),
        ("POST", "/admin/api/2025-01/fulfillments.json"),
    ]
    assert store.refused == []
    assert store.fulfillments == [
        {
            "line_items_by_fulfillment_order": [{"fulfillment_order_id": 50010}],
            "tracking_info": {
                "company": "DHL",
                "number": "00340434",
                "url": "https://www.dhl.com/track?n=00340434",
            },
            "notify_customer": True,
        }
    ]
    assert store.fulfillment_orders == {50010: "closed"}
    (sent,) = _fulfilments(engine, "sent")
    assert sent.attempts == 1 and sent.sent_at == NOW


def test_a_shipped_woocommerce_order_is_completed_with_the_tracking_in_a_note(
    engine: Engine, make_uow: Callable[..., UnitOfWork]
) -> None:
    store = StoreApi(woo_orders={727})
    with receiver(store) as api:
        _setup(make_uow, api.url)
        _woocommerce(engine, 727)
        _ready(make_uow, "727")
        _ship(make_uow, "727", carrier="PostNL", tracking="3SABC123")
        outbox.dispatch_due(engine, now=NOW, min_interval=NO_WAIT)
    order_calls = [(r.method, r.path, r.json()) for r in api.requests if "/orders/" in r.path]
    assert order_calls == [
        ("PUT", "/wp-json/wc/v3/orders/727", {"status": "completed"}),
        (
            "POST",
            "/wp-json/wc/v3/orders/727/notes",
            {"note": "Shipped with PostNL, tracking number 3SABC123", "customer_note": True},
        ),
    ]
    assert store.refused == [] and store.woo_status == {727: "completed"}
    assert [row.status for row in _fulfilments(engine, "sent")] == ["sent"]


def test_a_failed_fulfilment_is_retried_and_a_lost_answer_does_not_fulfil_twice(
    engine: Engine, make_uow: Callable[..., UnitOfWork]
) -> None:
    store = StoreApi(shopify_orders={5002})
    answers = iter([(503, {}, b"down")])

    def flaky(request: Recorded) -> tuple[int, dict[str, str], bytes]:
        if request.path.endswith("fulfillments.json"):
            status = next(answers, None)
            if status is not None:
                return status
        return store(request)

    with receiver(flaky) as api:
        _setup(make_uow, api.url)
        _shopify(engine, 5002)
        _ready(make_uow, "5002")
        _ship(make_uow, "5002")
        # given a store that is down at the first try: the push waits and backs off
        outbox.dispatch_due(engine, now=NOW, min_interval=NO_WAIT)
        (waiting,) = _fulfilments(engine)
        assert (waiting.status, waiting.attempts) == ("pending", 1)
        assert "HTTP 503" in (waiting.last_error or "")
        assert NOW + timedelta(seconds=4) <= waiting.next_attempt_at <= NOW + timedelta(seconds=6)
        # when it is due again, it goes through
        outbox.dispatch_due(engine, now=LATER, min_interval=NO_WAIT)
        (sent,) = _fulfilments(engine, "sent")
        assert sent.attempts == 2 and len(store.fulfillments) == 1
        # and a send repeated after a lost answer finds nothing open and posts nothing
        with make_uow() as uow:
            uow.session.get(t.OutboxRow, sent.id).status = "pending"  # as if never settled
            uow.commit()
        outbox.dispatch_due(engine, now=LATER + timedelta(hours=1), min_interval=NO_WAIT)
    listed = [r.path for r in api.requests if r.path.endswith("fulfillment_orders.json")]
    assert len(listed) == 3  # once per try, the last one found nothing open
    assert len(store.fulfillments) == 1 and store.refused == []
    assert [row.status for row in _fulfilments(engine, "sent")] == ["sent"]


def test_shipping_an_order_that_is_not_ready_writes_nothing(
    engine: Engine, make_uow: Callable[..., UnitOfWork]
) -> None:
    with receiver(StoreApi()) as api:
        _setup(make_uow, api.url)
        _shopify(engine, 5003)
        with make_uow() as uow, pytest.raises(IllegalTransition, match="cannot go from"):
            orders.ship(uow, "5003", carrier="DHL", tracking="1", now=NOW)
        with make_uow() as uow, pytest.raises(ValidationError, match=r"^carrier: must not be"):
            orders.ship(uow, "5003", carrier=" ", tracking="1", now=NOW)
        with make_uow() as uow, pytest.raises(ValidationError, match=r"^tracking_url: "):
            orders.ship(uow, "5003", carrier="D", tracking="1", tracking_url="x", now=NOW)
    with make_uow(write=False) as uow:
        shown = orders.show_order(uow, "5003")
    assert shown.shipment is None and shown.status != "shipped"
    assert _fulfilments(engine) == []


def test_orders_status_shipped_tells_the_store_too_without_tracking(
    engine: Engine, make_uow: Callable[..., UnitOfWork]
) -> None:
    store = StoreApi(shopify_orders={5004})
    with receiver(store) as api:
        _setup(make_uow, api.url)
        _shopify(engine, 5004)
        _ready(make_uow, "5004")
        with make_uow() as uow:
            orders.set_status(uow, "5004", "shipped", now=NOW)
            uow.commit()
        outbox.dispatch_due(engine, now=NOW, min_interval=NO_WAIT)
    (fulfilment,) = store.fulfillments
    assert fulfilment["tracking_info"] == {} and fulfilment["notify_customer"] is True
    with make_uow(write=False) as uow:
        shipment = orders.show_order(uow, "5004").shipment
    assert shipment is not None and shipment.carrier is None and shipment.shipped_at == NOW


def test_a_woocommerce_variation_gets_its_stock_under_its_parent_product(
    engine: Engine, make_uow: Callable[..., UnitOfWork]
) -> None:
    store = StoreApi(woo_products={93: None, 1207: 93})
    with receiver(store) as api:
        _setup(make_uow, api.url)
        with make_uow() as uow:
            mapping, _ = shops.map_sku(
                uow, "WOO-TEE-M", TEE, shop=WOO, product_id="1207", parent_id="93"
            )
            uow.commit()
        assert (mapping.external_product_id, mapping.external_parent_id) == ("1207", "93")
        _shopify(engine, 5005, quantity=3)  # a sale elsewhere changes what Woo may sell
        outbox.dispatch_due(engine, now=NOW, min_interval=NO_WAIT)
    puts = [(r.path, r.json()) for r in api.requests if r.method == "PUT"]
    assert puts == [
        ("/wp-json/wc/v3/products/93/variations/1207", {"manage_stock": True, "stock_quantity": 7})
    ]
    assert store.refused == [] and store.stock == {1207: 7}
    with make_uow() as uow, pytest.raises(ValidationError, match=r"^parent_id: "):
        shops.map_sku(uow, "WOO-TEE-L", TEE, shop=WOO, product_id="1208", parent_id="x1")


def test_a_disabled_shop_takes_no_webhooks_no_sync_and_its_pushes_wait(
    engine: Engine, make_uow: Callable[..., UnitOfWork]
) -> None:
    store = StoreApi(shopify_orders={5006})
    with receiver(store) as api:
        _setup(make_uow, api.url)
        _shopify(engine, 5006)
        _ready(make_uow, "5006")
        _ship(make_uow, "5006")
        # when the shop is disabled
        with make_uow() as uow:
            view = shops.disable_shop(uow, "https://Brand.myshopify.com/")
            uow.commit()
        assert view.active is False and view.removed_at is None
        # then its webhooks are refused as an unknown shop's, it is not synced
        headers, body = shopify_webhook(shopify_order(5007, [{"sku": TEE, "quantity": 1}]))
        with pytest.raises(intake.SignatureError):
            intake.receive_webhook(engine, "shopify", headers, body, now=NOW)
        assert [r.shop for r in sync.sync_shops(engine, now=NOW)] == [WOO]
        # and nothing is pushed to it: its rows wait, pending
        outbox.dispatch_due(engine, now=LATER, min_interval=NO_WAIT)
        assert not [r for r in api.requests if "/admin/api/" in r.path]
        assert {r.kind for r in _outbox(engine) if r.shop == SHOP} == {
            "availability",
            "fulfilment",
        }
        # when it is enabled again, what waited is sent
        with make_uow() as uow:
            shops.enable_shop(uow, SHOP)
            uow.commit()
        outbox.dispatch_due(engine, now=LATER, min_interval=NO_WAIT)
    assert len(store.fulfillments) == 1 and store.refused == []
    assert [r for r in _outbox(engine) if r.shop == SHOP] == []


def test_a_shop_with_open_orders_is_removed_only_by_force_and_keeps_what_it_sent(
    engine: Engine, make_uow: Callable[..., UnitOfWork]
) -> None:
    with receiver(StoreApi()) as api:
        _setup(make_uow, api.url)
        _shopify(engine, 5008)
        # given an open order: removing is refused, naming it
        with make_uow() as uow, pytest.raises(ValidationError, match=r"1 open order\(s\)"):
            shops.remove_shop(uow, SHOP, now=NOW)
        # when forced
        with make_uow() as uow:
            view, still_open = shops.remove_shop(uow, SHOP, now=NOW, force=True)
            uow.commit()
        assert still_open == ["#5008"] and view.active is False and view.removed_at == NOW
        # then nothing it sent is deleted, its waiting pushes failed with the reason
        with make_uow(write=False) as uow:
            count = uow.session.scalar(select(func.count()).select_from(t.InboxRow))
            assert count == 1 and orders.find_order(uow, "5008").shop_id is not None
        failed = [r for r in _outbox(engine, "failed") if r.shop == SHOP]
        assert failed and all(r.last_error == f"shop {SHOP} was removed" for r in failed)
        # and shipping its order later tells no store
        _ready(make_uow, "5008")
        _ship(make_uow, "5008")
        assert [r for r in _fulfilments(engine) if r.shop == SHOP] == []
        # a shop without open orders is removed without force
        with make_uow() as uow:
            _, none_open = shops.remove_shop(uow, WOO, now=NOW)
            uow.commit()
        assert none_open == []


# --- entry points --------------------------------------------------------------------------------


@pytest.fixture
def api(engine: Engine, database_url: str) -> Iterator[TestClient]:
    app = FastAPI()
    api_errors.install(app)
    app.include_router(orders_router)
    app.state.flexchain = App(settings=Settings(database_url=database_url), engine=engine)
    with TestClient(app, headers=bearer(engine)) as client:
        yield client


def test_post_orders_ship_records_the_shipment_and_refuses_bad_requests(
    engine: Engine, make_uow: Callable[..., UnitOfWork], api: TestClient
) -> None:
    with receiver(StoreApi(shopify_orders={5009})) as store:
        _setup(make_uow, store.url)
        _shopify(engine, 5009)
        body = {"carrier": "UPS", "tracking": "1Z999"}
        refused = api.post("/orders/5009/ship", json=body)
        assert refused.status_code == 422 and "cannot go from" in refused.json()["detail"]
        _ready(make_uow, "5009")
        empty = api.post("/orders/5009/ship", json={"carrier": "", "tracking": "1Z999"})
        assert empty.status_code == 422 and empty.json()["detail"] == "carrier: must not be empty"
        assert api.post("/orders/404404/ship", json=body).status_code == 404
        shipped = api.post("/orders/5009/ship", json=body)
    assert shipped.status_code == 200
    answer = shipped.json()
    assert answer["status"] == "shipped"
    assert answer["shipment"] == {
        "carrier": "UPS",
        "tracking_number": "1Z999",
        "tracking_url": None,
        "shipped_at": answer["shipment"]["shipped_at"],
    }
    assert [r.key for r in _fulfilments(engine)] == ["order:5009"]


def test_cli_orders_ship_shop_disable_remove_and_outbox_kinds(
    database_url: str, engine: Engine, make_uow: Callable[..., UnitOfWork]
) -> None:
    with receiver(StoreApi()) as store:
        _setup(make_uow, store.url)
        _shopify(engine, 5010)
        _ready(make_uow, "5010")
        code, out, _ = flexchain_cli(
            database_url, "orders", "ship", "5010", "--carrier", "DHL", "--tracking", "JJD01"
        )
        assert code == 0 and out.strip() == "order #5010: shipped with DHL, tracking JJD01"
        code, out, _ = flexchain_cli(database_url, "outbox", "list", "--json")
        assert code == 0
        kinds = {(row["shop"], row["kind"]) for row in json.loads(out)}
        assert (SHOP, "fulfilment") in kinds and (SHOP, "availability") in kinds
        code, out, err = flexchain_cli(
            database_url, "orders", "ship", "5010", "--carrier", "DHL", "--tracking", "JJD01"
        )
        assert code == 1 and "cannot go from shipped to shipped" in err
        code, out, _ = flexchain_cli(database_url, "orders", "show", "5010")
        assert code == 0 and out.splitlines()[1].endswith(": DHL JJD01")
        code, out, _ = flexchain_cli(database_url, "shop", "disable", SHOP)
        assert code == 0 and out.startswith(f"shop {SHOP} (shopify) disabled")
        _woocommerce(engine, 728)
        code, _, err = flexchain_cli(database_url, "shop", "remove", WOO)
        assert code == 1 and "open order(s) (728)" in err and "--force" in err
        code, out, _ = flexchain_cli(database_url, "shop", "remove", WOO, "--force")
        assert code == 0 and "1 open order(s) kept" in out
        code, out, _ = flexchain_cli(database_url, "shop", "list", "--json")
        listed = {row["domain"]: row for row in json.loads(out)}
        assert listed[SHOP]["active"] is False and listed[SHOP]["removed_at"] is None
        assert listed[WOO]["active"] is False and listed[WOO]["removed_at"] is not None
        flexchain_cli(database_url, "shop", "remove", WOO, "--force")  # again: the first stays
        code, out, _ = flexchain_cli(database_url, "shop", "list", "--json")
        again = {row["domain"]: row for row in json.loads(out)}
        assert again[WOO]["removed_at"] == listed[WOO]["removed_at"]
        code, out, _ = flexchain_cli(
            database_url, "sku", "map", "V-1", TEE, "--shop", WOO, "--product-id", "1207",
            "--parent-id", "93",
        )  # fmt: skip
        assert code == 0
        code, out, _ = flexchain_cli(database_url, "sku", "list", "--json")
        (mapped,) = [row for row in json.loads(out) if row["external_key"] == "V-1"]
        assert mapped["external_parent_id"] == "93"
