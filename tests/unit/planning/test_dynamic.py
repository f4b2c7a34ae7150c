"""The dynamic per-item policy against hand-computed textbook cases, the scalar policy library and
properties.

Hand-computed cases cite their formula: the lead-time-variability safety stock is Chopra &
Meindl, "Supply Chain Management" (3rd ed.), chapter 11 ("impact of supply uncertainty":
sigma_L = 17,550 and ss = 22,491); the EOQ and the all-units price breaks are Snyder & Shen,
"Fundamentals of Supply Chain Theory" (2019), Example 3.1 (Q* = 304.05) and Example 3.1 priced as
Example 3.7 (all units: 800 units in region 2). The (R, S) protection interval L + R is Silver,
Pyke & Thomas (2017), chapter 6.
"""

from __future__ import annotations

import doctest
import math
from statistics import NormalDist
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import flexchain.planning.dynamic as dynamic_module
from flexchain.planning.dynamic import (
    DEFAULT_MATRIX,
    OUTPUT_COLUMNS,
    PRICE_BREAKS_DTYPE,
    PolicyMatrix,
    dynamic_policy,
    explain_row,
)
from flexchain.planning.policy import (
    PolicyInputError,
    eoq,
    eoq_all_units_discount,
    safety_stock,
)


def item(**overrides: Any) -> dict[str, Any]:
    """One input row: a weekly AX item, 100 a week (sd 20), lead time 2 weeks, no lot terms."""
    row: dict[str, Any] = {
        "item": "SKU-1",
        "location": "WH",
        "abc": "A",
        "xyz": "X",
        "demand_mean": 100.0,
        "demand_sd": 20.0,
        "lead_time_mean": 2.0,
        "lead_time_sd": 0.0,
        "fixed_cost": 50.0,
        "holding_cost": 0.5,
        "agility": 0.5,
        "moq": 0.0,
        "multiple": 1.0,
        "price_breaks": None,
        "unit_cost": 5.0,
    }
    row.update(overrides)
    return row


def frame(*rows: dict[str, Any]) -> pl.DataFrame:
    columns = {name: [row[name] for row in rows] for name in rows[0]}
    return pl.DataFrame(columns, schema_overrides={"price_breaks": PRICE_BREAKS_DTYPE})


