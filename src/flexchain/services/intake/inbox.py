"""The inbox's use cases: apply stored webhooks (one, a batch, the pending ones), retry a failed
one, list them. A failure is recorded on its row, never raised: nothing a store sent is lost or
applied twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from flexchain.adapters.db.engine import Engine
from flexchain.adapters.db.inbox import Entry, InboxStore, Shop
from flexchain.adapters.db.orders.upserts import CatalogCache, Order
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.adapters.storefronts.common import NormalisedOrder, PayloadError
from flexchain.domain.errors import DomainError, NotFound, ValidationError
from flexchain.domain.inbox import APPLIED, InboxStatus
from flexchain.domain.orders import order_exceptions
from flexchain.services import audit
from flexchain.services.intake.apply import Batch, apply_order
from flexchain.services.intake.parse import parse_stored
from flexchain.services.intake.receive import Received
from flexchain.services.intake.terms import DEFAULT_TERMS, IntakeTerms

logger = logging.getLogger("flexchain.services.intake")


@dataclass(frozen=True)
class InboxView:
    id: int
    shop: str
    platform: str
    topic: str
    dedupe_key: str
    status: InboxStatus
    error: str | None
    attempts: int
    received_at: datetime
    processed_at: datetime | None
    order: str | None
    exceptions: tuple[str, ...] = ()
    """The order's exceptions: each of its open jobs no capable supplier can take."""


@dataclass(frozen=True)
class Handled:
    """What became of a submitted webhook: stored (``received``) and, unless it was a duplicate
    already dealt with or applying it failed unexpectedly, applied (``view``)."""

    received: Received
    view: InboxView | None


@dataclass(frozen=True)
class _Orders:
    """What the views of many inbox rows say about their orders, read in two queries: each
    order's reference, and the jobs without a supplier of those that have no promise."""

    refs: Mapping[int, tuple[str, bool]]
    unplaced: Mapping[int, list[tuple[str, str | None]]]
    unsourced: Mapping[int, list[str]]

    @classmethod
    def of(cls, inbox: InboxStore, rows: Iterable[Entry]) -> _Orders:
        refs = inbox.order_refs(row.order_id for row in rows if row.order_id)
        unpromised = [order_id for order_id, (_, promised) in refs.items() if not promised]
        if not unpromised:
            return cls(refs, {}, {})
        return cls(refs, inbox.unplaced_jobs_of(unpromised), inbox.unsourced_lines_of(unpromised))


def _view(
    inbox: InboxStore,
    row: Entry,
    shops: Mapping[int, Shop] | None = None,
    orders: _Orders | None = None,
) -> InboxView:
    """The row as listed; ``orders``: what its order's view needs, when the caller read it for
    many rows at once (else read here)."""
    shop = (shops or {}).get(row.shop_id) or inbox.shop(row.shop_id)
    orders = orders or (_Orders.of(inbox, [row]) if row.order_id else None)
    ref, exceptions = None, tuple[str, ...]()
    if row.order_id and orders is not None:
        ref = orders.refs.get(row.order_id, (None, True))[0]
        exceptions = order_exceptions(
            orders.unplaced.get(row.order_id, []), orders.unsourced.get(row.order_id, [])
        )
    return InboxView(
        id=row.id,
        shop=shop.domain if shop else "?",
        platform=row.platform,
        topic=row.topic,
        dedupe_key=row.dedupe_key,
        status=InboxStatus(row.status),
        error=row.error,
        attempts=row.attempts,
        received_at=row.received_at,
        processed_at=row.processed_at,
        order=ref,
        exceptions=exceptions,
    )


