"""Forecasts by demand pattern, rolling-origin backtests and model choice, on tiny panels."""

from __future__ import annotations

import doctest
import math
from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest

from flexchain.planning import forecast as forecast_module
from flexchain.planning.demand import classify
from flexchain.planning.forecast import (
    FAMILIES,
    accuracy,
    backtest,
    choose_models,
    forecast,
)

MONDAY = date(2025, 1, 6)
WEEKS = 40
HORIZON = 4


def panel_of(series: dict[str, list[float]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "item": [item for item, qs in series.items() for _ in qs],
            "location": ["WH" for qs in series.values() for _ in qs],
            "period": [
                MONDAY + timedelta(weeks=w) for qs in series.values() for w in range(len(qs))
            ],
            "quantity": [float(q) for qs in series.values() for q in qs],
        }
    )


def labelled(**patterns: str) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "item": list(patterns),
            "location": ["WH"] * len(patterns),
            "pattern": list(patterns.values()),
        }
    )


@pytest.fixture(scope="module")
def panel() -> pl.DataFrame:
    """Two smooth series (sine + noise), two intermittent (Bernoulli x size), one without demand."""
    rng = np.random.default_rng(7)
    weeks = np.arange(WEEKS)
    series: dict[str, list[float]] = {}
    for name in ("SMOOTH1", "SMOOTH2"):
        wave = 30 + 8 * np.sin(2 * np.pi * weeks / 13) + rng.normal(0, 2, WEEKS)
        series[name] = np.clip(wave, 0, None).round(1).tolist()
    for name in ("SPARSE1", "SPARSE2"):
        occurs = rng.random(WEEKS) < 0.3
        series[name] = (occurs * rng.integers(4, 7, WEEKS)).astype(float).tolist()
    series["NEVER"] = [0.0] * WEEKS
    return panel_of(series)


@pytest.fixture(scope="module")
def classes(panel: pl.DataFrame) -> pl.DataFrame:
    items = panel["item"].unique()
    return classify(panel, pl.DataFrame({"item": items, "unit_value": [1.0] * len(items)}))


@pytest.fixture(scope="module")
def forecasts(panel: pl.DataFrame, classes: pl.DataFrame) -> pl.DataFrame:
    return forecast(panel, classes, horizon=HORIZON)


@pytest.fixture(scope="module")
def scores(panel: pl.DataFrame, classes: pl.DataFrame) -> pl.DataFrame:
    return backtest(panel, classes, horizon=HORIZON, windows=2)


def models_by_item(frame: pl.DataFrame) -> dict[str, str]:
    return dict(frame.select("item", "model").unique().iter_rows())


def test_the_synthetic_panel_has_the_patterns_it_was_built_for(classes: pl.DataFrame) -> None:
    assert dict(classes.select("item", "pattern").iter_rows()) == {
        "NEVER": "no_demand",
        "SMOOTH1": "smooth",
        "SMOOTH2": "smooth",
        "SPARSE1": "intermittent",
        "SPARSE2": "intermittent",
    }


def test_each_pattern_gets_the_default_model_of_its_family(forecasts: pl.DataFrame) -> None:
    assert models_by_item(forecasts) == {
        "NEVER": "Zero",
        "SMOOTH1": "AutoETS",
        "SMOOTH2": "AutoETS",
        "SPARSE1": "CrostonSBA",
        "SPARSE2": "CrostonSBA",
    }


def test_forecasts_cover_the_horizon_after_the_last_week(forecasts: pl.DataFrame) -> None:
    last = MONDAY + timedelta(weeks=WEEKS - 1)
    expected = [last + timedelta(weeks=k) for k in range(1, HORIZON + 1)]

    for (item,), rows in forecasts.group_by("item"):
        assert rows["period"].to_list() == expected, item


def test_forecasts_are_never_negative_and_intervals_are_nested(forecasts: pl.DataFrame) -> None:
    columns = ["lo_95", "lo_80", "mean", "hi_80", "hi_95"]
    values = forecasts.select(columns).to_numpy()

    assert not np.isnan(values).any()
    assert (values >= 0).all()
    assert (np.diff(values, axis=1) >= 0).all()
    assert (forecasts["sigma"] >= 0).all()


def test_smooth_forecasts_stay_within_the_range_of_history(
    panel: pl.DataFrame, forecasts: pl.DataFrame
) -> None:
    history = panel.filter(pl.col("item") == "SMOOTH1")["quantity"].to_list()
    means = forecasts.filter(pl.col("item") == "SMOOTH1")["mean"].to_list()

    assert min(history) <= min(means)
    assert max(means) <= max(history)


