"""The Kraljic matrix on constructed items (issue 16: "Kraljic ... on constructed cases")."""

import doctest
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flexchain.domain import kraljic
from flexchain.domain.errors import ValidationError
from flexchain.domain.kraljic import (
    QUADRANTS,
    ItemFacts,
    KraljicThresholds,
    family_quadrant,
    lead_time,
    place_item,
    place_items,
)

D = Decimal


def item(sku: str, spend: dict[str, int], qualified: int, mean: int = 10, sd: int = 1) -> ItemFacts:
    return ItemFacts(
        sku, sku, {s: D(v) for s, v in spend.items()},
        tuple(f"Q{k}" for k in range(qualified)), D(mean), D(sd),
    )  # fmt: skip


def test_the_four_quadrants_on_constructed_items() -> None:
    # given four items: two with a large, two with a small share of 10,000 spend
    items = [
        item("MOTOR", {"S1": 5000}, qualified=1),  # 50 %, single source
        item("FABRIC", {"S1": 2000, "S2": 2000}, qualified=4),  # 40 %, pooled
        item("CHIP", {"S3": 300}, qualified=1, mean=42),  # 3 %, one source, long lead
        item("THREAD", {"S1": 200, "S2": 200, "S3": 300}, qualified=5),  # 7 %, pooled
    ]

    placed = {p.item: p for p in place_items(items)}

    assert {k: p.quadrant for k, p in placed.items()} == {
        "MOTOR": "strategic",
        "FABRIC": "leverage",
        "CHIP": "bottleneck",
        "THREAD": "leverage",
    }
    assert placed["MOTOR"].cost_share == D(5000) / D(10000)


def test_an_item_below_the_cost_share_with_many_suppliers_is_non_critical() -> None:
    placed = place_item(item("LABEL", {"S1": 40, "S2": 60}, qualified=3), D(10000))

    assert (placed.impact, placed.risk, placed.quadrant) == ("low", "low", "non-critical")
    assert placed.reasons == (
        "impact low: 1.0 % of spend (high from 5.0 %)",
        "risk low: 0 point(s) (high from 2)",
    )
    assert placed.bands.shares == (D(1),)


def test_impact_turns_high_exactly_at_the_cost_share() -> None:
    at = place_item(item("A", {"S1": 500, "S2": 500}, qualified=3), D(20000))
    below = place_item(item("A", {"S1": 499, "S2": 500}, qualified=3), D(20000))

    assert (at.impact, below.impact) == ("high", "low")


def test_an_absolute_spend_threshold_also_makes_impact_high() -> None:
    t = KraljicThresholds(spend=D(900))

    placed = place_item(item("A", {"S1": 450, "S2": 450}, qualified=3), D(100000), t)

    assert placed.impact == "high"
    assert placed.reasons[0] == "impact high: spend 900.00 reaches 900"


@pytest.mark.parametrize(
    ("facts", "points"),
    [
        (item("A", {"S1": 1, "S2": 1}, qualified=3), 0),
        (item("A", {"S1": 1, "S2": 1}, qualified=2), 1),  # fewer than 3 qualified
        (item("A", {"S1": 1}, qualified=1), 3),  # single qualified (2) and 100 % share (1)
        (item("A", {"S1": 4, "S2": 1}, qualified=3), 1),  # largest has exactly 80 %
        (item("A", {"S1": 79, "S2": 21}, qualified=3), 0),
        (item("A", {}, qualified=3, mean=28), 1),  # long lead time, exactly at 28 days
        (item("A", {}, qualified=3, mean=20, sd=6), 1),  # CV exactly 0.30
        (item("A", {}, qualified=3, mean=20, sd=5), 0),
        (item("A", {}, qualified=0, mean=30, sd=15), 4),
    ],
    ids=[
        "none",
        "two-qualified",
        "single",
        "share-at-80",
        "share-79",
        "lead-28",
        "cv-030",
        "cv-025",
        "everything",
    ],
)
def test_supply_risk_points_hold_exactly_at_their_thresholds(facts: ItemFacts, points: int) -> None:
    placed = place_item(facts, D(100))

    assert placed.risk_points == points
    assert placed.risk == ("high" if points >= 2 else "low")


