"""The demo brand's last twelve weeks of sales, replayed through the services a shop, a supplier
and the brand use (:mod:`flexchain.demo.sales` draws the events): each order arrives as the demo
shop's signed Shopify webhook (checked against the shop's secret, stored in the inbox and applied
as the intake applies any webhook: reserved, split into picks and production jobs, promised),
its jobs are released, started, reported, sometimes delayed and finished by their suppliers, it
is shipped, delivered, and a few customers report an issue. Steps of all orders run in time
order (:func:`flexchain.services.demo_history.in_time_order`), so the ledger, the jobs' events
and the audit trail read as they happened.

The orders are placed at their past dates: the stock they take and the jobs they book are the
demo's stock and suppliers of today (the replay follows the buying history, whose receipts and
stock count come first).

The brand launches new products on the way (:mod:`flexchain.demo.launches`): each is entered in
the catalogue on its past day, as one more step in time order
(:mod:`flexchain.services.demo_launches`), and a few orders placed after it is on sale are for
it, so its jobs are its first production.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Generator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_CEILING, Decimal

from flexchain.adapters.db.inbox import InboxStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.adapters.storefronts import shopify
from flexchain.adapters.storefronts.common import sign_hmac_base64
from flexchain.demo import DemoData
from flexchain.demo.launches import launches
from flexchain.demo.network import WAREHOUSE
from flexchain.demo.sales import WEEKS, Sale, sales, shopify_json
from flexchain.domain.errors import DomainError, InsufficientStock
from flexchain.domain.inbox import InboxStatus
from flexchain.domain.orders import OrderStatus
from flexchain.services import inventory, jobs, order_issues, orders, shops
from flexchain.services.demo_history import in_time_order
from flexchain.services.demo_launches import launch_steps
from flexchain.services.imports import import_rows
from flexchain.services.intake import apply_entry, store_webhooks, verified
from flexchain.services.jobs import JobView
from flexchain.services.shops import Platform

__all__ = ["DEMO_SHOP", "SalesSummary", "demo_shop", "replay_sales"]

DEMO_SHOP = "outdoor-demo.shop.example"
"""The demo brand's web shop: added by the replay when it is missing, and disabled after it (a
disabled shop is sent nothing: the shipments it would be told of wait in the outbox until
``flexchain shop enable``, for a real store's domain)."""
CARRIER = "DHL"
ISSUE_NOTES = {
    "damaged": "parcel crushed in transit, one seam torn",
    "wrong_customisation": "the customer's text was engraved with a typo",
}
SEASON = 4
"""A material counted in for a job comes with this many times the job's need on top."""
MAX_SHORTFALLS = 12
"""Materials one job may lack (each counted in before it is released)."""

Steps = Generator[datetime, None, None]


@dataclass(frozen=True)
class SalesSummary:
    replayed: bool
    """False when the database already had sales orders (the demo loaded again)."""
    orders: int = 0
    cancelled: int = 0
    shipped: int = 0
    """Shipped, delivered ones included."""
    delivered: int = 0
    late: int = 0
    """Shipped after their promise date."""
    open: int = 0
    """Not yet shipped today (reserved, in production or ready)."""
    jobs: int = 0
    finished_jobs: int = 0
    delayed_jobs: int = 0
    issues: int = 0
    counted: int = 0
    """Materials counted in at the warehouse for a job (see :func:`_release`)."""
    launched: tuple[str, ...] = ()
    """The new products entered in the catalogue on the way (:mod:`flexchain.demo.launches`)."""


@dataclass(frozen=True)
class _Shop:
    id: int
    domain: str
    secret: str


def demo_shop(uow: UnitOfWork, *, secret: str) -> tuple[int, str, str]:
    """The demo shop's (id, domain, webhook secret); added (shipping from the demo's warehouse,
    with ``secret``) when it is missing."""
    inbox = InboxStore(uow.session)
    row = inbox.shop_at(Platform.SHOPIFY.value, DEMO_SHOP)
    if row is None or not row.active:
        shops.add_shop(
            uow, platform="shopify", domain=DEMO_SHOP, secret=secret, warehouse=WAREHOUSE
        )
        row = inbox.shop_at(Platform.SHOPIFY.value, DEMO_SHOP)
    assert row is not None
    return row.id, row.domain, row.secret


def _webhook(shop: _Shop, sale: Sale, topic: str, at: datetime) -> tuple[dict[str, str], bytes]:
    """The signed request Shopify sends for ``topic`` at ``at``."""
    body = json.dumps(
        shopify_json(sale, updated_at=at, cancelled=topic == "orders/cancelled")
    ).encode()
    event = f"demo-{sale.external_id}-{topic.replace('/', '-')}"
    return {
        "Content-Type": "application/json",
        shopify.TOPIC_HEADER: topic,
        shopify.SHOP_HEADER: shop.domain,
        shopify.HMAC_HEADER: sign_hmac_base64(shop.secret, body),
        shopify.WEBHOOK_ID_HEADER: f"wh-{event}",
        shopify.EVENT_ID_HEADER: event,
        shopify.TRIGGERED_AT_HEADER: at.isoformat(),
    }, body


