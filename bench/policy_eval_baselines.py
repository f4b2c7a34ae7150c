"""The baselines' order-up-to levels, each ``S = base + z * spread`` with ``z`` its one parameter.

- **static, never updated**: ``base = mean * P``, ``spread = sd * sqrt(P)`` from the warm-up
  history only (``P = L + R``, the protection interval; ``R`` = 1 period);
- **static, refreshed**: the same, recomputed every ``refresh`` periods on the history so far;
- **reference**: ETS (smooth, erratic) or TSB (intermittent, lumpy, no demand) re-forecast at
  every review with statsforecast; ``base`` = the sum of the per-period forecasts over ``P``,
  ``spread`` = the RMSE of the last ``ERRORS`` realised ``P``-period errors of its own past
  forecasts. Its forecasts start ``ERRORS + P_max - 1`` periods before the evaluation (a
  rolling-origin backtest of the same procedure), so the first decision already has them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl
from policy_eval_data import Dataset

ERRORS = 24
"""Realised protection-interval errors behind the reference's spread (the latest ones)."""
TSB_ALPHAS = (0.1, 0.1)  # demand size and probability; statsforecast needs them fixed
ETS_MAX_SEASON = 24  # statsforecast's ETS cannot fit longer cycles (weekly data: non-seasonal)
INTERMITTENT = ("intermittent", "lumpy", "no_demand")


@dataclass(frozen=True)
class LinearLevels:
    """``S = base + z * spread`` (series x period); ``z`` per series."""

    base: np.ndarray
    spread: np.ndarray
    bounds: tuple[float, float] = (-3.0, 8.0)

    def at(self, z: np.ndarray) -> np.ndarray:
        return np.maximum(self.base + np.asarray(z, float)[:, None] * self.spread, 0.0)


def static_levels(data: Dataset, protection: int, refresh: int | None) -> LinearLevels:
    """Static policy from the history before ``first`` (``refresh``: also every ``refresh``
    periods after it, from the history so far; None: never)."""
    series, periods = data.demand.shape
    columns = np.arange(periods)
    if refresh is None:
        update = np.broadcast_to(data.first[:, None], (series, periods))
    else:
        since = np.maximum(columns[None, :] - data.first[:, None], 0)
        update = data.first[:, None] + since // refresh * refresh
    observed = np.where(data.observed, data.demand, 0.0)
    sums = np.concatenate([np.zeros((series, 1)), observed.cumsum(axis=1)], axis=1)
    squares = np.concatenate([np.zeros((series, 1)), (observed**2).cumsum(axis=1)], axis=1)
    start = data.start[:, None]
    count = np.maximum(update - start, 1)
    total = np.take_along_axis(sums, update, 1) - np.take_along_axis(sums, start, 1)
    total2 = np.take_along_axis(squares, update, 1) - np.take_along_axis(squares, start, 1)
    mean = total / count
    variance = np.maximum(total2 - count * mean**2, 0.0) / np.maximum(count - 1, 1)
    return LinearLevels(mean * protection, np.sqrt(variance * protection))


def reference_levels(data: Dataset, forecasts: np.ndarray, protection: int) -> LinearLevels:
    """The reference policy for ``P = protection`` from its rolling forecasts
    (``forecasts[i, o, k]``: series ``i``'s forecast made at origin ``o`` for ``o + k``)."""
    series, periods = data.demand.shape
    base = forecasts[:, :, :protection].sum(axis=2)
    observed = np.where(data.observed, data.demand, 0.0)
    sums = np.concatenate([np.zeros((series, 1)), observed.cumsum(axis=1)], axis=1)
    origins = np.arange(periods)
    ends = np.minimum(origins + protection, periods)
    actual = sums[:, ends] - sums[:, origins]
    known = (origins[None, :] + protection <= data.stop[:, None]) & ~np.isnan(base)
    error2 = np.where(known, (actual - np.nan_to_num(base)) ** 2, 0.0)
    # at decision t, the errors of origins t - P - ERRORS + 1 .. t - P are known
    cum_error = np.concatenate([np.zeros((series, 1)), error2.cumsum(axis=1)], axis=1)
    cum_known = np.concatenate([np.zeros((series, 1)), known.cumsum(axis=1)], axis=1)
    upper = np.clip(origins - protection + 1, 0, periods)
    lower = np.clip(origins - protection + 1 - ERRORS, 0, periods)
    count = cum_known[:, upper] - cum_known[:, lower]
    rmse = np.sqrt((cum_error[:, upper] - cum_error[:, lower]) / np.maximum(count, 1))
    return LinearLevels(np.nan_to_num(base), rmse)


