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

import functools
import gc
import logging
import multiprocessing
import queue
import secrets
import signal
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Engine, Table, bindparam, func, or_, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY

from flexchain.adapters.db import catalog_version
from flexchain.adapters.db.engine import make_engine
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
    "Batch",
    "Batcher",
    "CatalogCache",
    "Handled",
    "InboxView",
    "Received",
    "ShopKeys",
    "Verified",
    "apply_order",
    "list_inbox",
    "process",
    "process_batch",
    "process_pending",
    "receive_webhook",
    "retry",
    "store_many",
    "verify_webhook",
]

logger = logging.getLogger(__name__)
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


class ShopKeys:
    """Shop ids and webhook secrets by platform and domain, for verifying a stream of webhooks
    without a database read each: an entry is read again after ``ttl`` seconds, and at once when
    a signature does not match it (so a new secret works from its first webhook). A shop that is
    removed or deactivated stops being accepted within ``ttl``."""

    def __init__(self, engine: Engine, *, ttl: float = 5.0) -> None:
        self.engine = engine
        self.ttl = ttl
        self._entries: dict[tuple[Platform, str], tuple[float, int, str]] = {}
        self._guard = threading.Lock()

    def cached(self, platform: Platform, headers: Mapping[str, str]) -> tuple[int, str] | None:
        """The shop's (id, secret) if known and fresh; never reads the database."""
        domain = header(headers, SHOP_HEADERS[platform])
        if not domain:
            return None
        with self._guard:
            entry = self._entries.get((platform, domain.strip().lower()))
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1], entry[2]

    def verify_cached(
        self, platform: Platform, headers: Mapping[str, str], body: bytes
    ) -> Verified | None:
        """The webhook verified against the cached secret; ``None`` if the shop is not cached or
        the signature does not match it (then :func:`verify_webhook` reads the shop again).
        Never reads the database. Raises :class:`PayloadError` for a signed, malformed body."""
        cached = self.cached(platform, headers)
        if cached is None:
            return None
        try:
            return _verified(platform, cached, headers, body)
        except SignatureError:
            return None

    def read(self, platform: Platform, headers: Mapping[str, str]) -> tuple[int, str]:
        """The shop's (id, secret) from the database (raises :class:`SignatureError`)."""
        with UnitOfWork(self.engine, write=False) as reader:
            shop = _shop(reader, platform, headers)
            result = shop.id, shop.secret
        domain = header(headers, SHOP_HEADERS[platform]) or ""
        with self._guard:
            self._entries[(platform, domain.strip().lower())] = (
                time.monotonic() + self.ttl,
                *result,
            )
        return result


def verify_webhook(
    engine: Engine,
    platform: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    keys: ShopKeys | None = None,
) -> Verified:
    """Check a webhook's signature (before parsing) and that it is an order; stores nothing.

    With ``keys``, the shop's secret comes from that cache when it is fresh (see
    :class:`ShopKeys`), else from the database.

    Raises
    ------
    SignatureError
        Unknown shop, missing or wrong signature (HTTP 401).
    PayloadError
        Signed, but not an order the platform would send (HTTP 400).
    """
    kind = Platform(platform)
    if keys is not None and (verified := keys.verify_cached(kind, headers, body)) is not None:
        return verified
    if keys is not None:  # not cached, or perhaps a new secret: read the shop again
        return _verified(kind, keys.read(kind, headers), headers, body)
    with UnitOfWork(engine, write=False) as reader:
        shop = _shop(reader, kind, headers)
        found = shop.id, shop.secret
    return _verified(kind, found, headers, body)


def _verified(
    kind: Platform, shop: tuple[int, str], headers: Mapping[str, str], body: bytes
) -> Verified:
    envelope, order = PARSERS[kind](headers, body, shop[1])
    return Verified(shop[0], kind, envelope, dict(headers), body, order)


