"""Newsvendor solutions against Snyder & Shen (2019), chapter 4.

Published figures were checked against the stockpyl package (``tests/test_newsvendor.py`` and
the docstrings of ``stockpyl/newsvendor.py``), which reproduces the book's examples and problems.
"""

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flexchain.planning.policy import (
    PolicyInputError,
    newsvendor_discrete,
    newsvendor_normal,
    newsvendor_poisson,
)


def poisson_pmf(mean: float, top: int) -> dict[int, float]:
    return {d: math.exp(-mean) * mean**d / math.factorial(d) for d in range(top + 1)}


def expected_cost(level: float, h: float, p: float, pmf: dict[int, float]) -> float:
    return sum(f * (h * max(level - d, 0) + p * max(d - level, 0)) for d, f in pmf.items())


@pytest.mark.parametrize(
    ("args", "level", "cost"),
    [
        pytest.param((0.18, 0.70, 50, 8), 56.603955927433887, 1.997605193176645, id="example-4.3"),
        pytest.param(
            (0.18, 0.70, 50, 8, 4), 264.7668943741548, 4.466781004149578, id="example-4.4-L4"
        ),
        pytest.param(
            (65 - 22, 129 - 65 + 15, 900, 60), 922.7214038234755, 2718.196781782411, id="prob-4.1"
        ),
    ],
)
def test_newsvendor_normal_matches_the_book(
    args: tuple[Any, ...], level: float, cost: float
) -> None:
    result = newsvendor_normal(*args)

    assert result.base_stock_level == pytest.approx(level, rel=1e-9)
    assert result.cost == pytest.approx(cost, rel=1e-9)


@pytest.mark.parametrize(
    ("args", "level", "cost"),
    [
        pytest.param((1, 4, 6), 8, 3.570106945770946, id="example-4.7"),
        pytest.param((200, 270, 18), 19, 786.0884409351115, id="problem-4.8a"),
        pytest.param((0.18, 0.70, 50), 56, 1.797235211809178, id="example-4.3-poisson"),
    ],
)
def test_newsvendor_poisson_matches_the_book(
    args: tuple[float, float, float], level: int, cost: float
) -> None:
    result = newsvendor_poisson(*args)

    assert result.base_stock_level == level
    assert result.cost == pytest.approx(cost, rel=1e-9)


def test_newsvendor_discrete_solves_example_4_7_from_a_table() -> None:
    result = newsvendor_discrete(1, 4, poisson_pmf(6, 40))

    assert result.base_stock_level == 8
    assert result.cost == pytest.approx(3.570106945770946, rel=1e-9)


def test_newsvendor_discrete_solves_problem_4_7b() -> None:
    pmf = {1: 0.25, 2: 0.05, 3: 0.1, 4: 0.2, 5: 0.15, 6: 0.10, 7: 0.10, 8: 0.05}

    result = newsvendor_discrete(500_000, 1_000_000, pmf)

    assert result.base_stock_level == 5
    assert result.cost == pytest.approx(1_225_000)


@settings(max_examples=60)
@given(
    st.floats(min_value=0.01, max_value=100),
    st.floats(min_value=0.01, max_value=100),
    st.dictionaries(
        st.integers(min_value=0, max_value=30),
        st.floats(min_value=0.001, max_value=1),
        min_size=1,
        max_size=8,
    ),
)
def test_newsvendor_discrete_minimises_expected_cost(
    h: float, p: float, weights: dict[int, float]
) -> None:
    total = sum(weights.values())
    pmf = {d: w / total for d, w in weights.items()}

    level, cost = newsvendor_discrete(h, p, pmf)

    assert cost == pytest.approx(expected_cost(level, h, p, pmf), rel=1e-9)
    for other in range(-2, 33):  # every whole stock level, in and beyond the support
        assert cost <= expected_cost(other, h, p, pmf) * (1 + 1e-9) + 1e-12


@settings(max_examples=40)
@given(
    st.floats(min_value=0.05, max_value=20),
    st.floats(min_value=0.05, max_value=20),
    st.floats(min_value=0.5, max_value=30),
)
def test_newsvendor_poisson_minimises_expected_cost(h: float, p: float, mean: float) -> None:
    pmf = poisson_pmf(mean, int(mean + 15 * math.sqrt(mean) + 30))

    level, cost = newsvendor_poisson(h, p, mean)

    assert cost == pytest.approx(expected_cost(level, h, p, pmf), rel=1e-7)
    assert cost <= min(expected_cost(y, h, p, pmf) for y in range(len(pmf))) * (1 + 1e-9)


@settings(max_examples=30)
@given(
    st.floats(min_value=0.05, max_value=20),
    st.floats(min_value=0.05, max_value=20),
    st.floats(min_value=-0.9, max_value=0.9).filter(lambda shift: abs(shift) > 1e-3),
)
def test_newsvendor_normal_cost_is_the_integral_and_is_minimal(
    h: float, p: float, shift: float
) -> None:
    mean, sd = 100.0, 15.0
    level, cost = newsvendor_normal(h, p, mean, sd)

    def integrated_cost(s: float) -> float:  # midpoint rule over mean +- 10 sd
        steps = 20_000
        width = 20 * sd / steps
        total = 0.0
        for i in range(steps):
            d = mean - 10 * sd + (i + 0.5) * width
            density = math.exp(-(((d - mean) / sd) ** 2) / 2) / (sd * math.sqrt(2 * math.pi))
            total += (h * max(s - d, 0) + p * max(d - s, 0)) * density * width
        return total

    assert cost == pytest.approx(integrated_cost(level), rel=1e-6)
    assert cost < integrated_cost(level + shift * sd)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(
            lambda: newsvendor_normal(0, 0.7, 50, 8), "holding_cost: must be positive", id="h"
        ),
        pytest.param(
            lambda: newsvendor_normal(0.18, 0.7, 50, 0), "demand_sd: must be positive", id="sd"
        ),
        pytest.param(
            lambda: newsvendor_normal(0.18, 0.7, 50, 8, 1.5),  # type: ignore[arg-type]
            "lead_time: must be a whole number",
            id="L",
        ),
        pytest.param(
            lambda: newsvendor_poisson(1, -4, 6), "stockout_cost: must be positive", id="p"
        ),
        pytest.param(
            lambda: newsvendor_discrete(1, 4, {1: 0.5, 2: 0.4}),
            "demand_pmf: probabilities must sum to 1",
            id="pmf-sum",
        ),
        pytest.param(
            lambda: newsvendor_discrete(1, 4, {}), "demand_pmf: must give at least one", id="empty"
        ),
        pytest.param(
            lambda: newsvendor_discrete(1, 4, {1: 1.2, 2: -0.2}),
            r"demand_pmf\[2\]: must not be negative",
            id="negative",
        ),
    ],
)
def test_bad_arguments_are_named(call: object, message: str) -> None:
    with pytest.raises(PolicyInputError, match=message):
        call()  # type: ignore[operator]