def _receive(uow: UnitOfWork, shop: _Shop, sale: Sale, topic: str, at: datetime) -> int:
    """The webhook checked against the shop's secret, stored in the inbox and applied, as the
    intake does after the signature check; the order's id."""
    headers, body = _webhook(shop, sale, topic, at)
    webhook = verified(Platform.SHOPIFY, (shop.id, shop.secret), headers, body)
    inbox = InboxStore(uow.session)
    received = store_webhooks(inbox, [webhook], now=at)[0]
    view = apply_entry(uow, inbox, received.inbox_id, now=at)
    row = inbox.get(received.inbox_id)
    if view.status is not InboxStatus.PROCESSED or row is None or row.order_id is None:
        raise DomainError(f"order #{sale.number} was not applied: {view.error or view.status}")
    return int(row.order_id)


def _job_steps(
    uow: UnitOfWork, job: JobView, released: datetime, delay: int, tally: Counter[str]
) -> list[tuple[datetime, Callable[[], object]]]:
    """A supplier's job as it went: delayed by ``delay`` days as soon as it was released (0:
    not; the supplier is behind, its dates move), started on its planned day (or soon after
    its release), its process reported done, finished on its planned day."""
    planned_start = (job.planned_start or released.date()) + timedelta(days=delay)
    planned_finish = max((job.planned_finish or planned_start) + timedelta(days=delay),
                         planned_start)  # fmt: skip
    start = max(_on(planned_start, 8 + job.id % 3), released + timedelta(hours=1))
    finish = max(_on(planned_finish, 15), start + timedelta(hours=4))
    report = start + (finish - start) * 2 / 3
    step = job.process or "work"
    steps: list[tuple[datetime, Callable[[], object]]] = [
        (start, lambda: jobs.start_job(uow, job.id, now=start)),
        (
            report,
            lambda: jobs.progress_job(uow, job.id, step=step, quantity=job.quantity, now=report),
        ),
        (finish, lambda: jobs.finish_job(uow, job.id, now=finish)),
    ]
    if delay:
        told = released + timedelta(minutes=30)
        reason = f"{job.supplier} is behind: a machine is being repaired"
        steps.append(
            (told, lambda: jobs.delay_job(uow, job.id, days=delay, reason=reason, now=told))
        )
        tally["delayed_jobs"] += 1
    return sorted(steps, key=lambda s: s[0])


def _on(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), UTC)


def _produce(uow: UnitOfWork, order_id: int, sale: Sale, now: datetime,
             tally: Counter[str]) -> Generator[datetime, None, datetime | None]:  # fmt: skip
    """The order's jobs released, made and finished; when the last finished (None: not all
    of them before ``now``)."""
    made = [job for job in jobs.list_jobs(uow, order=str(order_id)) if job.supplier is not None]
    tally["jobs"] += len(made)
    released = sale.placed_at + timedelta(hours=sale.release_hours)
    if released >= now or not made:  # no capable supplier: it waits, as the intake left it
        return None
    yield released
    for job in made:
        _release(uow, job.id, released, tally)
    longest = max(made, key=lambda job: (job.planned_finish or date.min, -job.id))
    steps = sorted(
        (step for job in made for step in _job_steps(
            uow, job, released, sale.delay_days if job is longest else 0, tally)),
        key=lambda s: s[0],
    )  # fmt: skip
    for at, act in steps:
        if at >= now:
            return None
        yield at
        act()
    tally["finished_jobs"] += len(made)
    return max(at for at, _ in steps)


def _release(uow: UnitOfWork, job_id: int, at: datetime, tally: Counter[str]) -> None:
    """Release a job to its supplier; a material the warehouse lacks for it is counted in
    first (the shortfall and :data:`SEASON` times what the job asked for, a stock-count
    adjustment: the demo does not replay buying the materials of its orders)."""
    for _ in range(MAX_SHORTFALLS):
        try:
            jobs.release_job(uow, job_id, now=at)
            return
        except InsufficientStock as short:  # nothing was written: count it in, try again
            held = inventory.balances(uow, now=at, location=short.location_code)
            on_hand = next((b.on_hand for b in held if b.sku == short.item_sku), Decimal(0))
            missing = Decimal(short.requested) - Decimal(short.available)
            counted = on_hand + (missing + SEASON * Decimal(short.requested)).to_integral_value(
                ROUND_CEILING
            )
            row = {"sku": short.item_sku, "location": short.location_code, "quantity": counted}
            import_rows(uow, "stock", [row], source="demo stock count", now=at)
            tally["counted"] += 1
    jobs.release_job(uow, job_id, now=at)


