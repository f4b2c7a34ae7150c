"""Purchase order lines' store for the import registry and the exports."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from flexchain.adapters.db.tables import ItemRow, LocationRow, PurchaseOrderLineRow, SupplierRow
from flexchain.adapters.db.upserts import stored_rows

__all__ = ["PurchasingStore"]

CHUNK = 500
"""Order numbers per ``IN (...)`` list, small enough for any database."""
Record = dict[str, Any]


class PurchasingStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def lines_of(self, po_numbers: Sequence[str]) -> Iterator[Record]:
        """Every stored line (all its columns) of the orders ``po_numbers``."""
        table = PurchaseOrderLineRow
        for start in range(0, len(po_numbers), CHUNK):
            chunk = po_numbers[start : start + CHUNK]
            yield from stored_rows(self.session, table, table.po_number.in_(chunk))

    def export_lines(self) -> Iterator[Record]:
        """Every line, by order number and line number."""
        line = PurchaseOrderLineRow
        query = (
            select(line, SupplierRow.code, ItemRow.sku, LocationRow.code)
            .join(SupplierRow, SupplierRow.id == line.supplier_id)
            .join(ItemRow, ItemRow.id == line.item_id)
            .outerjoin(LocationRow, LocationRow.id == line.location_id)
            .order_by(line.po_number, line.line_no)
        )
        for row, supplier, sku, location in self.session.execute(query):
            yield {
                "po_number": row.po_number,
                "line": row.line_no,
                "supplier": supplier,
                "sku": sku,
                "quantity": row.quantity,
                "received": row.received_quantity,
                "unit_price": row.unit_price,
                "currency": row.currency,
                "due_date": row.due_date,
                "status": row.status,
                "location": location or "",
            }
