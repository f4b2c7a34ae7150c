"""The demo brand launches new products during its twelve weeks of orders, replayed into both
databases: each entered in the catalogue on its past day, ordered once on sale, made by its
workshop; so the demo's design-to-production time has a figure and its rows name them as new."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from flexchain.adapters.db.engine import make_engine
from flexchain.adapters.db.tables import ItemRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.config import Settings
from flexchain.demo import DemoData, generate
from flexchain.demo.launches import Launch, launches
from flexchain.entrypoints.api import create_app
from flexchain.services import jobs, kpis, orders
from flexchain.services.demo import load_demo
from flexchain.services.demo_plans import Activity, replay_activity
from tests.auth import bearer

NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)
ORDERS = 45


@pytest.fixture(scope="module")
def data() -> DemoData:
    monday = NOW.date() - timedelta(days=NOW.weekday())
    return generate(items=8, weeks=26, start=monday - timedelta(weeks=26))


@pytest.fixture(scope="module")
def launched(data: DemoData) -> list[Launch]:
    return launches(data, now=NOW)


@pytest.fixture(scope="module")
def loaded(module_database_url: str, data: DemoData) -> Iterator[tuple[Engine, Activity]]:
    """The small demo (as test_demo_orders builds it) loaded and its orders replayed, without
    plans."""
    engine = make_engine(module_database_url)
    load_demo(engine, data, now=NOW)
    activity = replay_activity(engine, data, now=NOW, orders=ORDERS, plans=False)
    yield engine, activity
    engine.dispose()


def test_the_demo_has_a_design_to_production_time_of_its_launches(
    loaded: tuple[Engine, Activity], launched: list[Launch]
) -> None:
    engine, activity = loaded
    skus = {launch.product.sku for launch in launched}
    # given the small demo's launches (a new key tag, card holder and tee)
    assert activity.sales.launched == tuple(launch.product.sku for launch in launched)
    assert len(skus) == 3
    with UnitOfWork(engine, write=False) as uow:
        found = kpis.kpis(uow, period_end=NOW.date(), weeks=12, settings=Settings(),
                          keys=["design_to_production"])[0]  # fmt: skip
        rows = kpis.kpi_rows(uow, "design_to_production", period_end=NOW.date(), weeks=12,
                             settings=Settings()).rows  # fmt: skip
    # then the KPI has a figure, from the launched products only, each listed as new
    new = [row for row in rows if row["new"]]
    assert {row["sku"] for row in new} == skus
    assert found.count == len(new) == 3
    assert all(0 < row["days"] <= 60 for row in new), new
    mean = sum(Decimal(row["days"]) for row in new) / len(new)
    assert found.value == mean.quantize(Decimal("0.1")), (found, new)
    # and every product entered with the catalogue import (after its jobs) is not new
    assert all(not row["new"] for row in rows if row["sku"] not in skus)


def test_a_launch_is_entered_on_its_day_and_made_after_it_goes_on_sale(
    loaded: tuple[Engine, Activity], launched: list[Launch]
) -> None:
    engine, _ = loaded
    with UnitOfWork(engine, write=False) as uow:
        stamps = dict(
            uow.session.execute(
                select(ItemRow.sku, ItemRow.created_at).where(
                    ItemRow.sku.in_([launch.product.sku for launch in launched])
                )
            ).all()
        )
        every = jobs.list_jobs(uow)
        placed = {order.number: order.created_at for order in orders.list_orders(uow, limit=500)}
    made = {launch.product.sku: [job for job in every if job.sku == launch.product.sku]
            for launch in launched}  # fmt: skip
    for launch in launched:
        sku = launch.product.sku
        # the catalogue row is dated the day the product was entered, weeks ago
        assert stamps[sku] == launch.entered_at < NOW - timedelta(weeks=5)
        # and its orders came once it was on sale; its maker made it, a job of its own
        assert made[sku], sku
        assert {job.supplier for job in made[sku]} == {launch.items[0]["default_supplier"]}
        assert all(placed[job.order or ""] >= launch.on_sale for job in made[sku])
        started = [job.started_at for job in made[sku] if job.started_at is not None]
        assert started and launch.entered_at < min(started) < NOW


def test_the_design_to_production_rows_list_the_new_products_first(
    loaded: tuple[Engine, Activity], launched: list[Launch], module_database_url: str
) -> None:
    # given the small demo: three launches and the products imported after their jobs
    engine, _ = loaded
    app = create_app(Settings(database_url=module_database_url, outbox_worker=False))
    with TestClient(app) as client:
        rows = client.get(
            "/kpis/design_to_production/rows",
            params={"period_end": NOW.date().isoformat(), "weeks": 12},
            headers=bearer(engine, "viewer"),
        )
    # then the rows that count (new products) come first, then the rest
    assert rows.status_code == 200, rows.text
    new = [row["new"] for row in rows.json()["rows"]]
    assert new[:3] == [True, True, True] and not any(new[3:]) and len(new) > 3
