"""flexchain.planning.fill_rate: safety factors whose fill rate, on the errors that happened,
is the target."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flexchain.planning.fill_rate import (
    MIN_TAIL,
    TAIL_SHARE,
    cycle_factor,
    expected_shortage,
    fill_rate_factor,
    group_fill_rate_factor,
    pool_loss,
    shrunk_fill_rate_factor,
)
from flexchain.planning.policy.loss import inverse_standard_normal_loss

errors = st.lists(st.floats(min_value=-5, max_value=5, allow_nan=False), min_size=1, max_size=30)


def test_a_hand_computed_factor() -> None:
    # errors -1, 0, 1, 2 (in sigma): mean((z - k)^+) = 0.5 at k = 0.5: (0 + 0 + 0.5 + 1.5) / 4
    k = fill_rate_factor(np.array([[-1.0, 0.0, 1.0, 2.0]]), np.array([0.5]))
    assert k[0] == pytest.approx(0.5)
    # a target of zero: nothing short in any cycle seen, k at the largest error
    assert fill_rate_factor(np.array([[-1.0, 2.0]]), np.array([0.0]))[0] == 2.0
    # beyond the smallest error every error is short: (sum - n t) / n = (2 - 4 * 2) / 4
    assert fill_rate_factor(np.array([[-1.0, 0.0, 1.0, 2.0]]), np.array([2.0]))[0] == -1.5


@settings(max_examples=200, deadline=None)
@given(errors, st.floats(min_value=1e-4, max_value=5))
def test_the_factor_gives_exactly_the_target_shortage(values: list[float], target: float) -> None:
    row = np.array([values])
    (k,) = fill_rate_factor(row, np.array([target]))
    assert expected_shortage(row[0], k) == pytest.approx(target, rel=1e-9, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(st.lists(errors, min_size=1, max_size=6), st.floats(min_value=1e-3, max_value=3))
def test_padded_rows_and_a_pool_agree_with_each_row_alone(
    rows: list[list[float]], target: float
) -> None:
    width = max(len(row) for row in rows)
    matrix = np.full((len(rows), width), np.nan)
    for i, row in enumerate(rows):
        matrix[i, : len(row)] = row
    together = fill_rate_factor(matrix, np.full(len(rows), target))
    for i, row in enumerate(rows):
        alone = fill_rate_factor(np.array([row]), np.array([target]))[0]
        assert together[i] == pytest.approx(alone, rel=1e-9, abs=1e-9)
    # one pool against many targets is the same computation as the pool repeated per row
    pool = np.array([[value for row in rows for value in row]])
    targets = np.array([target / 2, target, target * 2])
    pooled = fill_rate_factor(pool, targets)
    for t, k in zip(targets, pooled, strict=True):
        assert expected_shortage(pool[0], k) == pytest.approx(t, rel=1e-9, abs=1e-9)


def test_normal_errors_give_the_textbook_factor() -> None:
    # many standard normal errors: the empirical loss approaches the normal loss function G
    draws = np.random.default_rng(3).standard_normal(200_000)
    k = fill_rate_factor(draws[None, :], np.array([0.05, 0.2]))
    expected = [inverse_standard_normal_loss(0.05), inverse_standard_normal_loss(0.2)]
    assert k == pytest.approx(expected, abs=0.02)


def test_a_row_without_errors_has_no_factor() -> None:
    assert np.isnan(fill_rate_factor(np.array([[np.nan, np.nan]]), np.array([0.1]))[0])
    assert cycle_factor(0.95) == pytest.approx(1.6448536, rel=1e-6)


@settings(max_examples=100, deadline=None)
@given(errors, st.floats(min_value=1e-3, max_value=2), st.floats(min_value=0.5, max_value=50))
def test_a_shrunk_factor_meets_the_target_on_the_weighted_losses(
    values: list[float], target: float, prior: float
) -> None:
    pool = np.random.default_rng(5).standard_normal(500) * 1.5 + 0.2
    row = np.array([values])
    (k,) = shrunk_fill_rate_factor(row, pool, np.array([target]), prior=prior)
    weight = len(values) / (len(values) + prior)
    loss = weight * expected_shortage(row[0], k) + (1 - weight) * expected_shortage(pool, k)
    assert loss == pytest.approx(target, rel=1e-6, abs=1e-9)


def test_without_own_errors_or_a_pool_the_factor_is_the_textbook_one() -> None:
    (k,) = shrunk_fill_rate_factor(np.array([[np.nan]]), None, np.array([0.05]), prior=24)
    assert k == pytest.approx(inverse_standard_normal_loss(0.05), abs=1e-9)


def _shrunk_loss(row: np.ndarray, pool: np.ndarray, k: float, prior: float) -> float:
    own = row[~np.isnan(row)]
    weight = own.size / (own.size + prior)
    return weight * expected_shortage(own, k) + (1 - weight) * _pooled(pool, k)


def _pooled(pool: np.ndarray, k: float) -> float:
    return float(pool_loss(pool, np.array([k]))[0])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(errors, st.floats(0.1, 50), st.floats(0.01, 5)), min_size=1, max_size=6),
    st.integers(0, 3),
)
def test_a_group_factor_meets_the_group_s_shortage_with_one_k(
    rows: list[tuple[list[float], float, float]], seed: int
) -> None:
    # every row of a group gets the same k, and the group's units short per cycle on the shrunk
    # losses are exactly what it may be short: the target holds for the group's demand together
    width = max(len(values) for values, _, _ in rows)
    matrix = np.full((len(rows), width), np.nan)
    for i, (values, _, _) in enumerate(rows):
        matrix[i, : len(values)] = values
    sigma = np.array([s for _, s, _ in rows])
    short = np.array([u for _, _, u in rows]) * sigma
    pool = np.random.default_rng(seed).standard_normal(200)
    groups = np.zeros(len(rows), np.int64)
    k = group_fill_rate_factor(
        matrix, [pool], np.zeros(len(rows), np.int64), sigma, short, groups, prior=24.0
    )
    assert np.all(k == k[0])
    units = sum(sigma[i] * _shrunk_loss(matrix[i], pool, k[0], 24.0) for i in range(len(rows)))
    assert units == pytest.approx(short.sum(), rel=1e-6)


def test_one_k_holds_less_stock_than_each_item_s_own_at_the_same_shortage() -> None:
    # two items, the same normal errors, one with demand large against its error, one small:
    # item by item, the small one needs a high k; one shared k is short the same units in all
    # with less safety stock (equal stockout chances are optimal, the Lagrange condition)
    rng = np.random.default_rng(3)
    pool = rng.standard_normal(4000)
    matrix = np.full((2, 1), np.nan)
    sigma = np.array([10.0, 10.0])
    short = 0.05 * np.array([200.0, 10.0])  # 5 % of a cycle's demand: 200 and 10 units
    alone = shrunk_fill_rate_factor(matrix, pool, short / sigma, prior=24.0)
    shared = group_fill_rate_factor(
        matrix, [pool], np.zeros(2, np.int64), sigma, short, np.zeros(2, np.int64), prior=24.0
    )
    assert alone[1] > shared[1] > alone[0]
    assert (shared * sigma).sum() < (alone * sigma).sum()
    units = [s * _pooled(pool, k) for s, k in zip(sigma, shared, strict=True)]
    assert sum(units) == pytest.approx(short.sum(), rel=1e-6)


def test_groups_are_solved_apart_and_rows_without_sigma_take_no_part() -> None:
    pool = np.random.default_rng(4).standard_normal(1000)
    matrix = np.full((3, 1), np.nan)
    sigma = np.array([10.0, 10.0, 0.0])
    short = np.array([0.5, 2.0, 5.0])
    k = group_fill_rate_factor(
        matrix, [pool], np.zeros(3, np.int64), sigma, short, np.array([0, 1, 1]), prior=24.0
    )
    assert k[2] == 0.0
    assert 10.0 * _pooled(pool, k[0]) == pytest.approx(0.5, rel=1e-6)
    assert 10.0 * _pooled(pool, k[1]) == pytest.approx(2.0, rel=1e-6)


def test_a_floor_keeps_a_row_s_factor_and_the_group_solves_around_it() -> None:
    pool = np.random.default_rng(6).standard_normal(1000)
    matrix = np.full((2, 1), np.nan)
    sigma = np.array([10.0, 10.0])
    short = np.array([10.0, 0.5])  # the first may be short a lot, the second little
    floor = np.array([-np.inf, 1.0])
    k = group_fill_rate_factor(
        matrix, [pool], np.zeros(2, np.int64), sigma, short, np.zeros(2, np.int64),
        prior=24.0, floor=floor,
    )  # fmt: skip
    assert k[1] >= 1.0 and k[0] < k[1]
    units = sum(s * _pooled(pool, x) for s, x in zip(sigma, k, strict=True))
    assert units == pytest.approx(short.sum(), rel=1e-6)


def test_a_pool_s_loss_is_its_sample_s_below_the_tail_and_exponential_beyond() -> None:
    pool = np.random.default_rng(8).standard_t(3, 2000)
    ordered = np.sort(pool)
    count = max(int(np.ceil(TAIL_SHARE * pool.size)), MIN_TAIL)
    threshold = ordered[-count - 1]
    below = np.linspace(ordered[0] - 1, threshold, 50)
    assert pool_loss(pool, below) == pytest.approx(
        [expected_shortage(pool, k) for k in below], rel=1e-9, abs=1e-12
    )
    excess = (ordered[-count:] - threshold).mean()
    beyond = threshold + np.array([0.5, 1.0, 3.0, 30.0])
    share = count / pool.size
    assert pool_loss(pool, beyond) == pytest.approx(
        share * excess * np.exp(-(beyond - threshold) / excess), rel=1e-9
    )
    # past the largest error the sample's loss is zero, the modelled tail's is not
    assert expected_shortage(pool, ordered[-1] + 1.0) == 0.0
    assert pool_loss(pool, np.array([ordered[-1] + 1.0]))[0] > 0.0


def test_a_higher_target_always_asks_for_more_stock_beyond_the_largest_error() -> None:
    # told 1 - 1e-6, the factor no longer stops at the largest error the pool has seen (the demo
    # company's lumpy items reached 94.2 % fill at most before the tail was modelled)
    pool = np.random.default_rng(9).standard_t(3, 2000)
    targets = np.array([1e-3, 1e-5, 1e-7])
    matrix = np.full((3, 1), np.nan)
    alone = shrunk_fill_rate_factor(matrix, pool, targets, prior=24.0, tail=True)
    assert alone[0] < alone[1] < alone[2]
    assert alone[1] > pool.max()
    # an item's floor keeps the sample's own loss: it stops at the largest error seen
    floors = shrunk_fill_rate_factor(matrix, pool, targets, prior=24.0)
    assert np.all(floors <= pool.max())
    assert floors[2] == pytest.approx(pool.max(), abs=1e-3)
    shared = [
        group_fill_rate_factor(
            matrix[:1], [pool], np.zeros(1, np.int64), np.array([1.0]), np.array([t]),
            np.zeros(1, np.int64), prior=24.0,
        )[0]
        for t in targets
    ]  # fmt: skip
    assert shared == pytest.approx(list(alone), rel=1e-6)
    assert [_pooled(pool, k) for k in shared] == pytest.approx(list(targets), rel=1e-6)
