"""Safety factors calibrated on realised errors, so a fill-rate target means what it says.

A periodic-review order-up-to policy orders every ``R`` periods up to ``S = F + k sigma``, where
``F`` is the forecast of the protection interval ``P = L + R`` (lead time plus review period),
``sigma`` the RMSE of that forecast's realised errors ``e = actual - forecast`` over ``P``, and
``k`` the safety factor. The units short in one review cycle are about ``(e - k sigma)^+`` (the
demand of the protection interval above what was ordered up to), so the fill rate — the share of
demand served from stock — is

    fill = 1 - E[(e - k sigma)^+] / (d R)

with ``d R`` the demand of one review cycle (Silver, Pyke & Thomas, *Inventory and Production
Management in Supply Chains*, 4th ed., 2017, ch. 6: "expected shortage per replenishment cycle";
the correction term for shortages already present at the start of the cycle is left out, which
errs on the safe side). Instead of assuming the errors are normal (the textbook's
``sigma G(k)``), the expectation is taken over the **errors that actually happened**, standardised
``z = e / sigma``: their skew (intermittent demand overshoots far more than it undershoots) and
their bias (a forecast that runs low) are both in it. :func:`fill_rate_factor` solves

    mean((z - k)^+) = (1 - fill) d R / sigma

for ``k`` exactly (the left side is piecewise linear and decreasing in ``k``). ``k`` may be
negative: when one review cycle's demand is large against the error, some of it may go unserved
at the cycle's end without missing the target.

:func:`cycle_factor` is the textbook alternative, a cycle service level read as the normal
quantile ``k = Phi^-1(level)``.
"""

from __future__ import annotations

from collections.abc import Callable
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

__all__ = [
    "MIN_TAIL",
    "TAIL_SHARE",
    "cycle_factor",
    "expected_shortage",
    "fill_rate_factor",
    "group_fill_rate_factor",
    "pool_loss",
    "shrunk_fill_rate_factor",
    "shrunk_loss",
]

Floats = npt.NDArray[np.float64]

TAIL_SHARE = 0.01
"""A pool's largest errors, as a share, whose excess over the next one is modelled as
exponential beyond the sample (:func:`pool_loss`)."""
MIN_TAIL = 5
"""Errors a pool's modelled tail is measured on at least."""


def cycle_factor(level: float) -> float:
    """The normal quantile of a cycle service level (the chance of no stockout in a cycle)."""
    return NormalDist().inv_cdf(level)


def expected_shortage(errors: Floats, k: float) -> float:
    """``mean((z - k)^+)`` over the standardised errors ``errors`` (NaN ignored)."""
    values = errors[~np.isnan(errors)]
    return float(np.maximum(values - k, 0.0).mean()) if values.size else 0.0


def fill_rate_factor(errors: Floats, targets: Floats) -> Floats:
    """Per row, the ``k`` with ``mean((z - k)^+) = target`` over that row's standardised errors.

    ``errors``: shape (rows, m), each row one series' standardised errors, NaN-padded (a row may
    hold fewer than ``m``; a row of NaN only gives NaN). Or shape (1, m): one pool of errors
    shared by every target. ``targets``: shape (rows,), the allowed shortage per cycle in units of
    sigma, ``(1 - fill) d R / sigma``; a target of 0 or less gives the largest error (nothing
    short in any cycle seen).
    """
    if errors.ndim != 2:
        raise ValueError("errors must be a 2-d array (rows, errors)")
    ordered = -np.sort(-np.where(np.isnan(errors), -np.inf, errors), axis=1)  # descending
    counts = np.isfinite(ordered).sum(axis=1)
    finite = np.where(np.isfinite(ordered), ordered, 0.0)
    above = np.cumsum(finite, axis=1)  # sum of the c largest, c = 1..m
    if errors.shape[0] == 1 and targets.shape[0] != 1:
        return _pooled(ordered[0, : counts[0]], above[0, : counts[0]], targets)
    n = np.maximum(counts, 1)[:, None].astype(np.float64)
    c = np.arange(1, errors.shape[1] + 1, dtype=np.float64)[None, :]
    t = np.maximum(targets, 0.0)[:, None]
    # with exactly c errors above k: n t = sum(top c) - c k, so k = (sum(top c) - n t) / c;
    # valid when the c-th largest error is >= k and the (c+1)-th is below it
    k = (above - n * t) / c
    upper = ordered
    lower = np.concatenate([ordered[:, 1:], np.full((ordered.shape[0], 1), -np.inf)], axis=1)
    lower = np.where(c < counts[:, None], lower, -np.inf)
    valid = (k <= upper) & (k >= lower) & (c <= counts[:, None])
    chosen = np.where(valid.any(axis=1), np.argmax(valid, axis=1), 0)
    result = k[np.arange(k.shape[0]), chosen]
    # a target of zero: nothing short in any cycle seen, k at the largest error
    result = np.where(targets <= 0, ordered[:, 0], result)
    return np.where(counts > 0, result, np.nan)


