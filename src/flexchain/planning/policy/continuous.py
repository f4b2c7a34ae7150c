"""Continuous-review ``(r, Q)`` policies (Snyder & Shen, 2019, chapter 5).

When the inventory position falls to ``r`` an order of ``Q`` is placed; it arrives after the lead
time ``L``. Rates are per unit time (per year, say) and ``L`` is in the same unit. ``g(y)`` is
the newsvendor cost ``h E[(y - D)^+] + p E[(D - y)^+]`` of lead-time demand ``D``, and the
long-run cost per unit time is ``g(r, Q) = (K lambda + sum or integral of g over (r, r + Q]) / Q``
(equations (5.7) and (5.48)).
"""

from __future__ import annotations

import math
from typing import NamedTuple

from flexchain.planning.policy._checks import non_negative, positive
from flexchain.planning.policy.eoq import eoq
from flexchain.planning.policy.loss import (
    inverse_standard_normal_loss,
    poisson_loss,
    poisson_ppf,
    standard_normal_second_loss,
)

__all__ = [
    "RqApproximation",
    "RqResult",
    "rq_loss_function_approximation",
    "rq_optimal_poisson",
]

_TOLERANCE = 1e-9
_MAX_ITERATIONS = 10_000


class RqResult(NamedTuple):
    """Reorder point ``r``, order quantity ``Q`` and the expected cost per unit time."""

    reorder_point: int
    order_quantity: int
    cost: float


class RqApproximation(NamedTuple):
    """Reorder point ``r`` and order quantity ``Q`` of an approximation."""

    reorder_point: float
    order_quantity: float


def rq_optimal_poisson(
    holding_cost: float,
    stockout_cost: float,
    fixed_cost: float,
    demand_mean: float,
    lead_time: float,
) -> RqResult:
    """Exact optimal ``(r, Q)`` for Poisson demand (Federgruen & Zheng, 1992).

    With integer levels the cost is ``g(r, Q) = (K lambda + sum_{y=r+1}^{r+Q} g(y)) / Q``
    (Snyder & Shen (2019), equation (5.48)), ``g`` the newsvendor cost of Poisson(``lambda L``)
    lead-time demand. Because ``g`` is convex, the best ``Q`` levels form a window grown one
    level at a time from ``argmin g`` by the cheaper neighbour; the average falls while the next
    level costs less than the current average, so the first level that does not is where to stop.

    A. Federgruen and Y.-S. Zheng, "An efficient algorithm for computing an optimal (r, Q) policy
    in continuous review stochastic inventory systems", Operations Research 40(4), 808-813 (1992).

    Examples
    --------
    Example 5.8: h = 20, p = 150, K = 100, lambda = 1.5 per year, L = 2 years.

    >>> r, Q, cost = rq_optimal_poisson(20, 150, 100, 1.5, 2)
    >>> r, Q, round(cost, 4)
    (3, 5, 107.9236)
    """
    h = positive(holding_cost, "holding_cost")
    p = positive(stockout_cost, "stockout_cost")
    k = positive(fixed_cost, "fixed_cost")
    rate = positive(demand_mean, "demand_mean")
    mean = non_negative(lead_time, "lead_time") * rate

    def g(level: int) -> float:
        shortage, leftover = poisson_loss(level, mean)
        return h * leftover + p * shortage

    low = high = poisson_ppf(p / (h + p), mean)  # the minimiser of g
    total = k * rate + g(low)
    while True:
        quantity = high - low + 1
        below, above = g(low - 1), g(high + 1)
        step = min(below, above)
        if step >= total / quantity:
            return RqResult(low - 1, quantity, total / quantity)
        if below < above:
            low -= 1
        else:
            high += 1
        total += step


def rq_loss_function_approximation(
    holding_cost: float,
    stockout_cost: float,
    fixed_cost: float,
    demand_mean: float,
    demand_sd: float,
    lead_time: float,
) -> RqApproximation:
    """``(r, Q)`` by the loss-function approximation of Hadley & Whitin (1963), normal demand.

    Snyder & Shen (2019), equations (5.28)-(5.29), solved by alternating between them from
    ``Q = EOQ`` until both settle::

        n(r) = h Q / (h + p)
        Q    = sqrt(2 [K lambda + (h + p) n2(r)] / h)

    where ``n`` and ``n2`` are the first- and second-order loss functions of lead-time demand
    ``N(lambda L, tau^2 L)``.

    Parameters
    ----------
    holding_cost, stockout_cost
        ``h`` and ``p`` per unit per unit time.
    fixed_cost
        ``K`` per order.
    demand_mean, demand_sd
        ``lambda`` and ``tau``: mean and standard deviation of demand per unit time.
    lead_time
        ``L`` in the same time unit.

    Examples
    --------
    Example 5.6: h = 0.225, p = 7.5, K = 8, lambda = 1300, tau = 150 per year, L = 1/12 year.

    >>> r, Q = rq_loss_function_approximation(0.225, 7.5, 8, 1300, 150, 1 / 12)
    >>> round(r, 2), round(Q, 2)
    (126.87, 328.45)
    """
    h = positive(holding_cost, "holding_cost")
    p = positive(stockout_cost, "stockout_cost")
    k = positive(fixed_cost, "fixed_cost")
    rate = positive(demand_mean, "demand_mean")
    sd = positive(demand_sd, "demand_sd")
    years = positive(lead_time, "lead_time")
    mu, sigma = rate * years, sd * math.sqrt(years)
    quantity = eoq(k, h, rate).order_quantity
    z = math.inf
    for _ in range(_MAX_ITERATIONS):
        next_z = inverse_standard_normal_loss(h * quantity / ((h + p) * sigma))
        second_loss = sigma**2 * standard_normal_second_loss(next_z)
        next_quantity = math.sqrt(2 * (k * rate + (h + p) * second_loss) / h)
        settled = abs(next_quantity - quantity) <= _TOLERANCE * next_quantity
        if settled and abs(next_z - z) * sigma <= _TOLERANCE * max(1.0, abs(mu)):
            return RqApproximation(mu + next_z * sigma, next_quantity)
        z, quantity = next_z, next_quantity
    raise ArithmeticError("the loss-function approximation did not converge")
