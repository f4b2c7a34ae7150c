"""Spreadsheet exports: ``flexchain export KIND FILE`` and the same from Python.

Each kind is written with exactly the columns its import declares (the ``Column`` definitions in
:mod:`flexchain.services.imports`), one row the way the import reads one row, so exporting and
importing the file again reports everything unchanged. Rows come in natural-key order. Stock is
the on-hand balance per item and internal location; demand, signals and purchase order lines are
the stored rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, aliased

from flexchain.adapters.db.tables import (
    BomLineRow,
    CapabilityRow,
    CertificationRow,
    ContractPriceRow,
    ContractRow,
    DemandHistoryRow,
    ItemRow,
    ItemSupplierRow,
    LocationRow,
    OptionRow,
    PresaleSignalRow,
    PriceBreakRow,
    PurchaseOrderLineRow,
    SupplierRow,
)
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.adapters.spreadsheets import write_table
from flexchain.services import inventory
from flexchain.services.imports import kind_named
from flexchain.services.imports.signals import option_text, timestamp_text
from flexchain.services.imports.supplier_parts import CAPABILITY_FIELDS

__all__ = ["export_file", "export_rows"]

Record = dict[str, Any]
STREAM_BATCH = 10_000
"""Rows fetched at a time for the long kinds (demand history), so memory stays flat."""


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
    query = (
        select(ItemRow, SupplierRow.code)
        .outerjoin(SupplierRow, SupplierRow.id == ItemRow.default_supplier_id)
        .order_by(ItemRow.sku)
    )
    for item, supplier in uow.session.execute(query):
        yield {
            "sku": item.sku,
            "name": item.name,
            "kind": item.kind,
            "uom": item.uom,
            "family": item.family,
            "attributes": "; ".join(f"{key}={value}" for key, value in item.attributes.items()),
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


def _options(uow: UnitOfWork) -> Iterator[Record]:
    query = (
        select(OptionRow, ItemRow.sku)
        .join(ItemRow, ItemRow.id == OptionRow.module_id)
        .order_by(ItemRow.sku, OptionRow.code)
    )
    for option, module in uow.session.execute(query):
        yield {
            "module_sku": module,
            "code": option.code,
            "name": option.name,
            "price_delta": option.price_delta,
            "lead_time_delta_days": option.lead_time_delta_days,
            "currency": option.currency,
        }


def _bom(uow: UnitOfWork) -> Iterator[Record]:
    parent, child = aliased(ItemRow), aliased(ItemRow)
    query = (
        select(parent.sku, child.sku, BomLineRow.quantity, BomLineRow.scrap_pct)
        .join(parent, parent.id == BomLineRow.parent_id)
        .join(child, child.id == BomLineRow.child_id)
        .order_by(parent.sku, child.sku)
    )
    for parent_sku, child_sku, quantity, scrap in uow.session.execute(query):
        yield {
            "parent_sku": parent_sku,
            "child_sku": child_sku,
            "quantity": quantity,
            "scrap_pct": scrap,
            "bom_quantity": None,  # quantities are stored per unit of the parent
        }


def _certifications(session: Session) -> dict[int, str]:
    """Supplier id -> ``NAME YYYY-MM-DD; NAME YYYY-MM-DD``, as the suppliers import reads it."""
    by_supplier: dict[int, list[str]] = defaultdict(list)
    query = select(CertificationRow).order_by(CertificationRow.name)
    for cert in session.scalars(query):
        by_supplier[cert.supplier_id].append(f"{cert.name} {cert.valid_until.isoformat()}")
    return {supplier: "; ".join(certs) for supplier, certs in by_supplier.items()}


def _capabilities(session: Session) -> dict[int, list[CapabilityRow]]:
    by_supplier: dict[int, list[CapabilityRow]] = defaultdict(list)
    for capability in session.scalars(select(CapabilityRow).order_by(CapabilityRow.process)):
        by_supplier[capability.supplier_id].append(capability)
    return by_supplier


def _suppliers(uow: UnitOfWork) -> Iterator[Record]:
    """One row per capability (a supplier without any gets one row with a blank process)."""
    session = uow.session
    certifications = _certifications(session)
    capabilities = _capabilities(session)
    no_capability: Record = {"process": None, **dict.fromkeys(CAPABILITY_FIELDS)}
    for supplier in session.scalars(select(SupplierRow).order_by(SupplierRow.code)):
        own = {
            "code": supplier.code,
            "name": supplier.name,
            "tier": supplier.tier,
            "country": supplier.country,
            "latitude": supplier.latitude,
            "longitude": supplier.longitude,
            "payment_terms_days": supplier.payment_terms_days,
            "currency": supplier.currency,
            "carbon_intensity": supplier.carbon_intensity,
            "email": supplier.email,
            "active": supplier.active,
            "certifications": certifications.get(supplier.id),
        }
        parts = [
            {"process": cap.process, **{name: getattr(cap, name) for name in CAPABILITY_FIELDS}}
            for cap in capabilities.get(supplier.id, ())
        ]
        for part in parts or [no_capability]:
            yield {**own, **part}


def _item_suppliers(uow: UnitOfWork) -> Iterator[Record]:
    """One row per price break, the pair's terms repeated on each."""
    session = uow.session
    breaks: dict[int, list[PriceBreakRow]] = defaultdict(list)
    for price_break in session.scalars(select(PriceBreakRow).order_by(PriceBreakRow.min_quantity)):
        breaks[price_break.item_supplier_id].append(price_break)
    query = (
        select(ItemSupplierRow, ItemRow.sku, SupplierRow.code)
        .join(ItemRow, ItemRow.id == ItemSupplierRow.item_id)
        .join(SupplierRow, SupplierRow.id == ItemSupplierRow.supplier_id)
        .order_by(ItemRow.sku, SupplierRow.code)
    )
    for terms, sku, supplier in session.execute(query):
        pair = {
            "item_sku": sku,
            "supplier_code": supplier,
            "currency": terms.currency,
            "lead_time_days": terms.lead_time_days,
            "moq": terms.moq,
            "order_multiple": terms.order_multiple,
            "valid_from": terms.valid_from,
            "valid_to": terms.valid_to,
        }
        for price_break in breaks.get(terms.id, ()):
            yield {
                **pair,
                "min_quantity": price_break.min_quantity,
                "unit_price": price_break.unit_price,
            }


