"""The server's webhook intake: a thread that stores and applies verified webhooks in batches
(:class:`Batcher`), optionally in child processes (:class:`Appliers`), and the shop secrets the
request threads verify with (:class:`ShopKeys`). Every decision and statement is a service's
(:mod:`flexchain.services.intake`); this module only schedules them.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import queue
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from flexchain.bootstrap import bootstrap
from flexchain.config import Settings
from flexchain.services import intake
from flexchain.services.intake import (
    CatalogCache,
    Handled,
    InboxView,
    IntakeTerms,
    NormalisedOrder,
    Platform,
    Received,
    SignatureError,
    Verified,
)

__all__ = ["Appliers", "Batcher", "ShopKeys"]

logger = logging.getLogger(__name__)


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
        domain = intake.shop_key(platform, headers)
        if not domain:
            return None
        with self._guard:
            entry = self._entries.get((platform, domain))
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1], entry[2]

    def verify_cached(
        self, platform: Platform, headers: Mapping[str, str], body: bytes
    ) -> Verified | None:
        """The webhook verified against the cached secret; ``None`` if the shop is not cached or
        the signature does not match it (then :func:`~flexchain.services.intake.verify_webhook`
        reads the shop again). Never reads the database. Raises ``PayloadError`` for a signed,
        malformed body."""
        cached = self.cached(platform, headers)
        if cached is None:
            return None
        try:
            return intake.verified(platform, cached, headers, body)
        except SignatureError:
            return None

    def read(self, platform: Platform, headers: Mapping[str, str]) -> tuple[int, str]:
        """The shop's (id, secret) from the database (raises ``SignatureError``)."""
        result = intake.shop_secret(self.engine, platform, headers)
        domain = intake.shop_key(platform, headers) or ""
        with self._guard:
            self._entries[(platform, domain)] = (time.monotonic() + self.ttl, *result)
        return result


class Batcher:
    """The API server's intake thread: verified webhooks from the request threads are stored and
    applied here in batches, so a burst of orders shares its transactions (group commit).

    Each batch takes whatever arrived while the previous one ran (up to ``max_batch``): it stores
    every body in the inbox and commits (:func:`~flexchain.services.intake.store_many`), then
    applies the new rows in one more transaction (:func:`~flexchain.services.intake.process_batch`).
    :meth:`submit` returns a future with the webhook's ``Received`` and, unless it was a duplicate
    already dealt with, its ``InboxView``. A lone webhook is handled at once, so latency stays
    about one batch long under load; under load a batch waits a few milliseconds for the rest of
    a burst (:meth:`_collect`).

    ``processes``: apply the batches in that many child processes (:class:`Appliers`), each with
    its own connection, instead of in this thread. The thread then only stores, and a dispatch
    thread hands what was stored to idle processes (:meth:`_dispatch`): while one applies a
    batch, the next is stored and another process applies it, on as many cores. (Several server
    processes, ``flexchain serve --workers``, also use the cores, but each keeps the connections
    the kernel happened to give it: measured, 32 keep-alive connections split 31/1 as often as
    16/16.)

    ``terms``: the installation's currency and speed ladder (``IntakeTerms.of(settings)``).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        max_batch: int = 64,
        linger: float = 0.005,
        processes: int = 0,
        terms: IntakeTerms = intake.DEFAULT_TERMS,
    ) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self.linger = linger
        """Seconds a batch may wait for the rest of a burst (see :meth:`_collect`)."""
        self.terms = terms
        self._queue: queue.SimpleQueue[tuple[Verified, Future[Handled]] | None] = (
            queue.SimpleQueue()
        )
        self._thread = threading.Thread(target=self._run, name="flexchain-intake", daemon=True)
        self.keys = ShopKeys(engine)
        """Shop secrets for the request threads' ``verify_webhook``."""
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
            self._appliers = Appliers(self.engine, self.processes, terms=self.terms)
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
            stored = self._store(waiting)
            if stored is None:
                continue
            if self._appliers is None:
                views = _applied(
                    self.engine, stored.todo, stored.now, stored.parsed, self.known, self.terms
                )
                stored.answer(views)
            else:
                with self._idle:
                    self._stored.append(stored)
                    self._idle.notify_all()

    def _store(self, waiting: list[tuple[Verified, Future[Handled]]]) -> _Stored | None:
        """Store a batch in the inbox (committed); ``None`` if that failed (then its stores
        were answered with the error: nothing was stored, they will send it again)."""
        try:
            now = datetime.now(UTC)
            received = intake.store_many(self.engine, [webhook for webhook, _ in waiting], now=now)
        except Exception as error:
            for _, future in waiting:
                future.set_exception(error)
            if self.processes:
                with self._idle:
                    self._outstanding -= len(waiting)
            return None
        stored = _Stored(now, received, [future for _, future in waiting])
        for r, (webhook, _) in zip(received, waiting, strict=True):
            if not r.answered:
                stored.todo.append(r.inbox_id)
            if not r.duplicate and webhook.order is not None:
                stored.parsed[r.inbox_id] = webhook.order
        return stored

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
    terms: IntakeTerms,
) -> list[InboxView]:
    """:func:`~flexchain.services.intake.process_batch` for the intake, which answers the stores
    whatever happens."""
    try:
        return intake.process_batch(
            engine, dict.fromkeys(todo), now=now, parsed=parsed, known=known, terms=terms
        )
    except Exception:  # stored, not applied: process_pending applies it later
        logger.exception("applying %d stored webhooks failed", len(todo))
        return []


class Appliers:
    """Child processes that apply stored batches (:func:`~flexchain.services.intake.process_batch`),
    each with its own engine and ``CatalogCache``, for a :class:`Batcher`.

    Started with ``spawn`` (the server has threads, which ``fork`` would copy half-way), all
    connected before the constructor returns, so the first webhooks do not wait for them.
    :meth:`apply` calls ``answer`` with the views from the pool's thread; a batch whose process
    died is answered with none (stored, not applied: ``process_pending`` applies it) and the
    pool is started again.
    """

    def __init__(
        self, engine: Engine, processes: int, *, terms: IntakeTerms = intake.DEFAULT_TERMS
    ) -> None:
        self.url = engine.url.render_as_string(hide_password=False)
        self.processes = processes
        self.terms = terms
        self._lock = threading.Lock()
        self._pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("spawn")
        ready = context.Barrier(self.processes + 1)
        pool = ProcessPoolExecutor(
            self.processes,
            mp_context=context,
            initializer=_start_applier,
            initargs=(self.url, ready, self.terms),
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


_child: tuple[Engine, CatalogCache, IntakeTerms] | None = None
"""In an applier process: its engine, kept catalog lookups and the installation's terms."""


def _start_applier(url: str, ready: Any, terms: IntakeTerms) -> None:
    """Initialise an applier process: connect, then wait for its siblings (``ready``)."""
    global _child
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C stops the server, which stops us
    engine = bootstrap(Settings(database_url=url), upgrade=False).engine
    with engine.connect():
        pass
    _child = (engine, CatalogCache(), terms)
    gc.freeze()  # what the process loaded lives as long as it: no collection scans it
    ready.wait(timeout=120)


def _apply_in_child(
    todo: list[int], now: datetime, parsed: dict[int, NormalisedOrder]
) -> list[InboxView]:
    assert _child is not None, "not an applier process"
    engine, known, terms = _child
    return _applied(engine, todo, now, parsed, known, terms)
