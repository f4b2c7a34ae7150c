"""The price watch's rules with figures worked by hand: index moves, thresholds, cost models,
the cost impact of a move, quarterly price proposals, and parsing index values."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flexchain.domain.errors import IllegalTransition, ValidationError
from flexchain.domain.price_watch import (
    ClauseTerms,
    CostModel,
    IndexPoint,
    OnOrder,
    PriceTier,
    Quarter,
    ReviewTerm,
    TaskStatus,
    beyond_threshold,
    contract_impacts,
    decide,
    implausible,
    index_code,
    index_value,
    move,
    parse_values,
    propose_price,
    review_tier,
    unit_impact,
    value_on,
)

D = Decimal
COTTON_MODEL = CostModel(D("0.6"), D("0.1"), D("0.1"), D("0.2"), material_index="COTTON")


def test_a_move_from_1_80_to_1_98_is_plus_10_percent_beyond_8() -> None:
    change = move(D("1.80"), D("1.98"))
    assert change == D("0.1")
    assert beyond_threshold(change, D(8))


@pytest.mark.parametrize(
    ("value", "beyond"),
    [("1.944", False), ("1.9441", True), ("1.656", False), ("1.6559", True), ("1.80", False)],
    ids=["+8%-exactly", "just-above", "-8%-exactly", "just-below", "no-move"],
)
def test_the_threshold_is_strict_both_ways(value: str, beyond: bool) -> None:
    assert beyond_threshold(move(D("1.80"), D(value)), D(8)) is beyond


def test_a_material_share_of_0_6_on_a_10_00_price_moves_it_0_60() -> None:
    assert unit_impact(D("10.00"), D("0.6"), D("0.1")) == D("0.60")
    assert unit_impact(D("10.00"), D("0.6"), D("-0.1")) == D("-0.60")


def test_the_quarterly_proposal_is_10_60_with_its_arithmetic_in_words() -> None:
    term = ReviewTerm("COTTON", D("1.80"), date(2026, 1, 1), D("1.98"), date(2026, 12, 31),
                      D("0.1"), D("0.6"), ("material",))  # fmt: skip
    proposal = propose_price(D("10.00"), [term])
    assert (proposal.new_price, proposal.change) == (D("10.60"), D("0.60"))
    assert proposal.explanation == (
        "COTTON moved +10 % (1.80 on 2026-01-01 -> 1.98 on 2026-12-31); material share 0.6 "
        "follows it; 10.00 x (1 + 0.1 x 0.6) = 10.60"
    )


def test_a_proposal_rounds_half_up_to_cents() -> None:
    # 9.99 x (1 + 0.05 x 0.5) = 9.99 x 1.025 = 10.23975 -> 10.24
    term = ReviewTerm("X", D(1), date(2026, 1, 1), D("1.05"), date(2026, 3, 1), D("0.05"),
                      D("0.5"))  # fmt: skip
    assert propose_price(D("9.99"), [term]).new_price == D("10.24")


def test_cost_model_shares_must_each_be_0_to_1_and_sum_to_1() -> None:
    with pytest.raises(ValidationError, match=r"shares: material 0.6 .* = 0.9; the shares must"):
        CostModel(D("0.6"), D("0.1"), D("0.1"), D("0.1"))
    with pytest.raises(ValidationError, match=r"^material: must be a fraction between 0 and 1"):
        CostModel(D("1.2"), D("-0.2"), D(0), D(0))
    with pytest.raises(ValidationError, match=r"^energy: must not be negative"):
        CostModel(D("0.5"), D("-0.1"), D("0.6"), D(0))
    with pytest.raises(ValidationError, match=r"^material_index: 'co tton' is not an index"):
        CostModel(D(1), D(0), D(0), D(0), material_index="co tton")


def test_the_share_following_an_index_sums_the_components_tied_to_it() -> None:
    model = CostModel(D("0.5"), D("0.2"), D("0.1"), D("0.2"), "OIL", "OIL", None, None)
    assert model.share_following("OIL") == D("0.7")
    assert model.components_following("OIL") == ("material", "energy")
    assert model.share_following("COTTON") == 0


def test_the_value_on_a_day_is_the_newest_on_or_before_it() -> None:
    points = [IndexPoint(date(2026, 1, 1), D("1.80")), IndexPoint(date(2026, 6, 30), D("1.90"))]
    assert value_on(points, date(2025, 12, 31)) is None
    assert value_on(points, date(2026, 6, 29)) == points[0]
    assert value_on(points, date(2026, 6, 30)) == points[1]


def test_a_quarter_reviews_with_the_last_value_before_it() -> None:
    quarter = Quarter.parse("2027q1")
    assert (quarter.first_day, quarter.last_day, quarter.reference_day) == (
        date(2027, 1, 1), date(2027, 3, 31), date(2026, 12, 31)
    )  # fmt: skip
    assert Quarter.parse("2026-Q4").last_day == date(2026, 12, 31)
    with pytest.raises(ValidationError, match=r"^quarter: expected a quarter such as 2027Q1"):
        Quarter.parse("2027Q5")


def test_contract_impacts_per_tier_and_on_order() -> None:
    tiers = [PriceTier(1, 7, "TEE", D(0), D("10.00")), PriceTier(1, 7, "TEE", D(500), D("9.00")),
             PriceTier(1, 8, "PRINT", D(0), D("2.00"))]  # fmt: skip
    on_order = [OnOrder(1, 7, D(80), D("10.00")), OnOrder(1, 7, D(10), None),
                OnOrder(1, 8, D(5), D("2.00"))]  # fmt: skip
    impacts, total = contract_impacts("COTTON", D("0.1"), tiers, {7: COTTON_MODEL}, on_order)
    assert [i["text"] for i in impacts] == [
        "TEE from 0: 10.00 x 0.6 x 0.1 = 0.60",
        "TEE from 500: 9.00 x 0.6 x 0.1 = 0.54",
        "PRINT: no cost model",
    ]
    # 80 x 0.60 + 10 x 0.60 (no line price: the first tier's) = 54.00; PRINT has no model
    assert total == D("54.00")


def test_review_tier_says_why_it_cannot_propose() -> None:
    tier = PriceTier(1, 7, "TEE", D(0), D("10.00"))
    clause = ClauseTerms("COTTON", D("1.80"), date(2026, 1, 1),
                         [IndexPoint(date(2027, 1, 15), D("1.98"))])  # fmt: skip
    assert review_tier(Quarter(2027, 1), tier, [clause], None)[1] == (
        "TEE has no cost model: set one (prices cost-model) to review it"
    )
    assert review_tier(Quarter(2027, 1), tier, [clause], COTTON_MODEL) == (
        None, "COTTON has no value on or before 2026-12-31"
    )  # fmt: skip
    proposal, _ = review_tier(Quarter(2027, 2), tier, [clause], COTTON_MODEL)
    assert proposal is not None and proposal.new_price == D("10.60")


def test_a_task_is_decided_once_with_a_reason() -> None:
    assert decide("open", "accept", " supplier agreed ") == (TaskStatus.ACCEPTED, "supplier agreed")
    assert decide(TaskStatus.OPEN, "DISMISS", "temporary spike")[0] is TaskStatus.DISMISSED
    with pytest.raises(IllegalTransition, match="already accepted"):
        decide("accepted", "dismiss", "changed my mind")
    with pytest.raises(ValidationError, match=r"^reason: required"):
        decide("open", "accept", "  ")
    with pytest.raises(ValidationError, match=r"^decision: must be one of accept, dismiss"):
        decide("open", "maybe", "x")


def test_parse_values_reports_every_bad_field_with_its_line() -> None:
    rows = [
        (2, {"index": "cotton", "date": "2026-01-01", "value": "1.80"}),
        (3, {"index": "COTTON", "date": "2026-02-30", "value": "1.81"}),
        (4, {"index": "COTTON", "date": "2026-03-01", "value": "abc"}),
        (5, {"index": "", "date": "2026-03-01", "value": "0"}),
        (6, {"index": "COTTON", "date": "2026-01-01", "value": "1.85"}),
        (7, {"index": "COTTON", "date": "2026-01-01", "value": "1.800"}),
    ]
    parsed = parse_values(rows)
    assert parsed.errors == [
        (3, "date", "expected a date as YYYY-MM-DD, got '2026-02-30'"),
        (4, "value", "'abc' is not a number"),
        (5, "index", "'' is not an index code: use 1-64 characters of A-Z, 0-9, '.', '_', '-'"),
        (5, "value", "must be greater than zero"),
        (6, "value", "COTTON on 2026-01-01 is already 1.8 (line 2)"),
    ]
    assert parsed.values == {("COTTON", date(2026, 1, 1)): D("1.80")}
    assert parsed.rows == 6


def test_index_codes_are_upper_case() -> None:
    assert index_code(" brent-oil ") == "BRENT-OIL"


@given(
    base=st.decimals(min_value="0.01", max_value="1000", places=2),
    value=st.decimals(min_value="0.01", max_value="1000", places=2),
    threshold=st.decimals(min_value="0.5", max_value="50", places=1),
)
def test_a_move_is_beyond_exactly_when_the_value_leaves_the_band(
    base: Decimal, value: Decimal, threshold: Decimal
) -> None:
    # the band is base x (1 +/- threshold %); rounding the move to 6 places only matters at
    # the band's very edge
    low, high = base * (1 - threshold / 100), base * (1 + threshold / 100)
    edge = base * D("0.000001")
    if value > high + edge or value < low - edge:
        assert beyond_threshold(move(base, value), threshold)
    elif low + edge < value < high - edge:
        assert not beyond_threshold(move(base, value), threshold)


def test_values_and_quarters_beyond_what_is_stored_are_refused() -> None:
    with pytest.raises(ValidationError, match=r"^value: must be below 10\^12"):
        index_value("1e12")
    with pytest.raises(ValidationError, match=r"^value: .* more than 6 decimal places"):
        index_value("1.0000001")
    with pytest.raises(ValidationError, match=r"^quarter: expected a quarter"):
        Quarter.parse("0000Q1")


def test_a_move_beyond_1000_percent_is_not_believed() -> None:
    # a value entered in g instead of kg: 1.80 -> 1980 is +109,900 %
    change = move(D("1.80"), D("1980"))
    assert implausible(change) == (
        "a move of +109900 % from the base is not plausible: check its unit"
    )
    assert implausible(D(10)) is None and implausible(D("-0.99")) is None
    tier = PriceTier(1, 7, "TEE", D(0), D("10.00"))
    clause = ClauseTerms("COTTON", D("1.80"), date(2026, 1, 1),
                         [IndexPoint(date(2026, 12, 1), D("1980"))])  # fmt: skip
    proposal, why = review_tier(Quarter(2027, 1), tier, [clause], COTTON_MODEL)
    assert proposal is None and why.startswith("COTTON: a move of +109900 %")
