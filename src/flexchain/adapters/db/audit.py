"""The audit log's store: one row per change, added to the caller's session (same transaction)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from flexchain.adapters.db.tables import AuditRow

__all__ = ["AuditLog", "add_entry"]


def add_entry(
    session: Session, actor: str, action: str, entity: str, key: str, details: dict[str, Any]
) -> None:
    """Add one audit row; it is written with the session's next flush."""
    session.add(
        AuditRow(actor=actor, action=action, entity=entity, entity_key=key, details=details)
    )


class AuditLog:
    """:func:`add_entry` bound to one session and actor (the import registry's audit)."""

    def __init__(self, session: Session, actor: str) -> None:
        self.session = session
        self.actor = actor

    def record(self, action: str, entity: str, key: str, details: dict[str, Any]) -> None:
        add_entry(self.session, self.actor, action, entity, key, details)