def _pooled(ordered: Floats, above: Floats, targets: Floats) -> Floats:
    """:func:`fill_rate_factor` of one large pool of errors against many targets: the loss at
    each error (a breakpoint) by cumulative sums, then linear interpolation between them."""
    if ordered.size == 0:
        return np.full(targets.shape, np.nan)
    n = float(ordered.size)
    c = np.arange(1, ordered.size + 1, dtype=np.float64)
    # loss at k = the c-th largest error: (sum of the c-1 larger ones - (c-1) k) / n
    loss = (np.concatenate([[0.0], above[:-1]]) - (c - 1) * ordered) / n
    inside = np.interp(np.maximum(targets, 0.0), loss, ordered)  # loss increases as k falls
    # below the smallest error every error is short: k = (sum - n t) / n
    beyond = (above[-1] - n * targets) / n
    return np.where(targets > loss[-1], beyond, inside)


def shrunk_fill_rate_factor(
    errors: Floats,
    pool: Floats | None,
    targets: Floats,
    *,
    prior: float | Floats,
    tail: bool = False,
) -> Floats:
    """Per row, the ``k`` with ``w L_own(k) + (1 - w) L_pool(k) = target``: the row's own
    standardised errors shrunk towards a pool (its class's), ``w = n / (n + prior)`` with ``n``
    the row's errors. A row with few errors leans on its class; with many, on itself; and the
    pool's tail keeps a high target reachable when the row's own errors are too few to show it.
    ``pool``: a 1-d array of standardised errors, or None for standard normal errors (the
    textbook loss function ``G``). ``tail``: the pool's loss with its modelled tail
    (:func:`pool_loss`); by default the sample's own, so the factor stops at the largest error
    seen (what an item's floor in :func:`group_fill_rate_factor` wants). Solved by bisection,
    vectorised over rows.
    """
    counts = (~np.isnan(errors)).sum(axis=1).astype(np.float64)
    weight = counts / (counts + prior)
    finite = np.where(np.isnan(errors), 0.0, errors)
    pooled = _pool_loss(pool, tail)
    top = float(np.max(np.nanmax(errors, axis=1, initial=-np.inf), initial=0.0))
    if pool is not None and pool.size:
        top = max(top, float(pool.max()))
    ceiling = _ceiling(top, [pool] if tail else [], targets)
    low = np.full(targets.shape, -ceiling - float(np.max(targets, initial=0.0)))
    high = np.full(targets.shape, ceiling)
    for _ in range(60):
        k = (low + high) / 2
        own = np.where(
            counts > 0,
            np.maximum(finite - k[:, None], 0.0).sum(axis=1, where=~np.isnan(errors))
            / np.maximum(counts, 1),
            0.0,
        )
        loss = weight * own + (1 - weight) * pooled(k)
        above = loss > targets  # k too low: more short than allowed
        low = np.where(above, k, low)
        high = np.where(above, high, k)
    return (low + high) / 2


