"""The perfect order rate on both databases: OTIF's orders (promised in the window, up to its
last day) that shipped whole by their promise and have no issue reported on them."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from flexchain.adapters.db.tables import SalesOrderRow
from flexchain.adapters.db.tables.loop import OrderIssueRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.config import Settings
from flexchain.entrypoints.api import create_app
from flexchain.services import kpis
from tests.auth import bearer
from tests.integration.test_kpis import END, WEEKS, build

D = Decimal


def _report(engine: Engine, number: str, kind: str, day: int) -> None:
    with UnitOfWork(engine) as uow:
        order = uow.session.scalars(
            select(SalesOrderRow.id).where(SalesOrderRow.number == number)
        ).one()
        uow.session.add(
            OrderIssueRow(order_id=order, kind=kind, note=f"{kind} on {number}",
                          reported_at=datetime(2026, 11, day, tzinfo=UTC),
                          reported_by="care@brand.example")
        )  # fmt: skip
        uow.commit()


def test_an_order_with_an_issue_is_not_perfect(engine: Engine) -> None:
    # given the recorded November: 1001 and 1006 on time in full, 1002 late, 1003 not shipped
    build(engine)
    make_uow = functools.partial(UnitOfWork, engine)
    with make_uow(write=False) as uow:
        before = kpis.kpis(uow, period_end=END, weeks=WEEKS, settings=Settings(),
                           keys=["perfect_order_rate"])  # fmt: skip
    # when 1006 is reported damaged and with the wrong monogram, and the late 1002 incomplete
    _report(engine, "1006", "damaged", 20)
    _report(engine, "1006", "wrong_customisation", 21)
    _report(engine, "1002", "incomplete", 22)
    with make_uow(write=False) as uow:
        views = {
            v.key: v
            for v in kpis.kpis(
                uow,
                period_end=END,
                weeks=WEEKS,
                settings=Settings(),
                keys=["perfect_order_rate", "otif"],
            )
        }
        rows = kpis.kpi_rows(uow, "perfect_order_rate", period_end=END, weeks=WEEKS,
                             settings=Settings())  # fmt: skip
    # then only 1001 of the four orders due is perfect; OTIF does not move
    assert before[0].value == D("50.0")
    perfect = views["perfect_order_rate"]
    assert (perfect.value, perfect.count, perfect.meets) == (D("25.0"), 4, False)
    assert views["otif"].value == D("50.0")
    week = {p.period: p.value for p in perfect.trend}
    assert week["2026-11-15"] == D("33.3")  # 1001 of 1001, 1002, 1006
    assert [(r["order"], r["issues"], r["on_time_in_full"], r["perfect"]) for r in rows.rows] == [
        ("1001", "", True, True),
        ("1002", "incomplete", False, False),
        ("1003", "", False, False),
        ("1006", "damaged, wrong_customisation", True, False),
    ]
    assert "no issue reported" in perfect.formula


def test_the_rows_page_lists_each_orders_issues(engine: Engine, database_url: str) -> None:
    build(engine)
    _report(engine, "1006", "damaged", 20)
    api = create_app(Settings(database_url=database_url, outbox_worker=False))
    params = {"period_end": str(END), "weeks": WEEKS}
    with TestClient(api) as client:
        viewer = bearer(engine, "viewer")
        page = client.get("/app/overview/perfect_order_rate", params=params, headers=viewer)
        listed = client.get("/kpis/perfect_order_rate/rows", params=params, headers=viewer)
    assert page.status_code == 200, page.text
    assert "damaged" in page.text and "1006" in page.text
    assert [r["issues"] for r in listed.json()["rows"]] == ["", "", "", "damaged"]


def test_rows_can_be_limited_and_say_how_many_there_are(engine: Engine) -> None:
    build(engine)
    with UnitOfWork(engine, write=False) as uow:
        first = kpis.kpi_rows(uow, "otif", period_end=END, weeks=WEEKS, settings=Settings(),
                              limit=2)  # fmt: skip
        stock = kpis.kpi_rows(uow, "inventory_health", period_end=END, weeks=WEEKS,
                              settings=Settings())  # fmt: skip
    assert [r["order"] for r in first.rows] == ["1001", "1002"] and first.total == 4
    # largest stock value first; gift wrap has no standard cost: last
    assert [r["sku"] for r in stock.rows] == ["BAG", "GIFT"] and stock.total == 2
