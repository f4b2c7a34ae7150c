"""Five weeks of the demo company through the real services, on both databases (issue 12's proof).

Each simulated week, with a fixed seed: orders arrive by signed webhook (standard and custom, with
options), each first quoted as the shop's checkout would; a plan runs; the plan's purchases due are
received with ``stock receive``; production jobs are released, started, progressed and finished;
ready orders ship with a carrier and a tracking number, the fulfilment reaches the local store
(tests/receiver.py), and the orders shipped the week before are delivered.

At the end it checks that the loop is closed: week 5's plan learned from weeks 1-4's sales, every
custom order's option materials were planned and pegged to it, no job of a delivered order is
open, every ledger balance equals the sum of its moves, and every promise equals its quote.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import aliased

from flexchain.adapters.db import tables as t
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.demo import generate
from flexchain.domain.errors import InsufficientStock
from flexchain.services import (
    intake,
    jobs,
    orders,
    outbox,
    plan_reports,
    planning,
    shops,
    stock_commands,
)
from flexchain.services.demo import load_demo
from flexchain.services.quotes import quote
from tests.receiver import StoreApi, receiver
from tests.storefront_world import SECRET, SHOP, shopify_order, shopify_webhook

pytestmark = pytest.mark.slow

WAREHOUSE = "WH-LIS"
WEEKS = 5
SEED = 20261204
NO_WAIT: dict[str, float] = {}


@dataclass
class Sent:
    """An order the simulated shop sent, and what it was quoted and promised."""

    number: str
    """The shop's order id (``orders show`` takes it)."""
    name: str
    """The order's number as the shop shows it (``#80001``): planning pegs to ``order:NAME``."""
    week: int
    sku: str
    options: dict[str, str]
    quantity: int
    quoted: date
    promised: date | None = None


@dataclass
class World:
    engine: Engine
    make_uow: Callable[..., UnitOfWork]
    store: StoreApi
    start: date
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))
    sent: list[Sent] = field(default_factory=list)
    runs: list[int] = field(default_factory=list)
    sold: dict[tuple[int, str], int] = field(default_factory=lambda: defaultdict(int))
    shipped: dict[str, int] = field(default_factory=dict)
    ids: int = 880_000

    def now(self, week: int, hour: int = 9) -> datetime:
        return datetime.combine(self.start + timedelta(weeks=week), time(hour), tzinfo=UTC)


def _products(engine: Engine) -> dict[str, dict[str, list[str]]]:
    """Each demo product with the options of each of its custom modules."""
    parent, child = aliased(t.ItemRow), aliased(t.ItemRow)
    with engine.connect() as connection:
        finished = connection.scalars(
            select(t.ItemRow.sku).where(t.ItemRow.kind == "finished").order_by(t.ItemRow.sku)
        ).all()
        rows = connection.execute(
            select(parent.sku, child.sku, t.OptionRow.code)
            .select_from(t.BomLineRow)
            .join(parent, parent.id == t.BomLineRow.parent_id)
            .join(child, child.id == t.BomLineRow.child_id)
            .join(t.OptionRow, t.OptionRow.module_id == child.id)
            .where(child.module_type == "custom")
            .order_by(parent.sku, child.sku, t.OptionRow.code)
        ).all()
    choices: dict[str, dict[str, list[str]]] = {sku: {} for sku in finished}
    for product, module, code in rows:
        choices[product].setdefault(module, []).append(code)
    return choices


def _order(world: World, week: int, sku: str, options: dict[str, str], quantity: int) -> None:
    """Quote the configuration as the checkout would, then send the order by signed webhook."""
    now = world.now(week, hour=10 + len(world.sent) % 6)
    with world.make_uow(write=False) as uow:
        quoted = quote(uow, sku, options, quantity, "basic", today=now.date())
    world.ids += 1
    body = shopify_order(world.ids, [{"sku": sku, "quantity": quantity, "properties": options}])
    body["created_at"] = body["updated_at"] = now.isoformat()
    headers, raw = shopify_webhook(body)
    received = intake.receive_webhook(world.engine, "shopify", headers, raw, now=now)
    view = intake.process(world.engine, received.inbox_id, now=now)
    assert view.status == "processed", view
    world.store.shopify_orders.add(world.ids)  # the store knows the order and its fulfilment
    world.store.fulfillment_orders[world.ids * 10] = "open"
    name = str(body["name"])
    world.sent.append(Sent(str(world.ids), name, week, sku, options, quantity, quoted.ship_date))
    world.sold[(week, sku)] += quantity


def _orders_of_the_week(world: World, week: int, products: dict[str, dict[str, list[str]]]) -> None:
    """Five orders: most configure custom modules, some take a product as it comes."""
    rng = world.rng
    skus = sorted(products)
    for _ in range(5):
        sku = rng.choice(skus)
        options = {module: rng.choice(codes) for module, codes in products[sku].items()}
        _order(world, week, sku, options, rng.randint(1, 4))


