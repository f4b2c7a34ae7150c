"""Safety factors of a decision's items (:func:`flexchain.planning.replenishment.decide`, step 6).

Each item's realised errors, over their RMSE, are shrunk towards its demand pattern's pooled ones
(``n / (n + prior)``, :func:`pool_priors`); the factor that meets a fill-rate target on them is
shared by the items of a service level and review period (``fill_scope="group"``, the least stock
for their fill together, no pattern's items below a floor) or found item by item (``"item"``)
(:mod:`flexchain.planning.fill_rate`).

The loss of a sample of errors standardised by their own RMSE is an in-sample figure: the
largest of 24 errors is at most ``sqrt(24)`` times an RMSE it is part of, while the next error is
not bounded so, and a factor chosen to fit those errors is chosen where they looked thinnest.
Before solving, :func:`fill_factors` checks the method on the items' own errors: each item's
errors are cut into :data:`HOLDOUT` consecutive folds; with each fold held out in turn, ``k`` is
solved on the others (their own RMSE, shrunk, standardising both), and the units the held-out
errors were short at it are compared with the units the solve predicted: the group's
``held_out_ratio`` (at least 1) divides the units it may be short. Each solve saw fewer errors
than the decision's own, so the ratio might be scaled down to the decision's sample; it is not:
on the demo company the decisions' in-sample optimism, measured by simulation, was the folds'
whole ratio (1.78 and 1.88 against 1.75 and 1.93 at lead times 1 and 2), not two thirds of its
excess (docs/policy.md, session 27). A later fold is further from the earlier errors in time too.

The cycle formula counts each cycle's error over the safety stock as if the cycle began with
none of the shortage before it; a spike inside the lead time is in two cycles' errors but short
once. The ``carried_share`` replayed on the items' own history
(:func:`flexchain.planning.fill_replay.carried_share`) divides the units a cycle may be short too.
"""

from __future__ import annotations

from typing import NamedTuple, cast

import numpy as np
import polars as pl

from flexchain.planning import fill_rate, fill_replay
from flexchain.planning.error_scale import shrunk_rmse
from flexchain.planning.protection_errors import LOST_DAMPING, LOST_DAMPING_PATTERNS

__all__ = [
    "DECIDED",
    "HOLDOUT",
    "ITEM_SHORTAGE_LIMIT",
    "MIN_POOL",
    "PAST_FACTORS",
    "PAST_M",
    "POOL_PRIOR",
    "POOL_PRIORS",
    "RATIO_BOUNDS",
    "STEADY_PATTERNS",
    "FillFactors",
    "fill_factors",
    "past_multipliers",
    "pool_priors",
    "steady_factors",
    "with_factors",
    "without_decided",
]

HOLDOUT = 3
"""Each item's errors are cut into this many consecutive folds to check the safety factor
solved on the others (:func:`fill_factors`)."""
RATIO_BOUNDS = (1.0, 4.0)
"""The held-out ratio's range: it only ever raises stock, by at most four times the units
short."""
MIN_POOL = 60
"""Pooled errors a pattern needs to lend its shape to its items' safety factors."""
POOL_PRIOR = 24.0
"""An item's own errors weigh ``n / (n + POOL_PRIOR)`` against its pattern's pooled ones, unless
its pattern has its own prior in :data:`POOL_PRIORS`."""
POOL_PRIORS = {"smooth": 48.0, "erratic": 48.0}
"""Patterns whose items lean more on the pool's shape: steady demand's standardised errors are
alike from item to item, and 24 of an item's own show its tail less well than its pattern's
thousands do. Not sparse demand: an intermittent item's errors take their shape from its own
rhythm of zeros, and on PBS the 20 intermittent series at 96 held 93 % more than the evaluation's
reference at equal fill (lead 2, lost sales) instead of 26 %. 48, not 96: at 96 for these two
patterns PBS told 95 % delivered 96.0 % at lead 2 with backorders, the edge of the target's
band, for 0.4-0.6 points less stock than at 48 (docs/policy.md)."""
ITEM_SHORTAGE_LIMIT = 3.0
"""With ``fill_scope="group"``, no demand pattern among a group's items is left short more than
this many times the units their service level allows them together (told 95 %, none below about
85 %): the group's factor is solved with a floor under each pattern's items, the factor that
would leave them short that much (the name is older than the floors per pattern, session 27).
Three, not two: at twice, item by item, the floors held the lumpy items' stock where it bought
the least fill (the demo company at equal fill, against the evaluation's reference: +0.5 / -0.5
/ +0.2 / -1.1 % at twice, -1.5 / -2.5 / -1.0 / -2.5 % at three times; docs/policy.md). Per
pattern, not per item: a floor under every item held the stock of items whose errors are large
against their demand (PBS's declining series) where it bought the least fill (PBS -10 / -11 /
-17 / -17 % against the reference item by item, -24 / -21 / -27 / -23 % per pattern)."""


