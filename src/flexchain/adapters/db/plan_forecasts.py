"""The plans store's forecasts (``plan_forecasts``): each complete run's weekly forecast per
buffer, written with its plan and read back by later runs as the snapshot's ``past_forecasts``
(what :mod:`flexchain.planning.accuracy` and the realised errors of
:func:`flexchain.planning.replenishment.decide` measure).

One row per run and buffer (item and location), the weekly means as comma-separated decimals:
a run of 100,000 items writes 100,000 short rows, bulk inserted like the rest of the plan.
Only what a later run reads is kept: the run that writes deletes the rows of earlier runs of its
own week (it is now that week's latest complete run) and those of origins more than
:data:`PAST_FORECAST_WEEKS` weeks before its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, timedelta
from itertools import islice
from typing import Any, cast

import polars as pl
from sqlalchemy import Table, and_, delete, func, insert, or_, select
from sqlalchemy.orm import Session

from flexchain.adapters.db.tables import PlanRunRow
from flexchain.adapters.db.tables.planning import PlanForecastRow
from flexchain.planning.run import PlanResult, PlanRunStatus, Snapshot

__all__ = [
    "PAST_FORECAST_WEEKS",
    "REVIEW_LAGS",
    "carried_specs",
    "forecast_rows",
    "insert_chunks",
    "past_factors",
    "past_forecasts",
    "write_forecasts",
]

PAST_FORECAST_WEEKS = 60
REVIEW_LAGS = 4
"""Weeks of each past forecast a run reads beyond the item's lead time: a review period of up
to the default matrix's longest (4 weeks). An item reviewed less often gets no realised errors
and falls back to the backtest."""
"""Origins this many weeks before a run's week (and after) are read and kept; older ones are
deleted. Enough for 24 realised errors over a protection interval of half a year, and for a
year of ``plan accuracy``."""

_TABLE = cast(Table, PlanForecastRow.__table__)
CHUNK = 5_000
"""Rows per insert statement when a run writes its plan."""


def insert_chunks(session: Session, table: Table, rows: Iterable[dict[str, Any]]) -> int:
    """Insert ``rows`` into ``table`` :data:`CHUNK` at a time (rows made lazily are never all in
    memory at once); returns how many."""
    count, rows = 0, iter(rows)
    while chunk := list(islice(rows, CHUNK)):
        session.execute(insert(table), chunk)
        count += len(chunk)
    return count


def forecast_rows(run_id: int, result: PlanResult) -> Iterator[dict[str, Any]]:
    """One row per buffer of ``result`` (home forecasts at ``""``, the others at their code)."""
    origin = result.snapshot.period_start
    buffers = [
        *(((item, ""), forecast) for item, forecast in result.forecasts.items()),
        *result.located.forecasts.items(),
    ]
    return (
        {
            "run_id": run_id,
            "item_id": item,
            "location": location,
            "origin": origin,
            "model": forecast.model,
            "weekly": ",".join(map(str, forecast.weekly)),
            "spec": forecast.spec[0] if forecast.spec else None,
            "selected": forecast.spec[1] if forecast.spec else None,
            "multiplier": forecast.multiplier,
            "solved_factor": _number(forecast.level.get("solved_factor")),
            "service_level": _number(forecast.level.get("service_level")),
        }
        for (item, location), forecast in buffers
    )


def write_forecasts(session: Session, run_id: int, result: PlanResult) -> int:
    """Store ``result``'s forecasts as run ``run_id``'s (in the caller's transaction, the one
    that makes the run complete) and delete what no later run reads: earlier runs' rows of the
    same origin and rows of origins over :data:`PAST_FORECAST_WEEKS` weeks older. Returns the
    rows written."""
    origin = result.snapshot.period_start
    column = _TABLE.c
    session.execute(
        delete(_TABLE).where(
            or_(
                column.origin < origin - timedelta(weeks=PAST_FORECAST_WEEKS),
                and_(column.origin == origin, column.run_id < run_id),
            )
        )
    )
    return insert_chunks(session, _TABLE, forecast_rows(run_id, result))


def past_forecasts(
    session: Session,
    period_start: date,
    *,
    weeks: int = PAST_FORECAST_WEEKS,
    lags: Mapping[int, int] | None = None,
    each: Callable[[pl.DataFrame], None] | None = None,
    each_weeks: int = 0,
    first: date | None = None,
) -> pl.DataFrame:
    """The stored forecasts a run starting on ``period_start`` can measure, long
    (:attr:`flexchain.planning.run.Snapshot.past_forecasts`): per origin week in the ``weeks``
    weeks before ``period_start`` (its own week excluded) the latest complete run's, and of
    each only the periods before ``period_start`` — and, for an item ``lags`` names, only its
    first ``lags[item]`` weeks (a run needs its protection interval, not the whole horizon:
    at 100,000 items the whole horizon of a year of runs would not fit in memory).

    ``each`` is called with every origin's forecasts of the ``each_weeks`` weeks before
    ``period_start``, whole (no ``lags``) but only from ``first`` on, as the origins are read
    (:class:`flexchain.planning.accuracy_weeks.WeekSums` measures them, one at a time)."""
    since = period_start - timedelta(weeks=max(weeks, each_weeks if each else 0))
    kept, measured = (
        period_start - timedelta(weeks=weeks),
        period_start - timedelta(weeks=each_weeks),
    )
    runs = (
        select(PlanRunRow.period_start, func.max(PlanRunRow.id))
        .where(
            PlanRunRow.status == PlanRunStatus.COMPLETE.value,
            PlanRunRow.period_start >= since,
            PlanRunRow.period_start < period_start,
        )
        .group_by(PlanRunRow.period_start)
        .order_by(PlanRunRow.period_start)
    )
    frames = []
    for origin, run_id in session.execute(runs).all():
        # one origin at a time: only one run's rows are Python tuples at once
        query = select(_TABLE.c.item_id, _TABLE.c.location, _TABLE.c.weekly).where(
            _TABLE.c.origin == origin, _TABLE.c.run_id == run_id
        )
        rows = session.execute(query).all()
        if each is not None and origin >= measured:
            each(_long(rows, origin, period_start, None, first))
        if origin >= kept:
            frames.append(_long(rows, origin, period_start, lags))
    empty = Snapshot(period_start, 0).past_forecasts
    if not frames:
        return empty
    return pl.concat(frames)  # by origin; sorting 100 million rows would cost more than it helps


def carried_specs(session: Session, period_start: date) -> pl.DataFrame:
    """The AutoETS structures of the latest complete run before ``period_start``
    (:attr:`flexchain.planning.run.Snapshot.model_specs`): ``item``, ``location``, ``spec``,
    ``selected``, for the buffers that carry one."""
    latest = (
        select(func.max(PlanRunRow.id))
        .join(_TABLE, _TABLE.c.run_id == PlanRunRow.id)
        .where(
            PlanRunRow.status == PlanRunStatus.COMPLETE.value,
            PlanRunRow.period_start < period_start,
        )
        .scalar_subquery()
    )
    column = _TABLE.c
    query = select(column.item_id, column.location, column.spec, column.selected).where(
        column.run_id == latest, column.spec.is_not(None)
    )
    empty = Snapshot(period_start, 0).model_specs
    return pl.DataFrame(session.execute(query).all(), schema=empty.schema, orient="row")


def past_factors(session: Session, period_start: date, weeks: int) -> pl.DataFrame:
    """The multipliers and solved factors of the latest complete run of each origin week in the
    ``weeks`` weeks before ``period_start`` (:attr:`flexchain.planning.run.Snapshot.
    past_factors`), for the buffers that stored a multiplier."""
    since = period_start - timedelta(weeks=weeks)
    latest = (
        select(func.max(PlanRunRow.id))
        .where(
            PlanRunRow.status == PlanRunStatus.COMPLETE.value,
            PlanRunRow.period_start >= since,
            PlanRunRow.period_start < period_start,
        )
        .group_by(PlanRunRow.period_start)
    )
    column = _TABLE.c
    query = select(
        column.item_id, column.location, column.origin, column.multiplier,
        column.solved_factor, column.service_level,
    ).where(column.run_id.in_(latest), column.multiplier.is_not(None))  # fmt: skip
    empty = Snapshot(period_start, 0).past_factors
    return pl.DataFrame(session.execute(query).all(), schema=empty.schema, orient="row")


def _long(
    rows: Sequence[Any],
    origin: date,
    period_start: date,
    lags: Mapping[int, int] | None,
    first: date | None = None,
) -> pl.DataFrame:
    """One origin's stored rows (item, location, weekly text) as ``past_forecasts`` rows, cut
    to the periods before ``period_start`` (and to each item's ``lags``; and to the periods
    from ``first`` on)."""
    empty = Snapshot(period_start, 0).past_forecasts
    happened = (period_start - origin).days // 7
    skip = 0 if first is None else max((first - origin).days // 7, 0)
    if not rows or happened <= skip:
        return empty
    frame = pl.DataFrame(
        rows, schema={"item": pl.Int64, "location": pl.String, "weekly": pl.String}, orient="row"
    )
    keep: pl.Expr = pl.lit(happened)
    if lags is not None:
        limits = pl.DataFrame(
            {"item": list(lags), "lags": list(lags.values())},
            schema={"item": pl.Int64, "lags": pl.Int64},
        )
        frame = frame.join(limits, on="item", how="left")
        keep = pl.min_horizontal(pl.lit(happened), pl.col("lags").fill_null(happened))
    return (
        frame.select(
            "item",
            "location",
            pl.col("weekly").str.split(",").list.head(keep).list.slice(skip).alias("forecast"),
        )
        .with_columns(pl.int_ranges(skip, skip + pl.col("forecast").list.len()).alias("week"))
        .explode("forecast", "week")
        .drop_nulls("forecast")
        .select(
            "item",
            "location",
            pl.lit(origin).alias("origin"),
            (pl.lit(origin) + pl.duration(weeks=pl.col("week"))).alias("period"),
            "forecast",
        )
        .cast(empty.schema)  # type: ignore[arg-type]
    )


def _number(value: Any) -> float | None:
    """A level's figure as a stored float (None where the decision has none, or NaN)."""
    if value is None:
        return None
    number = float(value)
    return None if number != number else number
