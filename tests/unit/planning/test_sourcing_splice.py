"""A family re-planned whole by HiGHS (its own process) around the rest of a plan, spliced in."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from flexchain.planning.sourcing import SourcingProblem, evaluate, generate, greedy
from flexchain.planning.sourcing.cost import Plan
from flexchain.planning.sourcing.mip import model
from flexchain.planning.sourcing.splice import (
    FamilyPart,
    Planner,
    Splicer,
    around,
    family_costs,
    narrowed,
    part_of,
    splice,
    spliceable,
)


@pytest.fixture(scope="module")
def start() -> tuple[SourcingProblem, Plan]:
    problem = generate(50, 6, seed=1, weeks=6)  # two families; greedy is 3 % off in the first
    result = greedy(problem)
    assert result.is_feasible()
    return problem, result.plan


def _answer(planner: Planner, wait: float = 60) -> list[FamilyPart]:
    until = time.monotonic() + wait
    while planner.busy and time.monotonic() < until:
        time.sleep(0.05)
    return planner.answers()


def test_the_families_costs_add_up_to_the_plans(start: tuple[SourcingProblem, Plan]) -> None:
    problem, plan = start
    costs = family_costs(problem, plan)
    assert set(costs) == set(problem.families)
    assert sum(costs.values()) == pytest.approx(float(evaluate(problem, plan).total), abs=0.01)


def test_a_family_part_spliced_back_leaves_the_plan_as_it_was(
    start: tuple[SourcingProblem, Plan],
) -> None:
    problem, plan = start
    for fam in problem.families:
        assert splice(problem, plan, part_of(problem, plan, fam)) == plan


def test_around_a_family_is_the_other_families_load_and_fixed_costs(
    start: tuple[SourcingProblem, Plan],
) -> None:
    problem, plan = start
    fam = spliceable(problem)[0]
    items = {r.item for r in problem.families[fam]}
    near = around(problem, plan, fam)
    assert sum(near.load.values()) == sum(q for (_, i, _), q in plan.quantities if i not in items)
    assert near.paid == {(s, w) for (s, i, w), q in plan.quantities if i not in items and q}


def test_the_planner_replans_a_family_and_the_splice_keeps_every_rule(
    start: tuple[SourcingProblem, Plan],
) -> None:
    problem, plan = start
    before = evaluate(problem, plan)
    planner = Planner(problem)
    try:
        fam = spliceable(problem)[0]
        planner.ask(plan, fam, 10)
        (part,) = _answer(planner)
        assert part.family == fam
        assert part != part_of(problem, plan, fam)
        trial = evaluate(problem, splice(problem, plan, part))
        # exact around the rest and started from the incumbent: every rule kept, cheaper
        assert trial.violations == ()
        assert trial.total < before.total
    finally:
        planner.close()
    assert planner.proc.poll() is not None


def test_the_planner_keeps_the_roles_when_asked_and_only_ever_improves() -> None:
    problem = generate(50, 8, seed=0, weeks=6)  # 6-7 candidates per family for three roles
    plan = greedy(problem).plan
    before = evaluate(problem, plan)
    assert before.violations == ()
    fam = spliceable(problem)[0]
    part = part_of(problem, plan, fam)
    assert part.roles is not None
    kept = narrowed(problem, part, 1, keep_roles=True)
    free = narrowed(problem, part, 1)
    for key, windows in kept.items():
        assert windows  # the plan serves every requirement from its roles
        assert {s for s, _, _ in windows} == {s for s, _, _ in free[key]} & set(part.roles)
    assert sum(map(len, kept.values())) < sum(map(len, free.values()))  # a smaller model
    planner = Planner(problem)
    try:
        planner.ask(plan, fam, 10, keep_roles=True)
        (found,) = _answer(planner)
    finally:
        planner.close()
    assert found.roles is not None and set(found.roles) == set(part.roles)  # may trade roles
    assert {a.supplier for a in found.allocations} <= set(part.roles)
    trial = evaluate(problem, splice(problem, plan, found))
    assert trial.violations == ()
    assert trial.total <= before.total


def test_the_splicer_keeps_the_roles_on_its_first_pass_and_frees_them_on_the_next(
    start: tuple[SourcingProblem, Plan],
) -> None:
    problem, plan = start
    splicer = Splicer(problem, lambda: False, dict)
    n = len(splicer.families)
    asks = [splicer._next(plan) for _ in range(3 * n)]
    assert [keep for _, keep in asks] == [True] * n + [False] * n + [True] * n
    for k in range(3):  # each pass asks for every family once
        assert sorted(f for f, _ in asks[k * n : (k + 1) * n]) == sorted(splicer.families)


def test_the_splicer_waits_for_its_core_then_only_ever_improves(
    start: tuple[SourcingProblem, Plan], monkeypatch: pytest.MonkeyPatch
) -> None:
    problem, plan = start
    monkeypatch.setattr("flexchain.planning.sourcing.splice.FAMILY_TIME", 10.0)  # a busy box
    monkeypatch.setattr("flexchain.planning.sourcing.splice.KEPT_ROLES_TIME", 10.0)
    ready = False
    splicer = Splicer(problem, lambda: ready, dict)
    best = evaluate(problem, plan)
    try:
        deadline = time.monotonic() + 60
        assert splicer.step(plan, best, deadline) == (plan, best)
        assert splicer.planner is None  # the bound's process still has the core
        ready = True
        while splicer.kept == 0 and time.monotonic() < deadline - 3:
            plan, best = splicer.step(plan, best, deadline)
            time.sleep(0.1)
        assert splicer.kept
        assert evaluate(problem, plan) == best
        assert best.violations == ()
        assert best.total < evaluate(problem, start[1]).total
    finally:
        splicer.close()


def test_a_spliced_plan_that_breaks_a_rule_is_mended_by_cp_sat(
    start: tuple[SourcingProblem, Plan],
) -> None:
    # an answer gone stale (other families took capacity since) breaks a rule once spliced:
    # CP-SAT re-decides the family under the answer's roles, hinted with its plan
    from flexchain.planning.sourcing.lns import _mender

    problem, plan = start
    fam = spliceable(problem)[0]
    part = part_of(problem, plan, fam)
    moved = replace(part.allocations[0], week=part.allocations[0].week + 1)
    broken = replace(part, allocations=(moved, *part.allocations[1:]))
    spliced = splice(problem, plan, broken)
    assert evaluate(problem, spliced).violations  # its orders no longer cover its units
    mended = _mender(problem, time.monotonic() + 60, 0)(spliced, broken)
    assert mended is not None
    assert evaluate(problem, mended).violations == ()
    assert dict(mended.roles)[fam] == part.roles


def test_the_planner_sees_a_week_past_the_need_and_the_weeks_the_plan_uses(
    start: tuple[SourcingProblem, Plan],
) -> None:
    problem, plan = start
    fam = spliceable(problem)[0]
    part = part_of(problem, plan, fam)
    late = replace(part.allocations[0], week=part.allocations[0].week + 3)
    part = replace(part, allocations=(late, *part.allocations[1:]))
    windows = narrowed(problem, part, 1)
    assert set(windows) == {r.key for r in problem.families[fam]}
    cut = 0
    for r in problem.families[fam]:
        for (s, lo, hi), (t, first, last) in zip(
            problem.windows[r.key], windows[r.key], strict=True
        ):
            assert (s, lo) == (t, first) and first <= last <= hi
            used = [a.week for a in part.allocations if (a.requirement, a.supplier) == (r.key, s)]
            assert last == min(hi, max(lo, r.need_week + 1, *used))
            cut += last < hi
    assert cut  # the model is smaller
    with pytest.raises(ValueError, match="no bound"):
        model(problem, fam, windows=windows)  # a narrower model bounds nothing
