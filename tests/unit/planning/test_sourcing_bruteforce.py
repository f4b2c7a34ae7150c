"""The sourcing optimiser against brute force on random small instances (hypothesis)."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from decimal import Decimal as D

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flexchain.planning.sourcing import (
    Costs,
    Offer,
    PriceBreak,
    Requirement,
    SourcingProblem,
    Supplier,
    bound,
    evaluate,
    greedy,
    solve,
    sourcing_problem,
)
from flexchain.planning.sourcing.cost import best_quantity, order_cost
from flexchain.planning.sourcing.splice import Planner, splice

prices = st.integers(100, 900).map(lambda c: D(c) / 100)


@st.composite
def problems(draw: st.DrawFn) -> SourcingProblem:
    suppliers, offers = [], []
    for key in ("A", "B"):
        suppliers.append(Supplier(key, capacity=100, fixed_order_cost=D(draw(st.integers(0, 5)))))
        base = draw(prices)
        cheaper = min(base, draw(prices))
        offers.append(
            Offer(
                key,
                "kit",
                (PriceBreak(1, base), PriceBreak(draw(st.integers(2, 6)), cheaper)),
                lead_weeks=draw(st.integers(0, 1)),
                moq=draw(st.integers(0, 3)),
                multiple=draw(st.integers(1, 2)),
            )
        )
    reqs = [
        Requirement(f"R{k}", "kit", draw(st.integers(1, 2)), draw(st.integers(0, 2)))
        for k in range(3)
    ]
    costs = Costs(
        bands=None,
        late_per_unit_week=draw(prices),
        early_per_unit_week=D("0.10"),
        max_late_weeks=1,
        max_early_weeks=1,
    )
    return sourcing_problem(reqs, suppliers, offers, costs)


def _splits(total: int, slots: int) -> Iterator[tuple[int, ...]]:
    for cut in itertools.combinations(range(total + slots - 1), slots - 1):
        bounds = (-1, *cut, total + slots - 1)
        yield tuple(b - a - 1 for a, b in itertools.pairwise(bounds))


def brute_force(p: SourcingProblem) -> D:
    """The cheapest plan by enumerating every split of every requirement over its slots."""
    options = []
    for r in p.requirements:
        slots = [(s, w) for s, lo, hi in p.windows[r.key] for w in range(lo, hi + 1)]
        options.append(
            [list(zip(slots, split, strict=True)) for split in _splits(r.quantity, len(slots))]
        )
    best = None
    for choice in itertools.product(*options):
        needs: dict[tuple[str, int], int] = {}
        cost = D(0)
        for r, parts in zip(p.requirements, choice, strict=True):
            for (s, w), q in parts:
                if q:
                    needs[s, w] = needs.get((s, w), 0) + q
                    delay = w - r.need_week
                    rate = p.costs.late_per_unit_week if delay > 0 else p.costs.early_per_unit_week
                    cost += q * abs(delay) * rate
        for (s, _), need in needs.items():
            units = best_quantity(p, s, "kit", need)
            assert units is not None
            cost += order_cost(p, s, "kit", units) + p.supplier[s].fixed_order_cost
        best = cost if best is None else min(best, cost)
    assert best is not None
    return best


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_the_solver_finds_the_brute_force_optimum(problem: SourcingProblem) -> None:
    result = solve(problem, time_limit=30, seed=0, iterations=2, with_bound=False)
    assert result.is_feasible()
    assert result.cost() == brute_force(problem)
    assert result.status == "optimal"


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_the_highs_bound_is_at_most_the_brute_force_optimum_and_closes_on_it(
    problem: SourcingProblem,
) -> None:
    # the bound's own process (HiGHS apart from OR-Tools): the disaggregated model is exact,
    # so on instances this small its MIP closes on the optimum, and never passes it
    optimum = brute_force(problem)
    found = bound.read(bound.start(problem, 10), 15)
    assert found is not None
    assert optimum * D("0.999") - D("0.05") <= D(str(found)) <= optimum


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_the_family_planner_finds_the_brute_force_optimum(problem: SourcingProblem) -> None:
    # one family, nothing around it: HiGHS' family plan (its own process) is the optimum
    start = greedy(problem)
    assert start.is_feasible()
    planner = Planner(problem)
    try:
        planner.ask(start.plan, "kit", 10)
        until = time.monotonic() + 30
        while planner.busy and time.monotonic() < until:
            time.sleep(0.02)
        (part,) = planner.answers()
    finally:
        planner.close()
    found = evaluate(problem, splice(problem, start.plan, part))
    assert found.violations == ()
    optimum = brute_force(problem)
    assert optimum <= found.total <= optimum * D("1.0001")
