"""Periodic-review order-up-to simulation of many series at once, and the bisection that finds
the parameter giving a target fill rate (per group of series, all groups at once).

Per period ``t`` of a series' evaluation span, in this order: the order placed ``L`` periods ago
arrives; the buyer orders ``max(0, S_t - inventory position)``, the position being stock on hand
plus orders in transit (minus backorders, when demand waits); the period's demand is served from
stock on hand, the rest lost or backordered. The span starts with ``S`` on hand and nothing in
transit. Fill rate = demand served from stock on hand (when it occurs) / demand; stock = on hand at
the end of a period, averaged over the span.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from scipy.special import ndtr, ndtri

BISECTION_STEPS = 30


class Outcome(NamedTuple):
    """Per series: demand, demand served from stock and average stock on hand over the span."""

    demand: np.ndarray
    served: np.ndarray
    stock: np.ndarray

    def fill(self, mask: np.ndarray | None = None) -> float:
        """Aggregate fill rate (units served / units demanded) of the series in ``mask``."""
        chosen = np.ones(len(self.demand), bool) if mask is None else mask
        total = self.demand[chosen].sum()
        return float(self.served[chosen].sum() / total) if total > 0 else 1.0


def simulate(
    demand: np.ndarray,
    level: np.ndarray,
    first: np.ndarray,
    stop: np.ndarray,
    *,
    lead_time: int,
    lost_sales: bool,
) -> Outcome:
    """Simulate every row of ``demand`` (series x period) against its order-up-to ``level``
    over periods ``first`` to ``stop - 1``; ``lead_time`` >= 1 periods."""
    if lead_time < 1:
        raise ValueError(f"lead_time must be at least 1, got {lead_time}")
    series = demand.shape[0]
    net = np.zeros(series)  # on hand, or minus the backorders
    transit = np.zeros((series, lead_time))  # column 0 arrives next period
    served = np.zeros(series)
    stock = np.zeros(series)
    for t in range(int(first.min()), int(stop.max())):
        starting = first == t
        net[starting] = level[starting, t]
        transit[starting] = 0.0
        active = (first <= t) & (t < stop)
        net += transit[:, 0]
        transit[:, :-1] = transit[:, 1:]
        order = np.maximum(level[:, t] - net - transit[:, :-1].sum(axis=1), 0.0)
        transit[:, -1] = np.where(active, order, 0.0)
        wanted = np.where(active, demand[:, t], 0.0)
        given = np.minimum(wanted, np.maximum(net, 0.0))
        served += given
        net -= given if lost_sales else wanted
        stock += np.where(active, np.maximum(net, 0.0), 0.0)
    columns = np.arange(demand.shape[1])
    span = (columns >= first[:, None]) & (columns < stop[:, None])
    total = np.where(span, demand, 0.0).sum(axis=1)
    return Outcome(total, served, stock / np.maximum(stop - first, 1))


class Calibration(NamedTuple):
    """Per group: the parameter reached, whether the target was met exactly (``status`` 0),
    only exceeded at the lowest parameter (1) or not reachable at the highest (-1), and the
    outcome of every series at its group's parameter."""

    parameter: np.ndarray
    status: np.ndarray
    outcome: Outcome


def calibrate(
    run: Callable[[np.ndarray], Outcome],
    groups: np.ndarray,
    target: float,
    bounds: tuple[float, float],
) -> Calibration:
    """Bisection of one parameter per group so the group's aggregate fill rate is ``target``.

    ``run(parameter per series)`` simulates all series at once (fill grows with the parameter);
    ``groups``: a group number per series (0..G-1). Every group is bisected in the same runs.
    """
    count = int(groups.max()) + 1
    low, high = np.full(count, bounds[0]), np.full(count, bounds[1])
    fills_low = _group_fill(run(low[groups]), groups, count)
    fills_high = _group_fill(run(high[groups]), groups, count)
    status = np.where(fills_low >= target, 1, np.where(fills_high < target, -1, 0))
    for _ in range(BISECTION_STEPS):
        middle = (low + high) / 2
        reached = _group_fill(run(middle[groups]), groups, count) >= target
        high = np.where(reached, middle, high)
        low = np.where(reached, low, middle)
    parameter = np.where(status == 1, bounds[0], np.where(status == -1, bounds[1], high))
    return Calibration(parameter, status, run(parameter[groups]))


def _group_fill(outcome: Outcome, groups: np.ndarray, count: int) -> np.ndarray:
    demand = np.bincount(groups, outcome.demand, minlength=count)
    served = np.bincount(groups, outcome.served, minlength=count)
    return np.divide(served, demand, out=np.ones(count), where=demand > 0)


def z_of(service_level: float | np.ndarray) -> np.ndarray:
    """The standard normal quantile (a service level read as a cycle service level)."""
    return np.asarray(ndtri(service_level))


def service_of(z: float | np.ndarray) -> np.ndarray:
    return np.asarray(ndtr(z))
