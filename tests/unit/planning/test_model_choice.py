"""flexchain.planning.model_choice through decide: the pattern's model or the long-run mean,
whichever forecast the protection interval better over the same backtest origins (issue 13:
model choice from measured accuracy)."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flexchain.planning import model_choice
from flexchain.planning.combined import COMBINED
from flexchain.planning.replenishment import decide


def _month(index: int) -> date:
    return date(2021 + index // 12, index % 12 + 1, 1)


def _frame(series: dict[str, list[float]]) -> pl.DataFrame:
    rows = [(item, _month(m), value) for item, values in series.items() for m, value in
            enumerate(values)]  # fmt: skip
    return pl.DataFrame(rows, schema=["item", "period", "quantity"], orient="row")


def _steady_and_trending(months: int = 60) -> pl.DataFrame:
    rng = np.random.default_rng(7)
    steady = [float(v) for v in rng.choice([0, 0, 0, 4, 9], size=months)]  # stationary, sparse
    trending = [float(20 + 3 * m + rng.integers(0, 5)) for m in range(months)]
    return _frame({"steady": steady, "trend": trending})


@given(
    values=st.lists(st.integers(0, 50), min_size=4, max_size=30),
    protection=st.integers(1, 3),
)
@settings(max_examples=60, deadline=None)
def test_the_means_error_is_the_interval_less_p_times_the_mean_before_the_origin(
    values: list[int], protection: int
) -> None:
    panel = _frame({"A": [float(v) for v in values]})
    origins = panel.select("item", pl.col("period").alias("origin"))
    base = pl.DataFrame({"item": ["A"], "protection": [protection]})
    got = model_choice.mean_errors(panel, origins, base)
    expected = [
        sum(values[t : t + protection]) - protection * sum(values[:t]) / t
        for t in range(1, len(values) - protection + 1)
    ]
    # one error per origin with a period before it and its whole interval in the history
    assert got["error"].to_list() == pytest.approx(expected)
    assert got["origin"].to_list() == [_month(t) for t in range(1, len(values) - protection + 1)]


def test_a_steady_series_gets_the_long_run_mean_and_a_trending_one_keeps_its_model() -> None:
    history = _steady_and_trending()
    levels = {row["item"]: row for row in decide(history).levels.to_dicts()}
    steady, trend = levels["steady"], levels["trend"]
    # the steady one: the mean was more accurate over the same origins, so it forecasts
    assert steady["default_model"] == "CrostonSBA" and steady["model"] == "HistoricAverage"
    assert steady["mean_rmse"] < steady["default_rmse"]
    mean = history.filter(pl.col("item") == "steady")["quantity"].mean()
    assert steady["protection_demand"] == pytest.approx(2 * mean)
    assert steady["error_source"] == "backtest" and steady["errors"] == 24
    # the trending one: the mean lags the trend badly, the pattern's model (AutoETS averaged
    # with Theta, the trend being seasonal and its unmet demand waiting) stays
    assert trend["model"] == trend["default_model"] == COMBINED
    assert trend["mean_rmse"] > 3 * trend["default_rmse"]


def test_the_forecasts_of_the_mean_are_flat_and_carry_an_autoets_structure_found() -> None:
    rng = np.random.default_rng(3)
    flat = [float(50 + rng.integers(-20, 21)) for _ in range(60)]
    decision = decide(_frame({"flat": flat}), horizon=6)
    (level,) = decision.levels.to_dicts()
    forecasts = decision.forecasts["forecast"].to_list()
    if level["model"] == "HistoricAverage":
        assert forecasts == pytest.approx([sum(flat) / len(flat)] * 6)
    else:  # AutoETS was at least as accurate here: its own forecast
        assert level["mean_rmse"] >= level["default_rmse"]
    # either way the structure AutoETS fitted travels, so the next call need not search again
    assert decision.forecasts["spec"].null_count() == 0


def test_pattern_choice_and_named_models_are_left_alone() -> None:
    history = _steady_and_trending()
    by_pattern = decide(history, model_choice="pattern").levels
    assert by_pattern["model"].to_list() == by_pattern["default_model"].to_list()
    assert by_pattern["default_rmse"].null_count() == by_pattern.height
    named = decide(history, models=pl.DataFrame({"item": ["steady"], "model": ["TSB"]})).levels
    steady = named.filter(pl.col("item") == "steady").row(0, named=True)
    assert steady["model"] == steady["default_model"] == "TSB" and steady["default_rmse"] is None


def test_an_unknown_choice_is_refused() -> None:
    with pytest.raises(ValueError, match="model_choice must be one of accuracy, pattern"):
        decide(_steady_and_trending(), model_choice="best")
