"""Import kind ``option-materials``: an option's own bill of materials, one row per component,
upserted by (module SKU, option code, component SKU).

``quantity`` is per one unit of the option's custom module, ``scrap_pct`` the share lost on top
(as on a BOM line). A confirmed custom job needs these components only for the option chosen
(Madder red -> 0.2 kg of madder per garment; Initials -> nothing), on top of the module's own BOM.
"""

from __future__ import annotations

from decimal import Decimal

from flexchain.domain.bom import BomLine
from flexchain.domain.errors import ValidationError
from flexchain.domain.values import QUANTITY_PLACES
from flexchain.services.imports import cells
from flexchain.services.imports.columns import Column, Seen
from flexchain.services.imports.lookups import item_refs, stored_rows
from flexchain.services.imports.pipeline import Checked, Kind, Plan
from flexchain.services.imports.writing import Upserts

__all__ = ["OPTION_MATERIALS"]

QUANTITY = cells.decimal(QUANTITY_PLACES)

COLUMNS = (
    Column("module_sku", cells.reference, required=True, fill_down=True),
    Column("code", cells.code, required=True, fill_down=True),
    Column("component_sku", cells.reference, required=True),
    Column("quantity", QUANTITY, required=True),
    Column("scrap_pct", QUANTITY, default=Decimal(0)),
)


def check(check: Checked) -> Plan:
    items = item_refs(check.stores)
    skus = {ref.id: sku for sku, ref in items.items()}
    options = {
        (skus[row["module_id"]], row["code"]): row["id"]
        for row in stored_rows(check.stores, "options")
    }
    stored = {
        (row["option_id"], skus[row["component_id"]]): row
        for row in stored_rows(check.stores, "option_components")
    }
    seen = Seen(check.errors, "component_sku")
    upserts = Upserts("option_components", "option_component")
    for row in check.rows:
        module, code = row.values.get("module_sku"), row.values.get("code")
        component = row.values.get("component_sku")
        if module is None or code is None or component is None:
            continue
        if not seen.first((module, code, component), row.line):
            continue
        option = options.get((module, code))
        if option is None:
            check.errors.add(row.line, "code", f"unknown option {code!r} of module {module!r}")
        if component not in items:
            check.errors.add(row.line, "component_sku", f"unknown item {component!r}")
        if option is None or component not in items or not row.ok:
            continue
        old = stored.get((option, component))
        scrap = row.values["scrap_pct"] if check.layout.has("scrap_pct") else None
        if scrap is None:
            scrap = old["scrap_pct"] if old else Decimal(0)
        try:  # the same rules as a BOM line: positive quantity, scrap below 100 %, not itself
            line = BomLine(module, component, row.values["quantity"], scrap)
        except ValidationError as error:
            check.errors.invalid(row.line, error, {"child_sku": "component_sku"})
            continue
        values = {
            "option_id": option,
            "component_id": items[component].id,
            "quantity": line.quantity,
            "scrap_pct": line.scrap_pct,
        }
        upserts.add(f"{module}/{code}/{component}", row.line, values, old)
    return Plan(*upserts.counts, write=lambda stores: upserts.write(stores, check.source))


OPTION_MATERIALS = Kind("option-materials", COLUMNS, check)
