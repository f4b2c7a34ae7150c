"""Closing the loop between orders, the plan and the network: what went wrong with a delivered
order (``order_issues``, for the perfect order rate) and which planned order of a run was
released into what (``plan_releases``, so a planned order is released once)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from flexchain.adapters.db.tables.base import Base, utcnow
from flexchain.adapters.db.types import Qty, UTCDateTime

__all__ = ["OrderIssueRow", "PlanReleaseRow"]


class OrderIssueRow(Base):
    """Something wrong with a delivered order, as the customer or staff reported it: ``kind``
    is ``damaged``, ``wrong_customisation``, ``incomplete`` or ``other``; on one line or the
    whole order (``line_id`` None); how many units; what was said; who reported it and when."""

    __tablename__ = "order_issues"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id"), index=True)
    line_id: Mapped[int | None] = mapped_column(ForeignKey("sales_order_lines.id"))
    kind: Mapped[str] = mapped_column(String(32))
    quantity: Mapped[Decimal | None] = mapped_column(Qty())
    note: Mapped[str] = mapped_column(Text, default="")
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reported_by: Mapped[str] = mapped_column(String(200), default="system")


class PlanReleaseRow(Base):
    """A planned order of a run released into a document: ``kind`` ``po``, ``rfq`` or ``job``
    and its reference (``PO-000012``, ``RFQ-000003``, ``job 45``). Unique per planned order,
    so a planned order is released once; the next run nets the document it became."""

    __tablename__ = "plan_releases"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_order_id: Mapped[int] = mapped_column(ForeignKey("plan_orders.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str] = mapped_column(String(64))
    released_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    released_by: Mapped[str] = mapped_column(String(200), default="system")
