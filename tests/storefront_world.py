"""A small brand for storefront tests: two warehouses, five suppliers, a stocked tee and a
made-to-order bag (two standard modules, two custom ones), and signed webhook builders."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import count
from typing import Any

from flexchain.adapters.db.uow import UnitOfWork
from flexchain.services import shops
from flexchain.services.imports import import_rows

SHOP = "brand.myshopify.com"
SECRET = "shpss_0123456789abcdef"
WOO = "woo.brand.example"
WOO_SECRET = "woo-secret-123456"
TEE = "TEE-COTTON-BLACK-M"
BAG = "BAG-CANVAS-NATURAL"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _cap(process: str, capacity: int, lead: int) -> dict[str, Any]:
    return {"process": process, "capacity_per_day": capacity, "lead_time_mean_days": lead,
            "lead_time_sd_days": 1, "moq": 1, "order_multiple": 1}  # fmt: skip


ROWS: dict[str, list[dict[str, Any]]] = {
    "suppliers": [
        {"code": "SEW-PT", "name": "Costura Lda", "tier": "S", "country": "PT",
         "capabilities": [_cap("sewing", 100, 5)]},
        {"code": "SEW-LX", "name": "Atelier Lux", "tier": "A", "country": "LU",
         "capabilities": [_cap("sewing", 50, 2)]},
        {"code": "DYE-PT", "name": "Tinturaria", "tier": "A", "country": "PT",
         "capabilities": [_cap("dyeing", 80, 4)]},
        {"code": "ENGR-ES", "name": "Grabados SL", "tier": "A", "country": "ES",
         "capabilities": [_cap("engraving", 200, 1)]},
        {"code": "PACK-PT", "name": "Caixas Lda", "tier": "B", "country": "PT",
         "capabilities": [_cap("packaging", 500, 1)]},
    ],
    "locations": [
        {"code": "WH", "name": "Lisbon warehouse", "kind": "warehouse"},
        {"code": "WH2", "name": "Porto warehouse", "kind": "warehouse"},
        {"code": "CUSTOMER", "name": "Customers", "kind": "customer"},
    ],
    "items": [
        {"sku": "M-BAG-BODY", "name": "Bag body", "kind": "module", "module_type": "standard",
         "default_supplier": "SEW-PT"},
        {"sku": "M-STRAP", "name": "Strap", "kind": "module", "module_type": "standard",
         "default_supplier": "SEW-PT"},
        {"sku": "M-DYE", "name": "Colour", "kind": "module", "module_type": "custom",
         "default_supplier": "DYE-PT"},
        {"sku": "M-ENGRAVING", "name": "Engraving", "kind": "module", "module_type": "custom",
         "default_supplier": "ENGR-ES"},
        {"sku": TEE, "name": "Organic tee", "kind": "finished", "family": "TEE",
         "attributes": {"material": "COTTON", "colour": "BLACK", "size": "M"},
         "default_supplier": "SEW-PT", "list_price": Decimal("29.00")},
        {"sku": BAG, "name": "Canvas bag", "kind": "finished", "family": "BAG",
         "attributes": {"material": "CANVAS", "colour": "NATURAL"},
         "list_price": Decimal("59.00")},
    ],
    "options": [
        {"module_sku": "M-DYE", "code": "INDIGO", "name": "Indigo", "price_delta": "6",
         "lead_time_delta_days": 2},
        {"module_sku": "M-DYE", "code": "MADDER", "name": "Madder red", "price_delta": "8",
         "lead_time_delta_days": 3},
        {"module_sku": "M-ENGRAVING", "code": "TEXT", "name": "Engraving text",
         "price_delta": "5", "lead_time_delta_days": 0},
    ],
    "bom": [
        {"parent_sku": BAG, "child_sku": "M-BAG-BODY", "quantity": 1},
        {"parent_sku": BAG, "child_sku": "M-STRAP", "quantity": 2},
        {"parent_sku": BAG, "child_sku": "M-DYE", "quantity": 1},
        {"parent_sku": BAG, "child_sku": "M-ENGRAVING", "quantity": 1},
    ],
    "stock": [
        {"sku": TEE, "location": "WH", "quantity": 10},
        {"sku": "M-BAG-BODY", "location": "WH", "quantity": 5},
        {"sku": "M-STRAP", "location": "WH", "quantity": 6},
        {"sku": "M-STRAP", "location": "WH2", "quantity": 4},
    ],
}  # fmt: skip


def build_world(make_uow: Callable[..., UnitOfWork], *, tee_stock: int = 10) -> None:
    """Load the brand and register one Shopify and one WooCommerce shop."""
    rows = {**ROWS, "stock": [dict(r, quantity=tee_stock) if r["sku"] == TEE else r
                              for r in ROWS["stock"]]}  # fmt: skip
    with make_uow() as uow:
        for kind in ("suppliers", "locations", "items", "options", "bom", "stock"):
            import_rows(uow, kind, rows[kind], source=f"world {kind}")
        shops.add_shop(uow, platform="shopify", domain=SHOP, secret=SECRET, warehouse="WH")
        shops.add_shop(uow, platform="woocommerce", domain=WOO, secret=WOO_SECRET)
        uow.commit()


def sign(secret: str, body: bytes) -> str:
    """Base64 of HMAC-SHA256 over the raw body, as Shopify and WooCommerce send it."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


_ids = count(1)


def shopify_order(
    order_id: int,
    lines: list[dict[str, Any]],
    *,
    updated: datetime = NOW,
    cancelled: bool = False,
    speed: str | None = None,
) -> dict[str, Any]:
    """A Shopify order as its webhooks send it (ids are 64-bit integers)."""
    return {
        "id": order_id,
        "name": f"#{order_id % 100000}",
        "email": "ana@example.com",
        "currency": "EUR",
        "created_at": (NOW - timedelta(minutes=5)).isoformat(),
        "updated_at": updated.isoformat(),
        "cancelled_at": updated.isoformat() if cancelled else None,
        "financial_status": "paid",
        "subtotal_price": "59.00",
        "total_tax": "11.03",
        "total_discounts": "0.00",
        "total_price": "64.90",
        "shipping_lines": [{"title": "Standard", "price": "5.90"}],
        "note_attributes": [{"name": "speed", "value": speed}] if speed else [],
        "shipping_address": {"name": "Ana Silva", "address1": "Rua Augusta 1",
                             "city": "Lisboa", "zip": "1100-048", "country_code": "PT"},
        "line_items": [
            {
                "id": line.get("id", 9000000000000000 + next(_ids)),
                "sku": line.get("sku", ""),
                "variant_id": line.get("variant_id"),
                "product_id": line.get("product_id"),
                "title": line.get("title", "Item"),
                "quantity": line.get("quantity", 1),
                "price": line.get("price", "29.00"),
                "properties": [{"name": k, "value": v}
                               for k, v in line.get("properties", {}).items()],
            }
            for line in lines
        ],
    }  # fmt: skip


def shopify_webhook(
    order: dict[str, Any],
    *,
    topic: str = "orders/create",
    event_id: str | None = None,
    secret: str = SECRET,
) -> tuple[dict[str, str], bytes]:
    """Headers and raw body of a signed Shopify webhook."""
    body = json.dumps(order).encode()
    event = event_id or f"evt-{order['id']}-{topic}-{order['updated_at']}"
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-Hmac-Sha256": sign(secret, body),
        "X-Shopify-Webhook-Id": f"wh-{event}",
        "X-Shopify-Event-Id": event,
        "X-Shopify-Triggered-At": NOW.isoformat(),
        "X-Shopify-API-Version": "2025-01",
    }
    return headers, body
