"""bench/policy_eval's simulator, bisection and baselines on series small enough to do by hand."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))

from policy_eval_baselines import reference_levels, static_levels
from policy_eval_data import SETTINGS, Dataset
from policy_eval_flexchain import GridLevels, flexchain_levels, run_in_first
from policy_eval_sim import Outcome, calibrate, simulate, z_of

DEMAND = np.array([[10.0, 10.0, 30.0, 10.0]])
START, STOP = np.array([0]), np.array([4])


def _dataset(demand: np.ndarray, first: int) -> Dataset:
    series, periods = demand.shape
    return Dataset(
        setting=SETTINGS["pbs"],
        items=[f"s{i}" for i in range(series)],
        periods=[date(2000 + t // 12, t % 12 + 1, 1) for t in range(periods)],
        demand=demand,
        start=np.zeros(series, int),
        first=np.full(series, first),
        stop=np.full(series, periods),
        pattern=np.array(["smooth"] * series),
        skipped=0,
    )


def test_lost_sales_fill_rate_and_stock_worked_by_hand() -> None:
    # given S = 20 every period, lead time 1, demand 10, 10, 30, 10, starting with 20 on hand
    level = np.full((1, 4), 20.0)
    # when the demand that finds no stock is lost
    outcome = simulate(DEMAND, level, START, STOP, lead_time=1, lost_sales=True)
    # then on hand at the ends is 10, 0, 0, 0: the orders 10, 10, 10 arrive a period later and
    # the 30 finds only 10, so 40 of 60 are served
    assert outcome.fill() == pytest.approx(40 / 60)
    assert outcome.stock[0] == pytest.approx(10 / 4)


def test_backorders_take_the_next_arrivals_first() -> None:
    # given the same series, with unmet demand waiting
    level = np.full((1, 4), 20.0)
    outcome = simulate(DEMAND, level, START, STOP, lead_time=1, lost_sales=False)
    # then after the 30 the net stock is -20: the arrival of 10 leaves -10, the last 10 waits too
    assert outcome.fill() == pytest.approx(30 / 60)
    assert outcome.stock[0] == pytest.approx(10 / 4)


def test_a_longer_lead_time_delays_the_arrival() -> None:
    # given S = 20 and lead time 2: the order of period 0 (none) and of period 1 (10) arrive at
    # periods 2 and 3
    level = np.full((1, 4), 20.0)
    outcome = simulate(DEMAND, level, START, STOP, lead_time=2, lost_sales=True)
    # then period 2 has nothing on hand (20 - 10 - 10), period 3 gets the 10 ordered in period 1
    assert outcome.served[0] == pytest.approx(10 + 10 + 0 + 10)


def test_series_are_simulated_over_their_own_span_only() -> None:
    demand = np.array([[5.0, 10.0, 10.0, 30.0, 10.0], [99.0, 99.0, 1.0, 1.0, 1.0]])
    level = np.full((2, 5), 20.0)
    outcome = simulate(
        demand, level, np.array([1, 2]), np.array([5, 5]), lead_time=1, lost_sales=True
    )
    assert outcome.demand.tolist() == [60.0, 3.0]
    assert outcome.fill(np.array([False, True])) == 1.0


def test_bisection_reaches_the_target_per_group_and_says_when_it_cannot() -> None:
    # given three series: a steady one, one that sells only at the end, one that never sells
    demand = np.array([[10.0] * 24, [0.0] * 23 + [50.0], [0.0] * 24])
    first, stop = np.zeros(3, int), np.full(3, 24)

    def run(z: np.ndarray) -> Outcome:
        level = np.maximum(10.0 + 10.0 * z[:, None] * np.ones((3, 24)), 0.0)
        level[1] = np.minimum(level[1], 40.0)  # series 1 can hold 40 at most: fill <= 80 %
        return simulate(demand, level, first, stop, lead_time=1, lost_sales=True)

    result = calibrate(run, np.array([0, 1, 2]), 0.95, (-1.0, 3.0))
    # then the steady series reaches 95 % exactly; the lumpy one cannot; the empty one is full
    assert result.status.tolist() == [0, -1, 1]
    assert result.outcome.fill(np.array([True, False, False])) == pytest.approx(0.95, abs=1e-3)


def test_static_policy_from_the_warm_up_and_refreshed_on_the_history_so_far() -> None:
    demand = np.array([[2.0, 4.0, 6.0, 8.0, 100.0, 100.0]])
    data = _dataset(demand, first=2)
    never = static_levels(data, protection=2, refresh=None)
    refreshed = static_levels(data, protection=2, refresh=2)
    # warm-up 2, 4: mean 3, sd sqrt(2); S = 3 x 2 + z sqrt(2) sqrt(2)
    assert never.at(np.array([1.0]))[0, 2:].tolist() == pytest.approx([8.0] * 4)
    # refreshed at period 4 on 2, 4, 6, 8: mean 5, sd sqrt(20 / 3)
    expected = 10 + np.sqrt(20 / 3) * np.sqrt(2)
    assert refreshed.at(np.array([1.0]))[0, 2:].tolist() == pytest.approx(
        [8.0, 8.0, *[expected] * 2]
    )


def test_reference_spread_is_the_rmse_of_its_realised_errors() -> None:
    # given forecasts of 10 a period made at every origin, against demand 10, 10, 14, 6, 10
    demand = np.array([[10.0, 10.0, 14.0, 6.0, 10.0]])
    data = _dataset(demand, first=3)
    forecasts = np.full((1, 5, 2), 10.0)
    levels = reference_levels(data, forecasts, protection=1)
    # then at period 4 the one-period errors of origins 0..3 are 0, 0, 4, -4
    assert levels.base[0, 4] == 10.0
    assert levels.spread[0, 4] == pytest.approx(np.sqrt(32 / 4))
    # and at period 3 only origins 0..2 are known
    assert levels.spread[0, 3] == pytest.approx(np.sqrt(16 / 3))


def test_flexchain_grid_is_exact_at_its_points_and_linear_in_z_between() -> None:
    grid = (0.5, 0.9, 0.95)
    level = np.stack([np.full((1, 3), value) for value in (100.0, 120.0, 130.0)])
    levels = GridLevels(grid, level)
    assert levels.at(z_of(np.array([0.9])))[0, 0] == pytest.approx(120.0)
    halfway = (z_of(0.9) + z_of(0.95)) / 2
    assert levels.at(np.array([halfway]))[0, 0] == pytest.approx(125.0)


def test_each_class_gets_its_own_z_and_a_class_that_cannot_reach_the_target_is_no_figure() -> None:
    from policy_eval_baselines import LinearLevels
    from policy_eval_sensitivity import _class_stock

    # given three series: two steady ones with different spreads, one capped at zero
    demand = np.array([[10.0, 12.0, 8.0, 14.0, 6.0, 10.0] * 4] * 3)
    data = _dataset(demand, first=0)
    base = np.array([[20.0] * 24, [20.0] * 24, [0.0] * 24])
    policy = LinearLevels(base, np.array([[2.0] * 24, [8.0] * 24, [0.0] * 24]))
    stock = _class_stock(data, policy, 1, True, 0.95, np.array([0, 1, 2]))
    # then each steady series holds what it holds at 95 % when bisected alone (one z for both
    # would leave the wider one short and the other over), and the capped one is n/r
    assert np.isnan(stock[2])
    for row in (0, 1):
        alone = LinearLevels(policy.base[row : row + 1], policy.spread[row : row + 1])
        one = _dataset(demand[row : row + 1], first=0)
        expected = _class_stock(one, alone, 1, True, 0.95, np.array([0]))
        assert stock[row] == pytest.approx(expected[0])


def test_a_replayed_factor_is_the_mean_in_normal_loss_over_its_window() -> None:
    from policy_eval_factors import Kept, _held, _inverse_loss, _loss

    # one smooth series decided at reviews 1-3 (k 1, 2, 0.5) and one sparse series (kept as is)
    solved = np.array([[np.nan, 1.0, 2.0, 0.5], [0.3, 3.0, np.nan, -1.0]])
    steady = np.array([[False, True, True, True], [False, False, False, False]])
    kept = Kept(solved, steady, np.ones(solved.shape), np.ones(solved.shape))
    one = _held(kept, 1)
    assert one[0, 0] == 0.0 and one[0, 1] == pytest.approx(1.0)
    assert _loss(one[0, 2 : 3 + 1]) == pytest.approx(
        [(_loss(np.array(1.0)) + _loss(np.array(2.0))) / 2,
         (_loss(np.array(2.0)) + _loss(np.array(0.5))) / 2]
    )  # fmt: skip
    every = _held(kept, None)
    assert _loss(every[0, 3]) == pytest.approx(_loss(np.array([1.0, 2.0, 0.5])).mean())
    assert np.array_equal(every[1], [0.3, 3.0, 0.0, -1.0])  # sparse: the factor solved
    assert _inverse_loss(_loss(np.array([-3.0, 0.0, 2.5]))) == pytest.approx([-3.0, 0.0, 2.5])


def test_a_run_in_decides_from_earlier_but_no_earlier_than_two_periods_after_the_start() -> None:
    data = _dataset(np.ones((2, 12)), first=6)
    data = Dataset(**{**data.__dict__, "first": np.array([6, 3])})
    assert run_in_first(data, 0).tolist() == [6, 3]
    assert run_in_first(data, 2).tolist() == [4, 2]
    assert run_in_first(data, 24).tolist() == [2, 2]


def test_a_run_ins_decisions_reach_the_evaluated_ones_and_are_not_simulated() -> None:
    rng = np.random.default_rng(7)
    demand = rng.poisson(20.0, (2, 40)).astype(float)
    data = _dataset(demand, first=36)
    cold, _ = flexchain_levels(data, [1], (0.95,))
    warm, _ = flexchain_levels(data, [1], (0.95,), run_in=6)
    for levels in (cold, warm):
        assert np.isnan(levels[(1, True)].level[0, :, :30]).all()
    assert np.isnan(cold[(1, True)].level[0, :, 30:36]).all()
    assert np.isfinite(warm[(1, True)].level[0, :, 30:]).all()
    # the first evaluated decision has six earlier ones behind it: what they measured moves it
    assert not np.allclose(cold[(1, False)].level[0, :, 36], warm[(1, False)].level[0, :, 36])
