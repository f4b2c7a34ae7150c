"""The unit of work: one transaction per use case, rolled back unless committed."""

from __future__ import annotations

import threading
import weakref
from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from flexchain.adapters.db.engine import WRITE_OPTION

_WRITERS: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()
_WRITERS_GUARD = threading.Lock()


def _writer_lock(engine: Engine) -> threading.RLock | None:
    """SQLite allows one writer at a time: threads of this process queue on a lock and wake the
    moment it is free, instead of polling SQLite's busy handler (which sleeps up to 100 ms)."""
    if engine.dialect.name != "sqlite":
        return None
    with _WRITERS_GUARD:
        lock = _WRITERS.get(engine)
        if lock is None:
            lock = _WRITERS[engine] = threading.RLock()
        return lock


class UnitOfWork:
    """``with uow: ...; uow.commit()`` — anything not committed is rolled back on exit.

    A writing unit of work (the default) takes SQLite's write lock when it starts; pass
    ``write=False`` for read-only use cases so readers never wait on writers.

    ``actor`` is who acts, as the audit trail records it (``user:anna@example.com``,
    ``token:7 (erp)``, ``webhook:shopify:shop.example``, ``cli:root``). ``supplier_scope``, for a
    supplier's user, is that supplier's id: the stores of supplier-owned records (jobs, and the
    purchase orders to come) filter every query by it, so another supplier's record does not
    exist for them.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        write: bool = True,
        actor: str = "system",
        supplier_scope: int | None = None,
    ) -> None:
        self.engine = engine
        self.write = write
        self.actor = actor
        self.supplier_scope = supplier_scope
        self._factory = sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
        self._session: Session | None = None
        self._lock = _writer_lock(engine) if write else None
        self._begin_again = False

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("unit of work used outside its 'with' block")
        if self._begin_again:
            # A unit of work may go on after a commit; its next transaction takes the write
            # lock up front again (only if it is used: most end right after committing).
            self._begin_again = False
            self._session.connection(execution_options={WRITE_OPTION: True})
        return self._session

    def __enter__(self) -> UnitOfWork:
        if self._lock is not None:
            self._lock.acquire()
        self._session = self._factory()
        if self.write:
            try:
                self._session.connection(execution_options={WRITE_OPTION: True})
            except BaseException:
                self._session.close()
                self._session = None
                if self._lock is not None:
                    self._lock.release()
                raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._session is not None
        self._begin_again = False
        try:
            self._session.rollback()
        finally:
            self._session.close()
            self._session = None
            if self._lock is not None:
                self._lock.release()

    def commit(self) -> None:
        self.session.commit()
        self._begin_again = self.write

    def rollback(self) -> None:
        self.session.rollback()
