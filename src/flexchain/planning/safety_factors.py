"""Safety factors of a decision's items (:func:`flexchain.planning.replenishment.decide`, step 6).

Each item's realised errors, over their RMSE, are shrunk towards its demand pattern's pooled ones
(``n / (n + POOL_PRIOR)``); the factor that meets a fill-rate target on them is shared by the
items of a service level and review period (``fill_scope="group"``, the least stock for their fill
together, no item below a floor) or found item by item (``"item"``)
(:mod:`flexchain.planning.fill_rate`).
"""

from __future__ import annotations

from typing import cast

import numpy as np
import polars as pl

from flexchain.planning import fill_rate, fill_replay

__all__ = [
    "ITEM_SHORTAGE_LIMIT",
    "MIN_POOL",
    "POOL_PRIOR",
    "SCALE_PRIOR",
    "class_rmse",
    "fill_factors",
    "shrunk_rmse",
]

MIN_POOL = 60
"""Pooled errors a pattern needs to lend its shape to its items' safety factors."""
POOL_PRIOR = 24.0
"""An item's own errors weigh ``n / (n + POOL_PRIOR)`` against its pattern's pooled ones."""
SCALE_PRIOR = 96.0
"""An item's RMSE is shrunk towards its pattern's, ``n`` own errors against this many of the
pattern's (:func:`shrunk_rmse`)."""
ITEM_SHORTAGE_LIMIT = 2.0
"""With ``fill_scope="group"``, no item is left short more than this many times the units its
own service level allows (told 95 %, none below about 90 % on its own errors): the group's
factor is solved with that floor under each item's."""


def fill_factors(
    frame: pl.DataFrame,
    errors: pl.DataFrame,
    scope: str,
    unmet: str,
    *,
    min_errors: int,
    window: pl.DataFrame | None = None,
) -> np.ndarray:
    """``k`` per item so the fill rate on the errors meets the service level, each item's
    standardised errors shrunk towards its pattern's pooled ones (weight ``n / (n + 24)``; a
    pattern with fewer than :data:`MIN_POOL` pooled errors borrows every item's, and with none at
    all the normal loss function stands in). ``scope="group"``: one ``k`` shared by the items of
    a service level and review period, so their fill rate together meets it with the least stock
    (:func:`flexchain.planning.fill_rate.group_fill_rate_factor`); ``"item"``: each item's own
    (:func:`flexchain.planning.fill_rate.shrunk_fill_rate_factor`). With lost sales
    (``unmet="lost"``) a unit short early in the protection interval is lost, not carried to the
    cycle's end: the units a cycle may be short are divided by the share of the backorder
    shortage lost sales would have had, replayed on the group's own history at the backorder
    factor (:func:`flexchain.planning.fill_replay.lost_share`; ``R / P`` at least, and ``R / P``
    when the replay was short of nothing). ``window``: each item's history from its first
    error's origin (None: ``R / P``)."""
    sigma = frame["sigma"].to_numpy()
    per_cycle = (frame["demand_per_period"] * frame["review_period"]).to_numpy()
    short = (1 - frame["service_level"].to_numpy()) * per_cycle
    matrix = _standardised(frame, errors)
    measured = frame["errors"].to_numpy() >= min_errors
    patterns = frame["pattern"].to_numpy()
    everyone = _finite(matrix[measured])
    names = list(np.unique(patterns))
    pools: list[np.ndarray | None] = []
    for pattern in names:
        pool = _finite(matrix[measured & (patterns == pattern)])
        pool = pool if pool.size >= MIN_POOL else everyone
        pools.append(pool if pool.size >= MIN_POOL else None)
    pool_of = np.searchsorted(np.array(names), patterns) if names else np.zeros(0, np.int64)
    usable = (sigma > 0) & (per_cycle > 0)
    scaled = np.where(usable, sigma, 0.0)
    terms = frame.select("service_level", "review_period").cast(pl.Float64).to_numpy()
    groups = np.unique(terms, axis=0, return_inverse=True)[1].reshape(-1).astype(np.int64)
    plan = fill_replay.replay(frame, errors, window) if window is not None else None

    def solve(allowed: np.ndarray) -> np.ndarray:
        targets = np.divide(allowed, sigma, out=np.zeros_like(allowed), where=sigma > 0)
        if scope == "item":
            return _item_factors(matrix, pools, pool_of, targets)
        floor = _item_factors(matrix, pools, pool_of, targets * ITEM_SHORTAGE_LIMIT)
        return fill_rate.group_fill_rate_factor(
            matrix, pools, pool_of, scaled, allowed, groups, prior=POOL_PRIOR, floor=floor
        )

    if unmet == "lost":
        least = (frame["review_period"] / frame["protection"]).to_numpy()
        share = least
        if plan is not None:
            measured_share = fill_replay.lost_share(
                plan, solve(short) * scaled, groups, usable & plan.rows
            )
            share = np.where(np.isnan(measured_share), least, np.maximum(measured_share, least))
        short = short / share
    return np.where(usable, solve(short), 0.0)


