"""flexchain.planning.replenishment.decide: the public entry point's contract (issue 13, first
slice): time-phased protection demand, safety stock from realised errors or a backtest."""

from __future__ import annotations

import inspect
import math
from datetime import date

import polars as pl
import pytest

from flexchain.planning.replenishment import Decision, decide


def _month(index: int) -> date:
    return date(2021 + index // 12, index % 12 + 1, 1)


def _seasonal(months: int = 48) -> pl.DataFrame:
    """One series with a strong yearly shape: 100 a month on average, 150 at its peak."""
    rows = [
        ("S", _month(m), float(round(100 * (1 + 0.5 * math.sin(2 * math.pi * (m % 12) / 12)))))
        for m in range(months)
    ]
    return pl.DataFrame(rows, schema=["item", "period", "quantity"], orient="row")


def test_the_signature_is_the_public_contract() -> None:
    parameters = inspect.signature(decide).parameters
    assert list(parameters)[:7] == [
        "history", "period", "lead_time", "review_period", "service_level", "past_forecasts",
        "errors",
    ]  # fmt: skip
    defaults = {name: p.default for name, p in parameters.items()}
    assert defaults["period"] == "1mo" and defaults["lead_time"] == 1
    assert defaults["review_period"] == 1 and defaults["service_level"] == 0.95
    assert defaults["past_forecasts"] is None


def test_protection_demand_keeps_the_seasonal_shape_of_the_forecast() -> None:
    # given four years of a seasonal series, deciding ahead of its peak months
    decision = decide(_seasonal(), lead_time=1, review_period=1)
    (level,) = decision.levels.to_dicts()
    upcoming = decision.forecasts.filter(pl.col("item") == "S")["forecast"].to_list()
    # then the protection demand is the sum of the two months' forecasts, not a flat mean
    assert len(upcoming) == 2
    assert level["protection_demand"] == pytest.approx(sum(upcoming))
    assert level["demand_per_period"] == pytest.approx(sum(upcoming) / 2)
    assert level["order_up_to"] == pytest.approx(level["protection_demand"] + level["safety_stock"])
    # the next two months (January, February) are above the yearly mean of 100
    assert level["protection_demand"] > 2 * 100 and level["model"] == "AutoETS"
    assert level["error_source"] == "backtest" and level["errors"] == 24


def test_missing_periods_inside_a_series_are_zero_demand_and_it_starts_at_its_first_row() -> None:
    rows = [("X", _month(m), 4.0) for m in range(0, 30, 3)] + [("Y", _month(29), 9.0)]
    sparse = pl.DataFrame(rows, schema=["item", "period", "quantity"], orient="row")
    explicit = pl.concat(
        [
            pl.DataFrame(
                [("X", _month(m), 4.0 if m % 3 == 0 else 0.0) for m in range(30)],
                schema=["item", "period", "quantity"],
                orient="row",
            ),
            sparse.filter(pl.col("item") == "Y"),
        ]
    )
    assert decide(sparse).levels.equals(decide(explicit).levels)


def test_realised_errors_of_past_forecasts_size_the_safety_stock() -> None:
    # given past decisions that always forecast 10 below what happened in each month
    history = _seasonal()
    months = history.sort("period").tail(30)
    past = pl.concat(
        [
            pl.DataFrame(
                {
                    "item": ["S", "S"],
                    "origin": [origin, origin],
                    "period": [origin, months["period"][i + 1]],
                    "forecast": [months["quantity"][i] - 10, months["quantity"][i + 1] - 10],
                }
            )
            for i, origin in enumerate(months["period"][:-1])
        ]
    )
    decision = decide(history, past_forecasts=past, service_level=0.95, errors=24)
    (level,) = decision.levels.to_dicts()
    # then the last 24 realised two-month errors (each 20) size it: z(95 %) x 20
    assert level["error_source"] == "past_forecasts" and level["errors"] == 24
    assert level["safety_stock"] == pytest.approx(1.6448536 * 20, rel=1e-6)


def test_a_decision_is_deterministic_and_passes_its_forecasts_back() -> None:
    history = _seasonal(40)
    first, again = decide(history), decide(history)
    assert isinstance(first, Decision)
    assert first.levels.equals(again.levels) and first.forecasts.equals(again.forecasts)
    assert first.forecasts.columns == ["item", "origin", "period", "forecast"]
    assert set(first.forecasts["origin"]) == {_month(40)}


@pytest.mark.parametrize(
    "bad",
    [{"lead_time": -1}, {"review_period": 0}, {"service_level": 1.0}, {"period": "2mo"}],
)
def test_bad_settings_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        decide(_seasonal(), **bad)  # type: ignore[arg-type]
