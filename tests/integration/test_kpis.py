"""The control tower's KPIs from a recorded November, on both databases: orders promised,
shipped early, late and not at all (one customised, one delivered, one cancelled), stock
received and shipped, a supplier invoice paid, a product's first job and a PO delivered on
time; every figure equals the value computed by hand, and the API and the CLI answer the same."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update
from typer.testing import CliRunner

from flexchain.adapters.db.engine import make_engine
from flexchain.adapters.db.tables import (
    InvoiceRow,
    ItemRow,
    OrderEventRow,
    PaymentRow,
    ProductionJobRow,
    SalesOrderLineRow,
    SalesOrderRow,
    SupplierRow,
)
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.config import Settings
from flexchain.domain.errors import NotFound, ValidationError
from flexchain.domain.stock import StockMove
from flexchain.entrypoints.api import create_app
from flexchain.entrypoints.cli.main import app
from flexchain.entrypoints.cli.render import plain
from flexchain.services import (
    inventory,
    kpis,
    planning,
    purchase_orders,
    receiving,
    stock_commands,
)
from flexchain.services.imports import import_rows
from tests.auth import bearer

UowFactory = Callable[..., UnitOfWork]
END = date(2026, 11, 29)  # a Sunday: four weeks from 2 November
WEEKS = 4
D = Decimal


def at(day: int, month: int = 11, hour: int = 9) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


WORLD: dict[str, list[dict[str, Any]]] = {
    "suppliers": [{"code": "MILL-PT", "name": "Tecidos", "tier": "A", "country": "PT",
                   "payment_terms_days": 30}],
    "items": [
        {"sku": "BAG", "name": "Bag", "kind": "finished", "standard_cost": "20"},
        {"sku": "GIFT", "name": "Gift wrap", "kind": "finished"},  # no standard cost
    ],
    "locations": [
        {"code": "WH", "name": "Warehouse", "kind": "warehouse"},
        {"code": "CUSTOMER", "name": "Customers", "kind": "customer"},
    ],
}  # fmt: skip

# number: (promise day, shipped day, status, sku, quantity, unit price, discount, custom)
ORDERS = {
    "1001": (10, 9, "shipped", "BAG", 2, "50", "0", False),  # on time; margin 100 - 40
    "1002": (12, 14, "shipped", "BAG", 1, "70", "10", True),  # late; margin 60 - 20
    "1003": (20, None, "reserved", "BAG", 1, "50", "0", False),  # due, not shipped
    "1004": (35, None, "reserved", "BAG", 1, "50", "0", False),  # promised after the window
    "1005": (10, None, "cancelled", "BAG", 1, "50", "0", False),
    "1006": (15, 15, "delivered", "GIFT", 1, "30", "0", True),  # on time; no cost
}


def _orders(uow: UnitOfWork) -> None:
    items = dict(uow.session.execute(select(ItemRow.sku, ItemRow.id)).all())
    for number, (promise, shipped, status, sku, qty, price, discount, custom) in ORDERS.items():
        subtotal = D(price) * qty - D(discount)  # after discounts, as the stores send it
        order = SalesOrderRow(
            external_id=number, number=number, status=status, subtotal=subtotal,
            total_discounts=D(discount), total=subtotal,
            external_created_at=at(1), tracking_token=f"t-{number}",
            promise_date=date(2026, 11, promise) if promise <= 30 else date(2026, 12, 5),
            shipped_at=None if shipped is None else at(shipped),
        )  # fmt: skip
        uow.session.add(order)
        uow.session.flush()
        options = [{"option": "monogram", "value": "AB"}] if custom else []
        uow.session.add(SalesOrderLineRow(order_id=order.id, external_line_id="1",
                                          item_id=items[sku], quantity=D(qty),
                                          unit_price=D(price), options=options))  # fmt: skip
        if status == "delivered":
            uow.session.add(OrderEventRow(order_id=order.id, stage="delivered", actual_at=at(18)))


def _stock(uow: UnitOfWork) -> None:
    # 100 bags long ago (aged), 20 in the last 90 days, 13 shipped on each of two days
    stock_commands.receive(uow, "BAG", 100, location="WH", now=at(1, month=8))
    stock_commands.receive(uow, "BAG", 20, location="WH", now=at(20))
    for day in (9, 16):
        move = StockMove("BAG", "WH", "CUSTOMER", 13, "shipment", f"ship {day}", at(day))
        inventory.post_move(uow, move)


def _money_and_launch(uow: UnitOfWork) -> None:
    supplier = uow.session.scalars(select(SupplierRow.id)).one()
    invoice = InvoiceRow(number="INV-000001", supplier_id=supplier, supplier_invoice_number="7",
                         po_number="PO-X", currency="EUR", invoice_date=date(2026, 10, 20),
                         total=D(100), status="paid", base_currency="EUR",
                         base_total=D(100))  # fmt: skip
    uow.session.add(invoice)
    uow.session.flush()
    uow.session.add(PaymentRow(kind="invoice", invoice_id=invoice.id, supplier_id=supplier,
                               currency="EUR", gross=D(100), amount=D(100),
                               due_date=date(2026, 11, 19), status="paid",
                               paid_at=at(19)))  # fmt: skip
    bag = uow.session.scalars(select(ItemRow.id).where(ItemRow.sku == "BAG")).one()
    uow.session.execute(update(ItemRow).where(ItemRow.id == bag).values(created_at=at(1, 10)))
    uow.session.add(ProductionJobRow(item_id=bag, quantity=D(1), status="started",
                                     started_at=at(10)))  # fmt: skip


def _delivery(make_uow: UowFactory) -> None:
    """A PO for gift wrap sent on the 5th, due the 10th, received in full on the 9th (96 h)."""
    with make_uow(actor="buyer@brand.example") as uow:
        view = purchase_orders.create_po(
            uow, supplier="MILL-PT", now=at(5),
            lines=[{"item": "GIFT", "quantity": 10, "due_date": date(2026, 11, 10),
                    "unit_price": "1.00"}],
        )  # fmt: skip
        purchase_orders.issue_po(uow, view.number, now=at(5))
        uow.commit()
    with make_uow(actor="buyer@brand.example") as uow:
        receiving.receive_po(uow, view.number, {1: 10}, now=at(9))
        uow.commit()


def build(engine: Engine) -> None:
    """The recorded November (the browser test builds it too)."""
    make_uow = functools.partial(UnitOfWork, engine)
    with make_uow() as uow:
        for kind, rows in WORLD.items():
            import_rows(uow, kind, rows, source=f"kpis {kind}")
        uow.commit()
    with make_uow() as uow:
        _orders(uow)
        _stock(uow)
        _money_and_launch(uow)
        uow.commit()
    _delivery(make_uow)


@pytest.fixture(scope="module")
def shared(module_database_url: str) -> Iterator[tuple[Engine, str]]:
    """One November per backend for the whole module (its tests only read it)."""
    engine = make_engine(module_database_url)
    build(engine)
    yield engine, module_database_url
    engine.dispose()


@pytest.fixture
def world(shared: tuple[Engine, str]) -> UowFactory:
    return functools.partial(UnitOfWork, shared[0])


def _views(make_uow: UowFactory, **settings: Any) -> dict[str, kpis.KpiView]:
    with make_uow(write=False) as uow:
        found = kpis.kpis(uow, period_end=END, weeks=WEEKS, settings=Settings(**settings))
    return {view.key: view for view in found}


# stock at the end: 100 + 20 - 26 = 94 bags at 20 = 1880; 26 x 20 = 520 left in 13 weeks
EXPECTED = {
    "perfect_order_rate": D("50.0"),  # OTIF's 1001 and 1006: no issue reported on either
    "otif": D("50.0"),  # 1001 and 1006 of 1001, 1002, 1003, 1006
    "order_lead_time": D("12.7"),  # 8, 13 and 17 days
    "custom_fulfilment": D("50.0"),  # 1006 of 1002 and 1006
    "design_to_production": D("40.0"),  # 1 October to 10 November
    "inventory_turns": D("1.11"),  # 520 x 52/13 / 1880
    "days_of_cover": D("329.0"),  # 1880 / (520 / 91)
    # aged 74 bags (94 - 20), volatile (two weeks of 13 in 13), overstock (94 / 6.5 a week):
    # 100 - 25 x (74 x 20 + 1880 + 1880) / 1880
    "inventory_health": D("30.3"),
    "forecast_accuracy": None,  # no plan has run
    "forecast_bias": None,
    "gross_margin_per_order": D("50.00"),  # (60 + 40) / 2; 1006 has no cost
    "cash_conversion_days": D("299.0"),  # 329 - 30 (invoiced 20 October, paid 19 November)
    "supplier_agility": D("96.0"),  # sent on the 5th, first piece on the 9th
    "supplier_on_time": D("100.0"),
}


def test_every_kpi_equals_its_hand_computed_value(world: UowFactory) -> None:
    views = _views(world)
    assert {key: view.value for key, view in views.items()} == EXPECTED
    assert views["otif"].count == 4 and views["otif"].meets is False
    assert views["supplier_on_time"].meets is True and views["supplier_agility"].meets is False
    assert "leaves out 1 of 3 shipped orders" in views["gross_margin_per_order"].note
    assert views["perfect_order_rate"].count == 4 and views["perfect_order_rate"].note == ""


def test_the_trend_gives_each_week_oldest_first(world: UowFactory) -> None:
    otif = _views(world)["otif"]
    assert [(p.period, p.value) for p in otif.trend] == [
        ("2026-11-08", None),  # nothing promised in the first week
        ("2026-11-15", D("66.7")),  # 1001, 1006 on time; 1002 late
        ("2026-11-22", D("0.0")),  # 1003 not shipped
        ("2026-11-29", None),
    ]
    supplier = _views(world)["supplier_on_time"]
    assert [p.period for p in supplier.trend] == ["2026-09", "2026-10", "2026-11"]


def test_targets_come_from_the_settings(world: UowFactory) -> None:
    views = _views(world, kpi_targets={"otif": "40"}, on_time_target="0.99")
    assert (views["otif"].target, views["otif"].meets) == (D(40), True)
    assert views["supplier_on_time"].target == D(99)
    with pytest.raises(ValidationError, match="unknown KPI 'otf'"):
        _views(world, kpi_targets={"otf": "40"})


def test_rows_show_what_each_kpi_counted(world: UowFactory) -> None:
    with world(write=False) as uow:
        otif = kpis.kpi_rows(uow, "otif", period_end=END, weeks=WEEKS, settings=Settings())
        stock = kpis.kpi_rows(uow, "inventory_health", period_end=END, weeks=WEEKS,
                              settings=Settings())  # fmt: skip
        none = kpis.kpi_rows(uow, "forecast_accuracy", period_end=END, weeks=WEEKS,
                             settings=Settings())  # fmt: skip
        with pytest.raises(NotFound, match="unknown KPI 'nope'"):
            kpis.kpi_rows(uow, "nope", period_end=END, settings=Settings())
    assert [(r["order"], r["on_time_in_full"]) for r in otif.rows] == [
        ("1001", True), ("1002", False), ("1003", False), ("1006", True)
    ]  # fmt: skip
    bag = next(r for r in stock.rows if r["sku"] == "BAG")
    assert (bag["on_hand"], bag["aged"], bag["volatile"], bag["overstock"]) == (
        D(94), D(74), True, True
    )  # fmt: skip
    # days of cover per row as the headline counts them: on hand over 13 weeks' outflow a day
    assert bag["days_of_cover"] == round(D(94) * 91 / bag["outflow_13w"], 1)
    assert none.rows == () and "run a plan" in none.note


def test_the_api_and_cli_answer_the_same(shared: tuple[Engine, str], world: UowFactory) -> None:
    engine, url = shared
    params = {"period_end": str(END), "weeks": WEEKS}
    api = create_app(Settings(database_url=url, outbox_worker=False))
    with TestClient(api) as client:
        viewer = bearer(engine, "viewer")
        listed = client.get("/kpis", params=params, headers=viewer)
        rows = client.get("/kpis/otif/rows", params=params, headers=viewer)
        missing = client.get("/kpis/nope/rows", params=params, headers=viewer)
        early = client.get("/kpis", params={"period_end": "1000-01-01"}, headers=viewer)
        supplier = client.get("/kpis", headers=bearer(engine, "supplier", supplier="MILL-PT"))
    assert listed.status_code == 200, listed.text
    assert listed.json() == plain(list(_views(world).values()))
    assert [r["order"] for r in rows.json()["rows"]] == ["1001", "1002", "1003", "1006"]
    assert missing.status_code == 404 and "unknown KPI 'nope'" in missing.json()["detail"]
    assert early.status_code == 422 and "period_end" in early.json()["detail"]
    assert supplier.status_code == 403
    runner = CliRunner()
    base = ["--db", url, "kpis", "--period-end", str(END), "--weeks", str(WEEKS)]
    as_json = runner.invoke(app, [*base, "--json"])
    table = runner.invoke(app, base, env={"COLUMNS": "120"})
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.stdout) == listed.json()
    assert "On time in full (OTIF)" in table.stdout and "50 %" in table.stdout
    assert "Forecast accuracy: no stored forecast" in table.stdout
    shown = runner.invoke(app, ["--db", url, "kpis", "rows", "otif", "--period-end", str(END),
                                "--weeks", str(WEEKS)], env={"COLUMNS": "120"})  # fmt: skip
    assert shown.exit_code == 0 and "1003" in shown.stdout


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_overview_page_shows_the_apis_figures(shared: tuple[Engine, str]) -> None:
    engine, url = shared
    params = {"period_end": str(END), "weeks": WEEKS}
    api = create_app(Settings(database_url=url, outbox_worker=False))
    with TestClient(api) as client:
        viewer = bearer(engine, "viewer")
        figures = client.get("/kpis", params=params, headers=viewer).json()
        html = client.get("/app/overview", params=params, headers=viewer)
        rows = client.get("/app/overview/otif", params=params, headers=viewer)
        empty = client.get("/app/overview/forecast_accuracy", params=params, headers=viewer)
        missing = client.get("/app/overview/nope", headers=viewer)
        bad = client.get("/app/overview", params={"period_end": "someday", "weeks": "0"},
                         headers=viewer)  # fmt: skip
        supplier = client.get("/app/overview",
                              headers=bearer(engine, "supplier", supplier="MILL-PT"))  # fmt: skip
    assert html.status_code == 200, html.text
    for figure in figures:  # every card carries the API's value
        card = re.search(rf'id="kpi-{figure["key"]}".*?data-value="([^"]*)"', html.text, re.S)
        assert card is not None, figure["key"]
        shown = None if card.group(1) == "" else D(card.group(1))
        assert shown == (None if figure["value"] is None else D(figure["value"])), figure["key"]
    text = _text(html.text)
    assert "50 % misses target" in text and "target: at least 95 %" in text
    assert "Supplier on-time rate 100 % meets target" in text
    assert "no stored forecast of a week that has happened" in text
    assert "50.00 EUR" in text  # gross margin per order, as money
    # each card links its rows by its label, the acronym kept
    assert "The rows behind on time in full (OTIF)" in text
    assert "The rows behind perfect order rate" in text
    assert rows.status_code == 200 and "1003" in _text(rows.text)
    assert "run a plan each week" in _text(empty.text)
    assert missing.status_code == 404 and "unknown KPI &#39;nope&#39;" in missing.text
    assert bad.status_code == 200 and "&#39;someday&#39; is not a day" in bad.text
    assert supplier.status_code == 403


def test_forecast_accuracy_measures_the_stored_forecasts_as_plan_accuracy_does(
    engine: Engine,
) -> None:
    # given 13 weeks of bag demand, a plan run on a Monday, then two weeks that happened
    monday = date(2026, 11, 16)
    make_uow = functools.partial(UnitOfWork, engine)
    with make_uow() as uow:
        for kind, rows in WORLD.items():
            import_rows(uow, kind, rows, source=f"kpis {kind}")
        history = [
            {"sku": "BAG", "location": "WH", "period_start": monday - timedelta(weeks=w),
             "quantity": 10 + w % 3}
            for w in range(1, 14)
        ]  # fmt: skip
        import_rows(uow, "demand", history)
        uow.commit()
    planning.run_plan(engine, now=datetime.combine(monday, time(8), tzinfo=UTC), horizon=4)
    with make_uow() as uow:
        import_rows(uow, "demand", [
            {"sku": "BAG", "location": "WH", "period_start": monday, "quantity": 14},
            {"sku": "BAG", "location": "WH", "period_start": monday + timedelta(weeks=1),
             "quantity": 7},
        ])  # fmt: skip
        uow.commit()
    # when the KPIs of those two weeks are measured, and plan accuracy the week after
    sunday = monday + timedelta(days=13)
    with make_uow(write=False) as uow:
        keys = ["forecast_accuracy", "forecast_bias"]
        found = kpis.kpis(uow, period_end=sunday, weeks=2, settings=Settings(), keys=keys)
        views = {view.key: view for view in found}
        report = planning.forecast_accuracy(uow, today=sunday + timedelta(days=1))
        rows = kpis.kpi_rows(uow, "forecast_accuracy", period_end=sunday, weeks=2,
                             settings=Settings())  # fmt: skip
    # then both say the same: accuracy = 1 - WAPE, the same bias
    assert report.overall.periods == 2 and report.overall.wape is not None
    accuracy = views["forecast_accuracy"]
    assert accuracy.value == (100 * (1 - report.overall.wape)).quantize(D("0.1"))
    assert views["forecast_bias"].value == (100 * report.overall.bias).quantize(D("0.1"))
    assert accuracy.count == 2 and accuracy.meets == (accuracy.value >= 70)
    [row] = rows.rows
    assert (row["sku"], row["actual"]) == ("BAG", D(21))
