"""Receiving a webhook: check its signature against its shop's secret, then store it raw.

A bad signature stores nothing; a webhook stored before (same shop and event id, else webhook
id) is recognised here and changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from flexchain.adapters.db.engine import Engine
from flexchain.adapters.db.inbox import InboxStore, Key
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.adapters.storefronts import shopify, woocommerce
from flexchain.adapters.storefronts.common import (
    NormalisedOrder,
    SignatureError,
    WebhookEnvelope,
    header,
)
from flexchain.domain.errors import ValidationError
from flexchain.domain.inbox import ANSWERED, InboxStatus
from flexchain.services.shops import Platform, normal_domain

PARSERS = {Platform.SHOPIFY: shopify.parse_webhook, Platform.WOOCOMMERCE: woocommerce.parse_webhook}
SHOP_HEADERS = {
    Platform.SHOPIFY: "X-Shopify-Shop-Domain",
    Platform.WOOCOMMERCE: "X-WC-Webhook-Source",
}


@dataclass(frozen=True)
class Received:
    """A webhook stored in the inbox: ``duplicate`` if it had been stored before."""

    inbox_id: int
    duplicate: bool
    status: InboxStatus

    @property
    def answered(self) -> bool:
        """A redelivery of a webhook already dealt with: answer it as it stands, apply nothing."""
        return self.duplicate and self.status in ANSWERED


@dataclass(frozen=True)
class Verified:
    """A webhook whose signature checked out against its shop's secret, ready to be stored."""

    shop_id: int
    platform: Platform
    envelope: WebhookEnvelope
    headers: dict[str, str]
    body: bytes
    order: NormalisedOrder | None = None
    """The order read from ``body`` when it was verified (saves reading it again)."""


class ShopSecrets(Protocol):
    """Shop ids and secrets kept between webhooks (the server's ``ShopKeys``)."""

    def verify_cached(
        self, platform: Platform, headers: Mapping[str, str], body: bytes
    ) -> Verified | None: ...

    def read(self, platform: Platform, headers: Mapping[str, str]) -> tuple[int, str]: ...


def is_ping(platform: str, headers: Mapping[str, str], body: bytes) -> bool:
    """Whether a request is a platform's unsigned ping (WooCommerce's, when a webhook is
    created): answer it 200 and change nothing."""
    return platform == Platform.WOOCOMMERCE.value and woocommerce.is_ping(headers, body)


def shop_key(platform: Platform, headers: Mapping[str, str]) -> str | None:
    """The shop domain a webhook names, as sent (stripped, lower case), to key a cache by."""
    domain = header(headers, SHOP_HEADERS[platform])
    return domain.strip().lower() if domain else None


def _shop(inbox: InboxStore, platform: Platform, headers: Mapping[str, str]) -> tuple[int, str]:
    name = SHOP_HEADERS[platform]
    domain = header(headers, name)
    if not domain:
        raise SignatureError(f"missing {name}: cannot tell which shop signed this")
    try:
        key = normal_domain(domain)
    except ValidationError:
        raise SignatureError(f"{name} {domain!r} is not a shop domain") from None
    row = inbox.shop_at(platform.value, key)
    if row is None or not row.active:
        raise SignatureError(f"no {platform.value} shop {key!r}: add it with flexchain shop add")
    return row.id, row.secret


def shop_secret(engine: Engine, platform: Platform, headers: Mapping[str, str]) -> tuple[int, str]:
    """The (id, secret) of the active shop a webhook names (raises :class:`SignatureError`)."""
    with UnitOfWork(engine, write=False) as reader:
        return _shop(InboxStore(reader.session), platform, headers)


def verified(
    kind: Platform, shop: tuple[int, str], headers: Mapping[str, str], body: bytes
) -> Verified:
    """The webhook checked against the shop's (id, secret) and parsed (raises
    :class:`SignatureError` or :class:`PayloadError`)."""
    envelope, order = PARSERS[kind](headers, body, shop[1])
    return Verified(shop[0], kind, envelope, dict(headers), body, order)


