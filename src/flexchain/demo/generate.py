"""The demo company generator: pure, seeded, and fast enough for 100,000 items."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import numpy as np
from numpy.typing import NDArray

from flexchain.demo import catalog_rows as catalog
from flexchain.demo import network_rows as network
from flexchain.demo.assortment import Variant, assortment
from flexchain.demo.data import DemandHistory, DemoData, Row
from flexchain.demo.demand import assign_patterns, weekly_demand
from flexchain.demo.materials import BY_SKU as MATERIALS
from flexchain.demo.modules import Module
from flexchain.demo.network import BY_CODE, WAREHOUSE
from flexchain.domain.catalog import SkuRule

DEFAULT_ITEMS = 61
"""All named products: 20 jackets, 30 tees, 11 engraved accessories."""
DEFAULT_SKU_RULE = "{family}-{material}-{colour}-{size?}"
_SIZE_SHARE = {"XS": 0.5, "S": 0.9, "M": 1.4, "L": 1.3, "XL": 0.8, "XXL": 0.4}


def generate(
    items: int = DEFAULT_ITEMS,
    seed: int = 7,
    weeks: int = 104,
    start: date | None = None,
    *,
    sku_rule: str = DEFAULT_SKU_RULE,
) -> DemoData:
    """A complete demo company with ``items`` finished products and ``weeks`` of weekly demand.

    Parameters
    ----------
    items
        Number of finished products (each with its own demand history). Modules, materials and
        the supplier network come on top and grow only with the families in use.
    seed
        Seeds the one :class:`numpy.random.Generator` everything random is drawn from: the same
        arguments give the same company.
    weeks
        Length of the demand history (at least 8).
    start
        First Monday of the history; default: ``weeks`` weeks before the current week's Monday,
        so the history ends last week.
    sku_rule
        SKU pattern for finished products (``Settings.sku_rules["finished"]``); it may use
        ``family``, ``material``, ``colour`` and ``size``.
    """
    if weeks < 8:
        raise ValueError(f"weeks must be at least 8, got {weeks}")
    start = start or _default_start(weeks)
    if start.weekday() != 0:
        raise ValueError(f"start must be a Monday, got {start} ({start:%A})")
    today = start + timedelta(weeks=weeks)
    rng = np.random.default_rng(seed)

    variants = assortment(items)
    skus = catalog.finished_skus(variants, SkuRule(sku_rule))
    if len(set(skus)) != len(skus):
        raise ValueError(f"SKU rule {sku_rule!r} gives two products the same SKU")
    modules = catalog.used_modules(variants)
    materials = catalog.used_materials(variants, modules)

    patterns = assign_patterns(rng, len(variants))
    peaks = np.array([v.family.peak_week for v in variants]) + rng.integers(-3, 4, len(variants))
    quantities = weekly_demand(rng, patterns, weeks, _levels(rng, variants), peaks % 52)
    demand = DemandHistory(skus, WAREHOUSE, start, quantities, patterns)

    tables = {
        "suppliers": network.supplier_rows(today),
        "locations": network.location_rows(),
        "items": [
            *catalog.material_rows(materials),
            *catalog.module_rows(modules),
            *catalog.finished_rows(variants, skus),
        ],
        "options": catalog.option_rows(modules),
        "bom": catalog.bom_rows(variants, skus, modules),
        "option-materials": catalog.option_material_rows(modules),
        "item-suppliers": network.item_supplier_rows(modules, materials),
        "contracts": network.contract_rows(today),
        "contract-prices": network.contract_price_rows(modules),
        "stock": _opening_stock(rng, skus, quantities, modules, materials),
    }
    return DemoData(seed=seed, start=start, today=today, tables=tables, demand=demand)


def _default_start(weeks: int) -> date:
    today = date.today()
    return today - timedelta(days=today.weekday(), weeks=weeks)


def _levels(rng: np.random.Generator, variants: list[Variant]) -> NDArray[np.float64]:
    """Units in a week with demand: the family's level, more for core sizes, some noise."""
    base = np.array([v.family.weekly_level * _SIZE_SHARE.get(v.size or "", 1.0) for v in variants])
    return base * rng.lognormal(0.0, 0.35, len(variants))


def _opening_stock(
    rng: np.random.Generator,
    skus: list[str],
    demand: NDArray[np.int64],
    modules: list[Module],
    materials: set[str],
) -> list[Row]:
    """Finished goods cover 0-6 weeks of recent demand (some are out of stock); standard modules
    sit in the warehouse; fabric and trims at the factories that use them; packaging in the
    warehouse."""
    recent = demand[:, -13:].mean(axis=1)
    cover = rng.uniform(0.0, 6.0, len(skus)) * (rng.random(len(skus)) > 0.12)
    on_hand = np.ceil(recent * cover).astype(np.int64)
    rows = [
        _stock(sku, WAREHOUSE, Decimal(int(units)))
        for sku, units in zip(skus, on_hand.tolist(), strict=True)
        if units > 0
    ]
    for module in modules:
        if not module.custom:
            lots = Decimal(int(rng.integers(0, 4)))
            if lots:
                rows.append(_stock(module.sku, WAREHOUSE, lots * Decimal(module.moq)))
    for material in (MATERIALS[sku] for sku in sorted(materials)):
        supplier = BY_CODE.get(_user_of(material.sku, modules) or "")
        location = supplier.location if supplier and supplier.factory else WAREHOUSE
        lots = Decimal(int(rng.integers(1, 6)))
        rows.append(_stock(material.sku, location, lots * max(Decimal(material.moq), Decimal(1))))
    return rows


def _user_of(material: str, modules: list[Module]) -> str | None:
    """The supplier of the first module made from ``material`` (where it is stocked)."""
    return next((m.supplier for m in modules if any(p == material for p, _ in m.parts)), None)


def _stock(sku: str, location: str, quantity: Decimal) -> Row:
    return {"sku": sku, "location": location, "quantity": quantity}
