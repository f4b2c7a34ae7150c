"""Issues reported on shipped orders, through the service and the API, on both databases."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, select
from typer.testing import CliRunner

from flexchain.adapters.db import tables as t
from flexchain.adapters.db.engine import make_engine
from flexchain.adapters.db.tables.loop import OrderIssueRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.config import Settings
from flexchain.domain.errors import DomainError, NotFound, ValidationError
from flexchain.entrypoints.api import create_app
from flexchain.entrypoints.cli.main import app as cli
from flexchain.services import audit, intake, orders
from flexchain.services import order_issues as issues
from tests.auth import bearer
from tests.storefront_world import BAG, NOW, TEE, build_world, shopify_order, shopify_webhook

LATER = NOW + timedelta(days=3)


@dataclass(frozen=True)
class World:
    url: str
    engine: Engine
    client: TestClient
    orders: dict[str, str]
    """name -> order number: open (reserved), shipped (2 tees and a bag), cancelled."""

    def uow(self, **options: Any) -> UnitOfWork:
        return UnitOfWork(self.engine, **options)


def _order(engine: Engine, order_id: int, lines: list[dict[str, Any]]) -> str:
    headers, body = shopify_webhook(shopify_order(order_id, lines))
    received = intake.receive_webhook(engine, "shopify", headers, body, now=NOW)
    intake.process(engine, received.inbox_id, now=NOW)
    with UnitOfWork(engine, write=False) as uow:
        return uow.session.scalars(
            select(t.SalesOrderRow.number).where(t.SalesOrderRow.external_id == str(order_id))
        ).one()


def _build(engine: Engine) -> dict[str, str]:
    make_uow: Callable[..., UnitOfWork] = lambda **kw: UnitOfWork(engine, **kw)  # noqa: E731
    build_world(make_uow, tee_stock=20)
    made = {
        "open": _order(engine, 6001, [{"sku": TEE, "quantity": 1}]),
        "shipped": _order(engine, 6002, [{"sku": TEE, "quantity": 2}]),
        "cancelled": _order(engine, 6003, [{"sku": TEE, "quantity": 1}]),
    }
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
        made = _build(engine)
        app = create_app(Settings(database_url=module_database_url, outbox_worker=False))
        with TestClient(app) as client:
            yield World(module_database_url, engine, client, made)
    finally:
        engine.dispose()


@pytest.fixture
def clean(world: World) -> Iterator[World]:
    """The world without issues before and after the test (they are module-wide otherwise)."""

    def wipe() -> None:
        with world.uow() as uow:
            uow.session.execute(delete(OrderIssueRow))
            uow.commit()

    wipe()
    yield world
    wipe()


def _report(world: World, ref: str, **fields: Any) -> issues.OrderIssueView:
    with world.uow(actor="user:care@brand.example") as uow:
        view = issues.report_issue(uow, ref, now=fields.pop("now", LATER), **fields)
        uow.commit()
    return view


# -- the service -------------------------------------------------------------------------------


def test_an_issue_on_a_shipped_order_is_recorded_and_audited(clean: World) -> None:
    # given a shipped order of two tees
    number = clean.orders["shipped"]
    # when customer service reports one damaged
    view = _report(clean, number, kind="damaged", line_sku=TEE, quantity="1", note="torn seam")
    # then it is stored with who and when, and the audit trail says so
    assert (view.order, view.kind, view.sku, view.quantity, view.note) == (
        number, issues.IssueKind.DAMAGED, TEE, Decimal(1), "torn seam",
    )  # fmt: skip
    assert (view.reported_at, view.reported_by) == (LATER, "user:care@brand.example")
    with clean.uow(write=False) as uow:
        assert issues.issues_of(uow, number.lstrip("#")) == (view,)
        entry = audit.list_entries(uow, entity=issues.ENTITY)[0]
    assert (entry.action, entry.key, entry.actor) == ("reported", str(view.id), view.reported_by)
    assert entry.after == {"kind": "damaged", "sku": TEE, "quantity": "1", "note": "torn seam"}
    assert entry.context == {"order": number}


@pytest.mark.parametrize(
    ("name", "fields", "error", "message"),
    [
        ("open", {"kind": "damaged"}, DomainError, "has not shipped: nothing can have arrived"),
        ("cancelled", {"kind": "damaged"}, DomainError, "was cancelled"),
        ("shipped", {"kind": "damaged", "line_sku": BAG}, ValidationError, "is not on order"),
        ("shipped", {"kind": "damaged", "line_sku": TEE, "quantity": 3}, ValidationError,
         "between 1 and 2"),
        ("shipped", {"kind": "damaged", "quantity": 0}, ValidationError, "between 1 and 2"),
        ("shipped", {"kind": "lost"}, ValidationError, "kind: must be one of"),
        ("shipped", {"kind": "other"}, ValidationError, "note: required"),
    ],
    ids=["open", "cancelled", "wrong-sku", "above-line", "zero", "bad-kind", "other-no-note"],
)  # fmt: skip
def test_a_report_breaking_a_rule_is_refused_and_writes_nothing(
    clean: World, name: str, fields: dict[str, Any], error: type[Exception], message: str
) -> None:
    with clean.uow(write=False) as uow:
        audited = audit.list_entries(uow, entity=issues.ENTITY, limit=1)
    with pytest.raises(error, match=message):
        _report(clean, clean.orders[name], **fields)
    with clean.uow(write=False) as uow:
        assert issues.list_issues(uow).total == 0
        assert audit.list_entries(uow, entity=issues.ENTITY, limit=1) == audited


def test_an_unknown_order_answers_not_found(clean: World) -> None:
    with pytest.raises(NotFound, match="no order '99999'"):
        _report(clean, "99999", kind="damaged")


def test_units_reported_on_a_line_add_up_to_at_most_the_line(clean: World) -> None:
    number = clean.orders["shipped"]
    _report(clean, number, kind="damaged", line_sku=TEE, quantity=2)
    with pytest.raises(ValidationError, match=r"2 of line .*'s 2 units are already reported"):
        _report(clean, number, kind="damaged", line_sku=TEE, quantity=1)
    _report(clean, number, kind="wrong_customisation", line_sku=TEE, quantity=1)


def test_issues_are_listed_newest_first_filtered_and_paged(clean: World) -> None:
    number = clean.orders["shipped"]
    first = _report(clean, number, kind="damaged", now=LATER)
    second = _report(clean, number, kind="incomplete", now=LATER + timedelta(days=1))
    third = _report(clean, number, kind="damaged", now=LATER + timedelta(days=2))
    with clean.uow(write=False) as uow:
        everything = issues.list_issues(uow)
        damaged = issues.list_issues(uow, kind="DAMAGED")
        one_day = issues.list_issues(uow, since=second.reported_at.date(),
                                     until=second.reported_at.date())  # fmt: skip
        paged = issues.list_issues(uow, offset=1, limit=1)
        with pytest.raises(ValidationError, match="since: must be before until"):
            issues.list_issues(uow, since=LATER.date(), until=NOW.date())
    assert [i.id for i in everything.issues] == [third.id, second.id, first.id]
    assert [i.id for i in damaged.issues] == [third.id, first.id]
    assert [i.id for i in one_day.issues] == [second.id]
    assert (paged.total, [i.id for i in paged.issues]) == (3, [second.id])


def test_an_issue_reported_in_error_is_withdrawn_and_audited(clean: World) -> None:
    view = _report(clean, clean.orders["shipped"], kind="damaged")
    with clean.uow(actor="user:lead@brand.example") as uow:
        issues.withdraw_issue(uow, view.id, reason="wrong order", now=LATER)
        uow.commit()
    with clean.uow(write=False) as uow:
        assert issues.list_issues(uow).total == 0
        entry = audit.list_entries(uow, entity=issues.ENTITY)[0]
        with pytest.raises(NotFound, match=f"no order issue {view.id}"):
            issues.withdraw_issue(uow, view.id, reason="again", now=LATER)
    assert (entry.action, entry.actor, entry.context["reason"]) == (
        "withdrawn", "user:lead@brand.example", "wrong order",
    )  # fmt: skip
    assert entry.before["kind"] == "damaged"


# -- the API -----------------------------------------------------------------------------------


def _headers(world: World, role: str) -> dict[str, str]:
    return bearer(world.engine, role, supplier="DYE-PT" if role == "supplier" else None)


@pytest.mark.parametrize(
    ("role", "status"),
    [("admin", 201), ("planner", 201), ("buyer", 201), ("quality", 201), ("finance", 403),
     ("viewer", 403), ("supplier", 403)],
)  # fmt: skip
def test_staff_who_talk_to_customers_report_and_others_get_403(
    clean: World, role: str, status: int
) -> None:
    ref = clean.orders["shipped"].lstrip("#")
    body = {"kind": "damaged", "sku": TEE, "quantity": "1", "note": "box crushed"}
    answer = clean.client.post(f"/orders/{ref}/issues", json=body, headers=_headers(clean, role))
    assert answer.status_code == status, answer.text
    if status == 201:
        shown = answer.json()
        assert (shown["kind"], shown["sku"], shown["quantity"]) == ("damaged", TEE, "1")
        assert shown["reported_by"].startswith("token:")


def test_the_api_lists_an_orders_issues_and_all_of_them_with_a_total(clean: World) -> None:
    ref = clean.orders["shipped"].lstrip("#")
    _report(clean, ref, kind="damaged", now=LATER)
    _report(clean, ref, kind="incomplete", note="no strap", now=LATER + timedelta(days=1))
    viewer = _headers(clean, "viewer")
    of_order = clean.client.get(f"/orders/{ref}/issues", headers=viewer)
    assert [i["kind"] for i in of_order.json()] == ["damaged", "incomplete"]
    page = clean.client.get(
        "/order-issues", params={"kind": "incomplete", "limit": 1}, headers=viewer
    )
    assert page.status_code == 200, page.text
    assert page.headers["X-Total-Count"] == "1"
    assert [i["note"] for i in page.json()] == ["no strap"]
    since = str((LATER + timedelta(days=1)).date())
    later = clean.client.get("/order-issues", params={"since": since}, headers=viewer)
    assert (later.headers["X-Total-Count"], len(later.json())) == ("1", 1)
    supplier = clean.client.get("/order-issues", headers=_headers(clean, "supplier"))
    assert supplier.status_code == 403


@pytest.mark.parametrize(
    ("ref", "body", "status", "detail"),
    [
        ("open", {"kind": "damaged"}, 422, "has not shipped"),
        ("shipped", {"kind": "lost"}, 422, "kind: must be one of"),
        ("shipped", {"kind": "damaged", "quantity": "9"}, 422, "between 1 and 2"),
        ("shipped", {"kind": "damaged", "sku": "MUG"}, 422, "'MUG' is not on order"),
        ("nobody", {"kind": "damaged"}, 404, "no order"),
    ],
    ids=["open", "kind", "quantity", "sku", "unknown"],
)
def test_the_api_refuses_a_bad_report_naming_the_rule(
    clean: World, ref: str, body: dict[str, Any], status: int, detail: str
) -> None:
    number = clean.orders.get(ref, ref).lstrip("#")
    answer = clean.client.post(
        f"/orders/{number}/issues", json=body, headers=_headers(clean, "admin")
    )
    assert answer.status_code == status
    assert detail in answer.json()["detail"]


def test_the_api_withdraws_an_issue(clean: World) -> None:
    view = _report(clean, clean.orders["shipped"], kind="damaged")
    admin = _headers(clean, "admin")
    path = f"/order-issues/{view.id}/withdraw"
    refused = clean.client.post(path, json={"reason": "typo"}, headers=_headers(clean, "viewer"))
    answer = clean.client.post(path, json={"reason": "typo"}, headers=admin)
    again = clean.client.post(path, json={"reason": "typo"}, headers=admin)
    assert (refused.status_code, answer.status_code, again.status_code) == (403, 200, 404)
    assert answer.json()["id"] == view.id


# -- the terminal ------------------------------------------------------------------------------


def _cli(world: World, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--db", world.url, *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_the_terminal_reports_and_lists_issues(clean: World) -> None:
    number = clean.orders["shipped"]
    code, out, _ = _cli(clean, "orders", "issue", number, "--kind", "wrong_customisation",
                        "--sku", TEE, "--quantity", "1", "--note", "colour", "--json")  # fmt: skip
    assert code == 0, out
    reported = json.loads(out)
    assert (reported["kind"], reported["quantity"], reported["reported_by"][:4]) == (
        "wrong_customisation", "1", "cli:",
    )  # fmt: skip
    code, out, _ = _cli(clean, "orders", "issues", number, "--json")
    assert [i["id"] for i in json.loads(out)] == [reported["id"]]
    code, out, _ = _cli(clean, "orders", "issues", "--kind", "damaged", "--json")
    assert json.loads(out) == []
    today = reported["reported_at"][:10]
    code, out, _ = _cli(clean, "orders", "issues", "--since", today, "--until", today, "--json")
    assert [i["id"] for i in json.loads(out)] == [reported["id"]]
    code, out, _ = _cli(clean, "orders", "issues", "--until", "2026-01-01", "--json")
    assert json.loads(out) == []
    wide = CliRunner().invoke(cli, ["--db", clean.url, "orders", "issues"], env={"COLUMNS": "120"})
    assert "wrong_customisation" in wide.stdout and number in wide.stdout  # at 80: wrapped
    code, _, err = _cli(clean, "orders", "issue", clean.orders["open"], "--kind", "damaged")
    assert code == 1 and "has not shipped" in err
    code, out, _ = _cli(clean, "orders", "withdraw-issue", str(reported["id"]), "--reason", "x")
    assert code == 0 and "withdrawn" in out


def test_two_reports_at_once_cannot_overfill_a_line(clean: World) -> None:
    # given one report of both units written but not yet committed
    number = clean.orders["shipped"]
    outcome: list[object] = []

    def second() -> None:
        try:
            outcome.append(_report(clean, number, kind="damaged", line_sku=TEE, quantity=2))
        except ValidationError as error:
            outcome.append(error)

    with clean.uow(actor="user:first@brand.example") as uow:
        issues.report_issue(uow, number, kind="damaged", line_sku=TEE, quantity=2, now=LATER)
        # when a second report of the same units starts meanwhile
        racer = threading.Thread(target=second)
        racer.start()
        racer.join(timeout=0.5)
        assert racer.is_alive()  # it waits for the first (the order's lock, or SQLite's)
        uow.commit()
    racer.join(timeout=30)
    # then it is checked after the first and refused
    assert len(outcome) == 1 and isinstance(outcome[0], ValidationError), outcome
    with clean.uow(write=False) as uow:
        assert issues.list_issues(uow).total == 1
