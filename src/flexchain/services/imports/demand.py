"""Import kind ``demand`` (also ``demand-history``): units demanded per SKU, location and period,
upserted by (SKU, location, period_start). A blank location means the only warehouse.

Demand history is a fact table that runs to millions of rows, so an import writes one audit row
for the whole file (with its counts) rather than one per period.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flexchain.adapters.db.imports import ImportStores
from flexchain.domain.stock import LocationKind
from flexchain.domain.values import QUANTITY_PLACES
from flexchain.services.imports import cells
from flexchain.services.imports.columns import Column, Seen
from flexchain.services.imports.lookups import LocationRef, item_refs, location_refs
from flexchain.services.imports.pipeline import Checked, Kind, Plan
from flexchain.services.imports.writing import Upserts

__all__ = ["DEMAND"]

COLUMNS = (
    Column("sku", cells.reference, required=True),
    Column("location", cells.reference),
    Column("period_start", cells.day, required=True),
    Column("quantity", cells.decimal(QUANTITY_PLACES), required=True),
)
Key = tuple[int, int, date]


def _only_warehouse(locations: dict[str, LocationRef]) -> tuple[str | None, str]:
    """The code of the only warehouse, or None and why a location must be named."""
    warehouses = sorted(
        code for code, ref in locations.items() if ref.kind == LocationKind.WAREHOUSE
    )
    if len(warehouses) == 1:
        return warehouses[0], ""
    if not warehouses:
        return None, "required: there is no warehouse to default to (import locations first)"
    return None, f"required: there are {len(warehouses)} warehouses ({', '.join(warehouses)})"


def _stored(check: Checked) -> dict[Key, dict[str, Any]]:
    periods = [row.values["period_start"] for row in check.rows if row.values.get("period_start")]
    if not periods:
        return {}
    return {
        (row["item_id"], row["location_id"], row["period_start"]): row
        for row in check.stores.demand.history_between(min(periods), max(periods))
    }


def check(check: Checked) -> Plan:
    items, locations = item_refs(check.stores), location_refs(check.stores)
    default, why = _only_warehouse(locations)
    if default is None and not check.layout.has("location"):
        check.errors.add(1, "location", f"missing column; {why}")
        return Plan(0, 0, 0, write=lambda stores: None)
    stored = _stored(check)
    seen = Seen(check.errors, "period_start")
    upserts = Upserts("demand_history", "demand")
    for row in check.rows:
        sku, period = row.values.get("sku"), row.values.get("period_start")
        code = row.values.get("location") or default
        if code is None:
            check.errors.add(row.line, "location", why)
            continue
        if sku is None or period is None or not seen.first((sku, code, period), row.line):
            continue
        item, location = items.get(sku), locations.get(code)
        if item is None:
            check.errors.add(row.line, "sku", f"unknown item {sku!r}")
        if location is None:
            check.errors.add(row.line, "location", f"unknown location {code!r}")
        if item is None or location is None or not row.ok:
            continue
        key = (item.id, location.id, period)
        values = {
            "item_id": item.id,
            "location_id": location.id,
            "period_start": period,
            "quantity": row.values["quantity"],
        }
        upserts.add(f"{sku}@{code}/{period}", row.line, values, stored.get(key))

    def write(stores: ImportStores) -> None:
        upserts.write(stores, check.source, audit_each=False)
        created, updated, unchanged = upserts.counts
        details = {"source": check.source, "created": created, "updated": updated}
        stores.audit.record("imported", "demand", check.source, {**details, "unchanged": unchanged})

    return Plan(*upserts.counts, write=write)


DEMAND = Kind("demand", COLUMNS, check)
