"""The control tower's Orders and Inventory pages and their API (issue 17), on both databases:
the order book filtered (status, shop, dates, late) and searched (order, customer, SKU); an
order with its picks, jobs, promise against what happened and the customer's tracking view;
balances paged and filtered; the ABC-XYZ matrix equal to the plan's classes; an item's chart
equal to the plan's stored forecast and policy; the empty states."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from flexchain.adapters.db import tables as t
from flexchain.adapters.db.engine import make_engine
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.config import Settings
from flexchain.entrypoints.api import create_app
from flexchain.services import (
    intake,
    inventory,
    inventory_views,
    orders,
    plan_reports,
    planning,
    purchase_orders,
)
from flexchain.services.imports import import_rows
from tests.auth import PASSWORD, bearer, make_user
from tests.storefront_world import BAG, NOW, ROWS, TEE, build_world, shopify_order, shopify_webhook

W0 = NOW.date() - timedelta(days=NOW.weekday())
ORDERS = ("open", "shipped", "cancelled", "bag")


@dataclass(frozen=True)
class World:
    client: TestClient
    engine: Engine
    headers: dict[str, str]
    orders: dict[str, str]
    """name -> order number: open (late), shipped (on time), cancelled, bag (custom jobs)."""


def _order(engine: Engine, order_id: int, lines: list[dict[str, Any]]) -> str:
    headers, body = shopify_webhook(shopify_order(order_id, lines))
    received = intake.receive_webhook(engine, "shopify", headers, body, now=NOW)
    intake.process(engine, received.inbox_id, now=NOW)
    with UnitOfWork(engine, write=False) as uow:
        return uow.session.scalars(
            select(t.SalesOrderRow.number).where(t.SalesOrderRow.external_id == str(order_id))
        ).one()


def build(engine: Engine) -> dict[str, str]:
    """The storefront world with 13 weeks of tee demand, a plan, and four orders."""
    make_uow: Callable[..., UnitOfWork] = lambda **kw: UnitOfWork(engine, **kw)  # noqa: E731
    build_world(make_uow, tee_stock=20)
    with make_uow() as uow:  # the tee at a standard cost, for the matrix's value
        tee = next(row for row in ROWS["items"] if row["sku"] == TEE)
        import_rows(uow, "items", [{**tee, "standard_cost": Decimal("12.50")}])
        uow.commit()
    weeks = [W0 - timedelta(weeks=w) for w in range(1, 14)]
    with make_uow() as uow:
        import_rows(uow, "demand", [
            {"sku": TEE, "location": at, "period_start": week, "quantity": n + (w % 3)}
            for w, week in enumerate(weeks) for at, n in (("WH", 6), ("WH2", 4))
        ])  # fmt: skip
        uow.commit()
    planning.run_plan(engine, now=NOW, horizon=8)
    made = {
        "open": _order(engine, 5001, [{"sku": TEE, "quantity": 1}]),
        "shipped": _order(engine, 5002, [{"sku": TEE, "quantity": 2}]),
        "cancelled": _order(engine, 5003, [{"sku": TEE, "quantity": 1}]),
        "bag": _order(engine, 5004, [{"sku": BAG, "quantity": 1, "properties": {
            "Colour": "Indigo", "Engraving": "ANA"}}]),
    }  # fmt: skip
    with make_uow() as uow:
        orders.set_status(uow, made["shipped"], "ready", now=NOW)
        orders.ship(uow, made["shipped"], carrier="DHL", tracking="0034", now=NOW)
        orders.cancel(uow, made["cancelled"], now=NOW)
        uow.commit()
    return made


@pytest.fixture(scope="module")
def world(module_database_url: str) -> Iterator[World]:
    engine = make_engine(module_database_url)
    try:
        made = build(engine)
        app = create_app(Settings(database_url=module_database_url, outbox_worker=False))
        with TestClient(app) as client:
            yield World(client, engine, bearer(engine, "viewer"), made)
    finally:
        engine.dispose()


def _get(world: World, path: str, **params: Any) -> Any:
    answer = world.client.get(path, params=params, headers=world.headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _numbers(found: dict[str, Any]) -> list[str]:
    return [order["number"] for order in found["orders"]]


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _login(client: TestClient, email: str) -> None:
    client.cookies.clear()
    answer = client.post("/login", data={"email": email, "password": PASSWORD})
    assert answer.status_code == 200, answer.text


# -- the order book ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, list(ORDERS)),
        ({"status": "shipped"}, ["shipped"]),
        ({"late": "true"}, ["open", "bag"]),
        ({"late": "false"}, ["shipped", "cancelled"]),
        ({"q": "BAG-CANVAS"}, ["bag"]),
        ({"q": "5003"}, ["cancelled"]),
        ({"q": "ANA@EXAMPLE"}, list(ORDERS)),
        ({"q": "nobody"}, []),
        ({"shop": "brand.myshopify.com", "status": "reserved"}, ["open"]),
        ({"shop": "woo.brand.example"}, []),
        ({"since": str(NOW.date()), "until": str(NOW.date())}, list(ORDERS)),
        ({"since": str(NOW.date() + timedelta(days=1))}, []),
    ],
    ids=["all", "status", "late", "not-late", "sku", "number", "customer", "no-match", "shop",
         "other-shop", "one-day", "after"],
)  # fmt: skip
def test_the_order_book_filters_and_searches(
    world: World, params: dict[str, str], expected: list[str]
) -> None:
    found = _get(world, "/views/orders", **params)
    wanted = sorted(world.orders[name] for name in expected)
    assert sorted(_numbers(found)) == wanted
    assert found["total"] == len(wanted)


def test_the_order_book_pages(world: World) -> None:
    first = _get(world, "/views/orders", per_page=3)
    second = _get(world, "/views/orders", per_page=3, page=2)
    assert (first["total"], first["pages"], len(first["orders"])) == (4, 2, 3)
    assert len(second["orders"]) == 1
    assert set(_numbers(first)) | set(_numbers(second)) == set(world.orders.values())


@pytest.mark.parametrize(
    ("params", "message"),
    [({"status": "lost"}, "unknown status 'lost'"), ({"since": "2026-12-02", "until": "2026-12-01"},
     "is after until")],
    ids=["status", "dates"],
)  # fmt: skip
def test_a_bad_filter_is_refused_naming_it(
    world: World, params: dict[str, str], message: str
) -> None:
    answer = world.client.get("/views/orders", params=params, headers=world.headers)
    assert answer.status_code == 422
    assert message in answer.json()["detail"]


def test_an_order_shows_its_jobs_promise_and_tracking_view(world: World) -> None:
    number = world.orders["bag"].lstrip("#")
    board = _get(world, f"/views/orders/{number}")
    order = board["order"]
    assert order["number"] == world.orders["bag"] and order["jobs"]
    assert {job["sku"] for job in order["jobs"]} >= {"M-DYE", "M-ENGRAVING"}
    # an open order past its promise day is late, by as many days as today is past it
    promise = date.fromisoformat(order["promise_date"])
    days = (date.today() - promise).days
    assert board["promise"]["late"] is (days > 0)
    assert board["promise"]["days"] == days
    # the customer's view is the tracking link's: what they bought, nothing internal
    assert board["tracking_path"] == f"/track/{order['tracking_token']}"
    tracked = world.client.get(board["tracking_path"]).json()
    assert board["tracking"] == tracked
    assert "supplier" not in str(board["tracking"])


def test_a_shipped_order_shows_it_left_on_time(world: World) -> None:
    board = _get(world, f"/views/orders/{world.orders['shipped'].lstrip('#')}")
    assert board["promise"]["state"] == "shipped on time"
    assert board["promise"]["late"] is False
    assert board["order"]["picks"][0]["status"] == "done"


# -- inventory ---------------------------------------------------------------------------------


def test_balances_are_paged_and_filtered(world: World) -> None:
    every = _get(world, "/inventory/balances")
    assert [(b["sku"], b["location"]) for b in every["lines"]] == [
        ("M-BAG-BODY", "WH"), ("M-STRAP", "WH"), ("M-STRAP", "WH2"), (TEE, "WH"),
    ]  # fmt: skip
    tee = every["lines"][-1]
    assert (tee["on_hand"], tee["reserved"], tee["available"]) == ("18", "1", "17")
    paged = _get(world, "/inventory/balances", per_page=3, page=2)
    assert (paged["total"], paged["pages"], [b["sku"] for b in paged["lines"]]) == (4, 2, [TEE])
    assert [b["location"] for b in _get(world, "/inventory/balances", q="strap")["lines"]] == [
        "WH", "WH2",
    ]  # fmt: skip
    assert _get(world, "/inventory/balances", location="WH2")["total"] == 1
    assert [b["sku"] for b in _get(world, "/inventory/balances", abc="A", xyz="X")["lines"]] == [
        TEE
    ]
    assert _get(world, "/inventory/balances", kind="finished")["total"] == 1
    assert [b["location"] for b in _get(world, "/inventory/balances", sku="M-STRAP")["lines"]] == [
        "WH", "WH2",
    ]  # fmt: skip


def _plan_classes(engine: Engine) -> dict[str, int]:
    """The current plan's home records counted by class, read straight from its rows."""
    counts: dict[str, int] = {}
    with UnitOfWork(engine, write=False) as uow:
        run = uow.session.scalar(select(t.PlanRunRow.id).order_by(t.PlanRunRow.id.desc()))
        for explanation in uow.session.scalars(
            select(t.PlanItemRow.explanation).where(
                t.PlanItemRow.run_id == run, t.PlanItemRow.location == ""
            )
        ):
            forecast = explanation["forecast"]
            key = f"{forecast['abc']}{forecast['xyz']}" if forecast["abc"] else "none"
            counts[key] = counts.get(key, 0) + 1
    return counts


