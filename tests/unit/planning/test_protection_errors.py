"""flexchain.planning.protection_errors: the rolling-origin backtest of models with a state runs
their filter once and forecasts from the state at each origin, which is what running the state
forward to each origin gives."""

from __future__ import annotations

import math
import random
from datetime import date

import numpy as np
import polars as pl
import pytest
from statsforecast import StatsForecast
from statsforecast.models import AutoETS, Naive

from flexchain.planning import protection_errors
from flexchain.planning.protection_errors import _ets_from_states, _forwarded


def _panel(series: int = 12, months: int = 60) -> pl.DataFrame:
    rng = random.Random(11)
    rows = []
    for s in range(series):
        base, amplitude, trend = rng.uniform(20, 400), rng.uniform(0, 0.5), rng.uniform(-1, 2)
        for m in range(months):
            shape = 1 + amplitude * math.sin(2 * math.pi * m / 12)
            value = (base + trend * m) * shape * rng.uniform(0.8, 1.2)
            rows.append((f"S{s}", date(2020 + m // 12, m % 12 + 1, 1), value))
    return pl.DataFrame(rows, schema=["unique_id", "ds", "y"], orient="row")


@pytest.mark.parametrize("season", [1, 12])
def test_one_pass_of_the_filter_forecasts_as_running_the_state_forward(season: int) -> None:
    panel = _panel()
    engine = StatsForecast(
        models=[AutoETS(season_length=season)], freq="1mo", fallback_model=Naive()
    )
    engine.fit(df=panel)
    for i, (_, rows) in enumerate(panel.group_by("unique_id", maintain_order=True)):
        y = rows["y"].to_numpy()
        fitted = engine.fitted_[i, 0]
        cuts = list(range(30, 58))
        fast = _ets_from_states(fitted, y, cuts, 3)
        assert fast is not None
        for j, cut in enumerate(cuts):
            slow = np.asarray(fitted.forward(y=y[:cut], h=3)["mean"])
            np.testing.assert_allclose(fast[j], slow, rtol=1e-9, atol=1e-9)


def test_the_backtest_falls_back_to_forward_for_a_model_without_ets_states(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    panel = _panel(series=2)
    engine = StatsForecast(models=[Naive()], freq="1mo")
    engine.fit(df=panel)
    calls: list[int] = []
    forward = protection_errors._forward

    def counted(fitted: object, y: np.ndarray, h: int) -> np.ndarray:
        calls.append(len(y))
        return forward(fitted, y, h)

    monkeypatch.setattr(protection_errors, "_forward", counted)
    wanted = pl.DataFrame({"item": ["S0", "S1"], "protection": [2, 2], "cap": [1e9, 1e9]})
    errors = _forwarded(engine, panel, wanted, 24)
    assert errors.height == 48 and len(calls) == 48
    # the naive forecast of the two periods from an origin is twice the last period before it
    first = panel.filter(pl.col("unique_id") == "S0")["y"].to_numpy()
    cut = len(first) - 2 - 24 + 1
    expected = first[cut : cut + 2].sum() - 2 * first[cut - 1]
    assert errors["error"][0] == pytest.approx(expected)


def test_a_realised_error_carries_the_revision_its_decision_saw() -> None:
    # the decision of month 1 forecast month 1 at 15, where month 0's had said 12
    month = [date(2024, m, 1) for m in (1, 2, 3)]
    past = pl.DataFrame(
        {
            "item": ["A"] * 4,
            "origin": [month[0], month[0], month[1], month[1]],
            "period": [month[0], month[1], month[1], month[2]],
            "forecast": [10.0, 12.0, 15.0, 15.0],
        }
    )
    panel = pl.DataFrame({"item": ["A"] * 3, "period": month, "quantity": [11.0, 14.0, 16.0]})
    protection = pl.DataFrame({"item": ["A"], "protection": [1]})
    found = protection_errors.realised_errors(panel, past, protection, 24).sort("origin")
    assert found["error"].to_list() == [1.0, -1.0]
    assert found["revision"].to_list() == [None, 3.0]  # none before the first decision