def apply_entry(
    uow: UnitOfWork,
    inbox: InboxStore,
    inbox_id: int,
    *,
    now: datetime,
    terms: IntakeTerms = DEFAULT_TERMS,
    apply: Callable[..., tuple[Order, str | None]] = apply_order,
) -> InboxView:
    """Apply one inbox row in ``uow`` (uncommitted) unless it was applied before; ``apply``
    applies its order (:func:`apply_order`). Raises what applying raises."""
    row = inbox.claim(inbox_id)
    if row is None:
        raise NotFound(f"no inbox entry {inbox_id}")
    if row.status in APPLIED:
        return _view(inbox, row)
    shop = inbox.shop(row.shop_id)
    assert shop is not None
    order = parse_stored(shop, row, now=now, currency=terms.currency)
    note, order_id = None, None
    if order is not None:
        result, note = apply(uow, shop, order, now=now, ladder=terms.ladder)
        order_id = result.id
    status = InboxStatus.IGNORED if note else InboxStatus.PROCESSED
    inbox.mark(row, status, error=note, at=now, order_id=order_id)
    return _view(inbox, row)


def apply_inbox_row(
    engine: Engine,
    inbox_id: int,
    *,
    now: datetime,
    terms: IntakeTerms = DEFAULT_TERMS,
    retried_by: str | None = None,
) -> InboxView:
    """Apply one pending or failed inbox row in its own transaction; a failure is recorded on
    the row (``failed`` with the error), never raised. ``terms``: the installation's
    (:meth:`IntakeTerms.of` its settings). ``retried_by``: the actor who asked for it again
    (audited with the row's status before and after).
    """
    try:
        with UnitOfWork(engine, actor=retried_by or "intake") as uow:
            inbox = InboxStore(uow.session)
            before = _state(inbox.claim(inbox_id)) if retried_by else None
            view = apply_entry(uow, inbox, inbox_id, now=now, terms=terms)
            _audit_retry(uow, before, view, now)
            uow.commit()
            return view
    except (DomainError, PayloadError) as error:
        with UnitOfWork(engine, actor=retried_by or "intake") as uow:
            inbox = InboxStore(uow.session)
            before = _state(inbox.claim(inbox_id)) if retried_by else None
            view = mark_failed(inbox, inbox_id, error)
            _audit_retry(uow, before, view, now)
            uow.commit()
            return view


def _state(row: Entry | None) -> dict[str, object]:
    """What a retry's audit row compares of an inbox row (empty: no such row)."""
    if row is None:
        return {}
    return {"status": row.status, "attempts": row.attempts, "error": row.error}


def _audit_retry(
    uow: UnitOfWork, before: dict[str, object] | None, view: InboxView, now: datetime
) -> None:
    """A retry's audit row (none when ``before`` is None: not a retry)."""
    if before is None:
        return
    after = {"status": view.status, "attempts": view.attempts, "error": view.error}
    audit.record_change(
        uow, "retried", "inbox", str(view.id), before=before, after=after, at=now, order=view.order
    )


def mark_failed(inbox: InboxStore, inbox_id: int, error: Exception) -> InboxView:
    """Record that applying the row failed, with the error (uncommitted)."""
    row = inbox.claim(inbox_id)
    assert row is not None
    inbox.mark(row, InboxStatus.FAILED, error=str(error))
    return _view(inbox, row)


process = apply_inbox_row
"""The old name of :func:`apply_inbox_row`."""


def process_batch(
    engine: Engine,
    inbox_ids: Iterable[int],
    *,
    now: datetime,
    parsed: Mapping[int, NormalisedOrder] | None = None,
    known: CatalogCache | None = None,
    terms: IntakeTerms = DEFAULT_TERMS,
) -> list[InboxView]:
    """Apply many inbox rows in one transaction, in the order given; one view per id.

    With ``known`` (the server's intake keeps one), catalog lookups made by earlier batches are
    reused while the catalog has not changed since (see :class:`CatalogCache`).

    The orders share their lookups, each balance is locked once and written once, and one commit
    covers them all (a webhook burst costs a fraction of one-by-one :func:`apply_inbox_row`). If
    any row cannot be applied, the whole transaction is rolled back and every row goes through
    :func:`apply_inbox_row` on its own, so a bad row is marked failed without holding up the
    others.
    """
    inbox_ids = list(inbox_ids)
    if not inbox_ids or (len(inbox_ids) == 1 and known is None):
        return [apply_inbox_row(engine, i, now=now, terms=terms) for i in inbox_ids]
    try:
        with UnitOfWork(engine, actor="intake") as uow:
            return _apply_batch(uow, inbox_ids, now, parsed or {}, known, terms)
    except Exception as error:  # one by one: each row is applied, or marked failed, on its own
        logger.info("batch of %d webhooks fell back to one by one: %s", len(inbox_ids), error)
        return [apply_inbox_row(engine, i, now=now, terms=terms) for i in inbox_ids]


