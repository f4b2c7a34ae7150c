"""Sourcing under the policy of issue 16: per-family share bands (Kraljic), allocation weights
(supplier rules) and who may take urgent work (tiers)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import pytest

from flexchain.domain.errors import ValidationError
from flexchain.planning.sourcing import (
    Costs,
    Offer,
    PriceBreak,
    Requirement,
    ShareBands,
    SourcingInfeasible,
    Supplier,
    evaluate,
    generate,
    greedy,
    solve,
    sourcing_problem,
)

BOTTLENECK = ShareBands((D("0.60"), D("0.25"), D("0.15")), D("0.05"))
SINGLE = ShareBands((D(1),), D(0))


def offer(supplier: str, item: str = "fabric", price: str = "10.00") -> Offer:
    return Offer(supplier, item, (PriceBreak(1, D(price)),), 0)


def three_suppliers(**weights: D) -> list[Supplier]:
    return [
        Supplier(key, 1000, region=region, weight=weights.get(key, D(1)))
        for key, region in (("A", "EU"), ("B", "TR"), ("C", "CN"))
    ]


OFFERS = [offer("A", price="8.00"), offer("B", price="9.00"), offer("C", price="10.00")]
REQS = [Requirement(f"R{w}", "fabric", 100, w) for w in range(4)]


def test_a_reduced_weight_supplier_is_never_the_primary_even_when_cheapest() -> None:
    # given A is the cheapest but its allocation weight was cut to 0.5 after late deliveries
    p = sourcing_problem(REQS, three_suppliers(A=D("0.5")), OFFERS, Costs())

    # when greedy and the optimiser source the family
    plans = [greedy(p).plan, solve(p, time_limit=3, seed=0, with_bound=False).plan]

    # then B (the cheapest of full weight) is primary and A holds at most a backup's band
    for plan in plans:
        roles = dict(plan.roles)["fabric"]
        assert roles[0] == "B"
        assert "A" in roles[1:]
        assert not evaluate(p, plan).violations
        a_units = sum(x.quantity for x in plan.allocations if x.supplier == "A")
        assert a_units <= D("0.25") * 400


def test_a_primary_with_a_reduced_weight_is_a_named_violation() -> None:
    p = sourcing_problem(REQS, three_suppliers(A=D("0.5")), OFFERS, Costs())
    full = sourcing_problem(REQS, three_suppliers(), OFFERS, Costs())
    plan = greedy(full).plan  # A primary: fine at full weight
    assert dict(plan.roles)["fabric"][0] == "A"

    violations = evaluate(p, plan).violations

    assert any("A has a reduced allocation weight and may not be the primary" in v
               for v in violations)  # fmt: skip


def test_when_every_candidate_is_reduced_the_best_weight_may_lead() -> None:
    p = sourcing_problem(
        REQS, three_suppliers(A=D("0.5"), B=D("0.5"), C=D("0.25")), OFFERS, Costs()
    )

    assert p.primary_candidates["fabric"] == frozenset({"A", "B"})
    assert dict(greedy(p).plan.roles)["fabric"][0] == "A"


def test_a_family_gets_its_own_bands() -> None:
    # given two families: fabric under bottleneck bands, zips single-sourced
    reqs = [*REQS, *(Requirement(f"Z{w}", "zip", 50, w) for w in range(2))]
    offers = [*OFFERS, *(offer(s, "zip", "1.00") for s in "ABC")]
    costs = Costs(family_bands=(("fabric", BOTTLENECK), ("zip", SINGLE)))
    p = sourcing_problem(reqs, three_suppliers(), offers, costs)

    result = solve(p, time_limit=3, seed=0, with_bound=False)

    assert p.bands("fabric") == (
        (D("0.55"), D("0.65")), (D("0.20"), D("0.30")), (D("0.10"), D("0.20"))
    )  # fmt: skip
    assert p.bands("zip") == ((D(1), D(1)),)
    assert result.is_feasible()
    used = {x.supplier for x in result.plan.allocations if x.requirement.startswith("Z")}
    assert len(used) == 1
    fabric = {
        s: sum(x.quantity for x in result.plan.allocations
               if x.supplier == s and x.requirement.startswith("R"))
        for s in "ABC"
    }  # fmt: skip
    assert sorted(fabric.values(), reverse=True)[0] <= D("0.65") * 400


def test_a_supplier_barred_from_urgent_work_does_not_get_it() -> None:
    a = Supplier("A", 1000, urgent_work=False)  # tier A, but its weight was cut
    b = Supplier("B", 1000, tier="B", urgent_work=True)  # a backup allowed for a bottleneck
    urgent = [Requirement("R1", "fabric", 10, 0, urgent=True)]
    costs = Costs(bands=None)

    p = sourcing_problem(urgent, [a, b], [offer("A", price="1.00"), offer("B")], costs)

    assert p.refusal(urgent[0], a) == "A may not take urgent work and R1 is urgent"
    assert p.refusal(urgent[0], b) is None
    assert {x.supplier for x in greedy(p).plan.allocations} == {"B"}
    with pytest.raises(SourcingInfeasible, match="A may not take urgent work"):
        sourcing_problem(urgent, [a], [offer("A")], costs)


@pytest.mark.parametrize("weight", [D(0), D("1.01"), D(-1)])
def test_a_weight_outside_0_1_is_refused(weight: D) -> None:
    with pytest.raises(ValidationError, match="weight"):
        sourcing_problem(REQS, [Supplier("A", 1000, weight=weight)], [offer("A")], Costs())


def test_family_bands_that_do_not_add_up_are_refused() -> None:
    bad = Costs(family_bands=(("fabric", ShareBands((D("0.5"), D("0.4")))),))
    with pytest.raises(ValidationError, match=r"costs.family_bands\[fabric\]"):
        sourcing_problem(REQS, three_suppliers(), OFFERS, bad)


def test_generated_plans_keep_every_rule_with_reduced_weights() -> None:
    # given a generated instance where every third supplier's weight is halved
    base = generate(60, 10, seed=3, weeks=8)
    halved = tuple(
        replace(s, weight=D("0.5")) if i % 3 == 0 else s for i, s in enumerate(base.suppliers)
    )
    p = sourcing_problem(base.requirements, halved, base.offers, base.costs)

    result = solve(p, time_limit=20, seed=1, iterations=4, with_bound=False)

    assert result.is_feasible(), result.evaluation.violations[:3]
    for fam, roles in result.plan.roles:
        assert p.may_lead(fam, roles[0])


def tiered() -> list[Supplier]:
    return [
        Supplier("A", 1000, region="EU", tier="A"),
        Supplier("B", 1000, region="TR", tier="B"),
        Supplier("C", 1000, region="CN", tier="S"),
    ]


TIERED_OFFERS = [offer("A", price="9.00"), offer("B", price="7.00"), offer("C", price="10.00")]
"""The B-tier supplier is the cheapest, the S-tier one the dearest."""


@pytest.mark.parametrize(
    ("suppliers", "tiers", "primary"),
    [
        ("ABC", frozenset({"S", "A"}), "A"),
        ("ABC", frozenset({"S"}), "C"),
        ("AB", frozenset({"S"}), "B"),
    ],
    ids=["no-b-primary", "s-partner", "no-s-candidate-any-tier"],
)
def test_a_familys_primary_comes_from_its_primary_tiers(
    suppliers: str, tiers: frozenset[str], primary: str
) -> None:
    costs = Costs(primary_tiers=(("fabric", tiers),))
    chosen = [s for s in tiered() if s.key in suppliers]
    offers = [o for o in TIERED_OFFERS if o.supplier in suppliers]
    p = sourcing_problem(REQS, chosen, offers, costs)

    plans = [greedy(p).plan, solve(p, time_limit=3, seed=0, with_bound=False).plan]

    for plan in plans:
        assert dict(plan.roles)["fabric"][0] == primary
        assert not evaluate(p, plan).violations


def test_a_primary_outside_the_primary_tiers_is_a_named_violation() -> None:
    free = sourcing_problem(REQS, tiered(), TIERED_OFFERS, Costs())
    plan = greedy(free).plan
    assert dict(plan.roles)["fabric"][0] == "B"  # the cheapest leads without a tier rule
    strict = sourcing_problem(
        REQS, tiered(), TIERED_OFFERS, Costs(primary_tiers=(("fabric", frozenset({"S"})),))
    )

    assert (
        "shares: B is tier B: the primary is tier S of family fabric"
        in evaluate(strict, plan).violations
    )
