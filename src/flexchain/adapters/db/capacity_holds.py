"""The capacity holds' store: "hold 300 m for two weeks, firm order within 48 h", recorded with
their expiry; the sourcing optimiser reads :meth:`SqlHoldStore.active_holds`.

A supplier's user sees only its own holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update

from flexchain.adapters.db.buying import record_of
from flexchain.adapters.db.tables import CapacityHoldRow, ItemRow, SupplierRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.errors import NotFound

__all__ = ["HoldRecord", "SqlHoldStore"]


@dataclass(frozen=True)
class HoldRecord:
    id: int
    supplier: str
    item_sku: str | None
    process: str | None
    quantity: Decimal
    unit: str
    held_from: date
    held_until: date
    firm_by: datetime
    status: str
    po_number: str | None
    note: str
    created_at: datetime
    decline_reason: str


class SqlHoldStore:
    """Capacity holds of one unit of work."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.session = uow.session
        self.scope = uow.supplier_scope

    def add_hold(self, supplier_id: int, item_id: int | None, **values: Any) -> int:
        row = CapacityHoldRow(supplier_id=supplier_id, item_id=item_id, **values)
        self.session.add(row)
        self.session.flush()
        return row.id

    def _hold_query(self) -> Any:
        query = (
            select(CapacityHoldRow, SupplierRow.code, ItemRow.sku)
            .join(SupplierRow, SupplierRow.id == CapacityHoldRow.supplier_id)
            .outerjoin(ItemRow, ItemRow.id == CapacityHoldRow.item_id)
            .execution_options(populate_existing=True)
        )
        if self.scope is not None:
            query = query.where(CapacityHoldRow.supplier_id == self.scope)
        return query

    def hold(self, hold_id: int, *, lock: bool = False) -> HoldRecord:
        query = self._hold_query().where(CapacityHoldRow.id == hold_id)
        if lock:
            query = query.with_for_update(of=CapacityHoldRow)
        row = self.session.execute(query).first()
        if row is None:
            raise NotFound(f"no capacity hold {hold_id}")
        return _hold(*row)

    def holds(
        self,
        *,
        supplier: str | None = None,
        active_at: datetime | None = None,
    ) -> list[HoldRecord]:
        """Holds by start date, of one supplier; ``active_at``: only those the brand can still
        call then (held, ``firm_by`` not passed, ``held_until`` not over)."""
        query = self._hold_query()
        if supplier is not None:
            query = query.where(SupplierRow.code == supplier)
        if active_at is not None:
            query = query.where(
                CapacityHoldRow.status == "held",
                CapacityHoldRow.firm_by >= active_at,
                CapacityHoldRow.held_until >= active_at.date(),
            )
        query = query.order_by(CapacityHoldRow.held_from, CapacityHoldRow.id)
        return [_hold(*row) for row in self.session.execute(query)]

    def active_holds(self, at: datetime) -> list[HoldRecord]:
        """Every hold still callable at ``at`` (lapsed, firmed and released ones left out):
        what the sourcing optimiser counts as the brand's capacity."""
        return self.holds(active_at=at)

    def set_hold(self, hold_id: int, **values: Any) -> None:
        self.session.execute(
            update(CapacityHoldRow).where(CapacityHoldRow.id == hold_id).values(**values)
        )


def _hold(row: CapacityHoldRow, supplier: str, sku: str | None) -> HoldRecord:
    return record_of(HoldRecord, row, supplier=supplier, item_sku=sku)
