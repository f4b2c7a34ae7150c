"""The paying store: every statement of receiving, inspecting, invoicing and paying.

It reads purchase order headers and lines with its own queries (the buying module owns their
creation) and writes their received quantities and statuses. A supplier's user (the unit of
work's ``supplier_scope``) sees only its own purchase orders, receipts, invoices, payments and
quality fund: another supplier's record does not exist for it. Exchange rates and fee accruals
live in :mod:`flexchain.adapters.db.paying_money`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

from sqlalchemy import func, select, update

from flexchain.adapters.db.stock.reads import receiving_warehouse
from flexchain.adapters.db.tables import (
    ContractRow,
    InspectionRow,
    ItemRow,
    LocationRow,
    PurchaseOrderLineRow,
    PurchaseOrderRow,
    ReceiptLineRow,
    ReceiptRow,
    SupplierRow,
)
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.contracts import QualityRetention
from flexchain.domain.errors import NotFound

__all__ = [
    "InspectionRecord",
    "PoHeader",
    "PoLine",
    "ReceiptLineRecord",
    "ReceiptRecord",
    "SqlPayingStore",
]

_ZERO = Decimal(0)


@dataclass(frozen=True)
class PoHeader:
    """A purchase order's header (``id`` None: imported lines without one)."""

    id: int | None
    number: str
    supplier_id: int
    supplier: str
    status: str | None
    currency: str
    contract_id: int | None
    terms_days: int


@dataclass(frozen=True)
class PoLine:
    id: int
    line_no: int
    item_id: int
    sku: str
    quantity: Decimal
    received: Decimal
    unit_price: Decimal | None
    currency: str
    status: str
    location: str | None


@dataclass(frozen=True)
class InspectionRecord:
    accepted: Decimal
    rejected: Decimal
    reason: str
    at: datetime
    actor: str


@dataclass(frozen=True)
class ReceiptLineRecord:
    id: int
    line_no: int
    sku: str
    quantity: Decimal
    inspections: tuple[InspectionRecord, ...]
    unit_price: Decimal | None
    currency: str


@dataclass(frozen=True)
class ReceiptRecord:
    id: int
    number: str
    po_number: str
    supplier_id: int
    supplier: str
    location: str
    received_at: datetime
    notes: str
    lines: tuple[ReceiptLineRecord, ...]


