"""Paying: receipts against purchase orders (and their inspections), supplier invoices, payments,
the quality fund, exchange rates and capacity-reservation fee accruals.

Rules live in ``domain/receiving.py``, ``domain/invoices.py``, ``domain/payments.py`` and
``domain/fx.py``; every change is audited. Money columns carry their currency on the row.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from flexchain.adapters.db.tables.base import ZERO, Base, Timestamps
from flexchain.adapters.db.types import Dec, Qty, UTCDateTime

INVOICE_STATUSES = ("received", "matched", "held", "approved", "scheduled", "paid", "rejected")
PAYMENT_KINDS = ("invoice", "fund_release")
PAYMENT_STATUSES = ("scheduled", "paid")
FUND_KINDS = ("retained", "released", "forfeited")


class ReceiptRow(Timestamps, Base):
    """Goods received against one purchase order at one location."""

    __tablename__ = "receipts"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    po_number: Mapped[str] = mapped_column(String(64), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    notes: Mapped[str] = mapped_column(Text, default="")


class ReceiptLineRow(Timestamps, Base):
    """What arrived of one PO line (``line_no``: the PO line's number)."""

    __tablename__ = "receipt_lines"
    __table_args__ = (
        UniqueConstraint("receipt_id", "line_no"),
        CheckConstraint("quantity > 0", name="positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipts.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    po_line_id: Mapped[int] = mapped_column(ForeignKey("purchase_order_lines.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    quantity: Mapped[Decimal] = mapped_column(Qty())


class InspectionRow(Timestamps, Base):
    """One inspection of a receipt line: units accepted, units rejected (to quarantine)."""

    __tablename__ = "inspections"
    __table_args__ = (CheckConstraint("accepted >= 0 AND rejected >= 0", name="not_negative"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_line_id: Mapped[int] = mapped_column(ForeignKey("receipt_lines.id"), index=True)
    accepted: Mapped[Decimal] = mapped_column(Qty(), default=ZERO)
    rejected: Mapped[Decimal] = mapped_column(Qty(), default=ZERO)
    reason: Mapped[str] = mapped_column(Text, default="")
    inspected_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(200), default="")


class InvoiceRow(Timestamps, Base):
    """A supplier's invoice for one purchase order, in the supplier's currency; ``base_total``
    is its total in the brand's currency at the invoice date's rate (None: no rate known)."""

    __tablename__ = "invoices"
    __table_args__ = (CheckConstraint(f"status IN {INVOICE_STATUSES!r}", name="known_status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    supplier_invoice_number: Mapped[str] = mapped_column(String(64), index=True)
    po_number: Mapped[str] = mapped_column(String(64), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    invoice_date: Mapped[date] = mapped_column(Date)
    total: Mapped[Decimal] = mapped_column(Dec())
    status: Mapped[str] = mapped_column(String(16), default="received", index=True)
    hold_reason: Mapped[str] = mapped_column(Text, default="")
    base_currency: Mapped[str] = mapped_column(String(3))
    base_total: Mapped[Decimal | None] = mapped_column(Dec())
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class InvoiceLineRow(Timestamps, Base):
    """``quantity`` of PO line ``line_no`` at ``unit_price``; ``amount`` rounded to cents."""

    __tablename__ = "invoice_lines"
    __table_args__ = (UniqueConstraint("invoice_id", "line_no"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[Decimal] = mapped_column(Qty())
    unit_price: Mapped[Decimal] = mapped_column(Dec())
    amount: Mapped[Decimal] = mapped_column(Dec())


class PaymentRow(Timestamps, Base):
    """A payment to a supplier: of an invoice (``gross`` less ``retained`` less an early-payment
    ``discount``), or a quality-fund release."""

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint(f"kind IN {PAYMENT_KINDS!r}", name="known_kind"),
        CheckConstraint(f"status IN {PAYMENT_STATUSES!r}", name="known_status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="invoice")
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), unique=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    gross: Mapped[Decimal] = mapped_column(Dec())
    retained: Mapped[Decimal] = mapped_column(Dec(), default=ZERO)
    discount: Mapped[Decimal] = mapped_column(Dec(), default=ZERO)
    amount: Mapped[Decimal] = mapped_column(Dec())
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="scheduled", index=True)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    early_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reference: Mapped[str] = mapped_column(String(64), default="")


class QualityFundEntryRow(Timestamps, Base):
    """A movement of a supplier's quality fund in one currency and quarter: ``retained`` from an
    invoice (+), ``released`` to the supplier or ``forfeited`` to the brand at settlement (-)."""

    __tablename__ = "quality_fund_entries"
    __table_args__ = (CheckConstraint(f"kind IN {FUND_KINDS!r}", name="known_kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    quarter: Mapped[str] = mapped_column(String(7), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(Dec())
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(Text, default="")


class ExchangeRateRow(Timestamps, Base):
    """One unit of ``currency`` is worth ``rate`` units of ``base`` on ``rate_date``."""

    __tablename__ = "exchange_rates"
    __table_args__ = (UniqueConstraint("base", "currency", "rate_date"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    base: Mapped[str] = mapped_column(String(3))
    currency: Mapped[str] = mapped_column(String(3))
    rate_date: Mapped[date] = mapped_column(Date)
    rate: Mapped[Decimal] = mapped_column(Dec(18, 8))
    source: Mapped[str] = mapped_column(String(200), default="")


class CapacityFeeAccrualRow(Timestamps, Base):
    """A month's capacity-reservation fee of a contract (one per contract and month)."""

    __tablename__ = "capacity_fee_accruals"
    __table_args__ = (UniqueConstraint("contract_id", "month"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"))
    month: Mapped[str] = mapped_column(String(7))
    amount: Mapped[Decimal] = mapped_column(Dec())
    currency: Mapped[str] = mapped_column(String(3))
    accrued_at: Mapped[datetime] = mapped_column(UTCDateTime())
