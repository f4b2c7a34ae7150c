"""Forecast accuracy (flexchain.planning.accuracy): WAPE and bias of stored forecasts against
what happened, per buffer, class, pattern and overall, at lag 1 and over the stored horizon.

Hand-computed cases, then properties: perfect forecasts score 0, scaling demand and forecast
alike changes nothing, and WAPE bounds the size of the bias.
"""

from __future__ import annotations

import doctest
from datetime import date, timedelta

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from flexchain.planning import accuracy
from flexchain.planning.accuracy import forecast_accuracy, forecast_errors

W0 = date(2026, 11, 2)
W1, W2 = W0 + timedelta(weeks=1), W0 + timedelta(weeks=2)


def past(*rows: tuple[int, str, date, date, float]) -> pl.DataFrame:
    """(item, location, origin, period, forecast) rows."""
    return pl.DataFrame(
        rows,
        schema={
            "item": pl.Int64,
            "location": pl.String,
            "origin": pl.Date,
            "period": pl.Date,
            "forecast": pl.Float64,
        },
        orient="row",
    )


def actuals(*rows: tuple[int, str, date, float]) -> pl.DataFrame:
    """(item, location, period, quantity) rows: the weekly panel."""
    return pl.DataFrame(
        rows,
        schema={"item": pl.Int64, "location": pl.String, "period": pl.Date, "quantity": pl.Float64},
        orient="row",
    )


CLASSES = pl.DataFrame(
    {
        "item": [1, 2],
        "location": ["", "WH2"],
        "abc": ["A", "C"],
        "xyz": ["X", "Z"],
        "pattern": ["smooth", "lumpy"],
    }
)
# item 1 at home: origin W0 forecast 10 a week (W2 has not happened), origin W1 forecast 12;
# item 2 at WH2: origin W0 forecast 5 for a week that sold nothing
PAST = past(
    (1, "", W0, W0, 10.0),
    (1, "", W0, W1, 10.0),
    (1, "", W0, W2, 10.0),
    (1, "", W1, W1, 12.0),
    (2, "WH2", W0, W0, 5.0),
)
ACTUALS = actuals((1, "", W0, 8.0), (1, "", W1, 14.0), (2, "WH2", W0, 0.0), (2, "WH2", W1, 3.0))


def test_the_module_example_runs() -> None:
    failures, _ = doctest.testmod(accuracy)
    assert failures == 0


def test_only_forecast_periods_that_happened_count() -> None:
    errors = forecast_errors(PAST, ACTUALS)
    assert errors.height == 4  # W2 is not in the actuals yet
    first_weeks = errors.filter(pl.col("lag1")).select("item", "origin", "period").rows()
    assert sorted(first_weeks) == [(1, W0, W0), (1, W1, W1), (2, W0, W0)]


def test_a_buffers_wape_and_bias_by_hand() -> None:
    # whole horizon: |8-10| + |14-10| + |14-12| = 8 over 8 + 14 + 14 = 36 sold, forecast 32
    # lag 1: |8-10| + |14-12| = 4 over 22 sold, forecast 22
    figures = forecast_accuracy(PAST, ACTUALS, CLASSES)
    one = figures.buffers.filter(pl.col("item") == 1).row(0, named=True)
    assert (one["origins"], one["periods"], one["periods_lag1"]) == (2, 3, 2)
    assert (one["actual"], one["forecast"], one["abs_error"]) == (36.0, 32.0, 8.0)
    assert one["wape"] == pytest.approx(8 / 36)
    assert one["bias"] == pytest.approx(-4 / 36)
    assert one["wape_lag1"] == pytest.approx(4 / 22)
    assert one["bias_lag1"] == pytest.approx(0.0)
    assert (one["class"], one["pattern"]) == ("AX", "smooth")


def test_a_buffer_that_sold_nothing_has_no_ratio_but_counts_in_the_totals() -> None:
    figures = forecast_accuracy(PAST, ACTUALS, CLASSES)
    two = figures.buffers.filter(pl.col("item") == 2).row(0, named=True)
    assert (two["abs_error"], two["wape"], two["bias"], two["wape_lag1"]) == (5.0, None, None, None)
    overall = figures.overall.row(0, named=True)
    # 8 + 5 = 13 wrong over 36 sold; 37 forecast against 36 sold
    assert (overall["buffers"], overall["periods"]) == (2, 4)
    assert overall["wape"] == pytest.approx(13 / 36)
    assert overall["bias"] == pytest.approx(1 / 36)
    assert overall["wape_lag1"] == pytest.approx(9 / 22)


