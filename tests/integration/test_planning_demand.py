"""Planning demand through the service, on SQLite and PostgreSQL: custom jobs plan the materials of
their chosen options (pegged to the order), custom modules get no false ``excess``, an option
shift raises its materials' safety stock by a computed amount, sales become history without
double counting, a presale item keeps its first batch after its first order, and this week's
orders consume the forecast."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import polars as pl
import pytest
from sqlalchemy import Engine

from flexchain.adapters.db.plans import SqlPlanStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.planning.run import run
from flexchain.services import intake, plan_reports, planning, shops, signals
from flexchain.services.imports import import_rows
from flexchain.services.plan_reports import PlanExceptionLine, PlanOrderLine
from tests.integration.test_cli import flexchain_cli
from tests.storefront_world import (
    BAG,
    SECRET,
    SHOP,
    TEE,
    build_world,
    shopify_order,
    shopify_webhook,
)

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)

MATERIALS = [
    {"sku": sku, "name": sku.title(), "kind": "raw", "uom": "kg", "default_supplier": "DYE-PT",
     "standard_cost": D("10")}
    for sku in ("ALUM", "MADDER-ROOT", "INDIGO-LEAF")
]  # fmt: skip
OPTION_MATERIALS = [
    {"module_sku": "M-DYE", "code": "MADDER", "component_sku": "MADDER-ROOT", "quantity": "0.2"},
    {"module_sku": "M-DYE", "code": "INDIGO", "component_sku": "INDIGO-LEAF", "quantity": "0.05",
     "scrap_pct": "10"},
]  # fmt: skip


@pytest.fixture
def company(engine: Engine, make_uow: Callable[..., UnitOfWork]) -> Engine:
    build_world(make_uow)
    with make_uow() as uow:
        import_rows(uow, "items", MATERIALS)
        import_rows(uow, "bom", [{"parent_sku": "M-DYE", "child_sku": "ALUM", "quantity": "0.02"}])
        import_rows(uow, "option-materials", OPTION_MATERIALS)
        uow.commit()
    return engine


def _order(engine: Engine, number: int, colour: str, quantity: int = 1) -> None:
    line = {"sku": BAG, "quantity": quantity, "properties": {"Colour": colour, "Engraving": "AB"}}
    headers, body = shopify_webhook(shopify_order(number, [line]))
    received = intake.receive_webhook(engine, "shopify", headers, body, now=NOW)
    intake.apply_inbox_row(engine, received.inbox_id, now=NOW)


def _plan(engine: Engine) -> tuple[list[PlanOrderLine], list[PlanExceptionLine]]:
    summary = planning.run_plan(engine, now=NOW, horizon=8)
    with UnitOfWork(engine, write=False) as uow:
        rows = planning.plan_rows(uow, summary.run_id)
    orders = [r for r in rows if isinstance(r, PlanOrderLine)]
    return orders, [r for r in rows if isinstance(r, PlanExceptionLine)]


def _pegs(orders: list[PlanOrderLine], sku: str) -> dict[str, D]:
    pegs: dict[str, D] = {}
    for order in orders:
        if order.sku == sku:
            for peg in order.pegging.split("; "):
                source, quantity = peg.rsplit("=", 1)
                pegs[source] = pegs.get(source, D(0)) + D(quantity)
    return pegs


def test_confirmed_custom_jobs_plan_exactly_their_options_materials_pegged_to_the_orders(
    company: Engine,
) -> None:
    # given six confirmed bag orders dyed madder red and one indigo (no stock of any dye)
    for number in range(2001, 2007):
        _order(company, number, "Madder red")
    _order(company, 2007, "Indigo", quantity=2)
    # when the plan runs
    orders, _ = _plan(company)
    # then the madder is planned for the six madder orders, 0.2 kg each, pegged to each order
    madder = _pegs(orders, "MADDER-ROOT")
    mine = {source: q for source, q in madder.items() if source.startswith("order:")}
    assert len(mine) == 6 and set(mine.values()) == {D("0.2")}
    # the indigo for the one indigo order only (2 bags x 0.05 kg, 10 % scrap, rounded up)
    indigo = _pegs(orders, "INDIGO-LEAF")
    assert [q for s, q in indigo.items() if s.startswith("order:")] == [D("0.112")]
    # and the mordant every dye job needs (the module's own BOM: 0.02 kg per bag, 8 bags)
    alum = _pegs(orders, "ALUM")
    assert sum(q for s, q in alum.items() if s.startswith("order:")) == D("0.16")


def test_custom_modules_made_by_jobs_are_not_excess(company: Engine) -> None:
    for number in range(2001, 2007):
        _order(company, number, "Madder red")
    orders, exceptions = _plan(company)
    flagged = {(e.sku, e.kind) for e in exceptions}
    assert ("M-DYE", "excess") not in flagged and ("M-ENGRAVING", "excess") not in flagged
    # the jobs already make the custom modules: nothing more is planned for them
    assert not [o for o in orders if o.sku in ("M-DYE", "M-ENGRAVING")]


def _carts(code: str, quantity: int, days: int) -> dict[str, object]:
    return {"sku": BAG, "option": code, "kind": "add_to_cart", "quantity": quantity,
            "occurred_at": NOW - timedelta(days=days), "source": f"{code}-{days}"}  # fmt: skip


def test_an_option_shift_raises_its_materials_safety_stock_by_a_computed_non_zero_amount(
    company: Engine, database_url: str
) -> None:
    # given madder going from 5 % to 43 % of the dye's add-to-carts (no forecast of the bag)
    rows = [_carts("INDIGO", 90, 40), _carts("MADDER", 5, 40)]
    rows += [_carts("INDIGO", 40, 5), _carts("MADDER", 30, 5)]
    with UnitOfWork(company) as uow:
        signals.record_signals(uow, rows)
        uow.commit()
    # when the plan runs
    orders, exceptions = _plan(company)
    # then the shift is reported with the amounts added to the materials behind madder:
    # 70 carts in 2 weeks x 20 % = 7 dye units a week, 38 % of them moved to madder; madder
    # root 0.2 kg each over its lead time (4 days: at least a week): ceil(0.38 x 7 x 0.2) = 1
    shift = next(e for e in exceptions if e.kind == "option_shift")
    assert shift.sku == "M-DYE"
    assert "(ALUM +1, MADDER-ROOT +1)" in shift.message
    assert "INDIGO-LEAF" not in shift.message and "+0" not in shift.message
    # and the raised safety stock is bought: a planned order pegged to it
    assert _pegs(orders, "MADDER-ROOT").get("safety_stock", D(0)) >= 1
    # and plan explain shows the amount, the safety stock it makes and the alert behind it
    with UnitOfWork(company, write=False) as uow:
        explained = plan_reports.explain_item(uow, "MADDER-ROOT")
    assert explained.option_shift is not None
    assert explained.option_shift["extra_safety_stock"] == 1
    lines = [D(p.value) for p in explained.policy if p.name == "safety_stock"]
    policy_safety = lines[0] if lines else D(0)  # no policy row: no demand of its own
    assert explained.option_shift["safety_stock"] == policy_safety + 1
    assert "option MADDER of M-DYE reached 43%" in explained.option_shift["because"]
    code, out, _ = flexchain_cli(database_url, "plan", "explain", "MADDER-ROOT")
    assert code == 0 and "option shift: safety stock +1 netted on top" in out, out


def test_sales_add_to_history_only_in_weeks_the_import_does_not_cover(company: Engine) -> None:
    # given imported tee history up to last week, and bag history that already covers this week
    monday = NOW.date() - timedelta(days=NOW.weekday())
    rows = [{"sku": TEE, "location": "WH", "period_start": monday - timedelta(weeks=w),
             "quantity": 5} for w in (1, 2, 3)]  # fmt: skip
    rows.append({"sku": BAG, "location": "WH", "period_start": monday, "quantity": 4})
    with UnitOfWork(company) as uow:
        import_rows(uow, "demand", rows)
        uow.commit()
    # when 3 tees and 1 bag are ordered this week, and next week's plan loads its snapshot
    bag = {"sku": BAG, "quantity": 1, "properties": {"Colour": "Indigo", "Engraving": "X"}}
    headers, body = shopify_webhook(shopify_order(3001, [{"sku": TEE, "quantity": 3}, bag]))
    received = intake.receive_webhook(company, "shopify", headers, body, now=NOW)
    intake.apply_inbox_row(company, received.inbox_id, now=NOW)
    later = NOW + timedelta(weeks=1)
    snap = SqlPlanStore(company).load_snapshot(today=later.date(), horizon=8, now=later)
    ids = {item.sku: item.id for item in snap.items.values()}
    weeks = {
        (row["item"], row["date"]): row["quantity"]
        for row in snap.history.group_by("item", "date").agg(pl.col("quantity").sum()).to_dicts()
    }
    # then this week's tees come from the order, and the bag's week stays as imported
    assert weeks[(ids[TEE], monday)] == 3
    assert weeks[(ids[TEE], monday - timedelta(weeks=1))] == 5
    assert weeks[(ids[BAG], monday)] == 4


def test_a_presale_item_keeps_its_first_batch_after_its_first_order(company: Engine) -> None:
    # given 20 preorders of the bag (no history), and then its first order
    with UnitOfWork(company) as uow:
        preorders = {"sku": BAG, "kind": "preorder", "quantity": 20}
        signals.record_signals(uow, [{**preorders, "occurred_at": NOW - timedelta(days=3)}])
        uow.commit()
    _order(company, 4001, "Indigo")
    # when the plan runs
    orders, _ = _plan(company)
    # then the bag still has its first batch pegged to presale
    assert _pegs(orders, BAG).get("presale", D(0)) >= 20


def test_this_weeks_orders_consume_the_forecast_instead_of_adding_to_it(company: Engine) -> None:
    # given thirteen weeks of tee history (about 7 a week) and 10 tees in stock
    monday = NOW.date() - timedelta(days=NOW.weekday())
    rows = [{"sku": TEE, "location": "WH", "period_start": monday - timedelta(weeks=w),
             "quantity": 6 + w % 3} for w in range(1, 14)]  # fmt: skip
    with UnitOfWork(company) as uow:
        import_rows(uow, "demand", rows)
        uow.commit()
    store = SqlPlanStore(company)
    before = run(store.load_snapshot(today=NOW.date(), horizon=8, now=NOW))
    # when 5 tees are ordered this week (reserved from stock)
    headers, body = shopify_webhook(shopify_order(5001, [{"sku": TEE, "quantity": 5}]))
    received = intake.receive_webhook(company, "shopify", headers, body, now=NOW)
    intake.apply_inbox_row(company, received.inbox_id, now=NOW)
    after = run(store.load_snapshot(today=NOW.date(), horizon=8, now=NOW))
    # then this week's forecast is 5 lower: the order took 5 of it (and 5 of the stock)
    week = [before.mrp.gross[TEE][0], after.mrp.gross[TEE][0]]
    assert week[0] >= 5 and week[1] == week[0] - 5
    assert after.mrp.gross[TEE][1:] == before.mrp.gross[TEE][1:]


def test_orders_consume_the_forecast_of_the_warehouse_they_are_sold_from(
    company: Engine, make_uow: Callable[..., UnitOfWork]
) -> None:
    # given tee history at the second warehouse and a shop that ships from it
    monday = NOW.date() - timedelta(days=NOW.weekday())
    rows = [{"sku": TEE, "location": "WH2", "period_start": monday - timedelta(weeks=w),
             "quantity": 6 + w % 3} for w in range(1, 14)]  # fmt: skip
    with make_uow() as uow:
        import_rows(uow, "demand", rows)
        shops.add_shop(uow, platform="shopify", domain=SHOP, secret=SECRET, warehouse="WH2")
        uow.commit()
    store = SqlPlanStore(company)
    before = run(store.load_snapshot(today=NOW.date(), horizon=8, now=NOW))
    # when 3 tees are ordered there this week
    headers, body = shopify_webhook(shopify_order(5002, [{"sku": TEE, "quantity": 3}]))
    received = intake.receive_webhook(company, "shopify", headers, body, now=NOW)
    intake.apply_inbox_row(company, received.inbox_id, now=NOW)
    after = run(store.load_snapshot(today=NOW.date(), horizon=8, now=NOW))
    # then WH2's forecast for this week is 3 lower (the order took 3 of it), the weeks after
    # unchanged; the home warehouse only sends WH2 3 fewer (its gross holds what it sends)
    there = f"{TEE}@WH2"
    assert before.mrp.gross[there][0] >= 3
    assert after.mrp.gross[there][0] == before.mrp.gross[there][0] - 3
    assert after.mrp.gross[there][1:] == before.mrp.gross[there][1:]
    assert after.mrp.gross[TEE][0] == before.mrp.gross[TEE][0] - 3