def policy_of(row: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    return dynamic_policy(frame(row), **kwargs).row(0, named=True)


# --- hand-computed cases ----------------------------------------------------------------------


def test_safety_stock_with_lead_time_variability_chopra_meindl() -> None:
    # given daily demand 2,500 (sd 500), lead time 6 days (sd 7) reviewed every day at CSL 0.90:
    # the protection interval is L + R = 7 days, as in Chopra & Meindl's example
    matrix = PolicyMatrix.uniform(0.90, review_weeks=1 / 7)
    row = item(demand_mean=2500.0, demand_sd=500.0, lead_time_mean=6.0, lead_time_sd=7.0)

    # when the policy runs on daily periods
    out = policy_of(row, matrix=matrix, periods_per_year=364)

    # then sigma = sqrt(7 x 500^2 + 2500^2 x 7^2) = 17,550 and ss = 1.2816 x 17,550 = 22,491
    assert out["review_period"] == pytest.approx(1.0)
    assert out["sigma_ltr"] == pytest.approx(math.sqrt(7 * 500**2 + 2500**2 * 7**2))
    assert round(out["sigma_ltr"]) == 17_550
    assert round(out["safety_stock"]) == 22_491
    assert out["reorder_point"] == pytest.approx(2500 * 7 + out["safety_stock"])


def test_weekly_ax_item_by_hand() -> None:
    # given 100 a week (sd 20), lead time 2 weeks (sd 0.5), AX: CSL 0.98, weekly review
    out = policy_of(item(lead_time_sd=0.5))

    # then sigma = sqrt((2 + 1) 20^2 + 100^2 0.5^2) = sqrt(3,700), z = 2.0537
    assert out["service_level"] == 0.98
    assert out["review_period"] == 1.0
    assert out["z"] == pytest.approx(NormalDist().inv_cdf(0.98))
    assert out["sigma_ltr"] == pytest.approx(math.sqrt(3700))
    assert out["safety_stock"] == pytest.approx(2.053749 * 60.827625, rel=1e-6)
    assert out["reorder_point"] == pytest.approx(300 + out["safety_stock"])
    # and EOQ = sqrt(2 x 50 x 100 / 0.5) = 141.42, times 1 + cv = 1.2 -> 169.71 -> 170
    assert out["eoq"] == pytest.approx(math.sqrt(20_000))
    assert out["cv"] == pytest.approx(0.2)
    assert out["uncertainty_coefficient"] == pytest.approx(1.2)
    assert out["agility_factor"] == 1.0
    assert out["adjusted_eoq"] == pytest.approx(1.2 * math.sqrt(20_000))
    assert out["order_quantity"] == 170
    # and days of cover = (SS + Q/2) / d x 7
    assert out["days_of_cover"] == pytest.approx((out["safety_stock"] + 85) / 100 * 7)


def test_matches_the_scalar_safety_stock_of_the_policy_library() -> None:
    rows = [
        item(item=f"S{i}", demand_mean=d, demand_sd=s, lead_time_mean=lt, lead_time_sd=ls, abc=a)
        for i, (d, s, lt, ls, a) in enumerate(
            [(3.0, 2.0, 1.0, 0.0, "A"), (40.0, 9.0, 4.0, 1.5, "B"), (0.7, 1.1, 6.0, 2.0, "C")]
        )
    ]
    out = dynamic_policy(frame(*rows))

    for row in out.iter_rows(named=True):
        expected = safety_stock(
            row["service_level"],
            row["demand_mean"],
            row["demand_sd"],
            row["lead_time_mean"] + row["review_period"],
            row["lead_time_sd"],
        )
        assert row["safety_stock"] == pytest.approx(expected.safety_stock, rel=1e-12)
        assert row["reorder_point"] == pytest.approx(expected.reorder_point, rel=1e-12)


def test_eoq_example_3_1() -> None:
    # given K = 8, h = 0.225 a year, 1,300 a year, deterministic demand, neutral supplier
    row = item(demand_mean=1300.0, demand_sd=0.0, fixed_cost=8.0, holding_cost=0.225)

    # when planned in yearly periods
    out = policy_of(row, periods_per_year=1)

    # then Q* = 304.05 (Snyder & Shen eq. 3.4), rounded up to whole units
    assert out["eoq"] == pytest.approx(eoq(8, 0.225, 1300).order_quantity)
    assert out["eoq"] == pytest.approx(304.0467800264368)
    assert out["order_quantity"] == 305


def test_all_units_price_breaks_example_3_7() -> None:
    # given Example 3.1 priced 0.75, 0.72 from 400, 0.68 from 800 on all units, h = 0.3 x price
    breaks = [(0.0, 0.75), (400.0, 0.72), (800.0, 0.68)]
    row = item(
        demand_mean=1300.0,
        demand_sd=0.0,
        fixed_cost=8.0,
        holding_cost=0.3 * 0.75,
        unit_cost=0.75,
        price_breaks=breaks,
    )

    out = policy_of(row, periods_per_year=1)

    # then the 800 break wins, as eoq_all_units_discount finds
    expected = eoq_all_units_discount(8, 0.3, 1300, [0, 400, 800], [0.75, 0.72, 0.68])
    assert out["price_break_quantity"] == expected.order_quantity == 800
    assert out["unit_price"] == 0.68
    assert out["order_quantity"] == 800


def test_price_break_interior_optimum_matches_the_library() -> None:
    # given a cheap region whose own EOQ lies inside it (breaks at 100 and 100,000)
    breaks = [(100.0, 4.0), (100_000.0, 3.9)]
    row = item(demand_sd=0.0, unit_cost=5.0, holding_cost=0.5, price_breaks=breaks)

    out = policy_of(row)

    expected = eoq_all_units_discount(50, 0.1, 100, [0, 100, 100_000], [5.0, 4.0, 3.9])
    assert out["price_break_quantity"] == pytest.approx(expected.order_quantity)
    assert out["unit_price"] == 4.0


def test_price_breaks_accept_pairs_and_skip_a_break_not_worth_it() -> None:
    # given 10 a week, K = 20, h = 0.1 at price 2; 1.98 from 1,000 units is not worth holding
    pairs = pl.DataFrame(
        [item(demand_mean=10.0, demand_sd=0.0, fixed_cost=20.0, holding_cost=0.1, unit_cost=2.0)]
    ).with_columns(
        pl.Series(
            "price_breaks", [[[0.0, 2.0], [1000.0, 1.98]]], dtype=pl.List(pl.List(pl.Float64))
        )
    )

    out = dynamic_policy(pairs).row(0, named=True)

    # then the EOQ sqrt(2 x 20 x 10 / 0.1) = 63.2 at 2.0 costs 26.3 a week, 1,000 at 1.98 costs 69
    assert out["price_break_quantity"] == pytest.approx(math.sqrt(4000))
    assert out["unit_price"] == 2.0
    assert out["order_quantity"] == 64


@pytest.mark.parametrize(
    ("moq", "multiple", "expected"),
    [
        pytest.param(0.0, 1.0, 142.0, id="whole-units"),
        pytest.param(0.0, 25.0, 150.0, id="multiple"),
        pytest.param(500.0, 1.0, 500.0, id="moq"),
        pytest.param(250.0, 12.0, 252.0, id="moq-then-multiple"),
        pytest.param(None, None, 142.0, id="null-terms"),
    ],
)
def test_order_quantity_rounds_up_to_moq_and_multiple(
    moq: float | None, multiple: float | None, expected: float
) -> None:
    # given EOQ sqrt(2 x 50 x 100 / 0.5) = 141.4 with certain demand
    out = policy_of(item(demand_sd=0.0, moq=moq, multiple=multiple))

    assert out["order_quantity"] == expected


def test_zero_demand_gets_no_stock_and_the_moq() -> None:
    out = policy_of(item(demand_mean=0.0, demand_sd=3.0, moq=10.0, multiple=4.0))

    assert out["safety_stock"] == 0
    assert out["reorder_point"] == 0
    assert out["eoq"] == 0
    assert out["cv"] is None
    assert out["order_quantity"] == 12  # the MOQ of 10 rounded up to the multiple of 4
    assert out["days_of_cover"] is None


@pytest.mark.parametrize(
    ("sd", "cap", "expected"),
    [
        pytest.param(0.0, 2.0, 1.0, id="certain"),
        pytest.param(50.0, 2.0, 1.5, id="cv-0.5"),
        pytest.param(300.0, 2.0, 2.0, id="capped"),
        pytest.param(300.0, 5.0, 4.0, id="higher-cap"),
    ],
)
def test_uncertainty_coefficient_is_one_plus_cv_capped(
    sd: float, cap: float, expected: float
) -> None:
    out = policy_of(item(demand_sd=sd), max_uncertainty_coefficient=cap)

    assert out["uncertainty_coefficient"] == pytest.approx(expected)


@pytest.mark.parametrize(
    ("agility", "factor"),
    [
        pytest.param("S", 0.75, id="tier-S"),
        pytest.param("A", 1.0, id="tier-A"),
        pytest.param("b", 1.25, id="tier-b"),
        pytest.param(None, 1.0, id="unknown"),
    ],
)
def test_agility_tiers(agility: str | None, factor: float) -> None:
    rows = pl.DataFrame([item()]).with_columns(pl.Series("agility", [agility], dtype=pl.String))

    out = dynamic_policy(rows).row(0, named=True)

    assert out["agility_factor"] == factor


def test_agility_score_scales_the_lot() -> None:
    out = dynamic_policy(frame(item(item="rigid", agility=0.0), item(item="agile", agility=1.0)))

    rigid, agile = out["adjusted_eoq"].to_list()
    assert rigid / agile == pytest.approx(1.25 / 0.75)


def test_monthly_periods_convert_review_weeks_and_days() -> None:
    # given a CZ item (review 4 weeks) on monthly buckets
    out = policy_of(item(abc="C", xyz="Z", demand_sd=0.0), periods_per_year=12)

    assert out["review_period"] == pytest.approx(4 * 12 / 52)
    assert out["days_of_cover"] == pytest.approx(out["order_quantity"] / 2 / 100 * 7 * 52 / 12)


def test_keeps_row_order_and_input_columns() -> None:
    rows = [item(item=f"I{i}", demand_mean=float(10 - i)) for i in range(5)]
    rows[2]["price_breaks"] = [(50.0, 4.5)]

    out = dynamic_policy(frame(*rows))

    assert out["item"].to_list() == [f"I{i}" for i in range(5)]
    assert out.columns == [*frame(*rows).columns, *OUTPUT_COLUMNS]


def test_price_breaks_column_may_be_absent() -> None:
    out = dynamic_policy(frame(item()).drop("price_breaks"))

    assert out["unit_price"].to_list() == [5.0]


@pytest.mark.parametrize(
    ("overrides", "column"),
    [
        pytest.param({"abc": "D"}, "abc", id="abc"),
        pytest.param({"xyz": None}, "xyz", id="xyz-null"),
        pytest.param({"demand_mean": -1.0}, "demand_mean", id="negative-demand"),
        pytest.param({"demand_sd": float("nan")}, "demand_sd", id="nan-sd"),
        pytest.param({"holding_cost": 0.0}, "holding_cost", id="holding-zero"),
        pytest.param({"multiple": 0.0}, "multiple", id="multiple-zero"),
        pytest.param({"agility": 1.5}, "agility", id="agility-range"),
        pytest.param({"price_breaks": [(10.0, -1.0)]}, "price_breaks", id="negative-price"),
    ],
)
def test_refuses_bad_inputs_naming_the_column(overrides: dict[str, Any], column: str) -> None:
    with pytest.raises(PolicyInputError, match=f"^{column}: .*SKU-1@WH"):
        dynamic_policy(frame(item(**overrides)))


def test_refuses_a_missing_column() -> None:
    with pytest.raises(PolicyInputError, match="holding_cost"):
        dynamic_policy(frame(item()).drop("holding_cost"))


def test_explain_row_lists_every_number() -> None:
    out = policy_of(item(lead_time_sd=0.5, multiple=10.0))

    lines = explain_row(out)

    names = [name for name, _, _ in lines]
    assert {"z", "sigma_ltr", "safety_stock", "reorder_point", "eoq", "order_quantity"} <= set(
        names
    )
    by_name = {name: (formula, value) for name, formula, value in lines}
    assert by_name["sigma_ltr"] == (
        "sqrt((L + R) sd_d^2 + d^2 sd_L^2) = sqrt((2 + 1) x 20^2 + 100^2 x 0.5^2)",
        "60.8276",
    )
    assert by_name["order_quantity"][1] == "170"
    assert by_name["days_of_cover"][0].startswith("(SS + Q / 2) / d x 7 days")


def test_explain_row_of_zero_demand() -> None:
    out = policy_of(item(demand_mean=0.0, moq=10.0, multiple=4.0))

    by_name = {name: (formula, value) for name, formula, value in explain_row(out)}

    assert by_name["safety_stock"] == ("no demand: 0", "0")
    assert by_name["order_quantity"][1] == "12"


# --- the matrix -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("abc", "xyz", "level", "weeks"),
    [
        pytest.param("A", "X", 0.98, 1.0, id="AX"),
        pytest.param("B", "Y", 0.93, 2.0, id="BY"),
        pytest.param("C", "Z", 0.85, 4.0, id="CZ"),
    ],
)
def test_default_matrix_lookup(abc: str, xyz: str, level: float, weeks: float) -> None:
    cell = DEFAULT_MATRIX.cell(abc, xyz)
    out = policy_of(item(abc=abc, xyz=xyz))

    assert (cell.service_level, cell.review_weeks) == (level, weeks)
    assert (out["service_level"], out["review_weeks"]) == (level, weeks)


