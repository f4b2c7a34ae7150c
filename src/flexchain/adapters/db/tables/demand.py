"""Demand history and presale / demand-sensing signals."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from flexchain.adapters.db.tables.base import Base, Timestamps
from flexchain.adapters.db.types import Dec, Qty, UTCDateTime


class DemandHistoryRow(Timestamps, Base):
    """Demand per item, location and period (the start date of a weekly bucket by default)."""

    __tablename__ = "demand_history"
    __table_args__ = (UniqueConstraint("item_id", "location_id", "period_start"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    period_start: Mapped[date] = mapped_column(Date, index=True)
    """Indexed (migration 0032) for reads of the last few weeks."""
    quantity: Mapped[Decimal] = mapped_column(Qty())


class PresaleSignalRow(Timestamps, Base):
    """A presale or demand-sensing signal: views, add-to-carts, preorders or deposits of a product,
    or of one option of one of its custom modules (``module_id`` and ``option_code`` together).

    Re-imports match on (item, module, option, kind, occurred_at, source); the imports and
    :mod:`flexchain.services.signals` enforce that key (a unique constraint would let the rows
    without an option through, NULLs being distinct).
    """

    __tablename__ = "presale_signals"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('views', 'add_to_cart', 'preorder', 'deposit')", name="known_kind"
        ),
        CheckConstraint("quantity >= 0", name="not_negative"),
        Index("ix_presale_signals_item_at", "item_id", "occurred_at"),
        Index("ix_presale_signals_at", "occurred_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    module_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    option_code: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[Decimal] = mapped_column(Qty())
    amount: Mapped[Decimal | None] = mapped_column(Dec())
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(64), default="")
