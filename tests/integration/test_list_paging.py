"""Receipts and payments lists on both databases: ``limit``/``offset`` through the services, the
count beside them, ``flexchain receive list`` / ``pay list`` saying "showing N of M" (on stderr,
so ``--json`` stays one array), and ``X-Total-Count`` on ``GET /receipts`` and ``GET /payments``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from flexchain.adapters.db.uow import UnitOfWork
from flexchain.config import Settings
from flexchain.domain.errors import ValidationError
from flexchain.entrypoints.api import create_app
from flexchain.entrypoints.cli.main import app as cli
from flexchain.services import invoicing, payments, purchase_orders, receiving
from flexchain.services.imports import import_rows
from tests.auth import bearer

UowFactory = Callable[..., UnitOfWork]
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

WORLD: dict[str, list[dict[str, Any]]] = {
    "suppliers": [{"code": "SEW-PT", "name": "Costura", "tier": "A", "country": "PT"}],
    "items": [{"sku": "TEE", "name": "Tee", "kind": "raw"}],
    "locations": [{"code": "WH", "name": "Warehouse", "kind": "warehouse"}],
}


@pytest.fixture
def world(make_uow: UowFactory) -> UowFactory:
    """Three receipts of one order and two scheduled payments (two invoices)."""
    with make_uow() as uow:
        for kind, rows in WORLD.items():
            import_rows(uow, kind, rows, source=f"paging {kind}")
        po = purchase_orders.create_po(
            uow, supplier="SEW-PT", now=NOW,
            lines=[{"item": "TEE", "quantity": 30, "due_date": date(2026, 3, 20),
                    "unit_price": "4.00"}],
        )  # fmt: skip
        purchase_orders.issue_po(uow, po.number, now=NOW)
        for day in range(3):
            receiving.receive_po(uow, po.number, {1: 10}, now=NOW + timedelta(days=day))
        for number, quantity in (("F-1", 10), ("F-2", 20)):
            invoice = invoicing.register_invoice(
                uow, po_number=po.number, supplier_invoice_number=number,
                invoice_date=date(2026, 3, 5), lines=[(1, quantity, "4.00")], now=NOW,
                base_currency="EUR",
            )  # fmt: skip
            invoicing.approve_invoice(uow, invoice.number, now=NOW)
        payments.schedule_payments(uow, now=NOW)
        uow.commit()
    return make_uow


def test_the_lists_page_and_count(world: UowFactory) -> None:
    with world(write=False) as uow:
        every = [r.number for r in receiving.list_receipts(uow)]
        first = [r.number for r in receiving.list_receipts(uow, limit=2)]
        rest = [r.number for r in receiving.list_receipts(uow, limit=2, offset=2)]
        paid = [p.id for p in payments.list_payments(uow, limit=1, offset=1)]
        counts = (receiving.count_receipts(uow), payments.count_payments(uow))
        none = payments.count_payments(uow, status="paid")
        with pytest.raises(ValidationError, match="limit: must be at least 1"):
            receiving.list_receipts(uow, limit=0)
        with pytest.raises(ValidationError, match="offset: must be at least 0"):
            payments.list_payments(uow, offset=-1)
    assert every == ["RCV-000003", "RCV-000002", "RCV-000001"]  # newest first
    assert (first, rest) == (every[:2], every[2:])
    assert counts == (3, 2) and none == 0 and len(paid) == 1


def test_the_commands_say_what_they_leave_out(world: UowFactory, database_url: str) -> None:
    env = {"FLEXCHAIN_DATABASE_URL": database_url}
    runner = CliRunner()
    shown = runner.invoke(cli, ["receive", "list", "--limit", "2"], env=env)
    assert shown.exit_code == 0, shown.output
    assert "showing 2 of 3 receipts: --limit N and --offset N show the others" in shown.output
    assert "RCV-000001" not in shown.output
    listed = runner.invoke(cli, ["pay", "list", "--limit", "1", "--offset", "1", "--json"],
                           env=env)  # fmt: skip
    assert listed.exit_code == 0, listed.output
    assert "showing 2-2 of 2 payments" in listed.stderr
    assert len(json.loads(listed.stdout)) == 1  # stdout: the array alone
    whole = runner.invoke(cli, ["pay", "list"], env=env)
    assert whole.exit_code == 0 and "showing" not in whole.output
    assert "16.00" in whole.output or "40.00" in whole.output  # money with its cents


def test_the_routes_page_and_give_the_total(
    world: UowFactory, database_url: str, engine: Any
) -> None:
    app = create_app(Settings(database_url=database_url, outbox_worker=False))
    with TestClient(app, headers=bearer(engine, "finance")) as client:
        receipts = client.get("/receipts", params={"limit": 1, "offset": 1})
        paid = client.get("/payments", params={"limit": 5})
        refused = client.get("/payments", params={"limit": 0})
    assert receipts.status_code == 200, receipts.text
    assert [r["number"] for r in receipts.json()] == ["RCV-000002"]
    assert receipts.headers["X-Total-Count"] == "3"
    assert (len(paid.json()), paid.headers["X-Total-Count"]) == (2, "2")
    assert refused.status_code == 422
