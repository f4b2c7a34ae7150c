"""Import kind ``items``: the catalog, one row per SKU, upserted by SKU."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flexchain.domain.catalog import UOMS, Item, ItemKind, ModuleType, check_sku_rule
from flexchain.domain.errors import ValidationError
from flexchain.domain.values import MONEY_PLACES, QUANTITY_PLACES
from flexchain.services.imports import cells
from flexchain.services.imports.aliases import UOMS as UOM_NAMES
from flexchain.services.imports.cells import CellError
from flexchain.services.imports.columns import Column, Parsed, Seen
from flexchain.services.imports.lookups import Suppliers, stored_rows
from flexchain.services.imports.pipeline import Checked, Kind, Plan
from flexchain.services.imports.writing import Upserts

__all__ = ["ITEMS"]

QUANTITY = cells.decimal(QUANTITY_PLACES)
MONEY = cells.decimal(MONEY_PLACES)
ATTRIBUTE_PREFIX = "attr."


def unit(value: Any) -> str:
    """A unit of measure; Odoo's and ERPNext's names (Units, Nos, Meter...) are translated."""
    word = cells.text(value).lower()
    word = UOM_NAMES.get(word, word)
    if word not in UOMS:
        raise CellError(f"unknown unit {cells.text(value)!r}; use one of {', '.join(UOMS)}")
    return word


COLUMNS = (
    Column("sku", cells.code, required=True),
    Column("name", cells.text, required=True),
    Column("kind", cells.choice(ItemKind)),
    Column("uom", unit, default="pcs"),
    Column("family", cells.text, default=""),
    Column("attributes", cells.pairs),
    Column("module_type", cells.choice(ModuleType)),
    Column("production_cycle_days", cells.integer(), default=0),
    Column("moq", QUANTITY, default=Decimal(0)),
    Column("order_multiple", QUANTITY, default=Decimal(1)),
    Column("default_supplier", cells.reference),
    Column("list_price", MONEY),
    Column("standard_cost", MONEY),
    Column("currency", cells.currency, default="EUR"),
    Column("active", cells.boolean, default=True),
)
_FIELDS = tuple(column.name for column in COLUMNS if column.name != "sku")


def _stored_fields(row: dict[str, Any], suppliers: Suppliers) -> dict[str, Any]:
    fields = {name: row[name] for name in _FIELDS if name in row}
    fields["default_supplier"] = suppliers.codes.get(row["default_supplier_id"])
    return fields


def _attributes(row: Parsed, check: Checked) -> dict[str, str] | None:
    """The row's attributes from ``attributes`` and ``attr.NAME`` columns; None if neither."""
    if not check.layout.has("attributes") and not check.layout.prefixed:
        return None
    attributes = dict(row.values.get("attributes") or {})
    for header, value in row.extra.items():
        attributes[check.layout.prefixed[header]] = cells.text(value)
    return attributes


def _db_values(item: Item, supplier_id: int | None) -> dict[str, Any]:
    return {
        "sku": item.sku,
        "name": item.name,
        "kind": item.kind.value,
        "uom": item.uom,
        "family": item.family,
        "attributes": item.attributes,
        "module_type": item.module_type.value if item.module_type else None,
        "production_cycle_days": item.production_cycle_days,
        "moq": item.moq,
        "order_multiple": item.order_multiple,
        "default_supplier_id": supplier_id,
        "list_price": item.list_price,
        "standard_cost": item.standard_cost,
        "currency": item.currency,
        "active": item.active,
    }


def check(check: Checked) -> Plan:
    stored = {row["sku"]: row for row in stored_rows(check.stores, "items")}
    suppliers = Suppliers.load(check.stores)
    seen = Seen(check.errors, "sku")
    upserts = Upserts("items", "item")
    for row in check.rows:
        sku = row.values.get("sku")
        if sku is None or not seen.first(sku, row.line):
            continue
        reference = row.values.get("default_supplier")
        if reference is not None and suppliers.resolve(reference) is None:
            check.errors.add(row.line, "default_supplier", suppliers.unknown(reference))
            continue
        if not row.ok:
            continue
        old = stored.get(sku)
        fields = _stored_fields(old, suppliers) if old else {}
        fields.update({name: row.values[name] for name in _FIELDS if check.layout.has(name)})
        fields["kind"] = row.values.get("kind") or (old["kind"] if old else ItemKind.FINISHED)
        attributes = _attributes(row, check)
        if attributes is not None:
            fields["attributes"] = attributes
        if fields.get("default_supplier") is not None:  # a code stored, or one resolved above
            fields["default_supplier"] = suppliers.resolve(fields["default_supplier"])
        try:
            item = Item(sku=sku, **fields)
            check_sku_rule(item, check.sku_rules)
        except ValidationError as error:
            check.errors.invalid(row.line, error, {})
            continue
        supplier_id = suppliers.ids.get(item.default_supplier or "")
        upserts.add(sku, row.line, _db_values(item, supplier_id), old)
    return Plan(*upserts.counts, write=lambda stores: upserts.write(stores, check.source))


ITEMS = Kind("items", COLUMNS, check, prefixes=(ATTRIBUTE_PREFIX,))