PAST_M = 12
"""A fill-rate decision divides the units a cycle may be short by the mean of its own measured
``lost_share x carried_share x held_out_ratio`` and those of up to this many earlier decisions
(``past_forecasts``' ``multiplier``, one per origin): re-measured on 24 errors at every review,
it moves the factor from one review to the next, and one factor over time spends the stock
better (docs/policy.md, session 28)."""


def past_multipliers(
    frame: pl.DataFrame, past: pl.DataFrame | None
) -> tuple[np.ndarray, np.ndarray] | None:
    """Per row of ``frame``: the sum and the count of its latest :data:`PAST_M` earlier
    multipliers (None when ``past`` carries none)."""
    if past is None or "multiplier" not in past.columns:
        return None
    per = (
        past.filter(pl.col("multiplier").is_not_null())
        .group_by("item", "origin")
        .agg(pl.col("multiplier").first())
        .sort("item", "origin")
        .group_by("item", maintain_order=True)
        .tail(PAST_M)
        .group_by("item")
        .agg(pl.col("multiplier").sum().alias("t"), pl.len().alias("c"))
    )
    joined = frame.select("item").join(per, on="item", how="left", maintain_order="left")
    return joined["t"].fill_null(0.0).to_numpy(), joined["c"].fill_null(0).to_numpy()


PAST_FACTORS = 48
"""A smooth or erratic item's fill-rate factor is held steady with up to this many earlier
decisions' solved factors at its service level (:func:`steady_factors`). Longer than the
multiplier's :data:`PAST_M`: what moves a group's solved factor most on real demand is a slow
drift of its errors against its demand (aus_retail's relative error fell by a third over its
last 30 months, and the factor each review solved for 95 % fell with it), and a moving mean
follows a drift at its own pace whatever its length, unless it spans most of the drift.
Minimising the stock for one fill over many reviews wants one factor over all of them (the
Lagrange condition of :func:`flexchain.planning.fill_rate.group_fill_rate_factor`, across
reviews). The decisions' solved factors replayed on aus_retail with backorders (stock against
the evaluation's reference at equal fill, lead 1 / lead 2; ``bench/policy_eval_factors.py``):
12 of them +3.5 / +2.6 %, 24 +2.8 / +2.3 %, 48 +1.9 / +1.8 %, every one so far +1.8 / +1.7 %,
one factor over every review +1.0 / +1.3 %. The evaluation (lead 1 lost / lead 1 backorders /
lead 2 lost / lead 2 backorders; 12 in brackets): aus_retail -6.2 / +2.2 / -2.7 / +1.5 %
(-5.2 / +3.9 / -1.7 / +2.4), PBS and the demo company within half a point. A planning run's 60
weeks of stored forecasts hold 48 (docs/policy.md, session 32)."""

STEADY_PATTERNS = ("smooth", "erratic")
"""Patterns whose fill-rate factor is also held steady over time (:func:`steady_factors`): the
factor their group solves moves from one review to the next with the 24 errors' shape. Sparse
items' factors jump with a single spike, and their mean spent more stock for no fill (PBS's
intermittent class 91.7 % over the reference at lead 1 with lost sales, 76.6 % without;
session 29)."""

DECIDED = ("multiplier", "solved_factor", "service_level")
"""The columns of ``Decision.forecasts`` a decision adds for the next ones (one value per item
and origin): what it measured (:data:`PAST_M`) and the factor it solved, at its service level
(:func:`steady_factors`, :data:`PAST_FACTORS`). They do not change the fit."""


