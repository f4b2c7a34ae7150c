"""The import registry's generic store: every stored row of a table as plain values, and the bulk
inserts and updates an import decided (one ``executemany`` each, never one statement per row).

Tables are named by their SQL name (``items``, ``bom_lines``...), so the services that decide
what to write never hold a table class.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from flexchain.adapters.db.tables import Base

__all__ = ["RowStore", "mapped", "stored_rows"]

Values = dict[str, Any]


def mapped(table: str) -> type[Base]:
    """The mapped class of the table called ``table``."""
    for mapper in Base.registry.mappers:
        if mapper.local_table.name == table:  # type: ignore[attr-defined]
            return mapper.class_  # type: ignore[no-any-return]
    raise KeyError(table)


def stored_rows(session: Session, table: type[Base], *where: Any) -> Iterator[Values]:
    """Every stored row of ``table`` (optionally filtered) as a dict of column values."""
    columns = table.__table__.columns  # type: ignore[attr-defined]
    query = select(*(getattr(table, column.key) for column in columns))
    for row in session.execute(query.where(*where) if where else query):
        yield dict(row._mapping)


class RowStore:
    """Reads and bulk writes of whole rows, by table name."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def rows(self, table: str) -> Iterator[Values]:
        """Every stored row of ``table``, with its ``id``."""
        return stored_rows(self.session, mapped(table))

    def insert(self, table: str, rows: Sequence[Values]) -> None:
        if rows:
            self.session.execute(insert(mapped(table)), list(rows))

    def update(self, table: str, rows: Sequence[Values]) -> None:
        """Update by primary key: each row carries its ``id`` and the columns that change."""
        if rows:
            self.session.execute(update(mapped(table)), list(rows))
