"""The planning run's per-item spread is how wrong its forecasts of the protection interval
were, per week — not the model's widening interval over the horizon (no database involved)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import polars as pl

from flexchain.planning.demand import classify, weekly_buckets
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
