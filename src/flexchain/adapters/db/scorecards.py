"""The scorecards store: every read of the events supplier scorecards are computed from (PO
lines and their receipts, inspections, first pieces of POs and jobs, RFQ invitations and quotes,
PO change requests, job progress, samples, suggestions, prices against cost indices, health
data, spend and exchange rates).

Read-only. Every query is bounded by the suppliers :meth:`SqlScorecardStore.suppliers` returns,
which a supplier's user (``uow.supplier_scope``) limits to its own: another supplier is not
found.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select

from flexchain.adapters.db.tables import (
    ExchangeRateRow,
    InspectionRow,
    ItemCostModelRow,
    ItemRow,
    JobEventRow,
    PriceIndexValueRow,
    ProductionJobRow,
    PurchaseOrderLineRow,
    PurchaseOrderRow,
    ReceiptLineRow,
    ReceiptRow,
    RfqQuoteRow,
    RfqRow,
    RfqSupplierRow,
    SupplierRow,
)
from flexchain.adapters.db.tables.supplier_events import (
    ImprovementSuggestionRow,
    PoChangeRequestRow,
    SampleRow,
    SupplierHealthRow,
)
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.errors import NotFound
from flexchain.domain.fx import Rate
from flexchain.domain.scorecard_events import (
    ChangeRequest,
    FirstPiece,
    Health,
    Inspection,
    JobLog,
    PricePoint,
    Sample,
    Suggestion,
)

__all__ = ["LineFacts", "RfqAsked", "SpendLine", "SqlScorecardStore", "SupplierRef"]

_POSTINGS = ("start", "progress", "delay", "finish")


@dataclass(frozen=True)
class SupplierRef:
    id: int
    code: str
    name: str


@dataclass(frozen=True)
class LineFacts:
    """A PO line (not cancelled) and what arrived of it, as (day, units), oldest first."""

    supplier_id: int
    po_number: str
    line_no: int
    item: str
    quantity: Decimal
    status: str
    due_date: date
    confirmed_date: date | None
    issued_at: datetime | None
    receipts: tuple[tuple[date, Decimal], ...]


@dataclass(frozen=True)
class RfqAsked:
    supplier_id: int
    rfq: str
    status: str
    reply_by: date | None
    sent_at: datetime
    answered_at: datetime | None


@dataclass(frozen=True)
class SpendLine:
    supplier_id: int
    currency: str
    issued_on: date
    amount: Decimal


def _start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _end(day: date) -> datetime:
    """The first instant after ``day`` (windows are half-open)."""
    return _start(day + timedelta(days=1))


class SqlScorecardStore:
    def __init__(self, uow: UnitOfWork) -> None:
        self.session = uow.session
        self.scope = uow.supplier_scope

    def _rows(self, query: Any) -> list[Any]:
        return list(self.session.execute(query))

    def suppliers(self, code: str | None = None) -> list[SupplierRef]:
        """The suppliers a scorecard may be made for (by code), the caller's own only for a
        supplier's user; an unknown (or another supplier's) code is not found."""
        query = select(SupplierRow.id, SupplierRow.code, SupplierRow.name).order_by(
            SupplierRow.code
        )
        if self.scope is not None:
            query = query.where(SupplierRow.id == self.scope)
        if code is not None:
            query = query.where(SupplierRow.code == code)
        found = [SupplierRef(*row) for row in self._rows(query)]
        if code is not None and not found:
            raise NotFound(f"unknown supplier '{code}'")
        return found

    def lines(self, ids: Sequence[int], since: date, until: date) -> list[LineFacts]:
        """PO lines of ``ids`` promised in the window, or with a receipt in it; not those of a
        draft order (never sent to the supplier)."""
        promised = func.coalesce(PurchaseOrderLineRow.confirmed_date, PurchaseOrderLineRow.due_date)
        received = (
            select(ReceiptLineRow.po_line_id)
            .join(ReceiptRow, ReceiptRow.id == ReceiptLineRow.receipt_id)
            .where(ReceiptRow.received_at >= _start(since), ReceiptRow.received_at < _end(until))
        )
        query = (
            select(PurchaseOrderLineRow, ItemRow.sku, PurchaseOrderRow.issued_at)
            .join(ItemRow, ItemRow.id == PurchaseOrderLineRow.item_id)
            .outerjoin(
                PurchaseOrderRow, PurchaseOrderRow.po_number == PurchaseOrderLineRow.po_number
            )
            .where(
                PurchaseOrderLineRow.supplier_id.in_(ids),
                PurchaseOrderLineRow.status != "cancelled",
                # a draft was never sent: nothing of it is due from the supplier yet
                or_(PurchaseOrderRow.id.is_(None), PurchaseOrderRow.status != "draft"),
                or_(promised.between(since, until), PurchaseOrderLineRow.id.in_(received)),
            )
            .order_by(PurchaseOrderLineRow.po_number, PurchaseOrderLineRow.line_no)
        )
        rows = self._rows(query)
        arrivals = self._arrivals([row[0].id for row in rows])
        return [
            LineFacts(
                line.supplier_id,
                line.po_number,
                line.line_no,
                sku,
                line.quantity,
                line.status,
                line.due_date,
                line.confirmed_date,
                issued,
                tuple(arrivals.get(line.id, ())),
            )
            for line, sku, issued in rows
        ]

    def _arrivals(self, line_ids: list[int]) -> dict[int, list[tuple[date, Decimal]]]:
        result: dict[int, list[tuple[date, Decimal]]] = {}
        for start in range(0, len(line_ids), 500):
            query = (
                select(ReceiptLineRow.po_line_id, ReceiptRow.received_at, ReceiptLineRow.quantity)
                .join(ReceiptRow, ReceiptRow.id == ReceiptLineRow.receipt_id)
                .where(ReceiptLineRow.po_line_id.in_(line_ids[start : start + 500]))
                .order_by(ReceiptRow.received_at, ReceiptLineRow.id)
            )
            for line_id, at, units in self._rows(query):
                result.setdefault(line_id, []).append((at.date(), units))
        return result

    def inspections(
        self, ids: Sequence[int], since: date, until: date
    ) -> list[tuple[int, Inspection]]:
        """Every inspection of the receipt lines of ``ids`` inspected at least once in the
        window (so the first inspection of each is among them)."""
        touched = select(InspectionRow.receipt_line_id).where(
            InspectionRow.inspected_at >= _start(since), InspectionRow.inspected_at < _end(until)
        )
        query = (
            select(ReceiptRow.supplier_id, InspectionRow)
            .join(ReceiptLineRow, ReceiptLineRow.id == InspectionRow.receipt_line_id)
            .join(ReceiptRow, ReceiptRow.id == ReceiptLineRow.receipt_id)
            .where(ReceiptRow.supplier_id.in_(ids), InspectionRow.receipt_line_id.in_(touched))
            .order_by(InspectionRow.inspected_at, InspectionRow.id)
        )
        return [
            (
                supplier,
                Inspection(row.receipt_line_id, row.inspected_at, row.accepted, row.rejected),
            )
            for supplier, row in self._rows(query)
        ]

    def first_pieces(
        self, ids: Sequence[int], since: date, until: date
    ) -> list[tuple[int, FirstPiece]]:
        """POs sent and jobs released, with their first receipt / first progress with units,
        that came in the window."""
        window = (_start(since), _end(until))
        first_receipt = func.min(ReceiptRow.received_at)
        pos = (
            select(
                PurchaseOrderRow.supplier_id,
                PurchaseOrderRow.po_number,
                PurchaseOrderRow.issued_at,
                first_receipt,
            )
            .join(ReceiptRow, ReceiptRow.po_number == PurchaseOrderRow.po_number)
            .where(PurchaseOrderRow.supplier_id.in_(ids), PurchaseOrderRow.issued_at.is_not(None))
            .group_by(
                PurchaseOrderRow.supplier_id, PurchaseOrderRow.po_number, PurchaseOrderRow.issued_at
            )
            .having(and_(first_receipt >= window[0], first_receipt < window[1]))
        )
        first_units = func.min(JobEventRow.at)
        jobs = (
            select(
                ProductionJobRow.supplier_id,
                ProductionJobRow.id,
                ProductionJobRow.released_at,
                first_units,
            )
            .join(JobEventRow, JobEventRow.job_id == ProductionJobRow.id)
            .where(
                ProductionJobRow.supplier_id.in_(ids),
                ProductionJobRow.released_at.is_not(None),
                JobEventRow.kind == "progress",
                JobEventRow.quantity > 0,
            )
            .group_by(
                ProductionJobRow.supplier_id, ProductionJobRow.id, ProductionJobRow.released_at
            )
            .having(and_(first_units >= window[0], first_units < window[1]))
        )
        found = [(s, FirstPiece(po, at, first)) for s, po, at, first in self._rows(pos)]
        found += [
            (s, FirstPiece(f"job {job}", at, first)) for s, job, at, first in self._rows(jobs)
        ]
        return found

    def rfqs(self, ids: Sequence[int], since: date, until: date) -> list[RfqAsked]:
        """Each invitation to quote of an RFQ sent in the window, with the first quote's time."""
        first_quote = (
            select(func.min(RfqQuoteRow.submitted_at))
            .where(
                RfqQuoteRow.rfq_id == RfqRow.id,
                RfqQuoteRow.supplier_id == RfqSupplierRow.supplier_id,
            )
            .scalar_subquery()
        )
        query = (
            select(
                RfqSupplierRow.supplier_id,
                RfqRow.number,
                RfqRow.status,
                RfqRow.reply_by,
                RfqRow.sent_at,
                first_quote,
            )
            .join(RfqRow, RfqRow.id == RfqSupplierRow.rfq_id)
            .where(
                RfqSupplierRow.supplier_id.in_(ids),
                RfqRow.sent_at >= _start(since),
                RfqRow.sent_at < _end(until),
            )
            .order_by(RfqRow.sent_at, RfqRow.number)
        )
        return [RfqAsked(*row) for row in self._rows(query)]

    def changes(
        self, ids: Sequence[int], since: date, until: date
    ) -> list[tuple[int, ChangeRequest]]:
        row = PoChangeRequestRow
        query = (
            select(row)
            .where(
                row.supplier_id.in_(ids),
                row.requested_at >= _start(since),
                row.requested_at < _end(until),
            )
            .order_by(row.requested_at, row.id)
        )
        return [
            (c.supplier_id, ChangeRequest(c.number, c.requested_at, c.status, c.change_pct))
            for c in self.session.scalars(query)
        ]

    def jobs(self, ids: Sequence[int], since: date, until: date) -> list[tuple[int, JobLog]]:
        """Jobs started by the window's end and not finished before it, with their postings."""
        job = ProductionJobRow
        query = (
            select(job)
            .where(
                job.supplier_id.in_(ids),
                job.started_at.is_not(None),
                job.started_at < _end(until),
                or_(job.finished_at.is_(None), job.finished_at >= _start(since)),
            )
            .order_by(job.id)
        )
        rows = list(self.session.scalars(query))
        events: dict[int, list[Any]] = {}
        for start in range(0, len(rows), 500):
            chunk = [r.id for r in rows[start : start + 500]]
            query_events = (
                select(JobEventRow.job_id, JobEventRow.kind, JobEventRow.at, JobEventRow.days)
                .where(JobEventRow.job_id.in_(chunk), JobEventRow.kind.in_(_POSTINGS))
                .order_by(JobEventRow.at, JobEventRow.id)
            )
            for job_id, kind, at, days in self._rows(query_events):
                events.setdefault(job_id, []).append((kind, at, days))
        result = []
        for r in rows:
            assert r.supplier_id is not None and r.started_at is not None  # the query's filter
            mine = events.get(r.id, [])
            delays = tuple((at, days or 0) for kind, at, days in mine if kind == "delay")
            log = JobLog(
                r.id,
                r.started_at,
                r.finished_at,
                r.planned_finish,
                tuple(at for _, at, _ in mine),
                delays,
            )
            result.append((r.supplier_id, log))
        return result

    def samples(self, ids: Sequence[int], since: date, until: date) -> list[tuple[int, Sample]]:
        s = SampleRow
        start, end = _start(since), _end(until)
        query = (
            select(s)
            .where(
                s.supplier_id.in_(ids),
                or_(
                    and_(s.delivered_at >= start, s.delivered_at < end),
                    and_(s.inspected_at >= start, s.inspected_at < end),
                ),
            )
            .order_by(s.requested_at, s.id)
        )
        return [
            (
                r.supplier_id,
                Sample(r.number, r.requested_at, r.delivered_at, r.first_article, r.inspected_at),
            )
            for r in self.session.scalars(query)
        ]

    def suggestions(
        self, ids: Sequence[int], since: date, until: date
    ) -> list[tuple[int, Suggestion]]:
        s = ImprovementSuggestionRow
        start, end = _start(since), _end(until)
        query = (
            select(s)
            .where(
                s.supplier_id.in_(ids),
                or_(
                    and_(s.submitted_at >= start, s.submitted_at < end),
                    and_(s.decided_at >= start, s.decided_at < end),
                ),
            )
            .order_by(s.submitted_at, s.id)
        )
        return [
            (
                r.supplier_id,
                Suggestion(r.number, r.submitted_at, r.status, r.decided_at, r.recorded_value),
            )
            for r in self.session.scalars(query)
        ]

    def prices(self, ids: Sequence[int], since: date, until: date) -> list[tuple[int, PricePoint]]:
        """Unit prices of PO lines sent up to the window's end (from a year before it) of items
        with a cost model following a material index, with that index's values."""
        line, head, model = PurchaseOrderLineRow, PurchaseOrderRow, ItemCostModelRow
        query = (
            select(
                line.supplier_id,
                ItemRow.sku,
                head.issued_at,
                line.unit_price,
                line.currency,
                model.material_share,
                model.material_index_id,
            )
            .join(head, head.po_number == line.po_number)
            .join(ItemRow, ItemRow.id == line.item_id)
            .join(model, model.item_id == line.item_id)
            .where(
                line.supplier_id.in_(ids),
                line.status != "cancelled",
                line.unit_price.is_not(None),
                model.material_index_id.is_not(None),
                head.issued_at >= _start(since - timedelta(days=366)),
                head.issued_at < _end(until),
            )
            .order_by(head.issued_at, line.id)
        )
        rows = self._rows(query)
        series: dict[int, list[tuple[date, Decimal]]] = {}
        index_ids = sorted({row[6] for row in rows})
        if index_ids:
            values = (
                select(
                    PriceIndexValueRow.index_id,
                    PriceIndexValueRow.value_date,
                    PriceIndexValueRow.value,
                )
                .where(
                    PriceIndexValueRow.index_id.in_(index_ids),
                    PriceIndexValueRow.value_date <= until,
                )
                .order_by(PriceIndexValueRow.value_date)
            )
            for index_id, on, value in self._rows(values):
                series.setdefault(index_id, []).append((on, value))
        return [
            (
                supplier,
                PricePoint(sku, at.date(), price, currency, share, tuple(series.get(index_id, ()))),
            )
            for supplier, sku, at, price, currency, share, index_id in rows
            if price > 0  # Dec is text on SQLite: compared here, not in SQL
        ]

    def health(self, ids: Sequence[int], until: date) -> list[tuple[int, Health]]:
        h = SupplierHealthRow
        query = select(h).where(h.supplier_id.in_(ids), h.as_of <= until).order_by(h.as_of)
        return [
            (r.supplier_id, Health(r.as_of, r.financial_score, r.staff_turnover_pct))
            for r in self.session.scalars(query)
        ]

    def spend(self, ids: Sequence[int], since: date, until: date) -> list[SpendLine]:
        """What the POs sent in the window order (lines not cancelled, priced), per line."""
        line, head = PurchaseOrderLineRow, PurchaseOrderRow
        query = (
            select(line.supplier_id, line.currency, head.issued_at, line.quantity, line.unit_price)
            .join(head, head.po_number == line.po_number)
            .where(
                line.supplier_id.in_(ids),
                line.status != "cancelled",
                line.unit_price.is_not(None),
                head.issued_at >= _start(since),
                head.issued_at < _end(until),
            )
        )
        return [
            SpendLine(supplier, currency, at.date(), units * price)
            for supplier, currency, at, units, price in self._rows(query)
        ]

    def rates(self, base: str, currencies: Sequence[str], until: date) -> list[Rate]:
        r = ExchangeRateRow
        query = (
            select(r.base, r.currency, r.rate_date, r.rate)
            .where(r.base == base, r.currency.in_(currencies), r.rate_date <= until)
            .order_by(r.rate_date)
        )
        return [Rate(*row) for row in self._rows(query)]
