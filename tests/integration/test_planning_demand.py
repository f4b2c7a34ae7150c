"""Planning demand through the service, on SQLite and PostgreSQL: custom jobs plan the materials of
their chosen options (pegged to the order), and custom modules get no false ``excess``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal as D

import pytest
from sqlalchemy import Engine

from flexchain.adapters.db.uow import UnitOfWork
from flexchain.services import intake, planning
from flexchain.services.imports import import_rows
from flexchain.services.plan_reports import PlanExceptionLine, PlanOrderLine
from tests.storefront_world import BAG, build_world, shopify_order, shopify_webhook

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
