"""The plans store's measured weeks (``plan_forecast_weeks``): per run, the stored forecasts of
each week that had happened since the previous run's week, added up against that week's
demand (:mod:`flexchain.planning.accuracy_weeks`).

A run measures from the week after the last week any run measured (at least its own previous
week, again: a late sale of last week is counted; at most :data:`~flexchain.adapters.db.
plan_forecasts.PAST_FORECAST_WEEKS` back, and never before its history window) to before its
own week, while it reads the demand history and the past forecasts for its snapshot
(:func:`flexchain.adapters.db.plans.load_snapshot`), so measuring costs no second read of the
history. It stores one row per week in the transaction that makes it complete, and records
``forecast_weeks`` (the first week measured and how many) in its stats: a run without that key
(made before migration 0029) measured nothing.

The KPIs read :func:`stored` (the latest run's row of each week of a window) and measure live
with :func:`measure` only the weeks after the latest run's own week.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any, cast

import polars as pl
from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from flexchain.adapters.db import demand as demand_store
from flexchain.adapters.db import plan_forecasts
from flexchain.adapters.db.locations import buffer_locations
from flexchain.adapters.db.tables import PlanRunRow
from flexchain.adapters.db.tables.planning import PlanForecastWeekRow
from flexchain.planning.accuracy_weeks import WEEK_SCHEMA, WeekSums, weekly_actuals
from flexchain.planning.run import PlanRunStatus

__all__ = ["MARK", "measure", "measure_from", "origin_weeks", "stored", "write"]

MARK = "forecast_weeks"
"""The key of a run's stats that says it measured (``{"from": day, "weeks": n}``)."""

_TABLE = cast(Table, PlanForecastWeekRow.__table__)
_WEEK = timedelta(weeks=1)


def measure_from(session: Session, period_start: date, history_weeks: int) -> date:
    """The first week a run of ``period_start`` measures: the week after the last one any run
    measured before it, or its previous week if that is later; with nothing measured yet, as
    far back as stored forecasts and the run's ``history_weeks`` reach."""
    oldest = period_start - timedelta(weeks=min(plan_forecasts.PAST_FORECAST_WEEKS, history_weeks))
    last = session.scalar(select(func.max(_TABLE.c.period)).where(_TABLE.c.period < period_start))
    first = oldest if last is None else max(oldest, _as_date(last) + _WEEK)
    return min(first, period_start - _WEEK)


def origin_weeks(session: Session, first: date, end: date) -> int:
    """Weeks of origins before ``end`` whose forecasts can reach ``first``: the longest horizon
    of a complete run, plus the weeks from ``first`` to ``end``."""
    horizon = session.scalar(
        select(func.max(PlanRunRow.horizon)).where(
            PlanRunRow.status == PlanRunStatus.COMPLETE.value
        )
    )
    return (end - first).days // 7 + int(horizon or 0)


def write(session: Session, run_id: int, sums: pl.DataFrame) -> int:
    """Store a run's measured weeks (``WEEK_SCHEMA`` rows); returns how many."""
    rows = [
        {
            "run_id": run_id,
            "period": period,
            "forecasts": forecasts,
            "actual": _dec(actual),
            "error": _dec(error),
            "over": _dec(over),
        }
        for period, forecasts, actual, error, over in sums.iter_rows()
    ]
    if rows:
        session.execute(insert(_TABLE), rows)
    return len(rows)


def stored(session: Session, first: date, end: date) -> tuple[date, pl.DataFrame] | None:
    """The measured weeks from ``first`` to before ``end``, each week's row from the latest
    run that measured it, and the week of the latest complete run: the weeks from it on are
    not measured yet. None when that run measured nothing (it predates migration 0029) or no
    run is complete. (A week measured by a run after ``end`` is as good: the forecasts of a
    week were all made before it, and that run knew its demand at least as well.)"""
    latest = session.execute(
        select(PlanRunRow.period_start, PlanRunRow.stats)
        .where(PlanRunRow.status == PlanRunStatus.COMPLETE.value)
        .order_by(PlanRunRow.period_start.desc(), PlanRunRow.id.desc())
        .limit(1)
    ).first()
    if latest is None or MARK not in (latest.stats or {}):
        return None
    column = _TABLE.c
    newest = (
        select(column.period, func.max(column.run_id).label("run_id"))
        .join(PlanRunRow, PlanRunRow.id == column.run_id)
        .where(
            PlanRunRow.status == PlanRunStatus.COMPLETE.value,
            column.period >= first,
            column.period < end,
        )
        .group_by(column.period)
        .subquery()
    )
    query = (
        select(column.period, column.forecasts, column.actual, column.error, column.over)
        .join(newest, (newest.c.period == column.period) & (newest.c.run_id == column.run_id))
        .order_by(column.period)
    )
    rows: list[tuple[Any, ...]] = [
        (_as_date(period), count, float(actual), float(error), float(over))
        for period, count, actual, error, over in session.execute(query)
    ]
    frame = pl.DataFrame(rows, schema=WEEK_SCHEMA, orient="row")
    return _as_date(latest.period_start), frame


def measure(session: Session, first: date, end: date, *, rows: bool = False) -> WeekSums:
    """Measure live the stored forecasts of the weeks from ``first`` to before ``end`` against
    the demand history of those weeks (imported, plus sales in the weeks it does not cover):
    what a run of ``end``'s week would store, and with ``rows`` every forecast measured."""
    weeks = max((end - first).days // 7, 0)
    history = demand_store.with_sales(
        session, demand_store.history_frame(session, end, weeks), end, weeks
    )
    _, locations = buffer_locations(session)
    sums = WeekSums(weekly_actuals(history, locations, first, end), first, end, rows=rows)
    if weeks:
        plan_forecasts.past_forecasts(
            session, end, weeks=0, each=sums.add, each_weeks=origin_weeks(session, first, end),
            first=first,
        )  # fmt: skip
    return sums


def _dec(value: float) -> Decimal:
    return Decimal(str(round(value, 6)))


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
