"""What an import refers to, loaded in bulk: one query per table, never one per row."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from flexchain.adapters.db.tables import Base, ContractRow, ItemRow, LocationRow, SupplierRow

__all__ = [
    "ItemRef",
    "LocationRef",
    "Suppliers",
    "contract_ids",
    "item_refs",
    "location_refs",
    "stored_rows",
]


@dataclass(frozen=True)
class ItemRef:
    id: int
    kind: str
    module_type: str | None


@dataclass(frozen=True)
class LocationRef:
    id: int
    kind: str


def item_refs(session: Session) -> dict[str, ItemRef]:
    rows = session.execute(select(ItemRow.sku, ItemRow.id, ItemRow.kind, ItemRow.module_type))
    return {sku: ItemRef(id_, kind, module_type) for sku, id_, kind, module_type in rows}


def location_refs(session: Session) -> dict[str, LocationRef]:
    rows = session.execute(select(LocationRow.code, LocationRow.id, LocationRow.kind))
    return {code: LocationRef(id_, kind) for code, id_, kind in rows}


def contract_ids(session: Session) -> dict[str, int]:
    return dict(session.execute(select(ContractRow.code, ContractRow.id)).all())


class Suppliers:
    """Supplier ids by code; a reference may also be the supplier's exact name (Odoo exports
    vendors by name), as long as no two suppliers share it."""

    def __init__(self, session: Session) -> None:
        self.ids: dict[str, int] = {}
        self.codes: dict[int, str] = {}
        self._by_name: dict[str, str | None] = {}
        for code, id_, name in session.execute(
            select(SupplierRow.code, SupplierRow.id, SupplierRow.name)
        ):
            self.ids[code] = id_
            self.codes[id_] = code
            key = name.strip().casefold()
            self._by_name[key] = None if key in self._by_name else code

    def resolve(self, reference: str) -> str | None:
        """The supplier code ``reference`` stands for, or ``None`` if it matches none."""
        if reference in self.ids:
            return reference
        return self._by_name.get(reference.strip().casefold())

    def unknown(self, reference: str) -> str:
        """Why ``reference`` (which :meth:`resolve` could not resolve) names no supplier."""
        if reference.strip().casefold() in self._by_name:
            return f"several suppliers are called {reference!r}; give the supplier code"
        return f"unknown supplier {reference!r}"


def stored_rows(session: Session, table: type[Base], *where: Any) -> Iterator[dict[str, Any]]:
    """Every stored row of ``table`` (optionally filtered) as a dict of column values."""
    columns = table.__table__.columns  # type: ignore[attr-defined]
    query = select(*(getattr(table, column.key) for column in columns))
    for row in session.execute(query.where(*where) if where else query):
        yield dict(row._mapping)
