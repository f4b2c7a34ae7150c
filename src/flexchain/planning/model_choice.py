"""Which model forecasts an item: its pattern's default or the long-run mean, by measured
accuracy (:func:`flexchain.planning.replenishment.decide`, step 2).

The pattern's default model (AutoETS, CrostonSBA) adapts: it follows a trend, a season, a level
that moved. On demand that does none of these it chases noise, and the protection interval's
forecast swings with the last few periods (CrostonSBA's rate smooths with 0.1, about ten
periods; a weekly AutoETS without season often with more). The long-run mean of the history
read (statsforecast's ``HistoricAverage``) swings least there and fails badly on anything that
moves. Neither is right everywhere, and the series says which it is: both are backtested over
the same origins (the latest, as many as ``decide``'s ``errors``, each error the actual minus
the forecast of the protection interval from the origin), and the mean forecasts the item
where its RMSE is lower by more than :data:`MARGIN`.

The mean's backtest forecast at an origin is the mean of the periods before it, which is what
a fit at that origin gives: its errors are honest. The default model's keep the parameters
fitted on all the history (:mod:`flexchain.planning.protection_errors`), a little optimistic:
ties go to the default model.
"""

from __future__ import annotations

import polars as pl

from flexchain.planning.combined import COMBINED
from flexchain.planning.decide_inputs import CHUNK

__all__ = ["CHOICES", "MARGIN", "MEAN", "ORIGINS", "choose", "mean_errors"]

MEAN = "HistoricAverage"
"""The name the long-run mean has in ``Decision.levels.model`` (statsforecast's)."""
CHOICES = ("accuracy", "pattern")
"""``decide(model_choice=...)``: by measured accuracy, or always the pattern's default."""
MARGIN = 0.0
"""The mean is chosen where its backtest RMSE is below ``(1 - MARGIN)`` times the default's."""
ORIGINS = {"1mo": 24, "1w": 52, "1q": 8, "1d": 56}
"""Backtest origins the choice compares the two on, at most (a year of weeks: two dozen weekly
errors too often favour whichever model the last half-year's noise suited)."""
_FLAT = ("AutoETS", "Theta", COMBINED, "CrostonSBA", "TSB", "ADIDA", "IMAPA")


def eligible(base: pl.DataFrame, models: pl.DataFrame | None) -> pl.Expr:
    """Items the choice applies to: a forecasting model (not Zero) their caller did not name."""
    named = models["item"].implode() if models is not None else pl.lit([], pl.List(pl.Null))
    return pl.col("model").is_in(_FLAT) & pl.col("item").is_in(named).not_()


def mean_errors(panel: pl.DataFrame, origins: pl.DataFrame, base: pl.DataFrame) -> pl.DataFrame:
    """``item``, ``origin``, ``error``: the long-run mean's error at each of ``origins``
    (``item``, ``origin``), ``sum(actual) - P x mean(periods before the origin)`` over the item's
    ``protection`` periods ``P`` (``base``). :data:`~flexchain.planning.decide_inputs.CHUNK`
    items at a time: a 100,000-item panel's running sums whole would take a gigabyte."""
    items = origins["item"].unique(maintain_order=True)
    parts = [
        _mean_errors(
            panel.filter(pl.col("item").is_in(chunk.implode())),
            origins.filter(pl.col("item").is_in(chunk.implode())),
            base,
        )
        for chunk in (items.slice(start, CHUNK) for start in range(0, items.len(), CHUNK))
    ]
    if not parts:
        return origins.select("item", "origin", pl.lit(0.0).alias("error")).clear()
    return pl.concat(parts)


def _mean_errors(panel: pl.DataFrame, origins: pl.DataFrame, base: pl.DataFrame) -> pl.DataFrame:
    cum = panel.sort("item", "period").with_columns(
        pl.col("quantity").cast(pl.Float64).cum_sum().over("item").alias("cum"),
        pl.int_range(pl.len()).over("item").alias("t"),
    )
    before = cum.select(
        "item",
        pl.col("period").alias("origin"),
        "t",
        (pl.col("cum") - pl.col("quantity")).alias("before"),
    )
    ends = cum.select("item", pl.col("t").alias("t_end"), pl.col("cum").alias("cum_end"))
    p = pl.col("protection")
    return (
        origins.join(before, on=["item", "origin"])
        .join(base.select("item", "protection"), on="item")
        .with_columns((pl.col("t") + p - 1).alias("t_end"))
        .join(ends, on=["item", "t_end"])
        .filter(pl.col("t") >= 1)
        .select(
            "item",
            "origin",
            (pl.col("cum_end") - pl.col("before") - p * pl.col("before") / pl.col("t")).alias(
                "error"
            ),
        )
        .sort("item", "origin")
    )


def choose(
    panel: pl.DataFrame,
    base: pl.DataFrame,
    raw: pl.DataFrame,
    tested: pl.DataFrame,
    candidates: pl.Expr,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(``base``, ``raw`` forecasts, ``tested`` errors) with the mean in place of the default
    model for the ``candidates`` whose backtest says so (module docstring). ``base`` gains
    ``default_model`` (the pattern's, or the one the caller named) and, where the two were
    compared, ``default_rmse`` and ``mean_rmse`` over the same origins."""
    base = base.with_columns(pl.col("model").alias("default_model"))
    own = tested.join(base.filter(candidates).select("item"), on="item")
    theirs = mean_errors(panel, own.select("item", "origin"), base)
    score = (
        own.join(theirs, on=["item", "origin"], suffix="_mean")
        .group_by("item")
        .agg(
            (pl.col("error") ** 2).mean().sqrt().alias("default_rmse"),
            (pl.col("error_mean") ** 2).mean().sqrt().alias("mean_rmse"),
        )
    )
    base = base.join(score, on="item", how="left")
    better = pl.col("mean_rmse") < (1 - MARGIN) * pl.col("default_rmse")
    won = base.filter(better).select("item")
    if won.is_empty():
        return base, raw, tested
    switched = pl.col("item").is_in(won["item"].implode())
    rate = panel.join(won, on="item").group_by("item").agg(pl.col("quantity").mean().alias("rate"))
    raw = (
        raw.join(rate, on="item", how="left")
        .with_columns(
            pl.when(switched).then(pl.lit(MEAN)).otherwise(pl.col("model")).alias("model"),
            pl.when(switched).then(pl.col("rate")).otherwise(pl.col("mean")).alias("mean"),
        )
        .drop("rate")
    )
    tested = pl.concat([tested.filter(switched.not_()), theirs.join(won, on="item")])
    base = base.with_columns(
        pl.when(switched).then(pl.lit(MEAN)).otherwise(pl.col("model")).alias("model")
    )
    if "noise" in base.columns:  # the mean's own in-sample noise: the spread about it
        spread = (
            panel.join(won, on="item")
            .group_by("item")
            .agg(
                pl.col("quantity").cast(pl.Float64).std(ddof=0).alias("own"),
                pl.len().cast(pl.Int64).alias("own_periods"),
            )
        )
        base = (
            base.join(spread, on="item", how="left")
            .with_columns(
                pl.when(switched).then(pl.col(own)).otherwise(pl.col(name)).alias(name)
                for own, name in (("own", "noise"), ("own_periods", "noise_periods"))
            )
            .drop("own", "own_periods")
        )
    return base, raw, tested.sort("item", "origin")
