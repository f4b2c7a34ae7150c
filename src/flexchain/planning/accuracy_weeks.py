"""Forecast accuracy added up per week, measured once: what the KPIs read.

The forecast accuracy and bias KPIs (:mod:`flexchain.services.kpis`) need, for each week that
has happened, the stored forecasts of that week (every earlier run's, each origin's latest
complete run: :func:`flexchain.adapters.db.plan_forecasts.past_forecasts` without lags) against
the week's actual demand. Reading every item's history for a quarter at each page view costs
seconds at 20,000 items, so each planning run measures the weeks that have happened since the
previous run (it reads the history anyway) and stores four sums per week
(:data:`WEEK_SCHEMA`); the KPIs add those up and measure live only the weeks no run has yet.

:class:`WeekSums` takes the forecasts one origin at a time (a year of origins at 100,000 items
never has to be in memory at once). The actual of a week is the buffer's net demand that week
(:func:`weekly_actuals`, below zero counted as zero); a forecast of a buffer with no demand
that week is measured against zero. Per week, the sums are over its forecasts (a week forecast
by several origins counts once per origin, as in :mod:`flexchain.planning.accuracy`):

* ``forecasts``: how many; ``actual``: the sum of their actuals;
* ``error``: the sum of ``|actual - forecast|``; ``over``: the sum of ``forecast - actual``,

so that accuracy over any set of weeks is ``1 - sum(error) / sum(actual)`` and bias is
``sum(over) / sum(actual)``.

>>> from datetime import date
>>> monday = date(2026, 1, 5)
>>> actuals = weekly_actuals(pl.DataFrame({"item": [1], "date": [monday], "quantity": [8.0]}),
...     {}, monday, date(2026, 1, 19))
>>> sums = WeekSums(actuals, monday, date(2026, 1, 19))
>>> sums.add(pl.DataFrame({"item": [1, 1], "location": ["", ""], "origin": [monday] * 2,
...     "period": [monday, date(2026, 1, 12)], "forecast": [10.0, 3.0]}))
>>> sums.sums().rows()
[(datetime.date(2026, 1, 5), 1, 8.0, 2.0, 2.0), (datetime.date(2026, 1, 12), 1, 0.0, 3.0, 3.0)]
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

import polars as pl

__all__ = ["ROW_SCHEMA", "WEEK_SCHEMA", "WeekSums", "weekly_actuals"]

WEEK_SCHEMA = {
    "period": pl.Date,
    "forecasts": pl.Int64,
    "actual": pl.Float64,
    "error": pl.Float64,
    "over": pl.Float64,
}
"""One row per week measured: the week's Monday and its four sums."""

ROW_SCHEMA = {
    "item": pl.Int64,
    "location": pl.String,
    "origin": pl.Date,
    "period": pl.Date,
    "forecast": pl.Float64,
    "actual": pl.Float64,
}
"""One row per forecast measured (``WeekSums(rows=True)``): what the KPI's rows list."""

_KEYS = ["item", "location", "period"]


def weekly_actuals(
    history: pl.DataFrame, locations: Mapping[int, str], first: date, end: date
) -> pl.DataFrame:
    """Net demand per buffer and week from ``first`` to before ``end``: ``item``,
    ``location`` (buffer code: ``locations`` maps a location id to it; any other id, or no
    ``location`` column, is home, ``""``), ``period`` (Monday), ``actual`` (float, a week's
    net total below zero counted as zero). ``history``: ``item``, ``date``, ``quantity`` and
    optionally ``location`` (id), as :attr:`flexchain.planning.run.Snapshot.history`."""
    empty = pl.DataFrame(schema={k: ROW_SCHEMA[k] for k in (*_KEYS, "actual")})
    if history.is_empty():
        return empty
    if "location" in history.columns and locations:
        where = pl.col("location").replace_strict(
            dict(locations), default="", return_dtype=pl.String
        )
    else:
        where = pl.lit("")
    week = pl.col("date").cast(pl.Date).dt.truncate("1w")
    return (
        history.filter(week.is_between(first, end - timedelta(days=1)))
        .group_by(pl.col("item").cast(pl.Int64), where.alias("location"), week.alias("period"))
        .agg(pl.col("quantity").cast(pl.Float64).sum().clip(lower_bound=0).alias("actual"))
        .select(empty.columns)
    )


class WeekSums:
    """The per-week sums (:data:`WEEK_SCHEMA`) of the forecasts of the weeks from ``first`` to
    before ``end``, added one origin's forecasts at a time (:meth:`add`); with ``rows`` the
    measured forecasts themselves are kept too (:meth:`rows`)."""

    def __init__(
        self, actuals: pl.DataFrame, first: date, end: date, *, rows: bool = False
    ) -> None:
        self.actuals, self.first, self.end, self.keep = actuals, first, end, rows
        self._sums: list[pl.DataFrame] = []
        self._rows: list[pl.DataFrame] = []

    def add(self, forecasts: pl.DataFrame) -> None:
        """Measure ``forecasts`` (``item``, ``location``, ``origin``, ``period``,
        ``forecast``: past forecasts' rows) of the weeks in range against the actuals."""
        inside = forecasts.filter(pl.col("period").is_between(self.first, self.end, "left"))
        if inside.is_empty():
            return
        measured = (
            inside.select(*_KEYS, "origin", pl.col("forecast").cast(pl.Float64))
            .join(self.actuals, on=_KEYS, how="left")
            .with_columns(pl.col("actual").fill_null(0.0))
        )
        gap = pl.col("forecast") - pl.col("actual")
        self._sums.append(
            measured.group_by("period").agg(
                pl.len().cast(pl.Int64).alias("forecasts"),
                pl.col("actual").sum(),
                gap.abs().sum().alias("error"),
                gap.sum().alias("over"),
            )
        )
        if self.keep:
            self._rows.append(measured.select(list(ROW_SCHEMA)))

    def sums(self) -> pl.DataFrame:
        """One row per week with forecasts, by week."""
        if not self._sums:
            return pl.DataFrame(schema=WEEK_SCHEMA)
        return (
            pl.concat(self._sums)
            .group_by("period")
            .agg(pl.col("forecasts").sum(), *(pl.col(c).sum() for c in ("actual", "error", "over")))
            .sort("period")
            .cast(WEEK_SCHEMA)  # type: ignore[arg-type]
        )

    def rows(self) -> pl.DataFrame:
        """Every forecast measured (``rows=True``; else none)."""
        if not self._rows:
            return pl.DataFrame(schema=ROW_SCHEMA)
        return pl.concat(self._rows).cast(ROW_SCHEMA)  # type: ignore[arg-type]
