"""Issues reported on an order, where the order is shown, on both databases: ``GET /orders/{ref}``
and ``flexchain orders show`` list them (the order's other fields unchanged), the customer's
tracking page says a problem was reported and is being handled (its kind and day, nothing staff
wrote), and ``flexchain orders issues`` at 80 columns prints every issue's number whole."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
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
from flexchain.entrypoints.api import create_app
from flexchain.entrypoints.cli.main import app as cli
from flexchain.entrypoints.cli.render import plain
from flexchain.services import intake, orders
from flexchain.services import order_issues as issues
from tests.auth import bearer
from tests.storefront_world import NOW, TEE, build_world, shopify_order, shopify_webhook

LATER = NOW + timedelta(days=3)
NOTE = "the customer says the monogram reads AB instead of BA; staff only: refund agreed"


@dataclass(frozen=True)
class World:
    url: str
    engine: Engine
    client: TestClient
    viewer: dict[str, str]
    shipped: str
    """The number of an order of two tees, shipped."""
    other: str
    """Another shipped order, without issues."""

    def uow(self, **options: Any) -> UnitOfWork:
        return UnitOfWork(self.engine, **options)


def _shipped_order(engine: Engine, order_id: int) -> str:
    headers, body = shopify_webhook(shopify_order(order_id, [{"sku": TEE, "quantity": 2}]))
    received = intake.receive_webhook(engine, "shopify", headers, body, now=NOW)
    intake.process(engine, received.inbox_id, now=NOW)
    with UnitOfWork(engine) as uow:
        number = uow.session.scalars(
            select(t.SalesOrderRow.number).where(t.SalesOrderRow.external_id == str(order_id))
        ).one()
        orders.set_status(uow, number, "ready", now=NOW)
        orders.ship(uow, number, carrier="DHL", tracking="0034", now=NOW)
        uow.commit()
    return number


@pytest.fixture(scope="module")
def world(module_database_url: str) -> Iterator[World]:
    engine = make_engine(module_database_url)
    try:
        build_world(lambda **kw: UnitOfWork(engine, **kw), tee_stock=20)
        shipped, other = _shipped_order(engine, 7101), _shipped_order(engine, 7102)
        app = create_app(Settings(database_url=module_database_url, outbox_worker=False))
        with TestClient(app) as client:
            yield World(module_database_url, engine, client, bearer(engine, "viewer"), shipped,
                        other)  # fmt: skip
    finally:
        engine.dispose()


@pytest.fixture
def clean(world: World) -> Iterator[World]:
    """The world without issues before and after the test."""

    def wipe() -> None:
        with world.uow() as uow:
            uow.session.execute(delete(OrderIssueRow))
            uow.commit()

    wipe()
    yield world
    wipe()


def _report(world: World, kind: str, *, days: int = 0, **fields: Any) -> issues.OrderIssueView:
    with world.uow(actor="user:care@brand.example") as uow:
        view = issues.report_issue(
            uow, world.shipped, kind=kind, now=LATER + timedelta(days=days), **fields
        )
        uow.commit()
    return view


def _token(world: World, number: str) -> str:
    with world.uow(write=False) as uow:
        token = orders.show_order(uow, number).tracking_token
    assert token
    return token


# -- GET /orders/{ref} ---------------------------------------------------------------------------


def test_the_order_answers_its_issues_oldest_first_and_its_fields_unchanged(
    clean: World,
) -> None:
    damaged = _report(clean, "damaged", line_sku=TEE, quantity=1, note="box crushed")
    missing = _report(clean, "incomplete", days=1, note="no strap")
    ref = clean.shipped.lstrip("#")

    answer = clean.client.get(f"/orders/{ref}", headers=clean.viewer)

    assert answer.status_code == 200, answer.text
    shown = answer.json()
    listed = clean.client.get(f"/orders/{ref}/issues", headers=clean.viewer).json()
    assert shown["issues"] == listed  # the same issues as the order's own list
    assert [(i["id"], i["kind"]) for i in shown["issues"]] == [
        (damaged.id, "damaged"), (missing.id, "incomplete"),
    ]  # fmt: skip
    with clean.uow(write=False) as uow:
        order = json.loads(json.dumps(plain(orders.show_order(uow, clean.shipped).as_dict())))
    assert list(shown) == [*order, "issues"]  # every field kept, in its place, issues last
    assert {k: v for k, v in shown.items() if k != "issues"} == order
    other = clean.client.get(f"/orders/{clean.other.lstrip('#')}", headers=clean.viewer)
    assert other.json()["issues"] == []


# -- the tracking page -------------------------------------------------------------------------


def test_the_tracking_page_says_a_problem_was_reported_by_kind_and_day_only(
    clean: World,
) -> None:
    _report(clean, "wrong_customisation", line_sku=TEE, quantity=1, note=NOTE)
    token = _token(clean, clean.shipped)

    page = clean.client.get(f"/track/{token}", params={"format": "html"})
    data = clean.client.get(f"/track/{token}")

    assert page.status_code == 200 and data.status_code == 200
    section = re.search(r'<section id="problems"[^>]*>(.*?)</section>', page.text, re.S)
    assert section is not None
    text = " ".join(re.sub(r"<[^>]+>", " ", section.group(1)).split())
    assert text == (
        "A problem was reported The personalisation is not what was ordered: reported "
        f"{LATER:%a %d %b %Y} We are handling it and will be in touch."
    )
    for private in ("monogram", "refund", "care@brand.example", "user:"):
        assert private not in page.text and private not in data.text
    assert data.json()["issues"] == [
        {"kind": "wrong_customisation", "reported_on": str(LATER.date())}
    ]


def test_a_tracking_page_without_issues_says_nothing_of_problems(clean: World) -> None:
    view = _report(clean, "damaged")
    with clean.uow(actor="user:care@brand.example") as uow:
        issues.withdraw_issue(uow, view.id, reason="reported in error", now=LATER)
        uow.commit()

    for number in (clean.shipped, clean.other):  # withdrawn, and never any
        token = _token(clean, number)
        page = clean.client.get(f"/track/{token}", params={"format": "html"})
        data = clean.client.get(f"/track/{token}")
        assert '<section id="problems"' not in page.text
        assert "problem was reported" not in page.text
        assert data.json()["issues"] == []


# -- the terminal --------------------------------------------------------------------------------


def _cli(world: World, *args: str, columns: int = 80) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--db", world.url, *args], env={"COLUMNS": str(columns)})
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout


def test_orders_show_lists_the_orders_issues(clean: World) -> None:
    view = _report(clean, "damaged", line_sku=TEE, quantity=1, note="box crushed")

    code, out = _cli(clean, "orders", "show", clean.shipped, columns=120)
    code_json, as_json = _cli(clean, "orders", "show", clean.shipped, "--json")

    assert code == 0 and code_json == 0, out
    listed = out.split("Issues reported")[1]
    row = next(line for line in listed.splitlines() if "damaged" in line)
    assert [c.strip() for c in row.split("│")[1:-1]] == [
        str(view.id), "damaged", TEE, "1", str(LATER.date()), "user:care@brand.example",
        "box crushed",
    ]  # fmt: skip
    assert [(i["id"], i["note"]) for i in json.loads(as_json)["issues"]] == [
        (view.id, "box crushed")
    ]
    _, other = _cli(clean, "orders", "show", clean.other)
    assert "Issues reported" not in other


def test_orders_issues_at_80_columns_prints_each_issue_number_and_quantity_whole(
    clean: World,
) -> None:
    first = _report(clean, "wrong_customisation", line_sku=TEE, quantity=2, note=NOTE)
    second = _report(clean, "damaged", days=1, note="box crushed")

    code, out = _cli(clean, "orders", "issues", columns=80)

    assert code == 0, out
    lines = out.splitlines()
    assert all(len(line) <= 80 for line in lines)
    rows = {line.split("│")[1].strip(): line for line in lines if line.startswith("│")}
    for view, quantity in ((first, "2"), (second, "")):
        cells = [c.strip() for c in rows[str(view.id)].split("│")[1:-1]]
        assert (cells[0], cells[4], cells[5]) == (
            str(view.id),
            quantity,
            str(view.reported_at.date()),
        )
    # the long note wraps onto the lines below its row; nothing of it is lost
    notes = "".join(line.split("│")[-2].strip() for line in lines if line.startswith("│"))
    assert "".join(NOTE.split()) in "".join(notes.split())
