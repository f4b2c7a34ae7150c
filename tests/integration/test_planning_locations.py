"""Planning per item and location through the real snapshot, on SQLite and PostgreSQL (issue
12: "forecast, policy and netting per item and location, and before a purchase is planned for a
location, surplus free stock at another location is proposed as a transfer").

The storefront world has two warehouses: WH (the home location, first by code) and WH2."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine

from flexchain.adapters.db.plans import SqlPlanStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.errors import NotFound
from flexchain.services import planning
from flexchain.services.imports import import_rows
from flexchain.services.imports.report import ImportFailed
from flexchain.services.plan_reports import PlanExceptionLine, PlanOrderLine, explain_locations
from tests.integration.test_cli import flexchain_cli
from tests.storefront_world import TEE, build_world

from .test_planning import NOW

MONDAY = NOW.date() - timedelta(days=NOW.weekday())


def _history(make_uow: Callable[..., UnitOfWork], location: str, weekly: int) -> None:
    rows = [
        {"sku": TEE, "location": location, "period_start": MONDAY - timedelta(weeks=w),
         "quantity": weekly + w % 2}
        for w in range(1, 14)
    ]  # fmt: skip
    with make_uow() as uow:
        import_rows(uow, "demand", rows)
        uow.commit()


@pytest.fixture
def surplus_at_home(engine: Engine, make_uow: Callable[..., UnitOfWork]) -> Engine:
    """200 tees at WH, which sells none; WH2 sells about 6 a week and holds none."""
    build_world(make_uow, tee_stock=200)
    _history(make_uow, "WH2", 6)
    return engine


def _orders(engine: Engine) -> list[PlanOrderLine]:
    with UnitOfWork(engine, write=False) as uow:
        rows = planning.plan_rows(uow, planning.current_run(uow).id)
    return [row for row in rows if isinstance(row, PlanOrderLine) and row.sku == TEE]


def test_the_snapshot_keeps_stock_history_and_receipts_per_location(
    surplus_at_home: Engine, make_uow: Callable[..., UnitOfWork]
) -> None:
    with make_uow() as uow:  # one PO line received at WH2, one without a location (home)
        import_rows(
            uow,
            "purchase-orders",
            [
                {"po_number": "PO-9", "line": 1, "supplier": "SEW-PT", "sku": TEE,
                 "quantity": 12, "due_date": MONDAY + timedelta(weeks=2), "location": "WH2"},
                {"po_number": "PO-9", "line": 2, "supplier": "SEW-PT", "sku": TEE,
                 "quantity": 5, "due_date": MONDAY + timedelta(weeks=3), "location": ""},
            ],
        )  # fmt: skip
        uow.commit()
    snap = SqlPlanStore(surplus_at_home).load_snapshot(today=NOW.date(), horizon=8, now=NOW)
    tee = next(i for i, item in snap.items.items() if item.sku == TEE)
    assert snap.home == "WH"
    assert snap.stock[tee] == (200, 0) and (tee, "WH2") not in snap.stock_at
    assert snap.stock_at[(next(i for i, it in snap.items.items() if it.sku == "M-STRAP"), "WH2")]
    assert [(i, q, s, loc) for i, _, q, s, loc in snap.receipts_at] == [
        (tee, 12, "po:PO-9/1", "WH2")
    ]
    assert [(i, q, s) for i, _, q, s in snap.receipts if i == tee] == [(tee, 5, "po:PO-9/2")]
    located = {snap.locations[int(i)] for i in snap.history["location"].unique()}
    assert located == {"WH2"}


def test_surplus_at_home_is_transferred_before_anything_is_made(surplus_at_home: Engine) -> None:
    planning.run_plan(surplus_at_home, now=NOW, horizon=8)
    orders = _orders(surplus_at_home)
    assert orders, "WH2's forecast needs tees"
    assert {(o.kind, o.location, o.from_location) for o in orders} == {("transfer", "WH2", "WH")}
    assert all("forecast" in o.pegging for o in orders)  # pegged to WH2's demand


def test_without_surplus_elsewhere_the_location_makes_its_own(
    engine: Engine, make_uow: Callable[..., UnitOfWork]
) -> None:
    build_world(make_uow, tee_stock=0)
    _history(make_uow, "WH2", 6)
    planning.run_plan(engine, now=NOW, horizon=8)
    orders = _orders(engine)
    assert orders and {(o.kind, o.location) for o in orders} == {("production", "WH2")}
    with UnitOfWork(engine, write=False) as uow:
        rows = planning.plan_rows(uow, planning.current_run(uow).id)
    exceptions = [r for r in rows if isinstance(r, PlanExceptionLine) and r.sku == TEE]
    assert exceptions and {e.location for e in exceptions} == {"WH2"}  # stored with the buffer


def test_explain_shows_each_location_record(surplus_at_home: Engine) -> None:
    planning.run_plan(surplus_at_home, now=NOW, horizon=8)
    with UnitOfWork(surplus_at_home, write=False) as uow:
        both = explain_locations(uow, TEE)
        porto = explain_locations(uow, TEE, location="WH2")
        home = explain_locations(uow, TEE, location="WH")
        with pytest.raises(NotFound, match="no record at location 'WH9'"):
            explain_locations(uow, TEE, location="WH9")
    assert [e.location for e in both] == ["WH", "WH2"]
    assert porto[0].inputs.history_weeks == 13 and porto[0].inputs.on_hand == 0
    assert home[0].inputs.history_weeks == 0 and home[0].inputs.on_hand == 200
    assert [o.kind for o in porto[0].orders] == ["transfer"] * len(porto[0].orders)
    assert {o.from_location for o in porto[0].orders} == {"WH"}
    assert sum(p.planned for p in porto[0].netting.periods) == sum(
        o.quantity for o in porto[0].orders
    )


def test_plan_show_and_explain_cli_name_locations(
    surplus_at_home: Engine, database_url: str
) -> None:
    planning.run_plan(surplus_at_home, now=NOW, horizon=8)
    code, out, err = flexchain_cli(database_url, "plan", "explain", TEE, "--location", "WH2")
    assert code == 0, err
    assert "transfer" in out and "from WH" in out and "---" not in out
    code, out, _ = flexchain_cli(database_url, "plan", "explain", TEE)
    assert f"--- {TEE} at WH2" in out and f"--- {TEE} at WH\n" in out
    code, out, _ = flexchain_cli(database_url, "plan", "explain", TEE, "--json")
    shown = json.loads(out)
    assert shown["location"] == "WH"
    assert [view["location"] for view in shown["other_locations"]] == ["WH2"]
    code, out, _ = flexchain_cli(database_url, "plan", "show", "--json")
    transfers = [row for row in json.loads(out) if row.get("kind") == "transfer"]
    assert transfers and {(r["location"], r["from_location"]) for r in transfers} == {("WH2", "WH")}


def test_a_po_line_at_an_unknown_or_customer_location_is_refused(
    surplus_at_home: Engine, make_uow: Callable[..., UnitOfWork]
) -> None:
    for code, why in (("NOWHERE", "unknown location"), ("CUSTOMER", "is a customer")):
        with make_uow() as uow, pytest.raises(ImportFailed, match=why):
            import_rows(
                uow,
                "purchase-orders",
                [{"po_number": "PO-1", "supplier": "SEW-PT", "sku": TEE, "quantity": 1,
                  "due_date": date(2026, 12, 1), "location": code}],
            )  # fmt: skip
