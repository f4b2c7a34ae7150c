"""Forecast accuracy: how wrong the forecasts of earlier runs were, against what then happened.

Pure functions over Polars frames. The forecasts are the long ``past_forecasts`` of a snapshot
(:attr:`flexchain.planning.run.Snapshot.past_forecasts`: ``item``, ``location``, ``origin``,
``period``, ``forecast``; or :attr:`flexchain.planning.replenishment.Decision.forecasts`, which
has no ``location``); the actuals are the weekly panel the run forecasts from (``item``,
``location``, ``period``, ``quantity``: :func:`flexchain.planning.demand.weekly_buckets`, the
classify step's panel). A forecast period counts once it is in the actuals (it has happened).

For a set of forecast periods (one buffer's, a class's, everything):

.. math::

    \\mathrm{WAPE} = \\frac{\\sum_t |a_t - f_t|}{\\sum_t a_t} \\qquad
    \\mathrm{bias} = \\frac{\\sum_t (f_t - a_t)}{\\sum_t a_t}

with :math:`a_t` the actual and :math:`f_t` the forecast of period :math:`t`. Both are given at
**lag 1** (each origin's first forecast period: the week the run was made in) and over **the
whole stored horizon** (every forecast period that has happened; a week forecast by several
origins counts once per origin). A positive bias is over-forecasting. Sums, not averages of
per-period ratios: a week without demand does not divide by zero, and a class's or the overall
figure weights each buffer by its volume. With no demand at all, WAPE and bias are null.

>>> from datetime import date
>>> past = pl.DataFrame({"item": [1, 1], "origin": [date(2026, 1, 5)] * 2,
...     "period": [date(2026, 1, 5), date(2026, 1, 12)], "forecast": [10.0, 10.0]})
>>> actual = pl.DataFrame({"item": [1, 1], "period": [date(2026, 1, 5), date(2026, 1, 12)],
...     "quantity": [8.0, 12.0]})
>>> row = forecast_accuracy(past, actual).overall.row(0, named=True)
>>> row["wape"], row["bias"], row["wape_lag1"], row["bias_lag1"]
(0.2, 0.0, 0.25, 0.25)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import polars as pl

__all__ = [
    "SUMS",
    "Accuracy",
    "Grouping",
    "buffer_accuracy",
    "forecast_accuracy",
    "forecast_errors",
    "grouped_accuracy",
]

Grouping = Literal["class", "pattern"]
"""What :func:`grouped_accuracy` adds buffers up by: ABC-XYZ class (``"AX"``) or pattern."""

SUMS = (
    "periods",
    "actual",
    "forecast",
    "abs_error",
    "periods_lag1",
    "actual_lag1",
    "forecast_lag1",
    "abs_error_lag1",
)
"""The additive columns of an accuracy frame; ``wape``, ``bias`` (and ``_lag1``) derive from
them."""


@dataclass(frozen=True)
class Accuracy:
    """:func:`forecast_accuracy`'s figures, each frame with :data:`SUMS` and the ratios."""

    buffers: pl.DataFrame
    """One row per item (and location), with ``origins`` and, given classes, ``abc``, ``xyz``,
    ``class`` and ``pattern`` (null for a buffer the classes do not name)."""
    by_class: pl.DataFrame
    by_pattern: pl.DataFrame
    overall: pl.DataFrame
    """One row, every buffer."""


def _keys(past_forecasts: pl.DataFrame, actuals: pl.DataFrame) -> list[str]:
    both = "location" in past_forecasts.columns and "location" in actuals.columns
    return ["item", "location"] if both else ["item"]


