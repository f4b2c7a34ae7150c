"""Statistical forecasts per demand pattern, rolling-origin backtests, and model choice.

The model family follows the Syntetos-Boylan-Croston pattern from
:func:`flexchain.planning.demand.classify`:

============================  =====================================  ==========
pattern                       candidates (statsforecast)             default
============================  =====================================  ==========
smooth, erratic               AutoETS, Theta                         AutoETS
intermittent, lumpy           CrostonSBA, TSB, ADIDA, IMAPA          CrostonSBA
no_demand                     Zero                                   Zero
============================  =====================================  ==========

:func:`backtest` scores every candidate of a series' family on rolling origins (MASE, WAPE, bias,
RMSE); :func:`choose_models` keeps a candidate instead of the default only where it beats the
default by a margin; :func:`forecast` runs the chosen (or default) model of every series.
Every step makes one ``StatsForecast`` call per family or model over all its series, never one per
series, so ``n_jobs`` spreads the whole panel over processes.

Forecast spread
---------------
AutoETS and Theta give their own (normal) prediction intervals. Croston-type models
(CrostonSBA, TSB, ADIDA, IMAPA) give a point forecast only, so their spread ``sigma`` is the RMSE
of the model's backtest forecasts when a model choice is passed (an honest multi-step error,
bias included), else the RMSE of its in-sample one-step forecasts; the intervals are then
``mean ± z·sigma``, the same width for every period ahead. Every row carries ``sigma`` (for native
intervals: the half-width of the widest interval over its ``z``), so an inventory policy can use
one column for all models. Means and bounds are clipped at zero: demand is never negative.

References
----------
Syntetos, A. A., Boylan, J. E. & Croston, J. D. (2005). On the categorization of demand patterns.
*Journal of the Operational Research Society*, 56(5), 495-503.
Hyndman, R. J. & Koehler, A. B. (2006). Another look at measures of forecast accuracy.
*International Journal of Forecasting*, 22(4), 679-688 (MASE).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from statistics import NormalDist
from typing import Any

import polars as pl

from flexchain.planning.demand import KEYS

__all__ = [
    "DEFAULT_MODEL",
    "FAMILIES",
    "FAMILY_OF_PATTERN",
    "accuracy",
    "backtest",
    "choose_models",
    "forecast",
]

FAMILIES: Mapping[str, tuple[str, ...]] = {
    "continuous": ("AutoETS", "Theta"),
    "intermittent": ("CrostonSBA", "TSB", "ADIDA", "IMAPA"),
    "none": ("Zero",),
}
FAMILY_OF_PATTERN: Mapping[str, str] = {
    "smooth": "continuous",
    "erratic": "continuous",
    "intermittent": "intermittent",
    "lumpy": "intermittent",
    "no_demand": "none",
}
DEFAULT_MODEL: Mapping[str, str] = {
    "continuous": "AutoETS",
    "intermittent": "CrostonSBA",
    "none": "Zero",
}
NATIVE_INTERVALS = frozenset({"AutoETS", "Theta"})
TSB_ALPHAS = (0.1, 0.1)
"""TSB's smoothing constants for demand size and probability (statsforecast needs them fixed)."""
ETS_MAX_SEASON = 24
"""ETS (statsforecast, like R's forecast::ets) cannot fit seasonal cycles longer than this."""


def _model(name: str, season_length: int, spec: str | None = None) -> Any:
    """The statsforecast model ``name``; ``spec``: for AutoETS, a structure it chose before (its
    components, e.g. ``MAdM`` as ``MAMD``: error, trend, season, damped) to fit instead of
    searching all of them."""
    from statsforecast.models import ADIDA, IMAPA, TSB, AutoETS, CrostonSBA, Theta, ZeroModel

    match name:
        case "AutoETS":
            # weekly seasonality (52) is beyond ETS; it is left to Theta's decomposition
            season = season_length if season_length <= ETS_MAX_SEASON else 1
            if spec is not None:
                return AutoETS(
                    season_length=season, model=spec[:3], damped=spec[3] == "D", alias=name
                )
            return AutoETS(season_length=season, alias=name)
        case "Theta":
            return Theta(season_length=season_length, alias=name)
        case "CrostonSBA":
            return CrostonSBA(alias=name)
        case "TSB":
            return TSB(alpha_d=TSB_ALPHAS[0], alpha_p=TSB_ALPHAS[1], alias=name)
        case "ADIDA":
            return ADIDA(alias=name)
        case "IMAPA":
            return IMAPA(alias=name)
        case "Zero":
            return ZeroModel(alias=name)
    known = sorted(model for models in FAMILIES.values() for model in models)
    raise ValueError(f"unknown model {name!r}; known models are {', '.join(known)}")


