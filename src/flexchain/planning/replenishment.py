"""Replenishment decisions from demand history: time-phased order-up-to levels (issue 13).

:func:`decide` is the one entry point an analyst (or an evaluation) calls on any panel of one
location. Per series it

1. completes the history: a series starts at its first row; inside its span, up to the last
   period of the whole panel, a missing period is zero demand;
2. classifies the pattern (Syntetos-Boylan, :func:`flexchain.planning.demand.classify`) and
   forecasts the *protection interval* ``P = lead_time + review_period`` periods after the last
   period with the pattern's default model (:func:`flexchain.planning.forecast.forecast`);
   seasonal models only for series with at least three full cycles, non-seasonal otherwise;
3. sums the per-period forecasts over ``P`` (``protection_demand``): the seasonal shape the model
   found is kept, not flattened to one mean times ``P``;
4. sizes safety stock from how wrong forecasts of the protection demand actually were: the RMSE
   of the last ``errors`` realised errors ``sum(actual) - sum(forecast)`` over ``P`` periods —
   from ``past_forecasts`` (what earlier decisions returned) when they give at least
   ``min_errors`` of them, else from a rolling-origin backtest over the latest origins (one
   origin per period, as many as the history allows up to ``errors``) — times the normal
   quantile of ``service_level`` read as a cycle service level;
5. ``order_up_to = protection_demand + safety_stock``, to compare with the inventory position
   (on hand plus on order).

Not yet (issue 13 continues): the fill-rate calibration of the safety factor, the caps on
forecasts against history (``forecast_anomaly``), the model choice from tracked accuracy, the
cache that makes a second call with another ``service_level`` cheap, and the planning run using
this path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from statistics import NormalDist
from typing import cast

import polars as pl

from flexchain.planning import demand, forecast

__all__ = ["DEFAULT_ERRORS", "MIN_ERRORS", "SEASON", "Decision", "decide"]

SEASON = {"1mo": 12, "1w": 52, "1q": 4, "1d": 7}
"""Periods per seasonal cycle, by period."""
DEFAULT_ERRORS = 24
"""Realised protection-interval errors that size safety stock (the latest ones)."""
MIN_ERRORS = 6
"""Fewer realised errors than this from ``past_forecasts``: the backtest gives them instead."""
_LEVEL_COLUMNS = ("order_up_to", "safety_stock", "protection_demand", "demand_per_period")


@dataclass(frozen=True)
class Decision:
    """What :func:`decide` returns.

    ``levels``: ``item``, ``order_up_to``, ``safety_stock``, ``protection_demand``,
    ``demand_per_period``, ``model``, ``errors`` (how many realised errors sized the safety
    stock) and ``error_source`` (``past_forecasts`` or ``backtest``).
    ``forecasts``: ``item``, ``origin`` (the first forecast period), ``period``, ``forecast``: pass
    it back as ``past_forecasts`` at the next decision.
    """

    levels: pl.DataFrame
    forecasts: pl.DataFrame


def decide(
    history: pl.DataFrame,
    *,
    period: str = "1mo",
    lead_time: int = 1,
    review_period: int = 1,
    service_level: float = 0.95,
    past_forecasts: pl.DataFrame | None = None,
    errors: int = DEFAULT_ERRORS,
    min_errors: int = MIN_ERRORS,
) -> Decision:
    """The order-up-to level of every series of ``history`` (module docstring).

    ``history``: ``item``, ``period`` (a date), ``quantity`` — everything known up to the
    decision, one location. Deterministic: the same inputs give the same decision.
    """
    if lead_time < 0 or review_period < 1 or lead_time + review_period < 1:
        raise ValueError("lead_time must be >= 0 and review_period >= 1")
    if not 0 < service_level < 1:
        raise ValueError(f"service_level must be between 0 and 1, got {service_level}")
    if period not in SEASON:
        raise ValueError(f"period must be one of {', '.join(SEASON)}, got {period!r}")
    protection = lead_time + review_period
    panel = _complete(history, period)
    means = _forecasts(panel, period, protection)
    origin = _next_period(panel, period)
    upcoming = means.filter(pl.col("period") < _offset(origin, period, protection))
    summed = upcoming.group_by("item").agg(
        pl.col("mean").sum().alias("protection_demand"), pl.col("model").first()
    )
    realised = _realised(panel, past_forecasts, protection, errors)
    enough = realised.filter(pl.col("errors") >= min_errors)
    tested = _backtest(panel, period, protection, errors).join(
        enough.select("item"), on="item", how="anti"
    )
    spread = pl.concat(
        [enough.with_columns(pl.lit("past_forecasts").alias("error_source")), tested]
    )
    z = NormalDist().inv_cdf(service_level)
    levels = (
        summed.join(spread, on="item", how="left")
        .with_columns(
            pl.col("rmse").fill_null(0.0),
            pl.col("errors").fill_null(0),
            pl.col("error_source").fill_null("backtest"),
        )
        .with_columns(
            (z * pl.col("rmse")).clip(lower_bound=0.0).alias("safety_stock"),
            (pl.col("protection_demand") / protection).alias("demand_per_period"),
        )
        .with_columns((pl.col("protection_demand") + pl.col("safety_stock")).alias("order_up_to"))
        .select("item", *_LEVEL_COLUMNS, "model", "errors", "error_source")
        .sort("item")
    )
    forecasts = means.select(
        "item", pl.lit(origin).alias("origin"), "period", pl.col("mean").alias("forecast")
    ).sort("item", "period")
    return Decision(levels, forecasts)


def _offset(day: date, period: str, steps: int) -> date:
    return cast(date, pl.select(pl.lit(day).dt.offset_by(f"{steps}{period[1:]}")).item())


def _next_period(panel: pl.DataFrame, period: str) -> date:
    return _offset(cast(date, panel["period"].max()), period, 1)


def _complete(history: pl.DataFrame, period: str) -> pl.DataFrame:
    """Every series from its first period to the panel's last, missing periods as zero."""
    missing = {"item", "period", "quantity"} - set(history.columns)
    if missing:
        raise ValueError(f"history needs the columns item, period, quantity; missing {missing}")
    weekly = history.group_by("item", "period").agg(pl.col("quantity").sum().cast(pl.Float64))
    first, last = cast(date, weekly["period"].min()), cast(date, weekly["period"].max())
    starts = weekly.group_by("item").agg(pl.col("period").min().alias("start"))
    calendar = pl.DataFrame({"period": pl.date_range(first, last, interval=period, eager=True)})
    return (
        starts.join(calendar, how="cross")
        .filter(pl.col("period") >= pl.col("start"))
        .join(weekly, on=["item", "period"], how="left")
        .select("item", "period", pl.col("quantity").fill_null(0.0))
        .sort("item", "period")
    )


