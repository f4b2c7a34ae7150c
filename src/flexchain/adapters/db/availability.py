"""The reads behind what a shop may sell: which finished products an item counts toward, the
module lines of products, and what is available (on hand - reserved) in the warehouses."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from flexchain.adapters.db.tables import BomLineRow, ItemRow, LocationRow, StockBalanceRow

__all__ = ["AvailabilityReads"]

_CHUNK = 10_000
"""Ids bound in one statement at most."""


class AvailabilityReads:
    """Catalog and stock reads for sellable quantities, within a unit of work's session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def item_ids(self, skus: Iterable[str]) -> list[int]:
        """The ids of the items ``skus`` name (unknown SKUs left out)."""
        return list(self.session.scalars(select(ItemRow.id).where(ItemRow.sku.in_(set(skus)))))

    def products_of(self, item_ids: Iterable[int]) -> dict[int, set[int]]:
        """For each of ``item_ids`` that is a finished product or a module of one: those
        finished products (a product counts toward itself).

        The parents are read by child (its index) and kept where finished in a second read:
        joined to the items in one statement, SQLite walked every finished item's BOM lines
        for each id asked (a stock import of 100,000 items took 25 minutes); ids are read in
        chunks (a statement's bound parameters are limited)."""
        ids = list(item_ids)
        found: dict[int, set[int]] = {item: {item} for item in self._finished(ids)}
        parents: dict[int, set[int]] = {}
        for start in range(0, len(ids), _CHUNK):
            for child, parent in self.session.execute(
                select(BomLineRow.child_id, BomLineRow.parent_id).where(
                    BomLineRow.child_id.in_(ids[start : start + _CHUNK])
                )
            ):
                parents.setdefault(child, set()).add(parent)
        finished = self._finished(sorted(set().union(*parents.values())))
        for child, of in parents.items():
            if of & finished:
                found.setdefault(child, set()).update(of & finished)
        return found

    def _finished(self, ids: list[int]) -> set[int]:
        """Those of ``ids`` that are finished products."""
        found: set[int] = set()
        for start in range(0, len(ids), _CHUNK):
            found.update(
                self.session.scalars(
                    select(ItemRow.id).where(
                        ItemRow.id.in_(ids[start : start + _CHUNK]), ItemRow.kind == "finished"
                    )
                )
            )
        return found

    def module_lines(
        self, product_ids: Iterable[int]
    ) -> list[tuple[int, int, Decimal, str | None]]:
        """``(product, module, quantity per product, module type)`` of the products' modules."""
        return [
            (parent, child, Decimal(quantity), module_type)
            for parent, child, quantity, module_type in self.session.execute(
                select(
                    BomLineRow.parent_id,
                    BomLineRow.child_id,
                    BomLineRow.quantity,
                    ItemRow.module_type,
                )
                .join(ItemRow, ItemRow.id == BomLineRow.child_id)
                .where(BomLineRow.parent_id.in_(product_ids), ItemRow.kind == "module")
            ).all()
        ]

    def available(self, item_ids: Iterable[int]) -> dict[int, Decimal]:
        """On hand - reserved over every warehouse, never below zero (items with a balance)."""
        rows = self.session.execute(
            select(
                StockBalanceRow.item_id,
                func.sum(StockBalanceRow.on_hand),
                func.sum(StockBalanceRow.reserved),
            )
            .join(LocationRow, LocationRow.id == StockBalanceRow.location_id)
            .where(StockBalanceRow.item_id.in_(item_ids), LocationRow.kind == "warehouse")
            .group_by(StockBalanceRow.item_id)
        ).all()
        return {
            item: max(Decimal(on_hand) - Decimal(reserved), Decimal(0))
            for item, on_hand, reserved in rows
        }
