"""Property: an order is promised the ship date its quote gave, on both databases.

For a configuration (options, custom modules included), quantity and speed tier, in a state of
stock and capacity set by 0-2 earlier orders, the quote's ship date (``services.quotes.quote``)
equals the promise date of the same order applied through the real webhook intake path. Both go
through :func:`flexchain.domain.allocation.allocate`; this checks that what each path loads
(stock, materials, booked capacity, processes, speed terms) is the same too.

Each example cancels its orders at the end (reservations released, jobs cancelled), so every
example starts from the same stock and capacity.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, select

from flexchain.adapters.db.tables import ItemRow, ProductionJobRow, SalesOrderRow, SupplierRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.speed import SpeedLadder
from flexchain.services import intake, shops
from flexchain.services.imports import import_rows
from flexchain.services.quotes import quote
from tests.storefront_world import NOW, SECRET, SHOP, shopify_order, shopify_webhook

D = Decimal


def _cap(process: str, capacity: int, lead: int, moq: int = 1) -> dict[str, Any]:
    return {"process": process, "capacity_per_day": D(capacity),
            "lead_time_mean_days": D(lead), "moq": D(moq)}  # fmt: skip


def _option(module: str, code: str, name: str, days: int) -> dict[str, Any]:
    return {"module_sku": module, "code": code, "name": name, "price_delta": D(1),
            "lead_time_delta_days": days}  # fmt: skip


CATALOG: dict[str, list[dict[str, Any]]] = {
    "suppliers": [
        {"code": "CUT-S", "name": "Cutter", "tier": "S", "country": "PT",
         "capabilities": [_cap("cutting", 40, 4, 10)]},
        {"code": "SEW-S", "name": "Sewer", "tier": "S", "country": "PT",
         "capabilities": [_cap("sewing", 30, 8, 20)]},
        {"code": "SEW-B", "name": "Backup sewer", "tier": "B", "country": "VN",
         "capabilities": [_cap("sewing", 10, 3)]},
        {"code": "DYE-A", "name": "Dyer", "tier": "A", "country": "PT",
         "capabilities": [_cap("dyeing", 20, 6, 5)]},
        {"code": "DYE-B", "name": "Quick dyer", "tier": "B", "country": "ES",
         "capabilities": [_cap("dyeing", 5, 2)]},
        {"code": "PRT-A", "name": "Printer", "tier": "A", "country": "PT",
         "capabilities": [_cap("printing", 50, 4, 20)]},
        {"code": "MILL", "name": "Mill", "tier": "A", "country": "IT"},
    ],
    "locations": [
        {"code": "WH", "name": "Lisbon warehouse", "kind": "warehouse"},
        {"code": "WH2", "name": "Porto warehouse", "kind": "warehouse"},
    ],
    "items": [
        {"sku": "JKT", "name": "Jacket", "kind": "finished", "list_price": D(200),
         "production_cycle_days": 3, "default_supplier": "SEW-S"},
        {"sku": "BAG", "name": "Bag", "kind": "finished", "list_price": D(50),
         "production_cycle_days": 1, "default_supplier": "SEW-S"},
        {"sku": "TEE", "name": "Tee", "kind": "finished", "list_price": D(30),
         "default_supplier": "SEW-S"},
        {"sku": "CAP", "name": "Cap", "kind": "finished", "list_price": D(20),
         "default_supplier": "MILL"},
        {"sku": "M-BODY", "name": "Body", "kind": "module", "module_type": "standard",
         "moq": D(10), "default_supplier": "CUT-S", "standard_cost": D(10)},
        {"sku": "M-COLLAR", "name": "Collar", "kind": "module", "module_type": "standard",
         "moq": D(5), "order_multiple": D(5), "default_supplier": "SEW-S",
         "standard_cost": D(5)},
        {"sku": "M-DYE", "name": "Dye", "kind": "module", "module_type": "custom",
         "attributes": {"process": "dyeing"}, "standard_cost": D(6)},
        {"sku": "M-PRINT", "name": "Print", "kind": "module", "module_type": "custom",
         "default_supplier": "PRT-A", "standard_cost": D(2)},
        {"sku": "FAB", "name": "Fabric", "kind": "raw", "uom": "m", "default_supplier": "MILL"},
        {"sku": "ALUM", "name": "Alum", "kind": "raw", "uom": "kg", "default_supplier": "MILL"},
        {"sku": "BOX", "name": "Box", "kind": "packaging", "production_cycle_days": 2},
    ],
    "options": [
        _option("M-DYE", "NATURAL", "Natural", -3),
        _option("M-DYE", "INDIGO", "Indigo", 4),
        _option("M-DYE", "WELD", "Weld", 2),
        _option("M-PRINT", "NONE", "No print", 0),
        _option("M-PRINT", "CHEST", "Chest", 1),
        _option("M-PRINT", "TEXT", "Your text", 2),
    ],
    "bom": [
        *({"parent_sku": "JKT", "child_sku": child, "quantity": 1}
          for child in ("M-BODY", "M-COLLAR", "M-DYE", "M-PRINT", "BOX")),
        {"parent_sku": "BAG", "child_sku": "M-BODY", "quantity": 2},
        {"parent_sku": "BAG", "child_sku": "M-PRINT", "quantity": 1},
        {"parent_sku": "M-BODY", "child_sku": "FAB", "quantity": D("1.5")},
        {"parent_sku": "M-DYE", "child_sku": "ALUM", "quantity": D("0.5")},
    ],
    "item-suppliers": [
        {"item_sku": sku, "supplier_code": "MILL", "lead_time_days": lead,
         "price_breaks": [{"min_quantity": 0, "unit_price": D(3)}]}
        for sku, lead in (("FAB", 14), ("ALUM", 7), ("CAP", 12))
    ],
    "stock": [
        {"sku": "JKT", "location": "WH", "quantity": 3},
        {"sku": "BAG", "location": "WH2", "quantity": 4},
        {"sku": "TEE", "location": "WH", "quantity": 6},
        {"sku": "TEE", "location": "WH2", "quantity": 4},
        {"sku": "CAP", "location": "WH", "quantity": 5},
        {"sku": "M-BODY", "location": "WH", "quantity": 8},
        {"sku": "M-BODY", "location": "WH2", "quantity": 6},
        {"sku": "M-COLLAR", "location": "WH2", "quantity": 7},
        {"sku": "FAB", "location": "WH", "quantity": 40},
        {"sku": "ALUM", "location": "WH", "quantity": 3},
        {"sku": "BOX", "location": "WH", "quantity": 9},
    ],
}  # fmt: skip

CHOICES: dict[str, dict[str, list[str]]] = {
    "JKT": {"M-DYE": ["Natural", "INDIGO", "weld"], "M-PRINT": ["none", "Chest", "Anna"]},
    "BAG": {"M-PRINT": ["No print", "chest", "Hi there"]},
    "TEE": {},
    "CAP": {},
}
TIERS = ["basic", "custom", "fast", "premium"]


@st.composite
def configurations(draw: st.DrawFn) -> tuple[str, dict[str, str], int, str]:
    sku = draw(st.sampled_from(sorted(CHOICES)))
    options = {module: draw(st.sampled_from(values)) for module, values in CHOICES[sku].items()}
    return sku, options, draw(st.integers(min_value=1, max_value=16)), draw(st.sampled_from(TIERS))


@pytest.fixture
def catalog(engine: Engine, make_uow: Callable[..., UnitOfWork]) -> Engine:
    with make_uow() as uow:
        for kind, rows in CATALOG.items():
            import_rows(uow, kind, rows, source=f"test {kind}")
        shops.add_shop(uow, platform="shopify", domain=SHOP, secret=SECRET, warehouse="WH")
        uow.commit()
    return engine


_ids = itertools.count(700_000)


def _order(engine: Engine, order_id: int, config: tuple[str, dict[str, str], int, str]) -> None:
    sku, options, quantity, tier = config
    line = {"id": 1, "sku": sku, "quantity": quantity, "properties": options}
    _apply(engine, shopify_order(order_id, [line], speed=tier), "orders/create")


def _cancel(engine: Engine, order_id: int, config: tuple[str, dict[str, str], int, str]) -> None:
    sku, options, quantity, tier = config
    line = {"id": 1, "sku": sku, "quantity": quantity, "properties": options}
    later = NOW + timedelta(hours=1)
    cancelled = shopify_order(order_id, [line], speed=tier, updated=later, cancelled=True)
    _apply(engine, cancelled, "orders/cancelled")


def _apply(engine: Engine, order: dict[str, Any], topic: str) -> None:
    headers, body = shopify_webhook(order, topic=topic)
    received = intake.receive_webhook(engine, "shopify", headers, body, now=NOW)
    view = intake.process(engine, received.inbox_id, now=NOW)
    assert view.status == "processed", view


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(earlier=st.lists(configurations(), max_size=2), config=configurations())
def test_an_order_is_promised_the_ship_date_of_its_quote(
    catalog: Engine,
    earlier: list[tuple[str, dict[str, str], int, str]],
    config: tuple[str, dict[str, str], int, str],
) -> None:
    # given the stock and capacity left by the earlier orders
    placed = [(next(_ids), before) for before in earlier]
    for order_id, before in placed:
        _order(catalog, order_id, before)
    try:
        # when the configuration is quoted, then ordered
        sku, options, quantity, tier = config
        with UnitOfWork(catalog, write=False) as uow:
            quoted = quote(uow, sku, options, quantity, tier, today=NOW.date(), alternatives=False)
        order_id = next(_ids)
        placed.append((order_id, config))
        _order(catalog, order_id, config)
        # then the order is promised the quote's ship date
        with UnitOfWork(catalog, write=False) as uow:
            promise = uow.session.scalar(
                select(SalesOrderRow.promise_date).where(SalesOrderRow.external_id == str(order_id))
            )
        assert promise == quoted.ship_date, [(s.kind, s.detail, s.finish) for s in quoted.stages]
    finally:
        for order_id, before in placed:
            _cancel(catalog, order_id, before)


@pytest.mark.parametrize("path", ["one-by-one", "batch"])
def test_a_configured_ladder_promises_orders_as_it_quotes_them(catalog: Engine, path: str) -> None:
    # given an installation whose basic tier takes three times the lead time
    slow = SpeedLadder.parse({"basic": {"lead_time_factor": "3"}})
    terms = intake.IntakeTerms(ladder=slow)
    config = ("JKT", {"M-DYE": "Indigo", "M-PRINT": "Chest"}, 4, "basic")
    sku, options, quantity, tier = config
    with UnitOfWork(catalog, write=False) as uow:
        default = quote(uow, sku, options, quantity, tier, today=NOW.date(), alternatives=False)
        quoted = quote(
            uow, sku, options, quantity, tier, today=NOW.date(), alternatives=False, ladder=slow
        )
    assert quoted.ship_date > default.ship_date
    # when the same configuration is ordered through the intake with those terms
    order_id = next(_ids)
    line = {"id": 1, "sku": sku, "quantity": quantity, "properties": options}
    headers, body = shopify_webhook(shopify_order(order_id, [line], speed=tier))
    received = intake.receive_webhook(catalog, "shopify", headers, body, now=NOW)
    try:
        if path == "batch":  # the server's way: a kept catalog makes even one a batch
            known = intake.CatalogCache()
            (view,) = intake.process_batch(
                catalog, [received.inbox_id], now=NOW, known=known, terms=terms
            )
        else:
            view = intake.apply_inbox_row(catalog, received.inbox_id, now=NOW, terms=terms)
        assert view.status == "processed", view
        # then it is promised the date quoted with the configured ladder, not the default one
        with UnitOfWork(catalog, write=False) as uow:
            promise = uow.session.scalar(
                select(SalesOrderRow.promise_date).where(SalesOrderRow.external_id == str(order_id))
            )
        assert promise == quoted.ship_date
    finally:
        _cancel(catalog, order_id, config)


# --- what each path loads, one input at a time ---------------------------------------------------


def _promise_and_quote(
    engine: Engine, config: tuple[str, dict[str, str], int, str]
) -> tuple[Any, Any]:
    """The quote of ``config``, then the promise of the same order (cancelled afterwards)."""
    sku, options, quantity, tier = config
    with UnitOfWork(engine, write=False) as uow:
        quoted = quote(uow, sku, options, quantity, tier, today=NOW.date(), alternatives=False)
    order_id = next(_ids)
    _order(engine, order_id, config)
    try:
        with UnitOfWork(engine, write=False) as uow:
            promise = uow.session.scalar(
                select(SalesOrderRow.promise_date).where(SalesOrderRow.external_id == str(order_id))
            )
    finally:
        _cancel(engine, order_id, config)
    return promise, quoted


TEES = ("TEE", {}, 16, "basic")
"""10 tees in stock, 6 sewn at SEW-S (30 a day, 8 days' lead): 60 units booked there = 2 days."""


@pytest.mark.parametrize(
    ("status", "starts_in_days", "counted"),
    [
        ("planned", 3, True),
        ("released", 3, True),
        ("started", 0, True),
        ("planned", None, True),
        ("planned", 27, True),
        ("planned", 28, False),
        ("released", 60, False),
        ("finished", 3, False),
        ("done", 3, False),
        ("cancelled", 3, False),
    ],
    ids=[
        "planned", "released", "started", "no-start-yet", "last-day-of-horizon",
        "past-the-horizon", "released-past-the-horizon", "finished", "done", "cancelled",
    ],
)  # fmt: skip
def test_booked_load_counts_open_jobs_starting_within_the_quotes_horizon(
    catalog: Engine,
    make_uow: Callable[..., UnitOfWork],
    status: str,
    starts_in_days: int | None,
    counted: bool,
) -> None:
    # given the tees' promise with nothing booked at the sewer
    baseline, _ = _promise_and_quote(catalog, TEES)
    # and 60 units of another job at the sewer, in `status`, starting `starts_in_days` from now
    with make_uow() as uow:
        sewer = uow.session.scalar(select(SupplierRow.id).where(SupplierRow.code == "SEW-S"))
        tee = uow.session.scalar(select(ItemRow.id).where(ItemRow.sku == "TEE"))
        start = None if starts_in_days is None else NOW.date() + timedelta(days=starts_in_days)
        job = ProductionJobRow(
            item_id=tee, supplier_id=sewer, process="sewing", quantity=D(60), reason="shortage",
            status=status, planned_start=start,
        )  # fmt: skip
        uow.session.add(job)
        uow.commit()
        job_id = job.id
    try:
        # when the tees are quoted and ordered
        promise, quoted = _promise_and_quote(catalog, TEES)
    finally:
        with make_uow() as uow:
            uow.session.execute(delete(ProductionJobRow).where(ProductionJobRow.id == job_id))
            uow.commit()
    # then both count the job's load exactly when it is open and starts within the horizon
    assert promise == quoted.ship_date
    assert promise == baseline + timedelta(days=2 if counted else 0)


def test_materials_short_delay_the_order_as_they_delay_its_quote(catalog: Engine) -> None:
    # given 3 kg of alum in stock, 0.5 kg per dyed jacket, 7 days from the mill
    few = ("JKT", {"M-DYE": "Indigo", "M-PRINT": "none"}, 2, "basic")
    many = ("JKT", {"M-DYE": "Indigo", "M-PRINT": "none"}, 10, "basic")
    # when 2 jackets (1 kg: in stock) and 10 jackets (5 kg: short) are quoted and ordered
    few_promise, few_quote = _promise_and_quote(catalog, few)
    many_promise, many_quote = _promise_and_quote(catalog, many)
    # then the order waits for the alum as its quote does
    assert few_promise == few_quote.ship_date
    assert many_promise == many_quote.ship_date
    materials = next(s for s in many_quote.stages if s.kind == "materials")
    assert "ALUM" in materials.detail and materials.finish == NOW.date() + timedelta(days=7)
    assert "ALUM" not in next(s.detail for s in few_quote.stages if s.kind == "materials")
