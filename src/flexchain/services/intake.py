"""Storefront intake: a signed webhook in, a sales order with its reservations, picks and jobs out.

1. :func:`receive_webhook` checks the signature against the shop's secret *before* parsing, and
   stores the raw body in the inbox (unique on shop and event id, else webhook id), committed.
   A bad signature stores nothing; a duplicate is recognised here and changes nothing.
2. :func:`process` applies one inbox row in its own transaction: normalise, upsert the order
   keeping the newest ``updated_at``, reserve and split it, set its promise, queue availability
   pushes. If anything in the data is wrong (unknown SKU, unknown option), the transaction is
   rolled back and the inbox row is kept as ``failed`` with the error; :func:`retry` runs it
   again after the data is fixed. Nothing a store sent is lost or applied twice.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from flexchain.adapters.db.tables import (
    InboxRow,
    ItemRow,
    OptionRow,
    SalesOrderLineRow,
    SalesOrderRow,
    ShopRow,
    SkuMappingRow,
)
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.adapters.storefronts import shopify, woocommerce
from flexchain.adapters.storefronts.common import (
    NormalisedLine,
    NormalisedOrder,
    PayloadError,
    SignatureError,
    WebhookEnvelope,
    header,
)
from flexchain.adapters.storefronts.payload import external_id, load_json, mapping
from flexchain.adapters.storefronts.serialise import order_from_json
from flexchain.domain.catalog import Option
from flexchain.domain.errors import DomainError, NotFound, ValidationError
from flexchain.domain.orders import (
    OrderStatus,
    SpeedTier,
    match_options,
    newest_wins,
    transition,
)
from flexchain.services import availability, fulfilment
from flexchain.services.shops import Platform, normal_domain

__all__ = [
    "InboxView",
    "Received",
    "apply_order",
    "list_inbox",
    "process",
    "process_pending",
    "receive_webhook",
    "retry",
]

PARSERS = {Platform.SHOPIFY: shopify.parse_webhook, Platform.WOOCOMMERCE: woocommerce.parse_webhook}
SYNC_TOPIC = "sync"
"""Inbox topic of an order fetched by ``shop sync`` (body: the normalised order as JSON)."""
ZERO = Decimal(0)
SHOP_HEADERS = {
    Platform.SHOPIFY: "X-Shopify-Shop-Domain",
    Platform.WOOCOMMERCE: "X-WC-Webhook-Source",
}


@dataclass(frozen=True)
class Received:
    """A webhook stored in the inbox: ``duplicate`` if it had been stored before."""

    inbox_id: int
    duplicate: bool
    status: str


@dataclass(frozen=True)
class InboxView:
    id: int
    shop: str
    platform: str
    topic: str
    dedupe_key: str
    status: str
    error: str | None
    attempts: int
    received_at: datetime
    processed_at: datetime | None
    order: str | None


def _shop(uow: UnitOfWork, platform: Platform, headers: Mapping[str, str]) -> ShopRow:
    name = SHOP_HEADERS[platform]
    domain = header(headers, name)
    if not domain:
        raise SignatureError(f"missing {name}: cannot tell which shop signed this")
    try:
        key = normal_domain(domain)
    except ValidationError:
        raise SignatureError(f"{name} {domain!r} is not a shop domain") from None
    row = uow.session.scalars(
        select(ShopRow).where(ShopRow.domain == key, ShopRow.platform == platform.value)
    ).one_or_none()
    if row is None or not row.active:
        raise SignatureError(f"no {platform.value} shop {key!r}: add it with flexchain shop add")
    return row


def receive_webhook(
    engine: Engine, platform: str, headers: Mapping[str, str], body: bytes, *, now: datetime
) -> Received:
    """Verify and store one webhook (committed); :func:`process` applies it.

    Raises
    ------
    SignatureError
        Unknown shop, missing or wrong signature: nothing is stored (HTTP 401).
    PayloadError
        Signed, but not an order the platform would send (HTTP 400): nothing is stored.
    """
    kind = Platform(platform)
    with UnitOfWork(engine, write=False) as reader:
        shop = _shop(reader, kind, headers)
        shop_id, secret = shop.id, shop.secret
    envelope, _order = PARSERS[kind](headers, body, secret)
    return store(engine, shop_id, kind, envelope, dict(headers), body, now=now)


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
    values = {
        "shop_id": shop_id,
        "platform": platform.value,
        "topic": envelope.topic,
        "dedupe_key": envelope.dedupe_key[:200],
        "webhook_id": envelope.webhook_id,
        "event_id": envelope.event_id,
        "headers": {
            k: v
            for k, v in headers.items()
            if "signature" not in k.lower() and "hmac" not in k.lower()
        },
        "body": body,
        "received_at": now,
        "status": "pending",
        "attempts": 0,
    }
    with UnitOfWork(engine) as uow:
        session = uow.session
        insert = (
            postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        )
        statement = (
            insert(InboxRow)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["shop_id", "dedupe_key"])
            .returning(InboxRow.id)
        )
        new_id = session.scalar(statement)
        duplicate = new_id is None
        status = "pending"
        if new_id is None:
            new_id, status = session.execute(
                select(InboxRow.id, InboxRow.status).where(
                    InboxRow.shop_id == shop_id, InboxRow.dedupe_key == values["dedupe_key"]
                )
            ).one()
        uow.commit()
    return Received(int(new_id), duplicate, status)


def process(engine: Engine, inbox_id: int, *, now: datetime) -> InboxView:
    """Apply one pending or failed inbox row; a failure is recorded on the row, never raised."""
    try:
        with UnitOfWork(engine, actor="intake") as uow:
            row = uow.session.get(InboxRow, inbox_id, with_for_update=True)
            if row is None:
                raise NotFound(f"no inbox entry {inbox_id}")
            if row.status in ("processed", "ignored"):
                return _view(uow, row)
            shop = uow.session.get(ShopRow, row.shop_id)
            assert shop is not None
            order = _parse_stored(shop, row)
            note = None
            if order is not None:
                result, note = apply_order(uow, shop, order, now=now)
                row.order_id = result.id
            row.status = "ignored" if note else "processed"
            row.error = note
            row.attempts += 1
            row.processed_at = now
            uow.commit()
            return _view(uow, row)
    except (DomainError, PayloadError) as error:
        with UnitOfWork(engine, actor="intake") as uow:
            row = uow.session.get(InboxRow, inbox_id, with_for_update=True)
            assert row is not None
            row.status = "failed"
            row.error = str(error)
            row.attempts += 1
            uow.commit()
            return _view(uow, row)


def _parse_stored(shop: ShopRow, row: InboxRow) -> NormalisedOrder | None:
    """The order in a stored body (its signature was checked when it arrived)."""
    if row.topic == SYNC_TOPIC:
        return order_from_json(row.body)
    data = mapping(load_json(row.body), "body")
    if shop.platform == Platform.SHOPIFY.value:
        return shopify.normalise_order(data, shop.domain, cancelled=row.topic == "orders/cancelled")
    if row.topic == "order.deleted":
        return _deleted(shop, external_id(data.get("id"), "id"))
    return woocommerce.normalise_order(data, shop.domain)


def _deleted(shop: ShopRow, order_id: str) -> NormalisedOrder:
    """A WooCommerce ``order.deleted`` carries only the id: cancel what we have of it."""
    now = datetime.now(UTC)
    return NormalisedOrder(
        platform=shop.platform,
        shop_domain=shop.domain,
        external_id=order_id,
        number="",
        status="cancelled",
        platform_status="deleted",
        currency="EUR",
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


def process_pending(
    engine: Engine,
    *,
    now: datetime,
    older_than: timedelta = timedelta(seconds=30),
    limit: int = 100,
) -> list[InboxView]:
    """Apply inbox rows still pending ``older_than`` after they arrived: the server stopped
    between storing a webhook and applying it. The server's worker calls this regularly."""
    with UnitOfWork(engine, write=False) as uow:
        ids = list(
            uow.session.scalars(
                select(InboxRow.id)
                .where(InboxRow.status == "pending", InboxRow.received_at <= now - older_than)
                .order_by(InboxRow.id)
                .limit(limit)
            )
        )
    return [process(engine, inbox_id, now=now) for inbox_id in ids]