def test_the_risk_reasons_name_their_figures() -> None:
    placed = place_item(item("CHIP", {"S3": 300}, qualified=1, mean=42, sd=21), D(10000))

    assert placed.reasons[1] == (
        "risk high: 5 point(s) (high from 2): 1 qualified supplier(s): a single source "
        "(2 points); the largest supplier has 100.0 % of its spend (from 80.0 %); lead time "
        "42.0 days (long from 28); lead time varies by 21.0 days on 42.0 (CV 0.50, variable "
        "from 0.30)"
    )


def test_no_spend_at_all_is_low_impact_and_unknown_lead_times_add_no_risk() -> None:
    placed = place_items([ItemFacts("NEW", "NEW", {}, ("S1", "S2", "S3"))])[0]

    assert (placed.spend, placed.cost_share, placed.quadrant) == (D(0), D(0), "non-critical")
    assert placed.single_source_share is None


def test_every_quadrant_has_a_strategy_and_bands_that_add_up_to_one() -> None:
    assert set(QUADRANTS) == {"strategic", "leverage", "bottleneck", "non-critical"}
    for quadrant in QUADRANTS.values():
        assert quadrant.strategy and quadrant.why_bands
        assert sum(quadrant.bands.shares) == 1
    assert QUADRANTS["strategic"].bands.shares == (D("0.70"), D("0.20"), D("0.10"))
    assert QUADRANTS["bottleneck"].bands.shares == (D("0.60"), D("0.25"), D("0.15"))
    assert QUADRANTS["leverage"].bands.shares == (D("0.80"), D("0.20"))


def test_a_family_takes_the_quadrant_with_the_most_insurance() -> None:
    assert family_quadrant(["leverage", "bottleneck", "strategic"]) == "bottleneck"
    assert family_quadrant(["non-critical", "leverage"]) == "leverage"
    with pytest.raises(ValidationError):
        family_quadrant([])


@pytest.mark.parametrize(
    "bad",
    [{"cost_share": D(2)}, {"min_qualified": 0}, {"spend": D(-1)}, {"long_lead_days": D(-1)}],
)
def test_bad_thresholds_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        KraljicThresholds(**bad)  # type: ignore[arg-type]


def test_docstring_examples_run() -> None:
    assert doctest.testmod(kraljic).failed == 0


def test_observed_lead_times_replace_the_declared_from_two_deliveries() -> None:
    assert lead_time([], D(30), D(3)) == (D(30), D(3))
    assert lead_time([20], D(30), D(3)) == (D(30), D(3))
    mean, sd = lead_time([20, 24], D(30), D(3))
    assert mean == D(22) and round(sd, 6) == D("2.828427")  # sample sd: 4 / sqrt(2)
    assert lead_time([5, 5, 5], None, None) == (D(5), D(0))


spends = st.dictionaries(st.sampled_from(["S1", "S2", "S3"]), st.integers(0, 10_000), max_size=3)


@given(spends, st.integers(0, 5), st.integers(0, 60), st.integers(0, 30), st.integers(1, 10_000))
def test_more_spend_never_lowers_impact_and_more_suppliers_never_raise_risk(
    spend: dict[str, int], qualified: int, mean: int, sd: int, extra: int
) -> None:
    # given an item, the same item with more spend, and one with one more qualified supplier
    facts = ItemFacts("A", "A", {k: D(v) for k, v in spend.items()},
                      tuple(f"Q{k}" for k in range(qualified)), D(mean), D(sd))  # fmt: skip
    richer = ItemFacts("A", "A", {**facts.spend_by_supplier, "S9": D(extra)}, facts.qualified,
                       facts.lead_mean_days, facts.lead_sd_days)  # fmt: skip
    wider = ItemFacts("A", "A", facts.spend_by_supplier, (*facts.qualified, "Q9"),
                      facts.lead_mean_days, facts.lead_sd_days)  # fmt: skip
    total = D(50_000)
    base = place_item(facts, total)

    # then the quadrant follows impact and risk exactly, and the changes move them one way
    assert base.quadrant == {("high", "high"): "strategic", ("high", "low"): "leverage",
                             ("low", "high"): "bottleneck", ("low", "low"): "non-critical"}[
        base.impact, base.risk]  # fmt: skip
    assert not (base.impact == "high" and place_item(richer, total).impact == "low")
    assert place_item(wider, total).risk_points <= base.risk_points
