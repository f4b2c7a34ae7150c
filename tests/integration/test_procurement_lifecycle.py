"""The whole purchase lifecycle through the services, on both databases: a planned purchase ->
``flexchain source`` -> draft PO -> sent -> confirmed (a week past the due date) -> shipment
notice -> received -> inspected (rejects to quarantine) -> invoiced and matched -> approved ->
payment scheduled by the terms with the quality fund's 5 % retained -> paid -> the quarter's
fund settled. (Partial confirmations: ``test_buying.py``; RFQ, quotes and award: the same.)"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from flexchain.adapters.db.tables import ItemRow, PlanOrderRow, PlanRunRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.config import Settings
from flexchain.services import (
    dispatch,
    inventory,
    invoicing,
    payments,
    purchase_orders,
    receiving,
    sourcing,
)
from flexchain.services.imports import import_rows

UowFactory = Callable[..., UnitOfWork]
NOW = datetime(2026, 10, 5, 9, tzinfo=UTC)  # a Monday in the fourth quarter
DUE = date(2026, 11, 2)

WORLD: dict[str, list[dict[str, Any]]] = {
    "suppliers": [
        {
            "code": "MILL-PT",
            "name": "Tecidos",
            "tier": "S",
            "country": "PT",
            "email": "orders@tecidos.example",
            "payment_terms_days": 30,
            "capabilities": [{"process": "weaving", "capacity_per_day": 400}],
        },
    ],
    "items": [{"sku": "CANVAS", "name": "Canvas", "kind": "raw", "uom": "m"}],
    "locations": [{"code": "WH", "name": "Warehouse", "kind": "warehouse"}],
    "item-suppliers": [
        {
            "item_sku": "CANVAS",
            "supplier_code": "MILL-PT",
            "min_quantity": 100,
            "unit_price": "10.00",
            "lead_time_days": 14,
            "moq": 100,
        },
    ],
    "contracts": [
        {
            "code": "C-PT",
            "supplier_code": "MILL-PT",
            "valid_from": date(2026, 1, 1),
            "valid_to": date(2027, 12, 31),
            "retention_pct": 5,
        },
    ],
    "contract-prices": [
        {"contract_code": "C-PT", "item_sku": "CANVAS", "min_quantity": 0, "unit_price": "10.00"},
    ],
}


def _do(make_uow: UowFactory, action: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    with make_uow(actor="buyer@brand.example") as uow:
        result = action(uow, *args, **kw)
        uow.commit()
    return result


@pytest.fixture
def planned(make_uow: UowFactory) -> UowFactory:
    with make_uow() as uow:
        for kind, rows in WORLD.items():
            import_rows(uow, kind, rows, source=f"lifecycle {kind}")
        item = uow.session.scalars(select(ItemRow.id).where(ItemRow.sku == "CANVAS")).one()
        run = PlanRunRow(status="complete", period_start=NOW.date(), horizon=12, started_at=NOW)
        uow.session.add(run)
        uow.session.flush()
        uow.session.add(PlanOrderRow(
            run_id=run.id, number=1, item_id=item, kind="purchase", release_date=NOW.date(),
            due_date=DUE, quantity=Decimal(1000), pegs=[["SO-1001", "1000"]]))  # fmt: skip
        uow.commit()
    return make_uow


def test_from_a_planned_purchase_to_a_settled_quality_fund(planned: UowFactory) -> None:
    # sourcing proposes the planned purchase and writes it as a draft PO under the contract
    with planned(write=False) as uow:
        proposal = sourcing.propose(uow, now=NOW, base="EUR", time_limit=0.5)
    [line] = proposal.lines
    assert (line.supplier, line.quantity, line.due_date, line.planned) == (
        "MILL-PT",
        1000,
        DUE,
        (1,),
    )
    [number] = _do(planned, sourcing.create_drafts, proposal, now=NOW)
    # issued (mail off: recorded, not e-mailed), then confirmed: 1000 m, a week later
    sent = _do(planned, dispatch.send_po, number, Settings(database_url="sqlite://"), now=NOW)
    assert sent.not_mailed
    later = DUE + timedelta(days=7)
    _do(planned, purchase_orders.confirm_po, number, lines={1: (1000, later)}, now=NOW)
    _do(planned, purchase_orders.post_shipment_notice, number, lines={1: 1000},
        shipped_on=DUE, expected_on=later, now=NOW + timedelta(days=28))  # fmt: skip
    # received: 1000 m in; 40 m rejected at inspection go to quarantine
    arrived = datetime.combine(later, datetime.min.time(), UTC) + timedelta(hours=10)
    receipt = _do(planned, receiving.receive_po, number, {1: 1000}, now=arrived)
    _do(planned, receiving.inspect_receipt, receipt.number, 1, accepted=960, rejected=40,
        reason="stains", now=arrived + timedelta(hours=2))  # fmt: skip
    with planned(write=False) as uow:
        stock = {
            row.location: row.on_hand for row in inventory.balances(uow, now=NOW, item="CANVAS")
        }
        quarantined = inventory.moves_total(uow, "CANVAS", receiving.QUARANTINE)
        po = purchase_orders.show_po(uow, number)
    assert (stock, quarantined) == ({"WH": Decimal(960)}, Decimal(40))
    assert po.status == "closed"
    # billed for all 1000 m: held (only 960 accepted); the corrected invoice matches
    first = _do(planned, invoicing.register_invoice, po_number=number,
                supplier_invoice_number="FT 2026/311", invoice_date=later,
                lines=[(1, 1000, "10.00")], now=arrived + timedelta(days=1),
                base_currency="EUR")  # fmt: skip
    assert first.status == "held" and "short receipt" in first.hold_reasons[0]
    _do(planned, invoicing.reject_invoice, first.number, reason="credit note asked for 40 m",
        now=arrived + timedelta(days=1))  # fmt: skip
    invoice = _do(planned, invoicing.register_invoice, po_number=number,
                  supplier_invoice_number="FT 2026/312", invoice_date=later,
                  lines=[(1, 960, "10.00")], now=arrived + timedelta(days=2),
                  base_currency="EUR")  # fmt: skip
    assert invoice.status == "matched", invoice.hold_reasons
    _do(planned, invoicing.approve_invoice, invoice.number, now=arrived + timedelta(days=2))
    [payment] = _do(planned, payments.schedule_payments, invoice=invoice.number,
                    now=arrived + timedelta(days=2))  # fmt: skip
    # the contract's quality fund retains 5 %: 480.00 of 9,600.00, 9,120.00 payable
    assert (payment.gross, payment.retained, payment.amount) == (
        Decimal("9600.00"), Decimal("480.00"), Decimal("9120.00"))  # fmt: skip
    assert payment.due_date == later + timedelta(days=30)
    paid = _do(planned, payments.run_payments, through=payment.due_date,
               now=arrived + timedelta(days=31))  # fmt: skip
    assert [p.status for p in paid] == ["paid"]
    # the quarter ends; its first-pass yield (96 %) is below the 98 % target: the rejects'
    # cost (40 x 10.00) is kept from the fund, the rest released as a payment
    [settled] = _do(planned, payments.settle_quality_fund, "2026Q4", target_yield="0.98",
                    now=datetime(2027, 1, 4, 9, tzinfo=UTC))  # fmt: skip
    assert settled.retained == Decimal("480.00")
    assert settled.first_pass_yield == Decimal("0.96")
    assert (settled.released, settled.forfeited) == (Decimal("80.00"), Decimal("400.00"))
