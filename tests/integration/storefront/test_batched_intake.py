"""The server's intake thread: webhooks stored and applied in batches, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select

from flexchain.adapters.db import tables as t
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.adapters.storefronts.common import SignatureError
from flexchain.entrypoints.api.background import intake as background
from flexchain.services import intake, inventory, orders
from tests.storefront_world import BAG, NOW, TEE, build_world, shopify_order, shopify_webhook

STOCK = 25


def _verified(engine: Engine, order: dict, **kwargs: object) -> intake.Verified:
    headers, body = shopify_webhook(order, **kwargs)  # type: ignore[arg-type]
    return intake.verify_webhook(engine, "shopify", headers, body)


def _store(engine: Engine, *webhooks: intake.Verified) -> list[int]:
    return [r.inbox_id for r in intake.store_many(engine, webhooks, now=NOW)]


def test_a_batch_applies_every_order_and_a_bad_one_fails_alone(  # type: ignore[no-untyped-def]
    engine: Engine, make_uow
) -> None:
    # given 5 tees, three orders of 2 tees, and an order for an SKU nobody knows
    build_world(make_uow, tee_stock=5)
    good = [shopify_order(81_000 + n, [{"sku": TEE, "quantity": 2}]) for n in range(3)]
    bad = shopify_order(81_100, [{"sku": "NO-SUCH-SKU", "quantity": 1}])
    ids = _store(engine, *(_verified(engine, order) for order in [good[0], bad, *good[1:]]))

    # when they are applied as one batch
    views = intake.process_batch(engine, ids, now=NOW)

    # then the unknown SKU is failed with its reason, the others are applied in arrival order,
    # and the last one is backordered for the tee the stock lacked
    assert [v.status for v in views] == ["processed", "failed", "processed", "processed"]
    assert "NO-SUCH-SKU" in (views[1].error or "")
    with UnitOfWork(engine, write=False) as uow:
        last = orders.show_order(uow, str(good[2]["id"]))
        (balance,) = inventory.balances(uow, now=NOW, item=TEE, location="WH")
    assert (last["lines"][0]["reserved"], last["lines"][0]["backordered"]) == (1, 1)
    assert (balance.reserved, balance.available) == (Decimal(5), Decimal(0))


def test_a_create_and_its_update_in_one_batch_end_as_the_update(  # type: ignore[no-untyped-def]
    engine: Engine, make_uow, caplog: pytest.LogCaptureFixture
) -> None:
    # given an order for 1 tee and, in the same burst, its update to 3 tees and a bag
    build_world(make_uow, tee_stock=10)
    created = shopify_order(82_000, [{"sku": TEE, "quantity": 1}])
    bag = {"sku": BAG, "quantity": 1, "properties": {"Colour": "Indigo", "Engraving": "Jo"}}
    updated = shopify_order(
        82_000,
        [{"sku": TEE, "quantity": 3}, bag],
        updated=NOW + timedelta(minutes=5),
    )
    ids = _store(
        engine,
        _verified(engine, created),
        _verified(engine, updated, topic="orders/updated"),
    )

    # when both are applied as one batch
    with caplog.at_level(logging.INFO, logger="flexchain.services.intake"):
        views = intake.process_batch(engine, ids, now=NOW)

    # then (in one transaction) the order holds the update: 3 tees reserved once, not 4, and a
    # job for the bag
    assert "fell back" not in caplog.text
    assert [v.status for v in views] == ["processed", "processed"]
    with UnitOfWork(engine, write=False) as uow:
        shown = orders.show_order(uow, "82000")
        (balance,) = inventory.balances(uow, now=NOW, item=TEE, location="WH")
    assert sorted(line["quantity"] for line in shown["lines"] if line["quantity"]) == [1, 3]
    assert sum(p["quantity"] for p in shown["picks"] if p["sku"] == TEE) == 3
    assert shown["jobs"]
    assert balance.reserved == Decimal(3)


def test_the_batcher_never_oversells_and_stores_each_webhook_once(  # type: ignore[no-untyped-def]
    engine: Engine, make_uow, caplog: pytest.LogCaptureFixture
) -> None:
    # given 25 tees and 200 orders of 1-3 tees, each delivered twice (Shopify retries)
    build_world(make_uow, tee_stock=STOCK)
    deliveries = [
        shopify_webhook(shopify_order(83_000 + n, [{"sku": TEE, "quantity": 1 + n % 3}]))
        for n in range(200)
    ] * 2
    batcher = background.Batcher(engine, max_batch=32)
    batcher.start()

    def deliver(webhook: tuple[dict[str, str], bytes]) -> intake.Handled:
        verified = intake.verify_webhook(engine, "shopify", *webhook)
        return batcher.submit(verified).result(timeout=120)

    # when 16 request threads hand them to the intake thread at once
    caplog.set_level(logging.INFO, logger="flexchain.services.intake")
    try:
        with ThreadPoolExecutor(max_workers=16) as pool:
            handled = list(pool.map(deliver, deliveries))
    finally:
        batcher.stop()

    # then each order is stored and applied once (in batches, none undone), the copies are
    # duplicates, and the 25 tees went to orders exactly once
    assert "fell back" not in caplog.text
    firsts = {h.received.inbox_id for h in handled if not h.received.duplicate}
    assert len(firsts) == 200
    assert all(h.view is None or h.view.status == "processed" for h in handled)
    assert sum(h.received.duplicate for h in handled) == 200
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(t.InboxRow)) == 200
        assert connection.scalar(select(func.count()).select_from(t.SalesOrderRow)) == 200
        statuses = set(connection.scalars(select(t.InboxRow.status)))
        lines = connection.execute(
            select(
                t.SalesOrderLineRow.quantity,
                t.SalesOrderLineRow.reserved,
                t.SalesOrderLineRow.backordered,
            )
        ).all()
    assert statuses == {"processed"}
    assert all(reserved + backordered == quantity for quantity, reserved, backordered in lines)
    assert sum(reserved for _, reserved, _ in lines) == STOCK
    with UnitOfWork(engine, write=False) as uow:
        (balance,) = inventory.balances(uow, now=NOW, item=TEE, location="WH")
    assert (balance.on_hand, balance.reserved, balance.available) == (STOCK, STOCK, Decimal(0))


def test_shop_keys_verify_without_a_read_and_follow_a_new_secret(  # type: ignore[no-untyped-def]
    engine: Engine, make_uow
) -> None:
    # given a shop whose secret the cache has read once
    from flexchain.services import shops
    from tests.storefront_world import SECRET, SHOP

    build_world(make_uow)
    keys = background.ShopKeys(engine, ttl=60)
    headers, body = shopify_webhook(shopify_order(84_000, [{"sku": TEE, "quantity": 1}]))
    assert keys.verify_cached(intake.Platform.SHOPIFY, headers, body) is None  # not read yet
    first = intake.verify_webhook(engine, "shopify", headers, body, keys=keys)
    assert keys.verify_cached(intake.Platform.SHOPIFY, headers, body) == first

    # when the shop's secret changes and a webhook signed with the new one arrives
    with make_uow() as uow:
        shops.add_shop(uow, platform="shopify", domain=SHOP, secret="a-brand-new-secret")
        uow.commit()
    headers, body = shopify_webhook(
        shopify_order(84_001, [{"sku": TEE, "quantity": 1}]), secret="a-brand-new-secret"
    )

    # then it is accepted at once (the cache reads the shop again), and the old secret is not
    verified = intake.verify_webhook(engine, "shopify", headers, body, keys=keys)
    assert verified.shop_id == first.shop_id
    old_headers, old_body = shopify_webhook(
        shopify_order(84_002, [{"sku": TEE, "quantity": 1}]), secret=SECRET
    )
    with pytest.raises(SignatureError):
        intake.verify_webhook(engine, "shopify", old_headers, old_body, keys=keys)


def test_catalog_lookups_are_kept_between_batches_until_the_catalog_changes(  # type: ignore[no-untyped-def]
    engine: Engine, make_uow
) -> None:
    # given the server's kept catalog, and a batch whose store SKU is not mapped yet
    from sqlalchemy import event

    from flexchain.services import shops
    from tests.storefront_world import SHOP

    build_world(make_uow, tee_stock=50)
    known = intake.CatalogCache()
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))

    def apply(*orders: dict) -> list[intake.InboxView]:
        ids = _store(engine, *(_verified(engine, order) for order in orders))
        statements.clear()
        return intake.process_batch(engine, ids, now=NOW, known=known)

    unmapped = [{"sku": "STORE-TEE", "quantity": 1}]
    assert [v.status for v in apply(shopify_order(85_000, unmapped))] == ["failed"]

    # when a first batch reads the catalog and a second one comes while nothing changed
    first = apply(*(shopify_order(85_001 + n, [{"sku": TEE, "quantity": 1}]) for n in range(2)))
    cold = len(statements)
    second = apply(*(shopify_order(85_011 + n, [{"sku": TEE, "quantity": 1}]) for n in range(2)))
    warm = len(statements)

    # then the second batch reads only what changes (stock, orders, booked load) and the version
    assert {v.status for v in first + second} == {"processed"}
    assert warm <= cold - 5, (cold, warm)
    assert sum("catalog_version" in s for s in statements) == 1

    # and a mapping added meanwhile (by anyone, e.g. the CLI) is seen by the very next batch
    with make_uow() as uow:
        shops.map_sku(uow, "STORE-TEE", TEE, shop=SHOP)
        uow.commit()
    assert [v.status for v in apply(shopify_order(85_100, unmapped))] == ["processed"]
    with UnitOfWork(engine, write=False) as uow:
        assert orders.show_order(uow, "85100")["lines"][0]["reserved"] == 1


def test_two_intake_processes_racing_for_scarce_stock_never_oversell(  # type: ignore[no-untyped-def]
    engine: Engine, make_uow
) -> None:
    # given 25 tees and two intake threads on their own connections (as the server's worker
    # processes are), whose batches read the balance unlocked and lock it only to write
    build_world(make_uow, tee_stock=STOCK)
    batchers = [background.Batcher(engine, max_batch=8) for _ in range(2)]
    for batcher in batchers:
        batcher.start()
    deliveries = [
        shopify_webhook(shopify_order(86_000 + n, [{"sku": TEE, "quantity": 1 + n % 2}]))
        for n in range(80)
    ]

    def deliver(n: int) -> intake.Handled:
        verified = intake.verify_webhook(engine, "shopify", *deliveries[n])
        return batchers[n % 2].submit(verified).result(timeout=120)

    # when 80 orders of 1-2 tees arrive at both at once
    try:
        with ThreadPoolExecutor(max_workers=16) as pool:
            handled = list(pool.map(deliver, range(len(deliveries))))
    finally:
        for batcher in batchers:
            batcher.stop()

    # then every order is applied (a batch that counted on tees the other took is applied
    # again, with locks), each line is reserved or backordered, and exactly the 25 tees went out
    assert all(h.view is not None and h.view.status == "processed" for h in handled)
    with engine.connect() as connection:
        lines = connection.execute(
            select(
                t.SalesOrderLineRow.quantity,
                t.SalesOrderLineRow.reserved,
                t.SalesOrderLineRow.backordered,
            )
        ).all()
        reserved_rows = connection.scalar(
            select(func.sum(t.ReservationRow.quantity)).where(t.ReservationRow.status == "active")
        )
    assert len(lines) == 80
    assert all(reserved + backordered == quantity for quantity, reserved, backordered in lines)
    assert sum(reserved for _, reserved, _ in lines) == STOCK == reserved_rows
    with UnitOfWork(engine, write=False) as uow:
        (balance,) = inventory.balances(uow, now=NOW, item=TEE, location="WH")
    assert (balance.on_hand, balance.reserved, balance.available) == (STOCK, STOCK, Decimal(0))


def test_an_optimistic_count_that_another_writer_overtook_fails_instead_of_overselling(  # type: ignore[no-untyped-def]
    engine: Engine, make_uow
) -> None:
    # given 5 tees, counted by a batch that has not written yet
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite's writer holds the database lock: no other writer can overtake it")
    from flexchain.domain.errors import InsufficientStock

    build_world(make_uow, tee_stock=5)
    with make_uow() as uow:
        item = uow.session.scalars(select(t.ItemRow).where(t.ItemRow.sku == TEE)).one()
        place = uow.session.scalars(select(t.LocationRow).where(t.LocationRow.code == "WH")).one()
        key, loc = (item.id, TEE), (place.id, "WH")
    slow = make_uow()
    with slow:
        counted = inventory.Reservations(slow, now=NOW, optimistic=True)
        assert counted.reserve(key, loc, Decimal(5), "so:0:slow:1") == 5

        # when another writer reserves 2 of them and commits first
        with make_uow() as other:
            fast = inventory.Reservations(other, now=NOW)
            assert fast.reserve(key, loc, Decimal(2), "so:0:fast:1") == 2
            fast.write()
            other.commit()

        # then the slow batch's write is refused by the guard (its caller retries with locks)
        with pytest.raises(InsufficientStock):
            counted.write()
    with UnitOfWork(engine, write=False) as uow:
        (balance,) = inventory.balances(uow, now=NOW, item=TEE, location="WH")
    assert (balance.reserved, balance.available) == (Decimal(2), Decimal(3))


def test_applier_processes_apply_the_batches_and_never_oversell(  # type: ignore[no-untyped-def]
    engine: Engine, make_uow
) -> None:
    # given 25 tees and an intake whose batches are applied in two child processes, each on its
    # own connection, reading the balance unlocked and locking it only to write
    build_world(make_uow, tee_stock=STOCK)
    batcher = background.Batcher(engine, max_batch=8, processes=2)
    batcher.start()
    deliveries = [
        shopify_webhook(shopify_order(88_000 + n, [{"sku": TEE, "quantity": 1 + n % 2}]))
        for n in range(80)
    ]

    def deliver(n: int) -> intake.Handled:
        verified = intake.verify_webhook(engine, "shopify", *deliveries[n % 80])
        return batcher.submit(verified).result(timeout=120)

    # when 80 orders of 1-2 tees arrive from 16 request threads, and then again (retries)
    try:
        with ThreadPoolExecutor(max_workers=16) as pool:
            handled = list(pool.map(deliver, range(160)))
    finally:
        batcher.stop()

    # then every order is applied once, by the child processes (their answers carry the views),
    # each line is reserved or backordered, and exactly the 25 tees went out
    firsts = [h for h in handled if not h.received.duplicate]
    assert len(firsts) == 80
    assert all(h.view is not None and h.view.status == "processed" for h in firsts)
    assert all(h.view is None or h.view.status == "processed" for h in handled)
    assert not multiprocessing.active_children()  # stop() ended them
    with engine.connect() as connection:
        lines = connection.execute(
            select(
                t.SalesOrderLineRow.quantity,
                t.SalesOrderLineRow.reserved,
                t.SalesOrderLineRow.backordered,
            )
        ).all()
        reserved_rows = connection.scalar(
            select(func.sum(t.ReservationRow.quantity)).where(t.ReservationRow.status == "active")
        )
        assert connection.scalar(select(func.count()).select_from(t.InboxRow)) == 80
    assert len(lines) == 80
    assert all(reserved + backordered == quantity for quantity, reserved, backordered in lines)
    assert sum(reserved for _, reserved, _ in lines) == STOCK == reserved_rows
    with UnitOfWork(engine, write=False) as uow:
        (balance,) = inventory.balances(uow, now=NOW, item=TEE, location="WH")
    assert (balance.on_hand, balance.reserved, balance.available) == (STOCK, STOCK, Decimal(0))


def test_an_applier_process_that_dies_loses_nothing(  # type: ignore[no-untyped-def]
    engine: Engine, make_uow
) -> None:
    # given an intake applying its batches in one child process
    build_world(make_uow, tee_stock=STOCK)
    batcher = background.Batcher(engine, processes=1)
    batcher.start()

    def deliver(number: int) -> intake.Handled:
        order = shopify_order(number, [{"sku": TEE, "quantity": 1}])
        verified = intake.verify_webhook(engine, "shopify", *shopify_webhook(order))
        return batcher.submit(verified).result(timeout=120)

    try:
        assert (view := deliver(89_001).view) is not None and view.status == "processed"
        # when the process is killed, and webhooks keep coming
        (child,) = multiprocessing.active_children()
        os.kill(child.pid or 0, signal.SIGKILL)
        child.join(timeout=10)
        after = [deliver(89_002 + n) for n in range(3)]
    finally:
        batcher.stop()

    # then each of them was stored; the ones the dead process could not apply are answered as
    # pending, a new process applies the next ones, and process_pending applies the rest
    assert all(h.received.status == "pending" and not h.received.duplicate for h in after)
    assert after[-1].view is not None and after[-1].view.status == "processed"
    pending = [h.received.inbox_id for h in after if h.view is None]
    redone = intake.process_pending(engine, now=datetime.now(UTC), older_than=timedelta(0))
    assert sorted(v.id for v in redone) == sorted(pending)
    assert all(v.status == "processed" for v in redone)
    with UnitOfWork(engine, write=False) as uow:
        (balance,) = inventory.balances(uow, now=NOW, item=TEE, location="WH")
    assert balance.reserved == Decimal(4)
