"""EOQ under all-units and incremental quantity discounts (Snyder & Shen (2019), chapter 3).

The price schedule is that of the book's Example 3.7 (the candy of Example 3.1 at 0.75 per unit,
0.72 from 400 units, 0.68 from 800; holding rate 0.3; K = 8; lambda = 1300), confirmed from a
package citing it (EOQincr in the R package by A. Migdalas). The book's answers could not be
confirmed from a published source here, so every expectation is computed independently: the
average cost ``lambda (K + P(Q)) / Q + i P(Q) / 2`` (P the purchase cost of an order of Q,
summed unit by unit over the schedule) is minimised over a fine geometric grid of quantities.
"""

import bisect
from collections.abc import Callable, Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flexchain.planning.policy import (
    PolicyInputError,
    eoq_all_units_discount,
    eoq_incremental_discount,
)

K, RATE, LAMBDA = 8.0, 0.3, 1300.0
BREAKS, PRICES = [0.0, 400.0, 800.0], [0.75, 0.72, 0.68]

Purchase = Callable[[float], float]


def all_units_price(breaks: Sequence[float], prices: Sequence[float]) -> Purchase:
    return lambda q: prices[bisect.bisect_right(breaks, q) - 1] * q


def incremental_price(breaks: Sequence[float], prices: Sequence[float]) -> Purchase:
    def purchase(q: float) -> float:
        total = 0.0
        for j, start in enumerate(breaks):
            end = breaks[j + 1] if j + 1 < len(breaks) else float("inf")
            total += prices[j] * max(0.0, min(q, end) - start)
        return total

    return purchase


def average_cost(purchase: Purchase, fixed: float, rate: float, demand: float, q: float) -> float:
    return demand * (fixed + purchase(q)) / q + rate * purchase(q) / 2


def grid_minimum(purchase: Purchase, fixed: float, rate: float, demand: float) -> float:
    grid = np.concatenate([np.geomspace(0.1, 20_000, 25_000), np.asarray(BREAKS)[1:]])
    return min(average_cost(purchase, fixed, rate, demand, float(q)) for q in grid)


def test_all_units_example_orders_at_the_last_breakpoint() -> None:
    result = eoq_all_units_discount(K, RATE, LAMBDA, BREAKS, PRICES)
    purchase = all_units_price(BREAKS, PRICES)

    assert (result.order_quantity, result.region) == (800.0, 2)
    assert result.cost == pytest.approx(average_cost(purchase, K, RATE, LAMBDA, 800.0))
    assert result.cost <= grid_minimum(purchase, K, RATE, LAMBDA) + 1e-9


def test_incremental_example_stays_in_the_first_region() -> None:
    result = eoq_incremental_discount(K, RATE, LAMBDA, BREAKS, PRICES)
    purchase = incremental_price(BREAKS, PRICES)
    brute = grid_minimum(purchase, K, RATE, LAMBDA)

    assert result.region == 0
    assert result.order_quantity == pytest.approx(304.0467800264368)  # the plain EOQ
    assert result.cost == pytest.approx(
        average_cost(purchase, K, RATE, LAMBDA, result.order_quantity)
    )
    assert result.cost <= brute + 1e-9
    assert brute - result.cost < 1e-6 * brute


schedules = st.lists(
    st.tuples(st.floats(min_value=20, max_value=800), st.floats(min_value=0.01, max_value=0.2)),
    min_size=0,
    max_size=3,
)


@st.composite
def price_schedule(draw: st.DrawFn) -> tuple[list[float], list[float]]:
    breaks, prices = [0.0], [draw(st.floats(min_value=1, max_value=20))]
    for gap, cut in draw(schedules):
        breaks.append(breaks[-1] + gap)
        prices.append(prices[-1] * (1 - cut))
    return breaks, prices


@settings(max_examples=25, deadline=None)
@given(
    price_schedule(),
    st.floats(min_value=1, max_value=200),
    st.floats(min_value=0.05, max_value=0.5),
    st.floats(min_value=50, max_value=3000),
    st.sampled_from([eoq_all_units_discount, eoq_incremental_discount]),
)
def test_discount_eoq_is_the_grid_minimum(
    schedule: tuple[list[float], list[float]],
    fixed: float,
    rate: float,
    demand: float,
    solve: Callable[..., tuple[float, int, float]],
) -> None:
    breaks, prices = schedule
    pricing = all_units_price if solve is eoq_all_units_discount else incremental_price
    purchase = pricing(breaks, prices)
    grid = np.concatenate([np.geomspace(0.1, 20_000, 25_000), np.asarray(breaks[1:])])
    brute = min(average_cost(purchase, fixed, rate, demand, float(q)) for q in grid)

    quantity, region, cost = solve(fixed, rate, demand, breaks, prices)

    assert breaks[region] <= quantity
    assert region + 1 == len(breaks) or quantity < breaks[region + 1]
    assert cost == pytest.approx(average_cost(purchase, fixed, rate, demand, quantity), rel=1e-9)
    assert cost <= brute * (1 + 1e-12)
    assert brute - cost <= 1e-5 * brute


@pytest.mark.parametrize(
    ("breaks", "prices", "message"),
    [
        pytest.param([10, 400], [0.75, 0.72], "breakpoints: must start at 0", id="no-zero"),
        pytest.param([0, 400, 300], [0.75, 0.72, 0.7], "breakpoints: must increase", id="order"),
        pytest.param([0, 400], [0.75], "unit_costs: must have one cost per breakpoint", id="len"),
        pytest.param([0, 400], [0.72, 0.75], "unit_costs: must not increase", id="rising"),
        pytest.param([0, 400], [0.75, 0], "unit_costs[1]: must be positive", id="free"),
        pytest.param([], [], "breakpoints: must list at least one region", id="empty"),
    ],
)
def test_bad_price_schedules_are_named(
    breaks: list[float], prices: list[float], message: str
) -> None:
    for solve in (eoq_all_units_discount, eoq_incremental_discount):
        with pytest.raises(PolicyInputError, match=message.replace("[", r"\[").replace("]", r"\]")):
            solve(K, RATE, LAMBDA, breaks, prices)