def test_no_demand_forecasts_zero_with_no_spread(forecasts: pl.DataFrame) -> None:
    never = forecasts.filter(pl.col("item") == "NEVER").select("mean", "sigma", "lo_95", "hi_95")

    assert set(never.to_numpy().ravel()) == {0.0}


def test_croston_spread_is_the_in_sample_rmse_and_flat_over_the_horizon(
    panel: pl.DataFrame, forecasts: pl.DataFrame
) -> None:
    rows = forecasts.filter(pl.col("item") == "SPARSE1")
    sigma = rows["sigma"][0]
    # the spread is the one-step in-sample error: positive, below the largest demand
    assert 0 < sigma < max(panel.filter(pl.col("item") == "SPARSE1")["quantity"].to_list())
    assert rows["sigma"].n_unique() == 1
    # and the 80 % upper bound is mean + z(0.9) * sigma
    z80 = 1.2815515655446004
    assert rows["hi_80"].to_list() == pytest.approx((rows["mean"] + z80 * sigma).to_list())


def test_backtest_scores_every_candidate_of_the_series_family(scores: pl.DataFrame) -> None:
    candidates = scores.group_by("item").agg(pl.col("model").sort())
    assert dict(candidates.iter_rows()) == {
        "SMOOTH1": sorted(FAMILIES["continuous"]),
        "SMOOTH2": sorted(FAMILIES["continuous"]),
        "SPARSE1": sorted(FAMILIES["intermittent"]),
        "SPARSE2": sorted(FAMILIES["intermittent"]),
    }
    defaults = scores.filter(pl.col("is_default"))
    assert models_by_item(defaults) == {
        "SMOOTH1": "AutoETS",
        "SMOOTH2": "AutoETS",
        "SPARSE1": "CrostonSBA",
        "SPARSE2": "CrostonSBA",
    }
    assert (scores["points"] == 2 * HORIZON).all()


def test_backtest_metrics_match_a_hand_computed_croston_case() -> None:
    # given demand 0, 4, 0, 4, ... for 20 weeks: sizes always 4, intervals always 2
    panel = panel_of({"TEE": [0.0, 4.0] * 10})
    # when backtested from two origins (after weeks 16 and 18), two weeks ahead
    scores = backtest(panel, labelled(TEE="intermittent"), horizon=2, windows=2)
    # then Croston SBA forecasts 0.95 * 4 / 2 = 1.9 against actuals 0, 4, 0, 4, and ADIDA
    # (pairs of weeks sum to 4) forecasts 2; the naive in-sample error is 4 every week
    by_model = {row["model"]: row for row in scores.iter_rows(named=True)}
    sba = by_model["CrostonSBA"]
    assert sba["mase"] == pytest.approx(2.0 / 4)  # mean |1.9, -2.1, 1.9, -2.1| = 2
    assert sba["wape"] == pytest.approx(8.0 / 8)
    assert sba["bias"] == pytest.approx((4 * 1.9 - 8) / 8)
    assert sba["rmse"] == pytest.approx(math.sqrt((1.9**2 + 2.1**2) / 2))
    adida = by_model["ADIDA"]
    assert (adida["mase"], adida["wape"], adida["bias"], adida["rmse"]) == pytest.approx(
        (0.5, 1.0, 0.0, 2.0)
    )


def test_accuracy_of_hand_made_points() -> None:
    points = pl.DataFrame(
        {
            "item": ["TEE", "TEE", "TEE", "CAP", "CAP"],
            "location": ["WH"] * 5,
            "model": ["TSB"] * 5,
            "actual": [4.0, 0.0, 2.0, 0.0, 0.0],
            "forecast": [3.0, 1.0, 5.0, 1.0, 0.0],
        }
    )
    scale = pl.DataFrame({"item": ["TEE", "CAP"], "location": ["WH", "WH"], "scale": [2.0, 0.0]})

    rows = {row["item"]: row for row in accuracy(points, scale).iter_rows(named=True)}

    # TEE: errors -1, 1, 3; |e| = 5 over 3 points; sold 6
    assert rows["TEE"]["mase"] == pytest.approx(5 / 3 / 2)
    assert rows["TEE"]["wape"] == pytest.approx(5 / 6)
    assert rows["TEE"]["bias"] == pytest.approx(3 / 6)
    assert rows["TEE"]["rmse"] == pytest.approx(math.sqrt(11 / 3))
    # CAP sold nothing and never moved: only the RMSE is defined
    assert (rows["CAP"]["mase"], rows["CAP"]["wape"], rows["CAP"]["bias"]) == (None, None, None)
    assert rows["CAP"]["rmse"] == pytest.approx(math.sqrt(1 / 2))


def test_docstring_examples_run() -> None:
    result = doctest.testmod(forecast_module, optionflags=doctest.ELLIPSIS)

    assert result.attempted > 0
    assert result.failed == 0


