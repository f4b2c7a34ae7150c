"""Import kind ``item-suppliers``: one row per price break, upserted by (item SKU, supplier code).

Rows of the same pair form one item-supplier; the pair's terms (currency, lead time, MOQ,
multiple, validity) may be repeated on each row or given once, and its price breaks are
replaced by the file's. A blank currency means the supplier's currency.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from flexchain.adapters.db.imports import ImportStores
from flexchain.domain.errors import ValidationError
from flexchain.domain.suppliers import ItemSupplier, PriceBreak
from flexchain.domain.values import MONEY_PLACES, QUANTITY_PLACES
from flexchain.services.imports import cells
from flexchain.services.imports.columns import Column, Parsed, Seen
from flexchain.services.imports.groups import Group, group_rows
from flexchain.services.imports.lookups import Suppliers, item_refs, stored_rows
from flexchain.services.imports.pipeline import Checked, Kind, Plan
from flexchain.services.imports.writing import Upserts

__all__ = ["ITEM_SUPPLIERS"]

QUANTITY = cells.decimal(QUANTITY_PLACES)

COLUMNS = (
    Column("item_sku", cells.reference, required=True),
    Column("supplier_code", cells.reference, required=True),
    Column("min_quantity", QUANTITY, default=Decimal(0)),
    Column("unit_price", cells.decimal(MONEY_PLACES), required=True),
    Column("currency", cells.currency, group=True),
    Column("lead_time_days", cells.integer(), default=0, group=True),
    Column("moq", QUANTITY, default=Decimal(0), group=True),
    Column("order_multiple", QUANTITY, default=Decimal(1), group=True),
    Column("valid_from", cells.day, group=True),
    Column("valid_to", cells.day, group=True),
)
_FIELDS = ("currency", "lead_time_days", "moq", "order_multiple", "valid_from", "valid_to")
Pair = tuple[str, str]
Breaks = list[tuple[Decimal, Decimal]]


def _resolve(row: Parsed, check: Checked, skus: set[str], suppliers: Suppliers) -> Pair | None:
    item, supplier = row.values.get("item_sku"), row.values.get("supplier_code")
    if item is None or supplier is None:
        return None
    code = suppliers.resolve(supplier)
    if item not in skus:
        check.errors.add(row.line, "item_sku", f"unknown item {item!r}")
    if code is None:
        check.errors.add(row.line, "supplier_code", suppliers.unknown(supplier))
    return (item, code) if item in skus and code else None


def _breaks(group: Group[Pair], check: Checked) -> list[PriceBreak]:
    seen = Seen(check.errors, "min_quantity")
    breaks = []
    for row in group.rows:
        if not row.ok:  # its bad cells are reported already
            group.ok = False
            continue
        minimum = row.values.get("min_quantity", Decimal(0))
        if not seen.first(minimum, row.line):
            group.ok = False
            continue
        try:
            breaks.append(PriceBreak(minimum, row.values["unit_price"]))
        except ValidationError as error:
            check.errors.invalid(row.line, error, {})
            group.ok = False
    return breaks


def check(check: Checked) -> Plan:
    stores = check.stores
    items = item_refs(stores)
    suppliers = Suppliers.load(stores)
    skus = {ref.id: sku for sku, ref in items.items()}
    currencies = stores.suppliers.currencies()
    stored = {
        (skus[row["item_id"]], suppliers.codes[row["supplier_id"]]): row
        for row in stored_rows(stores, "item_suppliers")
    }
    stored_breaks: dict[int, Breaks] = defaultdict(list)
    for row in stored_rows(stores, "price_breaks"):
        stored_breaks[row["item_supplier_id"]].append((row["min_quantity"], row["unit_price"]))
    pairs = {row.line: _resolve(row, check, set(items), suppliers) for row in check.rows}
    groups = group_rows(
        check.rows, lambda row: pairs[row.line], COLUMNS, check.layout, check.errors
    )
    upserts = Upserts("item_suppliers", "item_supplier")
    new_breaks: dict[Pair, Breaks] = {}
    for (item, code), group in groups.items():
        breaks = _breaks(group, check)
        if not group.ok:
            continue
        old = stored.get((item, code))
        fields: dict[str, Any] = {name: old[name] for name in _FIELDS} if old else {}
        fields.update({name: group.values[name] for name in _FIELDS if check.layout.has(name)})
        fields["currency"] = fields.get("currency") or currencies[code]
        try:
            terms = ItemSupplier(item, code, breaks, **fields)
        except ValidationError as error:
            check.errors.invalid(group.line, error, {"price_breaks": "min_quantity"})
            continue
        values = {"item_id": items[item].id, "supplier_id": suppliers.ids[code]}
        values.update({name: getattr(terms, name) for name in _FIELDS})
        breaks_now = [(b.min_quantity, b.unit_price) for b in terms.price_breaks]
        same = old is None or breaks_now == sorted(stored_breaks[old["id"]])
        changed = () if same else ("price_breaks",)
        upserts.add(f"{item}/{code}", group.line, values, old, changed)
        if old is None or changed:
            new_breaks[(item, code)] = breaks_now

    def write(stores: ImportStores) -> None:
        upserts.write(stores, check.source)
        _replace_breaks(stores, new_breaks)

    return Plan(*upserts.counts, write=write)


def _replace_breaks(stores: ImportStores, new_breaks: Mapping[Pair, Breaks]) -> None:
    ids = stores.suppliers.item_supplier_ids()
    replaced = [ids[pair] for pair in new_breaks]
    rows = [
        {"item_supplier_id": ids[pair], "min_quantity": minimum, "unit_price": price}
        for pair, breaks in new_breaks.items()
        for minimum, price in breaks
    ]
    stores.suppliers.replace_price_breaks(replaced, rows)


def expand(row: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """A Python row with a ``price_breaks`` list becomes one row per break."""
    breaks = row.get("price_breaks")
    if not isinstance(breaks, list | tuple):
        return [row]
    base = {key: value for key, value in row.items() if key != "price_breaks"}
    return [{**base, **price_break} for price_break in breaks] or [base]


ITEM_SUPPLIERS = Kind("item-suppliers", COLUMNS, check, expand=expand)
