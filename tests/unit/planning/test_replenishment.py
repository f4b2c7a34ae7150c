"""flexchain.planning.replenishment.decide: the public entry point's contract (issue 13, first
slice): time-phased protection demand, safety stock from realised errors or a backtest."""

from __future__ import annotations

import inspect
import math
import random
from collections import OrderedDict
from datetime import date
from statistics import NormalDist

import polars as pl
import pytest

from flexchain.planning import replenishment, safety_factors
from flexchain.planning.combined import COMBINED
from flexchain.planning.protection_errors import LOST_DAMPING, LOST_DAMPING_PATTERNS, NOISE_YEARS
from flexchain.planning.replenishment import Decision, decide
from flexchain.planning.safety_factors import POOL_PRIORS


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
    assert level["protection_demand"] > 2 * 100 and level["model"] == COMBINED
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
    decision = decide(history, past_forecasts=past, service_level=0.95, target="cycle")
    (level,) = decision.levels.to_dicts()
    # then the last 24 realised two-month errors (each 20) size it: z(95 %) x 20 for a cycle
    # service level
    assert level["error_source"] == "past_forecasts" and level["errors"] == 24
    assert level["safety_stock"] == pytest.approx(1.6448536 * 20, rel=1e-6)


def test_a_young_items_few_realised_errors_are_made_up_to_24_by_the_backtest() -> None:
    # given ten past decisions (origins in the last 11 months) that forecast `short` below what
    # happened in each month: ten realised two-month errors of 2 x short
    history = _seasonal()
    months = history.sort("period").tail(11)

    def past(short: float) -> pl.DataFrame:
        return pl.concat(
            [
                pl.DataFrame(
                    {
                        "item": ["S", "S"],
                        "origin": [origin, origin],
                        "period": [origin, months["period"][i + 1]],
                        "forecast": [
                            months["quantity"][i] - short,
                            months["quantity"][i + 1] - short,
                        ],
                    }
                )
                for i, origin in enumerate(months["period"][:-1])
            ]
        )

    alone = decide(history).levels.row(0, named=True)  # the backtest's 24 alone
    of_20, of_30 = (
        decide(history, past_forecasts=past(s)).levels.row(0, named=True) for s in (10, 15)
    )
    # then the ten realised errors and 14 others (the same whatever the past decisions
    # forecast: the backtest's, before the first of them) size it
    assert alone["error_source"] == "backtest" and alone["errors"] == 24
    assert alone["realised_errors"] == 0
    for level in (of_20, of_30):
        assert level["error_source"] == "past_forecasts and backtest" and level["errors"] == 24
        assert level["realised_errors"] == 10
    squares = 24 * (of_30["own_rmse"] ** 2 - of_20["own_rmse"] ** 2)
    assert squares == pytest.approx(10 * (30.0**2 - 20.0**2), rel=1e-9)
    assert 24 * (of_30["bias"] - of_20["bias"]) == pytest.approx(10 * (30.0 - 20.0), rel=1e-9)
    # the 14 are not the realised ones: the mix differs from ten errors of 20 alone
    assert of_20["own_rmse"] != pytest.approx(20.0)


def test_a_decision_is_deterministic_and_passes_its_forecasts_back() -> None:
    history = _seasonal(40)
    first, again = decide(history), decide(history)
    assert isinstance(first, Decision)
    assert first.levels.equals(again.levels) and first.forecasts.equals(again.forecasts)
    assert first.forecasts.columns == [
        "item", "origin", "period", "forecast", "spec", "selected", "multiplier",
        "solved_factor", "service_level",
    ]  # fmt: skip
    assert set(first.forecasts["origin"]) == {_month(40)}


@pytest.mark.parametrize(
    "bad",
    [{"lead_time": -1}, {"review_period": 0}, {"service_level": 1.0}, {"period": "2mo"}],
)
def test_bad_settings_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        decide(_seasonal(), **bad)  # type: ignore[arg-type]


