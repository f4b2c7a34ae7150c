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

from flexchain.planning import fill_rate

__all__ = ["ITEM_SHORTAGE_LIMIT", "MIN_POOL", "POOL_PRIOR", "fill_factors"]

MIN_POOL = 60
"""Pooled errors a pattern needs to lend its shape to its items' safety factors."""
POOL_PRIOR = 24.0
"""An item's own errors weigh ``n / (n + POOL_PRIOR)`` against its pattern's pooled ones."""
ITEM_SHORTAGE_LIMIT = 2.0
"""With ``fill_scope="group"``, no item is left short more than this many times the units its
own service level allows (told 95 %, none below about 90 % on its own errors): the group's
factor is solved with that floor under each item's."""


def fill_factors(
    frame: pl.DataFrame, errors: pl.DataFrame, scope: str, unmet: str, *, min_errors: int
) -> np.ndarray:
    """``k`` per item so the fill rate on the errors meets the service level, each item's
    standardised errors shrunk towards its pattern's pooled ones (weight ``n / (n + 24)``; a
    pattern with fewer than :data:`MIN_POOL` pooled errors borrows every item's, and with none at
    all the normal loss function stands in). ``scope="group"``: one ``k`` shared by the items of
    a service level and review period, so their fill rate together meets it with the least stock
    (:func:`flexchain.planning.fill_rate.group_fill_rate_factor`); ``"item"``: each item's own
    (:func:`flexchain.planning.fill_rate.shrunk_fill_rate_factor`). With lost sales
    (``unmet="lost"``) a unit short early in the protection interval is lost, not carried to the
    cycle's end: only the shortfall of the cycle's last ``R`` of its ``P`` periods counts, taken
    as ``R / P`` of the interval's (the units it may be short scaled by ``P / R``)."""
    sigma = frame["sigma"].to_numpy()
    per_cycle = (frame["demand_per_period"] * frame["review_period"]).to_numpy()
    short = (1 - frame["service_level"].to_numpy()) * per_cycle
    if unmet == "lost":
        short = short * (frame["protection"] / frame["review_period"]).to_numpy()
    targets = np.divide(short, sigma, out=np.zeros_like(short), where=sigma > 0)
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
    if scope == "group":
        terms = frame.select("service_level", "review_period").cast(pl.Float64).to_numpy()
        groups = np.unique(terms, axis=0, return_inverse=True)[1].reshape(-1).astype(np.int64)
        floor = _item_factors(matrix, pools, pool_of, targets * ITEM_SHORTAGE_LIMIT)
        k = fill_rate.group_fill_rate_factor(
            matrix, pools, pool_of, np.where(usable, sigma, 0.0), short, groups,
            prior=POOL_PRIOR, floor=floor,
        )  # fmt: skip
        return np.where(usable, k, 0.0)
    return np.where(usable, _item_factors(matrix, pools, pool_of, targets), 0.0)


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
