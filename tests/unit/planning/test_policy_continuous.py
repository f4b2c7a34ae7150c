"""(r, Q) policies against Snyder & Shen (2019), chapter 5.

Published figures were checked against the stockpyl package (``tests/test_rq.py`` and the
docstrings of ``stockpyl/rq.py``): Example 5.8 (Poisson, exact) and Example 5.6 (loss-function
approximation). Random Poisson instances are checked against enumeration of every (r, Q) in a
window, each costed by equation (5.48) with the newsvendor cost summed term by term.
"""

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flexchain.planning.policy import (
    PolicyInputError,
    rq_loss_function_approximation,
    rq_optimal_poisson,
)
from flexchain.planning.policy.loss import standard_normal_loss, standard_normal_second_loss

EXAMPLE_5_1 = (0.225, 7.5, 8, 1300, 150, 1 / 12)  # h, p, K, lambda, tau, L (years)


def brute_force_rq(h: float, p: float, k: float, rate: float, lead_time: float):
    """Cheapest (cost, r, Q) with -40 <= r and r + Q <= 80, each costed by equation (5.48)."""
    mean = rate * lead_time
    pmf = [math.exp(-mean) * mean**d / math.factorial(d) for d in range(int(mean + 60))]
    levels = range(-40, 81)
    g = [
        sum(f * (h * max(y - d, 0) + p * max(d - y, 0)) for d, f in enumerate(pmf)) for y in levels
    ]
    prefix = [0.0, *itertools.accumulate(g)]  # prefix[i] = g(-40) + ... + g(-40 + i - 1)

    def cost(r: int, q: int) -> float:  # (K lambda + g(r+1) + ... + g(r+q)) / Q
        return (k * rate + prefix[r + q + 41] - prefix[r + 41]) / q

    return min((cost(r, q), r, q) for r in range(-41, 80) for q in range(1, 80 - r))


def test_example_5_8() -> None:
    r, q, cost = rq_optimal_poisson(20, 150, 100, 1.5, 2)

    assert (r, q) == (3, 5)
    assert cost == pytest.approx(107.92358063314975, rel=1e-9)


def test_example_5_8_agrees_with_enumeration() -> None:
    cost, r, q = brute_force_rq(20, 150, 100, 1.5, 2)

    assert tuple(rq_optimal_poisson(20, 150, 100, 1.5, 2)) == pytest.approx((r, q, cost))


@settings(max_examples=25, deadline=None)
@given(
    st.floats(min_value=1, max_value=20),
    st.floats(min_value=1, max_value=10),
    st.floats(min_value=1, max_value=100),
    st.floats(min_value=0.2, max_value=3),
    st.floats(min_value=0.0, max_value=3),
)
def test_rq_poisson_matches_enumeration(
    h: float, ratio: float, k: float, rate: float, lead_time: float
) -> None:
    p = ratio * h  # stockouts dearer than holding keep the optimum inside the window
    brute_cost, _, _ = brute_force_rq(h, p, k, rate, lead_time)

    r, q, cost = rq_optimal_poisson(h, p, k, rate, lead_time)

    assert cost == pytest.approx(brute_cost, rel=1e-9)
    assert r > -41 and r + q < 80  # the optimum lies inside the enumerated window


def test_example_5_6_loss_function_approximation() -> None:
    r, q = rq_loss_function_approximation(*EXAMPLE_5_1)

    assert r == pytest.approx(126.8670634479628, abs=1e-4)
    assert q == pytest.approx(328.4491421980451, abs=1e-4)


@settings(max_examples=40)
@given(
    st.floats(min_value=0.05, max_value=5),
    st.floats(min_value=1, max_value=50),
    st.floats(min_value=1, max_value=100),
    st.floats(min_value=100, max_value=5000),
    st.floats(min_value=0.05, max_value=0.5),
    st.floats(min_value=0.01, max_value=0.5),
)
def test_loss_function_approximation_satisfies_its_two_equations(
    h: float, p: float, k: float, rate: float, spread: float, lead_time: float
) -> None:
    sd = spread * rate
    mu, sigma = rate * lead_time, sd * math.sqrt(lead_time)

    r, q = rq_loss_function_approximation(h, p, k, rate, sd, lead_time)

    z = (r - mu) / sigma
    assert sigma * standard_normal_loss(z).L == pytest.approx(h * q / (h + p), rel=1e-6)
    second = sigma**2 * standard_normal_second_loss(z)
    assert q == pytest.approx(math.sqrt(2 * (k * rate + (h + p) * second) / h), rel=1e-6)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(
            lambda: rq_optimal_poisson(20, 150, 0, 1.5, 2), "fixed_cost: must be positive", id="K"
        ),
        pytest.param(
            lambda: rq_optimal_poisson(20, 150, 100, 1.5, -1),
            "lead_time: must not be negative",
            id="L",
        ),
        pytest.param(
            lambda: rq_loss_function_approximation(0.225, 7.5, 8, 1300, 0, 1 / 12),
            "demand_sd: must be positive",
            id="sd",
        ),
        pytest.param(
            lambda: rq_loss_function_approximation(0.225, 7.5, 8, 1300, 150, 0),
            "lead_time: must be positive",
            id="L0",
        ),
    ],
)
def test_bad_arguments_are_named(call: object, message: str) -> None:
    with pytest.raises(PolicyInputError, match=message):
        call()  # type: ignore[operator]