def without_decided(past: pl.DataFrame | None) -> pl.DataFrame | None:
    """``past`` forecasts without the :data:`DECIDED` columns (what the fit reads of them)."""
    return past.drop(DECIDED, strict=False) if past is not None else None


def steady_factors(frame: pl.DataFrame, past: pl.DataFrame | None, target: str) -> pl.DataFrame:
    """``frame`` with ``solved_factor`` (the ``safety_factor`` solved), ``past_factors`` (how
    many earlier ones were averaged with it) and, for a fill rate, the ``safety_factor`` of a
    :data:`STEADY_PATTERNS` item that ``past`` holds earlier factors of at the same service
    level: the factor whose normal loss ``G(k) = phi(k) - k (1 - Phi(k))`` is the mean of the
    solved one's and the latest :data:`PAST_FACTORS` earlier ones' (each solved for the same
    fill, so their mean loss is the fill they deliver together; a mean of the factors themselves
    gives more, as the fill is concave in ``k``)."""
    frame = frame.with_columns(
        pl.col("safety_factor").alias("solved_factor"), pl.lit(0, pl.Int64).alias("past_factors")
    )
    if target != "fill" or past is None or "solved_factor" not in past.columns:
        return frame
    steady = frame.filter(pl.col("pattern").is_in(STEADY_PATTERNS)).select("item", "service_level")
    per = (
        past.filter(pl.col("solved_factor").is_not_null())
        .group_by("item", "origin")
        .agg(pl.col("solved_factor").first().alias("k"), pl.col("service_level").first())
        .join(steady, on="item", suffix="_now")
        .filter((pl.col("service_level") - pl.col("service_level_now")).abs() < 1e-9)
        .sort("item", "origin")
        .group_by("item", maintain_order=True)
        .tail(PAST_FACTORS)
        .with_columns(pl.col("k").map_batches(lambda k: pl.Series(_normal_loss(k.to_numpy()))))
        .group_by("item")
        .agg(pl.col("k").sum().alias("loss"), pl.len().alias("count"))
    )
    joined = frame.join(per, on="item", how="left", maintain_order="left")
    count = joined["count"].fill_null(0).to_numpy()
    own = joined["safety_factor"].to_numpy()
    mean = (_normal_loss(own) + joined["loss"].fill_null(0.0).to_numpy()) / (1 + count)
    k = np.where(count > 0, _inverse_normal_loss(mean), own)
    return joined.drop("loss", "count").with_columns(
        pl.Series("safety_factor", k, pl.Float64), pl.Series("past_factors", count, pl.Int64)
    )


def _normal_loss(k: np.ndarray) -> np.ndarray:
    from scipy.stats import norm

    k = np.asarray(k, float)
    return np.asarray(norm.pdf(k) - k * norm.sf(k), float)


def _inverse_normal_loss(loss: np.ndarray) -> np.ndarray:
    """``k`` with ``G(k) = loss`` (``G`` decreasing, ``G(k) >= -k``: bisection between
    ``-loss - 1`` and 10)."""
    low = np.minimum(-loss, -10.0) - 1.0
    high = np.full(loss.shape, 10.0)
    for _ in range(80):
        middle = (low + high) / 2
        above = _normal_loss(middle) > loss
        low, high = np.where(above, middle, low), np.where(above, high, middle)
    return (low + high) / 2


