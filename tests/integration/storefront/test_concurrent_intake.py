"""200 webhooks at once competing for 25 tees, on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from sqlalchemy import Engine, func, select

from flexchain.adapters.db import tables as t
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.services import intake, inventory
from tests.storefront_world import NOW, TEE, shopify_order, shopify_webhook

WEBHOOKS = 200
STOCK = 25


def test_concurrent_webhooks_never_oversell(engine: Engine, make_uow) -> None:  # type: ignore[no-untyped-def]
    # given 25 tees and 200 orders of 1-3 tees (400 wanted), each a signed webhook
    from tests.storefront_world import build_world

    build_world(make_uow, tee_stock=STOCK)
    webhooks = [
        shopify_webhook(shopify_order(70_000 + n, [{"sku": TEE, "quantity": 1 + n % 3}]))
        for n in range(WEBHOOKS)
    ]

    def deliver(webhook: tuple[dict[str, str], bytes]) -> str:
        headers, body = webhook
        received = intake.receive_webhook(engine, "shopify", headers, body, now=NOW)
        return intake.process(engine, received.inbox_id, now=NOW).status

    # when they all arrive at once (16 at a time, as a web server's worker threads would)
    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(deliver, webhooks))

    # then every webhook is stored once and applied, and no tee was sold twice
    assert statuses == ["processed"] * WEBHOOKS
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(t.InboxRow)) == WEBHOOKS
        assert connection.scalar(select(func.count()).select_from(t.SalesOrderRow)) == WEBHOOKS
        lines = connection.execute(
            select(
                t.SalesOrderLineRow.quantity,
                t.SalesOrderLineRow.reserved,
                t.SalesOrderLineRow.backordered,
            )
        ).all()
    assert len(lines) == WEBHOOKS
    assert all(reserved + backordered == quantity for quantity, reserved, backordered in lines)
    assert sum(reserved for _, reserved, _ in lines) == STOCK
    with UnitOfWork(engine, write=False) as uow:
        (balance,) = inventory.balances(uow, now=NOW, item=TEE, location="WH")
    assert (balance.on_hand, balance.reserved, balance.available) == (STOCK, STOCK, Decimal(0))
