"""Wire one installation: settings in, an :class:`App` with its engine and units of work out.

Nothing here runs at import time: the CLI, the API and tests call :func:`bootstrap` when they need
a database, and :meth:`App.close` when they are done.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from flexchain.adapters import secretbox
from flexchain.adapters.db import migrate
from flexchain.adapters.db.engine import make_engine
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.config import Settings


class DatabaseUnavailable(Exception):
    """The configured database cannot be opened; ``str(error)`` says which one and why."""


@dataclass
class App:
    """What the entry points need: the settings, an engine and a unit-of-work factory."""

    settings: Settings
    engine: Engine
    upgraded: tuple[str | None, str] | None = field(default=None)
    """``(revision before, revision after)`` if :func:`bootstrap` upgraded the schema."""
    actor: str = "system"
    """Who acts when a unit of work does not say (the CLI sets ``cli:<login name>``)."""

    def uow(
        self,
        *,
        write: bool = True,
        actor: str | None = None,
        supplier_scope: int | None = None,
    ) -> UnitOfWork:
        """A new unit of work; use it as ``with app.uow() as uow: ...; uow.commit()``
        (``actor`` and ``supplier_scope``: see :class:`UnitOfWork`)."""
        return UnitOfWork(
            self.engine, write=write, actor=actor or self.actor, supplier_scope=supplier_scope
        )

    def upgrade(self) -> tuple[str | None, str]:
        """Create or upgrade the schema to the newest revision; returns (before, after)."""
        try:
            self.upgraded = migrate.upgrade(
                self.engine, secrets=secretbox.KeySource.of(self.settings)
            )
        except (SQLAlchemyError, secretbox.SecretKeyError) as error:
            raise DatabaseUnavailable(_describe(self.settings.database_url, error)) from error
        return self.upgraded

    def revision(self) -> str | None:
        """The schema revision the database is at (``None`` for an empty database)."""
        try:
            return migrate.current_revision(self.engine)
        except SQLAlchemyError as error:
            raise DatabaseUnavailable(_describe(self.settings.database_url, error)) from error

    def close(self) -> None:
        self.engine.dispose()


def bootstrap(settings: Settings | None = None, *, upgrade: bool = True) -> App:
    """Build the :class:`App` for ``settings`` (default: from the environment).

    With ``upgrade`` (the default) an empty or older database is brought to the newest schema, as
    every command and the API server expect; ``flexchain init`` passes ``upgrade=False`` so it can
    report the revisions itself.

    Raises
    ------
    DatabaseUnavailable
        The URL cannot be parsed or the database cannot be reached or migrated.
    """
    settings = settings or Settings()
    try:
        engine = make_engine(settings.database_url)
    except (ArgumentError, ValueError, ImportError) as error:
        raise DatabaseUnavailable(_describe(settings.database_url, error)) from error
    secretbox.install(secretbox.KeySource.of(settings))  # the key of the shops' secrets
    app = App(settings=settings, engine=engine)
    if upgrade:
        try:
            app.upgrade()
        except DatabaseUnavailable:
            app.close()
            raise
    return app


def redact(url: str) -> str:
    """``url`` without its password, fit for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _describe(url: str, error: BaseException) -> str:
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()
    first = reason[0] if reason else type(error).__name__
    return f"cannot open database {redact(url)}: {first}"
