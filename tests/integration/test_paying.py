"""Paying through the services, on both databases: receipts move stock and keep planning's open
quantity right, inspection sends rejects to quarantine, the three-way match (price over
tolerance, short receipt, duplicate invoice), retention (5 % of 10,000.00), the quarterly fund
settlement, exchange rates, early payment, capacity fees, supplier scoping and the audit trail.
The purchase order is inserted by plain SQLAlchemy (the buying module creates them)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from flexchain.adapters.db.tables import (
    ContractRow,
    ItemRow,
    PurchaseOrderLineRow,
    PurchaseOrderRow,
    SupplierRow,
)
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.errors import IllegalTransition, NotFound, ValidationError
from flexchain.domain.receiving import Tolerance
from flexchain.services import audit, inventory, receiving
from tests.storefront_world import TEE, build_world

UowFactory = Callable[..., UnitOfWork]
NOW = datetime(2026, 2, 2, 9, tzinfo=UTC)
AFTER_Q1 = datetime(2026, 4, 2, 9, tzinfo=UTC)
PO = "PO-000001"


def add_po(
    make_uow: UowFactory,
    number: str = PO,
    *,
    supplier: str = "SEW-PT",
    status: str = "confirmed",
    currency: str = "EUR",
    lines: tuple[tuple[str, int, str], ...] = ((TEE, 1000, "10.00"), ("M-STRAP", 100, "5.00")),
    retention: str | None = "5",
) -> None:
    """A confirmed PO under a contract with a 5 % quality retention (and a capacity fee)."""
    with make_uow() as uow:
        session = uow.session
        supplier_id = session.scalar(select(SupplierRow.id).where(SupplierRow.code == supplier))
        contract = ContractRow(
            code=f"C-{number}",
            supplier_id=supplier_id,
            valid_from=date(2026, 1, 1),
            valid_to=date(2026, 12, 31),
            currency=currency,
            retention_pct=retention,
            retention_settlement="quarterly",
            capacity_reserved_pct=15,
            capacity_monthly_fee=Decimal("250.00"),
        )
        session.add(contract)
        session.flush()
        session.add(
            PurchaseOrderRow(
                po_number=number,
                supplier_id=supplier_id,
                status=status,
                currency=currency,
                contract_id=contract.id,
                payment_terms_days=30,
            )
        )
        for line_no, (sku, quantity, price) in enumerate(lines, start=1):
            item = session.scalar(select(ItemRow.id).where(ItemRow.sku == sku))
            session.add(
                PurchaseOrderLineRow(
                    po_number=number,
                    line_no=line_no,
                    supplier_id=supplier_id,
                    item_id=item,
                    quantity=quantity,
                    unit_price=Decimal(price),
                    currency=currency,
                    due_date=date(2026, 2, 1),
                )
            )
        uow.commit()


@pytest.fixture
def world(engine: Engine, make_uow: UowFactory) -> UowFactory:
    build_world(make_uow)
    add_po(make_uow)
    return make_uow


def run(make_uow: UowFactory, action: Callable[..., object], *args: object, **kw: object) -> object:
    with make_uow(actor="tester") as uow:
        result = action(uow, *args, **kw)
        uow.commit()
    return result


def on_hand(make_uow: UowFactory, sku: str, location: str) -> Decimal:
    with make_uow(write=False) as uow:
        rows = inventory.balances(uow, now=NOW, item=sku, location=location, include_empty=True)
    return sum((row.on_hand for row in rows), Decimal(0))


def on_order(make_uow: UowFactory, sku: str) -> Decimal:
    with make_uow(write=False) as uow:
        rows = inventory.balances(uow, now=NOW, item=sku)
    return sum((row.on_order for row in rows), Decimal(0))


def po_status(make_uow: UowFactory, number: str = PO) -> str:
    with make_uow(write=False) as uow:
        return str(
            uow.session.scalar(
                select(PurchaseOrderRow.status).where(PurchaseOrderRow.po_number == number)
            )
        )


def test_partial_receipts_move_stock_and_keep_the_open_quantity_right(world: UowFactory) -> None:
    # given 1000 tees on order
    assert on_order(world, TEE) == 1000
    before = on_hand(world, TEE, "WH")
    # when 600 arrive, then 390 (within the 5 % under-delivery tolerance of 1000)
    first = run(world, receiving.receive_po, PO, {1: "600"}, now=NOW)
    assert isinstance(first, receiving.ReceiptView)
    assert (first.number, first.location, first.lines[0].quantity) == ("RCV-000001", "WH", 600)
    assert on_hand(world, TEE, "WH") == before + 600
    assert on_order(world, TEE) == 400
    run(world, receiving.receive_po, PO, {1: "390"}, now=NOW)
    # then the line is complete and closed: nothing more on order, 990 more in stock
    assert on_order(world, TEE) == 0
    assert on_hand(world, TEE, "WH") == before + 990
    assert po_status(world) == "confirmed"  # line 2 is still open
    # and receiving line 2 in full closes the purchase order
    run(world, receiving.receive_po, PO, {2: 100}, now=NOW)
    assert po_status(world) == "closed"
    with world(write=False) as uow:
        entries = audit.list_entries(uow, entity="purchase_order")
    assert [e.action for e in entries][:2] == ["closed", "received"]
    assert entries[1].after == {"received@2": "100", "status@2": "closed"}


def test_over_delivery_beyond_the_tolerance_is_refused_and_writes_nothing(
    world: UowFactory,
) -> None:
    with pytest.raises(ValidationError, match=r"above the 5 % over-delivery tolerance"):
        run(world, receiving.receive_po, PO, {2: "106"}, now=NOW)
    assert on_order(world, "M-STRAP") == 100
    # within the tolerance it is received; the line records what it ordered
    receipt = run(
        world,
        receiving.receive_po,
        PO,
        {2: "105"},
        now=NOW,
        tolerance=Tolerance(Decimal(5), Decimal(5)),
    )
    assert isinstance(receipt, receiving.ReceiptView) and receipt.lines[0].quantity == 105
    assert on_order(world, "M-STRAP") == 0
    with pytest.raises(ValidationError, match=r"PO-000001/2 is closed"):
        run(world, receiving.receive_po, PO, {2: "1"}, now=NOW)
    with pytest.raises(NotFound, match="no purchase order PO-9"):
        run(world, receiving.receive_po, "PO-9", {1: "1"}, now=NOW)


def test_a_short_close_ends_the_line_and_a_draft_po_receives_nothing(
    world: UowFactory,
) -> None:
    run(world, receiving.receive_po, PO, {1: "500"}, now=NOW, close_short=True)
    assert on_order(world, TEE) == 0
    add_po(world, "PO-000002", status="draft")
    with pytest.raises(IllegalTransition, match="PO-000002 is draft"):
        run(world, receiving.receive_po, "PO-000002", {1: "1"}, now=NOW)


def test_inspection_sends_rejects_to_quarantine(world: UowFactory) -> None:
    receipt = run(world, receiving.receive_po, PO, {1: "1000"}, now=NOW)
    assert isinstance(receipt, receiving.ReceiptView)
    in_stock = on_hand(world, TEE, "WH")
    # rejects need a reason; more than arrived is refused
    with pytest.raises(ValidationError, match="say why 2 are rejected"):
        run(world, receiving.inspect_receipt, receipt.number, 1, accepted=38, rejected=2, now=NOW)
    with pytest.raises(ValidationError, match="only 1000 of the 1000 received"):
        run(
            world,
            receiving.inspect_receipt,
            receipt.number,
            1,
            accepted=1000,
            rejected=1,
            reason="x",
            now=NOW,
        )
    done = run(
        world,
        receiving.inspect_receipt,
        str(receipt.id),
        1,
        accepted=970,
        rejected=30,
        reason="stain",
        now=NOW,
    )
    assert isinstance(done, receiving.ReceiptView)
    line = done.lines[0]
    assert (line.accepted, line.rejected, line.uninspected, line.reasons) == (
        970,
        30,
        0,
        ("stain",),
    )
    assert on_hand(world, TEE, "WH") == in_stock - 30
    with world(write=False) as uow:
        (entry,) = audit.list_entries(uow, entity="receipt")
    assert entry.context["rejected"] == "30" and entry.context["reason"] == "stain"