def _pool_loss(pool: Floats | None, tail: bool = True) -> Callable[[Floats], Floats]:
    """``k -> mean((z - k)^+)`` over the pool (exact, by sorted cumulative sums) with an
    exponential tail beyond its largest errors (:func:`pool_loss`), or the standard normal loss
    function without a pool."""
    if pool is None or pool.size == 0:
        from scipy.stats import norm

        return lambda k: norm.pdf(k) - k * norm.sf(k)
    ordered = np.sort(pool)
    suffix = np.concatenate([np.cumsum(ordered[::-1])[::-1], [0.0]])  # sum of z[i:]
    n = float(ordered.size)
    threshold, share, excess = _tail(ordered) if tail else (0.0, 0.0, 0.0)

    def loss(k: Floats) -> Floats:
        index = np.searchsorted(ordered, k, side="right")
        inside = (suffix[index] - (n - index) * k) / n
        if excess <= 0:
            return inside
        beyond = share * excess * np.exp(-(np.maximum(k, threshold) - threshold) / excess)
        return np.where(k > threshold, beyond, inside)

    return loss


def pool_loss(pool: Floats, k: Floats) -> Floats:
    """A pool's loss ``mean((z - k)^+)`` at each ``k``, its tail beyond the sample modelled.

    A sample's own loss is zero from its largest error on: a factor solved on it never goes
    beyond that error, however high the target, though the next error may (the demo company's
    lumpy items reached 94.2 % fill at most, told 1 - 1e-6). Above the pool's
    :data:`TAIL_SHARE` largest errors (at least :data:`MIN_TAIL` of them), the threshold ``u``,
    the excesses are taken as exponential with their mean ``m`` (a peaks-over-threshold tail,
    generalised Pareto of shape 0): ``L(k) = p m exp(-(k - u) / m)`` for ``k > u``, ``p`` the
    share above ``u``. It meets the sample's loss at ``u`` with the same slope, ``-p``; below
    ``u`` the loss is the sample's own."""
    return _pool_loss(np.asarray(pool, float))(np.asarray(k, float))


def _tail(ordered: Floats) -> tuple[float, float, float]:
    """``(u, p, m)`` of a sorted pool's tail (:func:`pool_loss`); ``m = 0``: no tail."""
    count = max(int(np.ceil(TAIL_SHARE * ordered.size)), MIN_TAIL)
    if ordered.size <= count:
        return float(ordered[-1]), 0.0, 0.0
    threshold = float(ordered[-count - 1])
    excess = float((ordered[-count:] - threshold).mean())
    return threshold, count / ordered.size, excess


def _ceiling(top: float, pools: list[Floats | None], targets: Floats) -> float:
    """A ``k`` no target needs to pass: 10 above the largest error, and beyond a pool's
    modelled tail, where its loss falls to the smallest positive target."""
    ceiling = max(top, 0.0) + 10.0
    positive = targets[targets > 0]
    smallest = float(positive.min()) if positive.size else 0.0
    for pool in pools:
        if pool is None or pool.size == 0 or smallest <= 0:
            continue
        threshold, share, excess = _tail(np.sort(pool))
        if excess > 0 and share * excess > smallest:
            ceiling = max(ceiling, threshold + excess * np.log(share * excess / smallest) + 1.0)
    return ceiling


