"""What the stock commands read and write beyond the ledger itself: the external locations they
post from and to, the supplier site a receipt comes from, and the purchase order lines a receipt
counts against. The moves and balances go through
:class:`~flexchain.adapters.db.stock.SqlStockStore`.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import insert, select, update

from flexchain.adapters.db.tables import (
    ItemRow,
    LocationRow,
    PurchaseOrderLineRow,
    SupplierRow,
)
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.errors import ValidationError
from flexchain.domain.purchasing import POStatus
from flexchain.domain.stock import LocationKind
from flexchain.domain.stock_commands import OpenLine, ReceivedLine

__all__ = ["StockCommandStore"]


class StockCommandStore:
    """Within one unit of work (nothing here commits)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._session = uow.session

    def ensure_location(self, code: str, name: str, kind: LocationKind) -> None:
        """Create the external location ``code`` if missing; refuse one of another kind."""
        found = self._session.scalar(select(LocationRow.kind).where(LocationRow.code == code))
        if found is None:
            self._session.execute(
                insert(LocationRow), [{"code": code, "name": name, "kind": kind.value}]
            )
        elif found != kind.value:
            raise ValidationError(
                "location", f"location {code} must be a {kind.value} location, not {found}"
            )

    def supplier_site(self, supplier_code: str) -> str | None:
        """The code of the supplier's own (external, supplier-kind) location, if it has one."""
        return self._session.scalar(
            select(LocationRow.code)
            .join(SupplierRow, SupplierRow.id == LocationRow.supplier_id)
            .where(
                SupplierRow.code == supplier_code,
                LocationRow.kind == LocationKind.SUPPLIER.value,
            )
            .order_by(LocationRow.code)
            .limit(1)
        )

    def has_order(self, po_number: str) -> bool:
        """Whether any line of purchase order ``po_number`` is on record."""
        line = PurchaseOrderLineRow
        return (
            self._session.scalar(select(line.id).where(line.po_number == po_number).limit(1))
            is not None
        )

    def open_lines(self, po_number: str, sku: str, line_no: int | None) -> list[OpenLine]:
        """The open lines of ``po_number`` for item ``sku`` still expecting something (one line
        if ``line_no`` is given), locked for the receipt, in line order."""
        line = PurchaseOrderLineRow
        query = (
            select(line.line_no, SupplierRow.code, line.quantity, line.received_quantity)
            .join(ItemRow, ItemRow.id == line.item_id)
            .join(SupplierRow, SupplierRow.id == line.supplier_id)
            .where(
                line.po_number == po_number,
                ItemRow.sku == sku,
                line.status == POStatus.OPEN.value,
                line.received_quantity < line.quantity,
            )
            .order_by(line.line_no)
            .with_for_update(of=line)
        )
        if line_no is not None:
            query = query.where(line.line_no == line_no)
        return [
            OpenLine(po_number, number, supplier, Decimal(ordered), Decimal(received))
            for number, supplier, ordered, received in self._session.execute(query)
        ]

    def set_received(self, lines: Sequence[ReceivedLine]) -> None:
        """Store each line's received quantity and status."""
        line = PurchaseOrderLineRow
        for received in lines:
            self._session.execute(
                update(line)
                .where(line.po_number == received.po_number, line.line_no == received.line_no)
                .values(received_quantity=received.received_quantity, status=received.status.value)
            )
        self._session.flush()
