"""The supplier portal's work, quality and partner pages, on both databases: the services behind
them (the shared 12-week forecast, the stock a supplier holds) against hand-computed figures, and
the pages through a TestClient logged in as a supplier's user — each with data and empty, forms
changing state through the same services the CLI uses, bad values shown with their message, and
another supplier's job answering 404."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, select

from flexchain.adapters.db.tables import ItemRow, PlanOrderRow, PlanRunRow, SupplierRow
from flexchain.adapters.db.tables.planning import PlanForecastRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.errors import NotFound, ValidationError
from flexchain.services import intake, jobs, supplier_forecast, supplier_stock
from flexchain.services.imports import import_rows
from tests.storefront_world import BAG, NOW, TEE, build_world, shopify_order, shopify_webhook

UowFactory = Callable[..., UnitOfWork]
D = Decimal

EXTRA: dict[str, list[dict[str, Any]]] = {
    "items": [{"sku": "RAW-CANVAS", "name": "Raw canvas", "kind": "raw", "uom": "m"}],
    "locations": [
        {"code": "FAC-DYE", "name": "Tinturaria (factory)", "kind": "factory",
         "supplier_code": "DYE-PT"},
    ],
    "bom": [{"parent_sku": "M-DYE", "child_sku": "RAW-CANVAS", "quantity": "0.5"}],
    "stock": [{"sku": "RAW-CANVAS", "location": "WH", "quantity": 3}],
    # recorded first: SEW-LX's term is the canvas's chosen one; SEW-PT only has terms for it
    "item-suppliers": [
        {"item_sku": "RAW-CANVAS", "supplier_code": "SEW-LX", "min_quantity": 0,
         "unit_price": "4.00", "lead_time_days": 10},
        {"item_sku": "RAW-CANVAS", "supplier_code": "SEW-PT", "min_quantity": 0,
         "unit_price": "3.80", "lead_time_days": 14},
    ],
}  # fmt: skip


def _scoped(engine: Engine, code: str, *, write: bool = False) -> UnitOfWork:
    with UnitOfWork(engine, write=False) as uow:
        supplier_id = uow.session.scalar(select(SupplierRow.id).where(SupplierRow.code == code))
    return UnitOfWork(engine, write=write, actor=f"user:{code}", supplier_scope=supplier_id)


@pytest.fixture
def world(engine: Engine, make_uow: UowFactory) -> Engine:
    """The storefront brand, canvas for the dye module, and an order for two custom bags: jobs
    at DYE-PT and ENGR-ES."""
    build_world(make_uow)
    with make_uow() as uow:
        for kind in ("items", "locations", "bom", "stock", "item-suppliers"):
            import_rows(uow, kind, EXTRA[kind], source=f"portal {kind}")
        uow.commit()
    order = shopify_order(
        3001,
        [{"sku": BAG, "quantity": 2, "price": "59.00",
          "properties": {"Colour": "Indigo", "Engraving": "Anna"}}],
    )  # fmt: skip
    headers, body = shopify_webhook(order)
    received = intake.receive_webhook(engine, "shopify", headers, body, now=NOW)
    assert intake.process(engine, received.inbox_id, now=NOW).status == "processed"
    return engine


def _plan(make_uow: UowFactory) -> None:
    """A complete run of the week before NOW's: forecasts of the tee at two locations and of the
    canvas; planned production of the tee and purchases of the canvas."""
    origin = NOW.date() - timedelta(days=7)  # Monday 2026-11-16
    with make_uow() as uow:
        items = dict(uow.session.execute(select(ItemRow.sku, ItemRow.id)).all())
        run = PlanRunRow(status="complete", period_start=origin, horizon=12, started_at=NOW,
                         finished_at=NOW)  # fmt: skip
        uow.session.add(run)
        uow.session.flush()
        for sku, location, weekly in ((TEE, "", "1,2,3,4"), (TEE, "WH2", "0.5,0.5,0.5"),
                                      ("RAW-CANVAS", "", "9,8")):  # fmt: skip
            uow.session.add(PlanForecastRow(run_id=run.id, item_id=items[sku], location=location,
                                            origin=origin, model="ets", weekly=weekly))  # fmt: skip
        for number, (sku, kind, due, quantity) in enumerate(
            (
                (TEE, "production", date(2026, 11, 10), 2),  # past due: overdue
                (TEE, "production", date(2026, 11, 25), 5),  # week 1
                (TEE, "production", date(2026, 12, 6), 7),  # Sunday: still week 2
                (TEE, "production", date(2027, 3, 1), 9),  # beyond 12 weeks
                ("RAW-CANVAS", "purchase", date(2026, 11, 30), 40),  # at SEW-LX
                (TEE, "transfer", date(2026, 11, 25), 3),  # not the supplier's
            ),
            start=1,
        ):
            uow.session.add(PlanOrderRow(
                run_id=run.id, number=number, item_id=items[sku], kind=kind,
                release_date=origin, due_date=due, quantity=D(quantity)))  # fmt: skip
        uow.commit()


# --- the shared forecast --------------------------------------------------------------------


def test_the_forecast_shows_a_supplier_its_items_weeks_and_planned_orders(
    world: Engine, make_uow: UowFactory
) -> None:
    _plan(make_uow)
    with _scoped(world, "SEW-PT") as uow:
        shared = supplier_forecast.supplier_forecast(uow, now=NOW)
    assert shared.supplier == "SEW-PT" and shared.run_id is not None
    assert [w.iso for w in shared.weeks[:3]] == ["2026-W48", "2026-W49", "2026-W50"]
    assert len(shared.weeks) == 12
    # its default-supplier modules and tee, and the canvas it has terms for (planned elsewhere)
    assert [(line.sku, line.planned_here) for line in shared.lines] == [
        ("M-BAG-BODY", True), ("M-STRAP", True), ("RAW-CANVAS", False), (TEE, True)
    ]  # fmt: skip
    tee = shared.lines[3]
    # run origin is the week before: this week is its 2nd value; both locations summed
    assert tee.forecast[:4] == (D("2.5"), D("3.5"), D(4), None)
    assert tee.production[:3] == (D(5), D(7), D(0)) and sum(tee.production) == D(12)
    assert (tee.overdue, tee.planned_total, tee.forecast_total) == (D(2), D(14), D(10))
    assert set(tee.purchases) == {D(0)}
    canvas = shared.lines[2]
    assert canvas.forecast[:2] == (D(8), None) and canvas.planned_total == 0  # not its orders


def test_the_canvas_purchases_are_planned_at_the_supplier_of_its_chosen_term(
    world: Engine, make_uow: UowFactory
) -> None:
    _plan(make_uow)
    with _scoped(world, "SEW-LX") as uow:
        shared = supplier_forecast.supplier_forecast(uow, now=NOW)
    (canvas,) = shared.lines
    assert (canvas.sku, canvas.planned_here, canvas.purchases[1]) == ("RAW-CANVAS", True, D(40))
    # a brand user names the supplier; weeks can be asked for
    with make_uow(write=False) as uow:
        engraver = supplier_forecast.supplier_forecast(uow, supplier="ENGR-ES", now=NOW, weeks=2)
    assert [line.sku for line in engraver.lines] == ["M-ENGRAVING"] and len(engraver.weeks) == 2


def test_a_supplier_cannot_ask_for_another_suppliers_forecast(
    world: Engine, make_uow: UowFactory
) -> None:
    with _scoped(world, "SEW-PT") as uow, pytest.raises(NotFound, match="unknown supplier"):
        supplier_forecast.supplier_forecast(uow, supplier="SEW-LX", now=NOW)
    with make_uow(write=False) as uow:
        with pytest.raises(ValidationError, match="supplier"):
            supplier_forecast.supplier_forecast(uow, now=NOW)
        with pytest.raises(ValidationError, match="weeks"):
            supplier_forecast.supplier_forecast(uow, supplier="SEW-PT", now=NOW, weeks=0)


def test_without_a_plan_the_forecast_lists_the_items_and_nothing_planned(world: Engine) -> None:
    with _scoped(world, "DYE-PT") as uow:
        shared = supplier_forecast.supplier_forecast(uow, now=NOW)
    assert shared.run_id is None
    (dye,) = shared.lines
    assert dye.sku == "M-DYE" and set(dye.forecast) == {None} and dye.planned_total == 0


# --- stock held for the brand ----------------------------------------------------------------


def _dye_job(engine: Engine) -> int:
    with UnitOfWork(engine, write=False) as uow:
        return next(j.id for j in jobs.list_jobs(uow, order="3001") if j.sku == "M-DYE")


def test_a_supplier_sees_the_stock_at_its_own_sites(world: Engine, make_uow: UowFactory) -> None:
    with _scoped(world, "DYE-PT") as uow:
        empty = supplier_stock.supplier_stock(uow, now=NOW)
    assert [(loc.code, loc.balances) for loc in empty.locations] == [("FAC-DYE", ())]
    job_id = _dye_job(world)
    with make_uow() as uow:
        jobs.release_job(uow, job_id, now=NOW)  # one metre of canvas issued to its site
        uow.commit()
    with _scoped(world, "DYE-PT") as uow:
        held = supplier_stock.supplier_stock(uow, now=NOW)
    ((location,),) = [loc.balances for loc in held.locations]
    assert (location.sku, location.on_hand, location.reserved, location.available) == (
        "RAW-CANVAS", D(1), D(1), D(0)
    )  # fmt: skip
    with _scoped(world, "SEW-PT") as uow:
        assert supplier_stock.supplier_stock(uow, now=NOW).locations == ()
        with pytest.raises(NotFound):
            supplier_stock.supplier_stock(uow, supplier="DYE-PT", now=NOW)