def test_classes_and_patterns_add_their_buffers_up() -> None:
    figures = forecast_accuracy(PAST, ACTUALS, CLASSES)
    by_class = {row["class"]: row for row in figures.by_class.iter_rows(named=True)}
    assert set(by_class) == {"AX", "CZ"}
    assert by_class["AX"]["wape"] == pytest.approx(8 / 36) and by_class["CZ"]["wape"] is None
    by_pattern = {row["pattern"]: row for row in figures.by_pattern.iter_rows(named=True)}
    assert by_pattern["lumpy"]["abs_error"] == 5.0 and by_pattern["smooth"]["buffers"] == 1


def test_without_classes_and_locations_as_decide_returns_its_forecasts() -> None:
    # replenishment.decide's forecasts have no location: one series per item
    decided = PAST.filter(pl.col("item") == 1).drop("location")
    panel = ACTUALS.filter(pl.col("item") == 1).drop("location")
    figures = forecast_accuracy(decided, panel)
    assert figures.buffers.columns[0] == "item" and "location" not in figures.buffers.columns
    assert figures.overall["wape"][0] == pytest.approx(8 / 36)
    assert figures.by_class["class"].to_list() == [None]


def test_no_forecasts_give_empty_figures() -> None:
    figures = forecast_accuracy(PAST.head(0), ACTUALS, CLASSES)
    assert figures.buffers.is_empty()
    overall = figures.overall.row(0, named=True)
    assert (overall["buffers"], overall["periods"], overall["wape"]) == (0, 0, None)


# a week's quantity: none, or at least a millionth (stored quantities have at most six decimals;
# a subnormal float such as 5e-324 loses its digits when scaled, and the ratios with them)
quantity = st.one_of(st.just(0.0), st.floats(1e-6, 1000, allow_nan=False, allow_infinity=False))
weeks = st.lists(st.tuples(quantity, quantity), min_size=1, max_size=20)


def _frames(pairs: list[tuple[float, float]], scale: float = 1.0) -> tuple[pl.DataFrame, ...]:
    """One buffer, one origin: (actual, forecast) per week, both times ``scale``."""
    days = [W0 + timedelta(weeks=k) for k in range(len(pairs))]
    forecasts = past(*((1, "", W0, d, f * scale) for d, (_, f) in zip(days, pairs, strict=True)))
    sold = actuals(*((1, "", d, a * scale) for d, (a, _) in zip(days, pairs, strict=True)))
    return forecasts, sold


@given(weeks)
def test_perfect_forecasts_have_no_error_and_no_bias(pairs: list[tuple[float, float]]) -> None:
    sold = [(a, a) for a, _ in pairs]
    overall = forecast_accuracy(*_frames(sold)).overall.row(0, named=True)
    if overall["actual"] > 0:
        assert overall["wape"] == 0 and overall["bias"] == 0
    else:
        assert overall["wape"] is None and overall["bias"] is None


@given(weeks, st.floats(0.01, 100))
def test_scaling_demand_and_forecast_alike_changes_no_ratio(
    pairs: list[tuple[float, float]], scale: float
) -> None:
    before = forecast_accuracy(*_frames(pairs)).overall.row(0, named=True)
    after = forecast_accuracy(*_frames(pairs, scale)).overall.row(0, named=True)
    for ratio in ("wape", "bias", "wape_lag1", "bias_lag1"):
        if before[ratio] is None or after[ratio] is None:
            continue  # a total too small to stay above zero once scaled
        assert after[ratio] == pytest.approx(before[ratio], rel=1e-6, abs=1e-9)


@given(weeks)
def test_wape_bounds_the_size_of_the_bias(pairs: list[tuple[float, float]]) -> None:
    overall = forecast_accuracy(*_frames(pairs)).overall.row(0, named=True)
    if overall["wape"] is not None:
        # |sum(e)| <= sum(|e|), up to the floating-point rounding of ratios as large as 1e16
        assert abs(overall["bias"]) <= overall["wape"] * (1 + 1e-12) + 1e-9