def _classes(panel: pl.DataFrame) -> pl.DataFrame:
    located = panel.with_columns(pl.lit(0).alias("location"))
    values = panel.select("item").unique().with_columns(pl.lit(1.0).alias("unit_value"))
    return demand.classify(located, values)


def _forecasts(panel: pl.DataFrame, period: str, horizon: int) -> pl.DataFrame:
    """``item``, ``period``, ``model``, ``mean`` for ``horizon`` periods after the panel, with
    seasonal models only for series of at least three full cycles."""
    cycle = SEASON[period]
    lengths = panel.group_by("item").len()
    parts = []
    for long_enough, season in ((True, cycle), (False, 1)):
        chosen = lengths.filter((pl.col("len") >= 3 * cycle) == long_enough).select("item")
        if chosen.is_empty():
            continue
        group = panel.join(chosen, on="item").with_columns(pl.lit(0).alias("location"))
        made = forecast.forecast(
            group, _classes(group.drop("location")), horizon=horizon, season_length=season,
            period=period, levels=(80,),
        )  # fmt: skip
        parts.append(made.select("item", "period", "model", "mean"))
    return pl.concat(parts).sort("item", "period")


def _no_errors(panel: pl.DataFrame) -> pl.DataFrame:
    return (
        panel.select("item")
        .head(0)
        .with_columns(
            pl.lit(None, dtype=pl.Float64).alias("rmse"),
            pl.lit(None, dtype=pl.UInt32).alias("errors"),
        )
    )


