"""The demo's twelve weeks of web-shop orders and its plans, replayed into both databases: orders
in every status through the shop's inbox, OTIF in the plausible band, custom jobs made and
finished by their suppliers, forecasts of past plans measured, and nothing added the second
time the demo is loaded."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from flexchain.adapters.db.engine import make_engine
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.config import Settings
from flexchain.demo import DemoData, generate
from flexchain.services import intake, inventory, jobs, kpis, orders, plan_reports, shops
from flexchain.services.demo import load_demo
from flexchain.services.demo_orders import DEMO_SHOP
from flexchain.services.demo_plans import Activity, replay_activity

NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)
ORDERS = 45
OPEN = {"received", "reserved", "in_production", "ready"}


@pytest.fixture(scope="module")
def data() -> DemoData:
    monday = NOW.date() - timedelta(days=NOW.weekday())
    return generate(items=8, weeks=26, start=monday - timedelta(weeks=26))


@pytest.fixture(scope="module")
def loaded(module_database_url: str, data: DemoData) -> Iterator[tuple[Engine, Activity]]:
    """The small demo loaded, its orders and plans replayed once for the module's tests."""
    engine = make_engine(module_database_url)
    load_demo(engine, data, now=NOW)
    activity = replay_activity(engine, data, now=NOW, orders=ORDERS)
    yield engine, activity
    engine.dispose()


def _reader(engine: Engine) -> UnitOfWork:
    return UnitOfWork(engine, write=False)


def test_orders_reach_every_status_through_the_shops_signed_webhooks(
    loaded: tuple[Engine, Activity],
) -> None:
    engine, activity = loaded
    sold = activity.sales
    with _reader(engine) as uow:
        statuses = Counter(order.status.value for order in orders.list_orders(uow))
        inbox = intake.list_inbox(uow, limit=500)
        shop = next(s for s in shops.list_shops(uow) if s.domain == DEMO_SHOP)
    # then every drawn order is stored, in the statuses the summary counted
    assert sold.replayed and sold.orders == ORDERS == sum(statuses.values())
    assert statuses["cancelled"] == sold.cancelled > 0
    assert statuses["delivered"] == sold.delivered > 0
    assert statuses["shipped"] == sold.shipped - sold.delivered
    assert sum(statuses[s] for s in OPEN) == sold.open > 0
    # and each came through the shop's inbox (created, and cancelled for some), all applied
    assert len(inbox) == ORDERS + sold.cancelled
    assert {entry.status for entry in inbox} == {intake.InboxStatus.PROCESSED}
    assert {entry.shop for entry in inbox} == {DEMO_SHOP}
    # and the shop is disabled after the replay: nothing is pushed to a store that is not there
    assert not shop.active


def test_otif_perfect_orders_and_forecast_accuracy_have_figures(
    loaded: tuple[Engine, Activity],
) -> None:
    engine, _ = loaded
    keys = ["otif", "custom_fulfilment", "perfect_order_rate", "forecast_accuracy"]
    with _reader(engine) as uow:
        found = {
            k.key: k
            for k in kpis.kpis(uow, period_end=NOW.date(), weeks=12, settings=Settings(), keys=keys)
        }
    otif = found["otif"]
    assert otif.value is not None and 80 <= otif.value <= 97, otif
    assert otif.count >= 20
    assert found["custom_fulfilment"].value is not None
    assert found["perfect_order_rate"].value is not None
    assert found["perfect_order_rate"].value <= otif.value
    assert found["forecast_accuracy"].value is not None, found["forecast_accuracy"].note


def test_a_custom_order_job_is_started_reported_and_finished_by_its_supplier(
    loaded: tuple[Engine, Activity],
) -> None:
    engine, activity = loaded
    with _reader(engine) as uow:
        finished = [j for j in jobs.list_jobs(uow, status="finished") if j.reason == "custom"]
        assert finished and activity.sales.finished_jobs >= len(finished)
        job = finished[0]
        detail = jobs.show_job(uow, job.id)
        order = orders.show_order(uow, job.order or "")
    kinds = [event.kind for event in detail.events]
    assert kinds[:2] == ["release", "start"] and kinds[-1] == "finish"
    assert "progress" in kinds
    assert job.started_at is not None and job.finished_at is not None
    assert job.started_at < job.finished_at < NOW
    assert any(line.options for line in order.lines)
    assert order.status.value in {"ready", "shipped", "delivered"}


def test_past_plans_every_two_weeks_and_a_current_one(loaded: tuple[Engine, Activity]) -> None:
    engine, activity = loaded
    with _reader(engine) as uow:
        current = plan_reports.current_run(uow)
        runs = [plan_reports.current_run(uow, run_id) for run_id in activity.plans]
    assert len(activity.plans) == 6 and current.id == activity.plans[-1]
    starts = [run.period_start for run in runs]
    monday = NOW.date() - timedelta(days=NOW.weekday())
    assert starts == [monday - timedelta(weeks=w) for w in (10, 8, 6, 4, 2, 0)]


def test_loading_the_demo_again_adds_nothing(
    loaded: tuple[Engine, Activity], data: DemoData
) -> None:
    engine, activity = loaded
    with _reader(engine) as uow:
        before = len(orders.list_orders(uow)), len(jobs.list_jobs(uow))
    # when the demo is loaded again
    with _reader(engine) as uow:
        stock = {(b.sku, b.location): b.on_hand for b in inventory.balances(uow, now=NOW)}
    loaded_again = load_demo(engine, data, now=NOW + timedelta(hours=1))
    again = replay_activity(engine, data, now=NOW + timedelta(hours=1), orders=ORDERS)
    # then no order, job or plan is added
    assert not again.sales.replayed and again.plans == ()
    # and the stock stays as the orders left it (the counts would undercut their reservations)
    assert loaded_again.stock_kept
    with _reader(engine) as uow:
        after = {(b.sku, b.location): b.on_hand for b in inventory.balances(uow, now=NOW)}
    assert after == stock
    with _reader(engine) as uow:
        assert (len(orders.list_orders(uow)), len(jobs.list_jobs(uow))) == before
        assert plan_reports.current_run(uow).id == activity.plans[-1]
