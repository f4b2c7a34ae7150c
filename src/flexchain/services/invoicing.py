"""Supplier invoices: register with the three-way match, approve, release a hold, reject
(``flexchain invoice``, ``/invoices``).

``register_invoice`` loads the purchase order (its lines and currency), what its receipts
accepted (received less rejected at inspection), what its earlier invoices bill, and the
supplier's other invoices -> :func:`domain.invoices.match_reasons` and
:func:`domain.invoices.duplicate_reasons` -> writes the invoice ``matched``, or ``held`` with
every reason; its total is also stored in the brand's currency at the invoice date's rate
(``base_total``; None when no rate is known). Every change is audited. ``now`` comes from the
caller; nothing here commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flexchain.adapters.db.invoices import InvoiceRecord, SqlInvoiceStore
from flexchain.adapters.db.paying import SqlPayingStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.checks import choice, day, text, whole_number
from flexchain.domain.errors import ValidationError
from flexchain.domain.invoices import (
    DUPLICATE_WINDOW_DAYS,
    BilledLine,
    InvoiceStatus,
    MatchTolerance,
    PoLineFacts,
    duplicate_reasons,
    invoice_transition,
    line_amount,
    match_reasons,
)
from flexchain.domain.values import currency_code, money, quantity, utc
from flexchain.services import audit, fx

__all__ = [
    "InvoiceLineView",
    "InvoiceView",
    "approve_invoice",
    "list_invoices",
    "register_invoice",
    "reject_invoice",
    "release_hold",
    "show_invoice",
]


@dataclass(frozen=True)
class InvoiceLineView:
    line_no: int
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


@dataclass(frozen=True)
class InvoiceView:
    """An invoice; ``hold_reasons`` says why it is (or was) held."""

    number: str
    supplier: str
    supplier_invoice_number: str
    po_number: str
    currency: str
    invoice_date: date
    total: Decimal
    status: str
    hold_reasons: tuple[str, ...]
    base_currency: str
    base_total: Decimal | None
    approved_at: datetime | None
    lines: tuple[InvoiceLineView, ...]


def _view(record: InvoiceRecord) -> InvoiceView:
    return InvoiceView(
        record.number,
        record.supplier,
        record.supplier_invoice_number,
        record.po_number,
        record.currency,
        record.invoice_date,
        record.total,
        record.status.value,
        tuple(r for r in record.hold_reason.split("\n") if r),
        record.base_currency,
        record.base_total,
        record.approved_at,
        tuple(InvoiceLineView(*line) for line in record.lines),
    )


def list_invoices(
    uow: UnitOfWork,
    *,
    status: str | None = None,
    supplier: str | None = None,
    po_number: str | None = None,
) -> list[InvoiceView]:
    """Invoices newest first, filtered as given (a supplier's user: its own)."""
    wanted = choice(InvoiceStatus, status, "status") if status else None
    found = SqlInvoiceStore(uow).invoices(status=wanted, supplier=supplier, po_number=po_number)
    return [_view(record) for record in found]


def show_invoice(uow: UnitOfWork, number: str) -> InvoiceView:
    return _view(SqlInvoiceStore(uow).invoice(number.strip()))


def _lines(lines: Iterable[Sequence[object]]) -> list[BilledLine]:
    result, seen = [], set()
    for index, line in enumerate(lines):
        if len(line) != 3:
            raise ValidationError(f"lines[{index}]", "expected (PO line, quantity, unit price)")
        line_no = whole_number(line[0], f"lines[{index}].line", minimum=1)
        if line_no in seen:
            raise ValidationError(f"lines[{index}].line", f"line {line_no} is billed twice")
        seen.add(line_no)
        result.append(
            BilledLine(
                line_no,
                quantity(line[1], f"lines[{index}].quantity", allow_zero=False),
                money(line[2], f"lines[{index}].unit_price"),
            )
        )
    if not result:
        raise ValidationError("lines", "an invoice bills at least one PO line")
    return result


def _po_facts(
    paying: SqlPayingStore, store: SqlInvoiceStore, po_number: str
) -> dict[int, PoLineFacts]:
    """Each PO line's price, units accepted by its receipts and units already billed."""
    accepted = paying.accepted(po_number)
    earlier = store.billed(po_number)
    return {
        line.line_no: PoLineFacts(
            line.line_no,
            line.unit_price,
            accepted.get(line.line_no, Decimal(0)),
            earlier.get(line.line_no, Decimal(0)),
        )
        for line in paying.po_lines(po_number)
    }


def register_invoice(
    uow: UnitOfWork,
    *,
    po_number: str,
    supplier_invoice_number: str,
    invoice_date: date,
    lines: Iterable[Sequence[object]],
    now: datetime,
    base_currency: str,
    currency: str | None = None,
    tolerance: MatchTolerance | None = None,
    window_days: int = DUPLICATE_WINDOW_DAYS,
) -> InvoiceView:
    """Register a supplier's invoice for ``po_number``: ``lines`` are (PO line, quantity, unit
    price); ``currency`` defaults to the purchase order's. Matched or held, never refused for a
    mismatch (bad input is refused, nothing written)."""
    now = utc(now, "now")
    theirs = text(supplier_invoice_number, "supplier_invoice_number", max_length=64)
    when = day(invoice_date, "invoice_date")
    billed = _lines(lines)
    paying, store = SqlPayingStore(uow), SqlInvoiceStore(uow)
    po = paying.po(po_number.strip(), lock=True)  # one invoice of a PO matched at a time
    money_in = currency_code(currency) if currency else po.currency
    facts = _po_facts(paying, store, po.number)
    total = sum((line_amount(line) for line in billed), Decimal(0))
    reasons = match_reasons(
        billed,
        facts,
        po_number=po.number,
        po_currency=po.currency,
        currency=money_in,
        tolerance=tolerance or MatchTolerance(),
    )
    reasons += duplicate_reasons(
        theirs,
        po.number,
        total,
        when,
        store.prior_invoices(po.supplier_id),
        window_days=window_days,
    )
    status = invoice_transition(
        "new", InvoiceStatus.RECEIVED, InvoiceStatus.HELD if reasons else InvoiceStatus.MATCHED
    )
    base = currency_code(base_currency, "base_currency")
    number = store.add_invoice(
        [(line.line_no, line.quantity, line.unit_price, line_amount(line)) for line in billed],
        supplier_id=po.supplier_id,
        supplier_invoice_number=theirs,
        po_number=po.number,
        currency=money_in,
        invoice_date=when,
        total=total,
        status=status.value,
        hold_reason="\n".join(reasons),
        base_currency=base,
        base_total=fx.base_amount(uow, total, money_in, when, base=base),
    )
    audit.record_change(
        uow,
        "registered",
        "invoice",
        number,
        after={"status": status.value},
        at=now,
        supplier_invoice_number=theirs,
        po=po.number,
        total=f"{total} {money_in}",
        reasons=reasons or None,
    )
    return show_invoice(uow, number)


def _move(
    uow: UnitOfWork, number: str, target: InvoiceStatus, now: datetime, **context: Any
) -> InvoiceView:
    now = utc(now, "now")
    store = SqlInvoiceStore(uow)
    record = store.invoice(number.strip(), lock=True)
    status = invoice_transition(record.number, record.status, target)
    values: dict[str, Any] = {"status": status.value}
    if status is InvoiceStatus.APPROVED:
        values["approved_at"] = now
    store.update_invoice(record.id, **values)
    audit.record_change(
        uow,
        status.value,
        "invoice",
        record.number,
        before={"status": record.status.value},
        after={"status": status.value},
        at=now,
        **context,
    )
    return show_invoice(uow, record.number)


def approve_invoice(uow: UnitOfWork, number: str, *, now: datetime) -> InvoiceView:
    """A matched invoice is approved for payment."""
    return _move(uow, number, InvoiceStatus.APPROVED, now)


def release_hold(uow: UnitOfWork, number: str, *, reason: str, now: datetime) -> InvoiceView:
    """A person releases a held invoice (it becomes ``matched``), saying why."""
    why = text(reason, "reason", max_length=2000)
    return _move(uow, number, InvoiceStatus.MATCHED, now, reason=why)


def reject_invoice(uow: UnitOfWork, number: str, *, reason: str, now: datetime) -> InvoiceView:
    """A held invoice is rejected (a true duplicate, a wrong bill), saying why."""
    why = text(reason, "reason", max_length=2000)
    return _move(uow, number, InvoiceStatus.REJECTED, now, reason=why)