def _constant_errors_past(history: pl.DataFrame, below: float) -> pl.DataFrame:
    """Past decisions that forecast each month ``below`` what happened, origin by origin."""
    months = history.sort("period").tail(30)
    return pl.concat(
        pl.DataFrame(
            {
                "item": ["S", "S"],
                "origin": [origin, origin],
                "period": [origin, months["period"][i + 1]],
                "forecast": [
                    months["quantity"][i] - below, months["quantity"][i + 1] - below,
                ],
            }
        )
        for i, origin in enumerate(months["period"][:-1])
    )  # fmt: skip


def test_a_fill_rate_target_is_met_on_the_errors_that_happened() -> None:
    # given forecasts that were always 20 short over the two months of protection
    history = _seasonal()
    past = _constant_errors_past(history, 10.0)
    (level,) = decide(history, past_forecasts=past, service_level=0.95).levels.to_dicts()
    # then the units short per review cycle are 5 % of a month's demand: on its own errors
    # (all 20, in sigma: 1) weighed 24 / (24 + 48) against its class's shape (a smooth item's
    # prior is 48 errors), here (one item, too few errors to pool) the normal loss function G
    assert level["target"] == "fill" and level["rmse"] == pytest.approx(20.0)
    assert level["pattern"] == "smooth" and POOL_PRIORS["smooth"] == 48.0

    def loss(k: float, own: float = 24 / (24 + 48)) -> float:
        normal = NormalDist().pdf(k) - k * (1 - NormalDist().cdf(k))
        return own * max(1.0 - k, 0.0) + (1 - own) * normal

    k = level["safety_factor"]
    assert loss(k) * 20.0 == pytest.approx(level["allowed_short"], rel=1e-6)
    # the units allowed: 5 % of a month's demand, over the held-out ratio: in each of three
    # folds of 8 errors the k solved on the other 16 (weight 16 / (16 + 48)) leaves every
    # held-out error (z = 1) short 1 - k, where the shrunk loss predicted loss(k)
    target = 0.05 * level["demand_per_period"] / 20.0
    low, high = -5.0, 5.0
    for _ in range(100):
        middle = (low + high) / 2
        low, high = (middle, high) if loss(middle, 16 / 64) > target else (low, middle)
    # the folds' ratio, whole (the shares below are 1)
    ratio = max(max(1.0 - low, 0.0) / loss(low, 16 / 64), 1.0)
    assert level["held_out_ratio"] == pytest.approx(ratio, rel=1e-4)
    # a constant shortfall is short in every cycle, the replayed policy as the formula counts:
    # with demand waiting nothing is carried, and a lost sale costs what a backorder does
    assert level["carried_share"] == pytest.approx(1.0, abs=1e-9)
    assert level["lost_share"] == 1.0
    assert level["allowed_short"] == pytest.approx(target * 20.0 / ratio, rel=1e-6)
    assert level["safety_stock"] == pytest.approx(k * 20.0)
    # a higher target asks for more
    (higher,) = decide(history, past_forecasts=past, service_level=0.99).levels.to_dicts()
    assert level["safety_stock"] < higher["safety_stock"]
    assert loss(higher["safety_factor"]) * 20.0 == pytest.approx(higher["allowed_short"], rel=1e-6)


def test_a_second_call_with_another_service_level_reuses_the_fit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # how fast that is, is measured in bench/decide.py; here, that it fits once
    fits = []
    fit = replenishment._fit
    monkeypatch.setattr(replenishment, "_CACHE", OrderedDict())
    monkeypatch.setattr(replenishment, "_fit", lambda *args: fits.append(1) or fit(*args))
    history = _seasonal(60).with_columns(pl.col("quantity") + 1)
    first = decide(history, service_level=0.9)
    again = decide(history, service_level=0.99)
    assert len(fits) == 1
    # the same forecasts; the multiplier is each decision's own
    decided = safety_factors.DECIDED
    assert again.forecasts.drop(decided).equals(first.forecasts.drop(decided))
    assert (again.levels["safety_stock"] > first.levels["safety_stock"]).all()
    # another history is another fit
    other = decide(history.with_columns(pl.col("quantity") * 2), service_level=0.9)
    assert other.levels["protection_demand"][0] == pytest.approx(
        2 * first.levels["protection_demand"][0], rel=0.05
    )