def retry(engine: Engine, inbox_id: int, *, now: datetime) -> InboxView:
    """Process a failed inbox row again (after the data was fixed)."""
    with UnitOfWork(engine, write=False) as uow:
        row = uow.session.get(InboxRow, inbox_id)
        if row is None:
            raise NotFound(f"no inbox entry {inbox_id}")
        if row.status == "processed":
            raise ValidationError("id", f"inbox entry {inbox_id} was already processed")
    return process(engine, inbox_id, now=now)


def list_inbox(uow: UnitOfWork, *, status: str | None = None, limit: int = 200) -> list[InboxView]:
    query = select(InboxRow).order_by(InboxRow.id.desc()).limit(limit)
    if status:
        query = query.where(InboxRow.status == status)
    return [_view(uow, row) for row in uow.session.scalars(query)]


def _view(uow: UnitOfWork, row: InboxRow) -> InboxView:
    shop = uow.session.get(ShopRow, row.shop_id)
    order = uow.session.get(SalesOrderRow, row.order_id) if row.order_id else None
    return InboxView(
        id=row.id,
        shop=shop.domain if shop else "?",
        platform=row.platform,
        topic=row.topic,
        dedupe_key=row.dedupe_key,
        status=row.status,
        error=row.error,
        attempts=row.attempts,
        received_at=row.received_at,
        processed_at=row.processed_at,
        order=order.number or order.external_id if order else None,
    )


