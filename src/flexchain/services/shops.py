"""Shops (storefronts) and the SKU mapping table: ``flexchain shop add|list`` and ``sku map``.

A brand may run several shops, each with its own platform, domain and webhook secret. Webhooks are
matched to their shop by the domain the platform sends (``X-Shopify-Shop-Domain``,
``X-WC-Webhook-Source``), so the domain is stored in one normal form: lower case, no scheme, no
trailing slash.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from urllib.parse import urlsplit

from flexchain.adapters.db.shops import ShopRecord, ShopStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.errors import NotFound, ValidationError
from flexchain.services import audit

__all__ = [
    "Platform",
    "ShopView",
    "SkuMappingView",
    "add_shop",
    "list_mappings",
    "list_shops",
    "map_sku",
    "normal_domain",
    "shop_by_domain",
]


class Platform(StrEnum):
    SHOPIFY = "shopify"
    WOOCOMMERCE = "woocommerce"


@dataclass(frozen=True)
class ShopView:
    """A shop as ``shop list`` shows it; the secrets are never shown."""

    domain: str
    platform: str
    push_url: str | None
    api_url: str | None
    has_api_token: bool
    external_location_id: str | None
    warehouse: str | None
    last_synced_at: datetime | None
    active: bool


@dataclass(frozen=True)
class SkuMappingView:
    shop: str | None
    external_key: str
    sku: str
    inventory_item_id: str | None
    external_product_id: str | None


def normal_domain(value: str) -> str:
    """``"https://Shop.Example.com/"`` -> ``"shop.example.com"``."""
    text = value.strip()
    if "://" in text:
        text = urlsplit(text).netloc + urlsplit(text).path
    text = text.strip("/").lower()
    if not text or any(char.isspace() for char in text):
        raise ValidationError("domain", f"{value!r} is not a shop domain")
    return text


def _url(value: str | None, field: str) -> str | None:
    if value is None or not value.strip():
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError(field, f"{value!r} is not an http(s) URL")
    return value.strip().rstrip("/")


def add_shop(
    uow: UnitOfWork,
    *,
    platform: str,
    domain: str,
    secret: str,
    push_url: str | None = None,
    api_url: str | None = None,
    api_token: str | None = None,
    location_id: str | None = None,
    warehouse: str | None = None,
) -> tuple[ShopView, bool]:
    """Add a shop, or update the one with this domain; returns the shop and whether it is new.

    ``push_url`` is where availability goes (default: ``api_url``, else ``https://DOMAIN``);
    ``api_url`` and ``api_token`` let ``shop sync`` read orders back (for WooCommerce the token
    is ``KEY:SECRET``); ``location_id`` is the store's location for Shopify inventory levels.
    """
    try:
        kind = Platform(platform.strip().lower())
    except ValueError:
        raise ValidationError("platform", f"{platform!r}: use shopify or woocommerce") from None
    if len(secret) < 8:
        raise ValidationError("secret", "must be at least 8 characters (the webhook secret)")
    store = ShopStore(uow.session)
    warehouse_id = None
    if warehouse:
        warehouse_id = store.location_id(warehouse)
        if warehouse_id is None:
            raise NotFound(f"unknown location {warehouse!r}")
    fields = {
        "platform": kind.value,
        "secret": secret,
        "push_url": _url(push_url, "push_url"),
        "api_url": _url(api_url, "api_url"),
        "api_token": api_token or None,
        "external_location_id": location_id,
        "warehouse_id": warehouse_id,
        "active": True,
    }
    key = normal_domain(domain)
    shop, created = store.save_shop(key, fields)
    audit.record(uow, "created" if created else "updated", "shop", key, {"platform": kind.value})
    return _view(shop, store.location_codes()), created


def _view(shop: ShopRecord, codes: dict[int, str]) -> ShopView:
    return ShopView(
        domain=shop.domain,
        platform=shop.platform,
        push_url=shop.push_url,
        api_url=shop.api_url,
        has_api_token=shop.has_api_token,
        external_location_id=shop.external_location_id,
        warehouse=codes.get(shop.warehouse_id) if shop.warehouse_id else None,
        last_synced_at=shop.last_synced_at,
        active=shop.active,
    )


def list_shops(uow: UnitOfWork) -> list[ShopView]:
    store = ShopStore(uow.session)
    codes = store.location_codes()
    return [_view(shop, codes) for shop in store.shops()]


def shop_by_domain(uow: UnitOfWork, domain: str) -> ShopRecord:
    shop = ShopStore(uow.session).shop(normal_domain(domain))
    if shop is None:
        raise NotFound(f"unknown shop {domain!r}; add it with: flexchain shop add")
    return shop


def map_sku(
    uow: UnitOfWork,
    external_key: str,
    sku: str,
    *,
    shop: str | None = None,
    inventory_item_id: str | None = None,
    product_id: str | None = None,
) -> tuple[SkuMappingView, bool]:
    """Map a store's SKU or variant id (``external_key``) to one of our SKUs.

    Without ``shop`` the mapping holds for every shop. ``inventory_item_id`` (Shopify) and
    ``product_id`` (WooCommerce) are where availability for ``sku`` is pushed.
    """
    store = ShopStore(uow.session)
    key = external_key.strip()
    if not key:
        raise ValidationError("external_key", "must not be empty")
    item_id = store.item_id(sku)
    if item_id is None:
        raise NotFound(f"unknown SKU {sku!r}")
    shop_id = shop_by_domain(uow, shop).id if shop else None
    pushed_to, product, created = store.save_mapping(
        shop_id, key, item_id, inventory_item_id=inventory_item_id, product_id=product_id
    )
    audit.record(uow, "mapped", "sku", key, {"sku": sku, "shop": shop})
    view = SkuMappingView(normal_domain(shop) if shop else None, key, sku, pushed_to, product)
    return view, created


def list_mappings(uow: UnitOfWork) -> list[SkuMappingView]:
    return [
        SkuMappingView(m.shop, m.external_key, m.sku, m.inventory_item_id, m.external_product_id)
        for m in ShopStore(uow.session).mappings()
    ]
