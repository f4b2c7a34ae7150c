"""What a shop may sell, and queueing it for the shops through the outbox.

The sellable quantity of a product is what can leave the warehouses without new production:

- a product made from stock: its available (on hand - reserved) quantity over all warehouses;
- a product with custom modules, made to order: how many could be assembled from the available
  standard modules (the scarcest module decides); custom modules are made for each order.

After every change the affected products are queued, one outbox row per product and shop
(a pending row is updated rather than duplicated, so a burst of orders sends one push).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from flexchain.adapters.db.availability import AvailabilityReads
from flexchain.adapters.db.outbox import OutboxRows
from flexchain.adapters.db.shops import PushShop, PushTarget, ShopStore
from flexchain.adapters.db.uow import UnitOfWork

__all__ = ["AVAILABILITY", "affected_products", "queue_pushes", "sellable"]

AVAILABILITY = "availability"
"""The outbox kind of an availability push."""


def affected_products(
    uow: UnitOfWork, item_ids: Iterable[int], *, known: dict[str, dict[Any, Any]] | None = None
) -> set[int]:
    """Finished products whose sellable quantity depends on any of ``item_ids``.

    ``known``: catalog lookups kept across calls (see
    :class:`flexchain.services.intake.CatalogCache`).
    """
    ids = set(item_ids)
    if not ids:
        return set()
    products: dict[int, set[int]] = {} if known is None else known["affected_products"]
    missing = ids - products.keys()
    if missing:
        found = AvailabilityReads(uow.session).products_of(missing)
        for item in missing:
            products[item] = found.get(item, set())
    return set().union(*(products[item] for item in ids))


def sellable(uow: UnitOfWork, product_ids: set[int]) -> dict[int, int]:
    """Whole units of each product the shops may sell now (see the module docstring)."""
    if not product_ids:
        return {}
    reads = AvailabilityReads(uow.session)
    modules: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    custom_products: set[int] = set()
    for parent, child, quantity, module_type in reads.module_lines(product_ids):
        if module_type == "custom":
            custom_products.add(parent)
        else:
            modules[parent].append((child, quantity))
    stocked = product_ids - custom_products
    needed = stocked | {child for p in custom_products for child, _ in modules[p]}
    available = reads.available(needed)
    result = {}
    for product in product_ids:
        if product in custom_products:
            parts = [
                (available.get(child, Decimal(0)) / per).to_integral_value(ROUND_FLOOR)
                for child, per in modules[product]
                if per > 0
            ]
            result[product] = int(min(parts)) if parts else 0
        else:
            result[product] = int(available.get(product, Decimal(0)).to_integral_value(ROUND_FLOOR))
    return result


def _targets(
    store: ShopStore, products: set[int], known: dict[str, dict[Any, Any]] | None
) -> list[PushTarget]:
    """The mappings that push availability of ``products``, by mapping id."""
    by_product: dict[int, list[PushTarget]] = {} if known is None else known["push_targets"]
    missing = products - by_product.keys()
    if missing:
        for product in missing:
            by_product[product] = []
        for target in store.push_targets(missing):
            by_product[target.item_id].append(target)
    return sorted(
        (target for product in products for target in by_product[product]),
        key=lambda target: target.mapping_id,
    )


def _shops(store: ShopStore, known: dict[str, dict[Any, Any]] | None) -> list[PushShop]:
    shops: list[PushShop] | None = None if known is None else known["active_shops"].get(True)
    if shops is None:
        shops = store.active_push_shops()
        if known is not None:
            known["active_shops"][True] = shops
    return shops


def queue_pushes(
    uow: UnitOfWork,
    item_ids: Iterable[int],
    *,
    now: datetime,
    known: dict[str, dict[Any, Any]] | None = None,
) -> int:
    """Queue availability pushes for the products affected by ``item_ids``; returns how many.

    ``known``: catalog lookups kept across calls (see
    :class:`flexchain.services.intake.CatalogCache`).
    """
    products = affected_products(uow, item_ids, known=known)
    if not products:
        return 0
    store = ShopStore(uow.session)
    targets = _targets(store, products, known)
    if not targets:
        return 0
    shops = _shops(store, known)
    quantities = sellable(uow, {target.item_id for target in targets})
    outbox = OutboxRows(uow.session)
    queued = 0
    for mapping in targets:
        for shop in shops:
            if mapping.shop_id not in (None, shop.id):
                continue
            key = (
                mapping.inventory_item_id
                if shop.platform == "shopify"
                else (mapping.external_product_id)
            )
            if not key:
                continue
            payload = {
                "sku": mapping.sku,
                "available": quantities[mapping.item_id],
                "inventory_item_id": mapping.inventory_item_id,
                "product_id": mapping.external_product_id,
                "location_id": shop.external_location_id,
            }
            if mapping.external_parent_id:  # a WooCommerce variation, under its product
                payload["parent_id"] = mapping.external_parent_id
            outbox.enqueue(shop.id, AVAILABILITY, f"{mapping.sku}@{key}", payload, now)
            queued += 1
    outbox.flush()
    return queued
