"""Supplier rules: firings, policies (allocation weight, monitoring), spot checks, certificates.

``rule_firings`` records each time a rule fired (``domain/supplier_rules.py``): why, what
flexchain did and what a person must decide. ``open_marker`` is 1 while the firing is open and
NULL once decided or dismissed, so the unique (key, open_marker) lets a condition be open once
only (NULLs never collide, on SQLite and PostgreSQL alike) and fire again after a decision.
``supplier_policies`` holds what the rules changed per supplier (allocation weight in sourcing,
closer monitoring); ``spot_check_requests`` the QC spot checks the brand asked for;
``item_certificates`` the certificates an item requires (per market, ``*``: every market).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from flexchain.adapters.db.tables.base import Base, Timestamps
from flexchain.adapters.db.types import Dec, UTCDateTime

__all__ = [
    "FIRING_STATUSES",
    "SPOT_CHECK_STATUSES",
    "ItemCertificateRow",
    "RuleFiringRow",
    "SpotCheckRequestRow",
    "SupplierPolicyRow",
]

FIRING_STATUSES = ("open", "decided", "dismissed")
SPOT_CHECK_STATUSES = ("requested", "answered", "cancelled")


class RuleFiringRow(Timestamps, Base):
    """One firing of a rule: the condition (``key``), why, what was done, what to decide."""

    __tablename__ = "rule_firings"
    __table_args__ = (
        UniqueConstraint("key", "open_marker"),
        CheckConstraint(f"status IN {FIRING_STATUSES!r}", name="known_status"),
        CheckConstraint("open_marker = 1", name="open_marker_one"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(32), index=True)
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    key: Mapped[str] = mapped_column(String(200), index=True)
    open_marker: Mapped[int | None] = mapped_column(Integer)
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime())
    why: Mapped[str] = mapped_column(Text)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    action: Mapped[str] = mapped_column(Text)
    decision: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decision_note: Mapped[str | None] = mapped_column(Text)


class SupplierPolicyRow(Timestamps, Base):
    """What the rules set for one supplier: its allocation weight in sourcing (1: full) and
    whether it is under closer monitoring (progress check-ins, spot checks per week)."""

    __tablename__ = "supplier_policies"
    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), unique=True)
    allocation_weight: Mapped[Decimal] = mapped_column(Dec(9, 6), default=Decimal(1))
    monitoring: Mapped[bool] = mapped_column(Boolean, default=False)
    monitoring_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checkin_interval_days: Mapped[int | None] = mapped_column(Integer)
    spot_checks_per_week: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(Text, default="")


class SpotCheckRequestRow(Timestamps, Base):
    """A QC spot check the brand requested of a supplier (``SPC-000001``), answered by a QC
    record the supplier uploads (``qc_record_id``)."""

    __tablename__ = "spot_check_requests"
    __table_args__ = (CheckConstraint(f"status IN {SPOT_CHECK_STATUSES!r}", name="known_status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    job_id: Mapped[int | None] = mapped_column(Integer)
    po_number: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_by: Mapped[datetime] = mapped_column(UTCDateTime())
    video_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="requested", index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    qc_record_id: Mapped[int | None] = mapped_column(Integer)


class ItemCertificateRow(Timestamps, Base):
    """A certificate an item requires (e.g. a radio certificate for goods sold in the EU);
    ``market`` ``*``: wherever it is sold."""

    __tablename__ = "item_certificates"
    __table_args__ = (UniqueConstraint("item_id", "certificate", "market"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    certificate: Mapped[str] = mapped_column(String(100))
    market: Mapped[str] = mapped_column(String(8), default="*")