def scored(rows: list[tuple[str, str, bool, float | None, float | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            (item, "WH", model, default, mase, wape, 0.0, 1.0)
            for item, model, default, mase, wape in rows
        ],
        schema={
            "item": pl.String,
            "location": pl.String,
            "model": pl.String,
            "is_default": pl.Boolean,
            "mase": pl.Float64,
            "wape": pl.Float64,
            "bias": pl.Float64,
            "rmse": pl.Float64,
        },
        orient="row",
    )


@pytest.mark.parametrize(
    ("rows", "chosen"),
    [
        pytest.param(
            [("TEE", "CrostonSBA", True, 1.0, 0.5), ("TEE", "TSB", False, 0.95, 0.4)],
            "CrostonSBA",
            id="five-percent-better-is-not-enough",
        ),
        pytest.param(
            [("TEE", "CrostonSBA", True, 1.0, 0.5), ("TEE", "TSB", False, 0.85, 0.6)],
            "TSB",
            id="fifteen-percent-better-wins",
        ),
        pytest.param(
            [("TEE", "CrostonSBA", True, 1.0, 0.5), ("TEE", "TSB", False, 0.9, 0.6)],
            "CrostonSBA",
            id="exactly-the-margin-keeps-the-default",
        ),
        pytest.param(
            [
                ("TEE", "CrostonSBA", True, 1.0, 0.5),
                ("TEE", "TSB", False, 0.8, 0.6),
                ("TEE", "IMAPA", False, 0.7, 0.6),
            ],
            "IMAPA",
            id="the-best-alternative-wins",
        ),
        pytest.param(
            [("TEE", "CrostonSBA", True, None, 0.5), ("TEE", "TSB", False, None, 0.3)],
            "TSB",
            id="without-mase-wape-decides",
        ),
        pytest.param(
            [("TEE", "CrostonSBA", True, None, None), ("TEE", "TSB", False, None, None)],
            "CrostonSBA",
            id="nothing-to-compare-keeps-the-default",
        ),
    ],
)
def test_choose_models_needs_a_margin_to_leave_the_default(
    rows: list[tuple[str, str, bool, float | None, float | None]], chosen: str
) -> None:
    choice = choose_models(scored(rows), margin=0.1)

    assert choice.select("item", "model", "default_model").rows() == [("TEE", chosen, "CrostonSBA")]


def test_a_choice_changes_the_model_and_gives_croston_its_backtest_spread(
    panel: pl.DataFrame, classes: pl.DataFrame
) -> None:
    choice = pl.DataFrame(
        {
            "item": ["SPARSE1", "SMOOTH1"],
            "location": ["WH", "WH"],
            "model": ["TSB", "Theta"],
            "rmse": [2.5, 9.0],
        }
    )

    result = forecast(panel, classes, horizon=2, choice=choice)

    assert models_by_item(result) == {
        "NEVER": "Zero",
        "SMOOTH1": "Theta",
        "SMOOTH2": "AutoETS",
        "SPARSE1": "TSB",
        "SPARSE2": "CrostonSBA",
    }
    assert result.filter(pl.col("item") == "SPARSE1")["sigma"].to_list() == [2.5, 2.5]


def test_backtest_choice_feeds_forecast(
    panel: pl.DataFrame, classes: pl.DataFrame, scores: pl.DataFrame
) -> None:
    choice = choose_models(scores)

    result = forecast(panel, classes, horizon=2, choice=choice)

    assert models_by_item(result) == {**models_by_item(choice), "NEVER": "Zero"}


def test_an_unknown_model_in_a_choice_is_named(panel: pl.DataFrame, classes: pl.DataFrame) -> None:
    choice = pl.DataFrame({"item": ["SPARSE1"], "location": ["WH"], "model": ["Prophet"]})

    with pytest.raises(ValueError, match="unknown model 'Prophet'"):
        forecast(panel, classes, horizon=2, choice=choice)


def test_a_backtest_longer_than_the_history_is_refused(
    panel: pl.DataFrame, classes: pl.DataFrame
) -> None:
    with pytest.raises(ValueError, match=r"backtest needs at least 42 periods per series"):
        backtest(panel, classes, horizon=10, windows=4)


def test_horizon_must_be_positive(panel: pl.DataFrame, classes: pl.DataFrame) -> None:
    with pytest.raises(ValueError, match="horizon must be at least 1"):
        forecast(panel, classes, horizon=0)


def test_levels_must_be_percentages(panel: pl.DataFrame, classes: pl.DataFrame) -> None:
    with pytest.raises(ValueError, match="levels must be percentages"):
        forecast(panel, classes, horizon=2, levels=(80, 100))