def _contracts(uow: UnitOfWork) -> Iterator[Record]:
    query = (
        select(ContractRow, SupplierRow.code)
        .join(SupplierRow, SupplierRow.id == ContractRow.supplier_id)
        .order_by(ContractRow.code)
    )
    for contract, supplier in uow.session.execute(query):
        yield {
            "code": contract.code,
            "supplier_code": supplier,
            "valid_from": contract.valid_from,
            "valid_to": contract.valid_to,
            "currency": contract.currency,
            "topup_max_units": contract.topup_max_units,
            "topup_max_premium_pct": contract.topup_max_premium_pct,
            "retention_pct": contract.retention_pct,
            "retention_settlement": contract.retention_settlement,
            "capacity_reserved_pct": contract.capacity_reserved_pct,
            "capacity_monthly_fee": contract.capacity_monthly_fee,
            "capacity_process": contract.capacity_process,
            "notes": contract.notes,
        }


def _contract_prices(uow: UnitOfWork) -> Iterator[Record]:
    query = (
        select(
            ContractRow.code,
            ItemRow.sku,
            ContractPriceRow.min_quantity,
            ContractPriceRow.unit_price,
        )
        .join(ContractRow, ContractRow.id == ContractPriceRow.contract_id)
        .join(ItemRow, ItemRow.id == ContractPriceRow.item_id)
        .order_by(ContractRow.code, ItemRow.sku, ContractPriceRow.min_quantity)
    )
    for contract, sku, minimum, price in uow.session.execute(query):
        yield {
            "contract_code": contract,
            "item_sku": sku,
            "min_quantity": minimum,
            "unit_price": price,
        }


def _locations(uow: UnitOfWork) -> Iterator[Record]:
    target = aliased(LocationRow)
    query = (
        select(LocationRow, SupplierRow.code, target.code)
        .outerjoin(SupplierRow, SupplierRow.id == LocationRow.supplier_id)
        .outerjoin(target, target.id == LocationRow.transit_for_id)
        .order_by(LocationRow.code)
    )
    for location, supplier, transit_for in uow.session.execute(query):
        yield {
            "code": location.code,
            "name": location.name,
            "kind": location.kind,
            "supplier_code": supplier,
            "transit_for": transit_for,
        }


def _stock(uow: UnitOfWork) -> Iterator[Record]:
    """On-hand per item and internal location, as a stock count would record it."""
    for balance in inventory.balances(uow, now=datetime.now(UTC)):
        if balance.on_hand:
            yield {"sku": balance.sku, "location": balance.location, "quantity": balance.on_hand}


def _demand(uow: UnitOfWork) -> Iterator[Record]:
    query = (
        select(
            ItemRow.sku, LocationRow.code, DemandHistoryRow.period_start, DemandHistoryRow.quantity
        )
        .join(ItemRow, ItemRow.id == DemandHistoryRow.item_id)
        .join(LocationRow, LocationRow.id == DemandHistoryRow.location_id)
        .order_by(ItemRow.sku, LocationRow.code, DemandHistoryRow.period_start)
        .execution_options(yield_per=STREAM_BATCH)
    )
    for sku, location, period, quantity in uow.session.execute(query):
        yield {"sku": sku, "location": location, "period_start": period, "quantity": quantity}


def _signals(uow: UnitOfWork) -> Iterator[Record]:
    """Options as ``MODULE/CODE`` and times as ISO text in UTC (``2026-11-02T10:30:00Z``), which
    a spreadsheet keeps as written."""
    module = aliased(ItemRow)
    signal = PresaleSignalRow
    query = (
        select(signal, ItemRow.sku, module.sku)
        .join(ItemRow, ItemRow.id == signal.item_id)
        .outerjoin(module, module.id == signal.module_id)
        .order_by(
            ItemRow.sku, signal.occurred_at, signal.kind, module.sku.nulls_first(),
            signal.option_code, signal.source,
        )
        .execution_options(yield_per=STREAM_BATCH)
    )  # fmt: skip
    for row, sku, module_sku in uow.session.execute(query):
        yield {
            "sku": sku,
            "option": option_text(module_sku, row.option_code),
            "kind": row.kind,
            "quantity": row.quantity,
            "amount": row.amount,
            "currency": row.currency,
            "occurred_at": timestamp_text(row.occurred_at),
            "source": row.source,
        }


def _purchase_orders(uow: UnitOfWork) -> Iterator[Record]:
    line = PurchaseOrderLineRow
    query = (
        select(line, SupplierRow.code, ItemRow.sku)
        .join(SupplierRow, SupplierRow.id == line.supplier_id)
        .join(ItemRow, ItemRow.id == line.item_id)
        .order_by(line.po_number, line.line_no)
    )
    for row, supplier, sku in uow.session.execute(query):
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
        }


_READERS: Mapping[str, Callable[[UnitOfWork], Iterator[Record]]] = {
    "items": _items,
    "options": _options,
    "bom": _bom,
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
