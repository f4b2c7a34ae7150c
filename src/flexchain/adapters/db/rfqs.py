"""The RFQ store: requests for quotation, the suppliers asked, their quotes and the award.

A supplier's user sees only the RFQs it was asked to quote, only its own quotes, and of the award
only the lines it won: the rest does not exist for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import exists, select, update

from flexchain.adapters.db.buying import SupplierRef, record_of
from flexchain.adapters.db.plan_reads import current_run
from flexchain.adapters.db.tables import (
    ItemRow,
    PlanOrderRow,
    RfqLineRow,
    RfqQuoteRow,
    RfqRow,
    RfqSupplierRow,
    SupplierRow,
)
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.errors import NotFound

__all__ = [
    "NewRfqLine",
    "PlannedPurchase",
    "QuoteRecord",
    "RfqLineRecord",
    "RfqRecord",
    "SqlRfqStore",
]


@dataclass(frozen=True)
class PlannedPurchase:
    """A planned order of the current plan, by its number."""

    run_id: int
    number: int
    kind: str
    item_sku: str
    quantity: Decimal
    due_date: date
    pegs: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class NewRfqLine:
    line_no: int
    item_id: int
    quantity: Decimal
    need_date: date
    plan_number: int | None
    pegs: list[list[str]]


@dataclass(frozen=True)
class RfqLineRecord:
    line_no: int
    item_sku: str
    item_name: str
    uom: str
    quantity: Decimal
    need_date: date
    plan_number: int | None
    pegs: tuple[tuple[str, ...], ...]
    awarded_supplier: str | None
    po_number: str | None


@dataclass(frozen=True)
class RfqRecord:
    id: int
    number: str
    status: str
    currency: str
    reply_by: date | None
    plan_run_id: int | None
    notes: str
    sent_at: datetime | None
    awarded_at: datetime | None
    cancelled_at: datetime | None
    created_at: datetime
    suppliers: tuple[SupplierRef, ...]
    lines: tuple[RfqLineRecord, ...]


@dataclass(frozen=True)
class QuoteRecord:
    supplier: str
    line_no: int
    unit_price: Decimal
    currency: str
    moq: Decimal
    lead_time_days: int
    valid_until: date
    note: str
    submitted_at: datetime
    actor: str


class SqlRfqStore:
    """RFQs of one unit of work."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.session = uow.session
        self.scope = uow.supplier_scope

    def add_rfq(
        self,
        number: str,
        *,
        currency: str,
        reply_by: date | None,
        plan_run_id: int | None,
        notes: str,
        lines: Sequence[NewRfqLine],
        supplier_ids: Sequence[int],
    ) -> int:
        row = RfqRow(
            number=number, status="draft", currency=currency, reply_by=reply_by,
            plan_run_id=plan_run_id, notes=notes,
        )  # fmt: skip
        self.session.add(row)
        self.session.flush()
        for line in lines:
            self.session.add(RfqLineRow(rfq_id=row.id, **line.__dict__))
        for supplier_id in supplier_ids:
            self.session.add(RfqSupplierRow(rfq_id=row.id, supplier_id=supplier_id))
        self.session.flush()
        return row.id

    def _query(self) -> Any:
        query = select(RfqRow).execution_options(populate_existing=True)
        if self.scope is not None:  # a supplier's user: only the RFQs it was asked to quote
            query = query.where(
                exists().where(
                    RfqSupplierRow.rfq_id == RfqRow.id, RfqSupplierRow.supplier_id == self.scope
                )
            )
        return query

    def _suppliers(self, rfq_ids: list[int]) -> dict[int, list[SupplierRef]]:
        found: dict[int, list[SupplierRef]] = {rfq_id: [] for rfq_id in rfq_ids}
        query = (
            select(RfqSupplierRow.rfq_id, SupplierRow)
            .join(SupplierRow, SupplierRow.id == RfqSupplierRow.supplier_id)
            .where(RfqSupplierRow.rfq_id.in_(rfq_ids))
            .order_by(SupplierRow.code)
        )
        if self.scope is not None:
            query = query.where(SupplierRow.id == self.scope)
        for rfq_id, row in self.session.execute(query):
            found[rfq_id].append(record_of(SupplierRef, row))
        return found

    def _lines(self, rfq_ids: list[int]) -> dict[int, list[RfqLineRecord]]:
        found: dict[int, list[RfqLineRecord]] = {rfq_id: [] for rfq_id in rfq_ids}
        rows = self.session.execute(
            select(RfqLineRow, ItemRow.sku, ItemRow.name, ItemRow.uom, SupplierRow)
            .join(ItemRow, ItemRow.id == RfqLineRow.item_id)
            .outerjoin(SupplierRow, SupplierRow.id == RfqLineRow.awarded_supplier_id)
            .where(RfqLineRow.rfq_id.in_(rfq_ids))
            .order_by(RfqLineRow.rfq_id, RfqLineRow.line_no)
            .execution_options(populate_existing=True)
        )
        for line, sku, name, uom, winner in rows:
            shown = winner is not None and (self.scope is None or winner.id == self.scope)
            found[line.rfq_id].append(
                record_of(
                    RfqLineRecord, line, item_sku=sku, item_name=name, uom=uom,
                    pegs=tuple(tuple(peg) for peg in line.pegs or ()),
                    awarded_supplier=winner.code if shown else None,
                    po_number=line.po_number if shown else None,
                )
            )  # fmt: skip
        return found

    def _records(self, rows: Sequence[RfqRow]) -> list[RfqRecord]:
        ids = [row.id for row in rows]
        suppliers, lines = self._suppliers(ids), self._lines(ids)
        return [
            record_of(
                RfqRecord, row, suppliers=tuple(suppliers[row.id]), lines=tuple(lines[row.id])
            )
            for row in rows
        ]

    def rfq(self, number: str, *, lock: bool = False) -> RfqRecord:
        """RFQ ``number``; ``lock``: its row locked until the unit of work ends (PostgreSQL)."""
        query = self._query().where(RfqRow.number == number)
        if lock:
            query = query.with_for_update()
        row = self.session.scalars(query).first()
        if row is None:
            raise NotFound(f"no RFQ {number!r}")
        return self._records([row])[0]

    def rfqs(
        self, *, status: str | None = None, supplier: str | None = None, limit: int = 1000
    ) -> list[RfqRecord]:
        """RFQs, newest first; of one status; sent to one supplier."""
        query = self._query()
        if status is not None:
            query = query.where(RfqRow.status == status)
        if supplier is not None:
            query = query.where(
                exists()
                .where(RfqSupplierRow.rfq_id == RfqRow.id)
                .where(RfqSupplierRow.supplier_id == SupplierRow.id, SupplierRow.code == supplier)
            )
        rows = self.session.scalars(query.order_by(RfqRow.id.desc()).limit(limit)).all()
        return self._records(rows)

    def set_rfq(self, rfq_id: int, **values: Any) -> None:
        self.session.execute(update(RfqRow).where(RfqRow.id == rfq_id).values(**values))

    def quotes(self, rfq_id: int) -> list[QuoteRecord]:
        """The RFQ's quotes by line and supplier (a supplier's user: its own)."""
        query = (
            select(RfqQuoteRow, SupplierRow.code)
            .join(SupplierRow, SupplierRow.id == RfqQuoteRow.supplier_id)
            .where(RfqQuoteRow.rfq_id == rfq_id)
            .order_by(RfqQuoteRow.line_no, SupplierRow.code)
            .execution_options(populate_existing=True)
        )
        if self.scope is not None:
            query = query.where(RfqQuoteRow.supplier_id == self.scope)
        return [
            record_of(QuoteRecord, row, supplier=code) for row, code in self.session.execute(query)
        ]

    def put_quote(self, rfq_id: int, line_no: int, supplier_id: int, **values: Any) -> bool:
        """Store a supplier's quote for a line, replacing its previous one; True if new."""
        row = self.session.scalars(
            select(RfqQuoteRow).where(
                RfqQuoteRow.rfq_id == rfq_id,
                RfqQuoteRow.line_no == line_no,
                RfqQuoteRow.supplier_id == supplier_id,
            )
        ).first()
        if row is None:
            self.session.add(
                RfqQuoteRow(rfq_id=rfq_id, line_no=line_no, supplier_id=supplier_id, **values)
            )
        else:
            for name, value in values.items():
                setattr(row, name, value)
        self.session.flush()
        return row is None

    def award_line(self, rfq_id: int, line_no: int, supplier_id: int, po_number: str) -> None:
        self.session.execute(
            update(RfqLineRow)
            .where(RfqLineRow.rfq_id == rfq_id, RfqLineRow.line_no == line_no)
            .values(awarded_supplier_id=supplier_id, po_number=po_number)
        )

    def planned(self, numbers: Sequence[int]) -> list[PlannedPurchase]:
        """The planned orders ``numbers`` of the current plan (those that exist), by number."""
        found = current_run(self.uow)
        if found is None:
            raise NotFound("no current plan: run `flexchain plan run` first")
        rows = self.session.execute(
            select(PlanOrderRow, ItemRow.sku)
            .join(ItemRow, ItemRow.id == PlanOrderRow.item_id)
            .where(PlanOrderRow.run_id == found.id, PlanOrderRow.number.in_(list(numbers)))
            .order_by(PlanOrderRow.number)
        )
        return [
            PlannedPurchase(found.id, row.number, row.kind, sku, row.quantity, row.due_date,
                            tuple(tuple(peg) for peg in row.pegs or ()))
            for row, sku in rows
        ]  # fmt: skip
