"""The purchase order header: one row per PO, its lines in ``purchase_order_lines`` (same
``po_number``). Planning nets the open lines; the buying and paying modules move the header
through its states (``domain/purchase_orders.py``) and every change is audited.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flexchain.adapters.db.tables.base import Base, Timestamps
from flexchain.adapters.db.types import UTCDateTime

if TYPE_CHECKING:
    from flexchain.adapters.db.tables.suppliers import ContractRow, SupplierRow

PO_STATUSES = ("draft", "sent", "confirmed", "closed", "cancelled")
PO_SOURCES = ("manual", "rfq", "calloff", "sourcing", "import")


class PurchaseOrderRow(Timestamps, Base):
    """A purchase order to one supplier, in the supplier's currency.

    ``draft`` (proposed, editable) -> ``sent`` (issued to the supplier) -> ``confirmed`` (the
    supplier accepted quantities and dates, partly or wholly) -> ``closed`` (received and
    settled, or short-closed); ``cancelled`` from draft or sent. Imported PO lines that predate
    the buying module have no header.
    """

    __tablename__ = "purchase_orders"
    __table_args__ = (
        CheckConstraint(f"status IN {PO_STATUSES!r}", name="known_status"),
        CheckConstraint(f"source IN {PO_SOURCES!r}", name="known_source"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    po_number: Mapped[str] = mapped_column(String(64), unique=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    source: Mapped[str] = mapped_column(String(16), default="manual")
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"))
    rfq_number: Mapped[str | None] = mapped_column(String(64))
    payment_terms_days: Mapped[int] = mapped_column(Integer, default=30)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    notes: Mapped[str] = mapped_column(Text, default="")

    supplier: Mapped[SupplierRow] = relationship()
    contract: Mapped[ContractRow | None] = relationship()
