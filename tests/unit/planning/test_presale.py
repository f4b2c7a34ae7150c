"""Presale and demand sensing: first batches from signals, option-share alerts, safety multipliers.

Hand-computed cases for each rule, the quantiles against a brute-force sum of the pmf, and
properties: the range contains the expectation, and more signals never lower it.
"""

from __future__ import annotations

import doctest
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flexchain.planning import presale
from flexchain.planning.presale import (
    ConversionRates,
    first_batch,
    option_alerts,
    option_shares,
    product_counts,
    safety_multipliers,
)

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
POISSON = ConversionRates(rate_cv=0)


def signals(*rows: tuple[Any, ...]) -> pl.DataFrame:
    """Rows of (item, module, option, kind, quantity[, days before NOW])."""
    return pl.DataFrame(
        [
            (item, module, option, kind, float(quantity), NOW - timedelta(days=days))
            for item, module, option, kind, quantity, *rest in rows
            for days in [rest[0] if rest else 0]
        ],
        schema={
            "item": pl.String,
            "module": pl.String,
            "option": pl.String,
            "kind": pl.String,
            "quantity": pl.Float64,
            "occurred_at": pl.Datetime("us", "UTC"),
        },
        orient="row",
    )


def test_docstring_examples_run() -> None:
    failures, _ = doctest.testmod(presale)
    assert failures == 0


# --- counting ------------------------------------------------------------------------------------


def test_a_kind_counts_the_larger_of_product_rows_and_each_modules_option_rows() -> None:
    frame = signals(
        ("JKT", None, None, "add_to_cart", 10),
        ("JKT", "M-DYE", "INDIGO", "add_to_cart", 4),
        ("JKT", "M-DYE", "MADDER", "add_to_cart", 3),
        ("JKT", "M-PRINT", "CHEST", "add_to_cart", 12),
        ("JKT", None, None, "views", 100),
        ("JKT", "M-DYE", "INDIGO", "views", 60),
        ("TEE", "M-DYE", "WELD", "preorder", 2),
    )

    counts = product_counts(frame)

    assert counts.rows() == [
        ("JKT", "add_to_cart", 12.0),  # M-PRINT's options (12) beat the product rows (10)
        ("JKT", "views", 100.0),
        ("TEE", "preorder", 2.0),  # option rows alone
    ]


# --- first batch ---------------------------------------------------------------------------------


def test_preorders_and_deposits_count_fully_and_leads_convert_at_their_rates() -> None:
    frame = signals(
        ("JKT", None, None, "preorder", 20),
        ("JKT", None, None, "deposit", 5),
        ("JKT", None, None, "add_to_cart", 100),
        ("JKT", None, None, "views", 2000),
    )

    row = first_batch(frame, ConversionRates(add_to_cart=0.2, views=0.005)).row(0, named=True)

    # committed 20 + 5; leads 100 x 0.2 + 2000 x 0.005 = 20 + 10
    assert (row["item"], row["committed"], row["leads"], row["expected"]) == ("JKT", 25, 30, 55)


def test_committed_demand_alone_has_no_range() -> None:
    frame = signals(("JKT", None, None, "preorder", 5), ("JKT", None, None, "deposit", 3))

    assert first_batch(frame).rows() == [("JKT", 8.0, 0.0, 8.0, 8, 8)]


def poisson_quantile(mean: float, p: float) -> int:
    """Brute force: add up ``e^-λ λ^k / k!`` until the sum reaches ``p``."""
    total, k = 0.0, 0
    while True:
        total += math.exp(-mean + k * math.log(mean) - math.lgamma(k + 1))
        if total >= p:
            return k
        k += 1


def negative_binomial_quantile(mean: float, cv: float, p: float) -> int:
    r = 1 / cv**2
    q = r / (r + mean)
    total, k = 0.0, 0
    while True:
        log_pmf = (
            math.lgamma(k + r) - math.lgamma(r) - math.lgamma(k + 1)
            + r * math.log(q) + k * math.log(1 - q)
        )  # fmt: skip
        total += math.exp(log_pmf)
        if total >= p:
            return k
        k += 1


def test_the_poisson_range_is_the_central_80_percent_above_committed_demand() -> None:
    # 20 preorders; 100 carts at 20 % and 2000 views at 0.5 %: Poisson(30) conversions
    frame = signals(
        ("JKT", None, None, "preorder", 20),
        ("JKT", None, None, "add_to_cart", 100),
        ("JKT", None, None, "views", 2000),
    )

    row = first_batch(frame, POISSON).row(0, named=True)

    assert (poisson_quantile(30, 0.1), poisson_quantile(30, 0.9)) == (23, 37)
    assert (row["low"], row["expected"], row["high"]) == (43, 50.0, 57)


