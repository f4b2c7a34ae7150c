"""Spreadsheet exports: ``flexchain export KIND FILE`` and the same from Python.

Each kind is written with exactly the columns its import declares (the ``Column`` definitions in
:mod:`flexchain.services.imports`), one row the way the import reads one row, so exporting and
importing the file again reports everything unchanged. Rows come in natural-key order. Stock is
the on-hand balance per item and internal location; demand, signals and purchase order lines are
the stored rows. The rows are read through the stores under :mod:`flexchain.adapters.db`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flexchain.adapters.db.catalog import CatalogStore
from flexchain.adapters.db.contracts import ContractStore
from flexchain.adapters.db.demand import DemandStore
from flexchain.adapters.db.locations import LocationStore
from flexchain.adapters.db.purchasing import PurchasingStore
from flexchain.adapters.db.suppliers import SupplierStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.adapters.spreadsheets import write_table
from flexchain.services.imports import kind_named
from flexchain.services.imports.signals import option_text, timestamp_text
from flexchain.services.imports.supplier_parts import CAPABILITY_FIELDS

if TYPE_CHECKING:
    from flexchain.adapters.db.engine import Engine

__all__ = ["export_file", "export_rows"]

Record = dict[str, Any]


def export_rows(uow: UnitOfWork, kind: str) -> tuple[list[str], Iterator[list[Any]]]:
    """The headers of ``kind`` (its import's canonical column names) and its rows, lazily.

    Consume the rows inside ``uow``'s ``with`` block: they are read as they are iterated.

    Raises
    ------
    ValidationError
        ``kind`` is not an import kind.
    """
    spec = kind_named(kind)
    headers = [column.name for column in spec.columns]
    records = _READERS[spec.name](uow)
    # record[name], not .get: a column added to an import without its export fails loudly.
    return headers, ([record[name] for name in headers] for record in records)


def export_file(engine: Engine, kind: str, path: str | Path) -> int:
    """Write ``kind`` to a CSV or XLSX file (by extension); returns the rows written.

    Raises
    ------
    ValidationError
        ``kind`` is not an import kind.
    SpreadsheetError
        The extension is neither ``.csv`` nor ``.xlsx``, or the rows do not fit in a sheet.
    """
    sheet = kind_named(kind).name
    with UnitOfWork(engine, write=False) as uow:
        headers, rows = export_rows(uow, kind)
        return write_table(path, headers, rows, sheet=sheet)


# --- one reader per kind -------------------------------------------------------------------------


def _items(uow: UnitOfWork) -> Iterator[Record]:
    for item in CatalogStore(uow.session).export_items():
        attributes = item["attributes"]
        yield {**item, "attributes": "; ".join(f"{k}={v}" for k, v in attributes.items())}


def _options(uow: UnitOfWork) -> Iterator[Record]:
    return CatalogStore(uow.session).export_options()


def _option_materials(uow: UnitOfWork) -> Iterator[Record]:
    return CatalogStore(uow.session).export_option_materials()


def _bom(uow: UnitOfWork) -> Iterator[Record]:
    for line in CatalogStore(uow.session).export_bom():
        yield {**line, "bom_quantity": None}  # quantities are stored per unit of the parent


def _suppliers(uow: UnitOfWork) -> Iterator[Record]:
    """One row per capability (a supplier without any gets one row with a blank process)."""
    no_capability: Record = {"process": None, **dict.fromkeys(CAPABILITY_FIELDS)}
    for own, capabilities in SupplierStore(uow.session).export_suppliers(CAPABILITY_FIELDS):
        for part in capabilities or [no_capability]:
            yield {**own, **part}


def _item_suppliers(uow: UnitOfWork) -> Iterator[Record]:
    """One row per price break, the pair's terms repeated on each."""
    return SupplierStore(uow.session).export_item_suppliers()


def _contracts(uow: UnitOfWork) -> Iterator[Record]:
    return ContractStore(uow.session).export_contracts()


def _contract_prices(uow: UnitOfWork) -> Iterator[Record]:
    return ContractStore(uow.session).export_prices()


def _locations(uow: UnitOfWork) -> Iterator[Record]:
    return LocationStore(uow.session).export_locations()


def _stock(uow: UnitOfWork) -> Iterator[Record]:
    """On-hand per item and internal location, as a stock count would record it."""
    return LocationStore(uow.session).export_on_hand()


def _demand(uow: UnitOfWork) -> Iterator[Record]:
    return DemandStore(uow.session).export_history()


def _signals(uow: UnitOfWork) -> Iterator[Record]:
    """Options as ``MODULE/CODE`` and times as ISO text in UTC (``2026-11-02T10:30:00Z``), which
    a spreadsheet keeps as written."""
    for row in DemandStore(uow.session).export_signals():
        yield {
            "sku": row["sku"],
            "option": option_text(row["module_sku"], row["option_code"]),
            "kind": row["kind"],
            "quantity": row["quantity"],
            "amount": row["amount"],
            "currency": row["currency"],
            "occurred_at": timestamp_text(row["occurred_at"]),
            "source": row["source"],
        }


def _purchase_orders(uow: UnitOfWork) -> Iterator[Record]:
    return PurchasingStore(uow.session).export_lines()


_READERS: Mapping[str, Callable[[UnitOfWork], Iterator[Record]]] = {
    "items": _items,
    "options": _options,
    "bom": _bom,
    "option-materials": _option_materials,
    "suppliers": _suppliers,
    "item-suppliers": _item_suppliers,
    "contracts": _contracts,
    "contract-prices": _contract_prices,
    "locations": _locations,
    "stock": _stock,
    "demand": _demand,
    "signals": _signals,
    "purchase-orders": _purchase_orders,
}
