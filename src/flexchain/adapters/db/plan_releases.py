"""The plan releases store: which planned order of a run went into which document
(``plan_releases``, unique per planned order), the planned orders a release needs (their rows
locked), and the planned orders of a run still waiting for release (Today's inbox).

A release is **live** while the document it made is not cancelled (checked as it is read, in
SQL: :func:`_dead`): its PO, its RFQ (or, once the RFQ is awarded, the PO its line for the
planned order went into), its job. Reads here see live releases only, so a planned order whose
document was cancelled is releasable again; releasing it again replaces the dead row.

Nothing here commits: the caller's unit of work does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, String, and_, cast, exists, func, literal, or_, select
from sqlalchemy.exc import IntegrityError

from flexchain.adapters.db.quotes import ITEMS_BY_ID, item_of
from flexchain.adapters.db.tables import (
    ItemRow,
    PlanOrderRow,
    ProductionJobRow,
    PurchaseOrderRow,
    RfqLineRow,
    RfqRow,
    SupplierRow,
)
from flexchain.adapters.db.tables.loop import PlanReleaseRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.catalog import Item
from flexchain.domain.errors import DomainError

__all__ = ["PEGS", "PlannedRecord", "ReleaseRecord", "SqlPlanReleaseStore"]

PEGS = 3
"""A planned order read here carries this many of its pegs (and their count)."""


@dataclass(frozen=True)
class PlannedRecord:
    """A planned order of a run with its item, as a release or the inbox needs it."""

    id: int
    run_id: int
    number: int
    kind: str
    item_id: int
    sku: str
    quantity: Decimal
    release_date: date
    due_date: date
    location: str
    pegs: tuple[tuple[str, str], ...]
    """The first :data:`PEGS` of what it is pegged to (source, quantity): a planned order can
    be pegged to thousands (the Plan page and ``plan show`` have them all)."""
    peg_count: int
    """How many it is pegged to."""
    unit_cost: Decimal | None
    """The item's standard cost, else its list price (None: neither is set)."""
    currency: str


@dataclass(frozen=True)
class ReleaseRecord:
    """What planned order ``number`` was released into, when and by whom."""

    number: int
    kind: str
    reference: str
    released_at: datetime
    released_by: str


_COLUMNS = (
    PlanOrderRow.id,
    PlanOrderRow.run_id,
    PlanOrderRow.number,
    PlanOrderRow.kind,
    PlanOrderRow.item_id,
    ItemRow.sku,
    PlanOrderRow.quantity,
    PlanOrderRow.release_date,
    PlanOrderRow.due_date,
    PlanOrderRow.location,
    ItemRow.standard_cost,
    ItemRow.list_price,
    ItemRow.currency,
)
_PEG_COLUMNS = (
    func.json_array_length(PlanOrderRow.pegs),
    *(PlanOrderRow.pegs[index] for index in range(PEGS)),
)
"""How many pegs a planned order has and its first :data:`PEGS`, read in SQL (a planned
order's pegs can run to thousands: decoding them all is slow)."""


def _planned(row: Any, pegs: Sequence[Any] = ()) -> PlannedRecord:
    count, *first = pegs or (0,)
    return PlannedRecord(
        row.id, row.run_id, row.number, row.kind, row.item_id, row.sku, row.quantity,
        row.release_date, row.due_date, row.location or "",
        tuple((str(peg[0]), str(peg[1])) for peg in first if peg), int(count or 0),
        row.standard_cost if row.standard_cost is not None else row.list_price,
        row.currency or "EUR",
    )  # fmt: skip


_CANCELLED = "cancelled"


def _dead() -> ColumnElement[bool]:
    """True for a release (:class:`PlanReleaseRow`, of :class:`PlanOrderRow`, both in the
    enclosing query) whose document is cancelled: its PO; its RFQ, or the PO the RFQ's line for
    this planned order was awarded into; its job (``job 45``)."""
    reference = PlanReleaseRow.reference
    po = exists().where(
        PurchaseOrderRow.po_number == reference, PurchaseOrderRow.status == _CANCELLED
    )
    rfq = exists().where(RfqRow.number == reference, RfqRow.status == _CANCELLED)
    awarded = exists().where(
        RfqRow.number == reference,
        RfqLineRow.rfq_id == RfqRow.id,
        RfqLineRow.plan_number == PlanOrderRow.number,
        PurchaseOrderRow.po_number == RfqLineRow.po_number,
        PurchaseOrderRow.status == _CANCELLED,
    )
    job = exists().where(
        literal("job ") + cast(ProductionJobRow.id, String) == reference,
        ProductionJobRow.status == _CANCELLED,
    )
    return or_(
        and_(PlanReleaseRow.kind == "po", po),
        and_(PlanReleaseRow.kind == "rfq", or_(rfq, awarded)),
        and_(PlanReleaseRow.kind == "job", job),
    )


