"""The stages of a guaranteed-service model, read and checked from plain mappings."""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flexchain.planning.policy._checks import (
    PolicyInputError,
    non_negative,
    non_negative_integer,
)

__all__ = ["Stage", "parse_network"]

_REQUIRED = ("index", "processing_time", "holding_cost", "demand_bound_constant", "predecessors")


@dataclass(frozen=True)
class Stage:
    """One stage with what the dynamic program needs: its links, bounds and cost rate."""

    index: Hashable
    processing_time: int
    predecessors: tuple[Hashable, ...]
    successors: tuple[Hashable, ...]
    inbound_cst: int
    max_si: int  # no supplier can quote more than this
    max_s: int  # the largest CST the stage may commit to
    cost_rate: float  # h k sigma: holding cost per sqrt(period) of net lead time

    def feeds(self, other: Stage) -> bool:
        """Whether this stage supplies ``other``."""
        return self.index in other.predecessors

    def safety_stock_cost(self, net_lead_time: int) -> float:
        """``h k sigma sqrt(tau)``: holding cost of the safety stock for net lead time ``tau``."""
        return self.cost_rate * math.sqrt(net_lead_time)


def parse_network(nodes: Iterable[Mapping[str, Any]]) -> dict[Hashable, Stage]:
    """Stages by index, in the order given, after checking the network is a tree."""
    rows: dict[Hashable, Mapping[str, Any]] = {}
    for position, node in enumerate(nodes):
        for key in _REQUIRED:
            if key not in node:
                raise PolicyInputError(f"nodes[{position}].{key}", "is required")
        if node["index"] in rows:
            raise PolicyInputError(f"nodes[{position}].index", f"repeats {node['index']!r}")
        rows[node["index"]] = node
    if not rows:
        raise PolicyInputError("nodes", "must contain at least one stage")
    successors: dict[Hashable, list[Hashable]] = {index: [] for index in rows}
    for index, node in rows.items():
        suppliers = list(node["predecessors"])
        if len(set(suppliers)) != len(suppliers):
            raise PolicyInputError(f"nodes[{index!r}].predecessors", "lists a stage twice")
        for supplier in suppliers:
            if supplier not in rows or supplier == index:
                raise PolicyInputError(
                    f"nodes[{index!r}].predecessors", f"{supplier!r} is not another stage"
                )
            successors[supplier].append(index)
    order = _upstream_first(rows, successors)
    sigma = _net_demand_sd(rows, successors, order)
    stages: dict[Hashable, Stage] = {}
    for index in order:
        stages[index] = _stage(index, rows[index], tuple(successors[index]), sigma[index], stages)
    return {index: stages[index] for index in rows}


def _stage(
    index: Hashable,
    node: Mapping[str, Any],
    successors: tuple[Hashable, ...],
    sigma: float,
    upstream: Mapping[Hashable, Stage],
) -> Stage:
    def field(key: str) -> str:
        return f"nodes[{index!r}].{key}"

    processing_time = non_negative_integer(node["processing_time"], field("processing_time"))
    holding_cost = non_negative(node["holding_cost"], field("holding_cost"))
    k = non_negative(node["demand_bound_constant"], field("demand_bound_constant"))
    inbound = non_negative_integer(
        node.get("external_inbound_cst", 0), field("external_inbound_cst")
    )
    predecessors = tuple(node["predecessors"])
    max_si = max([inbound] + [upstream[p].max_s for p in predecessors])
    max_s = max_si + processing_time
    promised = node.get("external_outbound_cst", None if successors else 0)
    if promised is not None:
        max_s = min(max_s, non_negative_integer(promised, field("external_outbound_cst")))
    return Stage(
        index,
        processing_time,
        predecessors,
        successors,
        inbound,
        max_si,
        max_s,
        holding_cost * k * sigma,
    )


def _upstream_first(
    rows: Mapping[Hashable, Mapping[str, Any]], successors: Mapping[Hashable, list[Hashable]]
) -> list[Hashable]:
    """A topological order (suppliers first), refusing anything that is not a tree.

    ``n - 1`` links that connect ``n`` stages make a tree, and a tree has no directed cycle.
    """
    edges = sum(len(row["predecessors"]) for row in rows.values())
    if edges != len(rows) - 1:
        raise PolicyInputError(
            "nodes", f"must form a tree: {len(rows)} stages need {len(rows) - 1} links, got {edges}"
        )
    reached = {next(iter(rows))}
    frontier = list(reached)
    while frontier:
        index = frontier.pop()
        for neighbour in (*rows[index]["predecessors"], *successors[index]):
            if neighbour not in reached:
                reached.add(neighbour)
                frontier.append(neighbour)
    if len(reached) != len(rows):
        raise PolicyInputError("nodes", "must form a tree: some stages are not linked to the rest")
    waiting = {index: len(row["predecessors"]) for index, row in rows.items()}
    order = [index for index, count in waiting.items() if count == 0]
    for index in order:  # grows as stages become ready
        for customer in successors[index]:
            waiting[customer] -= 1
            if waiting[customer] == 0:
                order.append(customer)
    return order


def _net_demand_sd(
    rows: Mapping[Hashable, Mapping[str, Any]],
    successors: Mapping[Hashable, list[Hashable]],
    order: list[Hashable],
) -> dict[Hashable, float]:
    """Standard deviation of the demand a stage serves, its own and everything downstream."""
    variance: dict[Hashable, float] = {}
    for index in reversed(order):
        row = rows[index]
        non_negative(row.get("external_demand_mean", 0), f"nodes[{index!r}].external_demand_mean")
        sd = non_negative(row.get("external_demand_sd", 0), f"nodes[{index!r}].external_demand_sd")
        variance[index] = sd**2 + math.fsum(variance[c] for c in successors[index])
    return {index: math.sqrt(v) for index, v in variance.items()}
