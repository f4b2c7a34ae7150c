"""The planning run's per-item spread is the one-week-ahead one (no database involved)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import polars as pl

from flexchain.planning.demand import classify, weekly_buckets
from flexchain.planning.forecast import forecast
from flexchain.planning.run import PlanItem, PlanParameters, Snapshot
from flexchain.planning.run_steps import classify_items, forecast_items

START = date(2024, 1, 1)


def test_an_items_sigma_is_its_first_weeks_spread_not_the_horizons() -> None:
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

    # then its sigma is the spread of the first forecast week, below the widest one
    panel = weekly_buckets(
        history.with_columns(pl.lit("ALL").alias("location")),
        start=START,
        end=snap.period_start - timedelta(days=1),
    )
    classes = classify(panel, pl.DataFrame({"item": [1], "unit_value": [5.0]}))
    frame = forecast(panel, classes, horizon=26)
    first, widest = frame["sigma"][0], frame["sigma"].max()
    assert item.sigma == Decimal(str(round(first, 3)))
    assert first < widest  # type: ignore[operator]
