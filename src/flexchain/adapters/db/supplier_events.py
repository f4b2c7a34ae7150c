"""The supplier events store: every statement of improvement suggestions, samples, supplier
health data and PO change requests, and the numbers they get (``SUG-``, ``SMP-``, ``CHG-``).

A supplier's user (``uow.supplier_scope``) sees only its own records: the others do not exist
for it (another supplier's number answers :class:`NotFound`, as an unknown one does).
Nothing here commits: the caller's unit of work does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import aliased

from flexchain.adapters.db.dialect import insert_for
from flexchain.adapters.db.tables import ItemRow, SupplierRow
from flexchain.adapters.db.tables.supplier_events import (
    ImprovementSuggestionRow,
    PoChangeRequestRow,
    SampleRow,
    SupplierEventCounterRow,
    SupplierHealthRow,
)
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.errors import NotFound
from flexchain.domain.supplier_events import (
    ChangeRequest,
    ChangeStatus,
    FirstArticle,
    HealthFigure,
    Sample,
    SampleStatus,
    Suggestion,
    SuggestionStatus,
)

__all__ = ["PREFIXES", "SqlSupplierEventStore", "SupplierRef"]

PREFIXES = {"sug": "SUG-", "smp": "SMP-", "chg": "CHG-"}
"""Record kind -> number prefix; numbers are the prefix and six digits (more past 999999)."""
_ROWS: dict[str, Any] = {
    "sug": ImprovementSuggestionRow,
    "smp": SampleRow,
    "chg": PoChangeRequestRow,
}


@dataclass(frozen=True)
class SupplierRef:
    id: int
    code: str
    name: str


def _suggestion(row: ImprovementSuggestionRow, supplier: str, item: str | None) -> Suggestion:
    return Suggestion(
        row.number, supplier, item, row.title, row.description, row.expected_saving,
        row.currency, row.expected_lead_time_change_days, row.evidence,
        SuggestionStatus(row.status), row.submitted_at, row.submitted_by, row.decided_at,
        row.decided_by, row.decision_note, row.recorded_value,
    )  # fmt: skip


def _sample(row: SampleRow, supplier: str, item: str | None) -> Sample:
    return Sample(
        row.number, supplier, item, row.description, row.requested_at, row.requested_by,
        row.due_by, row.delivered_at,
        FirstArticle(row.first_article) if row.first_article else None, row.inspected_at,
        SampleStatus(row.status), row.note,
    )  # fmt: skip


def _change(row: PoChangeRequestRow, supplier: str) -> ChangeRequest:
    return ChangeRequest(
        row.number, row.po_number, row.line_no, supplier, row.old_quantity, row.new_quantity,
        row.change_pct, row.requested_at, row.requested_by, ChangeStatus(row.status),
        row.answered_at, row.answered_by, row.new_date, row.note,
    )  # fmt: skip


class SqlSupplierEventStore:
    """Suggestions, samples, health data and change requests of one unit of work."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.session = uow.session
        self.scope = uow.supplier_scope
        self.actor = uow.actor

    # -- numbers ------------------------------------------------------------------------------

    def _counter(self, kind: str) -> int | None:
        return self.session.scalar(
            select(SupplierEventCounterRow.value)
            .where(SupplierEventCounterRow.name == kind)
            .with_for_update()
        )

    def _seed(self, kind: str) -> int:
        prefix = PREFIXES[kind]
        column = _ROWS[kind].number
        pattern = re.compile(re.escape(prefix) + r"(\d+)")
        seed = 0
        for (value,) in self.session.execute(select(column).where(column.like(f"{prefix}%"))):
            match = pattern.fullmatch(value)
            seed = max(seed, int(match.group(1))) if match else seed
        return seed

    def next_number(self, kind: str) -> str:
        """The next number of ``kind`` (``sug``, ``smp``, ``chg``). The counter row stays locked
        until the unit of work ends, so concurrent writers get different numbers; its first use
        starts after the highest number already stored."""
        prefix = PREFIXES[kind]
        last = self._counter(kind)
        if last is None:  # first use: a concurrent first use waits on this row, then goes on
            self.session.execute(
                insert_for(self.session, SupplierEventCounterRow)
                .values(name=kind, value=self._seed(kind))
                .on_conflict_do_nothing(index_elements=["name"])
            )
            last = self._counter(kind)
            assert last is not None
        value = last + 1
        self.session.execute(
            update(SupplierEventCounterRow)
            .where(SupplierEventCounterRow.name == kind)
            .values(value=value)
        )
        return f"{prefix}{value:06d}"

    # -- reference data -----------------------------------------------------------------------

    def supplier(self, code: str) -> SupplierRef:
        """Supplier ``code`` (a supplier's user: only its own)."""
        query = select(SupplierRow.id, SupplierRow.code, SupplierRow.name).where(
            SupplierRow.code == code
        )
        if self.scope is not None:
            query = query.where(SupplierRow.id == self.scope)
        row = self.session.execute(query).first()
        if row is None:
            raise NotFound(f"unknown supplier {code!r}")
        return SupplierRef(*row)

    def own_supplier(self) -> SupplierRef | None:
        """The supplier a supplier's user acts for; None for the brand's users."""
        if self.scope is None:
            return None
        row = self.session.execute(
            select(SupplierRow.id, SupplierRow.code, SupplierRow.name).where(
                SupplierRow.id == self.scope
            )
        ).one()
        return SupplierRef(*row)

    def suppliers(self, codes: Iterable[str]) -> dict[str, int]:
        """Ids of the suppliers ``codes`` that exist (a supplier's user: only its own)."""
        query = select(SupplierRow.code, SupplierRow.id).where(SupplierRow.code.in_(set(codes)))
        if self.scope is not None:
            query = query.where(SupplierRow.id == self.scope)
        return {code: id_ for code, id_ in self.session.execute(query)}

    def item_id(self, sku: str) -> int:
        found = self.session.scalar(select(ItemRow.id).where(ItemRow.sku == sku))
        if found is None:
            raise NotFound(f"unknown item {sku!r}")
        return found

    def _scoped(self, query: Any, column: Any) -> Any:
        return query if self.scope is None else query.where(column == self.scope)

    # -- suggestions --------------------------------------------------------------------------

    def add_suggestion(self, **values: Any) -> None:
        self.session.add(ImprovementSuggestionRow(**values))
        self.session.flush()

    def _suggestions(self) -> Any:
        row = ImprovementSuggestionRow
        query = (
            select(row, SupplierRow.code, ItemRow.sku)
            .join(SupplierRow, SupplierRow.id == row.supplier_id)
            .outerjoin(ItemRow, ItemRow.id == row.item_id)
            .execution_options(populate_existing=True)
        )
        return self._scoped(query, row.supplier_id)

    def suggestion(self, number: str, *, lock: bool = False) -> Suggestion:
        query = self._suggestions().where(ImprovementSuggestionRow.number == number)
        if lock:
            query = query.with_for_update(of=ImprovementSuggestionRow)
        found = self.session.execute(query).first()
        if found is None:
            raise NotFound(f"no suggestion {number!r}")
        return _suggestion(*found)

    def suggestions(
        self, *, supplier: str | None, status: str | None, limit: int
    ) -> list[Suggestion]:
        """Newest first."""
        query = self._suggestions()
        if supplier is not None:
            query = query.where(SupplierRow.code == supplier)
        if status is not None:
            query = query.where(ImprovementSuggestionRow.status == status)
        query = query.order_by(ImprovementSuggestionRow.id.desc()).limit(limit)
        return [_suggestion(*found) for found in self.session.execute(query)]

    def set_suggestion(self, number: str, **values: Any) -> None:
        self.session.execute(
            update(ImprovementSuggestionRow)
            .where(ImprovementSuggestionRow.number == number)
            .values(**values)
        )

    # -- samples ------------------------------------------------------------------------------

    def add_sample(self, **values: Any) -> None:
        self.session.add(SampleRow(**values))
        self.session.flush()

    def _samples(self) -> Any:
        query = (
            select(SampleRow, SupplierRow.code, ItemRow.sku)
            .join(SupplierRow, SupplierRow.id == SampleRow.supplier_id)
            .outerjoin(ItemRow, ItemRow.id == SampleRow.item_id)
            .execution_options(populate_existing=True)
        )
        return self._scoped(query, SampleRow.supplier_id)

    def sample(self, number: str, *, lock: bool = False) -> Sample:
        query = self._samples().where(SampleRow.number == number)
        if lock:
            query = query.with_for_update(of=SampleRow)
        found = self.session.execute(query).first()
        if found is None:
            raise NotFound(f"no sample {number!r}")
        return _sample(*found)

    def samples(self, *, supplier: str | None, status: str | None, limit: int) -> list[Sample]:
        """Newest first."""
        query = self._samples()
        if supplier is not None:
            query = query.where(SupplierRow.code == supplier)
        if status is not None:
            query = query.where(SampleRow.status == status)
        query = query.order_by(SampleRow.id.desc()).limit(limit)
        return [_sample(*found) for found in self.session.execute(query)]

    def set_sample(self, number: str, **values: Any) -> None:
        self.session.execute(update(SampleRow).where(SampleRow.number == number).values(**values))

    # -- health -------------------------------------------------------------------------------

    def health_of(self, keys: Iterable[tuple[int, date]]) -> dict[tuple[int, date], HealthFigure]:
        """The stored figures of ``(supplier id, as_of)`` pairs that exist."""
        wanted = set(keys)
        ids = {supplier for supplier, _ in wanted}
        rows = self.session.execute(
            select(SupplierHealthRow, SupplierRow.code)
            .join(SupplierRow, SupplierRow.id == SupplierHealthRow.supplier_id)
            .where(SupplierHealthRow.supplier_id.in_(ids))
        )
        return {
            (row.supplier_id, row.as_of): _health(row, code)
            for row, code in rows
            if (row.supplier_id, row.as_of) in wanted
        }

    def put_health(self, supplier_id: int, figure: HealthFigure, *, exists: bool) -> None:
        values = {
            "financial_score": figure.financial_score,
            "staff_turnover_pct": figure.staff_turnover_pct,
            "source": figure.source,
        }
        if exists:
            self.session.execute(
                update(SupplierHealthRow)
                .where(
                    SupplierHealthRow.supplier_id == supplier_id,
                    SupplierHealthRow.as_of == figure.as_of,
                )
                .values(**values)
            )
        else:
            self.session.add(
                SupplierHealthRow(supplier_id=supplier_id, as_of=figure.as_of, **values)
            )
            self.session.flush()

    def health(
        self, *, supplier: str | None, since: date | None, latest: bool
    ) -> list[HealthFigure]:
        """By supplier code, then date (``latest``: each supplier's newest row only)."""
        query = select(SupplierHealthRow, SupplierRow.code).join(
            SupplierRow, SupplierRow.id == SupplierHealthRow.supplier_id
        )
        query = self._scoped(query, SupplierHealthRow.supplier_id)
        if supplier is not None:
            query = query.where(SupplierRow.code == supplier)
        if since is not None:
            query = query.where(SupplierHealthRow.as_of >= since)
        if latest:
            newer = aliased(SupplierHealthRow)
            query = query.where(
                ~select(newer.id)
                .where(
                    newer.supplier_id == SupplierHealthRow.supplier_id,
                    newer.as_of > SupplierHealthRow.as_of,
                )
                .exists()
            )
        query = query.order_by(SupplierRow.code, SupplierHealthRow.as_of)
        return [_health(row, code) for row, code in self.session.execute(query)]

    # -- change requests ----------------------------------------------------------------------

    def add_change(self, **values: Any) -> None:
        self.session.add(PoChangeRequestRow(**values))
        self.session.flush()

    def _changes(self) -> Any:
        query = (
            select(PoChangeRequestRow, SupplierRow.code)
            .join(SupplierRow, SupplierRow.id == PoChangeRequestRow.supplier_id)
            .execution_options(populate_existing=True)
        )
        return self._scoped(query, PoChangeRequestRow.supplier_id)

    def change(self, number: str, *, lock: bool = False) -> ChangeRequest:
        query = self._changes().where(PoChangeRequestRow.number == number)
        if lock:
            query = query.with_for_update(of=PoChangeRequestRow)
        found = self.session.execute(query).first()
        if found is None:
            raise NotFound(f"no change request {number!r}")
        return _change(*found)

    def changes(
        self,
        *,
        po_number: str | None = None,
        supplier: str | None = None,
        status: str | None = None,
        limit: int = 1000,
    ) -> list[ChangeRequest]:
        """Newest first."""
        query = self._changes()
        if po_number is not None:
            query = query.where(PoChangeRequestRow.po_number == po_number)
        if supplier is not None:
            query = query.where(SupplierRow.code == supplier)
        if status is not None:
            query = query.where(PoChangeRequestRow.status == status)
        query = query.order_by(PoChangeRequestRow.id.desc()).limit(limit)
        return [_change(*found) for found in self.session.execute(query)]

    def open_change(self, po_number: str, line_no: int) -> str | None:
        """The number of the line's open change request, if any."""
        return self.session.scalar(
            select(PoChangeRequestRow.number).where(
                PoChangeRequestRow.po_number == po_number,
                PoChangeRequestRow.line_no == line_no,
                PoChangeRequestRow.status == ChangeStatus.OPEN.value,
            )
        )

    def set_change(self, number: str, **values: Any) -> None:
        self.session.execute(
            update(PoChangeRequestRow).where(PoChangeRequestRow.number == number).values(**values)
        )


def _health(row: SupplierHealthRow, code: str) -> HealthFigure:
    return HealthFigure(code, row.as_of, row.financial_score, row.staff_turnover_pct, row.source)
