"""Locations' store for the import registry and the exports: location references, which ones
stock has moved through, and the on-hand balances a stock count compares against.

(Posting moves is the stock ledger's business: :mod:`flexchain.services.inventory`.)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, or_, select, union, update
from sqlalchemy.orm import Session

from flexchain.adapters.db.repositories import LocationRepository
from flexchain.adapters.db.tables import (
    ItemRow,
    LocationRow,
    StockBalanceRow,
    StockMoveRow,
)
from flexchain.domain.stock import INTERNAL_KINDS

__all__ = ["STOCK_KINDS", "LocationRef", "LocationStore", "buffer_locations"]

STOCK_KINDS = ("warehouse", "factory")
"""The kinds of location stock is planned at (buffers)."""

Record = dict[str, Any]


@dataclass(frozen=True)
class LocationRef:
    id: int
    kind: str


class LocationStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def refs(self) -> dict[str, LocationRef]:
        """Every location by code: its id and kind."""
        rows = self.session.execute(select(LocationRow.code, LocationRow.id, LocationRow.kind))
        return {code: LocationRef(id_, kind) for code, id_, kind in rows}

    def ids(self) -> dict[str, int]:
        """Location id by code (after an import's inserts: the new ones too)."""
        return dict(self.session.execute(select(LocationRow.code, LocationRow.id)).all())

    def with_moves(self) -> set[int]:
        """Locations stock has moved through (in or out)."""
        query = select(LocationRow.id).where(
            select(StockMoveRow.id)
            .where(
                or_(
                    StockMoveRow.from_location_id == LocationRow.id,
                    StockMoveRow.to_location_id == LocationRow.id,
                )
            )
            .exists()
        )
        return set(self.session.scalars(query))

    def moved_pairs(self) -> set[tuple[int, int]]:
        """(item id, location id) pairs that have moves, in or out."""
        into = select(StockMoveRow.item_id, StockMoveRow.to_location_id)
        out = select(StockMoveRow.item_id, StockMoveRow.from_location_id)
        return {(item, location) for item, location in self.session.execute(union(into, out))}

    def balances(self) -> dict[tuple[int, int], tuple[Decimal, Decimal]]:
        """(on hand, reserved) by (item id, location id), for every stored balance."""
        query = select(
            StockBalanceRow.item_id,
            StockBalanceRow.location_id,
            StockBalanceRow.on_hand,
            StockBalanceRow.reserved,
        )
        return {
            (row.item_id, row.location_id): (row.on_hand, row.reserved)
            for row in self.session.execute(query)
        }

    def add(self, code: str, name: str, kind: str) -> None:
        """Insert one location."""
        self.session.execute(insert(LocationRow), [{"code": code, "name": name, "kind": kind}])

    def link_transit(self, links: Sequence[Record]) -> None:
        """Set ``transit_for_id`` of each ``{"id", "transit_for_id"}`` in one statement."""
        if links:
            self.session.execute(update(LocationRow), list(links))

    # --- exports, in natural-key order -----------------------------------------------------------

    def export_locations(self) -> Iterator[Record]:
        """Every location by code (read as domain locations)."""
        for location in LocationRepository(self.session).all():
            yield {
                "code": location.code,
                "name": location.name,
                "kind": location.kind.value,
                "supplier_code": location.supplier_code,
                "transit_for": location.transit_for,
            }

    def export_on_hand(self) -> Iterator[Record]:
        """On hand per item and internal location where it is not zero, by SKU and location (as
        a stock count records it; reservations do not change what is on hand)."""
        query = (
            select(ItemRow.sku, LocationRow.code, StockBalanceRow.on_hand)
            .join(ItemRow, ItemRow.id == StockBalanceRow.item_id)
            .join(LocationRow, LocationRow.id == StockBalanceRow.location_id)
            .where(LocationRow.kind.in_(INTERNAL_KINDS), StockBalanceRow.on_hand != 0)
            .order_by(ItemRow.sku, LocationRow.code)
        )
        for sku, location, on_hand in self.session.execute(query):
            yield {"sku": sku, "location": location, "quantity": on_hand}


def buffer_locations(session: Session) -> tuple[str, dict[int, str]]:
    """The home location's code and every stocking location as a buffer location: the home
    location (the first warehouse by code, where purchase order lines without a location are
    received; else the first factory) is ``""``, every other warehouse or factory its code."""
    rows = session.execute(
        select(LocationRow.id, LocationRow.code, LocationRow.kind)
        .where(LocationRow.kind.in_(STOCK_KINDS))
        .order_by(LocationRow.code)
    ).all()
    homes = [code for _, code, kind in rows if kind == "warehouse"] or [c for _, c, _ in rows]
    home = homes[0] if homes else ""
    return home, {id_: "" if code == home else code for id_, code, _ in rows}