class SqlPlanReleaseStore:
    """Plan releases of one unit of work."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.session = uow.session
        self.actor = uow.actor

    def planned(
        self, run_id: int, numbers: Sequence[int], *, lock: bool = False
    ) -> list[PlannedRecord]:
        """The planned orders ``numbers`` of run ``run_id`` that exist, by number; ``lock``:
        their rows locked until the unit of work ends (PostgreSQL), so two releases of the
        same planned order queue and the second sees the first."""
        query = (
            select(*_COLUMNS, *_PEG_COLUMNS)
            .join(ItemRow, ItemRow.id == PlanOrderRow.item_id)
            .where(PlanOrderRow.run_id == run_id, PlanOrderRow.number.in_(list(numbers)))
            .order_by(PlanOrderRow.number)
        )
        if lock:
            query = query.with_for_update(of=PlanOrderRow)
        width = len(_COLUMNS)
        return [_planned(row, row[width:]) for row in self.session.execute(query)]

    def items(self, item_ids: Iterable[int]) -> dict[int, Item]:
        """The catalog items ``item_ids`` (as quotes and order splitting read them), by id."""
        wanted = sorted(set(item_ids))
        if not wanted:
            return {}
        rows = self.session.connection().execute(ITEMS_BY_ID, {"ids": wanted}).all()
        return {row.id: item_of(row) for row in rows}

    def releases(
        self, run_id: int, numbers: Iterable[int] | None = None
    ) -> dict[int, ReleaseRecord]:
        """The live releases of run ``run_id``'s planned orders (only ``numbers`` if given),
        by planned order number."""
        query = (
            select(PlanOrderRow.number, PlanReleaseRow)
            .join(PlanReleaseRow, PlanReleaseRow.plan_order_id == PlanOrderRow.id)
            .where(PlanOrderRow.run_id == run_id, ~_dead())
        )
        if numbers is not None:
            query = query.where(PlanOrderRow.number.in_(list(numbers)))
        return {
            number: ReleaseRecord(number, r.kind, r.reference, r.released_at, r.released_by)
            for number, r in self.session.execute(query)
        }

    def add(
        self, plan_order_id: int, number: int, kind: str, reference: str, at: datetime
    ) -> ReleaseRecord | None:
        """Record that planned order ``plan_order_id`` went into ``reference``, replacing its
        dead release (its document cancelled), which it answers (None: none); refused if it
        was released meanwhile (the unique key: a release racing this one committed first)."""
        dead = self.session.execute(
            select(PlanReleaseRow)
            .join(PlanOrderRow, PlanOrderRow.id == PlanReleaseRow.plan_order_id)
            .where(PlanReleaseRow.plan_order_id == plan_order_id, _dead())
            .with_for_update(of=PlanReleaseRow)
        ).scalar_one_or_none()
        before = None
        if dead is None:
            row = PlanReleaseRow(plan_order_id=plan_order_id)
            self.session.add(row)
        else:
            row = dead
            before = ReleaseRecord(number, row.kind, row.reference, row.released_at,
                                   row.released_by)  # fmt: skip
        row.kind, row.reference, row.released_at, row.released_by = (
            kind, reference, at, self.actor
        )  # fmt: skip
        try:
            with self.session.begin_nested():
                self.session.flush()
        except IntegrityError as error:
            raise DomainError(
                f"planned order {number} was released by someone else at the same time: "
                "reload and check what it went into"
            ) from error
        return before

    def draft_pos(self, run_id: int, supplier: str) -> list[str]:
        """The draft POs to ``supplier`` made from the plan (source ``sourcing``) that live
        releases of run ``run_id``'s planned orders went into, newest first."""
        query = (
            select(PurchaseOrderRow.po_number)
            .join(PlanReleaseRow, PlanReleaseRow.reference == PurchaseOrderRow.po_number)
            .join(PlanOrderRow, PlanOrderRow.id == PlanReleaseRow.plan_order_id)
            .join(SupplierRow, SupplierRow.id == PurchaseOrderRow.supplier_id)
            .where(
                PlanOrderRow.run_id == run_id,
                PlanReleaseRow.kind == "po",
                PurchaseOrderRow.status == "draft",
                PurchaseOrderRow.source == "sourcing",
                SupplierRow.code == supplier,
            )
            .group_by(PurchaseOrderRow.id, PurchaseOrderRow.po_number)
            .order_by(PurchaseOrderRow.id.desc())
        )
        return list(self.session.scalars(query))

    def due(
        self, run_id: int, today: date, kind: str, limit: int
    ) -> tuple[list[PlannedRecord], int]:
        """Run ``run_id``'s planned orders of ``kind`` released on or before ``today`` and not
        released yet (or released into a document since cancelled): the ``limit`` longest
        overdue (then by number), without their pegs (:meth:`planned` has the first ones), and
        how many there are (read in SQL, in one scan: a large plan has tens of thousands)."""
        released = exists().where(PlanReleaseRow.plan_order_id == PlanOrderRow.id, ~_dead())
        where = (
            PlanOrderRow.run_id == run_id,
            PlanOrderRow.kind == kind,
            PlanOrderRow.release_date <= today,
            ~released,
        )
        rows = self.session.execute(
            select(*_COLUMNS, func.count().over().label("total"))  # one scan: rows and count
            .join(ItemRow, ItemRow.id == PlanOrderRow.item_id)
            .where(*where)
            .order_by(PlanOrderRow.release_date, PlanOrderRow.number)
            .limit(limit)
        ).all()
        return [_planned(row) for row in rows], int(rows[0].total) if rows else 0