def test_matrix_from_mapping_round_trips_and_overrides_a_base() -> None:
    assert PolicyMatrix.from_mapping(DEFAULT_MATRIX.as_mapping()) == DEFAULT_MATRIX

    custom = PolicyMatrix.from_mapping(
        {"ax": {"service_level": 0.995, "review_weeks": 0.5}}, base=DEFAULT_MATRIX
    )

    assert custom.cell("A", "X").service_level == 0.995
    assert custom.cell("C", "Z") == DEFAULT_MATRIX.cell("C", "Z")
    assert policy_of(item(), matrix=custom)["review_period"] == 0.5


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        pytest.param({"AX": (0.98, 1)}, "each ABC x XYZ cell once", id="incomplete"),
        pytest.param({"AW": (0.98, 1)}, "AX ... CZ", id="unknown-cell"),
        pytest.param({"AX": (1.0, 1)}, "service_level", id="certainty"),
        pytest.param({"AX": (0.9, 0)}, "review_weeks", id="no-review"),
    ],
)
def test_matrix_refuses(mapping: dict[str, Any], message: str) -> None:
    base = None if message == "each ABC x XYZ cell once" else DEFAULT_MATRIX
    with pytest.raises(PolicyInputError, match=message):
        PolicyMatrix.from_mapping(mapping, base=base)


