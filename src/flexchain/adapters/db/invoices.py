"""The invoice store: supplier invoices and their lines, the earlier invoices a new one is
checked against for duplicates, and what a purchase order's invoices already bill. A supplier's
user (the unit of work's ``supplier_scope``) sees only its own invoices.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

from sqlalchemy import func, select, update

from flexchain.adapters.db.paying import numbered
from flexchain.adapters.db.tables import InvoiceLineRow, InvoiceRow, SupplierRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.errors import NotFound
from flexchain.domain.invoices import BILLED, InvoiceStatus, PriorInvoice

__all__ = ["InvoiceRecord", "SqlInvoiceStore"]


@dataclass(frozen=True)
class InvoiceRecord:
    id: int
    number: str
    supplier_id: int
    supplier: str
    supplier_invoice_number: str
    po_number: str
    currency: str
    invoice_date: date
    total: Decimal
    status: InvoiceStatus
    hold_reason: str
    base_currency: str
    base_total: Decimal | None
    approved_at: datetime | None
    lines: tuple[tuple[int, Decimal, Decimal, Decimal], ...]
    """(PO line, quantity, unit price, amount) per line."""


class SqlInvoiceStore:
    """Within one unit of work (nothing here commits)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.session = uow.session
        self.scope = uow.supplier_scope

    def _scoped(self, query: Any, column: Any) -> Any:
        return query if self.scope is None else query.where(column == self.scope)

    def prior_invoices(self, supplier_id: int) -> list[PriorInvoice]:
        rows = self.session.execute(
            select(
                InvoiceRow.number,
                InvoiceRow.supplier_invoice_number,
                InvoiceRow.po_number,
                InvoiceRow.total,
                InvoiceRow.invoice_date,
                InvoiceRow.status,
            )
            .where(InvoiceRow.supplier_id == supplier_id)
            .order_by(InvoiceRow.id)
        )
        return [PriorInvoice(n, s, p, t, d, InvoiceStatus(st)) for n, s, p, t, d, st in rows]

    def billed(self, po_number: str, *, besides: int | None = None) -> dict[int, Decimal]:
        """Per PO line: what the PO's matched (or later) invoices bill, but ``besides``."""
        query = (
            select(InvoiceLineRow.line_no, func.sum(InvoiceLineRow.quantity))
            .join(InvoiceRow, InvoiceRow.id == InvoiceLineRow.invoice_id)
            .where(
                InvoiceRow.po_number == po_number,
                InvoiceRow.status.in_([status.value for status in BILLED]),
            )
            .group_by(InvoiceLineRow.line_no)
        )
        if besides is not None:
            query = query.where(InvoiceRow.id != besides)
        return {line: Decimal(total) for line, total in self.session.execute(query)}

    def add_invoice(
        self, lines: Sequence[tuple[int, Decimal, Decimal, Decimal]], **values: Any
    ) -> str:
        """Store an invoice and its lines; returns its number, ``INV-`` and its id."""
        invoice = InvoiceRow(number=uuid4().hex, **values)
        self.session.add(invoice)
        number = numbered(self.session, invoice, "INV")
        for line_no, quantity, unit_price, amount in lines:
            self.session.add(
                InvoiceLineRow(
                    invoice_id=invoice.id,
                    line_no=line_no,
                    quantity=quantity,
                    unit_price=unit_price,
                    amount=amount,
                )
            )
        self.session.flush()
        return number

    def invoices(
        self,
        *,
        number: str | None = None,
        status: InvoiceStatus | None = None,
        supplier: str | None = None,
        po_number: str | None = None,
        lock: bool = False,
    ) -> list[InvoiceRecord]:
        """Invoices newest first, filtered as given."""
        query = self._scoped(
            select(InvoiceRow, SupplierRow.code)
            .join(SupplierRow, SupplierRow.id == InvoiceRow.supplier_id)
            .order_by(InvoiceRow.id.desc())
            .execution_options(populate_existing=True),
            InvoiceRow.supplier_id,
        )
        for column, value in (
            (InvoiceRow.number, number),
            (SupplierRow.code, supplier),
            (InvoiceRow.po_number, po_number),
            (InvoiceRow.status, status.value if status else None),
        ):
            if value is not None:
                query = query.where(column == value)
        if lock:
            query = query.with_for_update(of=InvoiceRow)
        rows = self.session.execute(query.limit(1000)).all()
        lines: dict[int, list[tuple[int, Decimal, Decimal, Decimal]]] = {}
        if rows:
            for line in self.session.scalars(
                select(InvoiceLineRow)
                .where(InvoiceLineRow.invoice_id.in_([row.id for row, _ in rows]))
                .order_by(InvoiceLineRow.line_no)
            ):
                lines.setdefault(line.invoice_id, []).append(
                    (line.line_no, line.quantity, line.unit_price, line.amount)
                )
        return [
            InvoiceRecord(
                row.id,
                row.number,
                row.supplier_id,
                code,
                row.supplier_invoice_number,
                row.po_number,
                row.currency,
                row.invoice_date,
                row.total,
                InvoiceStatus(row.status),
                row.hold_reason,
                row.base_currency,
                row.base_total,
                row.approved_at,
                tuple(lines.get(row.id, ())),
            )
            for row, code in rows
        ]

    def invoice(self, number: str, *, lock: bool = False) -> InvoiceRecord:
        found = self.invoices(number=number, lock=lock)
        if not found:
            raise NotFound(f"no invoice {number}")
        return found[0]

    def update_invoice(self, invoice_id: int, **values: Any) -> None:
        self.session.execute(update(InvoiceRow).where(InvoiceRow.id == invoice_id).values(**values))
