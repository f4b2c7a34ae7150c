"""The money store: payments, the quality fund, exchange rates and capacity-fee accruals.

A supplier's user (the unit of work's ``supplier_scope``) sees only its own payments and fund;
exchange rates and fee accruals are the brand's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update

from flexchain.adapters.db.tables import (
    CapacityFeeAccrualRow,
    ContractRow,
    ExchangeRateRow,
    InspectionRow,
    InvoiceRow,
    PaymentRow,
    PurchaseOrderLineRow,
    QualityFundEntryRow,
    ReceiptLineRow,
    SupplierRow,
)
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.fx import Rate

__all__ = ["FeeContract", "PaymentRecord", "SqlMoneyStore"]

_ZERO = Decimal(0)


@dataclass(frozen=True)
class FeeContract:
    """A contract with a capacity-reservation fee."""

    id: int
    code: str
    supplier_id: int
    supplier: str
    monthly_fee: Decimal
    currency: str


@dataclass(frozen=True)
class PaymentRecord:
    id: int
    kind: str
    invoice: str | None
    supplier_id: int
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


class SqlMoneyStore:
    """Within one unit of work (nothing here commits)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.session = uow.session
        self.scope = uow.supplier_scope

    def _scoped(self, query: Any, column: Any) -> Any:
        return query if self.scope is None else query.where(column == self.scope)

    def add_payment(self, **values: Any) -> int:
        row = PaymentRow(**values)
        self.session.add(row)
        self.session.flush()
        return int(row.id)

    def payments(
        self,
        *,
        payment_id: int | None = None,
        invoice_id: int | None = None,
        status: str | None = None,
        supplier: str | None = None,
        due_by: date | None = None,
        lock: bool = False,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[PaymentRecord]:
        """Payments by due date, filtered as given; at most ``limit`` (None: all) after
        skipping ``offset``."""
        query = self._payments_query(payment_id, invoice_id, status, supplier, due_by)
        if lock:
            query = query.with_for_update(of=PaymentRow)
        rows = self.session.execute(query.limit(limit).offset(offset or None))
        return [self._payment(row, code, invoice) for row, code, invoice in rows]

    def count_payments(self, *, status: str | None = None, supplier: str | None = None) -> int:
        """How many payments :meth:`payments` lists with these filters and no limit."""
        query = self._payments_query(None, None, status, supplier, None).order_by(None)
        return int(self.session.scalar(select(func.count()).select_from(query.subquery())) or 0)

    def _payments_query(
        self,
        payment_id: int | None,
        invoice_id: int | None,
        status: str | None,
        supplier: str | None,
        due_by: date | None,
    ) -> Any:
        query = self._scoped(
            select(PaymentRow, SupplierRow.code, InvoiceRow.number)
            .join(SupplierRow, SupplierRow.id == PaymentRow.supplier_id)
            .outerjoin(InvoiceRow, InvoiceRow.id == PaymentRow.invoice_id)
            .order_by(PaymentRow.due_date, PaymentRow.id)
            .execution_options(populate_existing=True),
            PaymentRow.supplier_id,
        )
        for column, value in (
            (PaymentRow.id, payment_id),
            (PaymentRow.invoice_id, invoice_id),
            (PaymentRow.status, status),
            (SupplierRow.code, supplier),
        ):
            if value is not None:
                query = query.where(column == value)
        if due_by is not None:
            query = query.where(PaymentRow.due_date <= due_by)
        return query

    @staticmethod
    def _payment(row: PaymentRow, code: str, invoice: str | None) -> PaymentRecord:
        return PaymentRecord(
            row.id,
            row.kind,
            invoice,
            row.supplier_id,
            code,
            row.currency,
            row.gross,
            row.retained,
            row.discount,
            row.amount,
            row.due_date,
            row.status,
            row.paid_at,
            row.early_requested_at,
            row.reference,
        )

    def update_payment(self, payment_id: int, **values: Any) -> None:
        self.session.execute(update(PaymentRow).where(PaymentRow.id == payment_id).values(**values))

    # -- quality fund -----------------------------------------------------------------------

    def lock_fund(self, quarter: str) -> None:
        """Lock the quarter's fund entries until the unit of work ends, so two settlements of
        one quarter run one after the other (the second then finds it settled)."""
        self.session.execute(
            select(QualityFundEntryRow.id)
            .where(QualityFundEntryRow.quarter == quarter)
            .order_by(QualityFundEntryRow.id)
            .with_for_update()
        ).all()

    def add_fund_entry(self, **values: Any) -> None:
        self.session.add(QualityFundEntryRow(**values))
        self.session.flush()

    def fund(
        self, *, supplier: str | None = None, quarter: str | None = None
    ) -> list[tuple[str, int, str, str, str, Decimal]]:
        """(supplier, supplier id, currency, quarter, kind, total) of the fund's entries."""
        entry = QualityFundEntryRow
        query = self._scoped(
            select(
                SupplierRow.code,
                entry.supplier_id,
                entry.currency,
                entry.quarter,
                entry.kind,
                func.count(entry.id),
            )
            .join(SupplierRow, SupplierRow.id == entry.supplier_id)
            .group_by(
                SupplierRow.code, entry.supplier_id, entry.currency, entry.quarter, entry.kind
            )
            .order_by(entry.quarter, SupplierRow.code, entry.currency),
            entry.supplier_id,
        )
        if supplier is not None:
            query = query.where(SupplierRow.code == supplier)
        if quarter is not None:
            query = query.where(entry.quarter == quarter)
        groups = [tuple(row) for row in self.session.execute(query)]
        return [(*group[:5], self._fund_total(*group[1:5])) for group in groups]  # type: ignore[misc]

    def _fund_total(self, supplier_id: int, currency: str, quarter: str, kind: str) -> Decimal:
        # Dec is text on SQLite: add the exact decimals here rather than with SQL's sum()
        entry = QualityFundEntryRow
        amounts = self.session.scalars(
            select(entry.amount).where(
                entry.supplier_id == supplier_id,
                entry.currency == currency,
                entry.quarter == quarter,
                entry.kind == kind,
            )
        )
        return sum(amounts, _ZERO)

    def quality(
        self, supplier_id: int, currency: str, start: datetime, end: datetime
    ) -> tuple[Decimal, Decimal, Decimal]:
        """Accepted units, rejected units and the rejects' cost (rejected x the PO line's unit
        price, lines in ``currency``) of the supplier's inspections from ``start`` to before
        ``end``."""
        rows = self.session.execute(
            select(
                InspectionRow.accepted,
                InspectionRow.rejected,
                PurchaseOrderLineRow.unit_price,
                PurchaseOrderLineRow.currency,
            )
            .join(ReceiptLineRow, ReceiptLineRow.id == InspectionRow.receipt_line_id)
            .join(PurchaseOrderLineRow, PurchaseOrderLineRow.id == ReceiptLineRow.po_line_id)
            .where(
                PurchaseOrderLineRow.supplier_id == supplier_id,
                InspectionRow.inspected_at >= start,
                InspectionRow.inspected_at < end,
            )
        ).all()
        accepted = sum((row[0] for row in rows), _ZERO)
        rejected = sum((row[1] for row in rows), _ZERO)
        cost = sum((row[1] * (row[2] or _ZERO) for row in rows if row[3] == currency), _ZERO)
        return accepted, rejected, cost

    # -- exchange rates ---------------------------------------------------------------------

    def put_rate(self, rate: Rate, source: str) -> bool:
        """Store ``rate`` (replacing that day's); True if it is new."""
        row = self.session.scalar(
            select(ExchangeRateRow).where(
                ExchangeRateRow.base == rate.base,
                ExchangeRateRow.currency == rate.currency,
                ExchangeRateRow.rate_date == rate.on,
            )
        )
        if row is None:
            self.session.add(
                ExchangeRateRow(
                    base=rate.base,
                    currency=rate.currency,
                    rate_date=rate.on,
                    rate=rate.rate,
                    source=source,
                )
            )
            self.session.flush()
            return True
        row.rate, row.source = rate.rate, source
        self.session.flush()
        return False

    def rates(self, base: str, currencies: Iterable[str] | None = None) -> list[Rate]:
        """Rates in ``base`` (of ``currencies`` only, if given) by currency and date."""
        query = select(ExchangeRateRow).where(ExchangeRateRow.base == base)
        if currencies is not None:
            query = query.where(ExchangeRateRow.currency.in_(list(currencies)))
        query = query.order_by(ExchangeRateRow.currency, ExchangeRateRow.rate_date)
        return [
            Rate(row.base, row.currency, row.rate_date, row.rate)
            for row in self.session.scalars(query)
        ]

    # -- capacity-reservation fees ----------------------------------------------------------

    def fee_contracts(self, start: date, end: date) -> list[FeeContract]:
        """Contracts with a capacity-reservation fee valid on some day from ``start`` to ``end``."""
        rows = self.session.execute(
            select(ContractRow, SupplierRow.code)
            .join(SupplierRow, SupplierRow.id == ContractRow.supplier_id)
            .where(
                ContractRow.capacity_monthly_fee.is_not(None),
                ContractRow.valid_from <= end,
                ContractRow.valid_to >= start,
            )
            .order_by(ContractRow.code)
        )
        return [
            FeeContract(
                row.id, row.code, row.supplier_id, code, row.capacity_monthly_fee, row.currency
            )
            for row, code in rows
            if row.capacity_monthly_fee
        ]

    def accruals(
        self, month: str | None = None
    ) -> list[tuple[str, str, str, Decimal, str, datetime]]:
        """(contract, supplier, month, amount, currency, accrued at) by month and contract."""
        query = (
            select(
                ContractRow.code,
                SupplierRow.code,
                CapacityFeeAccrualRow.month,
                CapacityFeeAccrualRow.amount,
                CapacityFeeAccrualRow.currency,
                CapacityFeeAccrualRow.accrued_at,
            )
            .join(ContractRow, ContractRow.id == CapacityFeeAccrualRow.contract_id)
            .join(SupplierRow, SupplierRow.id == CapacityFeeAccrualRow.supplier_id)
            .order_by(CapacityFeeAccrualRow.month, ContractRow.code)
        )
        if month is not None:
            query = query.where(CapacityFeeAccrualRow.month == month)
        return [tuple(row) for row in self.session.execute(query)]  # type: ignore[misc]

    def add_accrual(self, contract: FeeContract, month: str, at: datetime) -> None:
        self.session.add(
            CapacityFeeAccrualRow(
                contract_id=contract.id,
                supplier_id=contract.supplier_id,
                month=month,
                amount=contract.monthly_fee,
                currency=contract.currency,
                accrued_at=at,
            )
        )
        self.session.flush()
