"""Sourcing optimisation: who supplies which requirement, when, in which pooled orders.

``solve(problem, *, time_limit, seed)`` starts from the greedy baseline and improves it with
OR-Tools CP-SAT large-neighbourhood search; a HiGHS relaxation in its own process certifies a
lower bound. This package imports no solver at import time: OR-Tools loads when ``solve``
runs, HiGHS only in the bound's own process (the two bundle clashing HiGHS builds).
"""

from flexchain.planning.sourcing.cost import Allocation, Evaluation, Plan, evaluate
from flexchain.planning.sourcing.generator import generate
from flexchain.planning.sourcing.problem import (
    CapacityHold,
    Costs,
    Offer,
    Peg,
    PriceBreak,
    Requirement,
    ShareBands,
    SourcingInfeasible,
    SourcingProblem,
    Supplier,
    sourcing_problem,
)
from flexchain.planning.sourcing.result import PooledOrder, SourcingResult, pooling_savings
from flexchain.planning.sourcing.solve import greedy, solve

__all__ = [
    "Allocation",
    "CapacityHold",
    "Costs",
    "Evaluation",
    "Offer",
    "Peg",
    "Plan",
    "PooledOrder",
    "PriceBreak",
    "Requirement",
    "ShareBands",
    "SourcingInfeasible",
    "SourcingProblem",
    "SourcingResult",
    "Supplier",
    "evaluate",
    "generate",
    "greedy",
    "pooling_savings",
    "solve",
    "sourcing_problem",
]