def with_factors(
    frame: pl.DataFrame,
    errors: pl.DataFrame,
    target: str,
    scope: str,
    unmet: str,
    *,
    min_errors: int,
    window: pl.DataFrame | None = None,
    past_m: tuple[np.ndarray, np.ndarray] | None = None,
) -> pl.DataFrame:
    """``frame`` with ``safety_factor`` for the target (``"fill"``: :func:`fill_factors`;
    ``"cycle"``: ``Phi^-1(service_level)``) and, for a fill rate, ``lost_share``,
    ``carried_share``, ``held_out_ratio`` and ``allowed_short`` (null for a cycle service
    level)."""
    names = ("lost_share", "carried_share", "held_out_ratio", "allowed_short", "multiplier")
    if target != "fill":
        k = np.array([fill_rate.cycle_factor(level) for level in frame["service_level"]])
        return frame.with_columns(
            pl.Series("safety_factor", k, dtype=pl.Float64),
            *(pl.lit(None, pl.Float64).alias(name) for name in names),
        )
    found = fill_factors(
        frame, errors, scope, unmet, min_errors=min_errors, window=window, past_m=past_m
    )
    values = (
        found.lost_share, found.carried_share, found.held_out_ratio, found.allowed,
        found.multiplier,
    )  # fmt: skip
    return frame.with_columns(
        pl.Series("safety_factor", found.k, dtype=pl.Float64).fill_nan(0.0),
        *(pl.Series(name, v, dtype=pl.Float64) for name, v in zip(names, values, strict=True)),
    )


