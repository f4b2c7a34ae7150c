"""Optimal (s, S) policies against Snyder & Shen (2019), Example 4.7, and Zheng & Federgruen (1991).

Published figures were checked against the stockpyl package (``tests/test_ss.py`` and the
docstrings of ``stockpyl/ss.py``); its Zheng-Federgruen instances reproduce the table of the 1991
paper (h = 1, p = 9, K = 64, Poisson demand). Random instances are checked against brute force:
every (s, S) in a window, each costed from the stationary distribution of its Markov chain.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flexchain.planning.policy import PolicyInputError, ss_optimal, ss_optimal_poisson

# (mean, s, S, cost): the h = 1, p = 9, K = 64 instances of Zheng & Federgruen (1991).
MEANS = [*range(10, 80, 5), 21, 22, 23, 24, 51, 52, 59, 61, 63, 64]
REORDER_POINTS = [
    6, 10, 14, 19, 23, 28, 33, 37, 42, 47, 52, 56, 62, 67, 15, 16, 17, 18, 43, 44, 51, 52, 54, 55,
]  # fmt: skip
ORDER_UP_TO = [
    40, 49, 62, 56, 66, 77, 87, 97, 108, 118, 129, 75, 81, 86, 65, 68, 52, 54, 110, 112, 126, 131,
    73, 74,
]  # fmt: skip
COSTS = [
    35.022, 42.698, 49.173, 54.262, 57.819, 61.215, 64.512, 67.776, 70.975, 74.149, 77.306,
    78.518, 79.037, 79.554, 50.406, 51.632, 52.757, 53.518, 71.611, 72.246, 76.679, 77.929,
    78.287, 78.402,
]  # fmt: skip
ZHENG_FEDERGRUEN = list(zip(MEANS, REORDER_POINTS, ORDER_UP_TO, COSTS, strict=True))


def poisson_pmf(mean: float, top: int) -> dict[int, float]:
    return {d: math.exp(-mean) * mean**d / math.factorial(d) for d in range(top + 1)}


def markov_chain_cost(s: int, big_s: int, h: float, p: float, k: float, pmf: dict[int, float]):
    """Long-run cost per period of (s, S), from the chain of post-order levels s+1..S."""
    levels = list(range(s + 1, big_s + 1))
    size = len(levels)
    transition = np.zeros((size, size))
    order_chance = np.zeros(size)
    for i, y in enumerate(levels):
        for d, f in pmf.items():
            after = y - d
            if after > s:
                transition[i, after - s - 1] += f
            else:
                transition[i, size - 1] += f
                order_chance[i] += f
    system = np.vstack([transition.T - np.eye(size), np.ones(size)])
    rhs = np.zeros(size + 1)
    rhs[-1] = 1.0
    stationary = np.linalg.lstsq(system, rhs, rcond=None)[0]
    period = [
        sum(f * (h * max(y - d, 0) + p * max(d - y, 0)) for d, f in pmf.items()) for y in levels
    ]
    return float(stationary @ (np.asarray(period) + k * order_chance))


def test_example_4_7() -> None:
    s, big_s, cost = ss_optimal_poisson(1, 4, 5, 6)

    assert (s, big_s) == (4, 10)
    assert cost == pytest.approx(8.034111561471644, rel=1e-9)


def test_example_4_7_from_a_demand_table_gives_the_same_policy() -> None:
    s, big_s, cost = ss_optimal(1, 4, 5, poisson_pmf(6, 40))

    assert (s, big_s) == (4, 10)
    assert cost == pytest.approx(8.034111561471644, rel=1e-9)


@pytest.mark.parametrize(("mean", "s", "big_s", "cost"), ZHENG_FEDERGRUEN, ids=lambda v: str(v))
def test_zheng_federgruen_instances(mean: int, s: int, big_s: int, cost: float) -> None:
    result = ss_optimal_poisson(1, 9, 64, mean)

    assert (result.s, result.S) == (s, big_s)
    assert result.cost == pytest.approx(cost, abs=5e-4)


def test_reported_cost_is_the_markov_chain_cost() -> None:
    pmf = poisson_pmf(6, 40)
    s, big_s, cost = ss_optimal(1, 4, 5, pmf)

    assert markov_chain_cost(s, big_s, 1, 4, 5, pmf) == pytest.approx(cost, rel=1e-9)


@settings(max_examples=25, deadline=None)
@given(
    st.floats(min_value=0.5, max_value=3),
    st.floats(min_value=1, max_value=10),
    st.floats(min_value=0.5, max_value=20),
    st.lists(st.floats(min_value=0.0, max_value=1), min_size=2, max_size=5).filter(
        lambda w: sum(w[1:]) > 0.05
    ),
)
def test_zheng_federgruen_finds_the_brute_force_optimum(
    h: float, ratio: float, k: float, weights: list[float]
) -> None:
    p = ratio * h  # stockouts dearer than holding keep the optimum inside the window enumerated
    pmf = {d: w / sum(weights) for d, w in enumerate(weights) if w > 0}

    s, big_s, cost = ss_optimal(h, p, k, pmf)
    window = [(low, high) for low in range(-8, 12) for high in range(low + 1, low + 31)]
    brute = min(markov_chain_cost(low, high, h, p, k, pmf) for low, high in window)

    assert (s, big_s) in window
    assert markov_chain_cost(s, big_s, h, p, k, pmf) == pytest.approx(cost, rel=1e-7)
    assert cost == pytest.approx(brute, rel=1e-7)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(
            lambda: ss_optimal_poisson(1, 4, 0, 6), "fixed_cost: must be positive", id="K"
        ),
        pytest.param(
            lambda: ss_optimal_poisson(1, 4, 5, 0), "demand_mean: must be positive", id="mean"
        ),
        pytest.param(
            lambda: ss_optimal(1, 4, 5, {0: 1.0}),
            "demand_pmf: demand must be positive with some probability",
            id="no-demand",
        ),
        pytest.param(
            lambda: ss_optimal(1, 4, 5, {0.5: 1.0}),  # type: ignore[dict-item]
            "demand_pmf: must be a whole number",
            id="frac",
        ),
    ],
)
def test_bad_arguments_are_named(call: object, message: str) -> None:
    with pytest.raises(PolicyInputError, match=message):
        call()  # type: ignore[operator]
