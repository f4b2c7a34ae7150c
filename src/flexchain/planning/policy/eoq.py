"""Economic order quantity and its classic variants (Snyder & Shen, 2019, chapter 3).

Notation: ``K`` fixed cost per order, ``h`` holding cost per unit per unit time, ``p`` backorder
cost per unit per unit time, ``lambda`` demand rate, ``mu`` production rate. Costs are per unit
time and leave out the purchase cost, which no order quantity can change.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from flexchain.planning.policy._checks import PolicyInputError, non_negative, positive

__all__ = [
    "BackorderEoqResult",
    "EoqResult",
    "eoq",
    "eoq_with_backorders",
    "epq",
]


class EoqResult(NamedTuple):
    """Optimal order quantity ``Q*`` and the cost per unit time ``g*`` it attains."""

    order_quantity: float
    cost: float


class BackorderEoqResult(NamedTuple):
    """Optimal ``Q*``, the fraction ``x*`` of each cycle spent out of stock, and the cost ``g*``."""

    order_quantity: float
    stockout_fraction: float
    cost: float


def eoq(fixed_cost: float, holding_cost: float, demand_rate: float) -> EoqResult:
    """Economic order quantity.

    Snyder & Shen (2019), equations (3.4)-(3.5)::

        Q* = sqrt(2 K lambda / h)        g* = sqrt(2 K lambda h)

    Parameters
    ----------
    fixed_cost
        ``K``, cost per order.
    holding_cost
        ``h``, per unit per unit time.
    demand_rate
        ``lambda``, units per unit time.

    Examples
    --------
    Example 3.1: K = 8, h = 0.3 x 0.75 = 0.225, lambda = 1300.

    >>> result = eoq(8, 0.225, 1300)
    >>> round(result.order_quantity, 2), round(result.cost, 2)
    (304.05, 68.41)
    """
    k = non_negative(fixed_cost, "fixed_cost")
    h = positive(holding_cost, "holding_cost")
    rate = non_negative(demand_rate, "demand_rate")
    quantity = math.sqrt(2 * k * rate / h)
    return EoqResult(quantity, h * quantity)


def eoq_with_backorders(
    fixed_cost: float, holding_cost: float, stockout_cost: float, demand_rate: float
) -> BackorderEoqResult:
    """Economic order quantity with planned backorders.

    Snyder & Shen (2019), equations (3.27)-(3.29)::

        Q* = sqrt(2 K lambda (h + p) / (h p))
        x* = h / (h + p)
        g* = sqrt(2 K lambda h p / (h + p))

    Examples
    --------
    Example 3.8: Example 3.1 with p = 5.

    >>> result = eoq_with_backorders(8, 0.225, 5, 1300)
    >>> [round(value, 4) for value in result]
    [310.8126, 0.0431, 66.9214]
    """
    k = non_negative(fixed_cost, "fixed_cost")
    h = positive(holding_cost, "holding_cost")
    p = positive(stockout_cost, "stockout_cost")
    rate = non_negative(demand_rate, "demand_rate")
    quantity = math.sqrt(2 * k * rate * (h + p) / (h * p))
    return BackorderEoqResult(quantity, h / (h + p), quantity * h * p / (h + p))


def epq(
    fixed_cost: float, holding_cost: float, demand_rate: float, production_rate: float
) -> EoqResult:
    """Economic production quantity: the lot arrives at rate ``mu`` instead of all at once.

    Snyder & Shen (2019), equations (3.31)-(3.32), with ``rho = lambda / mu``::

        Q* = sqrt(2 K lambda / (h (1 - rho)))      g* = sqrt(2 K lambda h (1 - rho))

    Examples
    --------
    Example 3.1 produced at mu = 2000 per year instead of bought.

    >>> result = epq(8, 0.225, 1300, 2000)
    >>> round(result.order_quantity, 2), round(result.cost, 2)
    (513.93, 40.47)
    """
    k = non_negative(fixed_cost, "fixed_cost")
    h = positive(holding_cost, "holding_cost")
    rate = non_negative(demand_rate, "demand_rate")
    production = positive(production_rate, "production_rate")
    if rate >= production:
        raise PolicyInputError(
            "production_rate",
            f"must exceed demand_rate ({demand_rate!r}), got {production_rate!r}",
        )
    effective_h = h * (1 - rate / production)
    quantity = math.sqrt(2 * k * rate / effective_h)
    return EoqResult(quantity, effective_h * quantity)
