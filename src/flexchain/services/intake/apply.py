"""Applying an incoming order: upsert it keeping the newest version, then reserve and split it,
set its promise and queue availability pushes. Orders applied together share a :class:`Batch`.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from flexchain.adapters.db.orders import upserts
from flexchain.adapters.db.orders.upserts import (
    CatalogCache,
    CustomModules,
    Line,
    NewLine,
    Order,
    Shop,
)
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.adapters.storefronts.common import NormalisedLine, NormalisedOrder
from flexchain.domain.errors import ValidationError
from flexchain.domain.orders import OrderStatus, match_options, newest_wins, transition
from flexchain.domain.speed import SpeedLadder
from flexchain.services import audit, availability, fulfilment


class Batch:
    """Orders applied in one transaction share their lookups (SKUs, mappings, custom modules),
    their splitting context (:class:`flexchain.services.fulfilment.Context`), one availability
    push per touched item and their audit rows (one per order applied, by the shop that sent
    it), queued and written by :meth:`finish`."""

    def __init__(
        self,
        uow: UnitOfWork,
        *,
        now: datetime,
        known: CatalogCache | None = None,
        optimistic: bool = False,
        ladder: SpeedLadder | None = None,
    ) -> None:
        self.uow = uow
        self.now = now
        self.shared = known is not None
        self.known = known.current(uow.session) if known is not None else defaultdict(dict)
        """Catalog lookups (by kind), shared with later batches when ``known`` is given."""
        self.fulfilment = fulfilment.Context(
            uow,
            now=now,
            known=self.known if self.shared else None,
            optimistic=optimistic,
            ladder=ladder,
        )
        self.touched: set[int] = set()
        self.audit: list[dict[str, Any]] = []
        self._mapped: dict[tuple[int, str], tuple[int | None, int] | None] = self.known["mapped"]
        self._skus: dict[str, int | None] = self.known["skus"]
        self._custom: CustomModules = self.known["custom"]
        self._orders: dict[tuple[int, str], Order] = {}

    def shops(self, ids: set[int]) -> dict[int, Shop]:
        """The shops of ``ids`` that exist."""
        known: dict[int, Shop] = self.known["shops"]
        missing = ids - known.keys()
        if missing:
            # kept for later batches: out of this session's expiry
            for shop in upserts.load_shops(self.uow.session, missing, detach=self.shared):
                known[shop.id] = shop
        return {i: known[i] for i in ids if i in known}

    def mapped(self, shop_id: int, keys: set[str]) -> dict[str, tuple[int | None, int]]:
        """Mapping targets of ``keys`` for the shop: its own mapping wins over a global one."""
        missing = {key for key in keys if (shop_id, key) not in self._mapped}
        if missing:
            found: dict[str, tuple[int | None, int]] = {}
            for owner, key, target in upserts.mapping_targets(self.uow.session, shop_id, missing):
                if key not in found or owner is not None:
                    found[key] = (owner, target)
            for key in missing:
                self._mapped[(shop_id, key)] = found.get(key)
        return {key: hit for key in keys if (hit := self._mapped[(shop_id, key)]) is not None}

    def by_sku(self, skus: set[str]) -> dict[str, int]:
        missing = skus - self._skus.keys()
        if missing:
            found = upserts.item_ids(self.uow.session, missing)
            for sku in missing:
                self._skus[sku] = found.get(sku)
        return {sku: hit for sku in skus if (hit := self._skus[sku]) is not None}

    def custom(self, product_ids: set[int]) -> CustomModules:
        missing = product_ids - self._custom.keys()
        if missing:
            found = upserts.custom_modules(self.uow.session, missing)
            for product in missing:
                self._custom[product] = found.get(product, [])
        return {p: self._custom[p] for p in product_ids if self._custom[p]}

    def prepare(self, orders: Sequence[tuple[Shop, NormalisedOrder]]) -> None:
        """Create the orders of the batch that are new and lock them all, in key order, in two
        statements (:func:`flexchain.adapters.db.orders.upserts.upsert_orders`)."""
        if not orders:
            return
        new = {(shop.id, incoming.external_id): (shop, incoming) for shop, incoming in orders}
        rows = [_new_order(*new[key]) for key in sorted(new)]
        for row in upserts.upsert_orders(self.uow.session, rows):
            self._orders[(row.shop_id or 0, row.external_id)] = row

    def order(self, shop: Shop, incoming: NormalisedOrder) -> Order:
        """The stored order, created empty if new, locked for this transaction."""
        found = self._orders.get((shop.id, incoming.external_id))
        if found is None:
            found = self._orders[(shop.id, incoming.external_id)] = upserts.lock_order(
                self.uow.session, _new_order(shop, incoming)
            )
        return found

    def write(self) -> None:
        """Write the reservations counted so far (before anything reads them)."""
        self.fulfilment.write()

    def finish(self) -> None:
        """Write everything, the reservations last, queue the availability pushes of
        everything touched and write the audit rows (one statement)."""
        self.write()
        availability.queue_pushes(
            self.uow, self.touched, now=self.now, known=self.known if self.shared else None
        )
        audit.record_rows(self.uow, self.audit)
        self.touched, self.audit = set(), []


def apply_order(
    uow: UnitOfWork,
    shop: Shop,
    incoming: NormalisedOrder,
    *,
    now: datetime,
    batch: Batch | None = None,
    ladder: SpeedLadder | None = None,
) -> tuple[Order, str | None]:
    """Create or update the sales order for ``incoming`` in ``uow`` (uncommitted).

    Returns the order and, when the incoming copy was not applied, why (an older version).
    With a ``batch``, reservations and availability pushes wait for :meth:`Batch.finish`;
    without one, ``ladder`` gives the speed terms of its promise (default
    :data:`~flexchain.domain.speed.DEFAULT_LADDER`; a batch has its own).
    """
    own = batch is None
    batch = Batch(uow, now=now, ladder=ladder) if batch is None else batch
    order = batch.order(shop, incoming)
    if not newest_wins(order.external_updated_at, incoming.updated_at):
        return (
            order,
            f"older than the stored version ({order.external_updated_at:%Y-%m-%d %H:%M:%S})",
        )
    fresh = order.external_updated_at is None
    before = {} if fresh else _audited(order)
    _copy_header(order, incoming)
    touched: set[int] = set()
    if incoming.status == "cancelled":
        if order.status != OrderStatus.CANCELLED.value:
            batch.write()
            touched = _cancel(uow, order, now=now)
    elif order.status in (
        OrderStatus.RECEIVED.value,
        OrderStatus.RESERVED.value,
        OrderStatus.IN_PRODUCTION.value,
    ):
        touched = _split(batch, shop, order, incoming, fresh=fresh)
    batch.touched |= touched
    batch.audit.append(_audit_row(shop, order, before, now))
    if own:
        batch.finish()
    return order, None


def _audited(order: Order) -> dict[str, Any]:
    """The order's fields its audit rows compare (not the customer's personal data)."""
    return {
        "status": order.status,
        "number": order.number,
        "total": order.total,
        "currency": order.currency,
        "speed_tier": order.speed_tier,
        "promise_date": order.promise_date,
        "version": order.external_updated_at,
    }


def _audit_row(shop: Shop, order: Order, before: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The audit row of an order applied: ``created``, ``cancelled`` or ``updated`` by the shop
    that sent it (``webhook:PLATFORM:DOMAIN``), its fields before and after."""
    if not before:
        action = "created"
    elif order.status == OrderStatus.CANCELLED.value != before["status"]:
        action = "cancelled"
    else:
        action = "updated"
    actor = f"webhook:{shop.platform}:{shop.domain}"
    key = str(order.id)
    return audit.entry_row(
        actor, action, "order", key, at=now, before=before, after=_audited(order)
    )