def receive_webhook(
    engine: Engine, platform: str, headers: Mapping[str, str], body: bytes, *, now: datetime
) -> Received:
    """Verify and store one webhook (committed); :func:`process` applies it.

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
    rows: dict[tuple[int, str], dict[str, Any]] = {}
    for webhook in webhooks:
        key = (webhook.shop_id, webhook.envelope.dedupe_key[:200])
        rows.setdefault(
            key,
            {
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
                "status": "pending",
                "attempts": 0,
            },
        )
    with UnitOfWork(engine) as uow:
        session = uow.session
        insert = (
            postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        )
        # one statement for all; a key stored before is skipped (and not returned)
        new = {
            (shop_id, dedupe_key): inbox_id
            for inbox_id, shop_id, dedupe_key in session.execute(
                insert(InboxRow)
                .on_conflict_do_nothing(index_elements=["shop_id", "dedupe_key"])
                .returning(InboxRow.id, InboxRow.shop_id, InboxRow.dedupe_key),
                list(rows.values()),  # sent as multi-row INSERTs, compiled once
            )
        }
        old = {}
        if len(new) < len(rows):
            seen = [key for key in rows if key not in new]
            old = {
                (shop_id, dedupe_key): (inbox_id, status)
                for inbox_id, shop_id, dedupe_key, status in session.execute(
                    select(
                        InboxRow.id, InboxRow.shop_id, InboxRow.dedupe_key, InboxRow.status
                    ).where(tuple_(InboxRow.shop_id, InboxRow.dedupe_key).in_(seen))
                )
            }
        uow.commit()
    results = []
    first = set()
    for webhook in webhooks:
        key = (webhook.shop_id, webhook.envelope.dedupe_key[:200])
        if key in new:
            results.append(Received(new[key], key in first, "pending"))
            first.add(key)
        else:
            inbox_id, status = old[key]
            results.append(Received(int(inbox_id), True, status))
    return results


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


def process_batch(
    engine: Engine,
    inbox_ids: Iterable[int],
    *,
    now: datetime,
    parsed: Mapping[int, NormalisedOrder] | None = None,
    known: CatalogCache | None = None,
) -> list[InboxView]:
    """Apply many inbox rows in one transaction, in the order given; one view per id.

    With ``known`` (the server's intake keeps one), catalog lookups made by earlier batches are
    reused while the catalog has not changed since (see :class:`CatalogCache`).

    The orders share their lookups, each balance is locked once and written once, and one commit
    covers them all (a webhook burst costs a fraction of one-by-one :func:`process`). If any row
    cannot be applied, the whole transaction is rolled back and every row goes through
    :func:`process` on its own, so a bad row is marked failed without holding up the others.
    """
    inbox_ids = list(inbox_ids)
    if not inbox_ids or (len(inbox_ids) == 1 and known is None):
        return [process(engine, inbox_id, now=now) for inbox_id in inbox_ids]
    try:
        with UnitOfWork(engine, actor="intake") as uow:
            session = uow.session
            rows = {
                row.id: row
                for row in session.scalars(
                    select(InboxRow)
                    .where(InboxRow.id.in_(set(inbox_ids)))
                    .order_by(InboxRow.id)
                    .with_for_update()
                )
            }
            # balances read unlocked, locked by the guarded writes just before the commit
            batch = Batch(uow, now=now, known=known, optimistic=True)
            shops = batch.shops({row.shop_id for row in rows.values()})
            todo = []
            for inbox_id in inbox_ids:
                row = rows[inbox_id]  # a missing id is a KeyError: one by one says which
                if row.status not in ("processed", "ignored"):
                    shop = shops[row.shop_id]
                    order = (parsed or {}).get(inbox_id) or _parse_stored(shop, row)
                    todo.append((row, shop, order))
            batch.prepare([(shop, order) for _, shop, order in todo if order is not None])
            for row, shop, order in todo:
                note = None
                if order is not None:
                    result, note = apply_order(uow, shop, order, now=now, batch=batch)
                    row.order_id = result.id
                row.status = "ignored" if note else "processed"
                row.error = note
                row.attempts += 1
                row.processed_at = now
            batch.finish()
            uow.commit()
            return [_view(uow, rows[inbox_id], shops) for inbox_id in inbox_ids]
    except Exception as error:  # one by one: each row is applied, or marked failed, on its own
        logger.info("batch of %d webhooks fell back to one by one: %s", len(inbox_ids), error)
        return [process(engine, inbox_id, now=now) for inbox_id in inbox_ids]


@dataclass(frozen=True)
class Handled:
    """What became of a submitted webhook: stored (``received``) and, unless it was a duplicate
    already dealt with or applying it failed unexpectedly, applied (``view``)."""

    received: Received
    view: InboxView | None


class Batcher:
    """The API server's intake thread: verified webhooks from the request threads are stored and
    applied here in batches, so a burst of orders shares its transactions (group commit).

    Each batch takes whatever arrived while the previous one ran (up to ``max_batch``): it stores
    every body in the inbox and commits (:func:`store_many`), then applies the new rows in one
    more transaction (:func:`process_batch`). :meth:`submit` returns a future with the webhook's
    :class:`Received` and, unless it was a duplicate already dealt with, its :class:`InboxView`.
    A lone webhook is handled at once, so latency stays about one batch long under load; under
    load a batch waits a few milliseconds for the rest of a burst (:meth:`_collect`).

    ``processes``: apply the batches in that many child processes (:class:`Appliers`), each with
    its own connection, instead of in this thread. The thread then only stores, and a dispatch
    thread hands what was stored to idle processes (:meth:`_dispatch`): while one applies a
    batch, the next is stored and another process applies it, on as many cores. (Several server
    processes, ``flexchain serve --workers``, also use the cores, but each keeps the connections
    the kernel happened to give it: measured, 32 keep-alive connections split 31/1 as often as
    16/16.)
    """

    def __init__(
        self, engine: Engine, *, max_batch: int = 64, linger: float = 0.005, processes: int = 0
    ) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self.linger = linger
        """Seconds a batch may wait for the rest of a burst (see :meth:`_collect`)."""
        self._queue: queue.SimpleQueue[tuple[Verified, Future[Handled]] | None] = (
            queue.SimpleQueue()
        )
        self._thread = threading.Thread(target=self._run, name="flexchain-intake", daemon=True)
        self.keys = ShopKeys(engine)
        """Shop secrets for the request threads' :func:`verify_webhook`."""
        self.known = CatalogCache()
        """Catalog lookups shared by the intake thread's batches."""
        self.processes = processes
        self._appliers: Appliers | None = None
        self._stored: list[_Stored] = []
        """Batches stored and not yet handed to an applier process."""
        self._busy = 0
        """Applier processes applying a batch."""
        self._outstanding = 0
        """Webhooks submitted and not answered yet (counted with applier processes)."""
        self._storing = True
        self._idle = threading.Condition()
        """Guards the four above; notified when a batch is stored or applied."""
        self._dispatcher = threading.Thread(
            target=self._dispatch, name="flexchain-dispatch", daemon=True
        )

    def start(self) -> None:
        """Start the intake thread (and the applier processes, ready when this returns)."""
        if self.processes:
            self._appliers = Appliers(self.engine, self.processes)
            self._dispatcher.start()
        self._thread.start()

    def stop(self) -> None:
        """Finish what was submitted, then stop."""
        self._queue.put(None)
        self._thread.join(timeout=30)
        if self._appliers is not None:
            with self._idle:
                self._storing = False
                self._idle.notify_all()
            self._dispatcher.join(timeout=30)
            self._appliers.close()

    def submit(self, webhook: Verified) -> Future[Handled]:
        future: Future[Handled] = Future()
        if self.processes:
            with self._idle:
                self._outstanding += 1
        self._queue.put((webhook, future))
        return future

    def _collect(
        self, first: tuple[Verified, Future[Handled]], expected: int
    ) -> tuple[list[tuple[Verified, Future[Handled]]], bool]:
        """The next batch: ``first`` and whatever else is queued. When the previous batch was
        bigger (of the last 8), the stores whose answers went out are about to send more: wait up to
        :attr:`linger` for them rather than split one burst into a big batch and a small one
        (each batch has a fixed cost, so two half batches take almost twice as long)."""
        waiting = [first]
        deadline: float | None = None
        while len(waiting) < self.max_batch:
            try:
                entry = self._queue.get_nowait()
            except queue.Empty:
                if len(waiting) >= expected:
                    break
                now = time.monotonic()
                deadline = deadline or now + self.linger
                if now >= deadline:
                    break
                try:
                    entry = self._queue.get(timeout=deadline - now)
                except queue.Empty:
                    break
            if entry is None:
                return waiting, True
            waiting.append(entry)
        return waiting, False

    def _run(self) -> None:
        stopping = False
        recent: deque[int] = deque([1], maxlen=8)  # sizes of the last batches
        while not stopping:
            first = self._queue.get()
            if first is None:
                break
            # with applier processes, store at once: _dispatch makes the batches
            waiting, stopping = self._collect(first, 1 if self.processes else max(recent))
            recent.append(len(waiting))
            try:
                now = datetime.now(UTC)
                received = store_many(self.engine, [webhook for webhook, _ in waiting], now=now)
            except Exception as error:  # nothing was stored: the store will send it again
                for _, future in waiting:
                    future.set_exception(error)
                if self.processes:
                    with self._idle:
                        self._outstanding -= len(waiting)
                continue
            stored = _Stored(now, received, [future for _, future in waiting])
            for r, (webhook, _) in zip(received, waiting, strict=True):
                if not (r.duplicate and r.status in ("processed", "ignored", "failed")):
                    stored.todo.append(r.inbox_id)
                if not r.duplicate and webhook.order is not None:
                    stored.parsed[r.inbox_id] = webhook.order
            if self._appliers is None:
                stored.answer(_applied(self.engine, stored.todo, now, stored.parsed, self.known))
            else:
                with self._idle:
                    self._stored.append(stored)
                    self._idle.notify_all()

    def _dispatch(self) -> None:
        """The dispatch thread: hands stored batches to idle applier processes.

        An idle process gets what was stored once it makes its share of the webhooks waiting in
        the server (``outstanding / processes``), or after :attr:`linger`: the clients split
        into as many groups as there are processes, each group's next requests arriving while
        the others' are applied. (Handing every stored webhook to the first idle process drew
        all 32 clients of the benchmark into one batch, the other process idle; handing each
        as soon as it is stored made batches of one or two, each paying the fixed cost.)
        """
        assert self._appliers is not None
        while True:
            with self._idle:
                deadline = None
                while True:
                    if not self._storing and not self._stored:
                        self._idle.wait_for(lambda: not self._busy, timeout=30)
                        return
                    if not self._stored or self._busy >= self.processes:
                        deadline = None
                        self._idle.wait()
                        continue
                    count = sum(len(batch.futures) for batch in self._stored)
                    share = min(-(-self._outstanding // self.processes), self.max_batch)
                    now = time.monotonic()
                    deadline = deadline or now + self.linger
                    if count >= share or now >= deadline or not self._storing:
                        break
                    self._idle.wait(deadline - now)
                batches, count = [], 0
                while self._stored and count < share:
                    batch = self._stored.pop(0)
                    if count + len(batch.futures) > share:
                        batch, rest = batch.split(share - count)
                        self._stored.insert(0, rest)
                    batches.append(batch)
                    count += len(batch.futures)
                self._busy += 1
            self._apply(batches)

    def _apply(self, batches: list[_Stored]) -> None:
        assert self._appliers is not None
        todo = [inbox_id for batch in batches for inbox_id in batch.todo]
        parsed = {k: v for batch in batches for k, v in batch.parsed.items()}

        def answer(views: list[InboxView]) -> None:
            for batch in batches:
                batch.answer(views)
            with self._idle:
                self._busy -= 1
                self._outstanding -= sum(len(batch.futures) for batch in batches)
                self._idle.notify_all()

        self._appliers.apply(todo, batches[-1].now, parsed, answer)


@dataclass
class _Stored:
    """A batch stored in the inbox, waiting to be applied; :meth:`answer` tells its stores."""

    now: datetime
    received: list[Received]
    futures: list[Future[Handled]]
    todo: list[int] = field(default_factory=list)
    parsed: dict[int, NormalisedOrder] = field(default_factory=dict)

    def split(self, size: int) -> tuple[_Stored, _Stored]:
        """The first ``size`` webhooks, and the others."""
        first = _Stored(self.now, self.received[:size], self.futures[:size])
        rest = _Stored(self.now, self.received[size:], self.futures[size:])
        for part in (first, rest):
            ids = {r.inbox_id for r in part.received}
            part.todo = [i for i in self.todo if i in ids]
            part.parsed = {i: order for i, order in self.parsed.items() if i in ids}
        return first, rest

    def answer(self, applied: list[InboxView]) -> None:
        views = {view.id: view for view in applied}
        for r, future in zip(self.received, self.futures, strict=True):
            future.set_result(Handled(r, views.get(r.inbox_id)))


def _applied(
    engine: Engine,
    todo: list[int],
    now: datetime,
    parsed: dict[int, NormalisedOrder],
    known: CatalogCache,
) -> list[InboxView]:
    """:func:`process_batch` for the intake, which answers the stores whatever happens."""
    try:
        return process_batch(engine, dict.fromkeys(todo), now=now, parsed=parsed, known=known)
    except Exception:  # stored, not applied: process_pending applies it later
        logger.exception("applying %d stored webhooks failed", len(todo))
        return []


class Appliers:
    """Child processes that apply stored batches (:func:`process_batch`), each with its own
    engine and :class:`CatalogCache`, for a :class:`Batcher`.

    Started with ``spawn`` (the server has threads, which ``fork`` would copy half-way), all
    connected before the constructor returns, so the first webhooks do not wait for them.
    :meth:`apply` calls ``answer`` with the views from the pool's thread; a batch whose process
    died is answered with none (stored, not applied: ``process_pending`` applies it) and the
    pool is started again.
    """

    def __init__(self, engine: Engine, processes: int) -> None:
        self.url = engine.url.render_as_string(hide_password=False)
        self.processes = processes
        self._lock = threading.Lock()
        self._pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("spawn")
        ready = context.Barrier(self.processes + 1)
        pool = ProcessPoolExecutor(
            self.processes,
            mp_context=context,
            initializer=_start_applier,
            initargs=(self.url, ready),
        )
        for _ in range(self.processes):  # the pool starts a process per task while none is idle
            pool.submit(int)
        ready.wait(timeout=120)
        return pool

    def apply(
        self,
        todo: list[int],
        now: datetime,
        parsed: dict[int, NormalisedOrder],
        answer: Callable[[list[InboxView]], None],
    ) -> None:
        def done(future: Future[list[InboxView]]) -> None:
            try:
                views = future.result()
            except Exception:
                logger.exception("an intake process failed applying %d webhooks", len(todo))
                views = []
                if isinstance(future.exception(), BrokenProcessPool):
                    self._restart(pool)
            answer(views)

        with self._lock:
            pool = self._pool
        try:
            future = pool.submit(_apply_in_child, todo, now, parsed)
        except BrokenProcessPool:
            self._restart(pool)
            answer([])
            return
        future.add_done_callback(done)

    def _restart(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is broken:
                self._pool = self._start()
        broken.shutdown(wait=False)

    def close(self) -> None:
        self._pool.shutdown(wait=True)


_child: tuple[Engine, CatalogCache] | None = None
"""In an applier process: its engine and kept catalog lookups."""


def _start_applier(url: str, ready: Any) -> None:
    """Initialise an applier process: connect, then wait for its siblings (``ready``)."""
    global _child
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C stops the server, which stops us
    engine = make_engine(url)
    with engine.connect():
        pass
    _child = (engine, CatalogCache())
    gc.freeze()  # what the process loaded lives as long as it: no collection scans it
    ready.wait(timeout=120)


def _apply_in_child(
    todo: list[int], now: datetime, parsed: dict[int, NormalisedOrder]
) -> list[InboxView]:
    assert _child is not None, "not an applier process"
    engine, known = _child
    return _applied(engine, todo, now, parsed, known)


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


def _view(uow: UnitOfWork, row: InboxRow, shops: Mapping[int, ShopRow] | None = None) -> InboxView:
    shop = (shops or {}).get(row.shop_id) or uow.session.get(ShopRow, row.shop_id)
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


class CatalogCache:
    """Catalog lookups kept from one batch to the next while the catalog does not change.

    Each batch reads the catalog version (:func:`~flexchain.adapters.db.catalog_version.version`,
    bumped by triggers whenever an item, BOM line, option, SKU mapping, shop, location, supplier or
    capability changes, whoever changes it); while it is the one the lookups were made at, they
    are reused, else they are all dropped and made again. Stock, reservations, orders and the
    load booked on suppliers are never kept: they are read by every batch. Used by one thread.
    """

    def __init__(self) -> None:
        self.version: int | None = None
        self._lookups: defaultdict[str, dict[Any, Any]] = defaultdict(dict)

    def current(self, session: Any) -> defaultdict[str, dict[Any, Any]]:
        """The lookups valid at the catalog version ``session`` sees (empty after a change)."""
        found = catalog_version.version(session)
        if found != self.version:
            self.version, self._lookups = found, defaultdict(dict)
        return self._lookups


class Batch:
    """Orders applied in one transaction share their lookups (SKUs, mappings, custom modules),
    their splitting context (:class:`flexchain.services.fulfilment.Context`) and one availability
    push per touched item, queued by :meth:`finish`."""

    def __init__(
        self,
        uow: UnitOfWork,
        *,
        now: datetime,
        known: CatalogCache | None = None,
        optimistic: bool = False,
    ) -> None:
        self.uow = uow
        self.now = now
        self.shared = known is not None
        self.known = known.current(uow.session) if known is not None else defaultdict(dict)
        """Catalog lookups (by kind), shared with later batches when ``known`` is given."""
        self.fulfilment = fulfilment.Context(
            uow, now=now, known=self.known if self.shared else None, optimistic=optimistic
        )
        self.touched: set[int] = set()
        self._mapped: dict[tuple[int, str], tuple[int | None, int] | None] = self.known["mapped"]
        self._skus: dict[str, int | None] = self.known["skus"]
        self._custom: dict[int, list[tuple[list[str], list[Option], str]]] = self.known["custom"]
        self._orders: dict[tuple[int, str], SalesOrderRow] = {}

    def shops(self, ids: set[int]) -> dict[int, ShopRow]:
        """The shops of ``ids`` that exist."""
        known: dict[int, ShopRow] = self.known["shops"]
        missing = ids - known.keys()
        if missing:
            session = self.uow.session
            for shop in session.scalars(select(ShopRow).where(ShopRow.id.in_(missing))):
                known[shop.id] = shop
                if self.shared:  # kept for later batches: out of this session's expiry
                    session.expunge(shop)
        return {i: known[i] for i in ids if i in known}

    def mapped(self, shop_id: int, keys: set[str]) -> dict[str, tuple[int | None, int]]:
        """Mapping targets of ``keys`` for the shop: its own mapping wins over a global one."""
        missing = {key for key in keys if (shop_id, key) not in self._mapped}
        if missing:
            found: dict[str, tuple[int | None, int]] = {}
            for owner, key, target in self.uow.session.execute(
                select(
                    SkuMappingRow.shop_id, SkuMappingRow.external_key, SkuMappingRow.item_id
                ).where(
                    SkuMappingRow.external_key.in_(missing),
                    or_(SkuMappingRow.shop_id == shop_id, SkuMappingRow.shop_id.is_(None)),
                )
            ).all():
                if key not in found or owner is not None:
                    found[key] = (owner, target)
            for key in missing:
                self._mapped[(shop_id, key)] = found.get(key)
        return {key: hit for key in keys if (hit := self._mapped[(shop_id, key)]) is not None}

    def by_sku(self, skus: set[str]) -> dict[str, int]:
        missing = skus - self._skus.keys()
        if missing:
            found = dict(
                self.uow.session.execute(
                    select(ItemRow.sku, ItemRow.id).where(ItemRow.sku.in_(missing))
                ).all()
            )
            for sku in missing:
                self._skus[sku] = found.get(sku)
        return {sku: hit for sku in skus if (hit := self._skus[sku]) is not None}

    def custom(self, product_ids: set[int]) -> dict[int, list[tuple[list[str], list[Option], str]]]:
        missing = product_ids - self._custom.keys()
        if missing:
            found = _custom_modules(self.uow, missing)
            for product in missing:
                self._custom[product] = found.get(product, [])
        return {p: self._custom[p] for p in product_ids if self._custom[p]}

    def prepare(self, orders: Sequence[tuple[ShopRow, NormalisedOrder]]) -> None:
        """Create the orders of the batch that are new and lock them all, in two statements.

        One upsert creates the new orders and locks every order of the batch through the unique
        index on (shop, external id), in key order, so two batches never wait on each other in a
        cycle; its ids then load the rows by primary key. (Looking the keys up by
        ``(shop_id, external_id) IN (...)`` instead let PostgreSQL scan every order of the shop
        while the table grew faster than its statistics.)
        """
        if not orders:
            return
        session = self.uow.session
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        new = {(shop.id, incoming.external_id): (shop, incoming) for shop, incoming in orders}
        rows = [_new_order(*new[key]) for key in sorted(new)]
        table = cast(Table, SalesOrderRow.__table__)
        if dialect == "postgresql":
            # the rows as one array per column, unnested: the statement's text is the same
            # whatever the batch size (psycopg parses a multi-row VALUES list every time)
            upsert: postgresql.Insert | sqlite.Insert = _new_orders_unnested()
            arrays = {f"new_{name}": [row[name] for row in rows] for name in NEW_ORDER_COLUMNS}
            stamps = {f"new_{name}": rows[0][name] for name in STAMPS}
            values: dict[str, Any] | list[dict[str, Any]] = arrays | stamps
        else:
            upsert, values = insert(table), rows
        ids = session.scalars(
            upsert.on_conflict_do_update(
                index_elements=["shop_id", "external_id"],
                set_={"shop_id": upsert.excluded.shop_id},
            ).returning(SalesOrderRow.id),
            values,
        ).all()
        for row in session.scalars(
            select(SalesOrderRow)
            .where(SalesOrderRow.id.in_(ids))
            .order_by(SalesOrderRow.id)
            .execution_options(populate_existing=True)
        ):
            self._orders[(row.shop_id or 0, row.external_id)] = row

    def order(self, shop: ShopRow, incoming: NormalisedOrder) -> SalesOrderRow:
        """The stored order, created empty if new, locked for this transaction."""
        found = self._orders.get((shop.id, incoming.external_id))
        if found is None:
            found = self._orders[(shop.id, incoming.external_id)] = _lock_order(
                self.uow, shop, incoming
            )
        return found

    def write(self) -> None:
        """Write the reservations counted so far (before anything reads them)."""
        self.fulfilment.write()

    def finish(self) -> None:
        """Write everything, the reservations last, and queue the availability pushes of
        everything touched."""
        self.write()
        availability.queue_pushes(
            self.uow, self.touched, now=self.now, known=self.known if self.shared else None
        )
        self.touched = set()


def apply_order(
    uow: UnitOfWork,
    shop: ShopRow,
    incoming: NormalisedOrder,
    *,
    now: datetime,
    batch: Batch | None = None,
) -> tuple[SalesOrderRow, str | None]:
    """Create or update the sales order for ``incoming`` in ``uow`` (uncommitted).

    Returns the order and, when the incoming copy was not applied, why (an older version).
    With a ``batch``, reservations and availability pushes wait for :meth:`Batch.finish`.
    """
    own = batch is None
    batch = Batch(uow, now=now) if batch is None else batch
    order = batch.order(shop, incoming)
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
            batch.write()
            touched = _cancel(uow, order, now=now)
    elif order.status in (
        OrderStatus.RECEIVED.value,
        OrderStatus.RESERVED.value,
        OrderStatus.IN_PRODUCTION.value,
    ):
        resolved = _resolve_lines(batch, shop, incoming)
        stored = {} if fresh else _stored_lines(uow, order)  # a new order has nothing yet
        if fresh or _fingerprint(stored) != _fingerprint_new(resolved):
            if not fresh:
                batch.write()
                touched = fulfilment.release_order(uow, order, now=now)
            lines = _write_lines(uow, order, stored, resolved)
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
    batch.touched |= touched
    if own:
        batch.finish()
    return order, None


STAMPS = ("created_at", "updated_at")
NEW_ORDER_COLUMNS = (
    "shop_id",
    "external_id",
    "number",
    "status",
    "currency",
    "tracking_token",
    "speed_tier",
)
"""The columns :func:`_new_order` fills besides :data:`STAMPS`."""


@functools.cache
def _new_orders_unnested() -> postgresql.Insert:
    """``INSERT INTO sales_orders (...) SELECT unnest(:new_shop_id), ...``: PostgreSQL's insert
    of :func:`_new_order` rows given as one array per column (one statement text for any
    number of rows), built once."""
    table = cast(Table, SalesOrderRow.__table__)
    arrays = [
        func.unnest(bindparam(f"new_{name}", type_=ARRAY(table.c[name].type))).label(name)
        for name in NEW_ORDER_COLUMNS
    ]
    stamps = [bindparam(f"new_{name}", type_=table.c[name].type).label(name) for name in STAMPS]
    return postgresql.insert(table).from_select(
        [*NEW_ORDER_COLUMNS, *STAMPS], select(*arrays, *stamps)
    )


def _new_order(shop: ShopRow, incoming: NormalisedOrder) -> dict[str, Any]:
    """An order row before its first version is applied (``external_updated_at`` empty)."""
    now = datetime.now(UTC)
    return {
        "shop_id": shop.id,
        "external_id": incoming.external_id,
        "number": incoming.number,
        "status": OrderStatus.RECEIVED.value,
        "currency": incoming.currency,
        "tracking_token": secrets.token_urlsafe(24),
        "speed_tier": incoming.speed_tier.value,
        "created_at": now,
        "updated_at": now,
    }


def _lock_order(uow: UnitOfWork, shop: ShopRow, incoming: NormalisedOrder) -> SalesOrderRow:
    """The stored order, created empty if new, locked for this transaction (per-order queue)."""
    session = uow.session
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(
        insert(SalesOrderRow)
        .values(**_new_order(shop, incoming))
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


def _resolve_lines(batch: Batch, shop: ShopRow, incoming: NormalisedOrder) -> list[_Resolved]:
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
    results = []
    custom = batch.custom({item_id for _, item_id in resolved})
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
    return lines
