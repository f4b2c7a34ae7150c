"""The quality fund's retained entries as a settlement needs them: each with its invoice date
and the settlement period of the contract it was retained under, and whether it is settled."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from flexchain.adapters.db.tables import (
    ContractRow,
    InvoiceRow,
    PurchaseOrderRow,
    QualityFundEntryRow,
    SupplierRow,
)
from flexchain.adapters.db.uow import UnitOfWork

__all__ = ["RetainedEntry", "SqlFundStore"]


@dataclass(frozen=True)
class RetainedEntry:
    """An amount retained from ``invoice_id`` into a supplier's fund in ``quarter``;
    ``settlement`` is its contract's period (quarterly when the contract no longer says)."""

    id: int
    supplier_id: int
    supplier: str
    currency: str
    quarter: str
    amount: Decimal
    invoice_id: int | None
    invoice_date: date | None
    contract: str | None
    settlement: str
    settled: bool


class SqlFundStore:
    """Within one unit of work (nothing here commits)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.session = uow.session
        self.scope = uow.supplier_scope

    def retained(self, quarters: Sequence[str]) -> list[RetainedEntry]:
        """The retained entries of ``quarters``, by id. An entry is settled when a release or
        forfeit names its invoice, or (settlements before periods were per contract) when its
        supplier, currency and quarter have a release or forfeit naming no invoice."""
        entry = QualityFundEntryRow
        query = (
            select(
                entry.id, entry.supplier_id, SupplierRow.code, entry.currency, entry.quarter,
                entry.amount, entry.invoice_id, InvoiceRow.invoice_date, ContractRow.code,
                ContractRow.retention_settlement,
            )
            .join(SupplierRow, SupplierRow.id == entry.supplier_id)
            .outerjoin(InvoiceRow, InvoiceRow.id == entry.invoice_id)
            .outerjoin(PurchaseOrderRow, PurchaseOrderRow.po_number == InvoiceRow.po_number)
            .outerjoin(ContractRow, ContractRow.id == PurchaseOrderRow.contract_id)
            .where(entry.kind == "retained", entry.quarter.in_(quarters))
            .order_by(entry.id)
        )  # fmt: skip
        if self.scope is not None:
            query = query.where(entry.supplier_id == self.scope)
        settled_invoices, settled_groups = self._settlements(quarters)
        return [
            RetainedEntry(
                id_, supplier_id, supplier, currency, quarter, amount, invoice_id, invoiced,
                contract, settlement or "quarterly",
                invoice_id in settled_invoices
                or (supplier_id, currency, quarter) in settled_groups,
            )
            for (id_, supplier_id, supplier, currency, quarter, amount, invoice_id, invoiced,
                 contract, settlement) in self.session.execute(query)
        ]  # fmt: skip

    def _settlements(self, quarters: Sequence[str]) -> tuple[set[int], set[tuple[int, str, str]]]:
        entry = QualityFundEntryRow
        rows = self.session.execute(
            select(entry.invoice_id, entry.supplier_id, entry.currency, entry.quarter).where(
                entry.kind.in_(("released", "forfeited")), entry.quarter.in_(quarters)
            )
        )
        invoices: set[int] = set()
        groups: set[tuple[int, str, str]] = set()
        for invoice_id, supplier_id, currency, quarter in rows:
            if invoice_id is None:
                groups.add((supplier_id, currency, quarter))
            else:
                invoices.add(invoice_id)
        return invoices, groups
