"""Dynamic lot sizing by the Wagner-Whitin algorithm (Snyder & Shen, 2019, Algorithm 3.1).

Periods are numbered ``0, ..., T-1``; stock starts at zero, demand must be met on time, and
holding cost ``h_t`` is charged on the inventory left at the end of period ``t``. Because an
optimal plan orders only when stock runs out, an order in period ``t`` covers exactly the
demands of ``t, ..., u-1`` for some later order period ``u``, and

    theta_t = min_{t < u <= T} [ K_t + c_t sum_{i=t}^{u-1} d_i
                                 + sum_{i=t}^{u-1} d_i sum_{j=t}^{i-1} h_j + theta_u ],

with ``theta_T = 0`` (equation (3.39), here with period-dependent costs). An order of nothing
costs nothing, so periods without demand need no order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

from flexchain.planning.policy._checks import PolicyInputError, non_negative

__all__ = ["LotSizingResult", "wagner_whitin"]


class LotSizingResult(NamedTuple):
    """The quantity to order in each period (0-based) and the total cost of the plan."""

    order_quantities: list[float]
    cost: float


def wagner_whitin(
    fixed_cost: float | Sequence[float],
    holding_cost: float | Sequence[float],
    demand: float | Sequence[float],
    purchase_cost: float | Sequence[float] | None = None,
) -> LotSizingResult:
    """Minimum-cost order plan for known, time-varying demand.

    Parameters
    ----------
    fixed_cost
        ``K_t``, cost of placing an order in period ``t``; one value for all periods or a list.
    holding_cost
        ``h_t``, cost per unit left at the end of period ``t``.
    demand
        ``d_t``, demand in period ``t``. The horizon is the length of whichever arguments are
        lists; they must agree.
    purchase_cost
        ``c_t``, cost per unit ordered in period ``t``; none by default.

    Examples
    --------
    Example 3.9: K = 500, h = 2, demands 90, 120, 80, 70.

    >>> plan = wagner_whitin(500, 2, [90, 120, 80, 70])
    >>> plan.order_quantities, plan.cost
    ([210.0, 0.0, 150.0, 0.0], 1380.0)
    """
    fixed, holding, needs, unit = _per_period(
        fixed_cost=fixed_cost,
        holding_cost=holding_cost,
        demand=demand,
        purchase_cost=0.0 if purchase_cost is None else purchase_cost,
    )
    horizon = len(needs)
    theta = [0.0] * (horizon + 1)
    next_order = [horizon] * horizon
    for t in range(horizon - 1, -1, -1):
        best = math.inf
        quantity = 0.0
        held = 0.0  # holding cost of carrying the demands of t..u-1 from period t
        carried = 0.0  # per-unit holding cost from the end of t to the end of i-1
        for u in range(t + 1, horizon + 1):
            i = u - 1
            if i > t:
                carried += holding[i - 1]
            held += needs[i] * carried
            quantity += needs[i]
            ordering = fixed[t] + unit[t] * quantity if quantity > 0 else 0.0
            cost = ordering + held + theta[u]
            if cost < best:
                best, next_order[t] = cost, u
        theta[t] = best
    quantities = [0.0] * horizon
    t = 0
    while t < horizon:
        quantities[t] = sum(needs[t : next_order[t]])
        t = next_order[t]
    return LotSizingResult(quantities, theta[0] if horizon else 0.0)


def _per_period(**values: float | Sequence[float]) -> list[list[float]]:
    """Each argument as one value per period, checking lengths agree and nothing is negative."""
    lengths = {name: len(v) for name, v in values.items() if not isinstance(v, int | float)}
    if not lengths:
        raise PolicyInputError("demand", "must list the demand of each period")
    horizon = lengths.get("demand", max(lengths.values()))
    for name, length in lengths.items():
        if length != horizon:
            raise PolicyInputError(name, f"must have {horizon} periods, got {length}")
    columns = []
    for name, value in values.items():
        series = [value] * horizon if isinstance(value, int | float) else list(value)
        columns.append([non_negative(v, f"{name}[{t}]") for t, v in enumerate(series)])
    return columns
