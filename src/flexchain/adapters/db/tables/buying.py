"""Buying: requests for quotation and their quotes, the history of suppliers' confirmations,
shipment notices, capacity holds, and the counters that number RFQs, POs and notices.

Purchase orders themselves are ``purchase_orders`` (header) and ``purchase_order_lines``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from flexchain.adapters.db.tables.base import ZERO, Base, Timestamps, utcnow
from flexchain.adapters.db.types import Dec, Qty, UTCDateTime

RFQ_STATUSES = ("draft", "sent", "awarded", "cancelled")
HOLD_STATUSES = ("requested", "held", "firmed", "released", "declined")


class RfqRow(Timestamps, Base):
    """A request for quotation (``RFQ-000001``): draft -> sent -> awarded, or cancelled."""

    __tablename__ = "rfqs"
    __table_args__ = (CheckConstraint(f"status IN {RFQ_STATUSES!r}", name="known_status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    reply_by: Mapped[date | None] = mapped_column(Date)
    plan_run_id: Mapped[int | None] = mapped_column(Integer)
    """The plan run its lines came from (None: explicit lines)."""
    notes: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    awarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RfqLineRow(Timestamps, Base):
    """What an RFQ asks for; ``po_number``/``awarded_supplier_id`` once awarded."""

    __tablename__ = "rfq_lines"
    __table_args__ = (
        UniqueConstraint("rfq_id", "line_no"),
        CheckConstraint("quantity > 0", name="positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    rfq_id: Mapped[int] = mapped_column(ForeignKey("rfqs.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    quantity: Mapped[Decimal] = mapped_column(Qty())
    need_date: Mapped[date] = mapped_column(Date)
    plan_number: Mapped[int | None] = mapped_column(Integer)
    pegs: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    awarded_supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"))
    po_number: Mapped[str | None] = mapped_column(String(64))


class RfqSupplierRow(Timestamps, Base):
    """A supplier asked to quote an RFQ (its users see the RFQ, and only their own quotes)."""

    __tablename__ = "rfq_suppliers"
    __table_args__ = (UniqueConstraint("rfq_id", "supplier_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    rfq_id: Mapped[int] = mapped_column(ForeignKey("rfqs.id"))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)


class RfqQuoteRow(Timestamps, Base):
    """A supplier's quote for one RFQ line; a new quote for the line replaces it."""

    __tablename__ = "rfq_quotes"
    __table_args__ = (
        UniqueConstraint("rfq_id", "line_no", "supplier_id"),
        CheckConstraint("unit_price > 0", name="positive_price"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    rfq_id: Mapped[int] = mapped_column(ForeignKey("rfqs.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    unit_price: Mapped[Decimal] = mapped_column(Dec())
    currency: Mapped[str] = mapped_column(String(3))
    moq: Mapped[Decimal] = mapped_column(Qty(), default=ZERO)
    lead_time_days: Mapped[int] = mapped_column(Integer)
    valid_until: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(100), default="system")


class PoConfirmationRow(Base):
    """Append-only: each confirmation of a PO line, with what the line said before."""

    __tablename__ = "po_confirmations"
    id: Mapped[int] = mapped_column(primary_key=True)
    po_number: Mapped[str] = mapped_column(String(64), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    ordered_quantity: Mapped[Decimal] = mapped_column(Qty())
    confirmed_quantity: Mapped[Decimal] = mapped_column(Qty())
    previous_due_date: Mapped[date] = mapped_column(Date)
    confirmed_date: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(100), default="system")


class ShipmentNoticeRow(Base):
    """Append-only: a supplier's advance shipment notice (``ASN-000001``) for one PO."""

    __tablename__ = "shipment_notices"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    po_number: Mapped[str] = mapped_column(String(64), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    shipped_on: Mapped[date] = mapped_column(Date)
    expected_on: Mapped[date] = mapped_column(Date)
    carrier: Mapped[str] = mapped_column(String(100), default="")
    tracking: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(100), default="system")


class ShipmentNoticeLineRow(Base):
    __tablename__ = "shipment_notice_lines"
    __table_args__ = (
        UniqueConstraint("notice_id", "line_no"),
        CheckConstraint("quantity > 0", name="positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("shipment_notices.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[Decimal] = mapped_column(Qty())


class CapacityHoldRow(Timestamps, Base):
    """Capacity a supplier keeps for the brand until ``held_until`` if firmed by ``firm_by``."""

    __tablename__ = "capacity_holds"
    __table_args__ = (
        CheckConstraint(f"status IN {HOLD_STATUSES!r}", name="known_status"),
        CheckConstraint("quantity > 0", name="positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    process: Mapped[str | None] = mapped_column(String(32))
    quantity: Mapped[Decimal] = mapped_column(Qty())
    unit: Mapped[str] = mapped_column(String(16))
    held_from: Mapped[date] = mapped_column(Date)
    held_until: Mapped[date] = mapped_column(Date)
    firm_by: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="held")
    po_number: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    decline_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    """Why the supplier declined a requested hold."""


class BuyingCounterRow(Base):
    """The last number handed out per document kind (``rfq``, ``po``, ``asn``)."""

    __tablename__ = "buying_counters"
    name: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)