def _split(
    batch: Batch, shop: Shop, order: Order, incoming: NormalisedOrder, *, fresh: bool
) -> set[int]:
    """Write the lines of an open order and split it again if they changed (the items touched)."""
    uow, now = batch.uow, batch.now
    resolved = _resolve_lines(batch, shop, incoming)
    stored = {} if fresh else upserts.stored_lines(uow.session, order.id)  # a new one has none
    if not fresh and _fingerprint(stored) == _fingerprint_new(resolved):
        return set()
    touched: set[int] = set()
    if not fresh:
        batch.write()
        touched = fulfilment.release_order(uow, order, now=now)
    lines = upserts.write_lines(uow.session, order.id, stored, [r.new_line() for r in resolved])
    split = fulfilment.split_order(
        uow, order, lines, now=now, warehouse_id=shop.warehouse_id, context=batch.fulfilment
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
    fulfilment.set_milestones(
        uow, order, split, now=now, reached=reached, new=fresh, context=batch.fulfilment
    )
    return touched


def _new_order(shop: Shop, incoming: NormalisedOrder) -> dict[str, Any]:
    """An order row before its first version is applied (``external_updated_at`` empty)."""
    return {
        "shop_id": shop.id,
        "external_id": incoming.external_id,
        "number": incoming.number,
        "status": OrderStatus.RECEIVED.value,
        "currency": incoming.currency,
        "tracking_token": secrets.token_urlsafe(24),
        "speed_tier": incoming.speed_tier.value,
    }


def _copy_header(order: Order, incoming: NormalisedOrder) -> None:
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


def _cancel(uow: UnitOfWork, order: Order, *, now: datetime) -> set[int]:
    order.status = transition(order.status, OrderStatus.CANCELLED).value
    touched = fulfilment.release_order(uow, order, now=now)
    fulfilment.mark_stage(uow, order, "cancelled", now)
    return touched


@dataclass(frozen=True)
class _Resolved:
    line: NormalisedLine
    item_id: int
    options: list[dict[str, Any]]

    def new_line(self) -> NewLine:
        line = self.line
        return NewLine(
            line.external_line_id,
            self.item_id,
            Decimal(line.quantity),
            line.unit_price,
            self.options,
            dict(line.properties),
        )


def _resolve_lines(batch: Batch, shop: Shop, incoming: NormalisedOrder) -> list[_Resolved]:
    """Map every line to one of our items and its options, or raise with every problem."""
    keys = {key for line in incoming.lines for key in _keys(line)}
    mapped = batch.mapped(shop.id, keys)
    by_sku = batch.by_sku({line.sku for line in incoming.lines if line.sku})
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
    custom = batch.custom({item_id for _, item_id in resolved})
    results = []
    for line, item_id in resolved:
        options, errors = _options(line, custom.get(item_id, []))
        problems += [f"line {line.external_line_id}: {error}" for error in errors]
        results.append(_Resolved(line, item_id, options))
    if problems:
        raise ValidationError("lines", "; ".join(problems))
    return results


def _options(
    line: NormalisedLine, modules: list[tuple[list[str], list[Any], str]]
) -> tuple[list[dict[str, Any]], list[str]]:
    """The options a line's properties choose in its product's custom modules, and problems."""
    if not modules:
        return [], []
    chosen, errors = match_options(line.properties, [(labels, opts) for labels, opts, _ in modules])
    deltas = {
        (o.module_sku, o.code): o.lead_time_delta_days for _, opts, _ in modules for o in opts
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
    return options, list(errors)


def _keys(line: NormalisedLine) -> list[str]:
    """Mapping keys a line may be known by: its variant id, then its SKU."""
    return [key for key in (line.variant_id, line.sku) if key]


def _fingerprint(lines: dict[str, Line]) -> list[tuple[str, int, Decimal, str]]:
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
