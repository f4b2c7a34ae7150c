"""The sourcing rules the issue names one by one, each on a case small enough to check by hand:
an immutable problem, early holding, the minimum quality, the US market's radio certificate,
the default share bands and the region rule for backups."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from decimal import Decimal as D

import pytest

from flexchain.planning.sourcing import (
    Costs,
    Offer,
    PriceBreak,
    Requirement,
    SourcingInfeasible,
    Supplier,
    evaluate,
    greedy,
    solve,
    sourcing_problem,
)
from flexchain.planning.sourcing.cost import Allocation, Plan
from flexchain.planning.sourcing.problem import ShareBands


def offer(supplier: str, item: str = "fabric", price: str = "10.00", lead: int = 0) -> Offer:
    return Offer(supplier, item, (PriceBreak(1, D(price)),), lead, 0, 1)


NO_BANDS = Costs(bands=None, late_per_unit_week=D(1), early_per_unit_week=D("0.1"))


def test_the_problem_and_its_parts_are_immutable() -> None:
    p = sourcing_problem([Requirement("R1", "fabric", 10, 0)], [Supplier("A", 99)], [offer("A")])
    with pytest.raises(FrozenInstanceError):
        p.requirements = ()  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        p.requirements[0].quantity = 20  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        p.costs.min_quality = D(0)  # type: ignore[misc]


def test_a_delivery_before_the_need_week_costs_the_early_holding() -> None:
    # A ships nothing in week 3, the need week; lateness is not allowed: week 2 it is
    sup = Supplier("A", 100, week_capacity=((3, 0),))
    costs = Costs(bands=None, early_per_unit_week=D("0.10"), max_late_weeks=0)
    p = sourcing_problem([Requirement("R1", "fabric", 10, 3)], [sup], [offer("A")], costs)
    result = solve(p, time_limit=5, with_bound=False)
    assert [(a.week, a.quantity) for a in result.allocations] == [(2, 10)]
    assert result.evaluation.early == D("1.00")  # 10 units x 1 week x 0.10
    assert result.cost() == D("101.00")


def test_a_supplier_below_the_minimum_quality_gets_nothing_and_alone_says_why() -> None:
    cheap_poor = Supplier("A", 100, quality=D("0.80"))
    dear_good = Supplier("B", 100, quality=D("0.90"))
    costs = Costs(bands=None, min_quality=D("0.85"))
    reqs = [Requirement("R1", "fabric", 10, 0)]
    offers = [offer("A", price="1.00"), offer("B", price="9.00")]
    result = solve(sourcing_problem(reqs, [cheap_poor, dear_good], offers, costs), time_limit=5)
    assert {a.supplier for a in result.allocations} == {"B"}
    with pytest.raises(SourcingInfeasible, match=r"A quality 0.80 is below the minimum 0.85"):
        sourcing_problem(reqs, [cheap_poor], offers[:1], costs)


def test_goods_sold_in_the_us_need_the_radio_certificate_there() -> None:
    costs = Costs(
        bands=None,
        market_certifications=(("EU", frozenset({"CE"})), ("US", frozenset({"FCC"}))),
    )
    ce_only = Supplier("A", 100, certifications=frozenset({"CE"}))
    both = Supplier("B", 100, certifications=frozenset({"CE", "FCC"}))
    reqs = [
        Requirement("EU1", "radio", 10, 0, market="EU"),
        Requirement("US1", "radio", 10, 0, market="US"),
    ]
    offers = [offer("A", "radio", "1.00"), offer("B", "radio", "9.00")]
    result = solve(sourcing_problem(reqs, [ce_only, both], offers, costs), time_limit=5)
    assert {(a.requirement, a.supplier) for a in result.allocations} == {
        ("EU1", "A"),
        ("US1", "B"),
    }
    with pytest.raises(SourcingInfeasible, match=r"radio.*A lacks certificate FCC"):
        sourcing_problem(reqs[1:], [ce_only], offers[:1], costs)


def test_the_default_bands_are_70_20_10_within_5_points() -> None:
    assert isinstance(Costs().bands, ShareBands)
    assert Costs().bands.bands(3) == (
        (D("0.65"), D("0.75")),
        (D("0.15"), D("0.25")),
        (D("0.05"), D("0.15")),
    )
    # a family with two capable suppliers folds the second backup's share into the primary's
    assert Costs().bands.bands(2) == ((D("0.75"), D("0.85")), (D("0.15"), D("0.25")))


def _regions() -> tuple[list[Supplier], list[Offer]]:
    # three cheap European suppliers and a dearer Asian one, 100 units of one family
    sups = [Supplier(k, 1000, region="EU") for k in "ABD"] + [Supplier("C", 1000, region="ASIA")]
    offers = [offer(k, price="5.00") for k in "ABD"] + [offer("C", price="6.00")]
    return sups, offers


def test_a_backup_comes_from_another_region_than_the_primary_where_one_exists() -> None:
    sups, offers = _regions()
    p = sourcing_problem([Requirement("R1", "fabric", 100, 0)], sups, offers)
    result = solve(p, time_limit=5)
    primary, *backups = dict(result.plan.roles)["fabric"]
    assert result.is_feasible()
    assert p.supplier[primary].region == "EU"
    assert [p.supplier[s].region for s in backups].count("ASIA") == 1  # the only one there
    # the all-European plan, cheaper by 10.00, breaks the rule and the evaluator says so
    same = Plan(
        (Allocation("R1", "A", 0, 70), Allocation("R1", "B", 0, 20), Allocation("R1", "D", 0, 10)),
        ((("A", "fabric", 0), 70), (("B", "fabric", 0), 20), (("D", "fabric", 0), 10)),
        (("fabric", ("A", "B", "D")),),
    )
    (breach,) = evaluate(p, same).violations
    assert breach.startswith("regions: family fabric's backups share the primary A's region EU")


def test_greedy_serves_in_need_date_order_and_the_summary_reports_the_saving() -> None:
    # A is cheap but ships 60 units in week 0 only; R0 is needed in week 0, R1 in week 1 (it
    # may come a week early). Greedy serves R0 first: A's week 0 is full, so R1 goes to B.
    a = Supplier("A", 60, week_capacity=((1, 0),))
    b = Supplier("B", 500)
    costs = Costs(bands=None, early_per_unit_week=D("0.10"), max_late_weeks=0, max_early_weeks=1)
    p = sourcing_problem(
        [Requirement("R1", "fabric", 60, 1), Requirement("R0", "fabric", 60, 0)],
        [a, b],
        [offer("A", price="5.00"), offer("B", price="9.00")],
        costs,
    )
    base = greedy(p)
    assert sorted((x.requirement, x.supplier, x.week) for x in base.allocations) == [
        ("R0", "A", 0),
        ("R1", "B", 1),
    ]
    assert base.cost() == D("840.00")  # 60 x 5.00 + 60 x 9.00
    result = solve(p, time_limit=5, with_bound=False)
    summary = result.summary()
    assert summary["greedy_cost"] == D("840.00")
    assert summary["saving"] == D("840.00") - result.cost() >= 0
    assert summary["saving_pct"] == (summary["saving"] / D("840.00") * 100).quantize(D("0.01"))


def test_the_search_frees_a_supplier_weeks_pooling_and_an_item_across_weeks() -> None:
    import random

    from flexchain.planning.sourcing import generate
    from flexchain.planning.sourcing.lns import MAX_FREED, _item_hood, _supplier_week

    p = generate(200, 8, seed=3, weeks=8)
    plan = greedy(p).plan
    for k in range(20):
        # a supplier-week: what the plan delivers from that supplier within two weeks of it,
        # and the same items' requirements needed within two weeks
        (s, _, w), _ = plan.quantities[random.Random(k).randrange(len(plan.quantities))]
        near = {a.requirement for a in plan.allocations if a.supplier == s and abs(a.week - w) <= 2}
        items = {p.requirement[r].item for r in near}
        near |= {r.key for r in p.requirements if r.item in items and abs(r.need_week - w) <= 2}
        hood = _supplier_week(p, plan, random.Random(k))
        assert hood.families == frozenset()  # the roles stay
        if len(near) <= MAX_FREED:
            assert hood.requirements == near
        else:
            assert hood.requirements < near and len(hood.requirements) == MAX_FREED
    rng = random.Random(0)
    item = p.requirements[0].item
    hood = _item_hood(p, item, rng)
    across = {r.key for r in p.requirements if r.item == item}
    assert hood.requirements <= across and len(hood.requirements) == min(len(across), MAX_FREED)
    assert len({p.requirement[r].need_week for r in hood.requirements}) > 1  # across weeks
