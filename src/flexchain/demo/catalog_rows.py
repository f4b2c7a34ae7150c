"""Import rows of the catalog: items (finished, modules, materials), options and BOM lines."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from flexchain.demo.assortment import Family, Variant
from flexchain.demo.data import Row
from flexchain.demo.materials import BY_SKU as MATERIALS
from flexchain.demo.materials import MATERIALS as ALL_MATERIALS
from flexchain.demo.modules import OPTION_MATERIALS, OPTIONS, Module
from flexchain.domain.catalog import Item, ItemKind, SkuRule

ASSEMBLER = "SEW-PT"
"""Where finished products are assembled from their modules and packed."""


def finished_skus(variants: list[Variant], rule: SkuRule) -> list[str]:
    """The SKU of each variant under ``rule`` (the configured rule for finished items)."""
    # One validated Item per family; only its attributes change, so rendering stays cheap.
    prototypes: dict[str, Item] = {}
    skus = []
    for variant in variants:
        item = prototypes.get(variant.family_code)
        if item is None:
            item = Item(sku="X", name=variant.family.name, kind=ItemKind.FINISHED)
            item.family = variant.family_code
            prototypes[variant.family_code] = item
        item.attributes = _attributes(variant)
        skus.append(rule.render(item))
    return skus


def _attributes(variant: Variant) -> dict[str, str]:
    attributes = {"material": variant.material, "colour": variant.colour}
    if variant.size:
        attributes["size"] = variant.size
    return attributes


def _family_cost(family: Family) -> Decimal:
    modules = sum((Decimal(module.cost) for module in family.modules), Decimal(0))
    packaging = sum((MATERIALS[sku].unit_cost for sku in family.packaging), Decimal(0))
    return modules + packaging + Decimal("4.50")  # assembly and packing


def finished_rows(variants: list[Variant], skus: list[str]) -> list[Row]:
    costs = {family.code: _family_cost(family) for family in {v.family for v in variants}}
    return [
        {
            "sku": sku,
            "name": variant.name,
            "kind": "finished",
            "uom": "pcs",
            "family": variant.family_code,
            "attributes": _attributes(variant),
            "production_cycle_days": 2,
            "moq": 0,
            "order_multiple": 1,
            "default_supplier": ASSEMBLER,
            "list_price": Decimal(variant.family.list_price),
            "standard_cost": costs[variant.family.code],
            "currency": "EUR",
        }
        for variant, sku in zip(variants, skus, strict=True)
    ]


def used_modules(variants: Iterable[Variant]) -> list[Module]:
    """Each module the variants' families use, once, in first-use order."""
    seen: dict[str, Module] = {}
    for family in dict.fromkeys(variant.family for variant in variants):
        for module in family.modules:
            seen.setdefault(module.sku, module)
    return list(seen.values())


def module_rows(modules: list[Module]) -> list[Row]:
    return [
        {
            "sku": module.sku,
            "name": module.name,
            "kind": "module",
            "uom": "pcs",
            "family": "",
            "module_type": "custom" if module.custom else "standard",
            "production_cycle_days": module.cycle_days,
            "moq": Decimal(module.moq),
            "order_multiple": 1,
            "default_supplier": module.supplier,
            "standard_cost": Decimal(module.cost),
            "currency": "EUR",
        }
        for module in modules
    ]


def material_rows(used: set[str]) -> list[Row]:
    return [
        {
            "sku": material.sku,
            "name": material.name,
            "kind": material.kind,
            "uom": material.uom,
            "family": "",
            "moq": Decimal(material.moq),
            "order_multiple": Decimal(material.multiple),
            "default_supplier": material.supplier,
            "standard_cost": material.unit_cost,
            "currency": "EUR",
        }
        for material in ALL_MATERIALS
        if material.sku in used
    ]


def option_rows(modules: list[Module]) -> list[Row]:
    return [
        {
            "module_sku": module.sku,
            "code": option.code,
            "name": option.name,
            "price_delta": Decimal(option.price_delta),
            "lead_time_delta_days": option.lead_days,
            "currency": "EUR",
        }
        for module in modules
        for option in OPTIONS.get(module.sku, ())
    ]


def option_material_rows(modules: list[Module]) -> list[Row]:
    """The components of the options of ``modules`` (``option-materials`` rows)."""
    return [
        {
            "module_sku": module.sku,
            "code": option.code,
            "component_sku": sku,
            "quantity": Decimal(quantity),
            "scrap_pct": Decimal(0),
        }
        for module in modules
        for option in OPTIONS.get(module.sku, ())
        for sku, quantity in OPTION_MATERIALS.get((module.sku, option.code), ())
    ]


def bom_rows(variants: list[Variant], skus: list[str], modules: list[Module]) -> list[Row]:
    """Finished -> modules and packaging, one each; modules -> materials (3% scrap on fabric)."""
    rows: list[Row] = []
    for variant, sku in zip(variants, skus, strict=True):
        family = variant.family
        for child in (*(module.sku for module in family.modules), *family.packaging):
            rows.append({"parent_sku": sku, "child_sku": child, "quantity": 1, "scrap_pct": 0})
    for module in modules:
        for child, quantity in module.parts:
            scrap = 3 if MATERIALS[child].uom in ("m", "m2") else 0
            rows.append(
                {
                    "parent_sku": module.sku,
                    "child_sku": child,
                    "quantity": Decimal(quantity),
                    "scrap_pct": scrap,
                }
            )
    return rows


def used_materials(variants: list[Variant], modules: list[Module]) -> set[str]:
    used = {child for module in modules for child, _ in module.parts}
    used.update(row["component_sku"] for row in option_material_rows(modules))
    used.update(sku for family in {v.family for v in variants} for sku in family.packaging)
    return used