def _plan(world: World, week: int) -> int:
    summary = planning.run_plan(world.engine, now=world.now(week, hour=18), horizon=8)
    world.runs.append(summary.run_id)
    return summary.run_id


def _receive_purchases(world: World, week: int, run_id: int) -> None:
    """What the plan buys or moves within the week, done: each planned purchase received by
    ``stock receive`` where it is due, each planned transfer made by ``stock transfer``."""
    with world.make_uow(write=False) as uow:
        rows = plan_reports.plan_rows(uow, run_id)
    due = world.start + timedelta(weeks=week + 1)
    now = world.now(week, hour=19)
    for row in rows:
        if not isinstance(row, plan_reports.PlanOrderLine) or row.release_date > due:
            continue
        with world.make_uow() as uow:
            where = row.location or WAREHOUSE
            if row.kind == "purchase":
                stock_commands.receive(
                    uow, row.sku, row.quantity, location=where, now=now,
                    reference=f"plan {run_id}", reason="planned purchase delivered",
                )  # fmt: skip
            elif row.kind == "transfer":
                stock_commands.transfer(
                    uow, row.sku, row.quantity, source=row.from_location, target=where, now=now,
                    reference=f"plan {run_id}", reason="planned transfer",
                )  # fmt: skip
            uow.commit()


def _run_jobs(world: World, week: int) -> None:
    """Release, start, progress and finish every open job whose materials are at hand."""
    now = world.now(week, hour=20)
    with world.make_uow(write=False) as uow:
        open_jobs = [
            j for j in jobs.list_jobs(uow) if j.status in ("planned", "released", "started")
        ]
    for job in open_jobs:
        with world.make_uow() as uow:
            if job.status == "planned":
                try:
                    jobs.release_job(uow, job.id, now=now)
                except InsufficientStock:  # its materials are not all in: it waits a week
                    uow.rollback()
                    continue
            if job.status in ("planned", "released"):
                jobs.start_job(uow, job.id, now=now)
            jobs.progress_job(uow, job.id, step="sewn", quantity=job.quantity, now=now)
            jobs.finish_job(uow, job.id, now=now)
            uow.commit()


def _ship_and_deliver(world: World, week: int) -> None:
    now = world.now(week, hour=21)
    with world.make_uow(write=False) as uow:
        listed = orders.list_orders(uow)
    for summary in listed:
        ref = summary.external_id
        if summary.status == "shipped" and world.shipped.get(ref, week) < week:
            with world.make_uow() as uow:
                orders.set_status(uow, ref, "delivered", now=now)
                uow.commit()
        elif summary.status == "ready":
            with world.make_uow() as uow:
                orders.ship(uow, ref, carrier="DHL", tracking=f"JD{ref}", now=now)
                uow.commit()
            world.shipped[ref] = week
    outbox.dispatch_due(world.engine, now=now, min_interval=NO_WAIT)


def _option_materials(engine: Engine) -> dict[tuple[str, str], tuple[str, Decimal]]:
    """The component each (custom module, option) needs and how much per unit, for the options
    that need one (one component each in the demo)."""
    module, component = aliased(t.ItemRow), aliased(t.ItemRow)
    with engine.connect() as connection:
        return {
            (module_sku, code): (component_sku, quantity)
            for module_sku, code, component_sku, quantity in connection.execute(
                select(module.sku, t.OptionRow.code, component.sku, t.OptionComponentRow.quantity)
                .select_from(t.OptionComponentRow)
                .join(t.OptionRow, t.OptionRow.id == t.OptionComponentRow.option_id)
                .join(module, module.id == t.OptionRow.module_id)
                .join(component, component.id == t.OptionComponentRow.component_id)
            )
        }


def _run_out_of_option_materials(world: World) -> None:
    """A stock count finds the dyes, inks, threads and films of the options used up, so every
    custom order's option materials must be planned and bought for it."""
    for sku in sorted({sku for sku, _ in _option_materials(world.engine).values()}):
        with world.make_uow() as uow:
            stock_commands.count(
                uow, sku, 0, location=WAREHOUSE, now=world.now(0, hour=8), reason="used up"
            )
            uow.commit()


def _simulate(engine: Engine, make_uow: Callable[..., UnitOfWork]) -> World:
    data = generate(items=8, weeks=60, start=date(2025, 1, 6))
    load_demo(engine, data, now=datetime.combine(data.today, time(8), tzinfo=UTC))
    store = StoreApi()
    with receiver(store) as api:
        world = World(engine, make_uow, store, data.today)
        with make_uow() as uow:
            shops.add_shop(uow, platform="shopify", domain=SHOP, secret=SECRET,
                           push_url=api.url, api_token="shpat_x", location_id="655441491",
                           warehouse=WAREHOUSE)  # fmt: skip
            uow.commit()
        products = _products(engine)
        _run_out_of_option_materials(world)
        for week in range(WEEKS):
            _orders_of_the_week(world, week, products)
            run_id = _plan(world, week)
            _receive_purchases(world, week, run_id)
            _run_jobs(world, week)
            _ship_and_deliver(world, week)
        with make_uow(write=False) as uow:
            for sent in world.sent:
                sent.promised = orders.show_order(uow, sent.number).promise_date
    return world