def test_per_item_terms_and_a_longer_horizon() -> None:
    history = pl.concat([_seasonal(), _seasonal().with_columns(pl.lit("T").alias("item"))])
    terms = pl.DataFrame({"item": ["T"], "lead_time": [3], "service_level": [0.8]})
    decision = decide(history, terms=terms, horizon=6)
    levels = {row["item"]: row for row in decision.levels.to_dicts()}
    assert levels["S"]["protection"] == 2 and levels["T"]["protection"] == 4
    assert levels["T"]["service_level"] == 0.8 and levels["S"]["service_level"] == 0.95
    forecasts = decision.forecasts.filter(pl.col("item") == "T")["forecast"].to_list()
    assert len(forecasts) == 6
    assert levels["T"]["protection_demand"] == pytest.approx(sum(forecasts[:4]))


def test_lead_time_spread_widens_sigma() -> None:
    history = _seasonal()
    steady = decide(history).levels.to_dicts()[0]
    spread = decide(history, terms=pl.DataFrame({"item": ["S"], "lead_time_sd": [0.5]}))
    varying = spread.levels.to_dicts()[0]
    expected = math.hypot(steady["rmse"], 0.5 * steady["demand_per_period"])
    assert varying["sigma"] == pytest.approx(expected)


def test_a_forecast_far_above_history_is_capped_and_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a model that explodes (as seasonal ETS on two cycles did: 2.48 M against 29 k)
    from flexchain.planning import replenishment

    fit = replenishment.fit_and_backtest

    def exploding(*args: object, **kwargs: object) -> tuple[pl.DataFrame, pl.DataFrame]:
        means, errors = fit(*args, **kwargs)  # type: ignore[arg-type]
        return means.with_columns(pl.col("mean") * 100), errors

    monkeypatch.setattr(replenishment, "fit_and_backtest", exploding)
    history = _seasonal().with_columns(pl.col("quantity") + 0.5)  # not a cached content
    decision = decide(history)
    # then each period is capped at 3x the largest month seen, and the anomaly names it
    peak = float(history["quantity"].max())  # type: ignore[arg-type]
    assert decision.forecasts["forecast"].to_list() == [3 * peak, 3 * peak]
    (level,) = decision.levels.to_dicts()
    assert level["protection_demand"] == 6 * peak
    (anomaly,) = decision.anomalies.to_dicts()
    assert anomaly["item"] == "S" and anomaly["field"] == "forecast"
    assert anomaly["model"] == COMBINED and anomaly["bound"] == 3 * peak
    assert anomaly["value"] > 100 * 100


def test_max_history_keeps_only_the_last_periods_five_years_by_default() -> None:
    history = _seasonal(80)
    recent = history.sort("period").tail(40)
    assert decide(history, max_history=40).levels.equals(decide(recent).levels)
    five_years = history.sort("period").tail(60)
    assert decide(history).levels.equals(decide(five_years, max_history=100).levels)


def test_a_cycle_service_level_is_the_normal_quantile() -> None:
    history = _seasonal()
    (level,) = decide(history, target="cycle", service_level=0.9).levels.to_dicts()
    assert level["safety_factor"] == pytest.approx(1.2815516, rel=1e-6)
    with pytest.raises(ValueError, match="target"):
        decide(history, target="fillrate")


