"""Reading a stored webhook body back as a normalised order (its signature was checked when it
arrived)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flexchain.adapters.db.inbox import Entry, Shop
from flexchain.adapters.storefronts import shopify, woocommerce
from flexchain.adapters.storefronts.common import NormalisedOrder
from flexchain.adapters.storefronts.payload import external_id, load_json, mapping
from flexchain.adapters.storefronts.serialise import order_from_json
from flexchain.config import Settings
from flexchain.domain.orders import SpeedTier
from flexchain.services.shops import Platform

SYNC_TOPIC = "sync"
"""Inbox topic of an order fetched by ``shop sync`` (body: the normalised order as JSON)."""
DEFAULT_CURRENCY: str = Settings.model_fields["default_currency"].default
"""The currency of an order known by its id only when the caller does not pass the
installation's (``Settings.default_currency``): that setting's default."""
ZERO = Decimal(0)


def parse_stored(
    shop: Shop, row: Entry, *, now: datetime, currency: str = DEFAULT_CURRENCY
) -> NormalisedOrder | None:
    """The order in a stored body; an order known only by its id (a deleted WooCommerce
    order) is a cancellation in ``currency`` as of ``now``."""
    if row.topic == SYNC_TOPIC:
        return order_from_json(row.body)
    data = mapping(load_json(row.body), "body")
    if shop.platform == Platform.SHOPIFY.value:
        return shopify.normalise_order(data, shop.domain, cancelled=row.topic == "orders/cancelled")
    if row.topic == "order.deleted":
        return _deleted(shop, external_id(data.get("id"), "id"), now=now, currency=currency)
    return woocommerce.normalise_order(data, shop.domain)


def _deleted(shop: Shop, order_id: str, *, now: datetime, currency: str) -> NormalisedOrder:
    """A WooCommerce ``order.deleted`` carries only the id: cancel what we have of it."""
    return NormalisedOrder(
        platform=shop.platform,
        shop_domain=shop.domain,
        external_id=order_id,
        number="",
        status="cancelled",
        platform_status="deleted",
        currency=currency,
        created_at=now,
        updated_at=now,
        customer_email="",
        customer_name="",
        shipping_address={},
        subtotal=ZERO,
        total_tax=ZERO,
        total_discounts=ZERO,
        shipping=ZERO,
        total=ZERO,
        speed_tier=SpeedTier.BASIC,
        lines=(),
    )