@pytest.fixture
def five_weeks(engine: Engine, make_uow: Callable[..., UnitOfWork]) -> World:
    return _simulate(engine, make_uow)


def test_five_weeks_of_the_demo_company_close_the_loop(five_weeks: World) -> None:
    world = five_weeks
    engine = world.engine
    # every promise equals the quote the order would have got at checkout
    assert [(s.number, s.promised) for s in world.sent] == [
        (s.number, s.quoted) for s in world.sent
    ]
    # week 5's plan learned from weeks 1-4's sales: the history it read holds every unit sold
    # in those weeks on top of what the first week's plan read
    sold: dict[str, int] = defaultdict(int)
    for (week, sku), quantity in world.sold.items():
        if week < WEEKS - 1:
            sold[sku] += quantity
    with world.make_uow(write=False) as uow:
        for sku, quantity in sorted(sold.items()):
            first = plan_reports.explain_item(uow, sku, run_id=world.runs[0]).inputs
            last = plan_reports.explain_item(uow, sku, run_id=world.runs[-1]).inputs
            learned = last.history_total - first.history_total
            assert learned >= quantity - world.sold[(0, sku)], (sku, learned, quantity)
    # every custom order's option materials were planned (and pegged to it where bought for it)
    _assert_option_materials_planned(world)
    # no job of a delivered order is open
    with engine.connect() as connection:
        open_of_delivered = connection.scalar(
            select(func.count())
            .select_from(t.ProductionJobRow)
            .join(t.SalesOrderRow, t.SalesOrderRow.id == t.ProductionJobRow.order_id)
            .where(
                t.SalesOrderRow.status == "delivered",
                t.ProductionJobRow.status.in_(("planned", "released", "started")),
            )
        )
        delivered = connection.scalar(
            select(func.count())
            .select_from(t.SalesOrderRow)
            .where(t.SalesOrderRow.status == "delivered")
        )
    assert delivered and delivered > 0
    assert open_of_delivered == 0
    # every ledger balance equals the sum of its moves
    _assert_balances_equal_moves(engine)
    # and each shipment reached the store as a fulfilment with its tracking number
    tracking = sorted(f["tracking_info"]["number"] for f in world.store.fulfillments)
    assert tracking == sorted(f"JD{ref}" for ref in world.shipped)
    assert world.store.refused == []


def _assert_option_materials_planned(world: World) -> None:
    """Each week's plan holds the materials of that week's custom orders' options in its gross
    requirements (at the supplier's site, where the job uses them); where stock does not cover
    them, a planned order is pegged to the order."""
    materials = _option_materials(world.engine)
    needs: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for sent in world.sent:
        for module, code in sent.options.items():
            if (module, code) in materials:
                component, per_unit = materials[(module, code)]
                needs[(sent.week, component)] += per_unit * sent.quantity
    pegged = 0
    with world.make_uow(write=False) as uow:
        for (week, component), need in sorted(needs.items()):
            located = plan_reports.explain_locations(uow, component, run_id=world.runs[week])
            gross = sum((p.gross for x in located for p in x.netting.periods), Decimal(0))
            assert gross >= need, (week, component, gross, need)
        for sent in world.sent:
            rows = plan_reports.plan_rows(uow, world.runs[sent.week])
            pegged += sum(
                1
                for row in rows
                if isinstance(row, plan_reports.PlanOrderLine)
                and f"order:{sent.name}=" in row.pegging
                and row.sku in {c for c, _ in materials.values()}
            )
    assert needs and pegged > 0


def _assert_balances_equal_moves(engine: Engine) -> None:
    with engine.connect() as connection:
        moved: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
        for item, source, target, quantity in connection.execute(
            select(
                t.StockMoveRow.item_id,
                t.StockMoveRow.from_location_id,
                t.StockMoveRow.to_location_id,
                t.StockMoveRow.quantity,
            )
        ):
            moved[(item, target)] += quantity
            moved[(item, source)] -= quantity
        balances = connection.execute(
            select(
                t.StockBalanceRow.item_id, t.StockBalanceRow.location_id, t.StockBalanceRow.on_hand
            )
        ).all()
    internal = [(item, location, on_hand) for item, location, on_hand in balances]
    assert internal
    for item, location, on_hand in internal:
        assert on_hand == moved[(item, location)], (item, location)
