"""What happened to a production job: released, started, each step's progress, delays,
finished, cancelled, and the alerts it raised (e.g. over-consumption)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from flexchain.adapters.db.tables.base import Base, utcnow
from flexchain.adapters.db.types import Qty, UTCDateTime


class JobEventRow(Base):
    """Append-only: one row per action on a job (``kind`` is a ``JobAction`` or ``alert``)."""

    __tablename__ = "job_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("production_jobs.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16))
    """The job's status after the event."""
    step: Mapped[str | None] = mapped_column(String(64))
    quantity: Mapped[Decimal | None] = mapped_column(Qty())
    scrap: Mapped[Decimal | None] = mapped_column(Qty())
    days: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    """The reason of a delay, the message of an alert."""
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(100), default="system")
