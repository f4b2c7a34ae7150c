"""Webhook intake through the service layer, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select

from flexchain.adapters.db import tables as t
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.adapters.storefronts.common import PayloadError, SignatureError
from flexchain.services import intake, inventory, orders, shops
from tests.storefront_world import BAG, NOW, SHOP, TEE, shopify_order, shopify_webhook


def _count(engine: Engine, table: type[t.Base]) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(table)) or 0)


def _receive(engine: Engine, order: dict, **kwargs: object) -> intake.InboxView:
    headers, body = shopify_webhook(order, **kwargs)  # type: ignore[arg-type]
    received = intake.receive_webhook(engine, "shopify", headers, body, now=NOW)
    return intake.apply_inbox_row(engine, received.inbox_id, now=NOW)


def _show(engine: Engine, ref: str) -> dict:
    with UnitOfWork(engine, write=False) as uow:
        return orders.show_order(uow, ref)


def _available(engine: Engine, sku: str) -> Decimal:
    with UnitOfWork(engine, write=False) as uow:
        views = inventory.balances(uow, now=NOW, item=sku)
    return sum((v.available for v in views if v.location.startswith("WH")), Decimal(0))


def test_a_stock_order_is_reserved_and_picked(world: Engine) -> None:
    # given a webhook for 3 tees (an order id above 2**53)
    order = shopify_order(5_820_982_911_946_154_508, [{"sku": TEE, "quantity": 3}])
    # when it is received and processed
    view = _receive(world, order)
    # then the order is reserved from the shop's warehouse with one pick, promise tomorrow
    assert view.status == "processed"
    shown = _show(world, "5820982911946154508")
    assert shown["status"] == "reserved"
    assert shown["lines"][0]["reserved"] == 3
    assert [(p["location"], p["sku"], p["quantity"]) for p in shown["picks"]] == [("WH", TEE, 3)]
    assert shown["jobs"] == []
    assert shown["promise_date"] == (NOW + timedelta(days=1)).date()
    assert _available(world, TEE) == 7


def test_a_custom_bag_reserves_modules_and_places_jobs(world: Engine) -> None:
    # given a bag with a colour and an engraving, 3 units (6 straps over two warehouses)
    line = {"sku": BAG, "quantity": 3, "properties": {"Colour": "Madder red", "Engraving": "A&B"}}
    _receive(world, shopify_order(1001, [line]))
    shown = _show(world, "1001")
    # then standard modules are reserved (straps split across warehouses) and custom jobs placed
    picks = sorted((p["location"], p["sku"], p["quantity"]) for p in shown["picks"])
    assert picks == [("WH", "M-BAG-BODY", 3), ("WH", "M-STRAP", 6)]
    jobs = {(j["sku"], j["option"], j["value"], j["supplier"], j["reason"]) for j in shown["jobs"]}
    assert jobs == {
        ("M-DYE", "MADDER", "", "DYE-PT", "custom"),
        ("M-ENGRAVING", "TEXT", "A&B", "ENGR-ES", "custom"),
    }
    assert shown["status"] == "in_production"
    # dyeing: 4 days lead + 3 days for madder + 1 day run, then one day of packing
    assert shown["promise_date"] == (NOW + timedelta(days=9)).date()


def test_a_shortage_becomes_a_job_and_the_rest_is_backordered(world: Engine) -> None:
    _receive(world, shopify_order(1002, [{"sku": TEE, "quantity": 14}]))
    shown = _show(world, "1002")
    assert (shown["lines"][0]["reserved"], shown["lines"][0]["backordered"]) == (10, 4)
    assert [(j["sku"], j["quantity"], j["reason"], j["supplier"]) for j in shown["jobs"]] == [
        (TEE, 4, "shortage", "SEW-PT")
    ]


def test_a_rush_order_goes_to_the_fastest_capable_supplier(world: Engine) -> None:
    _receive(world, shopify_order(1003, [{"sku": TEE, "quantity": 12}], speed="premium"))
    shown = _show(world, "1003")
    assert [j["supplier"] for j in shown["jobs"]] == ["SEW-LX"]


def test_the_same_webhook_five_times_gives_one_order(world: Engine) -> None:
    order = shopify_order(1004, [{"sku": TEE, "quantity": 2}])
    views = [_receive(world, order) for _ in range(5)]
    assert {v.id for v in views} == {views[0].id}
    assert _count(world, t.InboxRow) == 1
    assert _count(world, t.SalesOrderRow) == 1
    assert _available(world, TEE) == 8


def test_an_older_update_arriving_late_changes_nothing(world: Engine) -> None:
    # given orders/updated (newer, 5 tees) arriving before its orders/create (older, 2 tees)
    newer = shopify_order(1005, [{"id": 1, "sku": TEE, "quantity": 5}], updated=NOW)
    older = shopify_order(
        1005, [{"id": 1, "sku": TEE, "quantity": 2}], updated=NOW - timedelta(minutes=3)
    )
    _receive(world, newer, topic="orders/updated")
    late = _receive(world, older, topic="orders/create")
    # then the newest version stands
    assert late.status == "ignored"
    assert _show(world, "1005")["lines"][0]["quantity"] == 5
    assert _available(world, TEE) == 5


def test_an_update_that_changes_quantities_replans_without_double_reserving(world: Engine) -> None:
    _receive(world, shopify_order(1006, [{"id": 1, "sku": TEE, "quantity": 2}]))
    later = shopify_order(1006, [{"id": 1, "sku": TEE, "quantity": 4}], updated=NOW + timedelta(1))
    _receive(world, later, topic="orders/updated")
    assert _show(world, "1006")["lines"][0]["reserved"] == 4
    assert _available(world, TEE) == 6


def test_cancellation_releases_stock_and_cancels_unstarted_jobs(world: Engine) -> None:
    line = {"sku": BAG, "quantity": 1, "properties": {"Colour": "Indigo", "Engraving": "X"}}
    _receive(world, shopify_order(1007, [line, {"sku": TEE, "quantity": 2}]))
    cancelled = shopify_order(
        1007, [line, {"sku": TEE, "quantity": 2}], updated=NOW + timedelta(hours=1), cancelled=True
    )
    _receive(world, cancelled, topic="orders/cancelled")
    shown = _show(world, "1007")
    assert shown["status"] == "cancelled"
    assert {r["status"] for r in shown["reservations"]} == {"released"}
    assert {j["status"] for j in shown["jobs"]} == {"cancelled"}
    assert _available(world, TEE) == 10
    assert _available(world, "M-STRAP") == 10


def test_an_unknown_sku_is_kept_as_failed_and_retried_after_mapping(world: Engine) -> None:
    # given an order line with an empty SKU and a variant id we do not know
    order = shopify_order(1008, [{"sku": "", "variant_id": 808950810, "quantity": 1}])
    view = _receive(world, order)
    assert view.status == "failed"
    assert "unknown SKU (empty), variant 808950810" in (view.error or "")
    assert _count(world, t.SalesOrderRow) == 0
    # when the user maps the variant and retries
    with UnitOfWork(world) as uow:
        shops.map_sku(uow, "808950810", TEE, shop=SHOP)
        uow.commit()
    retried = intake.retry(world, view.id, now=NOW)
    # then the order is applied once
    assert retried.status == "processed"
    assert _show(world, "1008")["lines"][0]["sku"] == TEE


def test_an_unknown_option_is_explained(world: Engine) -> None:
    line = {"sku": BAG, "quantity": 1, "properties": {"Colour": "Neon", "Engraving": "X"}}
    view = _receive(world, shopify_order(1009, [line]))
    assert view.status == "failed"
    expected = "unknown option 'Neon' for Colour; choose one of Indigo, Madder red"
    assert expected in (view.error or "")


def test_a_bad_signature_stores_nothing(world: Engine) -> None:
    headers, body = shopify_webhook(shopify_order(1010, [{"sku": TEE}]), secret="wrong-secret")
    with pytest.raises(SignatureError):
        intake.receive_webhook(world, "shopify", headers, body, now=NOW)
    del headers["X-Shopify-Hmac-Sha256"]
    with pytest.raises(SignatureError):
        intake.receive_webhook(world, "shopify", headers, body, now=NOW)
    assert _count(world, t.InboxRow) == 0


def test_a_signed_but_malformed_body_is_refused_with_the_reason(world: Engine) -> None:
    order = shopify_order(1011, [{"sku": TEE}])
    del order["line_items"][0]["quantity"]
    headers, body = shopify_webhook(order)
    with pytest.raises(PayloadError, match="quantity"):
        intake.receive_webhook(world, "shopify", headers, body, now=NOW)
    assert _count(world, t.InboxRow) == 0


def test_shipping_posts_the_picks_and_delivery_completes(world: Engine) -> None:
    _receive(world, shopify_order(1012, [{"sku": TEE, "quantity": 2}]))
    with UnitOfWork(world) as uow:
        orders.set_status(uow, "1012", "ready", now=NOW)
        orders.set_status(uow, "1012", "shipped", now=NOW)
        orders.set_status(uow, "1012", "delivered", now=NOW)
        uow.commit()
    with UnitOfWork(world, write=False) as uow:
        on_hand = sum(
            v.on_hand for v in inventory.balances(uow, now=NOW, item=TEE) if v.location == "WH"
        )
    assert on_hand == 8
    shown = _show(world, "1012")
    assert shown["status"] == "delivered"
    assert all(stage["actual"] is not None for stage in shown["stages"])


def test_sellable_counts_stock_or_what_the_modules_can_build(world: Engine) -> None:
    from flexchain.services import availability

    with UnitOfWork(world, write=False) as uow:
        ids = dict(uow.session.execute(select(t.ItemRow.sku, t.ItemRow.id)).all())
        sellable = availability.sellable(uow, {ids[TEE], ids[BAG]})
    # 10 tees in stock; bags: 5 bodies, 10 straps at 2 a bag -> 5
    assert sellable == {ids[TEE]: 10, ids[BAG]: 5}
    _receive(
        world,
        shopify_order(
            1013,
            [{"sku": BAG, "quantity": 2, "properties": {"Colour": "Indigo", "Engraving": "Z"}}],
        ),
    )
    with UnitOfWork(world, write=False) as uow:
        assert availability.sellable(uow, {ids[BAG]}) == {ids[BAG]: 3}


def _woo(order: dict, topic: str, delivery: str) -> tuple[dict[str, str], bytes]:
    import json

    from tests.storefront_world import WOO, WOO_SECRET, sign

    body = json.dumps(order).encode()
    return {
        "Content-Type": "application/json",
        "X-WC-Webhook-Source": f"https://{WOO}/",
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Resource": "order",
        "X-WC-Webhook-Event": topic.split(".")[1],
        "X-WC-Webhook-ID": "17",
        "X-WC-Webhook-Delivery-ID": delivery,
        "X-WC-Webhook-Signature": sign(WOO_SECRET, body),
    }, body


def test_a_woocommerce_order_with_meta_data_is_applied_once(world: Engine) -> None:
    import json
    from pathlib import Path

    fixture = Path(__file__).parents[2] / "unit/storefronts/fixtures/woocommerce_order.json"
    order = json.loads(fixture.read_text())
    order["status"] = "processing"
    line = order["line_items"][0]
    line["sku"] = BAG
    line["meta_data"] = [
        {"id": 1, "key": "Colour", "value": "Indigo"},
        {"id": 2, "key": "Engraving", "value": "MAX"},
        {"id": 3, "key": "_reduced_stock", "value": "2"},
    ]
    order["line_items"] = [line]
    for _ in range(3):  # a redelivery with the same delivery id changes nothing
        headers, body = _woo(order, "order.created", "d-1")
        received = intake.receive_webhook(world, "woocommerce", headers, body, now=NOW)
        view = intake.process(world, received.inbox_id, now=NOW)
        assert view.status == "processed", view.error
    shown = _show(world, str(order["id"]))
    assert {(j["sku"], j["option"], j["value"]) for j in shown["jobs"]} == {
        ("M-DYE", "INDIGO", ""),
        ("M-ENGRAVING", "TEXT", "MAX"),
    }
    assert _count(world, t.InboxRow) == 1
    # a cancelled status in a later update cancels it
    order["status"] = "cancelled"
    order["date_modified_gmt"] = "2030-01-01T00:00:00"
    order["date_modified"] = "2030-01-01T00:00:00"
    headers, body = _woo(order, "order.updated", "d-2")
    received = intake.receive_webhook(world, "woocommerce", headers, body, now=NOW)
    assert intake.process(world, received.inbox_id, now=NOW).status == "processed"
    assert _show(world, str(order["id"]))["status"] == "cancelled"


def test_a_deleted_woocommerce_order_is_cancelled_in_the_given_currency(world: Engine) -> None:
    import json
    from pathlib import Path

    # given a WooCommerce order, applied
    fixture = Path(__file__).parents[2] / "unit/storefronts/fixtures/woocommerce_order.json"
    order = json.loads(fixture.read_text())
    order["line_items"] = [{**order["line_items"][0], "sku": TEE, "meta_data": []}]
    headers, body = _woo(order, "order.created", "d-1")
    received = intake.receive_webhook(world, "woocommerce", headers, body, now=NOW)
    assert intake.apply_inbox_row(world, received.inbox_id, now=NOW).status == "processed"
    # when the store deletes it (the webhook names only its id)
    headers, body = _woo({"id": order["id"]}, "order.deleted", "d-2")
    received = intake.receive_webhook(world, "woocommerce", headers, body, now=NOW)
    view = intake.apply_inbox_row(
        world, received.inbox_id, now=NOW, terms=intake.IntakeTerms(currency="CHF")
    )
    # then it is cancelled as of when it was applied, in the currency the caller passed
    assert view.status == "processed", view.error
    shown = _show(world, str(order["id"]))
    assert (shown["status"], shown["currency"]) == ("cancelled", "CHF")
    assert _available(world, TEE) == 10


def test_process_is_the_old_name_of_apply_inbox_row() -> None:
    assert intake.process is intake.apply_inbox_row


def test_a_webhook_stored_but_never_applied_is_picked_up_later(world: Engine) -> None:
    # given a webhook stored when the server stopped before applying it
    headers, body = shopify_webhook(shopify_order(1014, [{"sku": TEE, "quantity": 1}]))
    intake.receive_webhook(world, "shopify", headers, body, now=NOW)
    # when the worker looks for pending webhooks (too early, then after 30 s)
    assert intake.process_pending(world, now=NOW + timedelta(seconds=5)) == []
    (view,) = intake.process_pending(world, now=NOW + timedelta(seconds=31))
    # then it is applied once
    assert view.status == "processed"
    assert _available(world, TEE) == 9
    assert intake.process_pending(world, now=NOW + timedelta(minutes=5)) == []


def test_an_assembled_product_is_promised_as_its_quote(world: Engine) -> None:
    """The order's promise adds the product's assembly (its production cycle, scaled by the
    speed tier) after the last module job, as the quote at checkout did."""
    from flexchain.services.quotes import quote

    with UnitOfWork(world) as uow:
        bag = uow.session.scalars(select(t.ItemRow).where(t.ItemRow.sku == BAG)).one()
        bag.production_cycle_days = 2
        uow.commit()
    options = {"Colour": "Madder red", "Engraving": "A&B"}
    with UnitOfWork(world, write=False) as uow:
        quoted = quote(uow, BAG, options, 3, "custom", today=NOW.date(), alternatives=False)
    line = {"sku": BAG, "quantity": 3, "properties": options}
    _receive(world, shopify_order(1010, [line]))
    shown = _show(world, "1010")
    # dyeing 4 + 3 + 1 days, assembly 2 days, packing 1 day
    assert shown["promise_date"] == (NOW + timedelta(days=11)).date()
    assert shown["promise_date"] == quoted.ship_date
