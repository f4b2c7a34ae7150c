"""Optimal periodic-review ``(s, S)`` policies by the Zheng-Federgruen algorithm.

Snyder & Shen (2019), chapter 4, Algorithm 4.2; Y.-S. Zheng and A. Federgruen, "Finding
optimal (s, S) policies is about as simple as evaluating a single policy", Operations Research
39(4), 654-665 (1991).

Each period starts by reviewing the inventory position ``x``; if ``x <= s`` an order raises it to
``S`` at fixed cost ``K``; the lead time is zero. Demand is a non-negative integer, i.i.d. per
period; ``G(y) = h E[(y - D)^+] + p E[(D - y)^+]`` is the cost of a period that starts at level
``y``. The long-run cost per period is

    c(s, S) = (K + sum_{d=0}^{S-s-1} m(d) G(S - d)) / M(S - s)

where ``m(d)`` is the expected number of periods spent at level ``S - d`` in a cycle,
``m(0) = 1 / (1 - f(0))`` and ``m(j) = m(0) sum_{l=1}^{j} f(l) m(j - l)``, and
``M(j) = sum_{d<j} m(d)`` is the expected cycle length.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping
from functools import cache
from typing import NamedTuple

from flexchain.planning.policy._checks import (
    PolicyInputError,
    checked_pmf,
    non_negative_integer,
    positive,
)
from flexchain.planning.policy.loss import poisson_loss, poisson_pmf, poisson_ppf

__all__ = ["SsResult", "ss_optimal", "ss_optimal_poisson"]


class SsResult(NamedTuple):
    """Reorder point ``s``, order-up-to level ``S`` and the expected cost per period."""

    s: int
    S: int
    cost: float


def ss_optimal(
    holding_cost: float,
    stockout_cost: float,
    fixed_cost: float,
    demand_pmf: Mapping[int, float],
) -> SsResult:
    """Optimal ``(s, S)`` for demand given as ``{units: probability}`` on whole units.

    Examples
    --------
    Example 4.7 with Poisson(6) demand written out as a table (truncated at 40 units):

    >>> import math
    >>> pmf = {d: math.exp(-6) * 6**d / math.factorial(d) for d in range(41)}
    >>> s, S, cost = ss_optimal(1, 4, 5, pmf)
    >>> s, S, round(cost, 4)
    (4, 10, 8.0341)
    """
    h = positive(holding_cost, "holding_cost")
    p = positive(stockout_cost, "stockout_cost")
    k = positive(fixed_cost, "fixed_cost")
    pmf = {
        non_negative_integer(demand, "demand_pmf"): chance
        for demand, chance in checked_pmf(demand_pmf).items()
    }

    def period_cost(level: int) -> float:
        return math.fsum(
            f * (h * max(level - d, 0) + p * max(d - level, 0)) for d, f in pmf.items()
        )

    cumulative = zip(pmf, itertools.accumulate(pmf.values()), strict=True)
    y_star = next((d for d, c in cumulative if c >= p / (h + p) - 1e-12), max(pmf))
    return _zheng_federgruen(k, y_star, period_cost, lambda d: pmf.get(d, 0.0))


def ss_optimal_poisson(
    holding_cost: float, stockout_cost: float, fixed_cost: float, demand_mean: float
) -> SsResult:
    """Optimal ``(s, S)`` for Poisson demand with mean ``demand_mean`` per period.

    Examples
    --------
    Example 4.7: h = 1, p = 4, K = 5, Poisson(6) demand.

    >>> s, S, cost = ss_optimal_poisson(1, 4, 5, 6)
    >>> s, S, round(cost, 4)
    (4, 10, 8.0341)
    """
    h = positive(holding_cost, "holding_cost")
    p = positive(stockout_cost, "stockout_cost")
    k = positive(fixed_cost, "fixed_cost")
    mean = positive(demand_mean, "demand_mean")

    def period_cost(level: int) -> float:
        shortage, leftover = poisson_loss(level, mean)
        return h * leftover + p * shortage

    y_star = poisson_ppf(p / (h + p), mean)
    return _zheng_federgruen(k, y_star, period_cost, lambda d: poisson_pmf(d, mean))


def _zheng_federgruen(
    fixed_cost: float,
    y_star: int,
    period_cost: Callable[[int], float],
    pmf: Callable[[int], float],
) -> SsResult:
    """Zheng & Federgruen's search from ``y*``, the smallest minimiser of the convex ``G``."""
    if pmf(0) >= 1.0:
        raise PolicyInputError("demand_pmf", "demand must be positive with some probability")
    g = cache(period_cost)
    m: list[float] = []
    cycle_length = [0.0]  # M(j) for j = 0, 1, ...

    def cost(s: int, order_up_to: int) -> float:
        span = order_up_to - s
        while len(m) < span:
            j = len(m)
            m.append(
                1.0 / (1.0 - pmf(0))
                if j == 0
                else m[0] * math.fsum(pmf(lag) * m[j - lag] for lag in range(1, j + 1))
            )
            cycle_length.append(cycle_length[-1] + m[-1])
        held = math.fsum(m[d] * g(order_up_to - d) for d in range(span))
        return (fixed_cost + held) / cycle_length[span]

    # Step 0: the best s for S = y*.
    s = y_star - 1
    while cost(s, y_star) > g(s):
        s -= 1
    best_up_to, best_cost = y_star, cost(s, y_star)
    # Step 1: only order-up-to levels with G(S) <= c* can improve, as Zheng & Federgruen prove.
    candidate = y_star + 1
    while g(candidate) <= best_cost:
        if cost(s, candidate) < best_cost:
            best_up_to = candidate
            while cost(s, best_up_to) <= g(s + 1):
                s += 1
            best_cost = cost(s, best_up_to)
        candidate += 1
    return SsResult(s, best_up_to, best_cost)
