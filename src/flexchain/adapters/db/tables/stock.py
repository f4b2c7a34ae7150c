"""Locations and the inventory ledger: moves, balances, reservations."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flexchain.adapters.db.tables.base import ZERO, Base, Timestamps, utcnow
from flexchain.adapters.db.types import Qty, UTCDateTime

if TYPE_CHECKING:
    from flexchain.adapters.db.tables.suppliers import SupplierRow


class LocationRow(Timestamps, Base):
    __tablename__ = "locations"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"))
    transit_for_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))

    supplier: Mapped[SupplierRow | None] = relationship()
    transit_for: Mapped[LocationRow | None] = relationship(remote_side=[id])


class StockMoveRow(Base):
    """Append-only: a move is never updated or deleted; a correction is a new move."""

    __tablename__ = "stock_moves"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    from_location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    to_location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    quantity: Mapped[Decimal] = mapped_column(Qty())
    kind: Mapped[str] = mapped_column(String(24))
    reference: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(String(200), default="", server_default="")
    reservation_owner: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100), default="system")

    __table_args__ = (
        CheckConstraint("quantity > 0", name="positive"),
        Index("ix_stock_moves_item_at", "item_id", "at"),
    )


class StockBalanceRow(Base):
    """Derived from the moves and reservations, kept in step in the same transaction."""

    __tablename__ = "stock_balances"
    __table_args__ = (UniqueConstraint("item_id", "location_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), index=True)
    on_hand: Mapped[Decimal] = mapped_column(Qty(), default=ZERO)
    reserved: Mapped[Decimal] = mapped_column(Qty(), default=ZERO)
    in_transit: Mapped[Decimal] = mapped_column(Qty(), default=ZERO)
    on_order: Mapped[Decimal] = mapped_column(Qty(), default=ZERO)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class ReservationRow(Timestamps, Base):
    """Stock promised to an owner (an order line, say); 'not expired' is part of every query."""

    __tablename__ = "reservations"
    __table_args__ = (
        UniqueConstraint("owner_ref", "item_id", "location_id"),
        CheckConstraint("quantity >= 0", name="not_negative"),
        Index("ix_reservations_balance", "item_id", "location_id", "status"),
        # the sweep of expired reservations (once per balance an order touches) reads only these,
        # however many reservations without an expiry the balance has
        Index(
            "ix_reservations_expiring",
            "item_id",
            "location_id",
            "status",
            "expires_at",
            postgresql_where=text("expires_at IS NOT NULL"),
            sqlite_where=text("expires_at IS NOT NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_ref: Mapped[str] = mapped_column(String(200))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    quantity: Mapped[Decimal] = mapped_column(Qty())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="active")