def verify_webhook(
    engine: Engine,
    platform: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    keys: ShopSecrets | None = None,
) -> Verified:
    """Check a webhook's signature (before parsing) and that it is an order; stores nothing.

    With ``keys``, the shop's secret comes from that cache when it is fresh (see the server's
    ``ShopKeys``), else from the database.

    Raises
    ------
    SignatureError
        Unknown shop, missing or wrong signature (HTTP 401).
    PayloadError
        Signed, but not an order the platform would send (HTTP 400).
    """
    kind = Platform(platform)
    if keys is not None and (found := keys.verify_cached(kind, headers, body)) is not None:
        return found
    if keys is not None:  # not cached, or perhaps a new secret: read the shop again
        return verified(kind, keys.read(kind, headers), headers, body)
    return verified(kind, shop_secret(engine, kind, headers), headers, body)


def receive_webhook(
    engine: Engine, platform: str, headers: Mapping[str, str], body: bytes, *, now: datetime
) -> Received:
    """Verify and store one webhook (committed); :func:`apply_inbox_row` applies it.

    Raises :class:`SignatureError` or :class:`PayloadError` as :func:`verify_webhook`, and then
    nothing is stored.
    """
    return store_many(engine, [verify_webhook(engine, platform, headers, body)], now=now)[0]


def store(
    engine: Engine,
    shop_id: int,
    platform: Platform,
    envelope: WebhookEnvelope,
    headers: dict[str, str],
    body: bytes,
    *,
    now: datetime,
) -> Received:
    """Store one webhook in the inbox (committed)."""
    return store_many(engine, [Verified(shop_id, platform, envelope, headers, body)], now=now)[0]


def store_many(engine: Engine, webhooks: Sequence[Verified], *, now: datetime) -> list[Received]:
    """Store verified webhooks in the inbox in one transaction (committed before this returns);
    one :class:`Received` each, in order. A webhook stored before (same shop and event id, else
    webhook id) is not stored again: its ``Received`` says ``duplicate`` and the stored status."""
    with UnitOfWork(engine) as uow:
        results = store_webhooks(InboxStore(uow.session), webhooks, now=now)
        uow.commit()
    return results


def _row(webhook: Verified, key: Key, now: datetime) -> dict[str, Any]:
    return {
        "shop_id": webhook.shop_id,
        "platform": webhook.platform.value,
        "topic": webhook.envelope.topic,
        "dedupe_key": key[1],
        "webhook_id": webhook.envelope.webhook_id,
        "event_id": webhook.envelope.event_id,
        "headers": {
            k: v
            for k, v in webhook.headers.items()
            if "signature" not in k.lower() and "hmac" not in k.lower()
        },
        "body": webhook.body,
        "received_at": now,
        "status": InboxStatus.PENDING.value,
        "attempts": 0,
    }


def store_webhooks(
    inbox: InboxStore, webhooks: Sequence[Verified], *, now: datetime
) -> list[Received]:
    """:func:`store_many` in ``inbox``'s transaction (uncommitted): new keys are stored in one
    statement, the others answered with what is stored."""
    rows: dict[Key, dict[str, Any]] = {}
    for webhook in webhooks:
        key = (webhook.shop_id, webhook.envelope.dedupe_key[:200])
        if key not in rows:
            rows[key] = _row(webhook, key, now)
    new = inbox.add_new(list(rows.values()))  # a key stored before is skipped (and not returned)
    old = inbox.statuses([key for key in rows if key not in new]) if len(new) < len(rows) else {}
    results = []
    first = set()
    for webhook in webhooks:
        key = (webhook.shop_id, webhook.envelope.dedupe_key[:200])
        if key in new:
            results.append(Received(new[key], key in first, InboxStatus.PENDING))
            first.add(key)
        else:
            inbox_id, status = old[key]
            results.append(Received(int(inbox_id), True, InboxStatus(status)))
    return results