def _apply_batch(
    uow: UnitOfWork,
    inbox_ids: list[int],
    now: datetime,
    parsed: Mapping[int, NormalisedOrder],
    known: CatalogCache | None,
    terms: IntakeTerms,
) -> list[InboxView]:
    inbox = InboxStore(uow.session)
    rows = inbox.claim_many(inbox_ids)
    # balances read unlocked, locked by the guarded writes just before the commit
    batch = Batch(uow, now=now, known=known, optimistic=True, ladder=terms.ladder)
    shops = batch.shops({row.shop_id for row in rows.values()})
    todo = []
    for inbox_id in inbox_ids:
        row = rows[inbox_id]  # a missing id is a KeyError: one by one says which
        if row.status not in APPLIED:
            shop = shops[row.shop_id]
            order = parsed.get(inbox_id)
            if order is None:
                order = parse_stored(shop, row, now=now, currency=terms.currency)
            todo.append((row, shop, order))
    batch.prepare([(shop, order) for _, shop, order in todo if order is not None])
    for row, shop, order in todo:
        note, order_id = None, None
        if order is not None:
            result, note = apply_order(uow, shop, order, now=now, batch=batch)
            order_id = result.id
        status = InboxStatus.IGNORED if note else InboxStatus.PROCESSED
        inbox.mark(row, status, error=note, at=now, order_id=order_id)
    batch.finish()
    uow.commit()
    orders = _Orders.of(inbox, rows.values())
    return [_view(inbox, rows[inbox_id], shops, orders) for inbox_id in inbox_ids]


def process_pending(
    engine: Engine,
    *,
    now: datetime,
    older_than: timedelta = timedelta(seconds=30),
    limit: int = 100,
    terms: IntakeTerms = DEFAULT_TERMS,
) -> list[InboxView]:
    """Apply inbox rows still pending ``older_than`` after they arrived: the server stopped
    between storing a webhook and applying it. The server's worker calls this regularly."""
    with UnitOfWork(engine, write=False) as uow:
        ids = InboxStore(uow.session).pending(received_before=now - older_than, limit=limit)
    return [apply_inbox_row(engine, inbox_id, now=now, terms=terms) for inbox_id in ids]


def retry(
    engine: Engine,
    inbox_id: int,
    *,
    now: datetime,
    terms: IntakeTerms = DEFAULT_TERMS,
    actor: str = "system",
) -> InboxView:
    """Apply a failed inbox row again (after the data was fixed); ``actor`` asked for it (the
    audit row of the retry is theirs, the order's is the shop's)."""
    with UnitOfWork(engine, write=False) as uow:
        row = InboxStore(uow.session).get(inbox_id)
        if row is None:
            raise NotFound(f"no inbox entry {inbox_id}")
        if row.status == InboxStatus.PROCESSED:
            raise ValidationError("id", f"inbox entry {inbox_id} was already processed")
    return apply_inbox_row(engine, inbox_id, now=now, terms=terms, retried_by=actor)


def list_inbox(uow: UnitOfWork, *, status: str | None = None, limit: int = 200) -> list[InboxView]:
    """The newest inbox rows first, of ``status`` if given."""
    inbox = InboxStore(uow.session)
    listed = inbox.latest(status=status, limit=limit)
    orders = _Orders.of(inbox, listed)
    return [_view(inbox, row, orders=orders) for row in listed]
