"""EOQ under quantity discounts (Snyder & Shen, 2019, chapter 3).

The supplier's price schedule has regions ``j = 0, ..., n``: region ``j`` starts at breakpoint
``b_j`` (``b_0 = 0``) and has unit cost ``c_j``. Holding cost is a rate ``i`` on the value held,
so ``h_j = i c_j``. Costs here are per unit time and include the purchase cost ``c lambda``.

- all-units: every unit of an order of ``Q`` in region ``j`` costs ``c_j``;
- incremental: only the units above ``b_j`` cost ``c_j``; the first ``b_j`` units are paid at the
  earlier regions' prices, which acts like an extra fixed cost ``c_bar_j`` per order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

from flexchain.planning.policy._checks import PolicyInputError, non_negative, positive

__all__ = [
    "DiscountEoqResult",
    "eoq_all_units_discount",
    "eoq_incremental_discount",
]


class DiscountEoqResult(NamedTuple):
    """Optimal ``Q*``, the 0-based price region it falls in, and its cost per unit time."""

    order_quantity: float
    region: int
    cost: float


def _price_schedule(
    breakpoints: Sequence[float], unit_costs: Sequence[float]
) -> tuple[list[float], list[float]]:
    if len(breakpoints) == 0:
        raise PolicyInputError("breakpoints", "must list at least one region, starting at 0")
    if len(breakpoints) != len(unit_costs):
        raise PolicyInputError(
            "unit_costs",
            f"must have one cost per breakpoint ({len(breakpoints)}), got {len(unit_costs)}",
        )
    starts = [non_negative(b, f"breakpoints[{j}]") for j, b in enumerate(breakpoints)]
    costs = [positive(c, f"unit_costs[{j}]") for j, c in enumerate(unit_costs)]
    for j in range(1, len(costs)):
        if costs[j] > costs[j - 1]:
            raise PolicyInputError("unit_costs", f"must not increase, got {list(unit_costs)!r}")
    if starts[0] != 0:
        raise PolicyInputError("breakpoints", f"must start at 0, got {breakpoints[0]!r}")
    for j in range(1, len(starts)):
        if starts[j] <= starts[j - 1]:
            raise PolicyInputError("breakpoints", f"must increase, got {list(breakpoints)!r}")
    return starts, costs


def eoq_all_units_discount(
    fixed_cost: float,
    holding_cost_rate: float,
    demand_rate: float,
    breakpoints: Sequence[float],
    unit_costs: Sequence[float],
) -> DiscountEoqResult:
    """EOQ when an order's quantity sets the unit cost of all its units.

    Snyder & Shen (2019), chapter 3 (quantity discounts). In region ``j`` the cost is
    ``g_j(Q) = c_j lambda + K lambda / Q + i c_j Q / 2``. Its unconstrained minimiser
    ``Q_j = sqrt(2 K lambda / (i c_j))`` is raised to ``b_j`` if it falls below the region; a
    region whose ``Q_j`` lies beyond it is dominated by the cheaper region above. The best
    candidate wins.

    Parameters
    ----------
    fixed_cost
        ``K``, cost per order.
    holding_cost_rate
        ``i``, holding cost per unit time as a fraction of unit cost.
    demand_rate
        ``lambda``, units per unit time.
    breakpoints
        ``b_0 = 0 < b_1 < ...``: the smallest quantity of each price region.
    unit_costs
        ``c_0, c_1, ...``: the unit cost in each region.

    Examples
    --------
    The candy of Example 3.1 priced as in Example 3.7 (0.75 per unit, 0.72 from 400 units, 0.68
    from 800), with the discounts applied to all units:

    >>> result = eoq_all_units_discount(8, 0.3, 1300, [0, 400, 800], [0.75, 0.72, 0.68])
    >>> result.order_quantity, result.region, round(result.cost, 2)
    (800.0, 2, 978.6)
    """
    k = positive(fixed_cost, "fixed_cost")
    i = positive(holding_cost_rate, "holding_cost_rate")
    rate = positive(demand_rate, "demand_rate")
    starts, costs = _price_schedule(breakpoints, unit_costs)
    best: DiscountEoqResult | None = None
    for j, c in enumerate(costs):
        end = starts[j + 1] if j + 1 < len(starts) else math.inf
        quantity = max(math.sqrt(2 * k * rate / (i * c)), starts[j])
        if quantity >= end:
            continue
        cost = c * rate + k * rate / quantity + i * c * quantity / 2
        if best is None or cost < best.cost:
            best = DiscountEoqResult(quantity, j, cost)
    assert best is not None  # the last region is unbounded, so it always yields a candidate
    return best


def eoq_incremental_discount(
    fixed_cost: float,
    holding_cost_rate: float,
    demand_rate: float,
    breakpoints: Sequence[float],
    unit_costs: Sequence[float],
) -> DiscountEoqResult:
    """EOQ when each unit is priced by the region it falls in (incremental discounts).

    Snyder & Shen (2019), chapter 3 (quantity discounts). An order of ``Q`` in region ``j`` costs
    ``c_bar_j + c_j Q`` with ``c_bar_j = sum_{l<j} c_l (b_{l+1} - b_l) - c_j b_j``, so

        g_j(Q) = c_j lambda + (K + c_bar_j) lambda / Q + i (c_bar_j + c_j Q) / 2,
        Q_j    = sqrt(2 (K + c_bar_j) lambda / (i c_j)).

    Only regions whose ``Q_j`` lies inside the region can be optimal; the cheapest of them wins.
    Arguments are those of :func:`eoq_all_units_discount`.

    Examples
    --------
    Example 3.7: the candy of Example 3.1 at 0.75 per unit, 0.72 from 400 units and 0.68 from
    800, discounts applied incrementally:

    >>> result = eoq_incremental_discount(8, 0.3, 1300, [0, 400, 800], [0.75, 0.72, 0.68])
    >>> round(result.order_quantity, 2), result.region, round(result.cost, 2)
    (304.05, 0, 1043.41)
    """
    k = positive(fixed_cost, "fixed_cost")
    i = positive(holding_cost_rate, "holding_cost_rate")
    rate = positive(demand_rate, "demand_rate")
    starts, costs = _price_schedule(breakpoints, unit_costs)
    best: DiscountEoqResult | None = None
    paid_below = 0.0  # purchase cost of the first b_j units
    for j, c in enumerate(costs):
        if j > 0:
            paid_below += costs[j - 1] * (starts[j] - starts[j - 1])
        end = starts[j + 1] if j + 1 < len(starts) else math.inf
        c_bar = paid_below - c * starts[j]
        quantity = math.sqrt(2 * (k + c_bar) * rate / (i * c))
        if not starts[j] <= quantity < end:
            continue
        cost = c * rate + (k + c_bar) * rate / quantity + i * (c_bar + c * quantity) / 2
        if best is None or cost < best.cost:
            best = DiscountEoqResult(quantity, j, cost)
    if best is None:  # cannot happen for a convex purchase cost; guard a malformed schedule
        raise PolicyInputError("unit_costs", "no price region has its optimum inside it")
    return best