def fill_factors(
    frame: pl.DataFrame,
    errors: pl.DataFrame,
    scope: str,
    unmet: str,
    *,
    min_errors: int,
    window: pl.DataFrame | None = None,
    past_m: tuple[np.ndarray, np.ndarray] | None = None,
) -> FillFactors:
    """``k`` per item so the fill rate on the errors meets the service level, each item's
    standardised errors shrunk towards its pattern's pooled ones (weight ``n / (n + prior)``,
    :func:`pool_priors`; a
    pattern with fewer than :data:`MIN_POOL` pooled errors borrows every item's, and with none at
    all the normal loss function stands in). ``scope="group"``: one ``k`` shared by the items of
    a service level and review period, so their fill rate together meets it with the least stock
    (:func:`flexchain.planning.fill_rate.group_fill_rate_factor`); ``"item"``: each item's own
    (:func:`flexchain.planning.fill_rate.shrunk_fill_rate_factor`).

    The units a cycle may be short, ``(1 - fill) d R``, are divided by two shares replayed on the
    own history of the group's items of the item's demand pattern (``window``: each item's
    history from its first error's origin; None: no replay; per pattern, because a pattern's
    shortfalls come as runs or as spikes), first at the backorder factor, then again at the
    factor they (and the held-out ratio) lead to, where they are used:

    - ``carried_share``: the backorder shortage over what the cycle formula counts
      (:func:`flexchain.planning.fill_replay.carried_share`; ``R / P`` at least, 1 when the
      formula counts nothing);
    - with lost sales (``unmet="lost"``) ``lost_share``: a unit short early in the protection
      interval is lost, not carried to the cycle's end, so only the share of the backorder
      shortage lost sales would have had counts (:func:`flexchain.planning.fill_replay.
      lost_share`; ``R / P`` at least, and when the replay was short of nothing); the lower the
      factor, the more shortfalls run for periods and the smaller the share; the lost-sales
      replay orders less what the decisions undid of each realised error's first-period
      revision (``errors``' ``revision``; step 4). 1 with backorders.

    Then by the group's held-out ratio (:func:`_held_out_ratio`, the module's docstring): what the
    solve's own errors, held out, say it underestimates."""
    sigma = frame["sigma"].to_numpy()
    per_cycle = (frame["demand_per_period"] * frame["review_period"]).to_numpy()
    short = (1 - frame["service_level"].to_numpy()) * per_cycle
    usable = (sigma > 0) & (per_cycle > 0)
    terms = frame.select("service_level", "review_period").cast(pl.Float64).to_numpy()
    groups = np.unique(terms, axis=0, return_inverse=True)[1].reshape(-1).astype(np.int64)
    measured = frame["errors"].to_numpy() >= min_errors
    factors = _Factors(frame["pattern"].to_numpy(), _standardised(frame, errors), measured)
    scaled = np.where(usable, sigma, 0.0)

    def solve(allowed: np.ndarray) -> np.ndarray:
        return factors.solve(scaled, allowed, groups, scope)

    damping = None
    if unmet == "lost":  # the decisions' undoing of revisions (step 4) is replayed too
        steady = frame["pattern"].is_in(list(LOST_DAMPING_PATTERNS)).to_numpy()
        damping = np.where(steady, LOST_DAMPING, 0.0)
    plan = fill_replay.replay(frame, errors, window, damping) if window is not None else None
    lowest = (frame["review_period"] / frame["protection"]).to_numpy()
    lost = lowest if unmet == "lost" else np.ones(frame.height)
    carried = np.ones(frame.height)

    cells = factors.cells(groups)  # runs and spikes carry apart: a share per pattern

    def replayed(allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        assert plan is not None
        offset, rows = solve(allowed) * scaled, usable & plan.rows
        found = fill_replay.carried_share(plan, offset, cells, rows)
        shares = np.where(np.isnan(found), 1.0, np.maximum(found, lowest))
        if unmet != "lost":
            return np.ones(frame.height), shares
        found = fill_replay.lost_share(plan, offset, cells, rows)
        return np.where(np.isnan(found), lowest, np.maximum(found, lowest)), shares

    if plan is not None:  # first at the backorder factor
        lost, carried = replayed(short)
    ratio = _held_out_ratio(frame, errors, short / lost / carried, groups, scope, measured & usable)
    if plan is not None:  # then at the factor they lead to, where they are used
        lost, carried = replayed(short / lost / carried / ratio)
    used_m = _steady(lost * carried * ratio, past_m)
    allowed = short / used_m
    return FillFactors(np.where(usable, solve(allowed), 0.0), lost, carried, ratio, allowed, used_m)


def _steady(measured: np.ndarray, past: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
    """The mean of each item's ``measured`` multiplier and its earlier ones (``past``: their
    sum and count; :func:`past_multipliers`)."""
    if past is None:
        return measured
    total, count = past
    return np.where(count > 0, (measured + total) / (1 + count), measured)


class FillFactors(NamedTuple):
    """What :func:`fill_factors` found, per item."""

    k: np.ndarray
    """The safety factor."""
    lost_share: np.ndarray
    """With lost sales, the share of the backorder shortage a lost sale has, over the items of the
    item's group and pattern (1 with backorders)."""
    carried_share: np.ndarray
    """The replayed backorder shortage over the cycle formula's, over the items of the item's
    group and pattern (``R / P`` to 1; 1 without a replay)."""
    held_out_ratio: np.ndarray
    """Units short on held-out errors over those predicted, in the item's group (at least 1)."""
    allowed: np.ndarray
    """Units the item may be short per cycle, ``(1 - fill) d R / lost_share / carried_share /
    held_out_ratio``:
    what ``k`` solves for (with the group's other items)."""
    multiplier: np.ndarray
    """What the units a cycle may be short were divided by: this decision's ``lost_share x
    carried_share x held_out_ratio``, averaged with the earlier decisions' (``past_m``)."""


class _Factors:
    """Standardised errors (a row per item) and their patterns' pools, ready to solve ``k``."""

    def __init__(self, patterns: np.ndarray, matrix: np.ndarray, measured: np.ndarray) -> None:
        everyone = _finite(matrix[measured])
        names = list(np.unique(patterns))
        self.pools: list[np.ndarray | None] = []
        for pattern in names:
            pool = _finite(matrix[measured & (patterns == pattern)])
            pool = pool if pool.size >= MIN_POOL else everyone
            self.pools.append(pool if pool.size >= MIN_POOL else None)
        self.pool_of = (
            np.searchsorted(np.array(names), patterns) if names else np.zeros(0, np.int64)
        )
        self.matrix = matrix
        self.prior = pool_priors(patterns)

    def solve(
        self, sigma: np.ndarray, allowed: np.ndarray, groups: np.ndarray, scope: str
    ) -> np.ndarray:
        """``k`` per row so the units short per cycle, ``sigma x`` the shrunk loss, meet
        ``allowed`` (per item, or per group with a floor under each pattern's items)."""
        targets = np.divide(allowed, sigma, out=np.zeros_like(allowed), where=sigma > 0)
        if scope == "item":
            return self._item_factors(targets)
        floor = fill_rate.group_fill_rate_factor(
            self.matrix, self.pools, self.pool_of, sigma, allowed * ITEM_SHORTAGE_LIMIT,
            self.cells(groups), prior=self.prior,
        )  # fmt: skip
        floor = np.where(sigma > 0, floor, -np.inf)
        return fill_rate.group_fill_rate_factor(
            self.matrix, self.pools, self.pool_of, sigma, allowed, groups, prior=self.prior,
            floor=floor,
        )  # fmt: skip

    def cells(self, groups: np.ndarray) -> np.ndarray:
        """A number per row for its (group, demand pattern)."""
        pairs = np.stack([groups, self.pool_of], axis=1)
        return np.unique(pairs, axis=0, return_inverse=True)[1].reshape(-1).astype(np.int64)

    def loss(self, k: np.ndarray) -> np.ndarray:
        return fill_rate.shrunk_loss(self.matrix, self.pools, self.pool_of, k, prior=self.prior)

    def _item_factors(self, targets: np.ndarray) -> np.ndarray:
        """Each item's own ``k`` for ``targets`` (units short per cycle in sigma)."""
        k = np.zeros(self.matrix.shape[0])
        for index, pool in enumerate(self.pools):
            rows_of = self.pool_of == index
            k[rows_of] = fill_rate.shrunk_fill_rate_factor(
                self.matrix[rows_of], pool, targets[rows_of], prior=self.prior[rows_of]
            )
        return k


def pool_priors(patterns: np.ndarray) -> np.ndarray:
    """Per item, how many errors its pattern's pool weighs against its own ``n``
    (:data:`POOL_PRIORS`, else :data:`POOL_PRIOR`)."""
    prior = np.full(len(patterns), POOL_PRIOR)
    for pattern, weight in POOL_PRIORS.items():
        prior[np.asarray(patterns) == pattern] = weight
    return prior


def _held_out_ratio(
    frame: pl.DataFrame,
    errors: pl.DataFrame,
    short: np.ndarray,
    groups: np.ndarray,
    scope: str,
    used: np.ndarray,
) -> np.ndarray:
    """Per row, its group's units short on held-out errors over those predicted (module
    docstring): each item's errors in
    ``HOLDOUT`` consecutive folds, each fold held out in turn, ``k`` solved on the others
    (their RMSE, shrunk, standardising both)."""
    count = int(groups.max()) + 1 if groups.size else 0
    if HOLDOUT < 2:
        return np.ones(groups.shape)
    ordered = errors.sort("item", "origin").with_columns(
        (pl.int_range(pl.len()).over("item") * HOLDOUT // pl.len().over("item")).alias("fold")
    )
    predicted, realised = np.zeros(count), np.zeros(count)
    spread = np.maximum(frame["sigma"].to_numpy() ** 2 - frame["rmse"].to_numpy() ** 2, 0.0)
    for fold in range(HOLDOUT):
        rest = ordered.filter(pl.col("fold") != fold)
        held = ordered.filter(pl.col("fold") == fold)
        stats = rest.group_by("item").agg(
            (pl.col("error") ** 2).mean().sqrt().alias("rmse"),
            pl.len().cast(pl.Int64).alias("errors"),
        )
        before = shrunk_rmse(
            frame.drop("rmse", "errors")
            .join(stats, on="item", how="left")
            .with_columns(pl.col("errors").fill_null(0))
        )
        rmse = before["rmse"].fill_null(0.0).to_numpy()
        sigma = np.sqrt(rmse**2 + spread)
        rows = used & (rmse > 0)
        factors = _Factors(frame["pattern"].to_numpy(), _standardised(before, rest), rows)
        scaled = np.where(rows, sigma, 0.0)
        k = factors.solve(scaled, np.where(rows, short, 0.0), groups, scope)
        out = _standardised(before, held)
        seen = (~np.isnan(out)).sum(axis=1)
        over = np.where(np.isnan(out), 0.0, np.maximum(out - k[:, None], 0.0)).sum(axis=1)
        rows = rows & (seen > 0)
        realised += np.bincount(
            groups, np.where(rows, scaled * over / np.maximum(seen, 1), 0.0), minlength=count
        )
        predicted += np.bincount(
            groups, np.where(rows, scaled * factors.loss(k), 0.0), minlength=count
        )
    ratio = np.divide(realised, predicted, out=np.ones(count), where=predicted > 0)
    return np.clip(ratio, *RATIO_BOUNDS)[groups]


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
