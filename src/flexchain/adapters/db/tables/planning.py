"""Planning runs and what they produced."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from flexchain.adapters.db.tables.base import Base, utcnow
from flexchain.adapters.db.types import Dec, Qty, UTCDateTime


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
    __table_args__ = (
        # the Plan page, Today and the release read a run's orders of a kind by release day
        Index("ix_plan_orders_run_kind_release", "run_id", "kind", "release_date"),
        # a release finds them by number; explain, the item page and the diff by item
        Index("ix_plan_orders_run_number", "run_id", "number"),
        Index("ix_plan_orders_run_item", "run_id", "item_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("plan_runs.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    kind: Mapped[str] = mapped_column(String(16))
    release_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    quantity: Mapped[Decimal] = mapped_column(Qty())
    pegs: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    location: Mapped[str] = mapped_column(String(32), default="", server_default="")
    """Where it is due: a location code, ``""`` for the home warehouse."""
    from_location: Mapped[str | None] = mapped_column(String(32))
    """A ``transfer``'s source location (``""``: the home warehouse)."""


class PlanExceptionRow(Base):
    __tablename__ = "plan_exceptions"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("plan_runs.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    kind: Mapped[str] = mapped_column(String(16))
    period_date: Mapped[date] = mapped_column(Date)
    message: Mapped[str] = mapped_column(Text)
    location: Mapped[str] = mapped_column(String(32), default="", server_default="")
    """The buffer's location code, ``""`` for the home warehouse."""


class PlanInputRow(Base):
    """What a run saw of one item, so ``plan diff`` can say which input change caused a change."""

    __tablename__ = "plan_inputs"
    __table_args__ = (UniqueConstraint("run_id", "item_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("plan_runs.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    values: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)


class PlanItemRow(Base):
    """One buffer (item and location) of a run as the run saw and decided it, so that
    ``plan explain`` shows the stored plan: the forecast model and its backtest figures, the
    policy's numbers (safety stock, reorder point, order quantity, days of cover) and, in
    ``explanation``, the inputs, the weekly forecast, the policy row, gross requirements and
    scheduled receipts."""

    __tablename__ = "plan_items"
    __table_args__ = (UniqueConstraint("run_id", "item_id", "location"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("plan_runs.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    location: Mapped[str] = mapped_column(String(32), default="")
    model: Mapped[str | None] = mapped_column(String(32))
    default_model: Mapped[str | None] = mapped_column(String(32))
    mase: Mapped[Decimal | None] = mapped_column(Dec())
    wape: Mapped[Decimal | None] = mapped_column(Dec())
    bias: Mapped[Decimal | None] = mapped_column(Dec())
    safety_stock: Mapped[Decimal] = mapped_column(Qty(), default=Decimal(0))
    reorder_point: Mapped[Decimal] = mapped_column(Qty(), default=Decimal(0))
    order_quantity: Mapped[Decimal] = mapped_column(Qty(), default=Decimal(0))
    days_of_cover: Mapped[Decimal | None] = mapped_column(Dec())
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class PlanForecastRow(Base):
    """One buffer's weekly forecast as a complete run made it, kept so later runs can measure
    how wrong it was (``plan accuracy``, the realised errors of ``past_forecasts``). One row per
    run and buffer, the weekly means in one text column: 100,000 items make 100,000 rows a
    run, not 2.6 million."""

    __tablename__ = "plan_forecasts"
    __table_args__ = (Index("ix_plan_forecasts_origin_run_id", "origin", "run_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("plan_runs.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    location: Mapped[str] = mapped_column(String(32), default="")
    """The buffer's location code, ``""`` for the home location."""
    origin: Mapped[date] = mapped_column(Date)
    """The first forecast week: the Monday of the run's week (its ``period_start``)."""
    model: Mapped[str] = mapped_column(String(32))
    weekly: Mapped[str] = mapped_column(Text)
    """The weekly means from ``origin`` on, as comma-separated decimals (``"6.5,7,7.25"``)."""
    spec: Mapped[str | None] = mapped_column(String(16), default=None)
    """AutoETS: the structure fitted (``MAMD/52``), which the next run fits again; else null."""
    selected: Mapped[date | None] = mapped_column(Date, default=None)
    """When ``spec`` was searched for (that run's origin)."""
    multiplier: Mapped[float | None] = mapped_column(Float, default=None)
    """What the buffer's decision divided the units a cycle may be short by, as it measured it
    (``lost_share x carried_share x held_out_ratio``); the next runs average it with theirs."""
    solved_factor: Mapped[float | None] = mapped_column(Float, default=None)
    """The fill-rate safety factor the buffer's decision solved, before averaging; the next runs
    at the same ``service_level`` average it with theirs (``safety_factors.steady_factors``)."""
    service_level: Mapped[float | None] = mapped_column(Float, default=None)
    """The service level ``solved_factor`` was solved for."""


class PlanForecastWeekRow(Base):
    """The stored forecasts of one week that had happened, measured by a run against the
    week's demand (:mod:`flexchain.planning.accuracy_weeks`): how many, and the sums of their
    actuals, absolute errors and forecast minus actual. A run measures the weeks since the
    previous run's; the KPIs read the latest run's row of each week."""

    __tablename__ = "plan_forecast_weeks"
    run_id: Mapped[int] = mapped_column(ForeignKey("plan_runs.id"), primary_key=True)
    period: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    forecasts: Mapped[int] = mapped_column(Integer)
    actual: Mapped[Decimal] = mapped_column(Dec())
    error: Mapped[Decimal] = mapped_column(Dec())
    over: Mapped[Decimal] = mapped_column(Dec())
