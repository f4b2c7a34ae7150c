"""Paying suppliers (``flexchain pay``, ``/payments``, ``/quality-fund``): scheduling approved
invoices by their payment terms less the contract's quality-fund retention, payment runs,
early payment at a discount, the settlement of the fund by each contract's period
(:mod:`flexchain.services.quality_fund`) and the monthly accrual of
capacity-reservation fees. The rules are :mod:`flexchain.domain.payments`'s; every change is
audited. ``now`` comes from the caller; nothing here commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flexchain.adapters.db.invoices import InvoiceRecord, SqlInvoiceStore
from flexchain.adapters.db.paying import SqlPayingStore
from flexchain.adapters.db.paying_money import PaymentRecord, SqlMoneyStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.checks import day, page
from flexchain.domain.errors import IllegalTransition, NotFound, ValidationError
from flexchain.domain.invoices import InvoiceStatus, invoice_transition
from flexchain.domain.payments import (
    Payable,
    due_date,
    early_payment_discount,
    month_bounds,
    quarter_bounds,
    quarter_of,
    split_retention,
)
from flexchain.domain.values import number, utc
from flexchain.services import audit
from flexchain.services.quality_fund import FundSettlementView, settle_quality_fund

__all__ = [
    "EarlyPaymentOffer",
    "FeeAccrualView",
    "FundSettlementView",
    "FundView",
    "PaymentView",
    "accrue_capacity_fees",
    "count_payments",
    "early_payment_offer",
    "list_fee_accruals",
    "list_payments",
    "quality_fund",
    "request_early_payment",
    "run_payments",
    "schedule_payments",
    "settle_quality_fund",
]

_ZERO = Decimal(0)
SCHEDULED, PAID = "scheduled", "paid"


@dataclass(frozen=True)
class PaymentView:
    """A payment: ``amount`` = ``gross`` - ``retained`` (to the quality fund) - ``discount``."""

    id: int
    kind: str
    invoice: str | None
    supplier: str
    currency: str
    gross: Decimal
    retained: Decimal
    discount: Decimal
    amount: Decimal
    due_date: date
    status: str
    paid_at: datetime | None
    early_requested_at: datetime | None
    reference: str


def _view(record: PaymentRecord) -> PaymentView:
    fields = {name: getattr(record, name) for name in PaymentView.__dataclass_fields__}
    return PaymentView(**fields)


def list_payments(
    uow: UnitOfWork,
    *,
    status: str | None = None,
    supplier: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[PaymentView]:
    """Payments by due date (a supplier's user: its own); at most ``limit`` (None: all) after
    skipping ``offset`` (:func:`count_payments`: how many there are)."""
    _status(status)
    limit, offset = page(limit, offset)
    found = SqlMoneyStore(uow).payments(
        status=status, supplier=supplier, limit=limit, offset=offset
    )
    return [_view(p) for p in found]


def count_payments(
    uow: UnitOfWork, *, status: str | None = None, supplier: str | None = None
) -> int:
    """How many payments :func:`list_payments` has with these filters and no limit."""
    _status(status)
    return SqlMoneyStore(uow).count_payments(status=status, supplier=supplier)


def _status(status: str | None) -> None:
    if status is not None and status not in (SCHEDULED, PAID):
        raise ValidationError("status", f"expected scheduled or paid, got {status!r}")


def _payable(paying: SqlPayingStore, invoice: InvoiceRecord) -> tuple[Payable, date]:
    po = paying.po(invoice.po_number)
    split = split_retention(invoice.total, paying.retention(po.contract_id))
    return split, due_date(invoice.invoice_date, po.terms_days)


def _schedule(uow: UnitOfWork, invoice: InvoiceRecord, now: datetime) -> int:
    status = invoice_transition(invoice.number, invoice.status, InvoiceStatus.SCHEDULED)
    split, due = _payable(SqlPayingStore(uow), invoice)
    money = SqlMoneyStore(uow)
    payment_id = money.add_payment(
        kind="invoice",
        invoice_id=invoice.id,
        supplier_id=invoice.supplier_id,
        currency=invoice.currency,
        gross=split.gross,
        retained=split.retained,
        amount=split.payable,
        due_date=due,
        reference=invoice.number,
    )
    if split.retained:
        money.add_fund_entry(
            supplier_id=invoice.supplier_id,
            currency=invoice.currency,
            quarter=quarter_of(invoice.invoice_date),
            kind="retained",
            amount=split.retained,
            invoice_id=invoice.id,
            at=now,
            note=f"retained from {invoice.number}",
        )
    SqlInvoiceStore(uow).update_invoice(invoice.id, status=status.value)
    audit.record_change(
        uow,
        "scheduled",
        "invoice",
        invoice.number,
        before={"status": invoice.status.value},
        after={"status": status.value},
        at=now,
        payment=payment_id,
        due_date=due,
        payable=split.payable,
        retained=split.retained,
    )
    return payment_id


def schedule_payments(
    uow: UnitOfWork, *, now: datetime, invoice: str | None = None
) -> list[PaymentView]:
    """A payment for every approved invoice (or the one named), due by the PO's terms."""
    now = utc(now, "now")
    store = SqlInvoiceStore(uow)
    if invoice is not None:
        chosen = [store.invoice(invoice.strip(), lock=True)]
    else:
        chosen = store.invoices(status=InvoiceStatus.APPROVED, lock=True)
    ids = [_schedule(uow, record, now) for record in sorted(chosen, key=lambda r: r.id)]
    money = SqlMoneyStore(uow)
    return [_view(money.payments(payment_id=i)[0]) for i in ids]


def run_payments(
    uow: UnitOfWork, *, through: date, now: datetime, payment: int | None = None
) -> list[PaymentView]:
    """Pay every scheduled payment due on or before ``through`` (or the one with id
    ``payment``); their invoices become paid."""
    now = utc(now, "now")
    money, invoices = SqlMoneyStore(uow), SqlInvoiceStore(uow)
    if payment is not None:
        due = money.payments(payment_id=payment, lock=True)
        if not due:
            raise NotFound(f"no payment {payment}")
        if due[0].status != SCHEDULED:
            raise IllegalTransition(f"payment {payment} is {due[0].status}: it cannot be paid")
    else:
        due = money.payments(status=SCHEDULED, due_by=day(through, "through"), lock=True)
    for record in due:
        money.update_payment(record.id, status=PAID, paid_at=now)
        audit.record_change(
            uow,
            "paid",
            "payment",
            str(record.id),
            before={"status": SCHEDULED},
            after={"status": PAID},
            at=now,
            amount=record.amount,
            currency=record.currency,
            invoice=record.invoice,
        )
        if record.invoice is not None:
            invoice = invoices.invoice(record.invoice, lock=True)
            status = invoice_transition(invoice.number, invoice.status, InvoiceStatus.PAID)
            invoices.update_invoice(invoice.id, status=status.value)
            audit.record_change(
                uow,
                "paid",
                "invoice",
                invoice.number,
                before={"status": invoice.status.value},
                after={"status": status.value},
                at=now,
                payment=record.id,
            )
    return [_view(money.payments(payment_id=record.id)[0]) for record in due]


@dataclass(frozen=True)
class EarlyPaymentOffer:
    """Paying ``payable`` on ``pay_on`` instead of ``due_date``: ``discount`` off, ``net``
    paid."""

    invoice: str
    supplier: str
    currency: str
    payable: Decimal
    due_date: date
    pay_on: date
    days_early: int
    annual_rate: Decimal
    discount: Decimal
    net: Decimal


def _offer(
    uow: UnitOfWork, number_: str, pay_on: date, annual_rate: object, now: datetime
) -> tuple[EarlyPaymentOffer, InvoiceRecord]:
    invoice = SqlInvoiceStore(uow).invoice(number_.strip(), lock=True)
    if invoice.status not in (InvoiceStatus.APPROVED, InvoiceStatus.SCHEDULED):
        raise IllegalTransition(
            f"invoice {invoice.number} is {invoice.status.value}: early payment is for approved "
            "invoices not yet paid"
        )
    split, due = _payable(SqlPayingStore(uow), invoice)
    pay_on = day(pay_on, "pay_on")
    if pay_on < now.date():
        raise ValidationError("pay_on", f"{pay_on} is in the past")
    days = (due - pay_on).days
    if days <= 0:
        raise ValidationError("pay_on", f"{pay_on} is not before the due date {due}")
    rate = number(annual_rate, "annual_rate")
    discount = early_payment_discount(split.payable, rate, days)
    offer = EarlyPaymentOffer(
        invoice.number,
        invoice.supplier,
        invoice.currency,
        split.payable,
        due,
        pay_on,
        days,
        rate,
        discount,
        split.payable - discount,
    )
    return offer, invoice


def early_payment_offer(
    uow: UnitOfWork, invoice: str, *, pay_on: date, annual_rate: object, now: datetime
) -> EarlyPaymentOffer:
    """What paying an approved invoice on ``pay_on`` would cost the supplier (read only)."""
    return _offer(uow, invoice, pay_on, annual_rate, utc(now, "now"))[0]


def request_early_payment(
    uow: UnitOfWork, invoice: str, *, pay_on: date, annual_rate: object, now: datetime
) -> PaymentView:
    """The supplier asks to be paid on ``pay_on`` at the discount of :func:`early_payment_offer`:
    the invoice's payment (scheduled now if it was only approved) moves to that day."""
    now = utc(now, "now")
    offer, record = _offer(uow, invoice, pay_on, annual_rate, now)
    money = SqlMoneyStore(uow)
    found = money.payments(invoice_id=record.id, lock=True)
    payment_id = found[0].id if found else _schedule(uow, record, now)
    before = found[0] if found else money.payments(payment_id=payment_id)[0]
    if before.status != SCHEDULED:
        raise IllegalTransition(f"payment {before.id} of {record.number} is already paid")
    money.update_payment(
        payment_id,
        due_date=offer.pay_on,
        discount=offer.discount,
        amount=offer.net,
        early_requested_at=now,
    )
    audit.record_change(
        uow,
        "early_payment",
        "payment",
        str(payment_id),
        before={"due_date": before.due_date, "amount": before.amount},
        after={"due_date": offer.pay_on, "amount": offer.net},
        at=now,
        invoice=record.number,
        discount=offer.discount,
        days_early=offer.days_early,
        annual_rate=offer.annual_rate,
    )
    return _view(money.payments(payment_id=payment_id)[0])


@dataclass(frozen=True)
class FundView:
    """A supplier's quality fund in one currency and quarter; ``balance`` is still held."""

    supplier: str
    currency: str
    quarter: str
    retained: Decimal
    released: Decimal
    forfeited: Decimal
    balance: Decimal


def quality_fund(
    uow: UnitOfWork, *, supplier: str | None = None, quarter: str | None = None
) -> list[FundView]:
    """The fund by quarter, supplier and currency (a supplier's user: its own)."""
    if quarter is not None:
        quarter = quarter_of(quarter_bounds(quarter)[0])
    totals: dict[tuple[str, str, str], dict[str, Decimal]] = {}
    for code, _, currency, period, kind, total in SqlMoneyStore(uow).fund(
        supplier=supplier, quarter=quarter
    ):
        totals.setdefault((period, code, currency), {})[kind] = total
    views = []
    for (period, code, currency), kinds in sorted(totals.items()):
        kept, out, lost = (kinds.get(k, _ZERO) for k in ("retained", "released", "forfeited"))
        views.append(FundView(code, currency, period, kept, out, lost, kept - out - lost))
    return views


@dataclass(frozen=True)
class FeeAccrualView:
    """A month's capacity-reservation fee of a contract (``new``: accrued by this run)."""

    contract: str
    supplier: str
    month: str
    amount: Decimal
    currency: str
    accrued_at: datetime
    new: bool


def list_fee_accruals(uow: UnitOfWork, *, month: str | None = None) -> list[FeeAccrualView]:
    """Accrued fees by month and contract (of one ``month``, ``2026-01``)."""
    if month is not None:
        month = month_bounds(month)[0].strftime("%Y-%m")
    return [FeeAccrualView(*row, new=False) for row in SqlMoneyStore(uow).accruals(month)]


def accrue_capacity_fees(uow: UnitOfWork, month: str, *, now: datetime) -> list[FeeAccrualView]:
    """Accrue ``month``'s fee of every contract with a capacity reservation valid in it: one
    accrual per contract and month, so running it again adds nothing."""
    now = utc(now, "now")
    start, end = month_bounds(month)
    period = start.strftime("%Y-%m")
    money = SqlMoneyStore(uow)
    done = {row[0] for row in money.accruals(period)}
    new = set()
    for contract in money.fee_contracts(start, end):
        if contract.code in done:
            continue
        money.add_accrual(contract, period, now)
        new.add(contract.code)
        audit.record_change(
            uow,
            "accrued",
            "capacity_fee",
            f"{contract.code}/{period}",
            after={"amount": contract.monthly_fee, "currency": contract.currency},
            at=now,
            supplier=contract.supplier,
        )
    return [FeeAccrualView(*row, new=row[0] in new) for row in money.accruals(period)]