def test_the_abc_xyz_matrix_counts_the_plans_classes(world: World) -> None:
    matrix = _get(world, "/inventory/abc-xyz")
    shown = {f"{c['abc']}{c['xyz']}": c["items"] for c in matrix["cells"] if c["items"]}
    stored = _plan_classes(world.engine)
    assert shown == {key: n for key, n in stored.items() if key != "none"}
    assert matrix["unclassified"] == stored.get("none", 0)
    tee = next(c for c in matrix["cells"] if (c["abc"], c["xyz"]) == ("A", "X"))
    # the tee's 18 on hand at its standard cost of 12.50
    assert (tee["on_hand"], tee["value"]) == ("18", {"EUR": "225"})


def test_the_item_chart_is_the_plans_stored_forecast_and_policy(world: World) -> None:
    chart = _get(world, f"/items/{TEE}/chart", weeks=13)
    with UnitOfWork(world.engine, write=False) as uow:
        explained = plan_reports.explain_item(uow, TEE)
        record = uow.session.execute(
            select(t.PlanItemRow.safety_stock, t.PlanItemRow.reorder_point)
            .where(t.PlanItemRow.location == "")
            .join(t.ItemRow, t.ItemRow.id == t.PlanItemRow.item_id).where(t.ItemRow.sku == TEE)
        ).one()  # fmt: skip
    assert [Decimal(w["mean"]) for w in chart["forecast"]] == explained.forecast["weekly"]
    assert Decimal(chart["safety_stock"]) == record.safety_stock
    assert Decimal(chart["reorder_point"]) == record.reorder_point
    assert all(
        Decimal(w["low"]) <= Decimal(w["mean"]) <= Decimal(w["high"]) for w in chart["forecast"]
    )
    # the history is what was imported at the home warehouse, oldest first
    assert [w["week"] for w in chart["history"]][-1] == str(W0 - timedelta(weeks=1))
    assert [Decimal(w["quantity"]) for w in chart["history"]] == [
        Decimal(6 + (w % 3)) for w in reversed(range(13))
    ]
    elsewhere = _get(world, f"/items/{TEE}/chart", weeks=13, location="WH2")
    assert [Decimal(w["quantity"]) for w in elsewhere["history"]][-1] == 4


