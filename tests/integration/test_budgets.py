"""Purchasing budgets through the services, the CLI and the routes, on both databases: set,
replace and remove (audited); what a month's budget counts against it, with a purchase order
and an invoice in USD converted at the rates of their dates (figures checked by hand in the
comments); a foreign document without a rate is an fx error naming it; issuing an order that
puts its month over a budget warns, naming the budget and by how much, and still issues."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from flexchain.adapters.db.uow import UnitOfWork
from flexchain.config import Settings
from flexchain.domain.errors import NotFound, ValidationError
from flexchain.entrypoints.api import create_app
from flexchain.entrypoints.cli.main import app as cli
from flexchain.services import (
    audit,
    budgets,
    dispatch,
    fx,
    invoicing,
    purchase_orders,
    receiving,
)
from flexchain.services.imports import import_rows
from tests.auth import bearer

UowFactory = Callable[..., UnitOfWork]
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
SETTINGS = Settings(default_currency="EUR")

WORLD: dict[str, list[dict[str, Any]]] = {
    "suppliers": [
        {"code": "SEW-PT", "name": "Costura", "tier": "A", "country": "PT"},
        {"code": "ZIP-CN", "name": "Zips Ltd", "tier": "B", "country": "CN", "currency": "USD"},
    ],
    "items": [
        {"sku": "TEE", "name": "Tee", "kind": "raw"},
        {"sku": "ZIP", "name": "Zip 30 cm", "kind": "raw"},
    ],
    "locations": [{"code": "WH", "name": "Warehouse", "kind": "warehouse"}],
}


def at(day: int, month: int = 3) -> datetime:
    return datetime(2026, month, day, 9, tzinfo=UTC)


def _do(make_uow: UowFactory, action: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    with make_uow(actor="tester") as uow:
        result = action(uow, *args, now=kw.pop("now", NOW), **kw)
        uow.commit()
    return result


def _po(make_uow: UowFactory, supplier: str, item: str, qty: int, price: str, on: datetime) -> str:
    line = {"item": item, "quantity": qty, "due_date": date(2026, 5, 1), "unit_price": price}
    return str(_do(make_uow, purchase_orders.create_po, supplier=supplier, lines=[line],
                   now=on).number)  # fmt: skip


def _send(make_uow: UowFactory, number: str, on: datetime) -> dispatch.Dispatch:
    sent: dispatch.Dispatch = _do(make_uow, dispatch.send_po, number, SETTINGS, mail=False, now=on)
    return sent


@pytest.fixture
def world(make_uow: UowFactory) -> UowFactory:
    """USD is worth 0.90 EUR from 1 March, 0.95 from 20 March."""
    with make_uow() as uow:
        for kind, rows in WORLD.items():
            import_rows(uow, kind, rows, source=f"budgets {kind}")
        fx.set_rate(uow, "USD", date(2026, 3, 1), "0.90", base="EUR", now=NOW)
        fx.set_rate(uow, "USD", date(2026, 3, 20), "0.95", base="EUR", now=NOW)
        uow.commit()
    return make_uow


def _report(make_uow: UowFactory, **kw: Any) -> list[tuple[Any, ...]]:
    with make_uow(write=False) as uow:
        lines = budgets.budget_report(uow, base="EUR", **kw)
    return [(b.month, b.supplier, b.budget, b.committed, b.invoiced, b.remaining, b.share_used)
            for b in lines]  # fmt: skip


def test_a_budget_is_set_replaced_and_removed_with_its_audit(world: UowFactory) -> None:
    # when March gets 1000, then 1200 brand-wide, and ZIP-CN 300
    made = _do(world, budgets.set_budget, "2026-03", "1000", base="EUR")
    assert (made.month, made.scope, made.budget, made.currency, made.previous) == (
        "2026-03", "brand-wide", Decimal(1000), "EUR", None)  # fmt: skip
    again = _do(world, budgets.set_budget, " 2026-03 ", "1200.50", base="eur")
    assert (again.budget, again.previous) == (Decimal("1200.50"), Decimal(1000))
    _do(world, budgets.set_budget, "2026-03", 300, supplier="ZIP-CN", base="EUR")
    # then one budget per month and scope, the replaced one gone
    assert [(m, s, b) for m, s, b, *_ in _report(world)] == [
        ("2026-03", None, Decimal("1200.50")),
        ("2026-03", "ZIP-CN", Decimal(300)),
    ]
    # when the brand-wide one is removed: the supplier's stays
    removed = _do(world, budgets.remove_budget, "2026-03")
    assert (removed.month, removed.scope, removed.amount) == ("2026-03", "", Decimal("1200.50"))
    assert [(m, s) for m, s, *_ in _report(world)] == [("2026-03", "ZIP-CN")]
    # then the audit trail has who, when, and the old and new amounts
    with world(write=False) as uow:
        trail = list(reversed(audit.list_entries(uow, entity="purchase_budget")))
    assert [(e.action, e.key, e.actor, e.before, e.after) for e in trail] == [
        ("created", "2026-03", "tester", {}, {"amount": "1000", "currency": "EUR"}),
        ("updated", "2026-03", "tester", {"amount": "1000"}, {"amount": "1200.5"}),
        ("created", "2026-03/ZIP-CN", "tester", {}, {"amount": "300", "currency": "EUR"}),
        ("deleted", "2026-03", "tester", {"amount": "1200.5", "currency": "EUR"}, {}),
    ]
    assert {e.at for e in trail} == {NOW}
    # and bad input is refused naming the field; a budget that is not there is not found
    with pytest.raises(ValidationError, match="month: expected a month like 2026-01"):
        _do(world, budgets.set_budget, "2026-13", "10", base="EUR")
    with pytest.raises(ValidationError, match="amount"):
        _do(world, budgets.set_budget, "2026-04", "-10", base="EUR")
    with pytest.raises(NotFound, match="supplier NOPE not found"):
        _do(world, budgets.set_budget, "2026-04", "10", supplier="NOPE", base="EUR")
    with pytest.raises(NotFound, match="no brand-wide budget for 2026-03"):
        _do(world, budgets.remove_budget, "2026-03")


def test_the_report_converts_the_order_and_the_invoice_at_the_rates_of_their_dates(
    world: UowFactory,
) -> None:
    # given budgets for March: 1000 EUR brand-wide, 300 with ZIP-CN, 200 with SEW-PT
    for supplier, amount in ((None, "1000"), ("ZIP-CN", "300"), ("SEW-PT", "200")):
        _do(world, budgets.set_budget, "2026-03", amount, supplier=supplier, base="EUR")
    # and 1000 zips at 0.40 USD from ZIP-CN issued on 2 March: 400 USD x 0.90 = 360.00 EUR
    zips = _po(world, "ZIP-CN", "ZIP", 1000, "0.40", at(2))
    _send(world, zips, at(2))
    # its invoice of 25 March approved: 400 USD x 0.95 (the rate of 20 March) = 380.00 EUR
    _do(world, receiving.receive_po, zips, {1: 1000}, now=at(10))
    bill = _do(world, invoicing.register_invoice, po_number=zips, supplier_invoice_number="Z-1",
               invoice_date=date(2026, 3, 25), lines=[(1, 1000, "0.40")], base_currency="EUR",
               now=at(25))  # fmt: skip
    _do(world, invoicing.approve_invoice, bill.number, now=at(26))
    # an order issued then cancelled, a draft never issued, and one issued in April: not March
    cancelled = _po(world, "SEW-PT", "TEE", 100, "5.00", at(5))
    _send(world, cancelled, at(5))
    _do(world, purchase_orders.cancel_po, cancelled, now=at(6))
    _po(world, "SEW-PT", "TEE", 10, "3.00", at(7))
    _send(world, _po(world, "ZIP-CN", "ZIP", 100, "0.50", at(1, 4)), at(1, 4))
    # then March: 360.00 committed, 380.00 invoiced; ZIP-CN over by 60.00 (120 % used)
    assert _report(world, first="2026-03", last="2026-03") == [
        ("2026-03", None, Decimal(1000), Decimal("360.00"), Decimal("380.00"),
         Decimal("640.00"), Decimal("36.0")),
        ("2026-03", "SEW-PT", Decimal(200), Decimal(0), Decimal(0), Decimal(200),
         Decimal("0.0")),
        ("2026-03", "ZIP-CN", Decimal(300), Decimal("360.00"), Decimal("380.00"),
         Decimal("-60.00"), Decimal("120.0")),
    ]  # fmt: skip
    # and a range without budgets is empty; a bad bound names itself
    assert _report(world, first="2026-04") == []
    with pytest.raises(ValidationError, match="from: expected a month"):
        _report(world, first="March")


def test_a_foreign_order_without_a_rate_is_an_fx_error_not_a_zero(world: UowFactory) -> None:
    # given a February budget and a USD order issued on 15 February (the first rate: 1 March)
    _do(world, budgets.set_budget, "2026-02", "500", base="EUR")
    number = _po(world, "ZIP-CN", "ZIP", 100, "0.40", at(15, 2))
    sent = _send(world, number, at(15, 2))
    # then the issue is not refused: it says the budget could not be checked and why
    assert sent.budget_warnings == (
        "the brand-wide budget of 2026-02 was not checked: PO-000001: no exchange rate of USD "
        "in EUR on or before 2026-02-15: import rates (flexchain fx import) or set one "
        "(flexchain fx set)",
    )
    with world(write=False) as uow:
        assert purchase_orders.show_po(uow, number).status == "sent"
    # and the report refuses, naming the order and the rate it needs
    with pytest.raises(NotFound, match="PO-000001: no exchange rate of USD in EUR on or before "
                       "2026-02-15"):  # fmt: skip
        _report(world)
    # and the budget can still be set (its figures are the list's to give)
    assert _do(world, budgets.set_budget, "2026-02", "600", base="EUR").previous == Decimal(500)


def test_issuing_an_order_over_budget_warns_and_still_issues(world: UowFactory) -> None:
    # given April budgets: 100 EUR brand-wide, 40 EUR with ZIP-CN
    _do(world, budgets.set_budget, "2026-04", "100", base="EUR")
    _do(world, budgets.set_budget, "2026-04", "40", supplier="ZIP-CN", base="EUR")
    # when 100 zips at 0.50 USD are issued: 50 USD x 0.95 = 47.50 EUR
    zips = _send(world, _po(world, "ZIP-CN", "ZIP", 100, "0.50", at(2, 4)), at(2, 4))
    # then ZIP-CN's budget is over by 7.50; the brand-wide one is not
    assert zips.budget_warnings == (
        "PO-000001 puts the supplier ZIP-CN budget of 2026-04 over: committed 47.50 EUR of "
        "40.00 EUR, over by 7.50 EUR",
    )
    # when 12 tees at 5.00 EUR are issued (SEW-PT has no budget of its own): 107.50 EUR in all
    tees = _send(world, _po(world, "SEW-PT", "TEE", 12, "5.00", at(3, 4)), at(3, 4))
    assert tees.budget_warnings == (
        "PO-000002 puts the brand-wide budget of 2026-04 over: committed 107.50 EUR of "
        "100.00 EUR, over by 7.50 EUR",
    )
    assert tees.as_dict()["budget_warnings"] == list(tees.budget_warnings)
    # and both orders are issued all the same; an order in a month without budget says nothing
    with world(write=False) as uow:
        assert [purchase_orders.show_po(uow, n).status for n in ("PO-000001", "PO-000002")] == [
            "sent", "sent"]  # fmt: skip
    assert (
        _send(world, _po(world, "SEW-PT", "TEE", 1, "5.00", at(4, 5)), at(4, 5)).budget_warnings
        == ()
    )


def test_the_budget_commands(world: UowFactory, database_url: str) -> None:
    env = {"FLEXCHAIN_DATABASE_URL": database_url, "COLUMNS": "160"}
    runner = CliRunner()
    done = runner.invoke(cli, ["budget", "set", "2026-03", "1000"], env=env)
    assert done.exit_code == 0, done.output
    assert "brand-wide budget of 2026-03: 1000.00 EUR\n" in done.output
    done = runner.invoke(cli, ["budget", "set", "2026-03", "1000", "--json"], env=env)
    assert json.loads(done.output) == {
        "month": "2026-03", "supplier": None, "scope": "brand-wide", "currency": "EUR",
        "budget": "1000", "previous": "1000"}  # fmt: skip
    done = runner.invoke(cli, ["budget", "set", "2026-04", "250", "--supplier", "ZIP-CN"], env=env)
    assert done.exit_code == 0, done.output
    _send(world, _po(world, "SEW-PT", "TEE", 20, "5.00", at(2)), at(2))
    # then the list: JSON with exact strings, and a table
    listed = runner.invoke(cli, ["budget", "list", "--from", "2026-03", "--json"], env=env)
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.output) == [
        {"month": "2026-03", "supplier": None, "scope": "brand-wide", "currency": "EUR",
         "budget": "1000", "committed": "100", "invoiced": "0", "remaining": "900",
         "share_used": "10"},
        {"month": "2026-04", "supplier": "ZIP-CN", "scope": "supplier ZIP-CN", "currency": "EUR",
         "budget": "250", "committed": "0", "invoiced": "0", "remaining": "250",
         "share_used": "0"},
    ]  # fmt: skip
    only = runner.invoke(cli, ["budget", "list", "--to", "2026-03", "--json"], env=env)
    assert [b["month"] for b in json.loads(only.output)] == ["2026-03"]
    shown = runner.invoke(cli, ["budget", "list"], env=env)
    assert shown.exit_code == 0, shown.output
    assert "brand-wide" in shown.output and "900.00" in shown.output and "10.0" in shown.output
    # and remove, then a second remove is an error naming the budget
    gone = runner.invoke(cli, ["budget", "remove", "2026-04", "--supplier", "ZIP-CN"], env=env)
    assert "supplier ZIP-CN budget of 2026-04 removed (was 250.00 EUR)" in gone.output
    again = runner.invoke(cli, ["budget", "remove", "2026-04", "--supplier", "ZIP-CN"], env=env)
    assert again.exit_code == 1
    assert "no supplier ZIP-CN budget for 2026-04" in again.output
    bad = runner.invoke(cli, ["budget", "set", "2026-3", "10"], env=env)
    assert bad.exit_code == 1 and "expected a month like 2026-01" in bad.output


@pytest.fixture
def api(world: UowFactory, engine: Any, database_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=database_url, outbox_worker=False))
    with TestClient(app, headers=bearer(engine, "buyer")) as client:
        yield client


def test_the_budget_routes(api: TestClient, engine: Any) -> None:
    finance = bearer(engine, "finance")
    viewer = bearer(engine, "viewer")
    supplier = bearer(engine, "supplier", supplier="ZIP-CN")
    # a buyer and finance set; a viewer and a supplier may not
    put = api.put("/budgets/2026-03", json={"amount": "1000"})
    assert put.status_code == 200, put.text
    assert put.json() == {"month": "2026-03", "supplier": None, "scope": "brand-wide",
                          "currency": "EUR", "budget": "1000", "previous": None}  # fmt: skip
    put = api.put("/budgets/2026-03", json={"amount": "80.5", "supplier": "ZIP-CN"},
                  headers=finance)  # fmt: skip
    assert put.status_code == 200, put.text
    assert api.put("/budgets/2026-03", json={"amount": "1"}, headers=viewer).status_code == 403
    assert api.put("/budgets/2026-03", json={"amount": "1"}, headers=supplier).status_code == 403
    # staff read, a supplier does not
    listed = api.get("/budgets", params={"from": "2026-03", "to": "2026-03"}, headers=viewer)
    assert listed.status_code == 200, listed.text
    assert [(b["supplier"], b["budget"], b["remaining"]) for b in listed.json()] == [
        (None, "1000", "1000"),
        ("ZIP-CN", "80.5", "80.5"),
    ]
    assert api.get("/budgets", params={"from": "2026-04"}).json() == []
    assert api.get("/budgets", headers=supplier).status_code == 403
    # bad input: 422; unknown supplier or budget: 404
    for month, body in (("2026-13", {"amount": "1"}), ("March", {"amount": "1"}),
                        ("2026-03", {"amount": "-1"}), ("2026-03", {"amount": "ten"}),
                        ("2026-03", {})):  # fmt: skip
        refused = api.put(f"/budgets/{month}", json=body)
        assert refused.status_code == 422, (month, body, refused.text)
    assert api.get("/budgets", params={"from": "2026-3x"}).status_code == 422
    unknown = api.put("/budgets/2026-03", json={"amount": "1", "supplier": "NOPE"})
    assert unknown.status_code == 404 and "supplier NOPE not found" in unknown.json()["detail"]
    # remove: 200, then 404; a viewer may not
    assert api.delete("/budgets/2026-03", headers=viewer).status_code == 403
    gone = api.delete("/budgets/2026-03", params={"supplier": "ZIP-CN"})
    assert gone.status_code == 200 and gone.json()["amount"] == "80.5"
    assert api.delete("/budgets/2026-03", params={"supplier": "ZIP-CN"}).status_code == 404
    # and the routes are in the OpenAPI description
    spec = api.get("/openapi.json").json()
    assert {"get"} <= set(spec["paths"]["/budgets"])
    assert {"put", "delete"} <= set(spec["paths"]["/budgets/{month}"])
