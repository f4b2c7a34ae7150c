"""Paying through the services, on both databases: receipts move stock and keep planning's open
quantity right, inspection sends rejects to quarantine, the three-way match (price over
tolerance, short receipt, duplicate invoice), retention (5 % of 10,000.00), the quarterly fund
settlement, exchange rates, early payment, capacity fees, supplier scoping and the audit trail.
The purchase order is inserted by plain SQLAlchemy (the buying module creates them)."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

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
from flexchain.domain.invoices import MatchTolerance
from flexchain.domain.receiving import Tolerance
from flexchain.services import audit, fx, inventory, invoicing, payments, receiving
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


def po_lines(make_uow: UowFactory, number: str = PO) -> list[tuple[int, Decimal, str]]:
    """(line, received, status) of the PO's lines: planning nets quantity - received of the
    open ones (adapters/db/plans.py)."""
    line = PurchaseOrderLineRow
    with make_uow(write=False) as uow:
        rows = uow.session.execute(
            select(line.line_no, line.received_quantity, line.status)
            .where(line.po_number == number)
            .order_by(line.line_no)
        )
        return [(n, r, s) for n, r, s in rows]


def test_partial_receipts_move_stock_and_keep_the_open_quantity_right(world: UowFactory) -> None:
    # given 1000 tees on order
    assert on_order(world, TEE) == 1000
    before = on_hand(world, TEE, "WH")
    # when 600 arrive, then 390 (within the 5 % under-delivery tolerance of 1000)
    first = run(world, receiving.receive_po, PO, {1: "600"}, now=NOW)
    assert isinstance(first, receiving.ReceiptView)
    assert (first.number, first.location, first.lines[0].quantity) == ("RCV-000001", "WH", 600)
    assert (first.value, first.currency, first.lines[0].unit_price) == (6000, "EUR", 10)
    assert on_hand(world, TEE, "WH") == before + 600
    assert on_order(world, TEE) == 400
    assert po_lines(world) == [(1, 600, "open"), (2, 0, "open")]  # what planning nets
    run(world, receiving.receive_po, PO, {1: "390"}, now=NOW)
    # then the line is complete and closed: nothing more on order, 990 more in stock
    assert on_order(world, TEE) == 0
    assert on_hand(world, TEE, "WH") == before + 990
    assert po_status(world) == "confirmed"  # line 2 is still open
    assert po_lines(world) == [(1, 990, "closed"), (2, 0, "open")]
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
    with pytest.raises(ValidationError, match="line 1: named twice"):
        run(world, receiving.receive_po, PO, [(1, "1"), (1, "2")], now=NOW)
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


def invoice(
    make_uow: UowFactory,
    theirs: str,
    lines: list[tuple[int, object, object]],
    *,
    on: date = date(2026, 2, 3),
    **options: object,
) -> invoicing.InvoiceView:
    result = run(
        make_uow,
        invoicing.register_invoice,
        po_number=PO,
        supplier_invoice_number=theirs,
        invoice_date=on,
        lines=lines,
        now=NOW,
        base_currency="EUR",
        **options,
    )
    assert isinstance(result, invoicing.InvoiceView)
    return result


def test_an_invoice_matching_po_and_receipt_is_matched(world: UowFactory) -> None:
    run(world, receiving.receive_po, PO, {1: "1000"}, now=NOW)
    # a price within the 2 % tolerance matches
    matched = invoice(world, "F-2026/001", [(1, 1000, "10.20")])
    assert (matched.number, matched.status, matched.total) == ("INV-000001", "matched", 10200)
    assert matched.hold_reasons == () and matched.base_total == Decimal("10200.00")


@pytest.mark.parametrize(
    ("lines", "reason"),
    [
        (
            [(1, 1000, "10.21")],
            "line 1: price 10.21 is 2.1 % above the PO price 10.00 (tolerance 2 %)",
        ),
        (
            [(2, 10, "5.00")],
            "line 2: short receipt: 10 billed but 0 received and accepted (tolerance 0 %)",
        ),
        ([(3, 1, "1")], "line 3: purchase order PO-000001 has no line 3"),
    ],
    ids=["price-over-tolerance", "short-receipt", "unknown-line"],
)
def test_a_mismatch_holds_the_invoice_with_its_reason(
    world: UowFactory, lines: list[tuple[int, object, object]], reason: str
) -> None:
    run(world, receiving.receive_po, PO, {1: "1000"}, now=NOW)
    held = invoice(world, "F-1", lines)
    assert held.status == "held"
    assert held.hold_reasons == (reason,)
    # a held invoice cannot be approved; released with a reason it is matched, then approved
    with pytest.raises(IllegalTransition, match="INV-000001 is held: it cannot become approved"):
        run(world, invoicing.approve_invoice, held.number, now=NOW)
    with pytest.raises(ValidationError, match="reason: required"):
        run(world, invoicing.release_hold, held.number, reason=" ", now=NOW)
    released = run(world, invoicing.release_hold, held.number, reason="agreed by phone", now=NOW)
    assert isinstance(released, invoicing.InvoiceView) and released.status == "matched"
    approved = run(world, invoicing.approve_invoice, held.number, now=NOW)
    assert isinstance(approved, invoicing.InvoiceView) and approved.status == "approved"
    with world(write=False) as uow:
        trail = audit.list_entries(uow, entity="invoice")
    assert [e.action for e in trail] == ["approved", "matched", "registered"]
    assert trail[1].context["reason"] == "agreed by phone"


def test_rejected_units_count_short_and_billing_twice_is_short_too(world: UowFactory) -> None:
    receipt = run(world, receiving.receive_po, PO, {1: "1000"}, now=NOW)
    assert isinstance(receipt, receiving.ReceiptView)
    run(
        world,
        receiving.inspect_receipt,
        receipt.number,
        1,
        accepted=990,
        rejected=10,
        reason="holes",
        now=NOW,
    )
    assert invoice(world, "F-1", [(1, 1000, "10")]).status == "held"
    assert invoice(world, "F-2", [(1, 600, "10")]).status == "matched"
    second = invoice(world, "F-3", [(1, 400, "10")])
    assert second.hold_reasons == (
        "line 1: short receipt: 1000 billed (600 billed before) but 990 received and accepted "
        "(tolerance 0 %)",
    )
    # a quantity tolerance lets it through
    assert (
        invoice(
            world, "F-4", [(1, 395, "10")], tolerance=MatchTolerance(Decimal(2), Decimal(1))
        ).status
        == "matched"
    )


def test_duplicate_invoices_are_held(world: UowFactory) -> None:
    run(world, receiving.receive_po, PO, {1: "1000", 2: "100"}, now=NOW)
    first = invoice(world, "F-7", [(1, 100, "10")])
    assert first.status == "matched"
    again = invoice(world, "F-7", [(2, 10, "5")])
    assert again.hold_reasons == (
        "duplicate: supplier invoice F-7 is already registered as INV-000001",
    )
    same_amount = invoice(world, "F-8", [(1, 100, "10")], on=date(2026, 2, 20))
    assert same_amount.hold_reasons == (
        "possible duplicate: INV-000001 bills the same 1000.00 on PO-000001 within 30 days",
    )
    # a month and more later the same amount is a new delivery's bill
    assert invoice(world, "F-9", [(2, 20, "5")], on=date(2026, 3, 20)).status == "matched"
    rejected = run(world, invoicing.reject_invoice, again.number, reason="duplicate", now=NOW)
    assert isinstance(rejected, invoicing.InvoiceView) and rejected.status == "rejected"


def _approved(world: UowFactory, total_units: int = 1000) -> invoicing.InvoiceView:
    run(world, receiving.receive_po, PO, {1: str(total_units)}, now=NOW)
    billed = invoice(world, "F-100", [(1, total_units, "10.00")])
    approved = run(world, invoicing.approve_invoice, billed.number, now=NOW)
    assert isinstance(approved, invoicing.InvoiceView)
    return approved


def test_payment_withholds_the_quality_fund_share(world: UowFactory) -> None:
    # given an approved invoice of 10,000.00 under a contract retaining 5 %
    approved = _approved(world)
    assert approved.total == Decimal("10000.00")
    # when payments are scheduled
    (payment,) = run(world, payments.schedule_payments, now=NOW)  # type: ignore[misc]
    # then 500.00 is retained, 9,500.00 payable, due by the 30 days' terms
    assert (payment.gross, payment.retained, payment.amount) == (10000, 500, 9500)
    assert payment.due_date == date(2026, 3, 5) and payment.status == "scheduled"
    with world(write=False) as uow:
        (fund,) = payments.quality_fund(uow)
        assert invoicing.show_invoice(uow, approved.number).status == "scheduled"
    assert (fund.quarter, fund.retained, fund.balance) == ("2026-Q1", 500, 500)
    # and a payment run through the due date pays it and the invoice
    assert run(world, payments.run_payments, through=date(2026, 3, 4), now=NOW) == []
    (paid,) = run(world, payments.run_payments, through=date(2026, 3, 5), now=NOW)  # type: ignore[misc]
    assert paid.status == "paid" and paid.paid_at == NOW
    with world(write=False) as uow:
        assert invoicing.show_invoice(uow, approved.number).status == "paid"
    with pytest.raises(IllegalTransition, match=f"payment {paid.id} is paid"):
        run(world, payments.run_payments, through=date(2026, 3, 5), now=NOW, payment=paid.id)


def _settle(world: UowFactory, rejected: int) -> payments.FundSettlementView:
    receipt = run(world, receiving.receive_po, PO, {1: "1000"}, now=NOW)
    assert isinstance(receipt, receiving.ReceiptView)
    run(
        world,
        receiving.inspect_receipt,
        receipt.number,
        1,
        accepted=1000 - rejected,
        rejected=rejected,
        reason="stain" if rejected else "",
        now=NOW,
    )
    billed = invoice(world, "F-1", [(1, 1000 - rejected, "10.00")])
    run(world, invoicing.approve_invoice, billed.number, now=NOW)
    run(world, payments.schedule_payments, now=NOW)
    with pytest.raises(ValidationError, match="2026-Q1 ends 2026-03-31: settle it after"):
        run(world, payments.settle_quality_fund, "2026-Q1", target_yield="0.98", now=NOW)
    (settled,) = run(
        world, payments.settle_quality_fund, "2026Q1", target_yield="0.98", now=AFTER_Q1
    )  # type: ignore[misc]
    # settling again does nothing
    assert (
        run(world, payments.settle_quality_fund, "2026-Q1", target_yield="0.98", now=AFTER_Q1) == []
    )
    return settled


def test_the_fund_is_released_in_full_at_or_above_the_target_yield(world: UowFactory) -> None:
    settled = _settle(world, rejected=20)  # 98 % first-pass yield, the target
    assert (settled.retained, settled.first_pass_yield) == (Decimal("490.00"), Decimal("0.98"))
    assert (settled.released, settled.forfeited) == (Decimal("490.00"), 0)
    with world(write=False) as uow:
        (fund,) = payments.quality_fund(uow, quarter="2026-Q1")
        release = [p for p in payments.list_payments(uow) if p.kind == "fund_release"]
    assert fund.balance == 0 and fund.released == Decimal("490.00")
    assert [(p.amount, p.due_date, p.id) for p in release] == [
        (Decimal("490.00"), AFTER_Q1.date(), settled.payment)
    ]


def test_below_the_target_the_release_is_reduced_by_the_cost_of_rejects(
    world: UowFactory,
) -> None:
    settled = _settle(world, rejected=30)  # 97 %: 30 rejects at 10.00 cost 300.00
    assert settled.retained == Decimal("485.00") and settled.rejects_cost == 300
    assert (settled.released, settled.forfeited) == (Decimal("185.00"), Decimal("300.00"))
    with world(write=False) as uow:
        (entry,) = audit.list_entries(uow, entity="quality_fund")
    assert entry.context["released"] == "185" and entry.context["forfeited"] == "300"


def test_early_payment_discount_and_request(world: UowFactory) -> None:
    approved = _approved(world)
    with world(write=False) as uow:
        offer = payments.early_payment_offer(
            uow, approved.number, pay_on=date(2026, 2, 13), annual_rate="0.10", now=NOW
        )
    # 9,500.00 payable on 2026-03-05, paid 20 days early at 10 % a year: 52.05 off
    assert (offer.payable, offer.due_date, offer.days_early) == (9500, date(2026, 3, 5), 20)
    assert (offer.discount, offer.net) == (Decimal("52.05"), Decimal("9447.95"))
    with pytest.raises(ValidationError, match="not before the due date"):
        run(
            world,
            payments.request_early_payment,
            approved.number,
            pay_on=date(2026, 3, 5),
            annual_rate="0.10",
            now=NOW,
        )
    payment = run(
        world,
        payments.request_early_payment,
        approved.number,
        pay_on=date(2026, 2, 13),
        annual_rate="0.10",
        now=NOW,
    )
    assert isinstance(payment, payments.PaymentView)
    assert (payment.due_date, payment.discount, payment.amount, payment.retained) == (
        date(2026, 2, 13),
        Decimal("52.05"),
        Decimal("9447.95"),
        500,
    )
    assert payment.early_requested_at == NOW


def test_exchange_rates_convert_and_value_foreign_invoices(world: UowFactory) -> None:
    result = run(
        world,
        fx.import_rates,
        "date,currency,rate\n2026-01-02,USD,0.9\n2026-02-01,USD,0.92\n",
        base="EUR",
        source="ecb.csv",
        now=NOW,
    )
    assert isinstance(result, fx.RateImport) and (result.created, result.replaced) == (2, 0)
    with pytest.raises(ValidationError, match=r"row 2: rate: '1,2' is not a number"):
        run(
            world,
            fx.import_rates,
            'date,currency,rate\n2026-01-02,GBP,"1,2"\n',
            base="EUR",
            source="x",
            now=NOW,
        )
    run(world, fx.set_rate, "USD", date(2026, 2, 1), "0.93", base="EUR", now=NOW)
    with world(write=False) as uow:
        assert fx.convert(uow, 100, "USD", "EUR", date(2026, 1, 31), base="EUR").amount == 90
        assert fx.convert(uow, 100, "USD", "EUR", date(2026, 3, 1), base="EUR").amount == 93
        with pytest.raises(
            NotFound, match="no exchange rate of USD in EUR on or before 2026-01-01"
        ):
            fx.convert(uow, 100, "USD", "EUR", date(2026, 1, 1), base="EUR")
        assert [r.rate for r in fx.list_rates(uow, base="EUR")] == [Decimal("0.9"), Decimal("0.93")]
        (entry, *_) = audit.list_entries(uow, entity="exchange_rate")
    assert (entry.action, entry.before, entry.after) == (
        "updated",
        {"rate": "0.92"},
        {"rate": "0.93"},
    )
    # a supplier invoicing in USD: its PO is in USD, the invoice's total is valued in EUR
    add_po(world, "PO-000002", supplier="ENGR-ES", currency="USD", lines=((TEE, 10, "20"),))
    received = run(
        world, receiving.receive_po, "PO-000002", {1: "10"}, now=NOW, base_currency="EUR"
    )
    assert isinstance(received, receiving.ReceiptView)
    # the goods' landed cost in the brand's currency, at the rate of the day received
    assert (received.value, received.currency, received.base_value) == (
        200,
        "USD",
        Decimal("186.00"),
    )
    billed = run(
        world,
        invoicing.register_invoice,
        po_number="PO-000002",
        supplier_invoice_number="US-1",
        invoice_date=date(2026, 2, 3),
        lines=[(1, 10, "20")],
        now=NOW,
        base_currency="EUR",
    )
    assert isinstance(billed, invoicing.InvoiceView)
    assert (billed.currency, billed.total, billed.base_total) == ("USD", 200, Decimal("186.00"))


def test_capacity_fees_accrue_once_per_contract_and_month(world: UowFactory) -> None:
    (fee,) = run(world, payments.accrue_capacity_fees, "2026-02", now=NOW)  # type: ignore[misc]
    assert (fee.contract, fee.month, fee.amount, fee.new) == ("C-PO-000001", "2026-02", 250, True)
    (again,) = run(world, payments.accrue_capacity_fees, "2026-02", now=NOW)  # type: ignore[misc]
    assert again.new is False
    assert run(world, payments.accrue_capacity_fees, "2027-01", now=NOW) == []
    with world(write=False) as uow:
        assert len(payments.list_fee_accruals(uow)) == 1
        assert len(audit.list_entries(uow, entity="capacity_fee")) == 1
    with pytest.raises(ValidationError, match="expected a month like 2026-01"):
        run(world, payments.accrue_capacity_fees, "2026-13", now=NOW)


def test_a_supplier_user_sees_only_its_own(world: UowFactory, engine: Engine) -> None:
    _approved(world)
    run(world, payments.schedule_payments, now=NOW)
    with world(write=False) as uow:
        sew = uow.session.scalar(select(SupplierRow.id).where(SupplierRow.code == "SEW-PT"))
        dye = uow.session.scalar(select(SupplierRow.id).where(SupplierRow.code == "DYE-PT"))
    with UnitOfWork(engine, write=False, supplier_scope=sew) as uow:
        assert [i.number for i in invoicing.list_invoices(uow)] == ["INV-000001"]
        assert len(payments.list_payments(uow)) == 1
        assert len(receiving.list_receipts(uow)) == 1
    with UnitOfWork(engine, write=False, supplier_scope=dye) as uow:
        assert invoicing.list_invoices(uow) == [] and payments.list_payments(uow) == []
        assert receiving.list_receipts(uow) == [] and payments.quality_fund(uow) == []
        with pytest.raises(NotFound, match="no invoice INV-000001"):
            invoicing.show_invoice(uow, "INV-000001")
        with pytest.raises(NotFound, match="no receipt RCV-000001"):
            receiving.show_receipt(uow, "RCV-000001")
    with UnitOfWork(engine, supplier_scope=dye) as uow, pytest.raises(NotFound):
        payments.request_early_payment(
            uow, "INV-000001", pay_on=date(2026, 2, 13), annual_rate="0.1", now=NOW
        )


def test_the_receive_invoice_pay_and_fx_commands(
    world: UowFactory, engine: Engine, database_url: str
) -> None:
    from fastapi.testclient import TestClient

    from tests.auth import bearer
    from tests.integration.test_cli import flexchain_cli

    def cli(*args: str) -> str:
        code, out, err = flexchain_cli(database_url, *args)
        assert code == 0, err
        return out

    def refused(*args: str) -> str:
        code, _, err = flexchain_cli(database_url, *args)
        assert code == 1
        return err.strip()

    # receive against the PO, with a bad line flag refused first
    assert refused("receive", PO, "--line", "1:40") == (
        "Error: --line: expected LINE=QUANTITY like 1=40, got '1:40'"
    )
    receipt = json.loads(cli("receive", PO, "--line", "1=1000", "--line", "2=100", "--json"))
    assert receipt["number"] == "RCV-000001"
    assert [(line["line_no"], line["quantity"]) for line in receipt["lines"]] == [
        (1, "1000"),
        (2, "100"),
    ]
    inspected = json.loads(
        cli(
            "receive",
            "inspect",
            "RCV-000001",
            "--line",
            "1",
            "--accepted",
            "990",
            "--rejected",
            "10",
            "--reason",
            "stain",
            "--json",
        )
    )
    assert inspected["lines"][0]["rejected"] == "10"
    (listed,) = json.loads(cli("receive", "list", "--po", PO, "--json"))
    assert listed["number"] == "RCV-000001"
    assert "stain" in cli("receive", "show", "RCV-000001")
    # an invoice dated in an ended quarter, matched and approved
    added = json.loads(
        cli(
            "invoice",
            "add",
            PO,
            "--supplier-invoice",
            "F/2025/1",
            "--date",
            "2025-01-15",
            "--line",
            "1=990@10",
            "--json",
        )
    )
    assert (added["number"], added["status"], added["total"]) == ("INV-000001", "matched", "9900")
    held = json.loads(
        cli("invoice", "add", PO, "--supplier-invoice", "F/2025/1", "--line", "2=100@5", "--json")
    )
    assert held["status"] == "held" and "duplicate" in held["hold_reasons"][0]
    assert "HELD: duplicate" in cli("invoice", "show", held["number"])
    cli("invoice", "reject", held["number"], "--reason", "sent twice")
    shown = cli("invoice", "show", held["number"])
    assert "rejected" in shown and "  was held: duplicate" in shown and "HELD" not in shown
    cli("invoice", "approve", "INV-000001")
    assert [i["status"] for i in json.loads(cli("invoice", "list", "--json"))] == [
        "rejected",
        "approved",
    ]
    (payment,) = json.loads(cli("pay", "schedule", "--json"))
    assert (payment["retained"], payment["amount"]) == ("495", "9405")
    # the quarter's fund settles: 99 % first-pass yield, at or above the 98 % target
    (settled,) = json.loads(cli("pay", "fund", "--settle", "2025-Q1", "--json"))
    assert (settled["released"], settled["forfeited"]) == ("495", "0")
    (fund,) = json.loads(cli("pay", "fund", "--json"))
    assert fund["balance"] == "0"
    paid = json.loads(cli("pay", "run", "--json"))
    assert {p["kind"] for p in paid} == {"invoice", "fund_release"}
    assert {p["status"] for p in json.loads(cli("pay", "list", "--json"))} == {"paid"}
    # early payment of an invoice dated today
    cli("invoice", "add", PO, "--supplier-invoice", "F-2", "--line", "2=100@5")
    cli("invoice", "approve", "INV-000003")
    tomorrow = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()
    offer = json.loads(cli("pay", "early", "INV-000003", "--on", tomorrow, "--json"))
    assert (offer["payable"], offer["days_early"]) == ("475", 29)
    # without --request it is an offer, and says so: nothing moves
    assert "an offer: --request to take it" in cli("pay", "early", "INV-000003", "--on", tomorrow)
    assert not json.loads(cli("pay", "list", "--status", "scheduled", "--json"))
    # the same offer through the API, and the supplier asks for it there
    sew = bearer(engine, "supplier", supplier="SEW-PT")
    with TestClient(_paying_api(engine, database_url)) as client:
        url = "/invoices/INV-000003/early-payment"
        got = client.get(url, params={"pay_on": tomorrow}, headers=sew)
        assert got.status_code == 200 and got.json() == offer
        asked = client.post(url, json={"pay_on": tomorrow}, headers=sew)
        assert asked.status_code == 200
        assert (asked.json()["due_date"], asked.json()["amount"]) == (tomorrow, offer["net"])
    assert "(requested)" in cli("pay", "early", "INV-000003", "--on", tomorrow, "--request")
    (early,) = json.loads(cli("pay", "list", "--status", "scheduled", "--json"))
    assert early["due_date"] == tomorrow and early["discount"] == offer["discount"]
    # capacity fees, exchange rates
    (fee,) = json.loads(cli("pay", "fees", "--accrue", "2026-03", "--json"))
    assert (fee["contract"], fee["amount"], fee["new"]) == ("C-PO-000001", "250", True)
    assert json.loads(cli("pay", "fees", "--month", "2026-03", "--json"))[0]["new"] is False
    rates = Path(database_url.rpartition("/")[2] or "rates").with_suffix(".csv").name
    path = Path(tempfile.mkdtemp()) / rates
    path.write_text("date,currency,rate\n2026-01-02,USD,0.9\n", encoding="utf-8")
    assert cli("fx", "import", str(path)).strip() == "1 rates added, 0 replaced."
    cli("fx", "set", "GBP", "1.15", "--date", "2026-01-02")
    assert [r["currency"] for r in json.loads(cli("fx", "list", "--json"))] == ["GBP", "USD"]
    assert cli("fx", "convert", "100", "USD", "GBP", "--date", "2026-01-05").strip() == (
        "78.26086956521739130434782609 GBP"
    )
    assert refused("fx", "convert", "1", "JPY", "EUR", "--date", "2026-01-05").startswith(
        "Error: no exchange rate of JPY in EUR on or before 2026-01-05"
    )


def _paying_api(engine: Engine, database_url: str) -> Any:
    """The paying routes on the test's database (a TestClient opens it)."""
    from fastapi import FastAPI

    from flexchain.bootstrap import App
    from flexchain.config import Settings
    from flexchain.entrypoints.api import errors as api_errors
    from flexchain.entrypoints.api.paying import router

    api = FastAPI()
    api_errors.install(api)
    api.include_router(router)
    api.state.flexchain = App(settings=Settings(database_url=database_url), engine=engine)
    return api


