"""Import kind ``purchase-orders``: open (and closed) purchase order lines, upserted by
(``po_number``, ``line``). Planning nets each open line's quantity not yet received as a
scheduled receipt in the week it is due.

A blank currency means the supplier's. Columns the file leaves out keep their stored values.
``location`` (optional) names the warehouse or factory the line is received at; blank: the
home warehouse (the first warehouse by code), where planning then expects it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flexchain.domain.errors import ValidationError
from flexchain.domain.purchasing import POStatus, PurchaseOrderLine
from flexchain.domain.values import MONEY_PLACES, QUANTITY_PLACES
from flexchain.services.imports import cells
from flexchain.services.imports.cells import CellError
from flexchain.services.imports.columns import Column, Parsed, Seen
from flexchain.services.imports.lookups import Suppliers, item_refs, location_refs
from flexchain.services.imports.pipeline import Checked, Kind, Plan
from flexchain.services.imports.writing import Upserts

__all__ = ["PURCHASE_ORDERS", "due_day"]

QUANTITY = cells.decimal(QUANTITY_PLACES)
STATUS_SYNONYMS = {
    # Odoo's purchase order states (values and labels) and ERPNext's purchase order statuses
    "purchase": "open",
    "purchase order": "open",
    "to receive": "open",
    "to receive and bill": "open",
    "done": "closed",
    "locked": "closed",
    "completed": "closed",
    "to bill": "closed",
    "cancel": "cancelled",
    "canceled": "cancelled",
}


def due_day(value: Any) -> date:
    """A date; a date and time (Odoo's expected arrival) gives its date as written."""
    if isinstance(value, datetime):
        return value.date()
    raw = cells.text(value) if not isinstance(value, date) else ""
    if len(raw) > 10:
        try:
            return datetime.fromisoformat(raw).date()
        except ValueError:
            pass
    try:
        return cells.day(value)
    except CellError:
        raise CellError(f"not a date: {raw!r} (use YYYY-MM-DD)") from None


COLUMNS = (
    Column("po_number", cells.text, required=True),
    Column("line", cells.integer(), default=1),
    Column("supplier", cells.reference, required=True),
    Column("sku", cells.reference, required=True),
    Column("quantity", QUANTITY, required=True),
    Column("received", QUANTITY, default=Decimal(0)),
    Column("unit_price", cells.decimal(MONEY_PLACES)),
    Column("currency", cells.currency),
    Column("due_date", due_day, required=True),
    Column("status", cells.choice(POStatus, STATUS_SYNONYMS), default=POStatus.OPEN),
    Column("location", cells.reference),
)
_TO_DB = {"received": "received_quantity", "unit_price": "unit_price", "currency": "currency",
          "status": "status"}  # fmt: skip
"""Optional columns -> their table columns (a column the file leaves out keeps its value)."""
_FIELDS = {
    "po_number": "po_number",
    "line_no": "line",
    "supplier_code": "supplier",
    "item_sku": "sku",
    "quantity": "quantity",
    "received_quantity": "received",
    "unit_price": "unit_price",
    "currency": "currency",
    "due_date": "due_date",
    "status": "status",
}
"""Domain field -> column, to report a domain rule on the cell it is about."""
Key = tuple[str, int]


def _stored(check: Checked) -> dict[Key, dict[str, Any]]:
    """The stored lines of the orders the file names."""
    numbers = sorted({row.values["po_number"] for row in check.rows if row.values.get("po_number")})
    return {
        (row["po_number"], row["line_no"]): row for row in check.stores.purchasing.lines_of(numbers)
    }


def _line(
    row: Parsed,
    line_no: int,
    check: Checked,
    supplier: str,
    currency: str,
    old: dict[str, Any] | None,
) -> PurchaseOrderLine | None:
    """The line as the row gives it (stored values where the file leaves a column out)."""
    fields: dict[str, Any] = {
        column: row.values[column] for column in _TO_DB if check.layout.has(column)
    }
    if old is not None:
        for column, stored in _TO_DB.items():
            fields.setdefault(column, old[stored])
    try:
        return PurchaseOrderLine(
            po_number=row.values["po_number"],
            line_no=line_no,
            supplier_code=supplier,
            item_sku=row.values["sku"],
            quantity=row.values["quantity"],
            due_date=row.values["due_date"],
            received_quantity=fields.get("received") or Decimal(0),
            unit_price=fields.get("unit_price"),
            currency=fields.get("currency") or currency,
            status=fields.get("status") or POStatus.OPEN,
        )
    except ValidationError as error:
        check.errors.invalid(row.line, error, _FIELDS)
        return None


def _location(row: Parsed, locations: dict[str, Any], check: Checked) -> int | bool | None:
    """The id of the row's receiving location, None for blank (home), False if it is wrong
    (reported on the ``location`` cell)."""
    code = row.values.get("location")
    if not code:
        return None
    ref = locations.get(code)
    if ref is None:
        check.errors.add(row.line, "location", f"unknown location {code!r}")
        return False
    if ref.kind not in ("warehouse", "factory"):
        check.errors.add(
            row.line, "location", f"{code} is a {ref.kind}: receive at a warehouse or factory"
        )
        return False
    return int(ref.id)


def check(check: Checked) -> Plan:
    stores = check.stores
    items = item_refs(stores)
    suppliers = Suppliers.load(stores)
    currencies = stores.suppliers.currencies()
    stored = _stored(check)
    seen = Seen(check.errors, "line")
    upserts = Upserts("purchase_order_lines", "purchase_order_line")
    locations = location_refs(check.stores) if check.layout.has("location") else {}
    for row in check.rows:
        number = row.values.get("po_number")
        # no such column: line 1; a cell that failed to parse: None (reported; no key to compare)
        line_no = row.values.get("line") if check.layout.has("line") else 1
        if number is None or line_no is None or not seen.first((number, line_no), row.line):
            continue
        reference, sku = row.values.get("supplier"), row.values.get("sku")
        supplier = suppliers.resolve(reference) if reference else None
        if reference and supplier is None:
            check.errors.add(row.line, "supplier", suppliers.unknown(reference))
        if sku and sku not in items:
            check.errors.add(row.line, "sku", f"unknown item {sku!r}")
        where = _location(row, locations, check)
        if supplier is None or sku not in items or not row.ok or where is False:
            continue
        old = stored.get((number, line_no))
        line = _line(row, line_no, check, supplier, currencies[supplier], old)
        if line is None:
            continue
        values = {
            "po_number": line.po_number,
            "line_no": line.line_no,
            "supplier_id": suppliers.ids[supplier],
            "item_id": items[line.item_sku].id,
            "quantity": line.quantity,
            "received_quantity": line.received_quantity,
            "unit_price": line.unit_price,
            "currency": line.currency,
            "due_date": line.due_date,
            "status": line.status.value,
        }
        if check.layout.has("location"):
            values["location_id"] = where
        upserts.add(line.key, row.line, values, old)
    return Plan(*upserts.counts, write=lambda stores: upserts.write(stores, check.source))


PURCHASE_ORDERS = Kind("purchase-orders", COLUMNS, check)
