"""Planning runs and what they produced."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from flexchain.adapters.db.tables.base import Base, utcnow
from flexchain.adapters.db.types import Qty, UTCDateTime


class PlanRunRow(Base):
    """One planning run. It becomes the current plan only when ``status`` is ``complete``: a
    failed or killed run stays ``running``/``failed`` and the previous plan stays current."""

    __tablename__ = "plan_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="running", index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    period_start: Mapped[date] = mapped_column(Date)
    period_days: Mapped[int] = mapped_column(Integer, default=7)
    horizon: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(64), default="system")
    error: Mapped[str | None] = mapped_column(Text)
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class PlanOrderRow(Base):
    """A planned purchase or production job of a run, with what it is pegged to."""

    __tablename__ = "plan_orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("plan_runs.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    kind: Mapped[str] = mapped_column(String(16))
    release_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    quantity: Mapped[Decimal] = mapped_column(Qty())
    pegs: Mapped[list[list[str]]] = mapped_column(JSON, default=list)


class PlanExceptionRow(Base):
    __tablename__ = "plan_exceptions"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("plan_runs.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    kind: Mapped[str] = mapped_column(String(16))
    period_date: Mapped[date] = mapped_column(Date)
    message: Mapped[str] = mapped_column(Text)


class PlanInputRow(Base):
    """What a run saw of one item, so ``plan diff`` can say which input change caused a change."""

    __tablename__ = "plan_inputs"
    __table_args__ = (UniqueConstraint("run_id", "item_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("plan_runs.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    values: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