def _order(uow: UnitOfWork, shop: _Shop, sale: Sale, now: datetime, tally: Counter[str]) -> Steps:
    """One order from the shop's webhook to its delivery (and an issue, for a few)."""
    yield sale.placed_at
    order_id = _receive(uow, shop, sale, "orders/create", sale.placed_at)
    tally["orders"] += 1
    if sale.cancelled_at is not None:
        yield sale.cancelled_at
        _receive(uow, shop, sale, "orders/cancelled", sale.cancelled_at)
        tally["cancelled"] += 1
        return
    if orders.show_order(uow, order_id).jobs:
        ready = yield from _produce(uow, order_id, sale, now, tally)
    else:
        ready = sale.placed_at + timedelta(hours=sale.release_hours)
        if ready < now:
            yield ready
            orders.set_status(uow, order_id, OrderStatus.READY.value, now=ready)
    if ready is None or ready >= now:
        return
    order = orders.show_order(uow, order_id)
    if order.status is not OrderStatus.READY:
        return  # a job without a supplier holds it
    shipped = _ship_time(ready, order.promise_date, sale)
    if shipped >= now:
        return
    yield shipped
    orders.ship(uow, order_id, carrier=CARRIER, tracking=f"JD{sale.external_id % 10**10:010d}",
                now=shipped)  # fmt: skip
    tally["shipped"] += 1
    tally["late"] += order.promise_date is not None and shipped.date() > order.promise_date
    delivered = shipped + timedelta(days=sale.transit_days, hours=3)
    if delivered >= now:
        return
    yield delivered
    orders.set_status(uow, order_id, OrderStatus.DELIVERED.value, now=delivered)
    tally["delivered"] += 1
    if sale.issue is not None and delivered + timedelta(days=1) < now:
        yield delivered + timedelta(days=1)
        tally["issues"] += _report(uow, order_id, sale, delivered + timedelta(days=1))


def _ship_time(ready: datetime, promise: date | None, sale: Sale) -> datetime:
    """Some hours after the order is ready, by its promise day when it was ready in time;
    ``pack_days`` later when the warehouse was slow."""
    shipped = ready + timedelta(hours=sale.ship_hours)
    if promise is not None and sale.pack_days == 0:
        shipped = min(shipped, max(ready + timedelta(hours=1), _on(promise, 16)))
    return shipped + timedelta(days=sale.pack_days)


def _report(uow: UnitOfWork, order_id: int, sale: Sale, at: datetime) -> int:
    """The customer's issue with a delivered order (perfect order rate)."""
    line = next((line for line in sale.lines if line.custom), sale.lines[0])
    kind = sale.issue or "damaged"
    order_issues.report_issue(
        uow, order_id, kind=kind, line_sku=line.sku, quantity=1, note=ISSUE_NOTES[kind], now=at
    )
    return 1


def replay_sales(
    uow: UnitOfWork,
    data: DemoData,
    *,
    now: datetime,
    secret: str,
    seed: int = 7,
    weeks: int = WEEKS,
    count: int | None = None,
) -> SalesSummary:
    """Replay the demo's last ``weeks`` weeks of web-shop orders into ``uow`` (its caller
    commits). ``secret``: the demo shop's webhook secret if the shop has to be added. Not
    again on a database that has sales orders."""
    if orders.list_orders(uow, limit=1):
        return SalesSummary(False)
    shop = _Shop(*demo_shop(uow, secret=secret))
    tally: Counter[str] = Counter()
    new = launches(data, now=now, seed=seed, weeks=weeks)
    drawn = sales(data, now=now, seed=seed, weeks=weeks, count=count, launches=new)
    in_time_order(
        [(f"launch {launch.product.sku}", launch_steps(uow, launch)) for launch in new]
        + [(f"order #{sale.number}", _order(uow, shop, sale, now, tally)) for sale in drawn]
    )
    shops.disable_shop(uow, DEMO_SHOP)
    return SalesSummary(
        True,
        orders=tally["orders"],
        cancelled=tally["cancelled"],
        shipped=tally["shipped"],
        delivered=tally["delivered"],
        late=tally["late"],
        open=tally["orders"] - tally["cancelled"] - tally["shipped"],
        jobs=tally["jobs"],
        finished_jobs=tally["finished_jobs"],
        delayed_jobs=tally["delayed_jobs"],
        issues=tally["issues"],
        counted=tally["counted"],
        launched=tuple(launch.product.sku for launch in new),
    )