def test_the_item_header_says_the_safety_stock_was_rounded_up_from_the_explanations(
    world: World,
) -> None:
    # given the plan's exact safety stock (the explanation's table) and the one it stored,
    # rounded up to whole units
    with UnitOfWork(world.engine, write=False) as uow:
        explained = plan_reports.explain_item(uow, TEE)
    exact = next(line.value for line in explained.policy if line.name == "safety_stock")
    stored = Decimal(_get(world, f"/items/{TEE}/chart", weeks=13)["safety_stock"])
    assert Decimal(exact) < stored < Decimal(exact) + 1
    # when the item page is opened, then its header gives both
    _login(world.client, make_user(world.engine, "viewer"))
    page = world.client.get(f"/app/inventory/items/{TEE}").text
    at = page.index('id="safety-stock"')
    header = _text(page[at : page.index("</dd>", at)])
    assert header.endswith(f"({exact} rounded up)"), header


def test_an_unknown_item_or_location_answers_404(world: World) -> None:
    for path, params in (("/items/NOPE/chart", {}), (f"/items/{TEE}/chart", {"location": "X"})):
        answer = world.client.get(path, params=params, headers=world.headers)
        assert answer.status_code == 404, answer.text


# -- the pages ---------------------------------------------------------------------------------


def test_the_pages_show_orders_and_inventory_to_a_viewer(world: World) -> None:
    client = world.client
    _login(client, make_user(world.engine, "viewer"))
    listed = client.get("/app/orders", params={"late": "yes"})
    assert listed.status_code == 200, listed.text
    assert "2 orders" in _text(listed.text)
    bag_id = re.search(rf'href="/app/orders/(\d+)">{world.orders["bag"]}<', listed.text)
    assert bag_id
    page = client.get(f"/app/orders/{bag_id.group(1)}").text
    detail = _text(page)
    assert "M-ENGRAVING" in detail and "What the customer sees" in detail
    # each line says what was chosen (its options' keys were misread: the cell showed ' ; ')
    lines = _text(page[page.index('id="lines"') : page.index("</table>", page.index('id="lines"'))])
    assert "Colour: Indigo; Engraving: ANA" in lines
    inventory = client.get("/app/inventory")
    assert 'id="cell-AX"' in inventory.text and "4 balance lines" in _text(inventory.text)
    item = client.get(f"/app/inventory/items/{TEE}")
    assert item.status_code == 200 and "<canvas" in item.text and "chart-data" in item.text
    assert 'id="explanation"' in item.text and 'id="netting"' in item.text
    assert client.get("/app/orders/999999").status_code == 404
    assert client.get("/app/inventory/items/NOPE").status_code == 404
    beyond = _text(client.get("/app/orders", params={"page": "9"}).text)
    assert "This page is past the last one" in beyond
    bad = client.get("/app/orders", params={"since": "soon"})
    assert bad.status_code == 200 and "is not a date" in bad.text
    # a search saves nothing: the alert names the filter not used (a status has no field message)
    assert "Nothing was saved" not in bad.text and "Filter not used:" in bad.text
    lost = _text(client.get("/app/orders", params={"status": "lost"}).text)
    assert "Filter not used: unknown status &#39;lost&#39;" in lost
    stock = _text(client.get("/app/inventory", params={"abc": "Q"}).text)
    assert "Filter not used:" in stock and "Nothing was saved" not in stock


