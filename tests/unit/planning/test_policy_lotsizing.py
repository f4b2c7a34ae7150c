"""Wagner-Whitin lot sizing against Snyder & Shen (2019), chapter 3.

Published figures were checked against the stockpyl package (``tests/test_wagner_whitin.py``
and the docstring of ``stockpyl/wagner_whitin.py``). Random instances are checked against
enumeration of every order plan that meets demand on time, costed period by period.
"""

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flexchain.planning.policy import PolicyInputError, wagner_whitin


@pytest.mark.parametrize(
    ("fixed", "holding", "demand", "orders", "cost"),
    [
        pytest.param(500, 2, [90, 120, 80, 70], [210, 0, 150, 0], 1380, id="example-3.9"),
        pytest.param(120, 0.8, [150, 100, 80, 200], [150, 180, 0, 200], 424, id="problem-3.27"),
        pytest.param(
            100, 0.1, [730, 580, 445, 650, 880], [1310, 0, 1095, 0, 880], 423, id="problem-3.29"
        ),
        pytest.param(100, 0.1, [200] * 5, [400, 0, 600, 0, 0], 280, id="level-demand"),
    ],
)
def test_wagner_whitin_matches_the_book(
    fixed: float, holding: float, demand: list[float], orders: list[float], cost: float
) -> None:
    result = wagner_whitin(fixed, holding, demand)

    assert result.order_quantities == orders
    assert result.cost == pytest.approx(cost)


def test_per_period_lists_give_the_same_plan_as_scalars() -> None:
    scalars = wagner_whitin(100, 0.1, [730, 580, 445, 650, 880])

    lists = wagner_whitin([100] * 5, [0.1] * 5, [730, 580, 445, 650, 880], purchase_cost=[0] * 5)

    assert lists == scalars


def plan_cost(orders, fixed, holding, demand, purchase) -> float | None:
    stock, total = 0.0, 0.0
    for t, quantity in enumerate(orders):
        stock += quantity - demand[t]
        if stock < 0:
            return None
        total += (fixed[t] if quantity > 0 else 0) + purchase[t] * quantity + holding[t] * stock
    return total


def brute_force(fixed, holding, demand, purchase) -> float:
    """Every plan ordering exactly the total demand (extra stock only adds cost) and meeting it."""
    total = int(sum(demand))
    best = float("inf")
    for orders in itertools.product(range(total + 1), repeat=len(demand)):
        if sum(orders) == total:
            cost = plan_cost(orders, fixed, holding, demand, purchase)
            if cost is not None:
                best = min(best, cost)
    return best


horizons = st.integers(min_value=1, max_value=4)


@st.composite
def instances(draw: st.DrawFn):
    periods = draw(horizons)
    column = st.lists(st.floats(min_value=0, max_value=20), min_size=periods, max_size=periods)
    demand = draw(st.lists(st.integers(0, 3), min_size=periods, max_size=periods))
    return draw(column), draw(column), demand, draw(column)


@settings(max_examples=60, deadline=None)
@given(instances())
def test_wagner_whitin_equals_brute_force_enumeration(instance) -> None:
    fixed, holding, demand, purchase = instance

    quantities, cost = wagner_whitin(fixed, holding, demand, purchase)

    assert sum(quantities) == sum(demand)
    assert plan_cost(quantities, fixed, holding, demand, purchase) == pytest.approx(cost)
    assert cost == pytest.approx(brute_force(fixed, holding, demand, purchase))


def test_periods_without_demand_need_no_order() -> None:
    result = wagner_whitin(50, 1, [0, 0, 10, 0, 10])

    assert result.order_quantities == [0, 0, 20, 0, 0]
    assert result.cost == pytest.approx(50 + 10 * 2)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(
            lambda: wagner_whitin(100, [0.1, 0.1], [1, 2, 3]),
            "holding_cost: must have 3 periods, got 2",
            id="length",
        ),
        pytest.param(
            lambda: wagner_whitin(100, 0.1, [1, -2, 3]),
            r"demand\[1\]: must not be negative",
            id="negative",
        ),
        pytest.param(
            lambda: wagner_whitin(100, 0.1, 5), "demand: must list the demand", id="scalar"
        ),
    ],
)
def test_bad_arguments_are_named(call: object, message: str) -> None:
    with pytest.raises(PolicyInputError, match=message):
        call()  # type: ignore[operator]