def test_docstring_examples_run() -> None:
    result = doctest.testmod(dynamic_module)

    assert result.attempted > 0
    assert result.failed == 0


# --- properties -------------------------------------------------------------------------------

demands = st.floats(min_value=0.0, max_value=1e4)
spreads = st.floats(min_value=0.0, max_value=1e3)
lead_times = st.floats(min_value=0.0, max_value=26.0)
levels = st.floats(min_value=0.5, max_value=0.999)


@settings(max_examples=60, deadline=None)
@given(
    d=demands,
    sd=spreads,
    lead=lead_times,
    k=st.floats(min_value=0.0, max_value=500.0),
    h=st.floats(min_value=0.001, max_value=50.0),
    agility=st.floats(min_value=0.0, max_value=1.0),
    moq=st.integers(min_value=0, max_value=1000),
    multiple=st.integers(min_value=1, max_value=48),
    breaks=st.one_of(
        st.none(),
        st.lists(
            st.tuples(st.integers(1, 5000).map(float), st.floats(0.5, 10.0)),
            max_size=4,
            unique_by=lambda pair: pair[0],
        ),
    ),
)
def test_order_quantity_is_at_least_the_moq_and_a_multiple(
    d: float,
    sd: float,
    lead: float,
    k: float,
    h: float,
    agility: float,
    moq: int,
    multiple: int,
    breaks: list[tuple[float, float]] | None,
) -> None:
    row = item(
        demand_mean=d,
        demand_sd=sd,
        lead_time_mean=lead,
        fixed_cost=k,
        holding_cost=h,
        agility=agility,
        moq=float(moq),
        multiple=float(multiple),
        price_breaks=breaks,
    )

    quantity = policy_of(row)["order_quantity"]

    assert quantity >= moq
    assert quantity / multiple == pytest.approx(round(quantity / multiple), abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(d=demands, sd=spreads, lead=lead_times, lead_sd=spreads, low=levels, high=levels)
def test_higher_service_level_never_lowers_safety_stock(
    d: float, sd: float, lead: float, lead_sd: float, low: float, high: float
) -> None:
    low, high = sorted((low, high))
    row = item(demand_mean=d, demand_sd=sd, lead_time_mean=lead, lead_time_sd=lead_sd / 10)

    at_low = policy_of(row, matrix=PolicyMatrix.uniform(low, 1.0))["safety_stock"]
    at_high = policy_of(row, matrix=PolicyMatrix.uniform(high, 1.0))["safety_stock"]

    assert at_high >= at_low


@settings(max_examples=60, deadline=None)
@given(
    d=demands,
    sd=spreads,
    lead=lead_times,
    lead_sd=st.floats(min_value=0.0, max_value=10.0),
    extra=st.floats(min_value=0.0, max_value=10.0),
    abc=st.sampled_from("ABC"),
    xyz=st.sampled_from("XYZ"),
)
def test_more_lead_time_variability_never_lowers_safety_stock(
    d: float, sd: float, lead: float, lead_sd: float, extra: float, abc: str, xyz: str
) -> None:
    steady = item(item="steady", abc=abc, xyz=xyz, demand_mean=d, demand_sd=sd, lead_time_mean=lead)
    out = dynamic_policy(
        frame({**steady, "lead_time_sd": lead_sd}, {**steady, "lead_time_sd": lead_sd + extra})
    )

    before, after = out["safety_stock"].to_list()
    assert after >= before
