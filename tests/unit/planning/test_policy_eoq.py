"""EOQ, EOQ with backorders and EPQ against Snyder & Shen (2019), chapter 3.

Published figures were checked against the stockpyl package (``tests/test_eoq.py`` and the
docstrings of ``stockpyl/eoq.py``), which reproduces the book's examples and problems.
"""

import math
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flexchain.domain.errors import ValidationError
from flexchain.planning.policy import PolicyInputError, eoq, eoq_with_backorders, epq

costs = st.floats(min_value=0.01, max_value=1e4)
factors = st.floats(min_value=0.05, max_value=20).filter(lambda f: abs(f - 1) > 1e-6)


@pytest.mark.parametrize(
    ("fixed_cost", "holding_cost", "demand_rate", "quantity", "cost"),
    [
        pytest.param(8, 0.75 * 0.3, 1300, 304.0467800264368, 68.410525505948272, id="example-3.1"),
        pytest.param(2250, 275, 500 * 365, 1728.109844993551, 475230.2073732266, id="problem-3.1"),
    ],
)
def test_eoq_matches_the_book(
    fixed_cost: float, holding_cost: float, demand_rate: float, quantity: float, cost: float
) -> None:
    result = eoq(fixed_cost, holding_cost, demand_rate)

    assert result.order_quantity == pytest.approx(quantity, rel=1e-12)
    assert result.cost == pytest.approx(cost, rel=1e-12)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(
            (8, 0.225, 5, 1300),
            (310.8125551589646, 0.043062200956938, 66.921363550973254),
            id="example-3.8",
        ),
        pytest.param(
            (40, 165 * 0.17 + 12, 60, 40 * 52),
            (83.235448128898042, 0.400299850074962, 1999.148244415212),
            id="problem-3.2b",
        ),
    ],
)
def test_eoq_with_backorders_matches_the_book(
    args: tuple[float, float, float, float], expected: tuple[float, float, float]
) -> None:
    result = eoq_with_backorders(*args)

    assert tuple(result) == pytest.approx(expected, rel=1e-12)
    assert result._fields == ("order_quantity", "stockout_fraction", "cost")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(
            (8, 0.225, 1300, 2000), (513.9328595516969, 40.472212689696120), id="example-3.1-mu2000"
        ),
        pytest.param((4, 0.08, 80, 110), (171.2697677155351, 3.736794931975310), id="problem-3.22"),
    ],
)
def test_epq_matches_the_book(
    args: tuple[float, float, float, float], expected: tuple[float, float]
) -> None:
    assert tuple(epq(*args)) == pytest.approx(expected, rel=1e-12)


@given(costs, costs, costs, factors)
def test_eoq_cost_is_minimal_against_any_other_quantity(
    fixed_cost: float, holding_cost: float, demand_rate: float, factor: float
) -> None:
    quantity, cost = eoq(fixed_cost, holding_cost, demand_rate)
    other = quantity * factor

    def average_cost(q: float) -> float:  # g(Q) = K lambda / Q + h Q / 2, equation (3.3)
        return fixed_cost * demand_rate / q + holding_cost * q / 2

    assert cost == pytest.approx(average_cost(quantity), rel=1e-9)
    assert cost <= average_cost(other) * (1 + 1e-12)


@given(costs, costs, costs, costs, factors, st.floats(min_value=0, max_value=1))
def test_eoq_with_backorders_beats_any_other_plan(
    fixed_cost: float,
    holding_cost: float,
    stockout_cost: float,
    demand_rate: float,
    factor: float,
    fraction: float,
) -> None:
    quantity, x, cost = eoq_with_backorders(fixed_cost, holding_cost, stockout_cost, demand_rate)

    def average_cost(q: float, x: float) -> float:  # g(Q, x), equation (3.26)
        return (
            holding_cost * q * (1 - x) ** 2 / 2
            + stockout_cost * q * x**2 / 2
            + fixed_cost * demand_rate / q
        )

    assert cost == pytest.approx(average_cost(quantity, x), rel=1e-9)
    assert cost <= average_cost(quantity * factor, fraction) * (1 + 1e-12)


@given(costs, costs, st.floats(min_value=0.01, max_value=0.99), factors)
def test_epq_cost_is_minimal_against_any_other_quantity(
    fixed_cost: float, holding_cost: float, utilisation: float, factor: float
) -> None:
    demand_rate, production_rate = 100 * utilisation, 100.0
    quantity, cost = epq(fixed_cost, holding_cost, demand_rate, production_rate)

    def average_cost(q: float) -> float:
        return fixed_cost * demand_rate / q + holding_cost * (1 - utilisation) * q / 2

    assert cost == pytest.approx(average_cost(quantity), rel=1e-9)
    assert cost <= average_cost(quantity * factor) * (1 + 1e-12)


def test_eoq_with_backorders_tends_to_eoq_as_stockouts_get_dear() -> None:
    plain = eoq(8, 0.225, 1300)
    backordered = eoq_with_backorders(8, 0.225, 1e12, 1300)

    assert backordered.order_quantity == pytest.approx(plain.order_quantity, rel=1e-9)
    assert backordered.stockout_fraction == pytest.approx(0, abs=1e-9)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(lambda: eoq(8, 0, 1300), "holding_cost: must be positive, got 0", id="h=0"),
        pytest.param(
            lambda: eoq(-8, 0.225, 1300), "fixed_cost: must not be negative, got -8", id="K<0"
        ),
        pytest.param(
            lambda: eoq(8, 0.225, math.nan), "demand_rate: must be a finite number", id="nan"
        ),
        pytest.param(
            lambda: eoq_with_backorders(8, 0.225, 0, 1300),
            "stockout_cost: must be positive, got 0",
            id="p=0",
        ),
        pytest.param(
            lambda: epq(8, 0.225, 1300, 1300),
            "production_rate: must exceed demand_rate (1300), got 1300",
            id="mu<=lambda",
        ),
        pytest.param(
            lambda: eoq("8", 0.225, 1300),  # type: ignore[arg-type]
            "fixed_cost: must be a number",
            id="text",
        ),
    ],
)
def test_bad_arguments_are_named(call: object, message: str) -> None:
    with pytest.raises(PolicyInputError) as error:
        call()  # type: ignore[operator]

    assert str(error.value).startswith(message)
    assert isinstance(error.value, ValueError)
    assert isinstance(error.value, ValidationError)


def test_errors_survive_pickling_for_dask_workers() -> None:
    with pytest.raises(PolicyInputError) as error:
        eoq(8, -1, 1300)

    copy = pickle.loads(pickle.dumps(error.value))

    assert (copy.field, str(copy)) == ("holding_cost", "holding_cost: must be positive, got -1")
