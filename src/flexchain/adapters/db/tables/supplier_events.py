"""Supplier events: improvement suggestions, samples, health data, PO change requests.

What a supplier does beyond the purchase documents, recorded so the scorecards can count it:
suggestions (innovation), samples and their first-article inspection (new-product support,
sample lead time), imported health data (financial score, staff turnover) and requests to change
a PO line's quantity (responsiveness to volume changes). The rules live in
``domain/supplier_events.py``; the store is ``adapters/db/supplier_events.py``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from flexchain.adapters.db.tables.base import Base, Timestamps
from flexchain.adapters.db.types import Dec, Qty, UTCDateTime

__all__ = [
    "CHANGE_STATUSES",
    "FIRST_ARTICLE_RESULTS",
    "SAMPLE_STATUSES",
    "SUGGESTION_STATUSES",
    "ImprovementSuggestionRow",
    "PoChangeRequestRow",
    "SampleRow",
    "SupplierEventCounterRow",
    "SupplierHealthRow",
]

SUGGESTION_STATUSES = ("submitted", "accepted", "rejected")
SAMPLE_STATUSES = ("requested", "delivered", "passed", "failed", "cancelled")
FIRST_ARTICLE_RESULTS = ("pass", "fail")
CHANGE_STATUSES = ("open", "accepted", "redated", "refused", "withdrawn")


class ImprovementSuggestionRow(Timestamps, Base):
    """A supplier's improvement suggestion (``SUG-000001``): submitted -> accepted | rejected.

    ``expected_saving`` is money per year in the brand's currency (``currency``);
    ``recorded_value`` is what the brand records when it adopts it (the innovation score's value).
    """

    __tablename__ = "improvement_suggestions"
    __table_args__ = (CheckConstraint(f"status IN {SUGGESTION_STATUSES!r}", name="known_status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    expected_saving: Mapped[Decimal | None] = mapped_column(Dec())
    currency: Mapped[str] = mapped_column(String(3))
    expected_lead_time_change_days: Mapped[int | None] = mapped_column(Integer)
    """Negative: faster."""
    evidence: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="submitted", index=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    submitted_by: Mapped[str] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decision_note: Mapped[str] = mapped_column(Text, default="")
    recorded_value: Mapped[Decimal | None] = mapped_column(Dec())


class SampleRow(Timestamps, Base):
    """A sample the brand asked a supplier for (``SMP-000001``): requested -> delivered ->
    passed | failed (first-article inspection), or cancelled before delivery."""

    __tablename__ = "samples"
    __table_args__ = (
        CheckConstraint(f"status IN {SAMPLE_STATUSES!r}", name="known_status"),
        CheckConstraint(
            f"first_article IS NULL OR first_article IN {FIRST_ARTICLE_RESULTS!r}",
            name="known_first_article",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    description: Mapped[str] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    requested_by: Mapped[str] = mapped_column(String(100))
    due_by: Mapped[date | None] = mapped_column(Date)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_article: Mapped[str | None] = mapped_column(String(8))
    inspected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="requested", index=True)
    note: Mapped[str] = mapped_column(Text, default="")


class SupplierHealthRow(Timestamps, Base):
    """Imported health data for a supplier on a day: financial score (0-100) and staff
    turnover (% per year); a re-import of the same day replaces it."""

    __tablename__ = "supplier_health"
    # the ranges are checked in the domain (domain/supplier_events.check_health), not by CHECK
    # constraints: SQLite stores these decimals as text, where "72.5" <= 100 compares as text
    __table_args__ = (UniqueConstraint("supplier_id", "as_of"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"))
    as_of: Mapped[date] = mapped_column(Date)
    financial_score: Mapped[Decimal | None] = mapped_column(Dec(9, 4))
    staff_turnover_pct: Mapped[Decimal | None] = mapped_column(Dec(9, 4))
    source: Mapped[str] = mapped_column(String(200), default="")


class PoChangeRequestRow(Timestamps, Base):
    """The brand asks to change a PO line's quantity (``CHG-000001``): open -> accepted |
    redated (with ``new_date``) | refused (by the supplier, or the buyer on its behalf), or
    withdrawn by the brand. ``change_pct`` is signed: 0.2000 for +20 %."""

    __tablename__ = "po_change_requests"
    __table_args__ = (
        CheckConstraint(f"status IN {CHANGE_STATUSES!r}", name="known_status"),
        CheckConstraint("new_quantity > 0", name="positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    po_number: Mapped[str] = mapped_column(String(64), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    old_quantity: Mapped[Decimal] = mapped_column(Qty())
    new_quantity: Mapped[Decimal] = mapped_column(Qty())
    change_pct: Mapped[Decimal] = mapped_column(Dec(9, 4))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    requested_by: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_by: Mapped[str | None] = mapped_column(String(100))
    new_date: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")


class SupplierEventCounterRow(Base):
    """The last number handed out per kind (``sug``, ``smp``, ``chg``)."""

    __tablename__ = "supplier_event_counters"
    name: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)