# --- applying an order ------------------------------------------------------------------------


def apply_order(
    uow: UnitOfWork, shop: ShopRow, incoming: NormalisedOrder, *, now: datetime
) -> tuple[SalesOrderRow, str | None]:
    """Create or update the sales order for ``incoming`` in ``uow`` (uncommitted).

    Returns the order and, when the incoming copy was not applied, why (an older version).
    """
    session = uow.session
    order = _lock_order(uow, shop, incoming)
    if not newest_wins(order.external_updated_at, incoming.updated_at):
        return (
            order,
            f"older than the stored version ({order.external_updated_at:%Y-%m-%d %H:%M:%S})",
        )
    fresh = order.external_updated_at is None
    _copy_header(order, incoming)
    touched: set[int] = set()
    if incoming.status == "cancelled":
        if order.status != OrderStatus.CANCELLED.value:
            touched = _cancel(uow, order, now=now)
    elif order.status in (
        OrderStatus.RECEIVED.value,
        OrderStatus.RESERVED.value,
        OrderStatus.IN_PRODUCTION.value,
    ):
        resolved = _resolve_lines(uow, shop, incoming)
        stored = {} if fresh else _stored_lines(uow, order)  # a new order has nothing yet
        if fresh or _fingerprint(stored) != _fingerprint_new(resolved):
            if not fresh:
                touched = fulfilment.release_order(uow, order, now=now)
            lines = _write_lines(uow, order, stored, resolved)
            split = fulfilment.split_order(
                uow, order, lines, now=now, warehouse_id=shop.warehouse_id
            )
            touched |= split.touched_items
            target = split.status
            current = OrderStatus(order.status)
            reached = ["received"]
            if current is not target and not (
                current is OrderStatus.IN_PRODUCTION and target is OrderStatus.RESERVED
            ):
                order.status = transition(current, target).value
                if target is OrderStatus.IN_PRODUCTION:
                    reached.append("in_production")
            fulfilment.set_milestones(uow, order, split, now=now, reached=reached, new=fresh)
    session.flush()
    availability.queue_pushes(uow, touched, now=now)
    return order, None


