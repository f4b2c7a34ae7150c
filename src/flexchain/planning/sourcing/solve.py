"""``solve``: greedy baseline, CP-SAT large-neighbourhood search, HiGHS bound alongside."""

from __future__ import annotations

import time
from decimal import Decimal

from flexchain.planning.sourcing import bound
from flexchain.planning.sourcing.cost import Plan, evaluate
from flexchain.planning.sourcing.greedy import greedy_plan
from flexchain.planning.sourcing.problem import SourcingProblem
from flexchain.planning.sourcing.result import SourcingResult
from flexchain.planning.sourcing.splice import Splicer

__all__ = ["greedy", "solve"]

BOUND_MIN_TIME = 2.0
"""Below this time limit no bound is computed (HiGHS' process needs a second to start)."""
SPLICE_MIN_TIME = 30.0
"""From this time limit on, HiGHS re-plans families once the bound's LPs are done."""


def greedy(problem: SourcingProblem) -> SourcingResult:
    """The greedy baseline alone, as a result."""
    began = time.monotonic()
    plan = greedy_plan(problem)
    ev = evaluate(problem, plan)
    return SourcingResult(problem, plan, ev, ev, None, time.monotonic() - began, 0)


def solve(
    problem: SourcingProblem,
    *,
    time_limit: float,
    seed: int = 0,
    iterations: int | None = None,
    with_bound: bool = True,
    splice: bool = True,
) -> SourcingResult:
    """The cheapest plan found within ``time_limit`` seconds, never worse than greedy.

    The bound's process runs beside the search on its own core; ``iterations`` caps the
    neighbourhoods tried (same seed and iterations: same plan, whatever the machine's speed).
    With the bound and a limit of ``SPLICE_MIN_TIME`` or more, the bound's process stops after
    its LPs and HiGHS re-plans families in its place (``splice=False``: the bound's process
    runs family MIPs to the end instead).
    """
    from flexchain.planning.sourcing.lns import improve  # loads OR-Tools only when solving

    began = time.monotonic()
    deadline = began + time_limit
    proc = splicer = None
    if with_bound and time_limit >= BOUND_MIN_TIME:
        # at longer limits the bound's process stops after its LPs and hands its core to the
        # family planner (its family MIPs raised the bound by hardly 0.05 %)
        planning = splice and time_limit >= SPLICE_MIN_TIME
        proc = bound.start(problem, time_limit - 0.5, mips=not planning)
        if planning:
            splicer = Splicer(problem, proc.done, lambda: proc.family_bounds)
    try:
        base = greedy_plan(problem)
        base_ev = evaluate(problem, base)
        search = improve(
            problem,
            base,
            deadline=deadline,
            seed=seed,
            iterations=iterations,
            primaries=None if proc is None else proc.primaries,
            splicer=splicer,
        )
    except BaseException:
        if proc is not None:  # no bound process outlives a failed search
            proc.kill()
        raise
    finally:
        if splicer is not None:
            splicer.close()
    plan: Plan = search.plan
    ev = search.evaluation
    proven = search.proven
    if not base_ev.violations and (ev.violations or ev.total > base_ev.total):
        plan, ev, proven = base, base_ev, False
    lower = None
    if proc is not None:
        found = bound.read(proc, deadline - time.monotonic())
        lower = None if found is None else Decimal(str(found))
    if proven:  # CP-SAT's proof certifies the plan itself: its cost is the bound, gap 0
        lower = ev.total if lower is None else max(lower, ev.total)
    return SourcingResult(
        problem, plan, ev, base_ev, lower, time.monotonic() - began, search.iterations, proven
    )
