"""Import kind ``locations``: warehouses, factories, supplier sites, transit, customers, scrap;
upserted by code. ``transit_for`` may name a location stored or anywhere in the same file.
"""

from __future__ import annotations

from typing import Any

from flexchain.adapters.db.imports import ImportStores
from flexchain.domain.errors import ValidationError
from flexchain.domain.stock import Location, LocationKind
from flexchain.services.imports import cells
from flexchain.services.imports.aliases import LOCATION_KINDS
from flexchain.services.imports.columns import Column, Seen
from flexchain.services.imports.lookups import Suppliers, stored_rows
from flexchain.services.imports.pipeline import Checked, Kind, Plan
from flexchain.services.imports.writing import Upserts

__all__ = ["LOCATIONS"]

COLUMNS = (
    Column("code", cells.code, required=True),
    Column("name", cells.text, required=True),
    Column("kind", cells.choice(LocationKind, LOCATION_KINDS), required=True),
    Column("supplier_code", cells.reference),
    Column("transit_for", cells.reference),
)


def check(check: Checked) -> Plan:
    stores = check.stores
    stored = {row["code"]: row for row in stored_rows(stores, "locations")}
    codes = {row["id"]: code for code, row in stored.items()}
    suppliers = Suppliers.load(stores)
    in_file = {row.values.get("code") for row in check.rows}
    used = stores.locations.with_moves()  # stock has moved through these: their kind stays
    seen = Seen(check.errors, "code")
    upserts = Upserts("locations", "location")
    transit: dict[str, str | None] = {}
    for row in check.rows:
        code = row.values.get("code")
        if code is None or not seen.first(code, row.line) or not row.ok:
            continue
        old = stored.get(code)
        fields: dict[str, Any] = dict(row.values)
        for name, stored_name, names in (
            ("supplier_code", "supplier_id", suppliers.codes),
            ("transit_for", "transit_for_id", codes),
        ):
            if not check.layout.has(name):
                fields[name] = names.get(old[stored_name]) if old else None
        reference = fields["supplier_code"]
        if reference is not None:
            fields["supplier_code"] = suppliers.resolve(reference)
            if fields["supplier_code"] is None:
                check.errors.add(row.line, "supplier_code", suppliers.unknown(reference))
                continue
        target = fields["transit_for"]
        if target is not None and target not in stored and target not in in_file:
            check.errors.add(row.line, "transit_for", f"unknown location {target!r}")
            continue
        try:
            location = Location(**fields)
        except ValidationError as error:
            check.errors.invalid(row.line, error, {})
            continue
        if old and old["kind"] != location.kind.value and old["id"] in used:
            check.errors.add(
                row.line,
                "kind",
                f"cannot change {code} from {old['kind']} to {location.kind.value}: "
                "stock has moved through it",
            )
            continue
        values = {
            "code": code,
            "name": location.name,
            "kind": location.kind.value,
            "supplier_id": suppliers.ids.get(location.supplier_code or ""),
        }
        stored_target = codes.get(old["transit_for_id"]) if old else None
        changed = () if stored_target == location.transit_for else ("transit_for",)
        if upserts.add(code, row.line, values, old, changed if old else ()) or old is None:
            transit[code] = location.transit_for

    def write(stores: ImportStores) -> None:
        upserts.write(stores, check.source)
        ids = stores.locations.ids()
        links = [
            {"id": ids[code], "transit_for_id": ids[target] if target else None}
            for code, target in transit.items()
        ]
        stores.locations.link_transit(links)

    return Plan(*upserts.counts, write=write)


LOCATIONS = Kind("locations", COLUMNS, check)
