"""What a shop may sell, and queueing it for the shops through the outbox.

The sellable quantity of a product is what can leave the warehouses without new production:

- a product made from stock: its available (on hand - reserved) quantity over all warehouses;
- a product with custom modules, made to order: how many could be assembled from the available
  standard modules (the scarcest module decides); custom modules are made for each order.

After every change the affected products are queued, one outbox row per product and shop
(a pending row is updated rather than duplicated, so a burst of orders sends one push).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from sqlalchemy import func, select

from flexchain.adapters.db.tables import (
    BomLineRow,
    ItemRow,
    LocationRow,
    OutboxRow,
    ShopRow,
    SkuMappingRow,
    StockBalanceRow,
)
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
        session = uow.session
        found: dict[int, set[int]] = {
            item: {item}
            for item in session.scalars(
                select(ItemRow.id).where(ItemRow.id.in_(missing), ItemRow.kind == "finished")
            )
        }
        for child, parent in session.execute(
            select(BomLineRow.child_id, BomLineRow.parent_id)
            .join(ItemRow, ItemRow.id == BomLineRow.parent_id)
            .where(BomLineRow.child_id.in_(missing), ItemRow.kind == "finished")
        ):
            found.setdefault(child, set()).add(parent)
        for item in missing:
            products[item] = found.get(item, set())
    return set().union(*(products[item] for item in ids))


def _available(uow: UnitOfWork, item_ids: set[int]) -> dict[int, Decimal]:
    rows = uow.session.execute(
        select(
            StockBalanceRow.item_id,
            func.sum(StockBalanceRow.on_hand),
            func.sum(StockBalanceRow.reserved),
        )
        .join(LocationRow, LocationRow.id == StockBalanceRow.location_id)
        .where(StockBalanceRow.item_id.in_(item_ids), LocationRow.kind == "warehouse")
        .group_by(StockBalanceRow.item_id)
    ).all()
    return {
        item: max(Decimal(on_hand) - Decimal(reserved), Decimal(0))
        for item, on_hand, reserved in rows
    }


def sellable(uow: UnitOfWork, product_ids: set[int]) -> dict[int, int]:
    """Whole units of each product the shops may sell now (see the module docstring)."""
    if not product_ids:
        return {}
    session = uow.session
    modules: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    custom_products: set[int] = set()
    for parent, child, quantity, module_type in session.execute(
        select(BomLineRow.parent_id, BomLineRow.child_id, BomLineRow.quantity, ItemRow.module_type)
        .join(ItemRow, ItemRow.id == BomLineRow.child_id)
        .where(BomLineRow.parent_id.in_(product_ids), ItemRow.kind == "module")
    ).all():
        if module_type == "custom":
            custom_products.add(parent)
        else:
            modules[parent].append((child, Decimal(quantity)))
    stocked = product_ids - custom_products
    needed = stocked | {child for p in custom_products for child, _ in modules[p]}
    available = _available(uow, needed)
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
    uow: UnitOfWork, products: set[int], known: dict[str, dict[Any, Any]] | None
) -> list[tuple[SkuMappingRow, str]]:
    """The mappings that push availability of ``products``, with our SKU, by mapping id."""
    by_product: dict[int, list[tuple[SkuMappingRow, str]]] = (
        {} if known is None else known["push_targets"]
    )
    missing = products - by_product.keys()
    if missing:
        for product in missing:
            by_product[product] = []
        for mapping, sku in uow.session.execute(
            select(SkuMappingRow, ItemRow.sku)
            .join(ItemRow, ItemRow.id == SkuMappingRow.item_id)
            .where(
                SkuMappingRow.item_id.in_(missing),
                (SkuMappingRow.inventory_item_id.is_not(None))
                | (SkuMappingRow.external_product_id.is_not(None)),
            )
        ).all():
            by_product[mapping.item_id].append((mapping, sku))
            if known is not None:  # kept for later calls: out of this session's expiry
                uow.session.expunge(mapping)
    return sorted(
        (target for product in products for target in by_product[product]),
        key=lambda target: target[0].id,
    )


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
    session = uow.session
    targets = _targets(uow, products, known)
    if not targets:
        return 0
    shops: list[ShopRow] | None = None if known is None else known["active_shops"].get(True)
    if shops is None:
        shops = list(session.scalars(select(ShopRow).where(ShopRow.active.is_(True))))
        if known is not None:  # kept for later calls: out of this session's expiry
            known["active_shops"][True] = shops
            for shop in shops:
                session.expunge(shop)
    quantities = sellable(uow, {mapping.item_id for mapping, _ in targets})
    queued = 0
    for mapping, sku in targets:
        for shop in shops:
            if mapping.shop_id not in (None, shop.id):
                continue
            target = (
                mapping.inventory_item_id
                if shop.platform == "shopify"
                else (mapping.external_product_id)
            )
            if not target:
                continue
            payload = {
                "sku": sku,
                "available": quantities[mapping.item_id],
                "inventory_item_id": mapping.inventory_item_id,
                "product_id": mapping.external_product_id,
                "location_id": shop.external_location_id,
            }
            _upsert(uow, shop.id, f"{sku}@{target}", payload, now)
            queued += 1
    session.flush()
    return queued


def _upsert(
    uow: UnitOfWork, shop_id: int, key: str, payload: dict[str, object], now: datetime
) -> None:
    session = uow.session
    row = session.scalars(
        select(OutboxRow)
        .where(
            OutboxRow.shop_id == shop_id,
            OutboxRow.kind == AVAILABILITY,
            OutboxRow.key == key,
            OutboxRow.status == "pending",
        )
        .with_for_update()
    ).first()
    if row is None:
        session.add(
            OutboxRow(
                shop_id=shop_id,
                kind=AVAILABILITY,
                key=key,
                payload=payload,
                idempotency_key=uuid.uuid4().hex,
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )
    elif row.payload != payload:
        row.payload = payload
        row.idempotency_key = uuid.uuid4().hex  # a new body needs a new key
