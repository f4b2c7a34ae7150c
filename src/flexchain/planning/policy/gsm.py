"""Guaranteed-service safety-stock placement on a tree (Snyder & Shen, 2019, chapter 6).

Each stage ``j`` has processing time ``T_j``, holding cost ``h_j``, and commits to its customers a
service time ``S_j`` (the committed service time, CST); it waits ``SI_j`` for its inputs, the
largest CST of its predecessors (or ``external_inbound_cst`` for raw materials). It must cover
demand over its net lead time ``tau_j = SI_j + T_j - S_j >= 0`` and holds the safety stock

    B_j(tau) - mu_j tau = k_j sigma_j sqrt(tau),

``B_j(tau) = mu_j tau + k_j sigma_j sqrt(tau)`` being its demand bound; ``mu_j`` and ``sigma_j``
aggregate the external demand of the stage and of everything downstream (independent demands,
so variances add). The mean part is pipeline stock that no CST changes, so it is left out of the
cost. Stages facing customers (``external_outbound_cst``, 0 by default for stages without
successors) promise ``S_j`` no later than that.

The minimum of ``sum_j h_j k_j sigma_j sqrt(SI_j + T_j - S_j)`` over integer CSTs is found by the
dynamic program of Graves & Willems (2000) over the tree: each subtree is solved as a function of
the one CST (its root's ``S`` towards a customer, or its ``SI`` from a supplier) that links it to
the rest. S. C. Graves and S. P. Willems, "Optimizing strategic safety stock placement in supply
chains", Manufacturing & Service Operations Management 2(1), 68-83 (2000).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from typing import Any, NamedTuple

from flexchain.planning.policy._gsm_network import Stage, parse_network

__all__ = ["GsmResult", "gsm_tree"]

_INFEASIBLE = (math.inf, -1)


class GsmResult(NamedTuple):
    """Total safety-stock holding cost and the optimal CST of each stage, by index."""

    cost: float
    committed_service_times: dict[Hashable, int]


def gsm_tree(nodes: Iterable[Mapping[str, Any]]) -> GsmResult:
    """Optimal committed service times for a tree-shaped supply chain.

    Parameters
    ----------
    nodes
        One mapping per stage with ``index``, ``processing_time`` (whole periods),
        ``holding_cost``, ``demand_bound_constant`` (``k``) and ``predecessors`` (indices of the
        stages that supply it), and where they apply ``external_inbound_cst``,
        ``external_outbound_cst``, ``external_demand_mean`` and ``external_demand_sd``.

    Examples
    --------
    Example 6.5: stage 1 feeds stage 3, which serves stages 2 and 4.

    >>> result = gsm_tree([
    ...     {"index": 1, "processing_time": 2, "holding_cost": 1, "demand_bound_constant": 1,
    ...      "predecessors": [], "external_inbound_cst": 1},
    ...     {"index": 3, "processing_time": 1, "holding_cost": 2, "demand_bound_constant": 1,
    ...      "predecessors": [1]},
    ...     {"index": 2, "processing_time": 1, "holding_cost": 3, "demand_bound_constant": 1,
    ...      "predecessors": [3], "external_outbound_cst": 0, "external_demand_sd": 1},
    ...     {"index": 4, "processing_time": 1, "holding_cost": 3, "demand_bound_constant": 1,
    ...      "predecessors": [3], "external_outbound_cst": 1, "external_demand_sd": 1},
    ... ])
    >>> round(result.cost, 4), result.committed_service_times
    (8.2779, {1: 0, 3: 0, 2: 0, 4: 1})
    """
    network = parse_network(nodes)
    root = next(iter(network))
    order, children = _hang_from(network, root)
    tables: dict[Hashable, _Tables] = {}
    for index in reversed(order):  # children before parents
        below = [(network[c], tables[c]) for c in children[index]]
        tables[index] = _solve_subtree(network[index], below)
    best_cost, (si, s) = tables[root].best
    chosen: dict[Hashable, tuple[int, int]] = {root: (si, s)}
    for index in order:  # parents before children: read each child's choice off its tables
        si, s = chosen[index]
        for child in children[index]:
            table = tables[child]
            if network[child].feeds(network[index]):
                child_s = table.below[min(si, len(table.below) - 1)][1]
                chosen[child] = (table.by_s[child_s][1], child_s)
            else:
                child_si = table.above[s][1]
                chosen[child] = (child_si, table.by_si[child_si][1])
    return GsmResult(best_cost, {index: chosen[index][1] for index in network})


class _Tables(NamedTuple):
    """A subtree's optimum as a function of its linking CST; each entry is ``(cost, argmin)``."""

    by_s: list[tuple[float, int]]  # fixed S: cost and best SI
    by_si: list[tuple[float, int]]  # fixed SI: cost and best S
    below: list[tuple[float, int]]  # S <= x: cost and best S (a supplier subtree)
    above: list[tuple[float, int]]  # SI >= y: cost and best SI (a customer subtree)
    best: tuple[float, tuple[int, int]]  # free SI and S: cost and (SI, S)


def _solve_subtree(stage: Stage, children: list[tuple[Stage, _Tables]]) -> _Tables:
    si_values = range(stage.inbound_cst, stage.max_si + 1)
    s_values = range(stage.max_s + 1)
    # Supplier subtrees need their S <= our SI; customer subtrees need their SI >= our S.
    upstream = [
        math.fsum(t.below[min(si, len(t.below) - 1)][0] for c, t in children if c.feeds(stage))
        for si in range(stage.max_si + 1)
    ]
    downstream = [math.fsum(t.above[s][0] for c, t in children if stage.feeds(c)) for s in s_values]

    def total(si: int, s: int) -> float:
        return (
            stage.safety_stock_cost(si + stage.processing_time - s) + upstream[si] + downstream[s]
        )

    by_s = [
        min(
            ((total(si, s), si) for si in si_values if s <= si + stage.processing_time),
            default=_INFEASIBLE,
        )
        for s in s_values
    ]
    by_si = [_INFEASIBLE] * len(range(stage.max_si + 1))
    for si in si_values:
        by_si[si] = min((total(si, s), s) for s in s_values if s <= si + stage.processing_time)
    below = list(_running_min([(cost, s) for s, (cost, _) in enumerate(by_s)]))
    descending = [(by_si[si][0], si) for si in reversed(range(len(by_si)))]
    above = list(reversed(list(_running_min(descending))))
    best = min((cost, (si, s)) for s, (cost, si) in enumerate(by_s))
    return _Tables(by_s, by_si, below, above, best)


def _running_min(entries: list[tuple[float, int]]) -> Iterable[tuple[float, int]]:
    best = _INFEASIBLE
    for entry in entries:
        if entry[0] < best[0]:
            best = entry
        yield best


def _hang_from(
    network: Mapping[Hashable, Stage], root: Hashable
) -> tuple[list[Hashable], dict[Hashable, list[Hashable]]]:
    """The tree hung from ``root``: stages with parents before children, and each one's children."""
    children: dict[Hashable, list[Hashable]] = {index: [] for index in network}
    order = [root]
    seen = {root}
    for index in order:  # the list grows as we walk it: a breadth-first search
        stage = network[index]
        for neighbour in (*stage.predecessors, *stage.successors):
            if neighbour not in seen:
                seen.add(neighbour)
                children[index].append(neighbour)
                order.append(neighbour)
    return order, children