def forecast_errors(past_forecasts: pl.DataFrame, actuals: pl.DataFrame) -> pl.DataFrame:
    """Every forecast period that has happened: the keys (``item``, and ``location`` when both
    frames have it), ``origin``, ``period``, ``lag1`` (the origin's first period), ``forecast``
    and ``actual`` (``quantity`` of ``actuals`` in that period)."""
    keys = _keys(past_forecasts, actuals)
    actual = actuals.select(*keys, "period", pl.col("quantity").cast(pl.Float64).alias("actual"))
    return past_forecasts.select(
        *keys,
        "origin",
        "period",
        (pl.col("period") == pl.col("origin")).alias("lag1"),
        pl.col("forecast").cast(pl.Float64),
    ).join(actual, on=[*keys, "period"], how="inner")


def _sums() -> list[pl.Expr]:
    absolute = (pl.col("actual") - pl.col("forecast")).abs()
    first = pl.col("lag1")
    return [
        pl.len().cast(pl.Int64).alias("periods"),
        pl.col("actual").sum(),
        pl.col("forecast").sum(),
        absolute.sum().alias("abs_error"),
        first.sum().cast(pl.Int64).alias("periods_lag1"),
        pl.col("actual").filter(first).sum().alias("actual_lag1"),
        pl.col("forecast").filter(first).sum().alias("forecast_lag1"),
        absolute.filter(first).sum().alias("abs_error_lag1"),
    ]


def _ratios(frame: pl.DataFrame) -> pl.DataFrame:
    """WAPE and bias from the sums, whole horizon and lag 1 (null without demand)."""
    columns = []
    for suffix in ("", "_lag1"):
        actual = pl.col(f"actual{suffix}")
        some = actual > 0
        columns += [
            pl.when(some).then(pl.col(f"abs_error{suffix}") / actual).alias(f"wape{suffix}"),
            pl.when(some)
            .then((pl.col(f"forecast{suffix}") - actual) / actual)
            .alias(f"bias{suffix}"),
        ]
    return frame.with_columns(columns)


def buffer_accuracy(errors: pl.DataFrame, classes: pl.DataFrame | None = None) -> pl.DataFrame:
    """Per buffer of :func:`forecast_errors`: ``origins``, :data:`SUMS`, ``wape``, ``bias``,
    ``wape_lag1``, ``bias_lag1``; with ``classes`` (:func:`flexchain.planning.demand.classify`'s
    output) also ``abc``, ``xyz``, ``class`` (``"AX"``) and ``pattern``."""
    keys = [key for key in ("item", "location") if key in errors.columns]
    frame = errors.group_by(keys).agg(pl.col("origin").n_unique().alias("origins"), *_sums())
    if classes is not None:
        labels = classes.select(
            *keys, "abc", "xyz", pl.concat_str("abc", "xyz").alias("class"), "pattern"
        )
        frame = frame.join(labels, on=keys, how="left")
    return _ratios(frame).sort(keys)


def grouped_accuracy(buffers: pl.DataFrame, by: Grouping | None = None) -> pl.DataFrame:
    """:func:`buffer_accuracy`'s rows added up per ``class`` or ``pattern`` (``buffers``, the
    number of buffers, first), or all together (``by=None``: one row)."""
    sums = [pl.len().cast(pl.Int64).alias("buffers"), *(pl.col(c).sum() for c in SUMS)]
    if by is None:
        return _ratios(buffers.select(sums))
    return _ratios(buffers.group_by(by).agg(sums)).sort(by, nulls_last=True)


def forecast_accuracy(
    past_forecasts: pl.DataFrame, actuals: pl.DataFrame, classes: pl.DataFrame | None = None
) -> Accuracy:
    """Forecast accuracy per buffer, per class and pattern (with ``classes``) and overall."""
    buffers = buffer_accuracy(forecast_errors(past_forecasts, actuals), classes)
    if classes is None:
        labelled = buffers.with_columns(
            pl.lit(None, dtype=pl.String).alias("class"),
            pl.lit(None, dtype=pl.String).alias("pattern"),
        )
    else:
        labelled = buffers
    return Accuracy(
        buffers,
        grouped_accuracy(labelled, "class"),
        grouped_accuracy(labelled, "pattern"),
        grouped_accuracy(buffers),
    )