def class_rmse(frame: pl.DataFrame) -> pl.DataFrame:
    """Items without any error get the median relative RMSE (RMSE over protection demand) of
    their pattern's items (of all items when their pattern has none), times their own
    protection demand; an RMSE is capped at the cap times the protection interval."""
    relative = pl.col("rmse") / pl.col("protection_demand")
    measured = frame.filter(pl.col("rmse").is_not_null() & (pl.col("protection_demand") > 0))
    overall = measured.select(relative.median()).item() if measured.height else 0.0
    per_pattern = measured.group_by("pattern").agg(relative.median().alias("relative"))
    return (
        frame.join(per_pattern, on="pattern", how="left")
        .with_columns(
            pl.coalesce(
                "rmse",
                pl.col("protection_demand") * pl.coalesce("relative", pl.lit(overall or 0.0)),
            )
            .clip(upper_bound=pl.col("cap") * pl.col("protection"))
            .alias("rmse")
        )
        .drop("relative")
    )


def shrunk_rmse(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with each item's ``rmse`` shrunk towards its pattern's relative one:
    ``sqrt((n rmse^2 + p (r P)^2) / (n + p))``, ``n`` the item's errors, ``p`` =
    :data:`SCALE_PRIOR`, ``P`` its protection demand and ``r`` its pattern's pooled relative
    error ``sqrt(sum rmse^2 / sum P^2)``.

    Twenty-four weeks of errors are a short sample of heavy-tailed demand: an item whose last
    half-year held no wholesale spike gets a small RMSE and a small safety stock, and the spike
    that comes is short in full. The pattern's errors (hundreds of items' half-years) have seen
    such spikes; borrowing their scale, in proportion to the item's protection demand, keeps
    that risk in every item's safety stock (on the demo company's erratic and lumpy items, 95 %
    fill became reachable at all, docs/policy.md). An item without errors keeps the RMSE it has.
    """
    n = pl.col("errors").cast(pl.Float64)
    pooled = frame.group_by("pattern").agg(
        ((pl.col("rmse") ** 2).sum() / (pl.col("protection_demand") ** 2).sum())
        .sqrt()
        .alias("relative")
    )
    borrowed = pl.col("relative") * pl.col("protection_demand")
    shrunk = ((n * pl.col("rmse") ** 2 + SCALE_PRIOR * borrowed**2) / (n + SCALE_PRIOR)).sqrt()
    return (
        frame.join(pooled, on="pattern", how="left")
        .with_columns(
            pl.when(n > 0)
            .then(shrunk.fill_nan(None))
            .otherwise(None)
            .fill_null(pl.col("rmse"))
            .alias("rmse")
        )
        .drop("relative")
    )


def _item_factors(
    matrix: np.ndarray, pools: list[np.ndarray | None], pool_of: np.ndarray, targets: np.ndarray
) -> np.ndarray:
    """Each item's own ``k`` for ``targets`` (units short per cycle in sigma)."""
    k = np.zeros(matrix.shape[0])
    for index, pool in enumerate(pools):
        rows_of = pool_of == index
        k[rows_of] = fill_rate.shrunk_fill_rate_factor(
            matrix[rows_of], pool, targets[rows_of], prior=POOL_PRIOR
        )
    return k


def _standardised(frame: pl.DataFrame, errors: pl.DataFrame) -> np.ndarray:
    """Each item's errors over its RMSE, one row per item of ``frame`` (NaN-padded)."""
    rows = frame.select("item", "rmse").with_row_index("row")
    z = (
        errors.join(rows, on="item")
        .filter(pl.col("rmse") > 0)
        .with_columns(
            (pl.col("error") / pl.col("rmse")).alias("z"),
            pl.int_range(pl.len()).over("item").alias("j"),
        )
    )
    width = int(cast(int, z["j"].max())) + 1 if z.height else 1
    matrix = np.full((frame.height, width), np.nan)
    matrix[z["row"].to_numpy(), z["j"].to_numpy()] = z["z"].to_numpy()
    return matrix


def _finite(values: np.ndarray) -> np.ndarray:
    flat = values.ravel()
    return flat[~np.isnan(flat)]
