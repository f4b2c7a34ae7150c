"""The catalog's store for the import registry and the exports: item references, the BOM and the
options, read in bulk (one query per table, never one per row), and the export rows in key order
(the BOM and the options through :class:`~flexchain.adapters.db.repositories.CatalogRepository`,
the read side that hands back domain objects).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, aliased

from flexchain.adapters.db.repositories import CatalogRepository
from flexchain.adapters.db.tables import (
    BomLineRow,
    ItemRow,
    OptionComponentRow,
    OptionRow,
    SupplierRow,
)

__all__ = ["CatalogStore", "ItemRef"]

Record = dict[str, Any]


@dataclass(frozen=True)
class ItemRef:
    id: int
    kind: str
    module_type: str | None


class CatalogStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def item_refs(self) -> dict[str, ItemRef]:
        """Every item by SKU: its id, kind and module type."""
        rows = self.session.execute(
            select(ItemRow.sku, ItemRow.id, ItemRow.kind, ItemRow.module_type)
        )
        return {sku: ItemRef(id_, kind, module_type) for sku, id_, kind, module_type in rows}

    def bom_edges(self) -> list[tuple[int, int]]:
        """Every BOM line as (parent id, child id), by child id."""
        lines = select(BomLineRow.parent_id, BomLineRow.child_id).order_by(BomLineRow.child_id)
        return [(parent, child) for parent, child in self.session.execute(lines)]

    def option_codes(self) -> list[tuple[int, str]]:
        """Every option as (module id, code)."""
        query = select(OptionRow.module_id, OptionRow.code)
        return [(module, code) for module, code in self.session.execute(query)]

    def date_item(self, sku: str, at: datetime) -> None:
        """Stamp the item ``sku`` as created (and last changed) at ``at``: for a replay of
        history that enters an item on a past day (the demo's launches); a write stamps the
        time of writing."""
        self.session.execute(
            update(ItemRow).where(ItemRow.sku == sku).values(created_at=at, updated_at=at)
        )

    # --- exports, in natural-key order -----------------------------------------------------------

    def export_items(self) -> Iterator[Record]:
        query = (
            select(ItemRow, SupplierRow.code)
            .outerjoin(SupplierRow, SupplierRow.id == ItemRow.default_supplier_id)
            .order_by(ItemRow.sku)
        )
        for item, supplier in self.session.execute(query):
            yield {
                "sku": item.sku,
                "name": item.name,
                "kind": item.kind,
                "uom": item.uom,
                "family": item.family,
                "attributes": item.attributes,
                "module_type": item.module_type,
                "production_cycle_days": item.production_cycle_days,
                "moq": item.moq,
                "order_multiple": item.order_multiple,
                "default_supplier": supplier,
                "list_price": item.list_price,
                "standard_cost": item.standard_cost,
                "currency": item.currency,
                "active": item.active,
            }

    def export_options(self) -> Iterator[Record]:
        """Every option, by module SKU and code (read as domain options)."""
        for option in CatalogRepository(self.session).options():
            yield {
                "module_sku": option.module_sku,
                "code": option.code,
                "name": option.name,
                "price_delta": option.price_delta,
                "lead_time_delta_days": option.lead_time_delta_days,
                "currency": option.currency,
            }

    def export_bom(self) -> Iterator[Record]:
        """Every BOM line, quantities per unit of the parent, by parent and child SKU."""
        for line in CatalogRepository(self.session).bom_lines():
            yield {
                "parent_sku": line.parent_sku,
                "child_sku": line.child_sku,
                "quantity": line.quantity,
                "scrap_pct": line.scrap_pct,
            }

    def export_option_materials(self) -> Iterator[Record]:
        """Every option's component, by module SKU, option code and component SKU."""
        module, component = aliased(ItemRow), aliased(ItemRow)
        row = OptionComponentRow
        query = (
            select(module.sku, OptionRow.code, component.sku, row.quantity, row.scrap_pct)
            .select_from(row)
            .join(OptionRow, OptionRow.id == row.option_id)
            .join(module, module.id == OptionRow.module_id)
            .join(component, component.id == row.component_id)
            .order_by(module.sku, OptionRow.code, component.sku)
        )
        for module_sku, code, component_sku, quantity, scrap in self.session.execute(query):
            yield {
                "module_sku": module_sku,
                "code": code,
                "component_sku": component_sku,
                "quantity": quantity,
                "scrap_pct": scrap,
            }