class SqlPayingStore:
    """Within one unit of work (nothing here commits)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.session = uow.session
        self.scope = uow.supplier_scope
        self.actor = uow.actor

    def _scoped(self, query: Any, column: Any) -> Any:
        return query if self.scope is None else query.where(column == self.scope)

    # -- purchase orders --------------------------------------------------------------------

    def po(self, number: str, *, lock: bool = False) -> PoHeader:
        """The header of ``number`` (from its lines if it has none); NotFound if neither."""
        query = self._scoped(
            select(PurchaseOrderRow, SupplierRow.code)
            .join(SupplierRow, SupplierRow.id == PurchaseOrderRow.supplier_id)
            .where(PurchaseOrderRow.po_number == number),
            PurchaseOrderRow.supplier_id,
        ).execution_options(populate_existing=True)
        if lock:
            query = query.with_for_update(of=PurchaseOrderRow)
        found = self.session.execute(query).first()
        if found is not None:
            row, code = found
            return PoHeader(
                row.id,
                number,
                row.supplier_id,
                code,
                row.status,
                row.currency,
                row.contract_id,
                row.payment_terms_days,
            )
        line = self.session.execute(
            self._scoped(
                select(
                    PurchaseOrderLineRow.supplier_id,
                    SupplierRow.code,
                    PurchaseOrderLineRow.currency,
                )
                .join(SupplierRow, SupplierRow.id == PurchaseOrderLineRow.supplier_id)
                .where(PurchaseOrderLineRow.po_number == number)
                .order_by(PurchaseOrderLineRow.line_no)
                .limit(1),
                PurchaseOrderLineRow.supplier_id,
            )
        ).first()
        if line is None:
            raise NotFound(f"no purchase order {number}")
        return PoHeader(None, number, line[0], line[1], None, line[2], None, 30)

    def po_lines(self, number: str, *, lock: bool = False) -> list[PoLine]:
        line = PurchaseOrderLineRow
        query = (
            select(line, ItemRow.sku, LocationRow.code)
            .join(ItemRow, ItemRow.id == line.item_id)
            .outerjoin(LocationRow, LocationRow.id == line.location_id)
            .where(line.po_number == number)
            .order_by(line.line_no)
            .execution_options(populate_existing=True)
        )
        if lock:
            query = query.with_for_update(of=line)
        return [
            PoLine(
                row.id,
                row.line_no,
                row.item_id,
                sku,
                row.quantity,
                row.received_quantity,
                row.unit_price,
                row.currency,
                row.status,
                location,
            )
            for row, sku, location in self.session.execute(self._scoped(query, line.supplier_id))
        ]

    def set_line(self, line_id: int, received: Decimal, status: str) -> None:
        self.session.execute(
            update(PurchaseOrderLineRow)
            .where(PurchaseOrderLineRow.id == line_id)
            .values(received_quantity=received, status=status)
        )

    def set_po_status(self, po_id: int, status: str, at: datetime) -> None:
        values: dict[str, Any] = {"status": status}
        if status == "closed":
            values["closed_at"] = at
        elif status == "confirmed":
            values["confirmed_at"] = at
        self.session.execute(
            update(PurchaseOrderRow).where(PurchaseOrderRow.id == po_id).values(**values)
        )

    def retention(self, contract_id: int | None) -> QualityRetention | None:
        """The quality-retention clause of the contract, if it has one."""
        if contract_id is None:
            return None
        row = self.session.get(ContractRow, contract_id)
        if row is None or row.retention_pct is None:
            return None
        return QualityRetention(row.retention_pct, row.retention_settlement or "quarterly")

    # -- locations --------------------------------------------------------------------------

    def receiving_location(self, wanted: str | None) -> str:
        """``wanted`` if it names a location, else the receiving warehouse."""
        if wanted is not None:
            if self.session.scalar(select(LocationRow.id).where(LocationRow.code == wanted)):
                return wanted
            raise NotFound(f"unknown location {wanted!r}")
        found = receiving_warehouse(self.session)
        if found is None:
            raise NotFound("no warehouse: add a location of kind warehouse")
        return found

    def _location_id(self, code: str) -> int:
        found = self.session.scalar(select(LocationRow.id).where(LocationRow.code == code))
        if found is None:
            raise NotFound(f"unknown location {code!r}")
        return int(found)

    # -- receipts ---------------------------------------------------------------------------

    def add_receipt(
        self,
        po: PoHeader,
        location: str,
        at: datetime,
        notes: str,
        lines: Sequence[tuple[PoLine, Decimal]],
    ) -> str:
        """Store a receipt and its lines; returns its number, ``RCV-`` and its id."""
        receipt = ReceiptRow(
            number=uuid4().hex,
            po_number=po.number,
            supplier_id=po.supplier_id,
            location_id=self._location_id(location),
            received_at=at,
            notes=notes,
        )
        self.session.add(receipt)
        number = numbered(self.session, receipt, "RCV")
        for line, quantity in lines:
            self.session.add(
                ReceiptLineRow(
                    receipt_id=receipt.id,
                    line_no=line.line_no,
                    po_line_id=line.id,
                    item_id=line.item_id,
                    quantity=quantity,
                )
            )
        self.session.flush()
        return number

    def receipts(
        self,
        *,
        key: str | None = None,
        po_number: str | None = None,
        lock: bool = False,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[ReceiptRecord]:
        """Receipts newest first: the one numbered (or with the id) ``key``, or of a PO; at
        most ``limit`` (None: all) after skipping ``offset``."""
        query = self._receipts_query(key, po_number)
        if lock:
            query = query.with_for_update(of=ReceiptRow)
        rows = self.session.execute(query.limit(limit).offset(offset or None)).all()
        return self._receipt_records(rows)

    def count_receipts(self, *, po_number: str | None = None) -> int:
        """How many receipts :meth:`receipts` lists without a limit."""
        query = self._receipts_query(None, po_number).order_by(None)
        return int(self.session.scalar(select(func.count()).select_from(query.subquery())) or 0)

    def _receipts_query(self, key: str | None, po_number: str | None) -> Any:
        query = self._scoped(
            select(ReceiptRow, SupplierRow.code, LocationRow.code)
            .join(SupplierRow, SupplierRow.id == ReceiptRow.supplier_id)
            .join(LocationRow, LocationRow.id == ReceiptRow.location_id)
            .order_by(ReceiptRow.id.desc()),
            ReceiptRow.supplier_id,
        )
        if key is not None:
            by_id = ReceiptRow.id == int(key) if key.isdigit() and len(key) < 10 else False
            query = query.where((ReceiptRow.number == key) | by_id)
        if po_number is not None:
            query = query.where(ReceiptRow.po_number == po_number)
        return query

    def _receipt_records(self, rows: Any) -> list[ReceiptRecord]:
        lines = self._receipt_lines([row.id for row, _, _ in rows])
        return [
            ReceiptRecord(
                row.id,
                row.number,
                row.po_number,
                row.supplier_id,
                supplier,
                location,
                row.received_at,
                row.notes,
                tuple(lines.get(row.id, ())),
            )
            for row, supplier, location in rows
        ]

    def _receipt_lines(self, receipt_ids: list[int]) -> dict[int, list[ReceiptLineRecord]]:
        if not receipt_ids:
            return {}
        inspections: dict[int, list[InspectionRecord]] = {}
        for row in self.session.scalars(
            select(InspectionRow)
            .join(ReceiptLineRow, ReceiptLineRow.id == InspectionRow.receipt_line_id)
            .where(ReceiptLineRow.receipt_id.in_(receipt_ids))
            .order_by(InspectionRow.id)
        ):
            inspections.setdefault(row.receipt_line_id, []).append(
                InspectionRecord(
                    row.accepted, row.rejected, row.reason, row.inspected_at, row.actor
                )
            )
        result: dict[int, list[ReceiptLineRecord]] = {}
        for line, sku, price, currency in self.session.execute(
            select(
                ReceiptLineRow,
                ItemRow.sku,
                PurchaseOrderLineRow.unit_price,
                PurchaseOrderLineRow.currency,
            )
            .join(ItemRow, ItemRow.id == ReceiptLineRow.item_id)
            .join(PurchaseOrderLineRow, PurchaseOrderLineRow.id == ReceiptLineRow.po_line_id)
            .where(ReceiptLineRow.receipt_id.in_(receipt_ids))
            .order_by(ReceiptLineRow.line_no)
        ):
            result.setdefault(line.receipt_id, []).append(
                ReceiptLineRecord(
                    line.id,
                    line.line_no,
                    sku,
                    line.quantity,
                    tuple(inspections.get(line.id, ())),
                    price,
                    currency,
                )
            )
        return result

    def add_inspection(
        self, line_id: int, accepted: Decimal, rejected: Decimal, reason: str, at: datetime
    ) -> None:
        self.session.add(
            InspectionRow(
                receipt_line_id=line_id,
                accepted=accepted,
                rejected=rejected,
                reason=reason,
                inspected_at=at,
                actor=self.actor,
            )
        )
        self.session.flush()

    def accepted(self, po_number: str) -> dict[int, Decimal]:
        """Per PO line: units received less units rejected at inspection."""
        received = dict(
            self.session.execute(
                select(ReceiptLineRow.line_no, func.sum(ReceiptLineRow.quantity))
                .join(ReceiptRow, ReceiptRow.id == ReceiptLineRow.receipt_id)
                .where(ReceiptRow.po_number == po_number)
                .group_by(ReceiptLineRow.line_no)
            ).all()
        )
        rejected = dict(
            self.session.execute(
                select(ReceiptLineRow.line_no, func.sum(InspectionRow.rejected))
                .join(ReceiptLineRow, ReceiptLineRow.id == InspectionRow.receipt_line_id)
                .join(ReceiptRow, ReceiptRow.id == ReceiptLineRow.receipt_id)
                .where(ReceiptRow.po_number == po_number)
                .group_by(ReceiptLineRow.line_no)
            ).all()
        )
        return {
            line: Decimal(total) - Decimal(rejected.get(line) or 0)
            for line, total in received.items()
        }


def numbered(session: Any, row: Any, prefix: str) -> str:
    """Give the new ``row`` its number ``PREFIX-000042`` from its id (unique under concurrent
    writers, unlike counting the numbers already there)."""
    session.flush()
    row.number = f"{prefix}-{row.id:06d}"
    session.flush()
    return str(row.number)
