"""Shops (storefronts) and the SKU mapping table: ``flexchain shop add|list|set|key|disable|
enable|remove`` and ``sku map``; every change is audited (the shop's fields before and after,
never its secrets).

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

Quotes (``POST /quote``) are public by declaration only: a shop's ``quotes_public`` lets anyone
ask; otherwise a store's pages send the shop's publishable key (``pk_...``, made by ``shop add``,
replaced by ``shop key --new``; not a secret: it sits in the store's pages).
:func:`quote_access` is what the API's access layer asks.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
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
    "publishable_key",
    "quote_access",
    "remove_shop",
    "set_public_quotes",
    "shop_by_domain",
]

PUBLIC = "public"
"""What :func:`quote_access` answers without a key when some active shop's quotes are public."""


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
    quotes_public: bool = False
    publishable_key: str | None = None


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
    codes = store.location_codes()
    stored = store.shop(key)
    if stored is None or stored.publishable_key is None:
        fields["publishable_key"] = new_publishable_key()
    shop, created = store.save_shop(key, fields)
    view = _view(shop, codes)
    old = _view(stored, codes) if stored is not None else None
    _audit(uow, "created" if created else "updated", old, view)
    return view, created


def new_publishable_key() -> str:
    """``pk_`` and 32 random URL-safe characters."""
    return "pk_" + secrets.token_urlsafe(24)


def _audit(
    uow: UnitOfWork, action: str, before: ShopView | None, after: ShopView, **context: Any
) -> None:
    """The shop's audit entry: its fields (never its secrets) before and after."""
    old = asdict(before) if before is not None else None
    audit.record_change(
        uow, action, "shop", after.domain, before=old, after=asdict(after), **context
    )


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
        quotes_public=shop.quotes_public,
        publishable_key=shop.publishable_key,
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
    owner = shop_by_domain(uow, shop) if shop else None
    shop_id, domain = (owner.id, owner.domain) if owner is not None else (None, None)
    before = next((m for m in store.mappings() if m.shop == domain and m.external_key == key), None)
    mapping, created = store.save_mapping(
        shop_id,
        key,
        item_id,
        inventory_item_id=inventory_item_id and inventory_item_id.strip(),
        product_id=product_id and product_id.strip(),
        parent_id=parent_id and parent_id.strip(),
    )
    audit.record_change(
        uow,
        "mapped",
        "sku",
        key,
        before=asdict(before) if before is not None else None,
        after=asdict(mapping),
        shop=domain,
    )
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


def _set_state(
    uow: UnitOfWork,
    domain: str,
    action: str,
    *,
    active: bool,
    now: datetime | None,
    **context: Any,
) -> ShopView:
    store = ShopStore(uow.session)
    codes = store.location_codes()
    before = shop_by_domain(uow, domain)
    shop = store.set_state(before.id, active=active, removed_at=now)
    view = _view(shop, codes)
    _audit(uow, action, _view(before, codes), view, **context)
    return view


def disable_shop(uow: UnitOfWork, domain: str) -> ShopView:
    """Stop taking the shop's webhooks, syncing it and pushing to it (see the module doc)."""
    return _set_state(uow, domain, "disabled", active=False, now=None)


def enable_shop(uow: UnitOfWork, domain: str) -> ShopView:
    """Take a disabled (or removed) shop back: webhooks, sync and its waiting pushes."""
    return _set_state(uow, domain, "enabled", active=True, now=None)


def set_public_quotes(uow: UnitOfWork, domain: str, public: bool) -> ShopView:
    """Let anyone ask for quotes (``public``), or only the shop's pages (its publishable key)
    and staff."""
    store = ShopStore(uow.session)
    codes = store.location_codes()
    before = shop_by_domain(uow, domain)
    view = _view(store.set_quote_access(before.id, public=public), codes)
    _audit(uow, "updated", _view(before, codes), view)
    return view


def publishable_key(uow: UnitOfWork, domain: str, *, new: bool = False) -> str:
    """The shop's publishable key; ``new`` (or none yet): a new one replaces it (audited)."""
    store = ShopStore(uow.session)
    before = shop_by_domain(uow, domain)
    if before.publishable_key is not None and not new:
        return before.publishable_key
    codes = store.location_codes()
    view = _view(store.set_quote_access(before.id, key=new_publishable_key()), codes)
    _audit(uow, "key_replaced", _view(before, codes), view)
    assert view.publishable_key is not None
    return view.publishable_key


def quote_access(uow: UnitOfWork, key: str | None) -> str | None:
    """Who may ask for a quote without a login: with a ``key``, the domain of the active shop
    whose publishable key it is (else None); without one, :data:`PUBLIC` (``"public"``) if an
    active shop's quotes are public (else None). One query, read-only."""
    store = ShopStore(uow.session)
    if key is not None:
        return store.active_shop_of_key(key)
    return PUBLIC if store.any_public_quotes() else None


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
    abandoned = OutboxRows(uow.session).abandon(shop.id, f"shop {shop.domain} was removed", now)
    view = _set_state(
        uow,
        shop.domain,
        "removed",
        active=False,
        now=shop.removed_at or now,  # the first removal's time stays
        open_orders=len(still_open),
        abandoned_pushes=abandoned,
        force=force,
    )
    return view, still_open
