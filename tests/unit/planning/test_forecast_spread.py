"""The planning run's per-item spread is how wrong its forecasts of the protection interval
were, per week — not the model's widening interval over the horizon (no database involved)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import polars as pl
import pytest

from flexchain.planning.demand import classify, weekly_buckets
from flexchain.planning.dynamic import PolicyMatrix
from flexchain.planning.forecast import forecast
from flexchain.planning.run import PlanItem, PlanParameters, Snapshot
from flexchain.planning.run_forecast import forecast_items
from flexchain.planning.run_steps import classify_items

START = date(2024, 1, 1)


def test_an_items_sigma_is_its_backtest_error_not_the_horizons_interval() -> None:
    # given two years of a growing, noisy series (whose intervals widen over the horizon)
    weeks = 104
    noise = (7, -4, 1)
    quantities = [20 * 1.02**w + noise[w % 3] for w in range(weeks)]
    history = pl.DataFrame(
        {
            "item": [1] * weeks,
            "date": [START + timedelta(weeks=w) for w in range(weeks)],
            "quantity": quantities,
        }
    )
    snap = Snapshot(period_start=START + timedelta(weeks=weeks), horizon=26, history=history)
    snap.items = {1: PlanItem(1, "TEE", make=False, custom=False, unit_value=5.0)}

    # when the run classifies and forecasts it
    params = PlanParameters()
    (item,) = forecast_items(snap, classify_items(snap, params), params).values()

    # then its sigma is the RMSE of its 24 backtest errors over the protection interval (one
    # week here: no lead time, weekly review), per week, below the model's widest interval
    panel = weekly_buckets(
        history.with_columns(pl.lit("ALL").alias("location")),
        start=START,
        end=snap.period_start - timedelta(days=1),
    )
    classes = classify(panel, pl.DataFrame({"item": [1], "unit_value": [5.0]}))
    frame = forecast(panel, classes, horizon=26)
    widest = frame["sigma"].max()
    assert item.level["protection"] == 1 and item.level["errors"] == 24
    assert item.level["error_source"] == "backtest"
    assert item.sigma == Decimal(str(round(item.level["rmse"], 3)))
    assert float(item.sigma) < widest  # type: ignore[operator]


def test_a_run_sizes_safety_stock_from_its_earlier_forecasts_once_enough_have_happened() -> None:
    # given a year of steady demand (10 a week) and the forecasts of 8 earlier weekly runs, each
    # 3 short of what happened
    weeks = 52
    history = pl.DataFrame(
        {
            "item": [1] * weeks,
            "date": [START + timedelta(weeks=w) for w in range(weeks)],
            "quantity": [10.0] * weeks,
        }
    )
    start = START + timedelta(weeks=weeks)
    origins = [start - timedelta(weeks=k) for k in range(2, 10)]
    past = pl.DataFrame(
        {
            "item": [1] * 16,
            "location": [""] * 16,
            "origin": [origin for origin in origins for _ in range(2)],
            "period": [origin + timedelta(weeks=w) for origin in origins for w in range(2)],
            "forecast": [7.0] * 16,
        }
    )
    snap = Snapshot(period_start=start, horizon=8, history=history, past_forecasts=past)
    snap.items = {1: PlanItem(1, "TEE", make=False, custom=False, unit_value=5.0)}
    snap.lead_days = {1: 7}  # one week: with weekly review, two weeks of protection
    params = PlanParameters(matrix=PolicyMatrix.uniform(0.95, 1))
    # when the run forecasts it
    (item,) = forecast_items(snap, classify_items(snap, params), params).values()
    # then its errors are the 8 realised ones (3 short a week over two weeks: 6 each) and,
    # before them, 16 of the backtest's (a flat forecast of flat demand: 0 each) to make 24
    assert item.level["error_source"] == "past_forecasts and backtest"
    assert item.level["errors"] == 24 and item.level["realised_errors"] == 8
    assert item.level["bias"] == pytest.approx(8 * 6.0 / 24)
    assert item.level["own_rmse"] == pytest.approx((8 * 6.0**2 / 24) ** 0.5)
    assert item.level["protection"] == 2 and item.level["target"] == "fill"


def test_the_target_and_the_number_of_errors_are_settings() -> None:
    from flexchain.config import Settings

    assert PlanParameters.from_settings(Settings()).target == "fill"
    params = PlanParameters.from_settings(
        Settings(plan_service_target="cycle", plan_forecast_errors=12)
    )
    assert params.target == "cycle" and params.errors == 12
    default = PlanParameters.from_settings(Settings())
    assert default.fill_scope == "group" and default.unmet_demand == "backordered"
    params = PlanParameters.from_settings(
        Settings(plan_fill_scope="item", plan_unmet_demand="lost")
    )
    assert params.fill_scope == "item" and params.unmet_demand == "lost"
