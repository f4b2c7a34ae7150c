"""Newsvendor (single-period base-stock) solutions (Snyder & Shen, 2019, chapter 4).

Notation: ``h`` holding cost per unit left over, ``p`` stockout cost per unit short, ``S`` the
base-stock level, critical ratio ``alpha = p / (h + p)``. The expected cost of ``S`` is
``g(S) = h n_bar(S) + p n(S)`` with ``n`` and ``n_bar`` the loss functions of demand.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import NamedTuple

from flexchain.planning.policy._checks import (
    checked_pmf,
    non_negative,
    non_negative_integer,
    positive,
)
from flexchain.planning.policy.loss import normal_pdf, normal_ppf, poisson_loss, poisson_ppf

__all__ = [
    "NewsvendorResult",
    "newsvendor_discrete",
    "newsvendor_normal",
    "newsvendor_poisson",
]


class NewsvendorResult(NamedTuple):
    """Optimal base-stock level ``S*`` and its expected cost per period ``g(S*)``."""

    base_stock_level: float
    cost: float


def newsvendor_normal(
    holding_cost: float,
    stockout_cost: float,
    demand_mean: float,
    demand_sd: float,
    lead_time: int = 0,
) -> NewsvendorResult:
    """Newsvendor with normally distributed demand, optionally behind a lead time.

    Snyder & Shen (2019), equations (4.30) and (4.37). With a lead time of ``L`` periods the
    base-stock level protects ``L + 1`` periods of demand, ``N(mu (L+1), sigma^2 (L+1))``::

        S* = mu (L+1) + z_alpha sigma sqrt(L+1)      g* = (h + p) phi(z_alpha) sigma sqrt(L+1)

    Parameters
    ----------
    holding_cost, stockout_cost
        ``h`` and ``p`` per unit per period.
    demand_mean, demand_sd
        ``mu`` and ``sigma`` of demand per period.
    lead_time
        ``L`` in periods.

    Examples
    --------
    Example 4.3: h = 0.18, p = 0.70, demand N(50, 8^2).

    >>> result = newsvendor_normal(0.18, 0.70, 50, 8)
    >>> round(result.base_stock_level, 4), round(result.cost, 4)
    (56.604, 1.9976)

    Example 4.4: the same with a lead time of 4 periods.

    >>> result = newsvendor_normal(0.18, 0.70, 50, 8, lead_time=4)
    >>> round(result.base_stock_level, 4), round(result.cost, 4)
    (264.7669, 4.4668)
    """
    h = positive(holding_cost, "holding_cost")
    p = positive(stockout_cost, "stockout_cost")
    mean = non_negative(demand_mean, "demand_mean")
    sd = positive(demand_sd, "demand_sd")
    periods = non_negative_integer(lead_time, "lead_time") + 1
    z = normal_ppf(p / (h + p))
    sigma = sd * math.sqrt(periods)
    return NewsvendorResult(mean * periods + z * sigma, (h + p) * normal_pdf(z) * sigma)


def newsvendor_poisson(
    holding_cost: float, stockout_cost: float, demand_mean: float
) -> NewsvendorResult:
    """Newsvendor with Poisson demand: the smallest ``S`` with ``F(S) >= p / (h + p)``.

    Snyder & Shen (2019), chapter 4, with the Poisson loss functions of Appendix C.

    Examples
    --------
    Example 4.7 without its fixed cost: h = 1, p = 4, Poisson(6) demand.

    >>> result = newsvendor_poisson(1, 4, 6)
    >>> result.base_stock_level, round(result.cost, 4)
    (8, 3.5701)
    """
    h = positive(holding_cost, "holding_cost")
    p = positive(stockout_cost, "stockout_cost")
    mean = positive(demand_mean, "demand_mean")
    level = poisson_ppf(p / (h + p), mean)
    shortage, leftover = poisson_loss(level, mean)
    return NewsvendorResult(level, h * leftover + p * shortage)


def newsvendor_discrete(
    holding_cost: float,
    stockout_cost: float,
    demand_pmf: Mapping[int, float] | Mapping[float, float],
) -> NewsvendorResult:
    """Newsvendor with a discrete demand distribution given as ``{demand: probability}``.

    Snyder & Shen (2019), chapter 4: ``S*`` is the smallest demand value whose cumulative
    probability reaches ``alpha = p / (h + p)``; the cost is evaluated directly,
    ``g(S) = sum_d f(d) [h (S - d)^+ + p (d - S)^+]``.

    Examples
    --------
    Problem 4.7(b): h = 500,000, p = 1,000,000.

    >>> pmf = {1: 0.25, 2: 0.05, 3: 0.1, 4: 0.2, 5: 0.15, 6: 0.10, 7: 0.10, 8: 0.05}
    >>> result = newsvendor_discrete(500_000, 1_000_000, pmf)
    >>> result.base_stock_level, round(result.cost)
    (5, 1225000)
    """
    h = positive(holding_cost, "holding_cost")
    p = positive(stockout_cost, "stockout_cost")
    pmf = checked_pmf(demand_pmf)
    alpha = p / (h + p)
    cumulative = 0.0
    level = max(pmf)
    for demand, probability in pmf.items():
        cumulative += probability
        if cumulative >= alpha - 1e-12:
            level = demand
            break
    cost = math.fsum(
        f * (h * max(level - d, 0.0) + p * max(d - level, 0.0)) for d, f in pmf.items()
    )
    base_stock = int(level) if float(level).is_integer() else level
    return NewsvendorResult(base_stock, cost)
