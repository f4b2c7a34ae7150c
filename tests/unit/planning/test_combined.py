"""flexchain.planning.combined: AutoETS and Theta averaged, the model a seasonal smooth or erratic
series gets where its unmet demand waits; everywhere else the pattern's model is left alone."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest
from statsforecast import StatsForecast
from statsforecast.models import AutoETS, Naive, Theta

from flexchain.planning import combined
from flexchain.planning.combined import COMBINED
from flexchain.planning.protection_errors import _forwarded
from flexchain.planning.replenishment import decide


def _month(index: int) -> date:
    return date(2019 + index // 12, index % 12 + 1, 1)


def _seasonal(months: int, item: str = "S", seed: int = 5, end: int = 48) -> pl.DataFrame:
    """``months`` of a seasonal series ending at month ``end``."""
    rng = random.Random(seed)
    rows = [
        (item, _month(m), 100 * (1 + 0.4 * math.sin(2 * math.pi * m / 12)) * rng.uniform(0.8, 1.2))
        for m in range(end - months, end)
    ]
    return pl.DataFrame(rows, schema=["item", "period", "quantity"], orient="row")


def _long(history: pl.DataFrame) -> pl.DataFrame:
    return history.select(
        pl.col("item").alias("unique_id"), pl.col("period").alias("ds"),
        pl.col("quantity").alias("y"),
    )  # fmt: skip


def test_it_forecasts_the_mean_of_autoets_and_theta_fitted_on_the_same_series() -> None:
    series = _long(_seasonal(60, end=60))
    y = series["y"].to_numpy()
    engine = StatsForecast(models=[combined.model(12)], freq="1mo", fallback_model=Naive())
    engine.fit(df=series)
    ahead = pl.DataFrame(engine.predict(h=3))[COMBINED].to_numpy()
    ets, theta = AutoETS(season_length=12).fit(y), Theta(season_length=12).fit(y)
    np.testing.assert_allclose(ahead, (ets.predict(h=3)["mean"] + theta.predict(h=3)["mean"]) / 2)
    # run forward over a shorter history, and fitted afresh by forecast, the same average
    fitted = engine.fitted_[0, 0]
    forward = (ets.forward(y=y[:40], h=2)["mean"] + theta.forward(y=y[:40], h=2)["mean"]) / 2
    np.testing.assert_allclose(fitted.forward(y=y[:40], h=2)["mean"], forward)
    once = combined.model(12).forecast(y=y, h=2, fitted=True)
    np.testing.assert_allclose(once["mean"], ahead[:2])
    in_sample = (ets.predict_in_sample()["fitted"] + theta.predict_in_sample()["fitted"]) / 2
    np.testing.assert_allclose(once["fitted"], in_sample)
    # its state is AutoETS's (the structure it chose travels), its fitted values the average's
    assert fitted.model_["components"] == ets.model_["components"]
    np.testing.assert_allclose(fitted.model_["fitted"], in_sample)


def test_its_backtest_averages_the_two_parts_run_forward_to_each_origin() -> None:
    series = _long(_seasonal(60, end=60))
    y = series["y"].to_numpy()
    engine = StatsForecast(models=[combined.model(12)], freq="1mo", fallback_model=Naive())
    engine.fit(df=series)
    wanted = pl.DataFrame({"item": ["S"], "protection": [2], "cap": [1e9]})
    errors = _forwarded(engine, series, wanted, 24)
    fitted = engine.fitted_[0, 0]
    assert errors.height == 24
    for cut, error in zip(range(60 - 2 - 24 + 1, 60 - 2 + 1), errors["error"], strict=True):
        parts = [part.forward(y=y[:cut], h=2)["mean"] for part in (fitted.ets, fitted.theta)]
        expected = y[cut : cut + 2].sum() - ((parts[0] + parts[1]) / 2).sum()
        assert error == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_where_demand_waits_a_seasonal_series_gets_the_average() -> None:
    history = pl.concat([_seasonal(48), _seasonal(35, "Young", seed=6)])
    waits = dict(decide(history, model_choice="pattern").levels.select("item", "model").iter_rows())
    lost = decide(history, model_choice="pattern", unmet_demand="lost").levels
    # three full cycles: the average; fewer (no season): AutoETS alone; lost sales: AutoETS
    assert waits == {"S": COMBINED, "Young": "AutoETS"}
    assert lost["model"].to_list() == ["AutoETS", "AutoETS"]
    # a model the caller names is its own
    named = pl.DataFrame({"item": ["S"], "model": ["AutoETS"]})
    assert decide(history, models=named, model_choice="pattern").levels["model"][0] == "AutoETS"


def test_weekly_seasons_are_beyond_ets_and_are_not_averaged() -> None:
    rng = random.Random(2)
    weeks = 3 * 52 + 10
    history = pl.DataFrame(
        {
            "item": ["W"] * weeks,
            "period": [date(2021, 1, 4) + timedelta(weeks=w) for w in range(weeks)],
            "quantity": [
                30 * (1 + 0.3 * math.sin(2 * math.pi * w / 52)) * rng.uniform(0.7, 1.3)
                for w in range(weeks)
            ],
        }
    )
    level = decide(history, period="1w", model_choice="pattern").levels.row(0, named=True)
    assert level["model"] == "AutoETS"