def test_the_paying_routes(world: UowFactory, engine: Engine, database_url: str) -> None:
    from fastapi.testclient import TestClient

    from tests.auth import bearer

    api = _paying_api(engine, database_url)
    buyer, quality, finance, viewer = (
        bearer(engine, role) for role in ("buyer", "quality", "finance", "viewer")
    )
    sew, dye = (
        bearer(engine, "supplier", supplier="SEW-PT"),
        bearer(engine, "supplier", supplier="DYE-PT"),
    )
    with TestClient(api) as client:
        # buyers receive, quality inspects, finance bills
        body = {"po_number": PO, "lines": [{"line": 1, "quantity": "1000"}]}
        assert client.post("/receipts", json=body, headers=finance).status_code == 403
        receipt = client.post("/receipts", json=body, headers=buyer).json()
        assert receipt["number"] == "RCV-000001"
        too_many = {"po_number": PO, "lines": [{"line": 2, "quantity": "200"}]}
        refused = client.post("/receipts", json=too_many, headers=buyer)
        assert refused.status_code == 422 and "over-delivery" in refused.json()["detail"]
        inspection = {"line": 1, "accepted": "995", "rejected": "5", "reason": "stain"}
        assert (
            client.post(
                "/receipts/RCV-000001/inspection", json=inspection, headers=buyer
            ).status_code
            == 403
        )
        inspected = client.post("/receipts/RCV-000001/inspection", json=inspection, headers=quality)
        assert inspected.json()["lines"][0]["rejected"] == "5"
        bill = {
            "po_number": PO,
            "supplier_invoice_number": "F-1",
            "invoice_date": "2026-02-03",
            "lines": [{"line": 1, "quantity": "995", "unit_price": "10.00"}],
        }
        assert client.post("/invoices", json=bill, headers=buyer).status_code == 403
        registered = client.post("/invoices", json=bill, headers=finance).json()
        assert (registered["number"], registered["status"]) == ("INV-000001", "matched")
        assert client.get("/invoices/INV-000001", headers=viewer).json()["total"] == "9950"
        assert client.post("/invoices/INV-000001/approve", headers=finance).json()["status"] == (
            "approved"
        )
        # the supplier reads its own invoice and asks for early payment; another supplier
        # cannot tell it exists
        assert [i["number"] for i in client.get("/invoices", headers=sew).json()] == ["INV-000001"]
        assert client.get("/invoices", headers=dye).json() == []
        missing = client.get("/invoices/INV-000001", headers=dye)
        assert missing.status_code == 404 and missing.json() == {"detail": "no invoice INV-000001"}
        early = {"pay_on": "2099-01-01"}
        assert (
            client.post("/invoices/INV-000001/early-payment", json=early, headers=dye).status_code
            == 404
        )
        late = client.post("/invoices/INV-000001/early-payment", json=early, headers=sew)
        assert late.status_code == 422  # the supplier may ask: the rule, not the access, refuses
        assert late.json()["detail"] == "pay_on: 2099-01-01 is not before the due date 2026-03-05"
        scheduled = client.post("/payments/schedule", headers=finance).json()
        assert [(p["retained"], p["amount"]) for p in scheduled] == [("497.5", "9452.5")]
        assert len(client.get("/payments", headers=sew).json()) == 1
        assert client.get("/payments", headers=dye).json() == []
        assert client.get("/quality-fund", headers=sew).json()[0]["retained"] == "497.5"
        assert client.get("/quality-fund", headers=dye).json() == []
        assert client.post("/payments/run", headers=sew).status_code == 403
        # rates and fees are the brand's
        rate = {"currency": "USD", "date": "2026-01-02", "rate": "0.9"}
        assert client.post("/exchange-rates", json=rate, headers=finance).status_code == 200
        assert client.get("/exchange-rates", headers=viewer).json()[0]["rate"] == "0.9"
        assert client.get("/exchange-rates", headers=sew).status_code == 403
        accrued = client.post("/capacity-fees/accrue", json={"month": "2026-02"}, headers=finance)
        assert accrued.json()[0]["amount"] == "250"


