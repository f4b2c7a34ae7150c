"""The unit of work: one transaction per use case, rolled back unless committed."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from flexchain.adapters.db.engine import WRITE_OPTION


class UnitOfWork:
    """``with uow: ...; uow.commit()`` — anything not committed is rolled back on exit.

    A writing unit of work (the default) takes SQLite's write lock when it starts; pass
    ``write=False`` for read-only use cases so readers never wait on writers.
    """

    def __init__(self, engine: Engine, *, write: bool = True, actor: str = "system") -> None:
        self.engine = engine
        self.write = write
        self.actor = actor
        self._factory = sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("unit of work used outside its 'with' block")
        return self._session

    def __enter__(self) -> UnitOfWork:
        self._session = self._factory()
        if self.write:
            self._session.connection(execution_options={WRITE_OPTION: True})
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._session is not None
        try:
            self._session.rollback()
        finally:
            self._session.close()
            self._session = None

    def commit(self) -> None:
        self.session.commit()
        if self.write:
            # A unit of work may go on after a commit; keep taking the write lock up front.
            self.session.connection(execution_options={WRITE_OPTION: True})

    def rollback(self) -> None:
        self.session.rollback()