def _engine(models: Sequence[Any], period: str, n_jobs: int) -> Any:
    from statsforecast import StatsForecast
    from statsforecast.models import Naive

    # a series a model cannot fit (too short, degenerate) gets the naive forecast instead
    return StatsForecast(models=list(models), freq=period, n_jobs=n_jobs, fallback_model=Naive())


def _series(panel: pl.DataFrame, classes: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Number the series; return (ids with keys and family, long frame unique_id/ds/y)."""
    missing = [c for c in (*KEYS, "period", "quantity") if c not in panel.columns]
    if missing or "pattern" not in classes.columns:
        raise ValueError("panel needs item, location, period, quantity; classes needs pattern")
    unknown = set(classes["pattern"].unique()) - set(FAMILY_OF_PATTERN)
    if unknown:
        raise ValueError(f"classes has unknown patterns {sorted(unknown)}")
    ids = (
        classes.select(*KEYS, "pattern")
        .sort(KEYS)
        .with_row_index("unique_id")
        .with_columns(pl.col("pattern").replace_strict(FAMILY_OF_PATTERN).alias("family"))
    )
    long = panel.join(ids.select(*KEYS, "unique_id"), on=list(KEYS), how="inner").select(
        "unique_id", pl.col("period").alias("ds"), pl.col("quantity").cast(pl.Float64).alias("y")
    )
    return ids, long.sort("unique_id", "ds")


def _z(level: float) -> float:
    return NormalDist().inv_cdf(0.5 + level / 200)


def forecast(
    panel: pl.DataFrame,
    classes: pl.DataFrame,
    *,
    horizon: int,
    season_length: int = 52,
    levels: Sequence[int] = (80, 95),
    n_jobs: int = 1,
    choice: pl.DataFrame | None = None,
    period: str = "1w",
) -> pl.DataFrame:
    """Forecast every series of a panel with the model of its pattern (or of ``choice``).

    Parameters
    ----------
    panel
        ``item``, ``location``, ``period``, ``quantity`` (from ``demand.weekly_buckets``).
    classes
        ``item``, ``location``, ``pattern`` (from ``demand.classify``); only these series are
        forecast.
    horizon
        Periods ahead.
    season_length
        Periods per seasonal cycle (52 for weekly data).
    levels
        Interval levels in percent.
    n_jobs
        Processes for statsforecast (``-1``: all cores).
    choice
        ``item``, ``location``, ``model`` and optionally ``rmse`` (from :func:`choose_models`).
        Series it lists use its model and, for Croston-type models, its backtest RMSE as spread;
        the others use the default model of their pattern.
    period
        The panel's period, as given to ``weekly_buckets``; names the future periods.

    Returns
    -------
    pl.DataFrame
        ``item``, ``location``, ``period``, ``model``, ``mean``, ``sigma`` and ``lo_<level>`` /
        ``hi_<level>`` for every level, sorted by item, location and period. All values are at
        least zero and ``lo_95 <= lo_80 <= mean <= hi_80 <= hi_95``.
    """
    if horizon < 1:
        raise ValueError(f"horizon must be at least 1, got {horizon}")
    if not levels or not all(0 < level < 100 for level in levels):
        raise ValueError(f"levels must be percentages between 0 and 100, got {levels}")
    ids, long = _series(panel, classes)
    ids = ids.with_columns(
        pl.col("family").replace_strict(DEFAULT_MODEL).alias("model"),
        pl.lit(None, dtype=pl.Float64).alias("rmse"),
    )
    if choice is not None:
        ids = _apply_choice(ids, choice)
    parts = []
    for name in sorted(ids["model"].unique()):
        chosen = ids.filter(pl.col("model") == name)
        series = long.filter(pl.col("unique_id").is_in(chosen["unique_id"].implode()))
        engine = _engine([_model(name, season_length)], period, n_jobs)
        parts.append(_forecast_one(engine, name, series, chosen, horizon, sorted(levels)))
    frame = pl.concat(parts) if parts else _empty_forecast(levels)
    return (
        frame.join(ids.select("unique_id", *KEYS, "model"), on="unique_id")
        .select(*KEYS, pl.col("ds").alias("period"), "model", "mean", "sigma", *_bounds(levels))
        .sort(*KEYS, "period")
    )


def _bounds(levels: Sequence[int]) -> list[str]:
    return [f"{side}_{level}" for level in sorted(levels) for side in ("lo", "hi")]


def _empty_forecast(levels: Sequence[int]) -> pl.DataFrame:
    columns = ["mean", "sigma", *_bounds(levels)]
    return pl.DataFrame(
        schema={"unique_id": pl.UInt32, "ds": pl.Date, **dict.fromkeys(columns, pl.Float64)}
    )


def _apply_choice(ids: pl.DataFrame, choice: pl.DataFrame) -> pl.DataFrame:
    if "model" not in choice.columns:
        raise ValueError("choice needs the columns item, location and model")
    for name in choice["model"].unique():
        _model(name, 1)  # refuses an unknown model by name
    rmse = pl.col("rmse") if "rmse" in choice.columns else pl.lit(None, dtype=pl.Float64)
    chosen = choice.select(*KEYS, pl.col("model").alias("chosen"), rmse.alias("chosen_rmse"))
    return (
        ids.join(chosen, on=list(KEYS), how="left")
        .with_columns(
            pl.coalesce("chosen", "model").alias("model"),
            pl.when(pl.col("chosen").is_not_null())
            .then(pl.col("chosen_rmse"))
            .otherwise(pl.col("rmse"))
            .alias("rmse"),
        )
        .drop("chosen", "chosen_rmse")
    )


def _forecast_one(
    engine: Any,
    name: str,
    series: pl.DataFrame,
    chosen: pl.DataFrame,
    horizon: int,
    levels: list[int],
) -> pl.DataFrame:
    """One statsforecast call for all series of one model.

    Returns unique_id, ds, mean, sigma and lo_/hi_ per level.
    """
    native = name in NATIVE_INTERVALS
    fitted = not native and name != "Zero"
    raw = engine.forecast(h=horizon, df=series, level=levels if native else None, fitted=fitted)
    mean = pl.col(name).clip(lower_bound=0.0)
    if native:
        widest = levels[-1]
        sigma = (pl.col(f"{name}-hi-{widest}") - pl.col(f"{name}-lo-{widest}")) / (2 * _z(widest))
        out = raw.select(
            "unique_id",
            "ds",
            mean.alias("mean"),
            sigma.fill_nan(None).fill_null(0.0).alias("sigma"),
            *[
                pl.col(f"{name}-{side}-{level}").alias(f"{side}_{level}")
                for level in levels
                for side in ("lo", "hi")
            ],
        )
    else:
        spread = chosen.select("unique_id", "rmse")
        if fitted:
            spread = spread.join(_in_sample_rmse(engine, name), on="unique_id", how="left").select(
                "unique_id", pl.coalesce("rmse", "in_sample_rmse").alias("rmse")
            )
        out = (
            raw.join(spread, on="unique_id", how="left")
            .with_columns(mean.alias("mean"), pl.col("rmse").fill_null(0.0).alias("sigma"))
            .select(
                "unique_id",
                "ds",
                "mean",
                "sigma",
                *[
                    (pl.col("mean") + sign * _z(level) * pl.col("sigma")).alias(f"{side}_{level}")
                    for level in levels
                    for side, sign in (("lo", -1.0), ("hi", 1.0))
                ],
            )
        )
    return _ordered(out.with_columns(pl.col("unique_id").cast(pl.UInt32)), levels)


def _in_sample_rmse(engine: Any, name: str) -> pl.DataFrame:
    fitted = pl.DataFrame(engine.forecast_fitted_values())
    return (
        fitted.filter(pl.col(name).is_not_nan())
        .group_by("unique_id")
        .agg(((pl.col("y") - pl.col(name)) ** 2).mean().sqrt().alias("in_sample_rmse"))
        .with_columns(pl.col("unique_id").cast(pl.UInt32))
    )


def _ordered(frame: pl.DataFrame, levels: list[int]) -> pl.DataFrame:
    """Clip at zero and nest the intervals around the mean, narrowest level first."""
    frame = frame.with_columns(pl.col("mean").fill_nan(0.0).clip(lower_bound=0.0))
    inner_lo, inner_hi = pl.col("mean"), pl.col("mean")
    for level in levels:
        lo = pl.min_horizontal(pl.col(f"lo_{level}").fill_nan(None), inner_lo).clip(lower_bound=0.0)
        hi = pl.max_horizontal(pl.col(f"hi_{level}").fill_nan(None), inner_hi)
        frame = frame.with_columns(lo.alias(f"lo_{level}"), hi.alias(f"hi_{level}"))
        inner_lo, inner_hi = pl.col(f"lo_{level}"), pl.col(f"hi_{level}")
    return frame


def backtest(
    panel: pl.DataFrame,
    classes: pl.DataFrame,
    *,
    horizon: int,
    windows: int = 3,
    step_size: int | None = None,
    season_length: int = 52,
    n_jobs: int = 1,
    period: str = "1w",
) -> pl.DataFrame:
    """Score every candidate model of each series' family on rolling forecast origins.

    The last ``horizon + step_size * (windows - 1)`` periods are held out; from each of
    ``windows`` origins, ``step_size`` (default ``horizon``) periods apart, every candidate is
    fitted on all history up to the origin and forecasts ``horizon`` periods, clipped at zero.
    Series without demand are not scored (they get the zero forecast).

    Returns
    -------
    pl.DataFrame
        One row per series and candidate: ``item``, ``location``, ``family``, ``model``,
        ``is_default``, and the :func:`accuracy` columns ``mase``, ``wape``, ``bias``, ``rmse``,
        ``points``. The MASE scale is the mean absolute one-step change of the series before the
        first origin (the in-sample naive error of Hyndman & Koehler, 2006).
    """
    if horizon < 1 or windows < 1:
        raise ValueError(f"horizon and windows must be at least 1, got {horizon} and {windows}")
    step = horizon if step_size is None else step_size
    if step < 1:
        raise ValueError(f"step_size must be at least 1, got {step}")
    test_size = horizon + step * (windows - 1)
    ids, long = _series(panel, classes)
    scored = []
    for family in ("continuous", "intermittent"):
        members = ids.filter(pl.col("family") == family)
        if members.is_empty():
            continue
        series = long.filter(pl.col("unique_id").is_in(members["unique_id"].implode()))
        shortest = int(series.group_by("unique_id").len()["len"].to_numpy().min())
        if shortest < test_size + 2:
            raise ValueError(
                f"backtest needs at least {test_size + 2} periods per series (horizon + "
                f"step_size x (windows - 1) to test, 2 to fit), the shortest has {shortest}; "
                "lower horizon or windows"
            )
        names = FAMILIES[family]
        engine = _engine([_model(name, season_length) for name in names], period, n_jobs)
        folds = pl.DataFrame(
            engine.cross_validation(h=horizon, df=series, n_windows=windows, step_size=step)
        ).with_columns(pl.col("unique_id").cast(pl.UInt32))
        points = folds.unpivot(
            index=["unique_id", "ds", "cutoff", "y"],
            on=list(names),
            variable_name="model",
            value_name="forecast",
        ).with_columns(pl.col("forecast").fill_nan(None).clip(lower_bound=0.0))
        first_cutoff = folds.group_by("unique_id").agg(pl.col("cutoff").min())
        scale = (
            series.join(first_cutoff, on="unique_id")
            .filter(pl.col("ds") <= pl.col("cutoff"))
            .group_by("unique_id")
            .agg(pl.col("y").diff().abs().mean().alias("scale"))
        )
        keyed = members.select("unique_id", *KEYS)
        metrics = accuracy(
            points.join(keyed, on="unique_id").rename({"y": "actual"}),
            scale.join(keyed, on="unique_id"),
        )
        scored.append(
            metrics.with_columns(
                pl.lit(family).alias("family"),
                (pl.col("model") == DEFAULT_MODEL[family]).alias("is_default"),
            )
        )
    columns = [*KEYS, "family", "model", "is_default", "mase", "wape", "bias", "rmse", "points"]
    if not scored:
        return pl.DataFrame(schema=dict.fromkeys(columns, pl.Float64)).select(columns)
    return pl.concat(scored).select(columns).sort(*KEYS, "model")


def accuracy(points: pl.DataFrame, scale: pl.DataFrame) -> pl.DataFrame:
    """Forecast accuracy per series and model over backtest points.

    Parameters
    ----------
    points
        ``item``, ``location``, ``model``, ``actual``, ``forecast``: one row per forecast period.
    scale
        ``item``, ``location``, ``scale``: the MASE denominator of each series.

    Returns
    -------
    pl.DataFrame
        ``item``, ``location``, ``model``, sorted, with, for errors ``e = forecast - actual``:

        - ``mase`` = mean |e| / scale (null when the scale is zero),
        - ``wape`` = sum |e| / sum actual (null when nothing was sold),
        - ``bias`` = sum e / sum actual (positive: over-forecast; null when nothing was sold),
        - ``rmse`` = sqrt(mean e²), in units: the spread of Croston-type forecasts,
        - ``points``: how many forecasts were scored.

    Examples
    --------
    >>> points = pl.DataFrame({"item": ["TEE"] * 2, "location": ["WH"] * 2,
    ...     "model": ["TSB"] * 2, "actual": [4.0, 0.0], "forecast": [2.0, 1.0]})
    >>> scale = pl.DataFrame({"item": ["TEE"], "location": ["WH"], "scale": [1.5]})
    >>> accuracy(points, scale).select("mase", "wape", "bias", "rmse").row(0)
    (1.0, 0.75, -0.25, 1.5811388300841898)
    """
    error = pl.col("forecast") - pl.col("actual")
    sold = pl.col("actual").sum()
    return (
        points.group_by(*KEYS, "model")
        .agg(
            error.abs().mean().alias("mae"),
            (error.abs().sum() / pl.when(sold > 0).then(sold)).alias("wape"),
            (error.sum() / pl.when(sold > 0).then(sold)).alias("bias"),
            (error**2).mean().sqrt().alias("rmse"),
            pl.len().alias("points"),
        )
        .join(scale.select(*KEYS, "scale"), on=list(KEYS), how="left")
        .with_columns(
            (pl.col("mae") / pl.when(pl.col("scale") > 0).then(pl.col("scale"))).alias("mase")
        )
        .select(*KEYS, "model", "mase", "wape", "bias", "rmse", "points")
        .sort(*KEYS, "model")
    )


def choose_models(backtest_frame: pl.DataFrame, *, margin: float = 0.1) -> pl.DataFrame:
    """Keep the best backtested model of each series only where it clearly beats the default.

    A candidate replaces the family default when its MASE is below ``(1 - margin)`` times the
    default's: with the default margin of 10 %, an alternative must cut the scaled error by a
    tenth, so noise between near-equal models never flips a series from run to run. Where the
    default has no MASE (a series that never changed before the first origin) WAPE decides the
    same way; where neither is defined, the default stays.

    Returns
    -------
    pl.DataFrame
        ``item``, ``location``, ``model``, ``default_model`` and the chosen model's ``mase``,
        ``wape``, ``bias``, ``rmse``; ready to pass to :func:`forecast` as ``choice``.
    """
    if not 0.0 <= margin < 1.0:
        raise ValueError(f"margin must be within [0, 1), got {margin}")
    frame = backtest_frame.with_columns(
        pl.when(pl.col("mase").filter(pl.col("is_default")).first().over(KEYS).is_not_null())
        .then(pl.col("mase"))
        .otherwise(pl.col("wape"))
        .alias("criterion")
    )
    default = frame.filter(pl.col("is_default")).select(
        *KEYS, pl.col("model").alias("default_model"), pl.col("criterion").alias("default_score")
    )
    best = (
        frame.filter(pl.col("criterion").is_not_null())
        .sort(*KEYS, "criterion", "model")
        .group_by(KEYS, maintain_order=True)
        .first()
        .select(*KEYS, pl.col("model").alias("best_model"), pl.col("criterion").alias("best"))
    )
    better = pl.col("best") < (1.0 - margin) * pl.col("default_score")
    chosen = default.join(best, on=list(KEYS), how="left").select(
        *KEYS,
        pl.when(better)
        .then(pl.col("best_model"))
        .otherwise(pl.col("default_model"))
        .alias("model"),
        "default_model",
    )
    return (
        chosen.join(
            frame.select(*KEYS, "model", "mase", "wape", "bias", "rmse"),
            on=[*KEYS, "model"],
            how="left",
        )
        .select(*KEYS, "model", "default_model", "mase", "wape", "bias", "rmse")
        .sort(KEYS)
    )
