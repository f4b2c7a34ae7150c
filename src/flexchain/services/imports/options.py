"""Import kind ``options``: the choices of custom modules, upserted by (module SKU, code)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flexchain.domain.catalog import ItemKind, ModuleType, Option
from flexchain.domain.errors import ValidationError
from flexchain.domain.values import MONEY_PLACES
from flexchain.services.imports import cells
from flexchain.services.imports.columns import Column, Seen
from flexchain.services.imports.lookups import item_refs, stored_rows
from flexchain.services.imports.pipeline import Checked, Kind, Plan
from flexchain.services.imports.writing import Upserts

__all__ = ["OPTIONS"]

COLUMNS = (
    Column("module_sku", cells.reference, required=True),
    Column("code", cells.code, required=True),
    Column("name", cells.text, required=True),
    Column("price_delta", cells.decimal(MONEY_PLACES, negative=True), default=Decimal(0)),
    Column("lead_time_delta_days", cells.integer(negative=True), default=0),
    Column("currency", cells.currency, default="EUR"),
)
_FIELDS = ("name", "price_delta", "lead_time_delta_days", "currency")


def check(check: Checked) -> Plan:
    items = item_refs(check.stores)
    skus = {ref.id: sku for sku, ref in items.items()}
    stored = {
        (skus[row["module_id"]], row["code"]): row for row in stored_rows(check.stores, "options")
    }
    seen = Seen(check.errors, "code")
    upserts = Upserts("options", "option")
    for row in check.rows:
        module, code = row.values.get("module_sku"), row.values.get("code")
        if module is None or code is None or not seen.first((module, code), row.line):
            continue
        ref = items.get(module)
        if ref is None:
            check.errors.add(row.line, "module_sku", f"unknown item {module!r}")
            continue
        if ref.kind != ItemKind.MODULE or ref.module_type != ModuleType.CUSTOM:
            what = f"a {ref.module_type} module" if ref.module_type else f"a {ref.kind} item"
            check.errors.add(
                row.line, "module_sku", f"{module!r} is {what}; options belong to custom modules"
            )
            continue
        if not row.ok:
            continue
        old = stored.get((module, code))
        fields: dict[str, Any] = {name: old[name] for name in _FIELDS} if old else {}
        fields.update({name: row.values[name] for name in _FIELDS if check.layout.has(name)})
        try:
            option = Option(module_sku=module, code=code, **fields)
        except ValidationError as error:
            check.errors.invalid(row.line, error, {})
            continue
        values = {
            "module_id": ref.id,
            "code": option.code,
            "name": option.name,
            "price_delta": option.price_delta,
            "lead_time_delta_days": option.lead_time_delta_days,
            "currency": option.currency,
        }
        upserts.add(f"{module}/{code}", row.line, values, old)
    return Plan(*upserts.counts, write=lambda stores: upserts.write(stores, check.source))


OPTIONS = Kind("options", COLUMNS, check)
