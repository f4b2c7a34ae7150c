"""``flexchain shop sync``: fetch the orders a shop changed since the last sync.

Neither platform guarantees delivery (WooCommerce does not retry at all), so sync reads back
every order changed since the last sync, minus an overlap of :data:`OVERLAP` for clock skew, and
puts each through the inbox like a webhook: dedupe key ``sync:ORDER:UPDATED_AT``, so an order
already received (or synced) with that version is not applied twice, and one that cannot be
applied is kept as failed and can be retried.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx

from flexchain.adapters.db.engine import Engine
from flexchain.adapters.db.orders.views import OrderViews
from flexchain.adapters.db.shops import ShopEndpoint, ShopStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.adapters.storefronts.common import NormalisedOrder, WebhookEnvelope
from flexchain.adapters.storefronts.serialise import order_to_json
from flexchain.adapters.storefronts.shopify import ShopifyClient
from flexchain.adapters.storefronts.woocommerce import WooCommerceClient
from flexchain.domain.errors import NotFound, ValidationError
from flexchain.domain.inbox import InboxStatus
from flexchain.services import intake
from flexchain.services.shops import Platform, normal_domain

__all__ = ["FIRST_SYNC", "OVERLAP", "SyncResult", "sync_shops"]

OVERLAP = timedelta(minutes=10)
FIRST_SYNC = timedelta(days=7)
"""How far back the first sync of a shop looks."""


@dataclass(frozen=True)
class SyncResult:
    shop: str
    since: datetime
    fetched: int
    applied: int
    duplicates: int
    failed: int


def _fetch(shop: ShopEndpoint, since: datetime, http: httpx.Client) -> list[NormalisedOrder]:
    base = shop.api_url or shop.push_url or f"https://{shop.domain}"
    if not shop.api_token:
        raise ValidationError("api_token", f"shop {shop.domain} has no API token to sync with")
    if shop.platform == Platform.SHOPIFY.value:
        client = ShopifyClient(shop.domain, shop.api_token, http, base_url=base)
        return client.orders_updated_since(since)
    key, _, secret = shop.api_token.partition(":")
    return WooCommerceClient(base, key, secret, http).orders_modified_since(since)


def sync_shops(
    engine: Engine,
    *,
    now: datetime,
    domain: str | None = None,
    http: httpx.Client | None = None,
    terms: intake.IntakeTerms = intake.DEFAULT_TERMS,
) -> list[SyncResult]:
    """Sync every active shop with an API token (or only ``domain``); the orders are applied
    with the installation's ``terms`` (currency, speed ladder)."""
    with UnitOfWork(engine, write=False) as uow:
        shops = ShopStore(uow.session).active_endpoints(normal_domain(domain) if domain else None)
    if domain and not shops:
        raise NotFound(f"unknown shop {domain!r}")
    own = http is None
    client = http or httpx.Client(timeout=httpx.Timeout(30.0))
    try:
        return [
            _sync(engine, shop, last, now, client, terms)
            for shop, last in shops
            if shop.api_token or domain
        ]
    finally:
        if own:
            client.close()


def _sync(
    engine: Engine,
    shop: ShopEndpoint,
    last: datetime | None,
    now: datetime,
    http: httpx.Client,
    terms: intake.IntakeTerms,
) -> SyncResult:
    since = (last - OVERLAP) if last else now - FIRST_SYNC
    fetched = _fetch(shop, since, http)
    applied = duplicates = failed = 0
    platform = Platform(shop.platform)
    for order in fetched:
        if _already_current(engine, shop.id, order):
            duplicates += 1
            continue
        envelope = WebhookEnvelope(
            platform=platform.value,
            shop_domain=shop.domain,
            topic=intake.SYNC_TOPIC,
            webhook_id=None,
            event_id=None,
            triggered_at=None,
            dedupe_key=f"sync:{order.external_id}:{order.updated_at.isoformat()}",
            resource_id=order.external_id,
        )
        received = intake.store(
            engine, shop.id, platform, envelope, {}, order_to_json(order), now=now
        )
        if received.duplicate and received.status == InboxStatus.PROCESSED:
            duplicates += 1
            continue
        view = intake.apply_inbox_row(engine, received.inbox_id, now=now, terms=terms)
        if view.status == InboxStatus.FAILED:
            failed += 1
        else:
            applied += 1
    with UnitOfWork(engine, actor="sync") as uow:
        ShopStore(uow.session).mark_synced(shop.id, now)
        uow.commit()
    return SyncResult(shop.domain, since, len(fetched), applied, duplicates, failed)


def _already_current(engine: Engine, shop_id: int, order: NormalisedOrder) -> bool:
    """Whether this version (or a newer one) of the order was applied already."""
    with UnitOfWork(engine, write=False) as uow:
        stored = OrderViews(uow.session).version(shop_id, order.external_id)
    return stored is not None and stored >= order.updated_at
