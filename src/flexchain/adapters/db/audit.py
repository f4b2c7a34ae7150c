"""The audit log's store: one row per change, added to the caller's session (same transaction),
and the reads of ``flexchain audit list``. Rows are never updated or deleted (the database's
triggers refuse it, migration 0016)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, insert, or_, select
from sqlalchemy.orm import Session

from flexchain.adapters.db.tables import AuditRow

__all__ = ["AuditLog", "AuditRecord", "add_entries", "add_entry", "entries"]


@dataclass(frozen=True)
class AuditRecord:
    """One stored audit row."""

    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    key: str
    details: dict[str, Any]


def add_entry(
    session: Session,
    actor: str,
    action: str,
    entity: str,
    key: str,
    details: dict[str, Any],
    at: datetime | None = None,
) -> None:
    """Add one audit row; it is written with the session's next flush (``at``: default now)."""
    row = AuditRow(actor=actor, action=action, entity=entity, entity_key=key, details=details)
    if at is not None:
        row.at = at
    session.add(row)


def add_entries(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many audit rows at once (one executemany; the keys are :class:`AuditRow`'s
    columns, ``at`` included)."""
    if rows:
        session.execute(insert(AuditRow), list(rows))


def entries(
    session: Session,
    *,
    entity: str | None = None,
    actors: Iterable[str] = (),
    token_of: str | None = None,
    since: datetime | None = None,
    limit: int = 100,
) -> list[AuditRecord]:
    """The newest rows first (the last written: ``at`` is the use case's time, which its
    caller may give): of ``entity``; by one of ``actors`` or (``token_of``) by an API token of
    that e-mail (``token:... of E``); at or after ``since``."""
    query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
    if entity is not None:
        query = query.where(AuditRow.entity == entity)
    who: list[ColumnElement[bool]] = [AuditRow.actor.in_(list(actors))] if actors else []
    if token_of is not None:
        who.append(
            and_(
                AuditRow.actor.startswith("token:", autoescape=True),
                AuditRow.actor.endswith(f" of {token_of}", autoescape=True),
            )
        )
    if who:
        query = query.where(or_(*who))
    if since is not None:
        query = query.where(AuditRow.at >= since)
    return [
        AuditRecord(row.id, row.at, row.actor, row.action, row.entity, row.entity_key, row.details)
        for row in session.scalars(query)
    ]


class AuditLog:
    """:func:`add_entry` bound to one session and actor (the import registry's audit)."""

    def __init__(self, session: Session, actor: str) -> None:
        self.session = session
        self.actor = actor

    def record(self, action: str, entity: str, key: str, details: dict[str, Any]) -> None:
        add_entry(self.session, self.actor, action, entity, key, details)