def test_a_call_off_from_order_to_a_settled_quality_fund(
    engine: Engine, make_uow: UowFactory
) -> None:
    """The whole lifecycle through the buying module's use cases, then paying's: a call-off
    under a contract retaining 5 %, sent, confirmed, received in two deliveries, inspected,
    invoiced, approved, paid, and the quarter's fund settled."""
    from flexchain.adapters.db.tables import ContractPriceRow
    from flexchain.services import po_confirmations, purchase_orders

    build_world(make_uow)
    with make_uow() as uow:
        session = uow.session
        sew = session.scalar(select(SupplierRow.id).where(SupplierRow.code == "SEW-PT"))
        tee = session.scalar(select(ItemRow.id).where(ItemRow.sku == TEE))
        contract = ContractRow(
            code="FW-SEW",
            supplier_id=sew,
            valid_from=date(2026, 1, 1),
            valid_to=date(2026, 12, 31),
            currency="EUR",
            retention_pct=5,
            retention_settlement="quarterly",
        )
        session.add(contract)
        session.flush()
        session.add(
            ContractPriceRow(
                contract_id=contract.id, item_id=tee, min_quantity=0, unit_price=Decimal("10.00")
            )
        )
        uow.commit()
    # buying: a call-off of 1,000 tees, sent and confirmed as ordered
    po = run(
        make_uow,
        purchase_orders.create_po,
        contract="FW-SEW",
        lines=[{"item": TEE, "quantity": 1000, "due_date": date(2026, 2, 20)}],
        now=NOW,
    )
    number = po.number  # type: ignore[attr-defined]
    run(make_uow, purchase_orders.issue_po, number, now=NOW)
    run(make_uow, po_confirmations.confirm_po, number, now=NOW)
    # paying: two deliveries, the second completing the order; 20 rejected at inspection
    first = run(make_uow, receiving.receive_po, number, {1: "400"}, now=NOW)
    run(make_uow, receiving.inspect_receipt, first.number, 1, accepted=400, now=NOW)  # type: ignore[attr-defined]
    last = run(make_uow, receiving.receive_po, number, {1: "600"}, now=NOW)
    assert po_status(make_uow, number) == "closed" and on_order(make_uow, TEE) == 0
    run(
        make_uow,
        receiving.inspect_receipt,
        last.number,
        1,
        accepted=580,
        rejected=20,  # type: ignore[attr-defined]
        reason="misprint",
        now=NOW,
    )
    billed = run(
        make_uow,
        invoicing.register_invoice,
        po_number=number,
        supplier_invoice_number="SEW-26-001",
        invoice_date=date(2026, 2, 21),
        lines=[(1, 980, "10.00")],
        now=NOW,
        base_currency="EUR",
    )
    assert billed.status == "matched" and billed.total == 9800  # type: ignore[attr-defined]
    run(make_uow, invoicing.approve_invoice, billed.number, now=NOW)  # type: ignore[attr-defined]
    (payment,) = run(make_uow, payments.schedule_payments, now=NOW)  # type: ignore[misc]
    assert (payment.retained, payment.amount) == (490, 9310)
    run(make_uow, payments.run_payments, through=payment.due_date, now=NOW)
    # the quarter ends: 98 % first-pass yield meets the target, the 490.00 is released
    (settled,) = run(
        make_uow, payments.settle_quality_fund, "2026-Q1", target_yield="0.98", now=AFTER_Q1
    )  # type: ignore[misc]
    assert (settled.first_pass_yield, settled.released, settled.forfeited) == (
        Decimal("0.98"),
        490,
        0,
    )
    with make_uow(write=False) as uow:
        (fund,) = payments.quality_fund(uow)
        assert fund.balance == 0
        assert invoicing.show_invoice(uow, billed.number).status == "paid"  # type: ignore[attr-defined]