def _realised(
    panel: pl.DataFrame, past: pl.DataFrame | None, protection: int, errors: int
) -> pl.DataFrame:
    """``item``, ``rmse``, ``errors`` from past forecasts whose whole protection interval has
    happened: the latest ``errors`` origins per item."""
    empty = pl.DataFrame(
        schema={"item": panel["item"].dtype, "rmse": pl.Float64, "errors": pl.UInt32}
    )
    if past is None or past.is_empty():
        return empty
    window = past.sort("item", "origin", "period").group_by("item", "origin").head(protection)
    joined = window.join(panel, on=["item", "period"], how="inner")
    per_origin = (
        joined.group_by("item", "origin")
        .agg(
            pl.len().alias("n"),
            (pl.col("quantity").sum() - pl.col("forecast").sum()).alias("error"),
        )
        .filter(pl.col("n") == protection)
        .sort("item", "origin")
    )
    latest = per_origin.group_by("item").tail(errors)
    return latest.group_by("item").agg(
        (pl.col("error") ** 2).mean().sqrt().alias("rmse"), pl.len().cast(pl.UInt32).alias("errors")
    )


def _backtest(panel: pl.DataFrame, period: str, protection: int, errors: int) -> pl.DataFrame:
    """``item``, ``rmse``, ``errors``, ``error_source`` from rolling origins one period apart
    over the latest periods (as many as leave 2 periods to fit, up to ``errors``), with the
    model and season the forecast uses."""
    lengths = panel.group_by("item").len()
    cycle = SEASON[period]
    models = _classes(panel).select(
        "item",
        pl.col("pattern")
        .replace_strict(forecast.FAMILY_OF_PATTERN)
        .replace_strict(forecast.DEFAULT_MODEL)
        .alias("model"),
    )
    groups = models.join(lengths, on="item").with_columns(
        pl.when(pl.col("len") >= 3 * cycle).then(cycle).otherwise(1).alias("season")
    )
    results = []
    for (name, season), group in groups.group_by("model", "season", maintain_order=True):
        results += _folds(panel, group, str(name), int(season), period, protection, errors)
    if not results:
        return _no_errors(panel).with_columns(pl.lit("backtest").alias("error_source"))
    return (
        pl.concat(results)
        .rename({"unique_id": "item"})
        .with_columns(
            pl.col("item").cast(panel["item"].dtype), pl.lit("backtest").alias("error_source")
        )
    )


def _folds(
    panel: pl.DataFrame,
    group: pl.DataFrame,
    name: str,
    season: int,
    period: str,
    protection: int,
    errors: int,
) -> list[pl.DataFrame]:
    """The RMSE of the protection-interval errors of one model over the series of ``group``."""
    from statsforecast import StatsForecast
    from statsforecast.models import Naive

    windows = min(errors, cast(int, group["len"].min()) - protection - 2)
    if windows < 1:
        return []
    series = panel.join(group.select("item"), on="item").select(
        pl.col("item").alias("unique_id"),
        pl.col("period").alias("ds"),
        pl.col("quantity").alias("y"),
    )
    model = forecast._model(name, season)
    engine = StatsForecast(models=[model], freq=period, n_jobs=1, fallback_model=Naive())
    # models with a forward step (ETS, Theta) are fitted once, at the first origin, and carried
    # forward over the later ones; the others (Croston-type, cheap) are refitted at each origin
    refit = not hasattr(model, "forward")
    folds = pl.DataFrame(
        engine.cross_validation(
            h=protection, df=series, n_windows=windows, step_size=1, refit=refit
        )
    )
    made = pl.col(name).fill_nan(0.0).clip(lower_bound=0.0)
    per_origin = folds.group_by("unique_id", "cutoff").agg(
        (pl.col("y").sum() - made.sum()).alias("error")
    )
    return [
        per_origin.group_by("unique_id").agg(
            (pl.col("error") ** 2).mean().sqrt().alias("rmse"),
            pl.len().cast(pl.UInt32).alias("errors"),
        )
    ]