def _lock_order(uow: UnitOfWork, shop: ShopRow, incoming: NormalisedOrder) -> SalesOrderRow:
    """The stored order, created empty if new, locked for this transaction (per-order queue)."""
    session = uow.session
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(
        insert(SalesOrderRow)
        .values(
            shop_id=shop.id,
            external_id=incoming.external_id,
            number=incoming.number,
            status=OrderStatus.RECEIVED.value,
            currency=incoming.currency,
            tracking_token=secrets.token_urlsafe(24),
            speed_tier=incoming.speed_tier.value,
            created_at=datetime.now(UTC),
            updated_at=datetime.now(UTC),
        )
        .on_conflict_do_nothing(index_elements=["shop_id", "external_id"])
    )
    return session.scalars(
        select(SalesOrderRow)
        .where(SalesOrderRow.shop_id == shop.id, SalesOrderRow.external_id == incoming.external_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _copy_header(order: SalesOrderRow, incoming: NormalisedOrder) -> None:
    order.number = incoming.number
    order.currency = incoming.currency
    order.subtotal = incoming.subtotal
    order.total_tax = incoming.total_tax
    order.total_discounts = incoming.total_discounts
    order.shipping = incoming.shipping
    order.total = incoming.total
    order.speed_tier = incoming.speed_tier.value
    order.customer_email = incoming.customer_email
    order.shipping_address = dict(incoming.shipping_address)
    order.external_created_at = incoming.created_at
    order.external_updated_at = incoming.updated_at


def _cancel(uow: UnitOfWork, order: SalesOrderRow, *, now: datetime) -> set[int]:
    order.status = transition(order.status, OrderStatus.CANCELLED).value
    touched = fulfilment.release_order(uow, order, now=now)
    fulfilment.mark_stage(uow, order, "cancelled", now)
    return touched


@dataclass(frozen=True)
class _Resolved:
    line: NormalisedLine
    item_id: int
    options: list[dict[str, Any]]


def _resolve_lines(uow: UnitOfWork, shop: ShopRow, incoming: NormalisedOrder) -> list[_Resolved]:
    """Map every line to one of our items and its options, or raise with every problem."""
    session = uow.session
    keys = {key for line in incoming.lines for key in _keys(line)}
    mapped: dict[str, tuple[int | None, int]] = {}
    if keys:
        for shop_id, key, target in session.execute(
            select(SkuMappingRow.shop_id, SkuMappingRow.external_key, SkuMappingRow.item_id).where(
                SkuMappingRow.external_key.in_(keys),
                or_(SkuMappingRow.shop_id == shop.id, SkuMappingRow.shop_id.is_(None)),
            )
        ).all():
            if key not in mapped or shop_id is not None:  # the shop's own mapping wins
                mapped[key] = (shop_id, target)
    skus = {line.sku for line in incoming.lines if line.sku}
    by_sku = (
        dict(session.execute(select(ItemRow.sku, ItemRow.id).where(ItemRow.sku.in_(skus))).all())
        if skus
        else {}
    )
    problems: list[str] = []
    resolved: list[tuple[NormalisedLine, int]] = []
    for line in incoming.lines:
        item_id = next((mapped[k][1] for k in _keys(line) if k in mapped), None)
        if item_id is None and line.sku:
            item_id = by_sku.get(line.sku)
        if item_id is None:
            problems.append(
                f"line {line.external_line_id} ({line.title!r}): unknown SKU "
                f"{line.sku or '(empty)'}, variant {line.variant_id or '(none)'}; "
                f"map it with: flexchain sku map {line.sku or line.variant_id or 'KEY'} OUR-SKU"
            )
            continue
        resolved.append((line, item_id))
    results = []
    custom = _custom_modules(uow, {item_id for _, item_id in resolved})
    for line, item_id in resolved:
        options: list[dict[str, Any]] = []
        modules = custom.get(item_id, [])
        if modules:
            chosen, errors = match_options(
                line.properties, [(labels, opts) for labels, opts, _ in modules]
            )
            problems += [f"line {line.external_line_id}: {error}" for error in errors]
            deltas = {
                (o.module_sku, o.code): o.lead_time_delta_days
                for _, opts, _ in modules
                for o in opts
            }
            options = [
                {
                    "module_sku": choice.module_sku,
                    "option_code": choice.option_code,
                    "value": choice.value,
                    "lead_time_delta_days": deltas.get((choice.module_sku, choice.option_code), 0),
                }
                for choice in chosen
            ]
        results.append(_Resolved(line, item_id, options))
    if problems:
        raise ValidationError("lines", "; ".join(problems))
    return results


def _keys(line: NormalisedLine) -> list[str]:
    """Mapping keys a line may be known by: its variant id, then its SKU."""
    return [key for key in (line.variant_id, line.sku) if key]


def _custom_modules(
    uow: UnitOfWork, product_ids: set[int]
) -> dict[int, list[tuple[list[str], list[Option], str]]]:
    """Per product, its custom modules: the names a property may use, its options, its SKU."""
    from flexchain.adapters.db.tables import BomLineRow

    session = uow.session
    if not product_ids:
        return {}
    rows = session.execute(
        select(BomLineRow.parent_id, ItemRow)
        .join(ItemRow, ItemRow.id == BomLineRow.child_id)
        .where(BomLineRow.parent_id.in_(product_ids), ItemRow.module_type == "custom")
        .order_by(BomLineRow.parent_id, ItemRow.sku)
    ).all()
    module_ids = {item.id for _, item in rows}
    options: dict[int, list[Option]] = {}
    for option in (
        session.scalars(
            select(OptionRow).where(OptionRow.module_id.in_(module_ids)).order_by(OptionRow.id)
        )
        if module_ids
        else ()
    ):
        module = next(item for _, item in rows if item.id == option.module_id)
        options.setdefault(option.module_id, []).append(
            Option(
                module.sku,
                option.code,
                option.name,
                option.price_delta,
                option.lead_time_delta_days,
                option.currency,
            )
        )
    result: dict[int, list[tuple[list[str], list[Option], str]]] = {}
    for parent, item in rows:
        labels = [item.name, item.sku, *(str(v) for v in (item.attributes or {}).values())]
        labels += [str(k) for k in (item.attributes or {})]
        result.setdefault(parent, []).append((labels, options.get(item.id, []), item.sku))
    return result


def _stored_lines(uow: UnitOfWork, order: SalesOrderRow) -> dict[str, SalesOrderLineRow]:
    return {
        row.external_line_id: row
        for row in uow.session.scalars(
            select(SalesOrderLineRow).where(SalesOrderLineRow.order_id == order.id)
        )
    }


def _fingerprint(lines: dict[str, SalesOrderLineRow]) -> list[tuple[str, int, Decimal, str]]:
    return sorted(
        (key, row.item_id, Decimal(row.quantity), repr(sorted(map(repr, row.options))))
        for key, row in lines.items()
        if row.quantity > 0
    )


def _fingerprint_new(lines: list[_Resolved]) -> list[tuple[str, int, Decimal, str]]:
    return sorted(
        (
            r.line.external_line_id,
            r.item_id,
            Decimal(r.line.quantity),
            repr(sorted(map(repr, r.options))),
        )
        for r in lines
        if r.line.quantity > 0
    )


def _write_lines(
    uow: UnitOfWork,
    order: SalesOrderRow,
    stored: dict[str, SalesOrderLineRow],
    resolved: list[_Resolved],
) -> list[SalesOrderLineRow]:
    """Upsert the order's lines by line id; a line the store removed keeps quantity 0."""
    session = uow.session
    seen = set()
    lines = []
    for entry in resolved:
        key = entry.line.external_line_id
        seen.add(key)
        row = stored.get(key)
        if row is None:
            row = SalesOrderLineRow(order_id=order.id, external_line_id=key)
            session.add(row)
        row.item_id = entry.item_id
        row.quantity = Decimal(entry.line.quantity)
        row.unit_price = entry.line.unit_price
        row.options = entry.options
        row.properties = dict(entry.line.properties)
        row.reserved = Decimal(0)
        row.backordered = Decimal(0)
        if entry.line.quantity > 0:
            lines.append(row)
    for key, row in stored.items():
        if key not in seen:
            row.quantity = Decimal(0)
    session.flush()
    return lines
