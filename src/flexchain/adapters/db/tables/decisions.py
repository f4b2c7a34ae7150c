"""The Today inbox: decisions snoozed with a reason until a date (services/today.py)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from flexchain.adapters.db.tables.base import Base, Timestamps

__all__ = ["DecisionSnoozeRow"]


class DecisionSnoozeRow(Timestamps, Base):
    """One inbox entry (``key``: ``rfq:RFQ-000001``) hidden until ``until`` (it shows again
    that day), why, and who snoozed it. Snoozing again replaces the row."""

    __tablename__ = "decision_snoozes"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    until: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    snoozed_by: Mapped[str] = mapped_column(String(200))