@pytest.mark.parametrize("mean", [0.7, 4.0, 40.0, 900.0])
@pytest.mark.parametrize("cv", [0.1, 0.25, 0.8])
def test_the_gamma_poisson_range_matches_a_brute_force_sum(mean: float, cv: float) -> None:
    frame = signals(("NEW", None, None, "add_to_cart", mean))
    rates = ConversionRates(add_to_cart=1.0, rate_cv=cv, interval=0.8)

    row = first_batch(frame, rates).row(0, named=True)

    low = negative_binomial_quantile(mean, cv, 0.1)
    high = max(negative_binomial_quantile(mean, cv, 0.9), math.ceil(mean))
    assert (row["low"], row["high"]) == (min(low, math.floor(mean)), high)


def test_a_wider_rate_uncertainty_widens_the_range() -> None:
    frame = signals(("NEW", None, None, "add_to_cart", 500))

    narrow = first_batch(frame, ConversionRates(rate_cv=0.1)).row(0, named=True)
    wide = first_batch(frame, ConversionRates(rate_cv=0.5)).row(0, named=True)

    assert narrow["expected"] == wide["expected"] == 100
    assert wide["low"] < narrow["low"] and wide["high"] > narrow["high"]


def test_a_tiny_expectation_rounds_the_range_out_to_whole_units() -> None:
    # 10 views at 0.5 %: 0.05 expected, both Poisson quantiles 0
    row = first_batch(signals(("NEW", None, None, "views", 10)), POISSON).row(0, named=True)

    assert (row["low"], row["expected"], row["high"]) == (0, 0.05, 1)


@pytest.mark.parametrize("cv", [0.0, 0.5])
def test_a_vanishing_expectation_does_not_underflow(cv: float) -> None:
    rates = ConversionRates(views=5e-324, rate_cv=cv)

    row = first_batch(signals(("NEW", None, None, "views", 1)), rates).row(0, named=True)

    assert (row["low"], row["high"]) == (0, 1)


def test_no_signals_give_an_empty_frame_with_the_columns() -> None:
    result = first_batch(signals())

    assert result.is_empty()
    assert result.columns == ["item", "committed", "leads", "expected", "low", "high"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        pytest.param({"add_to_cart": 1.5}, "add_to_cart must be a rate", id="rate"),
        pytest.param({"views": -0.1}, "views must be a rate", id="views"),
        pytest.param({"rate_cv": -1}, "rate_cv must not be negative", id="cv"),
        pytest.param({"interval": 1.0}, "interval must be between 0 and 1", id="interval"),
    ],
)
def test_conversion_rates_name_the_bad_argument(fields: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ConversionRates(**fields)


def test_a_frame_without_a_column_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="signals lacks the column"):
        first_batch(pl.DataFrame({"item": ["A"], "quantity": [1.0]}))


KINDS = ("views", "add_to_cart", "preorder", "deposit")
counts = st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, 5000)), min_size=1, max_size=8)
rates = st.builds(
    ConversionRates,
    add_to_cart=st.floats(0, 1),
    views=st.floats(0, 0.1),
    rate_cv=st.floats(0, 1.5),
    interval=st.floats(0.5, 0.98),
)


def frame_of(rows: list[tuple[str, int]]) -> pl.DataFrame:
    return signals(*((("NEW", None, None, kind, quantity)) for kind, quantity in rows))


@settings(max_examples=150, deadline=None)
@given(counts, rates)
def test_the_range_contains_the_expectation(rows: list[tuple[str, int]], rate: Any) -> None:
    row = first_batch(frame_of(rows), rate).row(0, named=True)

    assert row["low"] >= math.floor(row["committed"])  # committed demand is never in doubt
    assert row["low"] <= row["expected"] <= row["high"]


@settings(max_examples=150, deadline=None)
@given(counts, counts, rates)
def test_more_signals_never_lower_the_expectation_or_the_range(
    rows: list[tuple[str, int]], more: list[tuple[str, int]], rate: Any
) -> None:
    before = first_batch(frame_of(rows), rate).row(0, named=True)
    after = first_batch(frame_of(rows + more), rate).row(0, named=True)

    assert after["expected"] >= before["expected"]
    assert after["low"] >= before["low"]
    assert after["high"] >= before["high"]


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 500), st.lists(st.integers(0, 100), min_size=1, max_size=4))
def test_option_rows_never_double_count_the_product(product: int, options: list[int]) -> None:
    rows = [("NEW", None, None, "add_to_cart", product)]
    rows += [("NEW", "M-DYE", f"O{i}", "add_to_cart", n) for i, n in enumerate(options)]

    assert product_counts(signals(*rows))["quantity"].to_list() == [max(product, sum(options))]


# --- option shares and alerts --------------------------------------------------------------------


def dye_carts(*cells: tuple[str, float, float]) -> pl.DataFrame:
    """Add-to-carts of M-DYE options: (option, quantity, days before NOW)."""
    return signals(*(("JKT", "M-DYE", o, "add_to_cart", q, d) for o, q, d in cells))


def test_shares_are_of_the_modules_add_to_carts_in_the_window_and_the_baseline() -> None:
    frame = dye_carts(("INDIGO", 190, 30), ("MADDER", 10, 30), ("INDIGO", 85, 3), ("MADDER", 15, 3))

    shares = option_shares(frame, window_days=14, baseline_days=56, now=NOW)

    assert shares.rows() == [
        ("M-DYE", "INDIGO", 85.0, 100.0, 0.85, 190.0, 200.0, 0.95),
        ("M-DYE", "MADDER", 15.0, 100.0, 0.15, 10.0, 200.0, 0.05),
    ]


