"""Loading the demo company into both databases through the imports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select

from flexchain.adapters.db import tables as t
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.demo import DemoData, generate
from flexchain.services import inventory
from flexchain.services.demo import load_demo
from flexchain.services.imports import ImportFailed

START = date(2024, 1, 1)
ROW_TABLES = {
    "suppliers": t.SupplierRow,
    "items": t.ItemRow,
    "options": t.OptionRow,
    "bom": t.BomLineRow,
    "contracts": t.ContractRow,
    "contract-prices": t.ContractPriceRow,
    "demand": t.DemandHistoryRow,
}


@pytest.fixture(scope="module")
def demo() -> DemoData:
    return generate(start=START)


@pytest.fixture(scope="module")
def small() -> DemoData:
    return generate(items=8, weeks=10, start=START)


def _count(engine: Engine, table: type[t.Base]) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(table)) or 0)


def test_the_demo_loads_every_kind_with_the_generated_counts(
    engine: Engine, demo: DemoData
) -> None:
    # when the default demo company is loaded
    summary = load_demo(engine, demo)
    # then every kind was created in full and the tables hold exactly those rows
    counts = demo.counts()
    assert {k.kind: (k.rows, k.created) for k in summary.kinds} == {
        kind: (rows, rows) for kind, rows in counts.items()
    }
    assert all(k.updated == 0 and k.unchanged == 0 for k in summary.kinds)
    for kind, table in ROW_TABLES.items():
        assert _count(engine, table) == counts[kind], kind
    assert _count(engine, t.ItemSupplierRow) == counts["item-suppliers"]
    # the stock import adds the OPENING location that opening balances come from
    assert _count(engine, t.LocationRow) == counts["locations"] + 1
    assert _count(engine, t.StockBalanceRow) >= counts["stock"]
    assert not summary.bulk_demand


def test_loading_twice_updates_instead_of_duplicating(engine: Engine, small: DemoData) -> None:
    load_demo(engine, small)
    before = {kind: _count(engine, table) for kind, table in ROW_TABLES.items()}
    # when the same company is loaded again
    again = load_demo(engine, small)
    # then nothing is created and no table grows
    assert [k.created for k in again.kinds] == [0] * len(again.kinds)
    assert {kind: _count(engine, table) for kind, table in ROW_TABLES.items()} == before


def test_opening_stock_becomes_balances(
    engine: Engine, small: DemoData, make_uow: Callable[..., UnitOfWork]
) -> None:
    load_demo(engine, small)
    with make_uow(write=False) as uow:
        views = inventory.balances(uow, now=datetime.now(UTC))
    on_hand = {(v.sku, v.location): v.on_hand for v in views}
    expected = {(r["sku"], r["location"]): Decimal(r["quantity"]) for r in small.tables["stock"]}
    assert on_hand == expected


def _demand(engine: Engine) -> dict[tuple[str, date], Decimal]:
    query = select(t.ItemRow.sku, t.DemandHistoryRow.period_start, t.DemandHistoryRow.quantity)
    query = query.join(t.ItemRow, t.ItemRow.id == t.DemandHistoryRow.item_id)
    with engine.connect() as connection:
        return {(sku, week): Decimal(qty) for sku, week, qty in connection.execute(query)}


def test_the_bulk_demand_path_stores_what_the_import_path_stores(
    engine: Engine, small: DemoData
) -> None:
    # given the demo loaded with demand in bulk
    summary = load_demo(engine, small, bulk_demand_rows=0)
    expected = {(r["sku"], r["period_start"]): Decimal(r["quantity"]) for r in small.rows("demand")}
    # then the stored history is the generated one
    assert summary.bulk_demand
    assert _demand(engine) == expected
    # and loading another seed's demand updates the changed weeks in place
    other = generate(items=8, weeks=10, start=START, seed=99)
    second = load_demo(engine, other, bulk_demand_rows=0)
    demand = next(k for k in second.kinds if k.kind == "demand")
    changed = sum(
        1 for a, b in zip(small.rows("demand"), other.rows("demand"), strict=True)
        if a["quantity"] != b["quantity"]
    )  # fmt: skip
    assert (demand.created, demand.updated, demand.unchanged) == (0, changed, 80 - changed)
    assert len(_demand(engine)) == 80


def test_a_refused_row_leaves_the_database_as_it_was(engine: Engine, small: DemoData) -> None:
    # given generated data with one impossible BOM line (an item made of itself)
    tables = dict(small.tables)
    tables["bom"] = [*small.tables["bom"], {"parent_sku": "M-DYE", "child_sku": "M-DYE",
                                            "quantity": 1}]  # fmt: skip
    broken = DemoData(small.seed, small.start, small.today, tables, small.demand)
    # when it is loaded, the import refuses it and nothing at all is written
    with pytest.raises(ImportFailed):
        load_demo(engine, broken)
    assert _count(engine, t.ItemRow) == 0
    assert _count(engine, t.SupplierRow) == 0