def test_a_supplier_cannot_open_the_pages(world: World) -> None:
    _login(world.client, make_user(world.engine, "supplier", supplier="SEW-PT"))
    for path in ("/app/orders", "/app/inventory", f"/app/inventory/items/{TEE}"):
        assert world.client.get(path).status_code == 403


def test_empty_pages_say_what_to_do(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        app = create_app(Settings(database_url=database_url, outbox_worker=False))
        with TestClient(app) as client:
            _login(client, make_user(engine, "planner"))
            assert "No orders yet" in _text(client.get("/app/orders").text)
            inventory = _text(client.get("/app/inventory").text)
            assert "No plan yet" in inventory and "No stock anywhere yet" in inventory
            assert client.get("/inventory/abc-xyz").status_code == 404
    finally:
        engine.dispose()


def test_the_balance_pages_hold_the_stock_listing_line_for_line(
    make_uow: Callable[..., UnitOfWork],
) -> None:
    # given stock, a reservation, and open purchase order lines: one where stock is, one for
    # an item with no balance row at all (only on order)
    build_world(make_uow, tee_stock=20)
    with make_uow() as uow:
        due = NOW.date() + timedelta(days=30)
        po = purchase_orders.create_po(uow, supplier="SEW-PT", now=NOW, lines=[
            {"item": TEE, "quantity": 5, "due_date": due, "unit_price": "10"},
            {"item": "M-DYE", "quantity": 3, "due_date": due, "unit_price": "4"},
        ])  # fmt: skip
        purchase_orders.issue_po(uow, po.number, now=NOW)
        uow.commit()
    # when the pages are read two lines at a time
    with make_uow(write=False) as uow:
        listing = inventory.balances(uow, now=NOW)
        pages, page = [], 1
        while True:
            found = inventory_views.balance_page(uow, now=NOW, page=page, per_page=2)
            pages.extend(found.lines)
            if page >= found.pages:
                break
            page += 1
    # then they hold the stock listing's lines, in its order, with the same figures
    fields = ("sku", "location", "on_hand", "reserved", "available", "in_transit", "on_order")
    assert [tuple(getattr(b, f) for f in fields) for b in pages] == [
        tuple(getattr(b, f) for f in fields) for b in listing
    ]
    assert ("M-DYE", "WH", Decimal(0), Decimal(3)) in [
        (b.sku, b.location, b.on_hand, b.on_order) for b in pages
    ]
