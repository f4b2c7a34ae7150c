"""The dialect-specific ``INSERT`` the stores use for upserts and insert-or-ignore.

PostgreSQL and SQLite both spell ``INSERT ... ON CONFLICT``, but SQLAlchemy builds it through
each dialect's own ``insert``; this picks the right one for the session's (or connection's) bind,
so a store writes ``insert_for(session, table).on_conflict_do_nothing(...)`` once for both.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

Insert = postgresql.Insert | sqlite.Insert


def is_postgresql(bind: Session | Connection | Engine) -> bool:
    """Whether ``bind`` (a session, connection or engine) talks to PostgreSQL."""
    engine = bind.get_bind() if isinstance(bind, Session) else bind
    return engine.dialect.name == "postgresql"


def insert_for(bind: Session | Connection | Engine, table: Any) -> Insert:
    """``INSERT`` into ``table`` (a Table or mapped class) in the dialect of ``bind``, with
    ``on_conflict_do_nothing``/``on_conflict_do_update`` available on both databases."""
    if is_postgresql(bind):
        return postgresql.insert(table)
    return sqlite.insert(table)
