"""What an import refers to, loaded in bulk: one query per table, never one per row."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from flexchain.adapters.db.catalog import ItemRef
from flexchain.adapters.db.imports import ImportStores
from flexchain.adapters.db.locations import LocationRef

__all__ = [
    "ItemRef",
    "LocationRef",
    "Suppliers",
    "contract_ids",
    "item_refs",
    "location_refs",
    "stored_rows",
]


def item_refs(stores: ImportStores) -> dict[str, ItemRef]:
    return stores.catalog.item_refs()


def location_refs(stores: ImportStores) -> dict[str, LocationRef]:
    return stores.locations.refs()


def contract_ids(stores: ImportStores) -> dict[str, int]:
    return stores.contracts.ids()


class Suppliers:
    """Supplier ids by code; a reference may also be the supplier's exact name (Odoo exports
    vendors by name), as long as no two suppliers share it."""

    def __init__(self, suppliers: Iterable[tuple[str, int, str]]) -> None:
        """``suppliers``: (code, id, name) of each, as :meth:`SupplierStore.names` reads them."""
        self.ids: dict[str, int] = {}
        self.codes: dict[int, str] = {}
        self._by_name: dict[str, str | None] = {}
        for code, id_, name in suppliers:
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

    @classmethod
    def load(cls, stores: ImportStores) -> Suppliers:
        return cls(stores.suppliers.names())


def stored_rows(stores: ImportStores, table: str) -> Iterator[dict[str, Any]]:
    """Every stored row of ``table`` (its name in the database) as a dict of column values."""
    return stores.rows.rows(table)