def group_fill_rate_factor(
    errors: Floats,
    pools: list[Floats | None],
    pool_of: npt.NDArray[np.int64],
    sigma: Floats,
    short: Floats,
    groups: npt.NDArray[np.int64],
    *,
    prior: float | Floats,
    floor: Floats | None = None,
    tail: bool = True,
) -> Floats:
    """One ``k`` per group, shared by its rows, so the group's expected units short per cycle
    ``sum(sigma_i L_i(k))`` equal the units it may be short, ``sum(short_i)``: the fill rate of
    the group's demand meets the target with the least safety stock.

    Minimising ``sum(k_i sigma_i)`` subject to ``sum(sigma_i L_i(k_i)) = T`` gives
    ``L_i'(k_i) = -P(z_i > k_i)`` equal across rows (a Lagrange multiplier): the same chance of a
    stockout for every item, which one ``k`` over standardised errors gives (Silver, Pyke &
    Thomas, 2017, ch. 7, service measures for a population of items). A fill rate met item by
    item instead spends stock on the items whose errors are large against their demand.

    ``L_i`` is the loss of row ``i``'s own standardised errors shrunk towards its pool, as in
    :func:`shrunk_fill_rate_factor`: ``errors`` (rows, m) NaN-padded, ``pools[pool_of[i]]`` a 1-d
    array (None: standard normal errors). ``short``: ``(1 - fill) d R`` per row, in units.
    ``groups``: a group number per row (0..G-1). ``floor``: a lowest ``k`` per row: a row's
    ``k`` is ``max(k of its group, floor)`` (so an item the group's fill does not need is not
    starved), and the group's ``k`` is solved with the floors in place; a group its floors
    alone keep below its shortage gets the floors. ``tail`` (the default): the pools' losses
    with their modelled tails (:func:`pool_loss`), so a group asked for less shortage than any
    error seen allows gets a ``k`` beyond them. Rows with ``sigma`` 0 take no part (their
    ``k`` is returned as 0). Bisection, vectorised over groups.
    """
    count = int(groups.max()) + 1 if groups.size else 0
    counts = (~np.isnan(errors)).sum(axis=1).astype(np.float64)
    weight = counts / (counts + prior)
    finite = np.where(np.isnan(errors), 0.0, errors)
    losses = [_pool_loss(pool, tail) for pool in pools]
    present = ~np.isnan(errors)
    used = sigma > 0
    allowed = np.bincount(groups, np.where(used, short, 0.0), minlength=count)
    top = float(np.max(np.where(np.isnan(errors), -np.inf, errors), initial=0.0))
    for pool in pools:
        if pool is not None and pool.size:
            top = max(top, float(pool.max()))
    targets = np.divide(short, sigma, out=np.zeros_like(short), where=used)
    ceiling = _ceiling(top, pools if tail else [], targets)
    lowest = np.full(groups.shape, -np.inf) if floor is None else np.asarray(floor, float)
    start = -ceiling - float(np.max(np.divide(short, sigma, out=np.zeros_like(short), where=used),
                                    initial=0.0))  # fmt: skip
    if floor is not None and np.isfinite(lowest[used]).all() and used.any():
        start = min(float(lowest[used].min()), ceiling) - 1.0
    low, high = np.full(count, start), np.full(count, ceiling)
    for _ in range(60):
        k_group = (low + high) / 2
        k = np.maximum(k_group[groups], lowest)
        loss = _shrunk_loss(finite, present, counts, weight, losses, pool_of, k)
        units = np.where(used, sigma * loss, 0.0)
        above = np.bincount(groups, units, minlength=count) > allowed  # k too low
        low = np.where(above, k_group, low)
        high = np.where(above, high, k_group)
    return np.where(used, np.maximum(((low + high) / 2)[groups], lowest), 0.0)


def shrunk_loss(
    errors: Floats,
    pools: list[Floats | None],
    pool_of: npt.NDArray[np.int64],
    k: Floats,
    *,
    prior: float | Floats,
) -> Floats:
    """Per row, ``w L_own(k) + (1 - w) L_pool(k)`` at its ``k``: the units short per cycle, in
    sigma, that :func:`group_fill_rate_factor` and :func:`shrunk_fill_rate_factor` solve for."""
    counts = (~np.isnan(errors)).sum(axis=1).astype(np.float64)
    finite = np.where(np.isnan(errors), 0.0, errors)
    losses = [_pool_loss(pool) for pool in pools]
    present = ~np.isnan(errors)
    return _shrunk_loss(finite, present, counts, counts / (counts + prior), losses, pool_of, k)


def _shrunk_loss(
    finite: Floats,
    present: npt.NDArray[np.bool_],
    counts: Floats,
    weight: Floats,
    losses: list[Callable[[Floats], Floats]],
    pool_of: npt.NDArray[np.int64],
    k: Floats,
) -> Floats:
    own = np.maximum(finite - k[:, None], 0.0).sum(axis=1, where=present)
    own = np.where(counts > 0, own / np.maximum(counts, 1), 0.0)
    pooled = np.zeros_like(k)
    for index, loss in enumerate(losses):
        rows = pool_of == index
        if rows.any():
            pooled[rows] = loss(k[rows])
    return weight * own + (1 - weight) * pooled
