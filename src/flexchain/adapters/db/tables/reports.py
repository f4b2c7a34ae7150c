"""The weekly report: who asked for it (``report_subscriptions``) and what was sent
(``report_sends``, one row per week and user: what makes ``flexchain report send`` idempotent)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from flexchain.adapters.db.tables.base import Base, Timestamps, utcnow
from flexchain.adapters.db.types import UTCDateTime

__all__ = ["ReportSendRow", "ReportSubscriptionRow"]


class ReportSubscriptionRow(Timestamps, Base):
    """A user who asked for the weekly report by e-mail (``active`` False: they stopped; the
    row stays, so who asked when is kept)."""

    __tablename__ = "report_subscriptions"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ReportSendRow(Base):
    """One weekly report e-mailed to one user: the week it covers (its last day), the address,
    when and the message id the server accepted. Unique per week and user."""

    __tablename__ = "report_sends"
    __table_args__ = (UniqueConstraint("week_end", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    week_end: Mapped[date] = mapped_column(Date)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(254))
    message_id: Mapped[str] = mapped_column(String(254))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
