"""Presale and demand sensing: a first batch for an item without history, and option-share alerts.

Every function takes and returns Polars frames. A *signals* frame has one row per signal:

========== ================== ===========================================================
column     type               meaning
========== ================== ===========================================================
item       str                the product (SKU) the signal is about
module     str, null          the custom module of ``option`` (null: about the product)
option     str, null          the option's code within ``module``
kind       str                ``views``, ``add_to_cart``, ``preorder`` or ``deposit``
quantity   float              how many (views, carts, units preordered or put down on)
occurred_at datetime (UTC)    when (only :func:`option_shares` reads it)
========== ================== ===========================================================

**A product's count of a kind.** Storefronts report either product totals (rows without an
option), or one row per chosen option, or both. Every event picks one option of each custom
module, so the option rows of any one module add up to the product's events; the count of a kind
is therefore the larger of the product rows' sum and, for each module, its option rows' sum.
Nothing is counted twice whichever way a storefront reports.

**First batch** (:func:`first_batch`). Preorders and deposits are committed demand and count
fully. Add-to-carts and views are leads that convert at the rates of :class:`ConversionRates`;
the rates are *incremental* (a cart that became a preorder is converted once, as the preorder),
so they are lower than a shop's headline conversion rates. With committed demand ``C`` and the
expected conversions ``λ = r_cart · carts + r_view · views``, first-batch demand is

    D = C + N,   N ~ Gamma-Poisson (negative binomial) with mean λ and variance λ + (cv · λ)²

— each lead converts independently (Poisson), at a rate only known up to a coefficient of
variation ``cv`` (Gamma; ``cv = 0`` is plain Poisson). The expectation is ``C + λ``; the range is
the central ``interval`` (80 % by default) of ``D``: ``low`` its 10 % and ``high`` its 90 %
quantile, widened to whole units around the expectation where rounding would leave it outside.
More signals of any kind never lower ``expected``, ``low`` or ``high``.

**Option alerts** (:func:`option_shares`, :func:`option_alerts`). An option's share is its
add-to-carts over the add-to-carts of every option of its module, across all products using the
module, in a *window* (the last ``window_days`` up to ``now``) and in the *baseline* (the
``baseline_days`` before the window). An option raises an alert when, with ``s`` its window share
and ``b`` its baseline share:

    s >= threshold_share   and   s >= jump · b   and   the module had add-to-carts in the baseline

(and at least ``min_count`` add-to-carts of the option in the window). An option unseen in the
baseline (``b = 0``) of a module that was seen qualifies on its share alone; a module without a
baseline (a product just launched) has nothing to compare with and raises nothing.

**Safety multipliers** (:func:`safety_multipliers`). The components behind an alerted option
(the option's module's BOM lines, followed down every level) get the safety-stock multiplier
``min(cap, 1 + s - b)``: their safety stock grows with the share of the module's volume that
moved to the option (5 % -> 15 % gives x1.10; 0 % -> 40 % gives x1.40). A component behind
several alerts takes the largest multiplier.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import numpy as np
import polars as pl

__all__ = [
    "ConversionRates",
    "SignalKind",
    "first_batch",
    "option_alerts",
    "option_shares",
    "safety_multipliers",
]


class SignalKind(StrEnum):
    VIEWS = "views"
    ADD_TO_CART = "add_to_cart"
    PREORDER = "preorder"
    """Units ordered before the product exists: committed demand."""
    DEPOSIT = "deposit"
    """Units a customer put money down on: committed demand."""


COMMITTED = (SignalKind.PREORDER.value, SignalKind.DEPOSIT.value)
_TOLERANCE = 1e-12
"""Shares are ratios of floats: ``reaches`` must not fail on the last bit."""
_POISSON_CV = 1e-4
"""Below this rate uncertainty the negative binomial is the Poisson to many digits."""


@dataclass(frozen=True)
class ConversionRates:
    """How leads turn into first-batch demand (see the module docstring for the model).

    Parameters
    ----------
    add_to_cart
        Share of add-to-carts that become a sale (beyond those already counted as preorders).
    views
        Share of product views that become a sale without a recorded add-to-cart.
    rate_cv
        Coefficient of variation of those rates: how unsure we are of them (0: Poisson only).
    interval
        Probability of the central range reported as ``low`` - ``high``.
    """

    add_to_cart: float = 0.2
    views: float = 0.005
    rate_cv: float = 0.25
    interval: float = 0.8

    def __post_init__(self) -> None:
        for name in ("add_to_cart", "views"):
            rate = getattr(self, name)
            if not 0 <= rate <= 1:
                raise ValueError(f"{name} must be a rate between 0 and 1, got {rate}")
        if not self.rate_cv >= 0:
            raise ValueError(f"rate_cv must not be negative, got {self.rate_cv}")
        if not 0 < self.interval < 1:
            raise ValueError(f"interval must be between 0 and 1 (exclusive), got {self.interval}")


_SIGNAL_COLUMNS = ("item", "module", "option", "kind", "quantity")
FIRST_BATCH_SCHEMA = {
    "item": pl.String,
    "committed": pl.Float64,
    "leads": pl.Float64,
    "expected": pl.Float64,
    "low": pl.Int64,
    "high": pl.Int64,
}


def _require_columns(frame: pl.DataFrame, name: str, columns: tuple[str, ...]) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks the column(s) {', '.join(missing)}; it has {frame.columns}")


def product_counts(signals: pl.DataFrame) -> pl.DataFrame:
    """Per item and kind, the count of events: the larger of the product rows' sum and each
    module's option rows' sum (columns ``item``, ``kind``, ``quantity``)."""
    _require_columns(signals, "signals", _SIGNAL_COLUMNS)
    product = (
        signals.filter(pl.col("option").is_null())
        .group_by("item", "kind")
        .agg(pl.col("quantity").sum())
    )
    per_module = (
        signals.filter(pl.col("option").is_not_null())
        .group_by("item", "kind", "module")
        .agg(pl.col("quantity").sum())
        .drop("module")
    )
    return (
        pl.concat([product, per_module], how="vertical_relaxed")
        .group_by("item", "kind")
        .agg(pl.col("quantity").max())
        .sort("item", "kind")
    )


def _quantiles(mean: float, cv: float, probabilities: tuple[float, float]) -> tuple[int, int]:
    """The smallest ``k`` with ``P(N <= k) >= p`` for each ``p``, ``N`` negative binomial with
    mean ``mean`` and variance ``mean + (cv * mean)**2`` (Poisson when ``cv`` is (nearly) 0).

    The pmf is summed in log space from zero (no underflow for large means):
    Poisson ``log P(n) = -λ + n log λ - log n!``; negative binomial with ``r = 1/cv²`` and
    ``p = r / (r + λ)``: ``log P(0) = r log p`` and ``P(n) / P(n-1) = (n - 1 + r) (1 - p) / n``.
    """
    if mean <= 0:
        return 0, 0
    spread = math.sqrt(mean + (cv * mean) ** 2)
    top = int(mean + 12 * spread + 20)
    n = np.arange(1, top + 1, dtype=np.float64)
    if cv < _POISSON_CV:
        steps = math.log(mean) - np.log(n)
        start = -mean
    else:
        r = 1 / cv**2
        steps = np.log(n - 1 + r) - np.log(n) + math.log(mean) - math.log(r + mean)
        start = r * math.log(r / (r + mean))
    log_pmf = np.concatenate(([start], start + np.cumsum(steps)))
    cdf = np.cumsum(np.exp(log_pmf))
    found = np.searchsorted(cdf, np.asarray(probabilities) - 1e-12, side="left")
    return int(min(found[0], top)), int(min(found[1], top))


def first_batch(
    signals_per_item: pl.DataFrame, conversion: ConversionRates | None = None
) -> pl.DataFrame:
    """First-batch demand of each item from its presale signals, with a range.

    Parameters
    ----------
    signals_per_item
        A signals frame (``item``, ``module``, ``option``, ``kind``, ``quantity``) of the items
        to size, which should be those without demand history.
    conversion
        The conversion model's rates (default :class:`ConversionRates`).

    Returns
    -------
    pl.DataFrame
        One row per item, by SKU: ``committed`` (preorders and deposits), ``leads`` (expected
        conversions of add-to-carts and views, ``λ``), ``expected`` (``committed + leads``),
        ``low`` and ``high`` (whole units, the central ``conversion.interval`` of demand).

    Examples
    --------
    20 preorders, 100 add-to-carts at 20 %, 2000 views at 0.5 %: 20 + 20 + 10 = 50 expected.

    >>> signals = pl.DataFrame({"item": ["TEE"] * 3, "module": [None] * 3,
    ...     "option": [None] * 3, "kind": ["preorder", "add_to_cart", "views"],
    ...     "quantity": [20.0, 100.0, 2000.0]})
    >>> first_batch(signals, ConversionRates(rate_cv=0)).row(0)
    ('TEE', 20.0, 30.0, 50.0, 43, 57)
    """
    rates = conversion or ConversionRates()
    counts = product_counts(signals_per_item)
    if counts.is_empty():
        return pl.DataFrame(schema=FIRST_BATCH_SCHEMA)
    kind = pl.col("kind")
    totals = (
        counts.group_by("item")
        .agg(
            pl.col("quantity").filter(kind.is_in(COMMITTED)).sum().alias("committed"),
            (
                pl.col("quantity").filter(kind == SignalKind.ADD_TO_CART.value).sum()
                * rates.add_to_cart
                + pl.col("quantity").filter(kind == SignalKind.VIEWS.value).sum() * rates.views
            ).alias("leads"),
        )
        .sort("item")
    )
    tail = (1 - rates.interval) / 2
    lows, highs = [], []
    for committed, leads in totals.select("committed", "leads").iter_rows():
        low, high = _quantiles(leads, rates.rate_cv, (tail, 1 - tail))
        expected = committed + leads
        lows.append(math.floor(min(committed + low, expected)))
        highs.append(math.ceil(max(committed + high, expected)))
    return totals.with_columns(
        (pl.col("committed") + pl.col("leads")).alias("expected"),
        pl.Series("low", lows, dtype=pl.Int64),
        pl.Series("high", highs, dtype=pl.Int64),
    ).cast(FIRST_BATCH_SCHEMA)  # type: ignore[arg-type]


SHARES_SCHEMA = {
    "module": pl.String,
    "option": pl.String,
    "window_count": pl.Float64,
    "window_total": pl.Float64,
    "window_share": pl.Float64,
    "baseline_count": pl.Float64,
    "baseline_total": pl.Float64,
    "baseline_share": pl.Float64,
}


def option_shares(
    signals: pl.DataFrame,
    *,
    window_days: int = 14,
    baseline_days: int = 56,
    now: datetime | None = None,
    kind: str = SignalKind.ADD_TO_CART.value,
) -> pl.DataFrame:
    """Each option's share of its module's add-to-carts, in the window and in the baseline.

    The window is ``(now - window_days, now]``, the baseline the ``baseline_days`` before it,
    ``(now - window_days - baseline_days, now - window_days]``; ``now`` defaults to the latest
    signal. Rows without an option, of other kinds (``kind``) or outside both periods are left out.

    Returns
    -------
    pl.DataFrame
        One row per module and option seen in either period, by module and option:
        ``window_count``, ``window_total`` (every option of the module), ``window_share``
        (0 when the total is 0), and the same for the baseline.
    """
    _require_columns(signals, "signals", (*_SIGNAL_COLUMNS, "occurred_at"))
    if window_days <= 0 or baseline_days <= 0:
        raise ValueError(
            f"window_days and baseline_days must be positive, got {window_days}, {baseline_days}"
        )
    chosen = signals.filter(pl.col("option").is_not_null() & (pl.col("kind") == kind))
    if chosen.is_empty():
        return pl.DataFrame(schema=SHARES_SCHEMA)
    end = now if now is not None else chosen["occurred_at"].max()
    assert isinstance(end, datetime)
    split = end - timedelta(days=window_days)
    start = split - timedelta(days=baseline_days)
    at = pl.col("occurred_at")
    quantity = pl.col("quantity").cast(pl.Float64)
    counts = (
        chosen.filter((at > pl.lit(start)) & (at <= pl.lit(end)))
        .group_by("module", "option")
        .agg(
            quantity.filter(at > pl.lit(split)).sum().alias("window_count"),
            quantity.filter(at <= pl.lit(split)).sum().alias("baseline_count"),
        )
    )
    module = pl.col("module")
    return (
        counts.with_columns(
            pl.col("window_count").sum().over(module).alias("window_total"),
            pl.col("baseline_count").sum().over(module).alias("baseline_total"),
        )
        .with_columns(
            _share("window_count", "window_total").alias("window_share"),
            _share("baseline_count", "baseline_total").alias("baseline_share"),
        )
        .select(list(SHARES_SCHEMA))
        .sort("module", "option")
        .cast(SHARES_SCHEMA)  # type: ignore[arg-type]
    )


def _share(count: str, total: str) -> pl.Expr:
    return pl.when(pl.col(total) > 0).then(pl.col(count) / pl.col(total)).otherwise(pl.lit(0.0))


ALERTS_SCHEMA = {**SHARES_SCHEMA, "ratio": pl.Float64}


def option_alerts(
    shares: pl.DataFrame,
    *,
    threshold_share: float = 0.15,
    jump: float = 2.0,
    min_count: float = 0.0,
) -> pl.DataFrame:
    """The options whose share moved sharply: the rows of :func:`option_shares` with

    ``window_share >= threshold_share``, ``window_share >= jump * baseline_share``,
    ``baseline_total > 0`` and ``window_count >= min_count``,

    plus ``ratio`` = ``window_share / baseline_share`` (infinite for an option new in the window).

    Examples
    --------
    >>> shares = pl.DataFrame({"module": ["M-DYE"] * 2, "option": ["INDIGO", "MADDER"],
    ...     "window_count": [85.0, 15.0], "window_total": [100.0] * 2,
    ...     "window_share": [0.85, 0.15], "baseline_count": [190.0, 10.0],
    ...     "baseline_total": [200.0] * 2, "baseline_share": [0.95, 0.05]})
    >>> option_alerts(shares).select("option", pl.col("ratio").round(2)).rows()
    [('MADDER', 3.0)]
    """
    _require_columns(shares, "shares", tuple(SHARES_SCHEMA))
    if not 0 < threshold_share <= 1:
        raise ValueError(f"threshold_share must be in (0, 1], got {threshold_share}")
    if jump < 1:
        raise ValueError(f"jump must be at least 1, got {jump}")
    window, baseline = pl.col("window_share"), pl.col("baseline_share")
    return (
        shares.filter(
            (window >= threshold_share - _TOLERANCE)
            & (window >= jump * baseline - _TOLERANCE)
            & (pl.col("baseline_total") > 0)
            & (pl.col("window_count") >= min_count)
        )
        .with_columns(
            pl.when(baseline > 0).then(window / baseline).otherwise(pl.lit(math.inf)).alias("ratio")
        )
        .select(list(ALERTS_SCHEMA))
        .sort("module", "option")
    )


MULTIPLIERS_SCHEMA = {"material": pl.String, "multiplier": pl.Float64, "reason": pl.String}


def safety_multipliers(
    alerts: pl.DataFrame, bom_frame: pl.DataFrame, *, cap: float = 2.0
) -> pl.DataFrame:
    """Safety-stock multipliers for the components behind alerted options.

    Parameters
    ----------
    alerts
        :func:`option_alerts` rows (``module``, ``option``, ``window_share``, ``baseline_share``).
    bom_frame
        BOM lines, ``parent`` and ``child`` (SKUs); followed from each alert's module down every
        level (a cycle is followed once).
    cap
        The largest multiplier (at least 1).

    Returns
    -------
    pl.DataFrame
        One row per component, by SKU: ``material``, ``multiplier`` =
        ``min(cap, 1 + window_share - baseline_share)`` of its strongest alert, and ``reason``
        naming each alert behind it (``M-DYE/MADDER 5% -> 15%``).
    """
    _require_columns(alerts, "alerts", ("module", "option", "window_share", "baseline_share"))
    _require_columns(bom_frame, "bom_frame", ("parent", "child"))
    if cap < 1:
        raise ValueError(f"cap must be at least 1, got {cap}")
    roots = alerts.select(
        "module",
        (pl.col("module") + "/" + pl.col("option") + " " + _percent("baseline_share")
         + " -> " + _percent("window_share")).alias("reason"),
        pl.min_horizontal(pl.lit(cap), 1 + pl.col("window_share") - pl.col("baseline_share"))
        .clip(lower_bound=1.0)
        .alias("multiplier"),
    )  # fmt: skip
    edges = bom_frame.select(
        pl.col("parent").cast(pl.String), pl.col("child").cast(pl.String)
    ).unique()
    frontier = roots.rename({"module": "node"})
    reached = frontier.clear()
    while not frontier.is_empty():
        step = (
            frontier.join(edges, left_on="node", right_on="parent")
            .select(pl.col("child").alias("node"), "reason", "multiplier")
            .unique()
            .join(reached, on=["node", "reason"], how="anti")
        )
        reached = pl.concat([reached, step])
        frontier = step
    if reached.is_empty():
        return pl.DataFrame(schema=MULTIPLIERS_SCHEMA)
    return (
        reached.sort("reason")
        .group_by("node")
        .agg(
            pl.col("multiplier").max(), pl.col("reason").unique(maintain_order=True).str.join("; ")
        )
        .rename({"node": "material"})
        .select(list(MULTIPLIERS_SCHEMA))
        .sort("material")
    )


def _percent(column: str) -> pl.Expr:
    return (pl.col(column) * 100).round(1).cast(pl.String).str.replace(r"\.0$", "") + "%"
