"""Who did what: the audit log (append-only: the database refuses UPDATE and DELETE on it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Index,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from flexchain.adapters.db.tables.base import Base, utcnow
from flexchain.adapters.db.types import UTCDateTime


class AuditRow(Base):
    """Who did what: one row per change a user, a token, a webhook, an import or the demo made.

    ``details`` holds ``before`` and ``after`` (the fields the change touched) and any context
    (reference, reason, source). Triggers (migration 0016) refuse to change or delete a row.
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_entity_at", "entity", "at"),
        Index("ix_audit_log_actor_at", "actor", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    """``user:E``, ``token:ID (NAME) of E``, ``webhook:PLATFORM:DOMAIN``, ``cli:USER``, ..."""
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(32))
    entity_key: Mapped[str] = mapped_column(String(200))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
