"""AutoETS structures carried from one decision to the next (flexchain.planning.model_specs):
a refit re-estimates the parameters of the structure chosen before, searching again a year on."""

from __future__ import annotations

import math
import random
from datetime import date

import numpy as np
import polars as pl
import pytest
from statsforecast.models import AutoETS, Theta

from flexchain.planning import replenishment
from flexchain.planning.combined import COMBINED
from flexchain.planning.replenishment import decide


def _month(index: int) -> date:
    return date(2019 + index // 12, index % 12 + 1, 1)


def _history(months: int, seed: int = 3) -> pl.DataFrame:
    """One seasonal series with noise (so the fitted parameters move month to month)."""
    rng = random.Random(seed)
    rows = [
        ("S", _month(m), 100 * (1 + 0.4 * math.sin(2 * math.pi * m / 12)) * rng.uniform(0.8, 1.2))
        for m in range(months)
    ]
    return pl.DataFrame(rows, schema=["item", "period", "quantity"], orient="row")


def _specs(decision: replenishment.Decision) -> tuple[str, date]:
    (row,) = decision.forecasts.select("spec", "selected").unique().to_dicts()
    return row["spec"], row["selected"]


@pytest.fixture(autouse=True)
def _cold() -> None:
    replenishment._CACHE.clear()
    replenishment._FITS.clear()


def test_the_first_decision_searches_and_says_which_structure_it_chose() -> None:
    decision = decide(_history(48))
    spec, selected = _specs(decision)
    # four error/trend/season/damping letters, and the season they were chosen for
    components, season = spec.split("/")
    assert len(components) == 4 and season == "12"
    assert selected == _month(48)  # the decision's origin: it searched now


def test_a_refit_fits_the_carried_structure_and_reestimates_its_parameters() -> None:
    first = decide(_history(48), unmet_demand="lost")
    spec, selected = _specs(first)
    later = decide(_history(49), past_forecasts=first.forecasts, unmet_demand="lost")
    # then the structure is carried with the date it was chosen ...
    assert _specs(later) == (spec, selected)
    # ... and the forecast is that structure fitted on all 49 months
    y = _history(49)["quantity"].to_numpy()
    components = spec.split("/")[0]
    direct = AutoETS(season_length=12, model=components[:3], damped=components[3] == "D")
    ets = direct.fit(y).predict(h=2)["mean"]
    np.testing.assert_allclose(later.forecasts["forecast"].to_numpy(), ets, rtol=1e-9)
    # where demand waits, AutoETS is averaged with Theta: its part carries the structure too
    waits = decide(_history(48))
    assert waits.levels["model"].to_list() == [COMBINED] and _specs(waits) == (spec, selected)
    waited = decide(_history(49), past_forecasts=waits.forecasts)
    assert _specs(waited) == (spec, selected)
    theta = Theta(season_length=12).fit(y).predict(h=2)["mean"]
    np.testing.assert_allclose(waited.forecasts["forecast"].to_numpy(), (ets + theta) / 2)


def test_a_year_after_the_search_the_structure_is_searched_again() -> None:
    past = decide(_history(48)).forecasts
    for months in range(49, 61):
        decision = decide(_history(months), past_forecasts=past)
        past = pl.concat([past, decision.forecasts])
    # twelve months after the search at month 48, the decision at month 60 searched again
    assert _specs(decision)[1] == _month(60)


def test_a_structure_chosen_for_another_season_is_not_carried() -> None:
    # 35 months: fewer than three cycles, so non-seasonal; at 36 the season is 12
    young = decide(_history(35))
    assert _specs(young)[0].endswith("/1")
    grown = decide(_history(36), past_forecasts=young.forecasts)
    assert _specs(grown) == (_specs(grown)[0], _month(36))
    assert _specs(grown)[0].endswith("/12")


def test_the_decision_depends_on_its_inputs_not_on_what_ran_before() -> None:
    first = decide(_history(48))
    warm = decide(_history(49), past_forecasts=first.forecasts)
    replenishment._CACHE.clear()
    replenishment._FITS.clear()
    cold = decide(_history(49), past_forecasts=first.forecasts)
    assert warm.levels.equals(cold.levels) and warm.forecasts.equals(cold.forecasts)


def test_other_models_carry_no_structure() -> None:
    sparse = pl.DataFrame(
        [("I", _month(m), 5.0 if m % 4 == 0 else 0.0) for m in range(48)],
        schema=["item", "period", "quantity"],
        orient="row",
    )
    for choice in ("pattern", "accuracy"):  # the long-run mean wins this one on accuracy
        decision = decide(sparse, model_choice=choice)
        assert decision.levels["model"].to_list() == [
            "CrostonSBA" if choice == "pattern" else "HistoricAverage"
        ]
        assert decision.forecasts["spec"].null_count() == decision.forecasts.height
        assert decision.forecasts["selected"].null_count() == decision.forecasts.height
