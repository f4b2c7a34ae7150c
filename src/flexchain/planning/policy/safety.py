"""Safety stock and reorder point for a target service level, with random lead times.

Lead-time demand is taken as normal with mean ``E[L] mu_d`` and standard deviation

    sigma_L = sqrt(E[L] sigma_d^2 + mu_d^2 Var[L])

(demand per period ``mu_d``, ``sigma_d``; lead time ``L`` in periods, independent of demand;
Snyder & Shen (2019), chapter 4, and Chopra & Meindl, "Supply Chain Management", chapter 11).
The reorder point is the mean lead-time demand plus the safety stock.

- cycle service level ``alpha`` (probability of no stockout in a cycle): ``z = Phi^-1(alpha)``;
- fill rate ``beta`` (fraction of demand met from stock) with order quantity ``Q``: ``z`` solves
  ``sigma_L L(z) = (1 - beta) Q``, the expected shortage per cycle allowed by the target.

The safety stock is ``z sigma_L``; it is negative when a low target or a large ``Q`` asks for
less than the mean lead-time demand.
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import NamedTuple

from flexchain.planning.policy._checks import (
    PolicyInputError,
    non_negative,
    positive,
    probability,
)
from flexchain.planning.policy.loss import inverse_standard_normal_loss, normal_ppf

__all__ = ["SafetyStockResult", "ServiceLevelKind", "safety_stock"]


class ServiceLevelKind(StrEnum):
    """What a service level measures: the chance a cycle has no stockout, or the demand met."""

    CYCLE = "cycle"
    FILL_RATE = "fill_rate"


class SafetyStockResult(NamedTuple):
    """Safety stock and the reorder point (mean lead-time demand + safety stock)."""

    safety_stock: float
    reorder_point: float


def safety_stock(
    service_level: float,
    demand_mean: float,
    demand_sd: float,
    lead_time_mean: float,
    lead_time_sd: float,
    kind: ServiceLevelKind | str = ServiceLevelKind.CYCLE,
    order_quantity: float | None = None,
) -> SafetyStockResult:
    """Safety stock for a cycle service level or a fill rate.

    Parameters
    ----------
    service_level
        ``alpha`` (cycle) or ``beta`` (fill rate), strictly between 0 and 1.
    demand_mean, demand_sd
        Demand per period.
    lead_time_mean, lead_time_sd
        Lead time in periods.
    kind
        :class:`ServiceLevelKind` or its value, ``"cycle"`` or ``"fill_rate"``.
    order_quantity
        ``Q``, required for a fill rate: a larger lot is exposed to stockouts less often.

    Examples
    --------
    Chopra & Meindl (3rd ed.), "impact of supply uncertainty": daily demand 2,500 (sd 500),
    lead time 7 days (sd 7 days), cycle service level 0.90; sigma_L = 17,550 and ss = 22,491.

    >>> ss, rop = safety_stock(0.90, 2500, 500, 7, 7)
    >>> round(ss), round(rop)
    (22491, 39991)

    Their B&M example (weekly demand 2,500, sd 500, lead time 2 weeks, lots of 10,000) held
    to a 97.5% fill rate:

    >>> ss, rop = safety_stock(0.975, 2500, 500, 2, 0, "fill_rate", order_quantity=10_000)
    >>> round(ss), round(rop)
    (67, 5067)
    """
    target = probability(service_level, "service_level")
    mean = non_negative(demand_mean, "demand_mean")
    sd = non_negative(demand_sd, "demand_sd")
    lead_time = non_negative(lead_time_mean, "lead_time_mean")
    lead_time_spread = non_negative(lead_time_sd, "lead_time_sd")
    measure = _kind(kind)
    lot = None if order_quantity is None else positive(order_quantity, "order_quantity")
    sigma = math.sqrt(lead_time * sd**2 + mean**2 * lead_time_spread**2)
    if measure is ServiceLevelKind.CYCLE:
        buffer = normal_ppf(target) * sigma
    elif lot is None:
        raise PolicyInputError("order_quantity", "is required for a fill_rate service level")
    elif sigma == 0:
        buffer = 0.0
    else:
        buffer = inverse_standard_normal_loss((1 - target) * lot / sigma) * sigma
    return SafetyStockResult(buffer, mean * lead_time + buffer)


def _kind(kind: ServiceLevelKind | str) -> ServiceLevelKind:
    try:
        return ServiceLevelKind(kind)
    except ValueError:
        allowed = ", ".join(member.value for member in ServiceLevelKind)
        raise PolicyInputError("kind", f"must be one of {allowed}, got {kind!r}") from None
