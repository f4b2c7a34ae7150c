"""Purchase order lines (imported for now; planning nets the open ones)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flexchain.adapters.db.tables.base import ZERO, Base, Timestamps
from flexchain.adapters.db.types import Dec, Qty

if TYPE_CHECKING:
    from flexchain.adapters.db.tables.catalog import ItemRow
    from flexchain.adapters.db.tables.suppliers import SupplierRow


class PurchaseOrderLineRow(Timestamps, Base):
    """One line of a purchase order (imported for now; the buying module will create them).

    Planning nets every ``open`` line's ``quantity - received_quantity`` as a scheduled receipt
    in the week of ``due_date``.
    """

    __tablename__ = "purchase_order_lines"
    __table_args__ = (
        UniqueConstraint("po_number", "line_no"),
        CheckConstraint("status IN ('open', 'closed', 'cancelled')", name="known_status"),
        CheckConstraint("quantity > 0", name="positive"),
        CheckConstraint(
            "received_quantity >= 0 AND received_quantity <= quantity", name="received_in_range"
        ),
        Index("ix_purchase_order_lines_open", "status", "item_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    po_number: Mapped[str] = mapped_column(String(64))
    line_no: Mapped[int] = mapped_column(Integer)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    quantity: Mapped[Decimal] = mapped_column(Qty())
    received_quantity: Mapped[Decimal] = mapped_column(Qty(), default=ZERO)
    unit_price: Mapped[Decimal | None] = mapped_column(Dec())
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))
    """Where the line is to be received; None: the home (receiving) warehouse."""
    confirmed_quantity: Mapped[Decimal | None] = mapped_column(Qty())
    """What the supplier confirmed (None: not confirmed yet); may be less than ordered."""
    confirmed_date: Mapped[date | None] = mapped_column(Date)
    """The delivery date the supplier confirmed; confirming also moves ``due_date`` to it, so
    planning nets the line when it will really arrive."""
    topup: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """An elastic top-up under the contract's clause (priced against its ceiling)."""

    supplier: Mapped[SupplierRow] = relationship()
    item: Mapped[ItemRow] = relationship()
