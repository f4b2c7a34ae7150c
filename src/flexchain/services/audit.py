"""The audit trail: who did what, written in the same transaction as the change itself."""

from __future__ import annotations

from typing import Any

from flexchain.adapters.db.audit import add_entry
from flexchain.adapters.db.uow import UnitOfWork


def record(
    uow: UnitOfWork,
    action: str,
    entity: str,
    key: str,
    details: dict[str, Any] | None = None,
) -> None:
    """Add one audit row (``action`` such as created/updated/imported) for ``entity`` ``key``."""
    add_entry(uow.session, uow.actor, action, entity, key, details or {})