def test_a_fill_rate_is_met_by_the_items_of_a_service_level_together(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a large item and a small noisy one, the same service level: by default they share one
    # safety factor (equal stockout chances, the least stock for the fill of their demand
    # together; no demand pattern's items short more than three times their share, which two
    # items of one pattern are not: test_safety_factors); fill_scope="item" meets the target
    # item by item, spending more on the small one
    big = _seasonal(60).with_columns(
        pl.col("quantity") + (pl.int_range(pl.len()) * 7919).mod(7) * 3
    )
    small = _seasonal(60).with_columns(
        pl.lit("T").alias("item"),
        (pl.col("quantity") / 20 + (pl.int_range(pl.len()) * 7919).mod(11) * 2).round(),
    )
    history = pl.concat([big, small])
    monkeypatch.setattr(safety_factors, "HOLDOUT", 0)  # the held-out check off
    ets = pl.DataFrame({"item": ["S", "T"], "model": ["AutoETS", "AutoETS"]})
    shared = decide(history, service_level=0.95, models=ets).levels.sort("item")
    alone = decide(history, service_level=0.95, fill_scope="item", models=ets).levels.sort("item")
    assert shared["pattern"][0] == shared["pattern"][1]
    assert shared["safety_factor"][0] == pytest.approx(shared["safety_factor"][1], rel=1e-9)
    assert shared["safety_factor"][1] < alone["safety_factor"][1]
    assert shared["safety_factor"][0] > alone["safety_factor"][0]  # the large one carries more
    assert shared["safety_stock"].sum() < alone["safety_stock"].sum()
    with pytest.raises(ValueError, match="fill_scope"):
        decide(history, fill_scope="everyone")


def test_lost_sales_need_less_safety_stock_where_shortfalls_run_for_periods() -> None:
    # a series growing faster than its forecasts follow, with some noise: its shortfalls come in
    # runs, and with lost sales a unit short early in the interval does not carry to its end
    rows = [
        ("G", _month(m), float(100 + 6 * m + (m * 7919) % 13 - 6 + (40 if m % 12 == 0 else 0)))
        for m in range(48)
    ]
    history = pl.DataFrame(rows, schema=["item", "period", "quantity"], orient="row")
    ets = pl.DataFrame({"item": ["G"], "model": ["AutoETS"]})  # one model either way
    waits = decide(history, lead_time=2, models=ets).levels.to_dicts()[0]
    lost = decide(history, lead_time=2, unmet_demand="lost", models=ets).levels.to_dicts()[0]
    assert lost["safety_stock"] < waits["safety_stock"]
    assert lost["protection_demand"] == waits["protection_demand"]
    with pytest.raises(ValueError, match="unmet_demand"):
        decide(history, unmet_demand="gone")


def test_with_lost_sales_part_of_the_first_periods_revision_is_undone() -> None:
    history = _seasonal(48)
    first = decide(history, service_level=0.95)
    (was,) = first.levels.to_dicts()
    # the previous decision forecast the next month 30 higher than this one does
    upcoming = first.forecasts.sort("period")["period"][0]
    before = first.forecasts.filter(pl.col("period") == upcoming).with_columns(
        pl.col("forecast") + 30.0, pl.lit(_month(47)).alias("origin")
    )
    waits = decide(history, past_forecasts=before).levels.to_dicts()[0]
    lost = decide(history, past_forecasts=before, unmet_demand="lost").levels.to_dicts()[0]
    # with backorders the protection demand is the forecasts' sum; with lost sales a share of
    # the month's revision (-30) is undone, since the level's changes reach the shelf
    undone = LOST_DAMPING * 30.0
    assert waits["protection_demand"] == pytest.approx(was["protection_demand"])
    assert lost["protection_demand"] == pytest.approx(was["protection_demand"] + undone)
    assert lost["order_up_to"] - waits["order_up_to"] == pytest.approx(
        undone + lost["safety_stock"] - waits["safety_stock"]
    )
    # and plan explain writes the undoing into the protection demand's formula
    from flexchain.planning.dynamic_explain import decided_lines

    months = first.forecasts.sort("period")["forecast"].head(2).to_list()
    row = {f"decided_{name}": value for name, value in lost.items()} | {
        "protection_forecast": months, "abc": "A", "xyz": "X", "service_level": 0.95,
        "mrp_trigger": 0.0, "reorder_point": lost["order_up_to"],
        "safety_stock": lost["safety_stock"], "demand_mean": 0.0, "order_quantity": 0,
    }  # fmt: skip
    (line,) = [line for line in decided_lines(row) if line[0] == "protection_demand"]
    assert f"- {LOST_DAMPING:g} x -30" in line[1]
    assert float(line[2]) == pytest.approx(sum(months) + undone, 1e-3)
    waited = row | {f"decided_{name}": value for name, value in waits.items()}
    (line,) = [line for line in decided_lines(waited) if line[0] == "protection_demand"]
    assert f"{LOST_DAMPING:g} x" not in line[1]


def _sparse(months: int = 48) -> pl.DataFrame:
    """One intermittent series: 40 units every third month."""
    rows = [("Z", _month(m), 40.0 if m % 3 == 0 else 0.0) for m in range(months)]
    return pl.DataFrame(rows, schema=["item", "period", "quantity"], orient="row")


def test_with_lost_sales_sparse_demand_keeps_its_forecast() -> None:
    # undoing a revision helps where the policy runs out near every period's end (steady
    # demand); sparse demand runs out on its spikes, and its rate's revision stands
    history = _sparse()
    first = decide(history)
    upcoming = first.forecasts.sort("period")["period"][0]
    before = first.forecasts.filter(pl.col("period") == upcoming).with_columns(
        pl.col("forecast") + 30.0, pl.lit(_month(47)).alias("origin")
    )
    waits = decide(history, past_forecasts=before).levels.row(0, named=True)
    lost = decide(history, past_forecasts=before, unmet_demand="lost").levels.row(0, named=True)
    assert lost["pattern"] not in LOST_DAMPING_PATTERNS and lost["revision"] == pytest.approx(-30)
    assert lost["protection_demand"] == pytest.approx(waits["protection_demand"])


def test_noise_is_the_one_step_in_sample_error_over_the_latest_years() -> None:
    from statsforecast.models import AutoETS, Theta

    from flexchain.planning import forecast

    history = _seasonal(72).with_columns(  # and a deterministic wobble about the season
        pl.col("quantity") + (pl.int_range(72) * 7 % 11 - 5).cast(pl.Float64) * 3
    )
    level = decide(history, model_choice="pattern").levels.row(0, named=True)
    # the same models fitted alone on the five years decide reads (AutoETS and Theta, averaged
    # where demand waits): their average's in-sample one-step errors over the last two years
    series = history.tail(60).select(
        pl.col("item").alias("unique_id"), pl.col("period").alias("ds"),
        pl.col("quantity").alias("y"),
    )  # fmt: skip
    engine = forecast._engine([AutoETS(season_length=12), Theta(season_length=12)], "1mo", 1)
    engine.fit(df=series)
    parts = [model.predict_in_sample()["fitted"] for model in engine.fitted_[0]]
    fitted = ((parts[0] + parts[1]) / 2)[-NOISE_YEARS * 12 :]
    actual = history["quantity"].to_numpy()[-NOISE_YEARS * 12 :]
    assert level["model"] == COMBINED
    assert level["noise"] == pytest.approx(float(((actual - fitted) ** 2).mean() ** 0.5))
    # two years of months are no more periods than its 24 monthly errors: not borrowed
    # (weekly data's are: test_safety_factors)
    assert level["errors"] == 24 and level["borrowed_by"] == "proportion"


def test_the_units_a_cycle_may_be_short_are_divided_by_a_multiplier_steady_over_time() -> None:
    history = _seasonal(60).with_columns(pl.col("quantity") + 1)
    first = decide(history.filter(pl.col("period") < _month(59)), unmet_demand="lost")
    measured = first.levels.select(
        pl.col("lost_share") * pl.col("carried_share") * pl.col("held_out_ratio")
    ).item()
    assert first.levels["multiplier"].item() == pytest.approx(measured)
    assert first.levels["past_multipliers"].item() == 0
    assert first.forecasts["multiplier"].unique().to_list() == [pytest.approx(measured)]
    # given an earlier decision that measured 3: the next divides by the mean of its own and 3
    past = first.forecasts.with_columns(pl.lit(3.0).alias("multiplier"))
    nxt = decide(history, past_forecasts=past, unmet_demand="lost")
    own = nxt.forecasts["multiplier"][0]
    row = nxt.levels.row(0, named=True)
    assert row["past_multipliers"] == 1
    assert row["multiplier"] == pytest.approx((own + 3.0) / 2)
    short = (1 - row["service_level"]) * row["demand_per_period"] * row["review_period"]
    assert row["allowed_short"] == pytest.approx(short / row["multiplier"])
    # and the fit is the one without the earlier multipliers
    plain = decide(history, past_forecasts=first.forecasts, unmet_demand="lost")
    decided = safety_factors.DECIDED
    assert plain.forecasts.drop(decided).equals(nxt.forecasts.drop(decided))


def test_a_smooth_items_factor_holds_steady_over_decisions_at_its_service_level() -> None:
    noise = random.Random(3)
    history = _seasonal(60).with_columns(
        pl.col("quantity") * pl.Series([noise.uniform(0.8, 1.2) for _ in range(60)])
    )
    first = decide(history.filter(pl.col("period") < _month(59)))
    row = first.levels.row(0, named=True)
    assert row["pattern"] in safety_factors.STEADY_PATTERNS
    assert row["past_factors"] == 0 and row["safety_factor"] == row["solved_factor"]
    assert first.forecasts["solved_factor"].unique().to_list() == [row["solved_factor"]]
    assert first.forecasts["service_level"].unique().to_list() == [0.95]
    # an earlier decision at 0.95 solved k = 2: the factor used is the one whose normal loss
    # is the mean of the two losses
    past = first.forecasts.with_columns(pl.lit(2.0).alias("solved_factor"))
    nxt = decide(history, past_forecasts=past).levels.row(0, named=True)
    own = nxt["solved_factor"]
    mean = (_normal_loss(own) + _normal_loss(2.0)) / 2
    assert nxt["past_factors"] == 1
    assert _normal_loss(nxt["safety_factor"]) == pytest.approx(mean, abs=1e-9)
    assert min(own, 2.0) < nxt["safety_factor"] < (own + 2.0) / 2  # under the plain mean
    assert nxt["safety_stock"] == pytest.approx(nxt["safety_factor"] * nxt["sigma"])
    assert nxt["order_up_to"] == pytest.approx(nxt["protection_demand"] + nxt["safety_stock"])
    # a factor solved for another service level is not averaged in
    other = decide(history, past_forecasts=past, service_level=0.9).levels.row(0, named=True)
    assert other["past_factors"] == 0 and other["safety_factor"] == other["solved_factor"]
    # nor for a cycle service level, whose factor is Phi^-1(level)
    cycle = decide(history, past_forecasts=past, target="cycle").levels.row(0, named=True)
    assert cycle["past_factors"] == 0
    assert cycle["safety_factor"] == pytest.approx(NormalDist().inv_cdf(0.95))


def test_the_factor_holds_steady_over_more_decisions_than_the_multiplier() -> None:
    # a smooth item decided every month for five years: 60 earlier decisions at 0.95, the
    # oldest 12 solved k = 5, the latest 48 k = 2, each with a multiplier of 1.5
    noise = random.Random(3)
    history = _seasonal(120).with_columns(
        pl.col("quantity") * pl.Series([noise.uniform(0.8, 1.2) for _ in range(120)])
    )
    first = decide(history.filter(pl.col("period") < _month(60)))
    earlier = []
    for origin in range(60):
        ahead = first.forecasts.with_columns(
            pl.col("period").dt.offset_by(f"{origin}mo"),
            pl.lit(_month(60 + origin)).alias("origin"),
            pl.lit(5.0 if origin < 12 else 2.0).alias("solved_factor"),
            pl.lit(1.5).alias("multiplier"),
        )
        earlier.append(ahead)
    past = pl.concat(earlier)
    row = decide(history, past_forecasts=past).levels.row(0, named=True)
    assert row["pattern"] in safety_factors.STEADY_PATTERNS
    assert safety_factors.PAST_FACTORS == 48 and safety_factors.PAST_M == 12
    assert row["past_factors"] == 48 and row["past_multipliers"] == 12
    # only the latest 48 factors are in the mean; the five-year-old k = 5 are not
    mean = (_normal_loss(row["solved_factor"]) + 48 * _normal_loss(2.0)) / 49
    assert _normal_loss(row["safety_factor"]) == pytest.approx(mean, abs=1e-9)


def _normal_loss(k: float) -> float:
    normal = NormalDist()
    return normal.pdf(k) - k * (1 - normal.cdf(k))