def reference_forecasts(data: Dataset, horizon: int, refit: int) -> np.ndarray:
    """``forecasts[i, o, k]`` of the reference (NaN where no forecast was made), for every origin
    from ``ERRORS + horizon - 1`` periods before a series' evaluation to its last period.

    One ``StatsForecast.cross_validation`` per model and number of origins; ETS parameters are
    re-estimated every ``refit`` origins (its state follows every period in between), TSB is
    refitted at every origin. A series is padded with ``horizon - 1`` periods so its last
    origin is its last period; the padding is never fitted on.
    """
    from statsforecast import StatsForecast
    from statsforecast.models import TSB, AutoETS, Naive

    series, periods = data.demand.shape
    out = np.full((series, periods, horizon), np.nan)
    season = data.setting.season if data.setting.season <= ETS_MAX_SEASON else 1
    lowest = np.maximum(data.first - (ERRORS + horizon - 1), data.start + 2)
    windows = data.stop - lowest
    intermittent = np.isin(data.pattern, INTERMITTENT)
    calendar = _calendar(data.periods, data.setting.period, horizon)
    for tsb in (False, True):
        model = TSB(*TSB_ALPHAS, alias="f") if tsb else AutoETS(season_length=season, alias="f")
        for count in np.unique(windows[intermittent == tsb]):
            rows = np.flatnonzero((intermittent == tsb) & (windows == count))
            frame = _padded(data, rows, calendar, horizon)
            engine = StatsForecast(
                models=[model], freq=data.setting.period, n_jobs=1, fallback_model=Naive()
            )
            folds = engine.cross_validation(
                df=frame, h=horizon, n_windows=int(count), step_size=1,
                refit=True if tsb else refit,
            )  # fmt: skip
            _place(out, pl.DataFrame(folds), calendar)
    return np.clip(out, 0.0, None)


def _calendar(periods: list[date], period: str, extra: int) -> pl.DataFrame:
    last = pl.select(pl.lit(periods[-1]).dt.offset_by(f"{extra}{period[1:]}")).item()
    days = pl.date_range(periods[0], last, interval=period, eager=True)
    return pl.DataFrame({"ds": days}).with_row_index("column").cast({"column": pl.Int64})


def _padded(data: Dataset, rows: np.ndarray, calendar: pl.DataFrame, horizon: int) -> pl.DataFrame:
    """The series of ``rows`` as unique_id/ds/y, each padded after its end with its last value."""
    parts = []
    for row in rows:
        begin, end = int(data.start[row]), int(data.stop[row])
        values = data.demand[row, begin:end]
        padded = np.concatenate([values, np.full(horizon - 1, values[-1])])
        parts.append(
            pl.DataFrame(
                {
                    "unique_id": int(row),
                    "ds": calendar["ds"][begin : end + horizon - 1],
                    "y": padded,
                }
            )
        )
    return pl.concat(parts)


def _place(out: np.ndarray, folds: pl.DataFrame, calendar: pl.DataFrame) -> None:
    """Write cross-validation rows into ``out[series, origin, step]``."""
    at = calendar.rename({"ds": "cutoff", "column": "origin"}).with_columns(pl.col("origin") + 1)
    placed = folds.join(at, on="cutoff").join(calendar, on="ds")
    rows = placed["unique_id"].to_numpy()
    origin = placed["origin"].to_numpy()
    out[rows, origin, placed["column"].to_numpy() - origin] = placed["f"].fill_nan(None).to_numpy()
