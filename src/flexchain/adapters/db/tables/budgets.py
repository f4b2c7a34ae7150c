"""Purchasing budgets: an amount in the brand's currency for a month, brand-wide or for one
supplier (``services/budgets.py``; every change is audited).

``scope`` is ``""`` for the brand-wide budget and the supplier's code otherwise: a non-null
string, so the unique constraint on (``month``, ``scope``) holds on PostgreSQL too (NULLs would
never collide there).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import CheckConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from flexchain.adapters.db.tables.base import Base, Timestamps
from flexchain.adapters.db.types import Dec


class PurchaseBudgetRow(Timestamps, Base):
    """``amount`` ``currency`` (the brand's) to spend in ``month`` (``2026-01``), brand-wide
    (``scope`` ``""``) or with the supplier whose code is ``scope``."""

    __tablename__ = "purchase_budgets"
    __table_args__ = (
        UniqueConstraint("month", "scope"),
        CheckConstraint("amount >= 0", name="not_negative"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    scope: Mapped[str] = mapped_column(String(64), default="")
    amount: Mapped[Decimal] = mapped_column(Dec())
    currency: Mapped[str] = mapped_column(String(3))
