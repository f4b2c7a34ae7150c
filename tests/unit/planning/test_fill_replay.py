"""flexchain.planning.fill_replay: the order-up-to policy replayed on the periods its errors come
from, the share of the backorder shortage lost sales have, and the share of the cycle formula's
shortage the policy was short."""

from __future__ import annotations

import dataclasses
from datetime import date

import numpy as np
import polars as pl
import pytest

from flexchain.planning.error_scale import shrunk_rmse
from flexchain.planning.fill_replay import Replay, carried_share, lost_share, replay, simulate


def _month(index: int) -> date:
    return date(2024 + index // 12, index % 12 + 1, 1)


def test_the_replay_rebuilds_each_origin_s_forecast_from_its_error() -> None:
    # given demand 10, 20, 30, 40, 50 and errors of two-month forecasts from the first three
    window = pl.DataFrame(
        {
            "item": ["A"] * 5,
            "period": [_month(m) for m in range(5)],
            "quantity": [10, 20, 30, 40, 50],
        }
    )
    errors = pl.DataFrame(
        {"item": ["A"] * 3, "origin": [_month(0), _month(1), _month(2)], "error": [5.0, -5.0, 0.0]}
    )
    frame = pl.DataFrame({"item": ["A"], "lead_time": [1], "review_period": [1], "protection": [2]})
    plan = replay(frame, errors, window)
    # then the forecast at each origin is what happened less the error: 30-5, 50+5, 70-0
    assert plan.forecast[0].tolist() == [25.0, 55.0, 70.0]
    assert plan.demand[0].tolist() == [10.0, 20.0, 30.0] and plan.span[0].all()
    assert plan.rows.tolist() == [True]
    assert plan.error is not None and plan.error[0].tolist() == [5.0, -5.0, 0.0]


def _constant(rows: int, periods: int, demand: float, forecast: float, lead: int) -> Replay:
    return Replay(
        np.full((rows, periods), demand),
        np.full((rows, periods), forecast),
        np.ones((rows, periods), bool),
        np.full(rows, lead),
        np.ones(rows, np.int64),
    )


@pytest.mark.parametrize("lead", [1, 2])
def test_a_steady_shortfall_loses_r_over_p_of_what_backorders_are_short(lead: int) -> None:
    # demand 10 a period, the protection interval forecast 2 short: ordering up to P x 10 - 2
    protection = lead + 1
    plan = _constant(1, 400, 10.0, protection * 10.0 - 2.0, lead)
    offset = np.zeros(1)
    demand, served = simulate(plan, offset, lost=False)
    assert (demand - served)[0] == pytest.approx(2.0 * 400, rel=0.02)  # 2 a period
    share = lost_share(plan, offset, np.zeros(1, np.int64), np.ones(1, bool))
    assert share[0] == pytest.approx(1 / protection, rel=0.05)


def test_a_single_spike_is_short_the_same_either_way() -> None:
    periods = 60
    plan = _constant(1, periods, 5.0, 10.0 + 5.0, 1)  # S = 15 for two periods of 5
    plan.demand[0, 30] = 60.0  # one wholesale order
    share = lost_share(plan, np.zeros(1), np.zeros(1, np.int64), np.ones(1, bool))
    demand, served = simulate(plan, np.zeros(1), lost=True)
    assert (demand - served)[0] == pytest.approx(60.0 - 10.0)  # 10 left on hand that period
    assert share[0] > 0.75  # backorders add only the spike's carry-over to the next period


def test_the_periods_before_the_first_order_can_land_are_not_counted() -> None:
    # the replay starts with its whole level on hand: a spike before the first order lands is
    # short of what was there, not of what the policy ordered
    plan = _constant(1, 10, 5.0, 15.0, 2)
    demand, served = simulate(plan, np.zeros(1), lost=False)
    assert demand[0] == pytest.approx(5.0 * 8) and served[0] == pytest.approx(demand[0])
    plan.demand[0, 1] = 100.0
    demand, served = simulate(plan, np.zeros(1), lost=True)
    assert demand[0] == pytest.approx(5.0 * 8)  # the spike in period 1 is not in it


def _spiky(lead: int, spike: float) -> Replay:
    """Demand 5 a period over 60 months with one spike in month 30, every origin's forecast of
    the protection interval exactly what was not the spike (its error: the spike's excess)."""
    protection = lead + 1
    quantity = [5.0] * 60
    quantity[30] = spike
    window = pl.DataFrame(
        {"item": ["A"] * 60, "period": [_month(m) for m in range(60)], "quantity": quantity}
    )
    origins = range(60 - protection + 1)
    excess = [sum(quantity[o : o + protection]) - 5.0 * protection for o in origins]
    errors = pl.DataFrame(
        {"item": ["A"] * len(excess), "origin": [_month(o) for o in origins], "error": excess}
    )
    frame = pl.DataFrame(
        {"item": ["A"], "lead_time": [lead], "review_period": [1], "protection": [protection]}
    )
    return replay(frame, errors, window)


@pytest.mark.parametrize("lead", [1, 2])
def test_a_spike_in_the_lead_time_is_in_p_cycles_errors_but_short_once(lead: int) -> None:
    # the cycle formula counts the spike's excess (60) in each of the P origins' errors that
    # hold it; the policy, ordering up to what was not the spike, is short of it once, and of
    # the L periods' demand queued behind it until the order that replaces it lands
    plan = _spiky(lead, 65.0)
    one, used, protection = np.zeros(1, np.int64), np.ones(1, bool), lead + 1
    demand, served = simulate(plan, np.zeros(1), lost=False)
    assert (demand - served)[0] == pytest.approx(60.0 + 5.0 * lead)
    share = carried_share(plan, np.zeros(1), one, used)
    assert share[0] == pytest.approx((60.0 + 5.0 * lead) / (60.0 * protection))
    # with a safety stock of 20 the formula counts 40 in each cycle, the policy is short 40 once
    held = carried_share(plan, np.full(1, 20.0), one, used)
    assert held[0] == pytest.approx((40.0 + 5.0 * lead) / (40.0 * protection))


def test_a_steady_shortfall_is_carried_as_the_formula_counts_it() -> None:
    # every two months' forecast 4 short: each cycle is short 4, and so is the replayed policy
    plan = _constant(1, 100, 10.0, 20.0 - 4.0, 1)
    plan = dataclasses.replace(plan, error=np.full((1, 100), 4.0))
    share = carried_share(plan, np.zeros(1), np.zeros(1, np.int64), np.ones(1, bool))
    assert share[0] == pytest.approx(1.0)
    nothing = carried_share(plan, np.full(1, 10.0), np.zeros(1, np.int64), np.ones(1, bool))
    assert np.isnan(nothing[0])  # the formula counts nothing short: no share


def test_a_group_short_of_nothing_has_no_share() -> None:
    plan = _constant(2, 20, 5.0, 100.0, 1)
    share = lost_share(plan, np.zeros(2), np.zeros(2, np.int64), np.ones(2, bool))
    assert np.isnan(share).all()


def test_an_item_s_rmse_borrows_its_pattern_s_relative_scale() -> None:
    frame = pl.DataFrame(
        {
            "item": ["calm", "spiky", "young"],
            "pattern": ["lumpy"] * 3,
            "errors": [24, 24, 0],
            "rmse": [1.0, 7.0, 3.0],
            "protection_demand": [10.0, 10.0, 10.0],
        }
    )
    out = shrunk_rmse(frame).sort("item")
    # the pattern's relative RMSE is sqrt((1 + 49 + 9) / 300); 96 of its errors against 24 own
    relative = ((1 + 49 + 9) / 300) ** 0.5
    calm = ((24 * 1.0 + 96 * (relative * 10) ** 2) / 120) ** 0.5
    rows = dict(zip(out["item"], out["rmse"], strict=True))
    assert rows["calm"] == pytest.approx(calm)
    assert rows["calm"] < rows["spiky"] < 7.0  # the calm one carries more, the spiky less
    assert rows["young"] == 3.0  # without errors of its own: what it had


def test_with_lost_sales_the_replay_orders_up_to_what_the_decisions_undid() -> None:
    # the same errors, each origin's first month revised by +4 since the origin before it;
    # decisions with lost sales undid 3/4 of it, those with backorders none
    window = pl.DataFrame(
        {
            "item": ["A"] * 5,
            "period": [_month(m) for m in range(5)],
            "quantity": [10, 20, 30, 40, 50],
        }
    )
    errors = pl.DataFrame(
        {
            "item": ["A"] * 3,
            "origin": [_month(0), _month(1), _month(2)],
            "error": [5.0, -5.0, 0.0],
            "revision": [None, 4.0, 4.0],
        }
    )
    frame = pl.DataFrame({"item": ["A"], "lead_time": [1], "review_period": [1], "protection": [2]})
    plan = replay(frame, errors, window, np.array([0.75]))
    assert plan.undone is not None and plan.undone[0].tolist() == [0.0, 3.0, 3.0]
    assert replay(frame, errors, window).undone is None  # backorders: nothing undone
    # a level 3 lower serves less with lost sales; with backorders the replay ignores it
    steady = _constant(1, 12, 10.0, 20.0, 1)
    undone = dataclasses.replace(steady, undone=np.full((1, 12), 3.0))
    zero = np.zeros(1)
    assert simulate(undone, zero, lost=True)[1] < simulate(steady, zero, lost=True)[1]
    assert simulate(undone, zero, lost=False)[1] == simulate(steady, zero, lost=False)[1]
