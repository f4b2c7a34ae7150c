"""The budgets' store: purchasing budgets by month and scope, and the documents a budget report
counts against them (purchase orders issued, invoices approved or paid), each with its amount
in its own currency. Budgets are the brand's: no supplier scope applies.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import ColumnElement, select

from flexchain.adapters.db.tables import (
    InvoiceRow,
    PurchaseOrderLineRow,
    PurchaseOrderRow,
    SupplierRow,
)
from flexchain.adapters.db.tables.budgets import PurchaseBudgetRow
from flexchain.adapters.db.uow import UnitOfWork

__all__ = ["COMMITTED_STATUSES", "INVOICED_STATUSES", "BudgetRecord", "Document", "SqlBudgetStore"]

COMMITTED_STATUSES = ("sent", "confirmed", "closed")
"""A purchase order issued to its supplier and not cancelled."""
INVOICED_STATUSES = ("approved", "scheduled", "paid")
"""An invoice approved (scheduled for payment, or paid)."""


@dataclass(frozen=True)
class BudgetRecord:
    month: str
    scope: str
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class Document:
    """A purchase order or an invoice as a budget counts it: ``amount`` ``currency`` on ``on``."""

    number: str
    supplier: str
    currency: str
    on: date
    amount: Decimal


def _record(row: PurchaseBudgetRow) -> BudgetRecord:
    return BudgetRecord(row.month, row.scope, row.amount, row.currency)


def _start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


class SqlBudgetStore:
    def __init__(self, uow: UnitOfWork) -> None:
        self.session = uow.session

    def _row(self, month: str, scope: str) -> PurchaseBudgetRow | None:
        query = select(PurchaseBudgetRow).where(
            PurchaseBudgetRow.month == month, PurchaseBudgetRow.scope == scope
        )
        return self.session.scalars(query).one_or_none()

    def budget(self, month: str, scope: str) -> BudgetRecord | None:
        row = self._row(month, scope)
        return None if row is None else _record(row)

    def budgets(self, first: str | None, last: str | None) -> list[BudgetRecord]:
        """Budgets from month ``first`` to ``last`` (either open), by month then scope."""
        query = select(PurchaseBudgetRow)
        if first is not None:
            query = query.where(PurchaseBudgetRow.month >= first)
        if last is not None:
            query = query.where(PurchaseBudgetRow.month <= last)
        query = query.order_by(PurchaseBudgetRow.month, PurchaseBudgetRow.scope)
        return [_record(row) for row in self.session.scalars(query)]

    def put(self, budget: BudgetRecord) -> BudgetRecord | None:
        """Create or replace the budget of its month and scope; the one replaced, if any."""
        row = self._row(budget.month, budget.scope)
        old = None if row is None else _record(row)
        if row is None:
            row = PurchaseBudgetRow(month=budget.month, scope=budget.scope)
            self.session.add(row)
        row.amount, row.currency = budget.amount, budget.currency
        self.session.flush()
        return old

    def delete(self, month: str, scope: str) -> BudgetRecord | None:
        """Remove the budget of ``month`` and ``scope``; the one removed (None: there was none)."""
        row = self._row(month, scope)
        if row is None:
            return None
        self.session.delete(row)
        self.session.flush()
        return _record(row)

    def supplier_exists(self, code: str) -> bool:
        query = select(SupplierRow.id).where(SupplierRow.code == code)
        return self.session.scalar(query) is not None

    def committed(self, start: date, end: date) -> list[Document]:
        """Purchase orders issued from ``start`` to ``end`` and not cancelled, valued at their
        lines not cancelled (quantity times unit price)."""
        return self._orders(
            PurchaseOrderRow.issued_at >= _start(start),
            PurchaseOrderRow.issued_at < _start(end + timedelta(days=1)),
        )

    def issued(self, number: str) -> Document | None:
        """Purchase order ``number`` as :meth:`committed` counts it (None: not issued, or
        cancelled)."""
        found = self._orders(PurchaseOrderRow.po_number == number)
        return found[0] if found else None

    def _orders(self, *conditions: ColumnElement[bool]) -> list[Document]:
        query = (
            select(PurchaseOrderRow, SupplierRow.code)
            .join(SupplierRow, SupplierRow.id == PurchaseOrderRow.supplier_id)
            .where(
                PurchaseOrderRow.status.in_(COMMITTED_STATUSES),
                PurchaseOrderRow.issued_at.is_not(None),
                *conditions,
            )
            .order_by(PurchaseOrderRow.po_number)
        )
        headers = self.session.execute(query).all()
        totals: dict[str, Decimal] = defaultdict(Decimal)
        if headers:
            lines = select(
                PurchaseOrderLineRow.po_number,
                PurchaseOrderLineRow.quantity,
                PurchaseOrderLineRow.unit_price,
            ).where(
                PurchaseOrderLineRow.po_number.in_([po.po_number for po, _ in headers]),
                PurchaseOrderLineRow.status != "cancelled",
            )
            for po_number, qty, price in self.session.execute(lines):
                totals[po_number] += qty * (price or Decimal(0))
        return [
            Document(po.po_number, supplier, po.currency, po.issued_at.date(), totals[po.po_number])
            for po, supplier in headers
            if po.issued_at is not None
        ]

    def invoiced(self, start: date, end: date) -> list[Document]:
        """Invoices dated from ``start`` to ``end`` approved, scheduled or paid."""
        query = (
            select(InvoiceRow, SupplierRow.code)
            .join(SupplierRow, SupplierRow.id == InvoiceRow.supplier_id)
            .where(
                InvoiceRow.status.in_(INVOICED_STATUSES),
                InvoiceRow.invoice_date >= start,
                InvoiceRow.invoice_date <= end,
            )
            .order_by(InvoiceRow.number)
        )
        return [
            Document(inv.number, supplier, inv.currency, inv.invoice_date, inv.total)
            for inv, supplier in self.session.execute(query)
        ]