def test_the_window_ends_at_now_and_the_baseline_where_the_window_starts() -> None:
    frame = dye_carts(
        ("A", 1, 0),  # at now: window
        ("A", 100, -1),  # after now: left out
        ("A", 2, 14),  # exactly window_days back: baseline
        ("A", 4, 70),  # exactly window + baseline back: left out
        ("A", 8, 69.9),  # just inside the baseline
    )
    other = signals(("JKT", None, None, "add_to_cart", 50, 1), ("JKT", "M-DYE", "A", "views", 9, 1))

    shares = option_shares(pl.concat([frame, other]), window_days=14, baseline_days=56, now=NOW)

    assert shares.select("window_count", "baseline_count").rows() == [(1.0, 10.0)]


def shares_row(
    option: str, window: tuple[float, float], baseline: tuple[float, float]
) -> dict[str, Any]:
    return {
        "module": "M-DYE",
        "option": option,
        "window_count": window[0],
        "window_total": window[1],
        "window_share": window[0] / window[1] if window[1] else 0.0,
        "baseline_count": baseline[0],
        "baseline_total": baseline[1],
        "baseline_share": baseline[0] / baseline[1] if baseline[1] else 0.0,
    }


@pytest.mark.parametrize(
    ("window", "baseline", "alert"),
    [
        pytest.param((15, 100), (10, 200), True, id="reaches-15-pct-tripled"),
        pytest.param((14, 100), (1, 200), False, id="below-threshold"),
        pytest.param((15, 100), (16, 200), False, id="not-doubled"),
        pytest.param((15, 100), (15, 200), True, id="exactly-doubled"),
        pytest.param((30, 100), (0, 200), True, id="new-option"),
        pytest.param((30, 100), (0, 0), False, id="no-baseline"),
    ],
)
def test_an_option_alerts_when_its_share_reaches_the_threshold_and_jumps(
    window: tuple[float, float], baseline: tuple[float, float], alert: bool
) -> None:
    shares = pl.DataFrame([shares_row("MADDER", window, baseline)])

    alerts = option_alerts(shares, threshold_share=0.15, jump=2.0)

    assert alerts["option"].to_list() == (["MADDER"] if alert else [])


def test_a_new_option_has_an_infinite_ratio_and_min_count_filters_noise() -> None:
    shares = pl.DataFrame([shares_row("MADDER", (3, 10), (0, 200))])

    assert option_alerts(shares)["ratio"].to_list() == [math.inf]
    assert option_alerts(shares, min_count=5).is_empty()


# --- safety multipliers --------------------------------------------------------------------------

BOM = pl.DataFrame(
    {
        "parent": ["JKT", "JKT", "M-DYE", "M-DYE", "SUB", "M-PRINT"],
        "child": ["M-DYE", "M-BODY", "ALUM", "SUB", "MORDANT", "INK"],
    }
)


def alert(option: str, window: float, baseline: float, module: str = "M-DYE") -> dict[str, Any]:
    return {"module": module, "option": option, "window_share": window, "baseline_share": baseline}


def test_the_materials_behind_an_alerted_option_get_one_plus_the_share_increase() -> None:
    alerts = pl.DataFrame([alert("MADDER", 0.15, 0.05)])

    result = safety_multipliers(alerts, BOM)

    assert result["material"].to_list() == ["ALUM", "MORDANT", "SUB"]
    assert result["multiplier"].to_list() == pytest.approx([1.1, 1.1, 1.1])
    assert result["reason"].to_list() == ["M-DYE/MADDER 5% -> 15%"] * 3


def test_a_material_behind_several_alerts_takes_the_largest_multiplier_capped() -> None:
    alerts = pl.DataFrame(
        [alert("MADDER", 0.15, 0.05), alert("WELD", 0.9, 0.0), alert("ART", 0.5, 0.1, "M-PRINT")]
    )

    result = safety_multipliers(alerts, BOM, cap=1.5)

    assert dict(result.select("material", "multiplier").rows()) == pytest.approx(
        {"ALUM": 1.5, "MORDANT": 1.5, "SUB": 1.5, "INK": 1.4}
    )
    assert result.row(0, named=True)["reason"] == "M-DYE/MADDER 5% -> 15%; M-DYE/WELD 0% -> 90%"


def test_a_bom_cycle_is_followed_once() -> None:
    cyclic = pl.DataFrame({"parent": ["M-DYE", "A", "B"], "child": ["A", "B", "A"]})

    result = safety_multipliers(pl.DataFrame([alert("MADDER", 0.3, 0.1)]), cyclic)

    assert result["material"].to_list() == ["A", "B"]


def test_no_alerts_give_no_multipliers() -> None:
    columns = ("module", "option", "window_share", "baseline_share")
    none = pl.DataFrame(schema=dict(zip(columns, [pl.String] * 2 + [pl.Float64] * 2, strict=True)))

    assert safety_multipliers(none, BOM).is_empty()
