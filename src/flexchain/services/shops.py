"""Shops (storefronts) and the SKU mapping table: ``flexchain shop add|list|disable|enable|remove``
and ``sku map``.

A disabled shop is refused like an unknown one at the webhook routes (401), is not synced, and
gets no pushes: its pending outbox rows wait until ``shop enable`` (or ``shop add``) turns it on
again. ``shop remove`` disables it for good: it refuses while the shop has open orders (unless
``force``), deletes nothing the shop sent (orders, inbox rows and mappings stay, the shop row is
marked removed) and settles its pending pushes as failed. ``shop add`` with its domain brings it
back.

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

from flexchain.adapters.db.outbox import OutboxRows
from flexchain.adapters.db.shops import MappingRecord, ShopRecord, ShopStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.errors import NotFound, ValidationError
from flexchain.domain.orders import OPEN_STATUSES
from flexchain.services import audit

__all__ = [
    "Platform",
    "ShopView",
    "SkuMappingView",
    "add_shop",
    "disable_shop",
    "enable_shop",
    "list_mappings",
    "list_shops",
    "map_sku",
    "normal_domain",
    "remove_shop",
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
    removed_at: datetime | None = None


@dataclass(frozen=True)
class SkuMappingView:
    shop: str | None
    external_key: str
    sku: str
    inventory_item_id: str | None
    external_product_id: str | None
    external_parent_id: str | None = None


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
        "removed_at": None,
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
        removed_at=shop.removed_at,
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
    parent_id: str | None = None,
) -> tuple[SkuMappingView, bool]:
    """Map a store's SKU or variant id (``external_key``) to one of our SKUs.

    Without ``shop`` the mapping holds for every shop. ``inventory_item_id`` (Shopify) and
    ``product_id`` (WooCommerce) are where availability for ``sku`` is pushed; a WooCommerce
    variation is ``product_id`` (the variation) under ``parent_id`` (its product), pushed to
    ``products/{parent_id}/variations/{product_id}``.
    """
    store = ShopStore(uow.session)
    key = external_key.strip()
    if not key:
        raise ValidationError("external_key", "must not be empty")
    item_id = store.item_id(sku)
    if item_id is None:
        raise NotFound(f"unknown SKU {sku!r}")
    store_ids = (
        ("inventory_item_id", inventory_item_id),
        ("product_id", product_id),
        ("parent_id", parent_id),
    )
    for name, value in store_ids:
        if value is not None and not (value.strip().isascii() and value.strip().isdigit()):
            raise ValidationError(name, f"{value!r} is not a store id (digits only)")
    shop_id = shop_by_domain(uow, shop).id if shop else None
    mapping, created = store.save_mapping(
        shop_id,
        key,
        item_id,
        inventory_item_id=inventory_item_id and inventory_item_id.strip(),
        product_id=product_id and product_id.strip(),
        parent_id=parent_id and parent_id.strip(),
    )
    audit.record(uow, "mapped", "sku", key, {"sku": sku, "shop": shop})
    return _mapping_view(mapping), created


def _mapping_view(m: MappingRecord) -> SkuMappingView:
    return SkuMappingView(
        m.shop,
        m.external_key,
        m.sku,
        m.inventory_item_id,
        m.external_product_id,
        m.external_parent_id,
    )


def list_mappings(uow: UnitOfWork) -> list[SkuMappingView]:
    return [_mapping_view(m) for m in ShopStore(uow.session).mappings()]


def _set_state(uow: UnitOfWork, domain: str, *, active: bool, now: datetime | None) -> ShopView:
    store = ShopStore(uow.session)
    shop = store.set_state(shop_by_domain(uow, domain).id, active=active, removed_at=now)
    return _view(shop, store.location_codes())


def disable_shop(uow: UnitOfWork, domain: str) -> ShopView:
    """Stop taking the shop's webhooks, syncing it and pushing to it (see the module doc)."""
    view = _set_state(uow, domain, active=False, now=None)
    audit.record(uow, "disabled", "shop", view.domain, {})
    return view


def enable_shop(uow: UnitOfWork, domain: str) -> ShopView:
    """Take a disabled (or removed) shop back: webhooks, sync and its waiting pushes."""
    view = _set_state(uow, domain, active=True, now=None)
    audit.record(uow, "enabled", "shop", view.domain, {})
    return view


def remove_shop(
    uow: UnitOfWork, domain: str, *, now: datetime, force: bool = False
) -> tuple[ShopView, list[str]]:
    """Remove a shop: kept, marked removed, its pending pushes failed; nothing it sent is
    deleted. Refused while it has open orders unless ``force``; returns the shop and its open
    orders."""
    store = ShopStore(uow.session)
    shop = shop_by_domain(uow, domain)
    still_open = store.orders_in(shop.id, sorted(OPEN_STATUSES))
    if still_open and not force:
        shown = ", ".join(still_open[:5]) + (" ..." if len(still_open) > 5 else "")
        raise ValidationError(
            "domain",
            f"shop {shop.domain} has {len(still_open)} open order(s) ({shown}): ship or cancel "
            "them first, or remove it with --force",
        )
    view = _set_state(uow, shop.domain, active=False, now=shop.removed_at or now)  # first wins
    abandoned = OutboxRows(uow.session).abandon(shop.id, f"shop {shop.domain} was removed", now)
    details = {"open_orders": len(still_open), "abandoned_pushes": abandoned, "force": force}
    audit.record(uow, "removed", "shop", view.domain, details)
    return view, still_open
